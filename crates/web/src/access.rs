//! Who may use which route: declared once, beside the route, and checked by one function
//! ([`guard`]) for the JSON API and the pages alike.
//!
//! Every route is added through [`Routes`], which takes its [`Access`] with the handler, so a
//! route cannot be added without saying who may use it. [`guard`] runs before every handler:
//! it signs the caller in, refuses a caller the route's access does not allow (401/403 for the
//! API; the sign-in page or a 403 page for pages), checks a state-changing request made with
//! the session cookie against cross-site forgery (`csrf`), and hands the caller to the
//! handler's extractor (`extract::Auth`, `ui::shell::Ui`) so the session is read once. A route
//! the router knows but the table does not is refused (fail closed), and the route table
//! itself is public ([`route_table`]) so a test can walk every route with every role.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use domain::role::Permission;
use store::Caller;

use crate::error::{ApiError, ErrorCode};
use crate::{auth, csrf, AppState};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without an account: sign-in, the public pages, health, static files.
    Public,
    /// Any signed-in account: figures without personal data.
    SignedIn,
    /// A signed-in account whose role has the permission (`Role::can`).
    Can(Permission),
}

impl Access {
    /// The one decision: may this caller (or no caller) use a route of this access?
    pub fn allows(self, caller: Option<&Caller>) -> Result<(), Refusal> {
        match (self, caller) {
            (Access::Public, _) => Ok(()),
            (_, None) => Err(Refusal::SignIn),
            (Access::SignedIn, Some(_)) => Ok(()),
            (Access::Can(p), Some(c)) if c.user.role.can(p) => Ok(()),
            (Access::Can(_), Some(_)) => Err(Refusal::Forbidden),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No live session: sign in first (401, or the sign-in page).
    SignIn,
    /// The role lacks the permission (403). It does not depend on any record, so it reveals
    /// nothing about what exists.
    Forbidden,
}

/// The HTTP methods routes use; HEAD is answered as GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Get,
    Post,
    Patch,
}

impl Verb {
    fn of(m: &Method) -> Option<Verb> {
        if *m == Method::GET || *m == Method::HEAD {
            Some(Verb::Get)
        } else if *m == Method::POST {
            Some(Verb::Post)
        } else if *m == Method::PATCH {
            Some(Verb::Patch)
        } else {
            None
        }
    }

    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Patch => Method::PATCH,
        }
    }
}

/// One declared route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub verb: Verb,
    /// The path as the router matches it (`/api/v1/cases/{id}`).
    pub path: String,
    pub access: Access,
}

impl Declared {
    /// Whether the route serves the JSON API (errors in its shape) or a page.
    pub fn is_api(&self) -> bool {
        is_api(&self.path)
    }
}

fn is_api(path: &str) -> bool {
    // FHIR is an API too: refused in its error shape, never sent to the sign-in page.
    path.starts_with("/api/") || path == "/fhir" || path.starts_with("/fhir/")
}

/// A router being built, with the access of every route it holds.
pub struct Routes {
    prefix: &'static str,
    router: Router<AppState>,
    table: Vec<Declared>,
}

impl Routes {
    /// Routes whose paths start with `prefix` (`""` for the pages, `/api/v1` for the API).
    pub fn under(prefix: &'static str) -> Routes {
        Routes {
            prefix,
            router: Router::new(),
            table: Vec::new(),
        }
    }

