//! People (issue #15, item 1): search without diacritics, by phone and by national ID, in
//! scope; the person page (404 outside the scope, audited when opened); corrections keep the
//! old values and name each bad field.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::{error_code, error_fields, App, Resp};

async fn person(app: &App, token: &str, body: Value) -> i64 {
    let r = app.post_json("/api/v1/persons", Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

async fn patch(app: &App, uri: &str, token: &str, body: &Value) -> Resp {
    let req = Request::builder()
        .method(Method::PATCH)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

async fn search_finds_by_folded_name_phone_and_national_id_in_scope(store: Store) {
    let app = App::new(store);
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let phuc_xa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let kiem = person(
        &app,
        &phuc_xa,
        json!({"full_name": "Nguyễn Văn Kiểm", "phone": "0912345678",
               "national_id": "001090012345", "unit": "00001"}),
    )
    .await;
    person(
        &app,
        &phuc_xa,
        json!({"full_name": "Trần Thị Bình", "unit": "00001"}),
    )
    .await;
    // The same name outside Phúc Xá.
    let elsewhere = person(
        &app,
        &admin,
        json!({"full_name": "Nguyễn Văn Kiểm", "phone": "0987654321",
               "national_id": "001090099999", "unit": "00004"}),
    )
    .await;

    for q in [
        "nguyen%20van%20kiem",
        "NGUYEN+van",
        "Nguy%E1%BB%85n%20V%C4%83n%20Ki%E1%BB%83m",
        "0912345678",
        "%2B84%20912%20345%20678",
        "001090012345",
    ] {
        let found = app
            .all_items(&format!("/api/v1/persons?q={q}"), &phuc_xa)
            .await;
        assert_eq!(ids(&found), vec![kiem], "q={q}");
    }
    // The country sees both, by name then id; the officer never the one outside.
    let both = app
        .all_items("/api/v1/persons?q=nguyen%20van%20kiem", &admin)
        .await;
    assert_eq!(ids(&both), vec![kiem, elsewhere]);
    let hidden = app
        .all_items("/api/v1/persons?q=0987654321", &phuc_xa)
        .await;
    assert!(hidden.is_empty());
    // Pages by cursor.
    let paged = app
        .all_items("/api/v1/persons?q=nguyen&limit=1", &admin)
        .await;
    assert_eq!(ids(&paged), vec![kiem, elsewhere]);
    // A number that is neither a phone nor an ID is refused, naming `q`.
    let bad = app.get("/api/v1/persons?q=12345", Some(&phuc_xa)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&bad), vec!["q"]);

    // The search page finds the same, and links the person.
    let cookie = sign_in(&app, "phucxa").await;
    let page = send(
        &app,
        Method::GET,
        "/persons?q=nguyen+van+kiem",
        &cookie,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains(&format!("href=\"/persons/{kiem}\"")),
        "{}",
        page.html
    );
    assert!(!page.html.contains(&format!("/persons/{elsewhere}\"")));
}

async fn person_page_is_scoped_and_audited(store: Store) {
    let app = App::new(store);
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let phuc_xa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let inside = person(
        &app,
        &phuc_xa,
        json!({"full_name": "Nguyễn Văn Kiểm", "birth_date": "1990-05-01", "unit": "00001"}),
    )
    .await;
    let outside = person(
        &app,
        &admin,
        json!({"full_name": "Lê Văn Cường", "unit": "00004"}),
    )
    .await;
    let cookie = sign_in(&app, "phucxa").await;

    let before = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={inside}"),
            &admin,
        )
        .await
        .len();
    let page = send(
        &app,
        Method::GET,
        &format!("/persons/{inside}"),
        &cookie,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Nguyễn Văn Kiểm"));
    assert!(page.html.contains("01/05/1990"), "{}", page.html);
    let trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={inside}"),
            &admin,
        )
        .await;
    assert_eq!(trail.len(), before + 1, "opening the page writes one row");
    assert_eq!(trail[0]["action"], "read");
    assert_eq!(trail[0]["actor"], "phucxa");

    // Outside the commune: 404, like a person that does not exist.
    let hidden = send(
        &app,
        Method::GET,
        &format!("/persons/{outside}"),
        &cookie,
        None,
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let missing = send(&app, Method::GET, "/persons/999999", &cookie, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // An administrator sees who read the record.
    app.add_user("root", Role::Administrator, &["VN"]).await;
    let root = sign_in(&app, "root").await;
    let seen = send(
        &app,
        Method::GET,
        &format!("/persons/{inside}"),
        &root,
        None,
    )
    .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.html.contains("phucxa"), "{}", seen.html);
}

async fn corrections_keep_old_values_and_name_bad_fields(store: Store) {
    let app = App::new(store);
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let phuc_xa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let id = person(
        &app,
        &phuc_xa,
        json!({"full_name": "Nguyen Van Kiem", "phone": "0912345678", "unit": "00001"}),
    )
    .await;
    let other = person(
        &app,
        &phuc_xa,
        json!({"full_name": "Trần Thị Bình", "national_id": "001090012345", "unit": "00001"}),
    )
    .await;
    let outside = person(
        &app,
        &admin,
        json!({"full_name": "Lê Văn Cường", "unit": "00004"}),
    )
    .await;
    let uri = format!("/api/v1/persons/{id}");

    // Every bad field at once, nothing saved.
    let bad = patch(
        &app,
        &uri,
        &phuc_xa,
        &json!({"full_name": "", "phone": "12", "birth_date": "2999-01-01", "sex": "x",
                "national_id": "abc"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.json);
    assert_eq!(error_code(&bad), "invalid_input");
    let mut fields = error_fields(&bad);
    fields.sort();
    assert_eq!(
        fields,
        vec!["birth_date", "full_name", "national_id", "phone", "sex"]
    );
    let same = app.get(&uri, Some(&phuc_xa)).await;
    assert_eq!(same.json["full_name"], "Nguyen Van Kiem");

    // Another person's national ID is a conflict.
    let dup = patch(
        &app,
        &uri,
        &phuc_xa,
        &json!({"national_id": "001090012345"}),
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.json);
    assert_eq!(dup.json["error"]["existing_id"], other);

    // Outside the scope: 404.
    let hidden = patch(
        &app,
        &format!("/api/v1/persons/{outside}"),
        &phuc_xa,
        &json!({"full_name": "X"}),
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    let ok = patch(
        &app,
        &uri,
        &phuc_xa,
        &json!({"full_name": "Nguyễn Văn Kiểm", "phone": "+84 987 654 321",
                "address": "12 Phố Hàng Bông"}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json);
    assert_eq!(ok.json["full_name"], "Nguyễn Văn Kiểm");
    assert_eq!(ok.json["phone"], "0987654321");
    // Found by the new phone, not the old one.
    let found = app
        .all_items("/api/v1/persons?q=0987654321", &phuc_xa)
        .await;
    assert_eq!(ids(&found), vec![id]);
    assert!(app
        .all_items("/api/v1/persons?q=0912345678", &phuc_xa)
        .await
        .is_empty());

    // The page shows the old values in the history, and the change is in the audit.
    let cookie = sign_in(&app, "phucxa").await;
    let page = send(&app, Method::GET, &format!("/persons/{id}"), &cookie, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Nguyen Van Kiem"), "{}", page.html);
    assert!(page.html.contains("0912345678"));
    assert!(page.html.contains("12 Phố Hàng Bông"));
    let trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={id}"),
            &admin,
        )
        .await;
    assert!(trail.iter().any(|r| r["action"] == "update"
        && r["detail"]
            .as_str()
            .is_some_and(|d| d.contains("full_name"))));

    // The page's form: a bad field is named in Vietnamese, nothing saved; a good one saved.
    let refused = send(
        &app,
        Method::POST,
        &format!("/persons/{id}/correct"),
        &cookie,
        Some("full_name=Nguy%E1%BB%85n+V%C4%83n+Ki%E1%BB%83m&phone=12"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.html.contains("Số điện thoại"), "{}", refused.html);
    let saved = send(
        &app,
        Method::POST,
        &format!("/persons/{id}/correct"),
        &cookie,
        Some("full_name=Nguy%E1%BB%85n+V%C4%83n+Ki%E1%BB%83m&birth_date=1990-05-01&sex=male"),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let after = app.get(&uri, Some(&phuc_xa)).await;
    assert_eq!(after.json["birth_date"], "1990-05-01");
    assert_eq!(after.json["sex"], "male");
}

both_databases!(search_finds_by_folded_name_phone_and_national_id_in_scope);
both_databases!(person_page_is_scoped_and_audited);
both_databases!(corrections_keep_old_values_and_name_bad_fields);
