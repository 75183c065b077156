//! An F1 list imported by HTTP (kind `contacts`, issue #16 item 1): previewed with its
//! refused row named, committed once, its contacts on the case's follow-up list.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::Role;
use store::{both_databases, Store};

use crate::{App, Resp};

/// 2021-11-20 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;

async fn post_file(app: &App, uri: &str, token: &str, body: &[u8]) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body.to_vec()))
        .unwrap();
    app.send(req).await
}

const F0: &[u8] = "Họ tên,CCCD,Xã/Phường,Ngày lấy mẫu,Kết quả\n\
Nguyễn Văn An,001085000001,\"P. Hàng Buồm, Q. Hoàn Kiếm\",15/11/2021,Dương tính\n"
    .as_bytes();

const F1: &[u8] = "Họ tên F0,CCCD F0,Họ tên,Năm sinh,SĐT,Xã/Phường,Ngày tiếp xúc cuối,Mối quan hệ,F1/F2\n\
Nguyễn Văn An,001085000001,Nguyễn Thị Hoa,1987,0912000001,\"P. Hàng Buồm, Q. Hoàn Kiếm\",14/11/2021 19:00,Vợ,F1\n\
Nguyễn Văn An,001085000001,Lê Văn Hàng,1990,0912000002,\"P. Hàng Buồm, Q. Hoàn Kiếm\",,Hàng xóm,F1\n"
    .as_bytes();

async fn an_f1_list_is_imported_through_the_api(store: Store) {
    let app = App::at(store, Some(NOW));
    let officer = app.login_as("hk", Role::CommuneOfficer, &["002"]).await;
    let r = post_file(
        &app,
        "/api/v1/imports?kind=cases&file_name=f0.csv",
        &officer,
        F0,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);

    let r = post_file(
        &app,
        "/api/v1/imports/preview?kind=contacts&file_name=f1.csv",
        &officer,
        F1,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["counts"]["new"], 1, "{}", r.json);
    assert_eq!(r.json["counts"]["refused"], 1);
    let refused = r.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["line"] == 3)
        .unwrap();
    assert_eq!(refused["errors"][0]["column"], "Ngày tiếp xúc cuối");
    assert_eq!(refused["errors"][0]["reason"], "required");

    let r = post_file(
        &app,
        "/api/v1/imports?kind=contacts&file_name=f1.csv",
        &officer,
        F1,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["rows_new"], 1);
    let r = post_file(
        &app,
        "/api/v1/imports?kind=contacts&file_name=f1.csv",
        &officer,
        F1,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let list = app.get("/api/v1/imports", Some(&officer)).await;
    assert_eq!(list.json.as_array().map(Vec::len), Some(2));
    assert!(list
        .json
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["kind"] == "contacts"));
    // The upload page offers the kind.
    let html = app.get_html("/imports/new", &officer).await;
    assert!(html.contains("value=\"contacts\""));
}

both_databases!(an_f1_list_is_imported_through_the_api);
