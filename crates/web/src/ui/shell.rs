//! What every page shares: the layout with its navigation, the page language, the signed-in
//! user as an extractor, local times, and the error page.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup, DOCTYPE};
use store::Caller;

use super::t;
use crate::auth::token_from_headers;
use crate::local_time::local_time;
use crate::{AppState, Lang};

const CSS: &str = include_str!("app.css");
const JS: &str = include_str!("app.js");

/// The main navigation: path and message id. A new area of the UI adds one line here.
const NAV: &[(&str, &str)] = &[
    ("/", "nav-dashboard"),
    ("/map", "nav-map"),
    ("/risk", "nav-risk"),
    ("/forecast", "nav-forecast"),
    ("/cases", "nav-cases"),
    ("/persons", "nav-persons"),
    ("/contacts", "nav-contacts"),
    ("/clusters", "nav-clusters"),
    ("/venues", "nav-venues"),
    ("/facilities", "nav-facilities"),
    ("/coverage", "nav-coverage"),
    ("/aid", "nav-aid"),
    ("/care-elsewhere", "nav-care-away"),
];

/// Navigation shown only to the roles that may open it (the others would meet a 403).
const NAV_BY_PERMISSION: &[(&str, &str, domain::role::Permission)] = &[
    (
        "/national",
        "nav-national",
        domain::role::Permission::SetPolicy,
    ),
    (
        "/handovers",
        "nav-handovers",
        domain::role::Permission::WritePersonal,
    ),
    (
        "/shared",
        "nav-shared",
        domain::role::Permission::ReadPersonal,
    ),
    (
        "/exposures",
        "nav-exposures",
        domain::role::Permission::ReadPersonal,
    ),
];

/// The page language: the `lang` cookie, else `Accept-Language`, else Vietnamese.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    match crate::auth::cookie(headers, "lang").as_deref() {
        Some("en") => Lang::En,
        Some("vi") => Lang::Vi,
        _ => crate::lang::from_headers(headers),
    }
}

/// A page request from a signed-in user: the language and the caller. Extracting it from a
/// request without a live session redirects to the sign-in page.
pub struct Ui {
    pub lang: Lang,
    pub me: Caller,
}

impl FromRequestParts<AppState> for Ui {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = lang_of(&parts.headers);
        // The guard (`access::guard`) has signed the caller in already.
        if let Some(me) = parts.extensions.get::<Caller>() {
            return Ok(Ui {
                lang,
                me: me.clone(),
            });
        }
        let Some(token) = token_from_headers(&parts.headers) else {
            return Err(to_login());
        };
        let found = state
            .store
            .caller_by_token(
                &domain::auth::token_hash(&token),
                app::clock::WallClock::now_s(),
            )
            .await;
        match found {
            Ok(Some(me)) => Ok(Ui { lang, me }),
            Ok(None) => Err(to_login()),
            Err(e) => {
                tracing::error!("session look-up: {e}");
                Err(failure(lang, StatusCode::INTERNAL_SERVER_ERROR))
            }
        }
    }
}

impl Ui {
    /// The page in the layout, with this user's navigation.
    pub fn page(&self, title: &str, body: Markup) -> Response {
        page(self.lang, title, Some(&self.me), body).into_response()
    }

    /// The error page for `status`, with this user's navigation and a way back.
    pub fn fail(&self, status: StatusCode) -> Response {
        let text = failure_text(status);
        let body = html! {
            p.error role="alert" { (text) }
            p { a href="/" { (back_text()) } }
        };
        (status, page(self.lang, text, Some(&self.me), body)).into_response()
    }

