//! Imports of vaccination lists and lab results by HTTP (issue #16, item 1): the same
//! routes as F0 lists with `kind=doses` or `kind=labs`.

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

async fn person(app: &App, token: &str, name: &str, national_id: &str) -> i64 {
    let r = app
        .post_json(
            "/api/v1/persons",
            Some(token),
            &json!({"full_name": name, "unit": "00001", "national_id": national_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

async fn a_vaccination_list_is_imported_by_http(store: Store) {
    let app = App::at(store, Some(NOW));
    let officer = app.login_as("bd", Role::CommuneOfficer, &["001"]).await;
    let id = person(&app, &officer, "Nguyễn Văn An", "001085000001").await;
    let csv = "Họ tên,CCCD,Vắc xin,Số lô,Ngày tiêm,Mũi,Nơi tiêm\n\
               Nguyễn Văn An,001085000001,AstraZeneca,A1234,15/08/2021,1,Phúc Xá\n\
               Nguyễn Văn An,001085000001,Nước lã,,20/09/2021,2,Phúc Xá\n";
    let r = post_file(
        &app,
        "/api/v1/imports/preview?kind=doses&file_name=tiem.csv",
        &officer,
        csv,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["counts"]["matched"], 1);
    assert_eq!(r.json["counts"]["refused"], 1);
    assert_eq!(r.json["rows"][1]["line"], 3, "{}", r.json);
    assert_eq!(r.json["rows"][1]["errors"][0]["column"], "Vắc xin");
    assert_eq!(r.json["rows"][1]["errors"][0]["reason"], "unknown_value");
    let r = post_file(
        &app,
        "/api/v1/imports?kind=doses&file_name=tiem.csv",
        &officer,
        csv,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["kind"], "doses");
    assert_eq!(r.json["rows_matched"], 1);
    let r = post_file(
        &app,
        "/api/v1/imports?kind=doses&file_name=tiem.csv",
        &officer,
        csv,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let caller = store::Caller::system("test");
    let doses = app
        .store
        .person_doses(&caller, domain::PersonId(id), NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doses.len(), 1);
    assert_eq!(doses[0].lot.as_deref(), Some("A1234"));
}

async fn a_lab_list_is_imported_by_http(store: Store) {
    let app = App::at(store, Some(NOW));
    let officer = app.login_as("bd", Role::CommuneOfficer, &["001"]).await;
    let id = person(&app, &officer, "Trần Thị Bình", "001190000002").await;
    let csv = "Mã mẫu,CCCD,Loại xét nghiệm,Ngày lấy mẫu,Ngày có kết quả,Kết quả,Ct\n\
               S1,001190000002,RT-PCR,18/11/2021 08:00,18/11/2021 20:00,Dương tính,21\n\
               S2,001190000002,RT-PCR,19/11/2021 08:00,19/11/2021 20:00,Dương tính,abc\n";
    let r = post_file(&app, "/api/v1/imports/preview?kind=labs", &officer, csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["counts"]["new"], 1, "{}", r.json);
    assert_eq!(r.json["counts"]["refused"], 1);
    assert_eq!(r.json["rows"][0]["line"], 3, "{}", r.json);
    assert_eq!(r.json["rows"][0]["errors"][0]["column"], "Ct");
    assert_eq!(r.json["rows"][0]["errors"][0]["reason"], "invalid_format");
    let r = post_file(
        &app,
        "/api/v1/imports?kind=labs&file_name=lab.csv",
        &officer,
        csv,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["kind"], "labs");
    assert_eq!(r.json["rows_new"], 1);
    let r = post_file(
        &app,
        "/api/v1/imports?kind=labs&file_name=lab.csv",
        &officer,
        csv,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let caller = store::Caller::system("test");
    let record = app
        .store
        .person_record(&caller, domain::PersonId(id), NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.cases.len(), 1, "the positive made one case");
}

both_databases!(
    a_vaccination_list_is_imported_by_http,
    a_lab_list_is_imported_by_http,
);
