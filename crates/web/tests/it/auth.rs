use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use domain::auth::LOGIN_LIMITS;
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};
use tower::ServiceExt;

use crate::{error_code, error_fields, App, Resp, PASSWORD};

/// The attacker's and the account owner's addresses.
const ATTACKER: &str = "203.0.113.7:40000";
const OWNER: &str = "198.51.100.20:50000";

/// A sign-in through the API as if from `addr` (the connection's peer address, as
/// `web::serve` provides it).
fn login_request(addr: &str, username: &str, password: &str) -> Request<Body> {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
    req
}

async fn login_from(app: &App, addr: &str, username: &str, password: &str) -> Resp {
    app.send(login_request(addr, username, password)).await
}

/// The sign-in page's form as if sent from `addr` by a browser (with the pre-session
/// anti-forgery cookie and token, and our origin): its status.
async fn page_login_from(app: &App, addr: &str, username: &str, password: &str) -> StatusCode {
    let csrf = "p".repeat(43);
    let body = format!(
        "username={username}&password={}&csrf={csrf}",
        password.replace(' ', "+")
    );
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("chongdich_csrf={csrf}"))
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
    app.router.clone().oneshot(req).await.unwrap().status()
}

fn checks(app: &App) -> u64 {
    app.state.password_checks.load(Ordering::Relaxed)
}

async fn login_returns_token_and_cookie(store: Store) {
    let app = App::new(store);
    app.add_user("officer", Role::CommuneOfficer, &["00001"])
        .await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "Officer", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r.json["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    let expires =
        chrono::DateTime::parse_from_rfc3339(r.json["expires_at"].as_str().unwrap()).unwrap();
    assert!(expires.timestamp() > chrono::Utc::now().timestamp() + 3600);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains(token) && cookie.contains("HttpOnly"));

    let me = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["role"], "commune_officer");
    assert_eq!(me.json["units"], json!(["2021:00001"]));

    // The UI's cookie carries the same session.
    let req = Request::builder()
        .uri("/api/v1/me")
        .header(header::COOKIE, format!("lang=vi; chongdich_token={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::OK);

    // The token is stored hashed: the sessions table never holds it.
    assert!(app
        .store
        .caller_by_token(token, chrono::Utc::now().timestamp())
        .await
        .unwrap()
        .is_none());

    // Logout ends it.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/logout")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::NO_CONTENT);
    let after = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&after), "unauthorized");
}

async fn wrong_credentials_and_missing_fields(store: Store) {
    let app = App::new(store);
    app.add_user("officer", Role::CommuneOfficer, &["00001"])
        .await;
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "officer", "password": "wrong password"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&wrong), "invalid_credentials");
    // An unknown account gets exactly the same answer.
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.json, wrong.json);
    // … by the same path: one Argon2 verification each (against a dummy hash for the
    // unknown one), so its time does not tell either.
    assert_eq!(checks(&app), 2);
    let missing = app
        .post_json("/api/v1/auth/login", None, &json!({"username": ""}))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&missing), vec!["username", "password"]);
    for (token, what) in [
        (Some("x".repeat(43)), "unknown token"),
        (Some("short".into()), "malformed"),
        (None, "none"),
    ] {
        let r = app.get("/api/v1/me", token.as_deref()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
    }
}

async fn repeated_failures_lock_the_account(store: Store) {
    let app = App::new(store);
    app.add_user("target", Role::Tracer, &["01"]).await;
    let bad = json!({"username": "target", "password": "guess guess guess"});
    for _ in 0..4 {
        let r = app.post_json("/api/v1/auth/login", None, &bad).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let fifth = app.post_json("/api/v1/auth/login", None, &bad).await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&fifth), "login_locked");
    let retry: i64 = fifth.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 800 && retry <= 900, "{retry}");
    // Locked: even the right password is refused for now.
    let right = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "target", "password": PASSWORD}),
        )
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn failed_logins_are_slowed(store: Store) {
    let mut state = web::AppState::new(store.clone()).unwrap();
    state.slow_failed_logins = true;
    let app = App {
        router: web::router(state.clone()),
        store,
        state,
    };
    let bad = json!({"username": "nobody", "password": "guess guess guess"});
    let t = Instant::now();
    app.post_json("/api/v1/auth/login", None, &bad).await;
    let first = t.elapsed();
    let t = Instant::now();
    app.post_json("/api/v1/auth/login", None, &bad).await;
    let second = t.elapsed();
    assert!(first.as_millis() >= 250, "{first:?}");
    assert!(second.as_millis() >= 500, "{second:?}");
}

