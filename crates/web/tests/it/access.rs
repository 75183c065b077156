//! Who may use which route: every route of the router and every page, walked with every
//! role and without an account, must answer as its declared access says; pages of personal
//! data are closed to viewer and partner; a route outside the table cannot exist.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::role::Permission;
use domain::Role;
use http_body_util::BodyExt;
use store::Store;
use tower::ServiceExt;
use web::access::{route_table, Access, Declared, Verb};

use crate::App;

/// A path of the table with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{structure}", "2021")
        .replace("{code}", "00001")
        .replace("{no}", "1")
        .replace("{id}", "1")
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    code: Option<String>,
}

/// One request to a route as its client would send it: the API with a bearer token and a
/// JSON body, a page with the session cookie, its form token and our origin.
async fn call(app: &App, route: &Declared, token: Option<&str>) -> Answer {
    let uri = concrete(&route.path);
    let mut req = Request::builder()
        .method(route.verb.method())
        .uri(&uri)
        .header("host", "localhost")
        .header("origin", "http://localhost");
    let mut body = String::new();
    match (route.is_api(), token) {
        (true, Some(t)) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
        (false, Some(t)) => {
            req = req.header(header::COOKIE, format!("chongdich_token={t}"));
            body = format!("csrf={}", web::csrf_token(t));
        }
        (false, None) => {
            let t = "p".repeat(43);
            req = req.header(header::COOKIE, format!("chongdich_csrf={t}"));
            body = format!("csrf={t}");
        }
        (true, None) => {}
    }
    if route.verb != Verb::Get {
        if route.is_api() {
            req = req.header(header::CONTENT_TYPE, "application/json");
            body = "{}".into();
        } else {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
    } else {
        body.clear();
    }
    let resp = app
        .router
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let code = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| {
            // The JSON API's error shape, or FHIR's OperationOutcome (`/fhir`).
            v["error"]["code"]
                .as_str()
                .or(v["issue"][0]["details"]["text"].as_str())
                .map(str::to_string)
        });
    Answer {
        status,
        location,
        code,
    }
}

fn refused_sign_in(route: &Declared, a: &Answer) -> bool {
    if route.is_api() {
        a.status == StatusCode::UNAUTHORIZED && a.code.as_deref() == Some("unauthorized")
    } else {
        a.status == StatusCode::SEE_OTHER && a.location.as_deref() == Some("/login")
    }
}

fn refused_role(route: &Declared, a: &Answer) -> bool {
    a.status == StatusCode::FORBIDDEN && (!route.is_api() || a.code.as_deref() == Some("forbidden"))
}

