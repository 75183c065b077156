//! Venues registered by hand (issue #15, item 2): by the API and by the page's form, the
//! same checks naming each field, in the caller's jurisdiction only, and the QR poster to
//! print.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::{error_code, error_fields, App};

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn a_venue_is_registered_through_the_api(store: Store) {
    let app = App::new(store);
    let officer = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let r = app
        .post_json(
            "/api/v1/venues",
            Some(&officer),
            &json!({"name": "Phở Thìn", "kind": "restaurant", "unit": "00001",
                    "address": "13 Lò Đúc", "capacity": 40, "opens": "06:00", "closes": "22:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["name"], "Phở Thìn");
    assert_eq!(r.json["unit_code"], "00001");
    assert_eq!(
        (r.json["opens"].as_str(), r.json["closes"].as_str()),
        (Some("06:00"), Some("22:00"))
    );
    assert!(r.json["qr_payload"]
        .as_str()
        .unwrap()
        .starts_with("CDV1:V:"));
    let id = r.json["id"].as_i64().unwrap();
    // Found without diacritics, and read back.
    let found = app.get("/api/v1/venues?q=pho%20thin", Some(&officer)).await;
    assert_eq!(
        found.json["items"][0]["id"].as_i64(),
        Some(id),
        "{}",
        found.json
    );
    let one = app
        .get(&format!("/api/v1/venues/{id}"), Some(&officer))
        .await;
    assert_eq!(one.status, StatusCode::OK);

    // Every bad field named at once; nothing saved.
    let bad = app
        .post_json(
            "/api/v1/venues",
            Some(&officer),
            &json!({"name": " ", "kind": "spa", "unit": "00001", "address": "x".repeat(501),
                    "capacity": 0, "opens": "25:00", "closes": "7h"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&bad), "invalid_input");
    assert_eq!(
        error_fields(&bad),
        ["name", "kind", "address", "capacity", "opens", "closes"]
    );
    // A commune of someone else's jurisdiction, and a unit that is none.
    for (unit, reason) in [("00004", "out_of_scope"), ("99998", "not_found")] {
        let r = app
            .post_json(
                "/api/v1/venues",
                Some(&officer),
                &json!({"name": "Chợ", "kind": "market", "unit": unit}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{unit}: {}", r.json);
        assert_eq!(error_fields(&r), ["unit"]);
        assert_eq!(r.json["error"]["fields"][0]["code"], reason, "{}", r.json);
    }
    // A viewer may not register one.
    let viewer = app.login_as("viewer", Role::Viewer, &["00001"]).await;
    let r = app
        .post_json(
            "/api/v1/venues",
            Some(&viewer),
            &json!({"name": "Chợ", "kind": "market", "unit": "00001"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let all = app.all_items("/api/v1/venues", &officer).await;
    assert_eq!(all.len(), 1, "nothing half-saved: {all:?}");
}

async fn a_venue_registered_by_form_shows_its_poster(store: Store) {
    let app = App::new(store);
    app.add_user("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let cookie = sign_in(&app, "phucxa").await;

    // The list offers the form; the form offers the communes of the jurisdiction by name.
    let list = send(&app, Method::GET, "/venues", &cookie, None).await;
    assert!(list.html.contains("href=\"/venues/new\""), "{}", list.html);
    let p = send(&app, Method::GET, "/venues/new", &cookie, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Đăng ký địa điểm"), "{}", p.html);
    assert!(
        p.html
            .contains("<option value=\"Phường Phúc Xá, Quận Ba Đình\">"),
        "{}",
        p.html
    );
    assert!(!p.html.contains("Trúc Bạch"), "another commune offered");

    // A refusal shows the form again, each field's error in Vietnamese, the typed values kept.
    let bad = form(&[
        ("name", "Phở Thìn"),
        ("kind", ""),
        ("unit", "Trúc Bạch"),
        ("capacity", "nhiều"),
    ]);
    let p = send(&app, Method::POST, "/venues", &cookie, Some(&bad)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.html);
    assert!(p.html.contains("Chưa lưu gì"), "{}", p.html);
    assert!(
        p.html.contains("id=\"f-kind-error\">Bắt buộc phải nhập."),
        "{}",
        p.html
    );
    assert!(
        p.html.contains("id=\"f-unit-error\">Không tồn tại."),
        "{}",
        p.html
    );
    assert!(
        p.html.contains("id=\"f-capacity-error\">Sai định dạng."),
        "{}",
        p.html
    );
    assert!(p.html.contains("value=\"Phở Thìn\""), "{}", p.html);
    assert!(p.html.contains("value=\"Trúc Bạch\""), "{}", p.html);

    // Saved: the commune by its name without diacritics, then the poster.
    let good = form(&[
        ("name", "Phở Thìn"),
        ("kind", "restaurant"),
        ("unit", "phuc xa"),
        ("address", "13 Lò Đúc"),
        ("capacity", "40"),
        ("opens", ""),
        ("closes", ""),
    ]);
    let p = send(&app, Method::POST, "/venues", &cookie, Some(&good)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let to = p.location.unwrap();
    assert!(to.starts_with("/venues/") && to.contains("/poster"), "{to}");
    let poster = send(&app, Method::GET, &to, &cookie, None).await;
    assert_eq!(poster.status, StatusCode::OK);
    assert!(poster.html.contains("<h1>Phở Thìn</h1>"), "{}", poster.html);
    assert!(poster.html.contains("13 Lò Đúc"));
    assert!(poster.html.contains("Phường Phúc Xá"));
    assert!(poster.html.contains("<svg") && poster.html.contains("MÃ QR ĐIỂM KIỂM DỊCH"));
    assert!(
        poster.html.contains("http://localhost/v/"),
        "the QR's payload (the citizen page's URL) is on the poster"
    );
    // The list links each row to its poster, the commune by name.
    let list = send(&app, Method::GET, "/venues?q=pho", &cookie, None).await;
    assert!(list
        .html
        .contains(&format!("href=\"{}\"", to.split('?').next().unwrap())));
    assert!(list.html.contains("Phường Phúc Xá"), "{}", list.html);

    // A post without the page's token is refused and saves nothing.
    let forged =
        crate::ui::send_raw(&app, Method::POST, "/venues", &cookie, Some(&good), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // A viewer gets neither the form nor the post.
    app.add_user("viewer", Role::Viewer, &["00001"]).await;
    let viewer = sign_in(&app, "viewer").await;
    let p = send(&app, Method::POST, "/venues", &viewer, Some(&good)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let list = send(&app, Method::GET, "/venues", &viewer, None).await;
    assert!(!list.html.contains("href=\"/venues/new\""));
    let token = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": "phucxa", "password": crate::PASSWORD}),
        )
        .await
        .json["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.all_items("/api/v1/venues", &token).await.len(), 1);
}

both_databases!(
    a_venue_is_registered_through_the_api,
    a_venue_registered_by_form_shows_its_poster,
);
