//! The case line list downloads exactly what the filtered list shows, in scope, with who each
//! person is, and the download is audited.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use calamine::{Reader, Xlsx};
use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use http_body_util::BodyExt;
use store::{both_databases, CaseRow, PersonRow, Store, UnitRef};
use tower::ServiceExt;

use crate::ui::{send, sign_in};
use crate::App;

/// 2021-11-20T03:00:00Z = 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;

async fn seed(store: &Store) {
    let mut units = Vec::new();
    for code in ["00001", "00004"] {
        let u = store
            .unit_unscoped(Structure::S2021, &UnitCode::parse(code).unwrap())
            .await
            .unwrap()
            .unwrap();
        units.push(UnitRef::from(&u));
    }
    let names = ["Nguyễn Văn Kiểm", "Trần Thị Bình", "Lê Văn Cường"];
    let persons: Vec<PersonRow> = (1..=3)
        .map(|i| PersonRow {
            id: i,
            full_name: names[i as usize - 1].into(),
            national_id: Some(format!("00120300000{i}")),
            phone: Some(format!("091234567{i}")),
            birth_date: chrono::NaiveDate::from_ymd_opt(1980 + i as i32, 1, 2),
            sex: if i == 2 { Sex::Female } else { Sex::Male },
            unit: units[if i == 3 { 1 } else { 0 }].clone(),
            household_id: None,
            synthetic: false,
        })
        .collect();
    store.bulk_persons(&persons, 0).await.unwrap();
    let case = |id: i64, unit: &UnitRef, confirmed: i64, severity| CaseRow {
        id,
        person_id: id,
        unit: unit.clone(),
        status: CaseStatus::Active,
        severity,
        onset_s: None,
        first_sample_s: confirmed - 3600,
        confirmed_at_s: confirmed,
        isolation_s: Some(confirmed),
        community: true,
        outcome_at_s: None,
    };
    store
        .bulk_cases(
            &[
                case(1, &units[0], NOW - 3600, Severity::Mild),
                case(2, &units[0], NOW - 3 * 86_400, Severity::Moderate),
                case(3, &units[1], NOW - 600, Severity::Mild),
            ],
            0,
        )
        .await
        .unwrap();
}

async fn download(app: &App, uri: &str, cookie: &str) -> (StatusCode, String, Vec<u8>) {
    let req = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, ct, body)
}

/// The workbook's rows as text, header first.
fn rows_of(xlsx: Vec<u8>) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// Case ids linked from a list page, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<a href=\"/cases/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

async fn the_case_list_downloads_what_it_shows(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    app.add_user("cdc", Role::Tracer, &["VN"]).await;
    app.add_user("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let cdc = sign_in(&app, "cdc").await;

    let page = send(&app, Method::GET, "/cases?severity=mild", &cdc, None).await;
    assert_eq!(listed(&page.html), ["3", "1"]);
    assert!(page
        .html
        .contains("href=\"/cases/export.xlsx?severity=mild&amp;\""));
    let (status, ct, xlsx) = download(&app, "/cases/export.xlsx?severity=mild&", &cdc).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/vnd.openxmlformats"), "{ct}");
    let rows = rows_of(xlsx);
    assert_eq!(
        rows[0][..4],
        ["Mã ca", "Họ và tên", "Ngày sinh", "Giới tính"]
    );
    let ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        ids,
        ["3", "1"],
        "the rows of the filtered page, in its order"
    );
    assert_eq!(rows[2][1], "Nguyễn Văn Kiểm");
    assert_eq!(rows[2][2], "02/01/1981");
    assert_eq!(rows[2][3], "Nam");
    assert_eq!(rows[2][5], "0912345671");
    assert_eq!(rows[2][7], "Phường Phúc Xá");
    assert_eq!(rows[2][11], "Đang điều trị");

    // The CSV has the same rows (with a byte-order mark for Excel).
    let (status, _, csv) = download(&app, "/cases/export.csv?severity=mild", &cdc).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let csv = csv.strip_prefix('\u{feff}').unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("3,Lê Văn Cường,"));

    // A commune officer downloads only their commune's cases, whatever the filter says.
    let phucxa = sign_in(&app, "phucxa").await;
    let (_, _, xlsx) = download(&app, "/cases/export.xlsx", &phucxa).await;
    let ids: Vec<String> = rows_of(xlsx)[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, ["1", "2"]);
    let (_, _, xlsx) = download(&app, "/cases/export.xlsx?unit=00004", &phucxa).await;
    assert_eq!(rows_of(xlsx).len(), 1, "header only");

    // In English, the words are English.
    let (_, _, csv) = download(
        &app,
        "/cases/export.csv?severity=moderate",
        &format!("{cdc}; lang=en"),
    )
    .await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("\u{feff}Case,Full name,Date of birth,Sex,"),
        "{csv}"
    );
    assert!(csv.contains(",Trần Thị Bình,2 Jan 1982,Female,"), "{csv}");

    // Every download is in the audit log, with its filter and size.
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let audit = app
        .get("/api/v1/audit?entity=export&entity_id=cases", Some(&admin))
        .await;
    assert_eq!(audit.status, StatusCode::OK);
    let details: Vec<String> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["detail"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains("cases.xlsx by cdc: 2 rows; filter severity=mild&")),
        "{details:?}"
    );
    assert!(details
        .iter()
        .any(|d| d.starts_with("cases.xlsx by phucxa: 2 rows")));
}

