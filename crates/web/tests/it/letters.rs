//! Thank-you letters (issue #17, "What travels" 4) over HTTP: the list and the form pages and
//! `GET/POST /api/v1/letters`, for the roles that manage aid only; a form from another site
//! saves nothing; every bad field is named.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::ui::{send, send_raw, sign_in};
use crate::{error_fields, App};

/// 2021-11-20T03:00:00Z.
const NOW: i64 = 1_637_377_200;

/// HCMC's letter of 29 October 2021 as a form (Hà Nội is "01").
const FORM: &str = "to=01&partner_name=&kind=help&on_date=2021-10-29&subject=Th%C6%B0+c%E1%BA%A3m+%C6%A1n+H%C3%A0+N%E1%BB%99i&text=C%E1%BA%A3m+%C6%A1n+%C4%91o%C3%A0n+y+b%C3%A1c+s%C4%A9&signed_by=Ch%E1%BB%A7+t%E1%BB%8Bch+UBND&donation_id=";

fn letter_json() -> serde_json::Value {
    json!({
        "to": "",
        "partner_name": "Đại sứ quán Nhật Bản",
        "kind": "help",
        "on_date": "2021-10-01",
        "subject": "Cảm ơn vắc-xin",
        "text": "Cảm ơn Chính phủ Nhật Bản đã hỗ trợ vắc-xin.",
        "signed_by": "Chủ tịch UBND"
    })
}

async fn pages_and_api_are_for_the_roles_that_manage_aid(store: Store) {
    let app = App::at(store, Some(NOW));
    app.add_user("chihuy", Role::Command, &["79"]).await;
    app.add_user("xem", Role::Viewer, &["79"]).await;
    app.add_user("truyvet", Role::Tracer, &["79"]).await;
    let command = sign_in(&app, "chihuy").await;
    for who in ["xem", "truyvet"] {
        let cookie = sign_in(&app, who).await;
        for path in ["/aid/letters", "/aid/letters/new"] {
            let p = send(&app, Method::GET, path, &cookie, None).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{who} {path}");
        }
        let p = send(&app, Method::POST, "/aid/letters/new", &cookie, Some(FORM)).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{who}");
    }
    for (who, role) in [("api-xem", Role::Viewer), ("api-tv", Role::Tracer)] {
        let token = app.login_as(who, role, &["79"]).await;
        assert_eq!(
            app.get("/api/v1/letters", Some(&token)).await.status,
            StatusCode::FORBIDDEN
        );
        let r = app
            .post_json("/api/v1/letters", Some(&token), &letter_json())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }

    // A form from another site saves nothing.
    let forged = send_raw(
        &app,
        Method::POST,
        "/aid/letters/new",
        &command,
        Some(FORM),
        &[("host", "localhost"), ("origin", "http://evil.example")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let p = send(&app, Method::GET, "/aid/letters", &command, None).await;
    assert!(p.html.contains("Chưa có thư cảm ơn nào."), "{}", p.html);

    // The command centre records one from the form; the list names the partner.
    let p = send(&app, Method::POST, "/aid/letters/new", &command, Some(FORM)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(p.location.as_deref(), Some("/aid/letters?saved=1"));
    let p = send(&app, Method::GET, "/aid/letters?saved=1", &command, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Đã ghi thư cảm ơn."), "{}", p.html);
    assert!(p.html.contains("Hà Nội"), "{}", p.html);
    assert!(p.html.contains("Thư cảm ơn Hà Nội"), "{}", p.html);
    assert!(p.html.contains("Chi viện (không phải quà tặng)"));
    assert!(p.html.contains("29/10/2021"), "{}", p.html);
    // The aid page links to the letters.
    let p = send(&app, Method::GET, "/aid", &command, None).await;
    assert!(p.html.contains("href=\"/aid/letters\""));

    // A partner (locality) may record through the API, and reads both.
    let token = app.login_as("doitac", Role::Partner, &["79"]).await;
    let r = app
        .post_json("/api/v1/letters", Some(&token), &letter_json())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let items = app.all_items("/api/v1/letters", &token).await;
    assert_eq!(items.len(), 2);
    // Newest first by the letter's date.
    assert_eq!(items[0]["on_date"], "2021-10-29");
    assert_eq!(items[0]["partner_name"], "Hà Nội");
    assert_eq!(items[0]["direction"], "sent");
    assert_eq!(items[1]["partner_code"], serde_json::Value::Null);
    assert_eq!(items[1]["partner_name"], "Đại sứ quán Nhật Bản");
}

async fn the_form_is_prefilled_from_to_and_kind(store: Store) {
    let app = App::at(store, Some(NOW));
    app.add_user("chihuy", Role::Command, &["93"]).await;
    let command = sign_in(&app, "chihuy").await;
    let p = send(
        &app,
        Method::GET,
        "/aid/letters/new?to=79&kind=residents_cared",
        &command,
        None,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(
        p.html.contains("<option value=\"79\" selected>"),
        "{}",
        p.html
    );
    assert!(
        p.html
            .contains("<option value=\"residents_cared\" selected>"),
        "{}",
        p.html
    );
    assert!(p.html.contains("name=\"csrf\""), "{}", p.html);
    // Without a partner given, "another partner" is chosen.
    let p = send(&app, Method::GET, "/aid/letters/new", &command, None).await;
    assert!(
        p.html
            .contains("<option value=\"\" selected>Đối tác khác</option>"),
        "{}",
        p.html
    );
}

async fn input_out_of_range_is_named_field_by_field(store: Store) {
    let app = App::at(store, Some(NOW));
    let token = app.login_as("chihuy", Role::Command, &["79"]).await;
    let long = "x".repeat(domain::aid::LETTER_TEXT_MAX + 1);
    for (field, value, named) in [
        ("text", json!(long), "text"),
        ("kind", json!("present"), "kind"),
        ("on_date", json!("2021-11-21"), "on_date"),
        ("subject", json!(""), "subject"),
        ("to", json!("01'--"), "to"),
    ] {
        let mut body = letter_json();
        body[field] = value;
        let r = app.post_json("/api/v1/letters", Some(&token), &body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.json);
        assert_eq!(error_fields(&r), [named], "{field}");
    }
    // A gift letter names a gift in reach.
    let mut body = letter_json();
    body["kind"] = json!("gift");
    body["donation_id"] = json!(999);
    let r = app.post_json("/api/v1/letters", Some(&token), &body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(error_fields(&r), ["donation_id"]);
    // The form names the same fields in words.
    app.add_user("chihuy2", Role::Command, &["79"]).await;
    let cookie = sign_in(&app, "chihuy2").await;
    let bad = "to=&partner_name=&kind=present&on_date=2030-01-01&subject=S&text=T&signed_by=A";
    let p = send(&app, Method::POST, "/aid/letters/new", &cookie, Some(bad)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.html);
    for f in ["partner_name", "kind", "on_date"] {
        assert!(
            p.html.contains(&format!("<code>{f}</code>")),
            "{f}: {}",
            p.html
        );
    }
    assert!(app.all_items("/api/v1/letters", &token).await.is_empty());
}

both_databases!(
    pages_and_api_are_for_the_roles_that_manage_aid,
    the_form_is_prefilled_from_to_and_kind,
    input_out_of_range_is_named_field_by_field,
);