async fn every_route_answers_as_its_access_says(store: Store) {
    let app = App::at(store, Some(1_637_452_800));
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let name = format!("u_{}", role.as_str());
        tokens.push((role, app.login_as(&name, role, &["VN"]).await));
    }
    let table = route_table();
    assert!(table.len() > 100, "{} routes", table.len());
    let mut wrong = Vec::new();
    // Signing out ends the session the walk uses; the auth tests cover it.
    for route in table.iter().filter(|r| !r.path.ends_with("/logout")) {
        let label = format!("{:?} {}", route.verb, route.path);
        let anonymous = call(&app, route, None).await;
        if anonymous.status.is_server_error() {
            wrong.push(format!("{label} anonymous: {}", anonymous.status));
        }
        match route.access {
            Access::Public => {
                if refused_sign_in(route, &anonymous) || anonymous.status == StatusCode::FORBIDDEN {
                    wrong.push(format!("{label}: public, refused without an account"));
                }
            }
            _ => {
                if !refused_sign_in(route, &anonymous) {
                    wrong.push(format!(
                        "{label}: answered {} without an account",
                        anonymous.status
                    ));
                }
            }
        }
        for (role, token) in &tokens {
            let a = call(&app, route, Some(token)).await;
            let allowed = match route.access {
                Access::Public | Access::SignedIn => true,
                Access::Can(p) => role.can(p),
            };
            if a.status.is_server_error() {
                wrong.push(format!("{label} as {role}: {}", a.status));
            }
            if allowed && (refused_role(route, &a) || refused_sign_in(route, &a)) {
                wrong.push(format!("{label} as {role}: refused ({})", a.status));
            }
            if !allowed && !refused_role(route, &a) {
                wrong.push(format!("{label} as {role}: answered {}", a.status));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The leak the review found: viewer and partner read cases, a case's tests and F1/F2, and
/// the follow-up list through the pages although the API refused them.
async fn viewer_and_partner_read_no_personal_page(store: Store) {
    let app = App::at(store, Some(1_637_452_800));
    for role in [Role::Viewer, Role::Partner] {
        let token = app.login_as(role.as_str(), role, &["VN"]).await;
        for path in [
            "/cases",
            "/cases/1",
            "/contacts",
            "/clusters",
            "/clusters/1",
        ] {
            let req = Request::builder()
                .uri(path)
                .header(header::COOKIE, format!("chongdich_token={token}"))
                .body(Body::empty())
                .unwrap();
            let resp = app.router.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path} as {role}");
        }
    }
}

store::both_databases!(
    every_route_answers_as_its_access_says,
    viewer_and_partner_read_no_personal_page
);

/// Routes that hand out personal data are declared as such: a change of the table that opens
/// one of them to every account fails here.
#[test]
fn personal_routes_need_the_personal_permission() {
    for route in route_table() {
        let personal = ["/cases", "/contacts", "/persons", "/clusters"]
            .iter()
            .any(|p| route.path.starts_with(p) || route.path.starts_with(&format!("/api/v1{p}")));
        if personal {
            assert!(
                matches!(
                    route.access,
                    Access::Can(
                        Permission::ReadPersonal
                            | Permission::WritePersonal
                            | Permission::ManageBeds
                    )
                ),
                "{:?} {} is declared {:?}",
                route.verb,
                route.path,
                route.access
            );
        }
    }
    let audit = route_table()
        .into_iter()
        .find(|r| r.path == "/api/v1/audit")
        .unwrap();
    assert_eq!(audit.access, Access::Can(Permission::Administer));
}

/// Every route is added through the table (`access::Routes`), never straight on a router: a
/// route added around it would have no declared access (the guard refuses such a route at
/// run time too).
#[test]
fn no_route_is_added_outside_the_table() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut stack = vec![std::path::PathBuf::from(src)];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("access.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if line.contains(".route(") || line.contains(".nest(") {
                        offenders.push(format!("{}:{}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "routes outside the table: {offenders:?}"
    );
}

/// One forged request: what it tries, its headers and its form.
type Forgery<'a> = (&'a str, Vec<(&'a str, &'a str)>, String);

/// A POST to a page that another site's page made the browser send (the review's forged
/// discharge): refused, and nothing changes; the same form from our own page goes through.
async fn forged_forms_are_refused(store: Store) {
    let app = App::at(store, Some(1_637_452_800));
    let token = app.login_as("officer", Role::Command, &["VN"]).await;
    let cookie = format!("chongdich_token={token}");
    // The review's forgery discharged a patient; here it records an exchange rate (a change
    // a command account may make), which the store lists back.
    let form = "base=USD&quote=VND&rate=22800&date=2021-11-20&source=SBV";
    let good = web::csrf_token(&token);
    let cases: [Forgery; 5] = [
        // Another origin, even with the right token.
        (
            "other origin",
            vec![("host", "localhost"), ("origin", "http://evil.example")],
            format!("{form}&csrf={good}"),
        ),
        // Our origin but no token (a form on a same-site page we do not control).
        (
            "no token",
            vec![("host", "localhost"), ("origin", "http://localhost")],
            form.to_string(),
        ),
        // A token of another session.
        (
            "another session's token",
            vec![("host", "localhost"), ("origin", "http://localhost")],
            format!("{form}&csrf={}", web::csrf_token(&"x".repeat(43))),
        ),
        // Neither Origin nor Referer.
        (
            "no origin",
            vec![("host", "localhost")],
            format!("{form}&csrf={good}"),
        ),
        (
            "null origin",
            vec![("host", "localhost"), ("origin", "null")],
            format!("{form}&csrf={good}"),
        ),
    ];
    for (what, headers, body) in cases {
        let p = crate::ui::send_raw(
            &app,
            Method::POST,
            "/aid/rates",
            &cookie,
            Some(&body),
            &headers,
        )
        .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{what}: {}", p.html);
    }
    assert!(
        app.store.fx_rates().await.unwrap().is_empty(),
        "a forged form recorded a rate"
    );
    // The same form from our own page records it.
    let p = crate::ui::send(&app, Method::POST, "/aid/rates", &cookie, Some(form)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(app.store.fx_rates().await.unwrap().len(), 1);
    // The API refuses a cookie-borne POST without the header token, and takes it with it.
    let api = |csrf: Option<String>| {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/logout")
            .header("host", "localhost")
            .header("origin", "http://localhost")
            .header(header::COOKIE, &cookie);
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        req.body(Body::empty()).unwrap()
    };
    let resp = app.router.clone().oneshot(api(None)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&bytes).contains("cross_site"));
    let resp = app.router.clone().oneshot(api(Some(good))).await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
}

store::both_databases!(forged_forms_are_refused);

/// Every answer says what a browser may do with it; the session cookie is Strict.
async fn answers_carry_the_security_headers(store: Store) {
    let app = App::at(store, Some(1_637_452_800));
    let token = app.login_as("cmd", Role::Command, &["VN"]).await;
    for (uri, cookie) in [
        ("/login", String::new()),
        ("/cases", format!("chongdich_token={token}")),
        ("/api/v1/me", format!("chongdich_token={token}")),
        ("/public/risk", String::new()),
    ] {
        let req = Request::builder()
            .uri(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        let h = resp.headers();
        let get = |k: &str| h.get(k).map(|v| v.to_str().unwrap().to_string());
        assert!(get("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(get("x-frame-options").as_deref(), Some("DENY"), "{uri}");
        assert_eq!(get("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(get("cache-control").as_deref(), Some("no-store"), "{uri}");
    }
    let p = crate::ui::send(
        &app,
        Method::POST,
        "/login",
        "",
        Some(&format!(
            "username=cmd&password={}",
            crate::PASSWORD.replace(' ', "+")
        )),
    )
    .await;
    let cookie = p.cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"));
    // Behind an https public origin every cookie is Secure.
    let mut state = app.state.clone();
    state.public_origin = Some("https://chongdich.example.vn".into());
    let router = web::router(state);
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"username": "cmd", "password": crate::PASSWORD}).to_string(),
        ))
        .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

store::both_databases!(answers_carry_the_security_headers);