/// The list says how many, names each person, sorts both ways, and takes a unit by name
/// (without diacritics, with its district when several share it); the export follows.
async fn the_case_list_counts_names_sorts_and_finds_units_by_name(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    app.add_user("cdc", Role::Tracer, &["VN"]).await;
    let cdc = sign_in(&app, "cdc").await;

    let page = send(&app, Method::GET, "/cases", &cdc, None).await;
    assert_eq!(listed(&page.html), ["3", "1", "2"]);
    assert!(page.html.contains("3 ca bệnh"), "{}", page.html);
    assert!(
        page.html
            .contains(r#"<a href="/persons/1">Nguyễn Văn Kiểm</a>"#),
        "{}",
        page.html
    );
    let oldest = send(&app, Method::GET, "/cases?sort=oldest", &cdc, None).await;
    assert_eq!(listed(&oldest.html), ["2", "1", "3"]);
    let (_, _, csv) = download(&app, "/cases/export.csv?sort=oldest", &cdc).await;
    let csv = String::from_utf8(csv).unwrap();
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["2", "1", "3"], "the export in the page's order");

    // By name, without diacritics.
    let phucxa = send(&app, Method::GET, "/cases?unit=phuc+xa", &cdc, None).await;
    assert_eq!(listed(&phucxa.html), ["1", "2"]);
    assert!(phucxa.html.contains("2 ca bệnh"), "{}", phucxa.html);
    let (_, _, csv) = download(&app, "/cases/export.csv?unit=phuc%20xa", &cdc).await;
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 3);
    // A name several communes share: a choice, and no cases until one is chosen.
    let many = send(&app, Method::GET, "/cases?unit=trung+hoa", &cdc, None).await;
    assert!(listed(&many.html).is_empty());
    assert!(
        many.html.contains("Tên này chỉ nhiều đơn vị") && many.html.contains("Quận Cầu Giấy"),
        "{}",
        many.html
    );
    let unknown = send(&app, Method::GET, "/cases?unit=khong+co", &cdc, None).await;
    assert!(unknown.html.contains("Không có đơn vị hành chính nào"));
    // Page two follows the sort.
    let api = app.login_as("api", Role::Tracer, &["VN"]).await;
    let r = app
        .get("/api/v1/cases?sort=oldest&limit=2", Some(&api))
        .await;
    let ids: Vec<i64> = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [2, 1]);
    let next = r.json["next_cursor"].as_str().unwrap();
    let r = app
        .get(
            &format!("/api/v1/cases?sort=oldest&limit=2&cursor={next}"),
            Some(&api),
        )
        .await;
    assert_eq!(r.json["items"][0]["id"], 3, "{}", r.json);
    let bad = app.get("/api/v1/cases?sort=sideways", Some(&api)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

both_databases!(
    the_case_list_downloads_what_it_shows,
    the_case_list_counts_names_sorts_and_finds_units_by_name
);
