//! Imports of venue lists and of check-ins exported by another system, by HTTP (issue #16,
//! item 1): the same routes as the other lists with `kind=venues` or `kind=checkins`.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::{App, Resp};

/// 2021-11-20 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;

async fn post_file(app: &App, uri: &str, token: &str, body: &str) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

async fn a_venue_list_is_imported_by_http(store: Store) {
    let app = App::at(store, Some(NOW));
    let officer = app.login_as("bd", Role::CommuneOfficer, &["001"]).await;
    let csv = "Tên địa điểm,Loại,Xã/Phường,Quận/Huyện,Sức chứa,Giờ mở cửa,Giờ đóng cửa\n\
               Chợ Phúc Xá,Chợ,Phúc Xá,Ba Đình,500,05:00,19:00\n\
               Quán Karaoke,Karaoke,Phúc Xá,Ba Đình,,,\n";
    let r = post_file(
        &app,
        "/api/v1/imports/preview?kind=venues&file_name=dia-diem.csv",
        &officer,
        csv,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["counts"]["new"], 1, "{}", r.json);
    assert_eq!(r.json["counts"]["refused"], 1);
    assert_eq!(r.json["rows"][0]["line"], 3, "{}", r.json);
    assert_eq!(r.json["rows"][0]["errors"][0]["column"], "Loại");
    assert_eq!(r.json["rows"][0]["errors"][0]["reason"], "unknown_value");
    let commit = "/api/v1/imports?kind=venues&file_name=dia-diem.csv";
    let r = post_file(&app, commit, &officer, csv).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["kind"], "venues");
    assert_eq!(r.json["rows_new"], 1);
    let found = app
        .get("/api/v1/venues?q=cho%20phuc%20xa", Some(&officer))
        .await;
    assert_eq!(found.json["items"][0]["kind"], "market", "{}", found.json);
    assert_eq!(found.json["items"][0]["capacity"], 500);
    let id = found.json["items"][0]["id"].as_i64().unwrap();
    // Again: nothing changes; its place in another file is already registered.
    let r = post_file(&app, commit, &officer, csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let other = "Venue name,Kind,Commune,District\nChợ Phúc Xá,market,Phúc Xá,Ba Đình\n";
    let r = post_file(&app, "/api/v1/imports/preview?kind=venues", &officer, other).await;
    assert_eq!(r.json["counts"]["already"], 1, "{}", r.json);
    assert_eq!(r.json["rows"][0]["outcome"], "already");
    assert_eq!(r.json["rows"][0]["venue_id"], id);
}

async fn a_checkin_list_is_imported_by_http(store: Store) {
    let app = App::at(store, Some(NOW));
    let officer = app.login_as("bd", Role::CommuneOfficer, &["001"]).await;
    let r = app
        .post_json(
            "/api/v1/persons",
            Some(&officer),
            &json!({"full_name": "Nguyễn Văn An", "unit": "00001", "national_id": "001085000001"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let r = app
        .post_json(
            "/api/v1/venues",
            Some(&officer),
            &json!({"name": "Chợ Phúc Xá", "kind": "market", "unit": "00001"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let venue = r.json["id"].as_i64().unwrap();
    let csv = format!(
        "CCCD,Mã địa điểm,Giờ vào,Giờ ra\n\
         001085000001,{venue},19/11/2021 10:10,19/11/2021 10:50\n\
         001085000001,{venue},01/09/2021 10:10,\n"
    );
    let r = post_file(
        &app,
        "/api/v1/imports/preview?kind=checkins",
        &officer,
        &csv,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["counts"]["matched"], 1, "{}", r.json);
    assert_eq!(r.json["counts"]["refused"], 1);
    assert_eq!(r.json["rows"][1]["line"], 3, "{}", r.json);
    assert_eq!(r.json["rows"][1]["errors"][0]["column"], "Giờ vào");
    assert_eq!(r.json["rows"][1]["errors"][0]["reason"], "out_of_range");
    let commit = "/api/v1/imports?kind=checkins&file_name=quet-ma.csv";
    let r = post_file(&app, commit, &officer, &csv).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["kind"], "checkins");
    assert_eq!(r.json["rows_matched"], 1);
    assert_eq!(app.store.count_checkins().await.unwrap(), 1);
    let r = post_file(&app, commit, &officer, &csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(app.store.count_checkins().await.unwrap(), 1);
}

both_databases!(
    a_venue_list_is_imported_by_http,
    a_checkin_list_is_imported_by_http,
);
