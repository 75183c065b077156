use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, PageRequest, Store};

use crate::{error_code, error_fields, App};

async fn audit_rows(app: &App) -> usize {
    app.store
        .list_audit(
            &store::Caller::system("test"),
            None,
            &PageRequest::first(1000),
        )
        .await
        .unwrap()
        .items
        .len()
}

async fn bad_bodies_get_the_error_shape_and_write_nothing(store: Store) {
    let app = App::new(store);
    let token = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let before = audit_rows(&app).await;
    let post = |ct: &str, body: Vec<u8>| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/persons")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let r = app
        .send(post("application/json", b"{\"full_name\": ".to_vec()))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "invalid_json");
    let r = app
        .send(post("application/json", br#"{"full_name": 5}"#.to_vec()))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "invalid_json");
    let r = app.send(post("text/plain", b"{}".to_vec())).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(&r), "unsupported_media_type");
    let big = format!(
        "{{\"full_name\": \"{}\"}}",
        "a".repeat(web::BODY_LIMIT_BYTES + 1)
    );
    let r = app.send(post("application/json", big.into_bytes())).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&r), "payload_too_large");
    // Valid JSON, invalid fields: every bad field is named.
    let r = app
        .post_json(
            "/api/v1/persons",
            Some(&token),
            &json!({"full_name": "", "phone": "12", "birth_date": "2001-13-01", "unit": "00001"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "invalid_input");
    assert_eq!(error_fields(&r), vec!["full_name", "phone", "birth_date"]);
    // Nothing was written by any of them.
    assert_eq!(audit_rows(&app).await, before);
    let persons = app.get("/api/v1/persons", Some(&token)).await;
    assert_eq!(persons.json["items"], json!([]));
}

async fn messages_follow_accept_language(store: Store) {
    let app = App::new(store);
    let token = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let req = |lang: Option<&str>| {
        let mut b = Request::builder()
            .uri("/api/v1/units?structure=1999")
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(l) = lang {
            b = b.header(header::ACCEPT_LANGUAGE, l);
        }
        b.body(Body::empty()).unwrap()
    };
    let vi = app.send(req(None)).await;
    let en = app.send(req(Some("en-US,en;q=0.9"))).await;
    assert_eq!(vi.status, StatusCode::BAD_REQUEST);
    assert_eq!(en.status, StatusCode::BAD_REQUEST);
    assert_eq!(vi.json["error"]["code"], en.json["error"]["code"]);
    assert_eq!(
        vi.json["error"]["message"],
        "Dữ liệu không hợp lệ; không có gì được lưu."
    );
    assert_eq!(
        en.json["error"]["message"],
        "The input is not valid; nothing was saved."
    );
    assert_eq!(vi.json["error"]["fields"][0]["field"], "structure");
    assert_eq!(vi.json["error"]["fields"][0]["code"], "unknown_value");
    assert_eq!(
        en.json["error"]["fields"][0]["message"],
        "Not one of the accepted values."
    );
    assert_eq!(vi.headers[header::CONTENT_LANGUAGE], "vi");
    assert_eq!(en.headers[header::CONTENT_LANGUAGE], "en");
}

async fn unknown_routes_and_methods(store: Store) {
    let app = App::new(store);
    let r = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&r), "not_found");
    let req = Request::builder()
        .method(Method::DELETE)
        .uri("/api/v1/units")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&r), "method_not_allowed");
}

async fn health_and_openapi(store: Store) {
    let app = App::new(store);
    let h = app.get("/healthz", None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json["status"], "ok");
    let doc = app.get("/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.json["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/units",
        "/api/v1/persons/{id}",
        "/api/v1/audit",
        "/healthz",
    ] {
        assert!(
            doc.json["paths"][path].is_object(),
            "{path} missing from openapi.json"
        );
    }
    assert!(doc.json["components"]["schemas"]["UnitDto"].is_object());
    assert!(doc.json["components"]["securitySchemes"]["bearer"].is_object());
}

both_databases!(
    bad_bodies_get_the_error_shape_and_write_nothing,
    messages_follow_accept_language,
    unknown_routes_and_methods,
    health_and_openapi,
    a_figure_that_cannot_be_read_is_not_a_zero,
);

/// A figure of the dashboard whose query fails is shown as a dash with its reason, never as a
/// zero; the figures that were read still show.
async fn a_figure_that_cannot_be_read_is_not_a_zero(store: Store) {
    let app = App::new(store.clone());
    let token = app.login_as("cc", Role::Command, &["VN"]).await;
    let page = app.get_html("/", &token).await;
    assert!(
        page.contains(r#"href="/facilities"><b>0 / 0</b>"#),
        "no beds yet reads 0 / 0: {page}"
    );
    // The beds' table is gone (as a broken migration or a lost grant would leave it).
    store::testing::execute(
        &store,
        "ALTER TABLE facility_beds RENAME TO facility_beds_gone",
    )
    .await;
    app.state.changes.made();
    let page = app.get_html("/", &token).await;
    assert!(!page.contains("0 / 0"), "{page}");
    assert!(
        page.contains(
            r#"href="/facilities"><b title="Không đọc được số liệu; xem nhật ký máy chủ">–</b>"#
        ),
        "{page}"
    );
    // The case counts were read and show.
    assert!(
        page.contains(r#"href="/cases?status=active"><b>0</b>"#),
        "{page}"
    );
}