    /// A fault the user cannot mend: its cause logged under `what`, the error page shown.
    pub fn failed(&self, what: &str, cause: &dyn std::fmt::Display) -> Response {
        tracing::error!("{what}: {cause}");
        self.fail(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn t(&self, id: &str) -> String {
        t(self.lang, id)
    }
}

/// One page of a list: `limit` rows after the cursor a "next" link carried (a bad cursor starts
/// from the top; the API, not the page, reports cursor errors).
pub fn page_of(cursor: Option<&str>, limit: u32) -> store::PageRequest {
    let after = cursor.and_then(|c| store::Cursor::decode(c).ok());
    store::PageRequest { limit, after }
}

/// A time in the locality's zone, written the way each language writes it.
pub fn local(t_s: i64, lang: Lang) -> String {
    let t = local_time(t_s);
    match lang {
        Lang::Vi => t.format("%H:%M %d/%m/%Y").to_string(),
        Lang::En => t.format("%Y-%m-%d %H:%M").to_string(),
    }
}

pub fn page(lang: Lang, title: &str, user: Option<&Caller>, body: Markup) -> Markup {
    let other = other_lang(lang);
    let head = html! {
        link rel="stylesheet" href="/static/app.css";
        script src="/static/app.js" defer {}
    };
    let header = html! {
        a.brand href="/" { (t(lang, "app-name")) }
        @if user.is_some() {
            nav aria-label=(t(lang, "nav-label")) {
                @for (href, key) in NAV { a href=(href) { (t(lang, key)) } }
                @for (href, key, may) in NAV_BY_PERMISSION {
                    @if user.is_some_and(|u| u.user.role.can(*may)) {
                        a href=(href) { (t(lang, key)) }
                    }
                }
            }
        }
        a href={ "/lang/" (other) } lang=(other) { (t(lang, "lang-switch")) }
        @if let Some(u) = user {
            span.user { (u.user.username) }
            form method="post" action="/logout" style="display:inline" {
                button type="submit" { (t(lang, "nav-logout")) }
            }
        }
    };
    document(lang, title, head, header, body)
}

/// The other language's code (the switch's target).
pub fn other_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "en",
        Lang::En => "vi",
    }
}

/// An HTML document of ours: `head` adds to the head (styles, scripts), `header` is the
/// banner's content; the skip link and the main landmark are always there.
pub fn document(lang: Lang, title: &str, head: Markup, header: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(match lang { Lang::Vi => "vi", Lang::En => "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (t(lang, "app-name")) }
                (head)
            }
            body {
                a.skip href="#main" { (t(lang, "skip-to-content")) }
                header { (header) }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}

pub fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

/// The error page: what went wrong in both languages, with its status.
pub fn failure(lang: Lang, status: StatusCode) -> Response {
    let text = failure_text(status);
    let body = html! {
        p.error role="alert" { (text) }
        p { a href="/" { (back_text()) } }
    };
    (status, page(lang, text, None, body)).into_response()
}

fn failure_text(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "Không tìm thấy. / Not found.",
        StatusCode::FORBIDDEN => "Tài khoản không có quyền này. / Not permitted.",
        StatusCode::BAD_REQUEST => "Yêu cầu không hợp lệ. / Bad request.",
        _ => "Lỗi hệ thống; thao tác chưa được thực hiện. / Internal error; nothing was changed.",
    }
}

/// The way back from an error page: the dashboard (or, signed out, the sign-in page it
/// sends to).
fn back_text() -> &'static str {
    "Về trang tổng quan / Back to the overview"
}

/// The page for a form that did not come from our own page (`csrf`).
pub fn forged(lang: Lang) -> Response {
    let text = "Biểu mẫu không đến từ trang của hệ thống hoặc đã cũ; không có gì thay đổi. Hãy tải lại trang và gửi lại. / The form did not come from this system's page, or is stale; nothing was changed. Reload the page and send it again.";
    (
        StatusCode::FORBIDDEN,
        page(lang, text, None, html! { p.error role="alert" { (text) } }),
    )
        .into_response()
}

pub async fn css() -> Response {
    static_file("text/css; charset=utf-8", CSS)
}

pub async fn js() -> Response {
    static_file("text/javascript; charset=utf-8", JS)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub async fn set_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let code = if code == "en" { "en" } else { "vi" };
    // Back to the page the switch was clicked on, if it was one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_string()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let mut resp = Redirect::to(&back).into_response();
    if let Ok(v) = format!("lang={code}; Path=/; Max-Age=31536000; SameSite=Lax").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}
