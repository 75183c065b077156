//! Imports by HTTP (issue #16, item 1): who may import, and what a file must be.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::Role;
use store::{both_databases, Store};

use crate::{error_code, error_fields, App, Resp};

/// 2021-11-20 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;

async fn post_file(app: &App, uri: &str, token: &str, body: Vec<u8>) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

fn sheet() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    // A fixed creation time: the writer stamps the current one, and a sheet built again a
    // second later would be another file (another hash) to the import's idempotence.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2021, 11, 20).unwrap();
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let s = book.add_worksheet();
    let rows = [
        ["Kết quả", "Ngày lấy mẫu", "Xã/Phường", "Họ tên", "SĐT"],
        [
            "Dương tính",
            "15/11/2021",
            "P. Hàng Buồm, Q. Hoàn Kiếm",
            "Nguyễn Văn An",
            "0912345001",
        ],
        [
            "Dương tính",
            "15/11/2021",
            "Phường Không Có",
            "Lê Thị Bé",
            "0912345002",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            s.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn only_case_writers_import_and_files_are_checked(store: Store) {
    let app = App::at(store, Some(NOW));
    let viewer = app.login_as("viewer", Role::Viewer, &["VN"]).await;
    let officer = app.login_as("hk", Role::CommuneOfficer, &["002"]).await;

    // A viewer may not import, preview or list imports.
    for uri in [
        "/api/v1/imports/preview?kind=cases",
        "/api/v1/imports?kind=cases",
        "/api/v1/imports/uploads?kind=cases",
    ] {
        let r = post_file(&app, uri, &viewer, sheet()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}: {}", r.json);
    }
    assert_eq!(
        app.get("/api/v1/imports", Some(&viewer)).await.status,
        StatusCode::FORBIDDEN
    );

    // Input ranges: no kind, an unknown kind, an empty file, a file that is no sheet, one
    // past the limit.
    let r = post_file(&app, "/api/v1/imports/preview", &officer, sheet()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), vec!["kind"]);
    let r = post_file(
        &app,
        "/api/v1/imports/preview?kind=parcels",
        &officer,
        sheet(),
    )
    .await;
    assert_eq!(error_fields(&r), vec!["kind"]);
    let r = post_file(
        &app,
        "/api/v1/imports/preview?kind=cases",
        &officer,
        Vec::new(),
    )
    .await;
    assert_eq!(
        (r.status, error_fields(&r)),
        (StatusCode::BAD_REQUEST, vec!["file".to_string()])
    );
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let r = post_file(&app, "/api/v1/imports/preview?kind=cases", &officer, png).await;
    assert_eq!(
        (r.status, error_code(&r).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input")
    );
    let big = vec![b'a'; web::IMPORT_BODY_LIMIT_BYTES + 1];
    let r = post_file(&app, "/api/v1/imports/preview?kind=cases", &officer, big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    // A commune officer of Hoàn Kiếm's district: the preview names the refused row by line,
    // column and reason; the commit writes the other, once.
    let r = post_file(
        &app,
        "/api/v1/imports/preview?kind=cases&file_name=f0.xlsx",
        &officer,
        sheet(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["counts"]["new"], 1);
    assert_eq!(r.json["counts"]["refused"], 1);
    assert_eq!(r.json["rows"][0]["line"], 3);
    assert_eq!(r.json["rows"][0]["errors"][0]["column"], "Xã/Phường");
    assert_eq!(r.json["rows"][0]["errors"][0]["reason"], "not_found");
    let r = post_file(
        &app,
        "/api/v1/imports?kind=cases&file_name=f0.xlsx",
        &officer,
        sheet(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["rows_new"], 1);
    let r = post_file(
        &app,
        "/api/v1/imports?kind=cases&file_name=f0.xlsx",
        &officer,
        sheet(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let list = app.get("/api/v1/imports", Some(&officer)).await;
    assert_eq!(list.json.as_array().map(Vec::len), Some(1));
    assert_eq!(list.json[0]["file_name"], "f0.xlsx");
}

both_databases!(only_case_writers_import_and_files_are_checked);

/// The imports list shows the imports made by users within the caller's jurisdiction: a
/// district's to the district, its city and the country, not to a neighbouring district.
async fn imports_are_listed_within_the_callers_jurisdiction(store: Store) {
    let app = App::at(store, Some(NOW));
    let hoan_kiem = app.login_as("hk", Role::CommuneOfficer, &["002"]).await;
    let ba_dinh = app.login_as("bd", Role::CommuneOfficer, &["001"]).await;
    let ha_noi = app.login_as("hn", Role::CommuneOfficer, &["01"]).await;
    let country = app.login_as("vn", Role::CommuneOfficer, &["VN"]).await;
    let r = post_file(
        &app,
        "/api/v1/imports?kind=cases&file_name=hoan-kiem-f0.xlsx",
        &hoan_kiem,
        sheet(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);

    for (who, token, seen) in [
        ("the maker", &hoan_kiem, 1),
        ("another district", &ba_dinh, 0),
        ("the city", &ha_noi, 1),
        ("the country", &country, 1),
    ] {
        let list = app.get("/api/v1/imports", Some(token)).await;
        assert_eq!(list.status, StatusCode::OK, "{who}: {}", list.json);
        assert_eq!(list.json.as_array().map(Vec::len), Some(seen), "{who}");
        let page = app.get_html("/imports", token).await;
        assert_eq!(
            page.contains("hoan-kiem-f0.xlsx"),
            seen == 1,
            "{who}: the page"
        );
    }
    // An import by a maker of the whole country is not listed to a district.
    let r = post_file(
        &app,
        "/api/v1/imports?kind=cases&file_name=vn.csv",
        &country,
        b"Ho ten,Xa/Phuong,Ngay lay mau,Ket qua\nTran Van Chin,P. Hang Buom,16/11/2021,Duong tinh\n"
            .to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let list = app.get("/api/v1/imports", Some(&hoan_kiem)).await;
    assert_eq!(list.json.as_array().map(Vec::len), Some(1));
    let list = app.get("/api/v1/imports", Some(&country)).await;
    assert_eq!(list.json.as_array().map(Vec::len), Some(2));
}

both_databases!(imports_are_listed_within_the_callers_jurisdiction);

/// The import page's bar polls `GET /api/v1/imports/uploads/{id}/progress` while its
/// commit runs, and an import holds SQLite's one writing connection for its whole
/// transaction: the poll (and its session's check) must not wait for it. Each account
/// reads only its own work; the route is for those who may import.
async fn progress_is_told_while_an_import_holds_the_writer(store: Store) {
    let app = App::at(store, Some(NOW));
    let cdc = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let viewer = app.login_as("viewer", Role::Viewer, &["VN"]).await;
    // The session's use is due to be recorded (the clock is past its touch interval).
    store::testing::execute(
        &app.store,
        "UPDATE sessions SET last_used_at_s = last_used_at_s - 120",
    )
    .await;
    let caller = store::Caller::system("import");
    let import = store::NewImport {
        kind: "cases",
        file_name: "big.csv",
        sha256: "00",
        counts: store::ImportCounts::default(),
    };
    let writer = match app.store.begin_import(&caller, &import, NOW).await.unwrap() {
        store::ImportBegun::Open(w) => w,
        store::ImportBegun::AlreadyImported(_) => panic!("a fresh file"),
    };
    let poll = app.get("/api/v1/imports/uploads/1/progress", Some(&cdc));
    let r = tokio::time::timeout(std::time::Duration::from_secs(5), poll)
        .await
        .expect("the poll waited for the import's transaction");
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["under_way"], false);
    drop(writer);

    let r = app
        .get("/api/v1/imports/uploads/1/progress", Some(&viewer))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
    let r = app.get("/api/v1/imports/uploads/1/progress", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
}

both_databases!(progress_is_told_while_an_import_holds_the_writer);

/// The tests post "the same file" by building it again: that must give the same bytes even a
/// second later (the writer would stamp the current time), or idempotence tests flake.
#[test]
fn a_sheet_built_again_later_is_the_same_file() {
    let first = sheet();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(first == sheet());
}