/// 50 guesses at once from one address: no more Argon2 verifications than the limit, all
/// refused; the owner's right password is then refused from that address while it is locked,
/// and accepted from another.
async fn parallel_guesses_are_bounded_and_do_not_lock_out_the_owner(store: Store) {
    let app = App::new(store);
    app.add_user("target", Role::Administrator, &["VN"]).await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let router = app.router.clone();
            let req = login_request(ATTACKER, "target", &format!("guess number {i}"));
            tokio::spawn(async move { router.oneshot(req).await.unwrap().status() })
        })
        .collect();
    for t in tasks {
        let status = t.await.unwrap();
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
    let n = checks(&app);
    assert!(
        n >= 1 && n <= LOGIN_LIMITS.pair.attempts as u64,
        "{n} verifications"
    );
    let right = login_from(&app, ATTACKER, "target", PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&right), "login_locked");
    // Refused without a verification.
    assert_eq!(checks(&app), n);
    let owner = login_from(&app, OWNER, "target", PASSWORD).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.json);
    assert_eq!(checks(&app), n + 1);
    // Still locked for the attacker.
    let again = login_from(&app, ATTACKER, "target", PASSWORD).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
}

/// One address guessing over many accounts is stopped at the address's limit, for real and
/// unknown accounts alike; another address is not.
async fn one_source_cannot_spray_many_accounts(store: Store) {
    let app = App::new(store);
    app.add_user("officer", Role::CommuneOfficer, &["00001"])
        .await;
    let n = LOGIN_LIMITS.source.attempts;
    for i in 0..n {
        let r = login_from(&app, ATTACKER, &format!("user{i}"), "Summer2024!!x").await;
        // The failure that fills the address's counter reports the lock it starts.
        let expected = if i + 1 < n {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(r.status, expected, "{i}");
    }
    let r = login_from(&app, ATTACKER, "officer", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = login_from(&app, ATTACKER, "user0", "Summer2024!!x").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(checks(&app), LOGIN_LIMITS.source.attempts as u64);
    let r = login_from(&app, OWNER, "officer", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// Successful sign-ins do not use up an address's places: an office behind one address
/// signs in all day.
async fn successes_do_not_count_against_a_source(store: Store) {
    let app = App::new(store);
    app.add_user("clerk", Role::Viewer, &["00001"]).await;
    for _ in 0..(LOGIN_LIMITS.source.attempts + 5) {
        let r = login_from(&app, OWNER, "clerk", PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

/// The sign-in page follows the same limits as the API.
async fn page_login_follows_the_same_limits(store: Store) {
    let app = App::new(store);
    app.add_user("target", Role::Tracer, &["01"]).await;
    let mut statuses = Vec::new();
    for _ in 0..LOGIN_LIMITS.pair.attempts + 3 {
        statuses.push(page_login_from(&app, ATTACKER, "target", "wrong guess 123").await);
    }
    assert!(statuses[..4].iter().all(|s| *s == StatusCode::UNAUTHORIZED));
    assert!(statuses[4..]
        .iter()
        .all(|s| *s == StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(checks(&app), LOGIN_LIMITS.pair.attempts as u64);
    assert_eq!(
        page_login_from(&app, ATTACKER, "target", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        page_login_from(&app, OWNER, "target", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // The API shares the page's counters.
    let r = login_from(&app, ATTACKER, "target", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

/// A deactivated account cannot sign in (the same answer as a wrong password) and its
/// tokens stop working at once.
async fn deactivated_accounts_cannot_sign_in_or_use_tokens(store: Store) {
    let app = App::new(store);
    let token = app.login_as("leaver", Role::Tracer, &["01"]).await;
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.status,
        StatusCode::OK
    );
    assert!(app.store.set_active("leaver", false).await.unwrap());
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let r = login_from(&app, OWNER, "leaver", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let wrong = login_from(&app, OWNER, "nobody", PASSWORD).await;
    assert_eq!(r.json, wrong.json);
    assert!(app.store.set_active("leaver", true).await.unwrap());
    let r = login_from(&app, OWNER, "leaver", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    // The old token stays ended.
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

both_databases!(
    parallel_guesses_are_bounded_and_do_not_lock_out_the_owner,
    one_source_cannot_spray_many_accounts,
    successes_do_not_count_against_a_source,
    page_login_follows_the_same_limits,
    deactivated_accounts_cannot_sign_in_or_use_tokens,
    login_returns_token_and_cookie,
    wrong_credentials_and_missing_fields,
    repeated_failures_lock_the_account,
    failed_logins_are_slowed,
);
