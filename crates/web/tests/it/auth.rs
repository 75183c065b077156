use std::time::Instant;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::{error_code, error_fields, App, PASSWORD};

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

both_databases!(
    login_returns_token_and_cookie,
    wrong_credentials_and_missing_fields,
    repeated_failures_lock_the_account,
    failed_logins_are_slowed,
);