    pub fn get<H, T>(self, path: &str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Verb::Get, path, access, axum::routing::get(handler))
    }

    pub fn post<H, T>(self, path: &str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Verb::Post, path, access, axum::routing::post(handler))
    }

    pub fn patch<H, T>(self, path: &str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Verb::Patch, path, access, axum::routing::patch(handler))
    }

    /// A route whose method router is already built (to give it its own layers, such as a
    /// larger body limit); `verb` must be the one method it serves.
    pub fn add(
        mut self,
        verb: Verb,
        path: &str,
        access: Access,
        route: MethodRouter<AppState>,
    ) -> Routes {
        let full = format!("{}{path}", self.prefix);
        self.router = self.router.route(&full, route);
        self.table.push(Declared {
            verb,
            path: full,
            access,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Declared>) {
        (self.router, self.table)
    }
}

/// Every route of the application with its access, in the order declared.
pub fn route_table() -> Vec<Declared> {
    crate::routes().into_parts().1
}

/// What the guard needs: the application and the table to look routes up in.
#[derive(Clone)]
pub struct Guard {
    pub state: AppState,
    table: Arc<HashMap<(Verb, String), Access>>,
    paths: Arc<std::collections::HashSet<String>>,
}

impl Guard {
    pub fn new(state: AppState, table: &[Declared]) -> Guard {
        Guard {
            state,
            table: Arc::new(
                table
                    .iter()
                    .map(|d| ((d.verb, d.path.clone()), d.access))
                    .collect(),
            ),
            paths: Arc::new(table.iter().map(|d| d.path.clone()).collect()),
        }
    }
}

/// The one permission check, run before every handler (see the module's comment).
pub async fn guard(State(g): State<Guard>, mut req: Request, next: Next) -> Response {
    // The fallback (no route matched) has no matched path: it answers 404 by itself.
    let Some(path) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
    else {
        return next.run(req).await;
    };
    let api = is_api(&path);
    let lang = crate::ui::lang_of(req.headers());
    let access = match Verb::of(req.method()).and_then(|v| g.table.get(&(v, path.clone()))) {
        Some(a) => *a,
        None if g.paths.contains(&path) => {
            return refuse(api, lang, ErrorCode::MethodNotAllowed);
        }
        None => {
            // A route added around `Routes` has declared no access: refuse it rather than
            // serve it unguarded (a test walks the table; this catches the rest).
            tracing::error!("route {path} has no declared access; refused");
            return refuse(api, lang, ErrorCode::Internal);
        }
    };
    let state_changing = matches!(*req.method(), Method::POST | Method::PATCH);
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    let session = auth::token_from_headers(req.headers());
    let caller = if access == Access::Public {
        None
    } else {
        let Some(token) = &session else {
            return refuse(api, lang, ErrorCode::Unauthorized);
        };
        match g
            .state
            .store
            .caller_by_token(
                &domain::auth::token_hash(token),
                app::clock::WallClock::now_s(),
            )
            .await
        {
            Ok(c) => c,
            Err(e) => return ApiError::from(e).into_response(),
        }
    };
    match access.allows(caller.as_ref()) {
        Ok(()) => {}
        Err(Refusal::SignIn) => return refuse(api, lang, ErrorCode::Unauthorized),
        Err(Refusal::Forbidden) => return refuse(api, lang, ErrorCode::Forbidden),
    }
    // A request carrying its own Authorization header cannot be forged by another site (a
    // browser never adds one); one riding on the session cookie can, unless it proves it
    // came from our own page.
    let expected = csrf::expected_token(req.headers());
    // A page's form may be forged even before sign-in (the sign-in form itself); an API call
    // only when it rides on the session cookie (without it, it carries no authority).
    let rides_on_cookie = !bearer && session.is_some();
    if state_changing && !bearer && (!api || rides_on_cookie) {
        req = match csrf::check(req, &expected, api, g.state.public_origin.as_deref()).await {
            Ok(req) => req,
            Err(()) => return refuse(api, lang, ErrorCode::CrossSite),
        };
    }
    if let Some(c) = caller {
        req.extensions_mut().insert(c);
    }
    let secure = g.state.served_over_tls();
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    let mut resp = next.run(req).await;
    if writes {
        // Whatever it changed is committed by now: kept figures are computed again.
        g.state.changes.made();
    }
    if !api {
        resp = csrf::into_forms(resp, &expected, secure).await;
    }
    if secure {
        csrf::secure_cookies(&mut resp);
    }
    resp
}

/// A refusal in the route's own form: the API's error shape, or for a page the sign-in page
/// (no session), the forged-form page, or the error page in the user's language.
fn refuse(api: bool, lang: crate::Lang, code: ErrorCode) -> Response {
    if api {
        return ApiError::new(code).into_response();
    }
    match code {
        ErrorCode::Unauthorized => crate::ui::to_login(),
        ErrorCode::CrossSite => crate::ui::forged(lang),
        ErrorCode::MethodNotAllowed => {
            let mut resp = crate::ui::failure(lang, code.status());
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
            resp
        }
        _ => crate::ui::failure(lang, code.status()),
    }
}
