//! The daily report's page and XLSX (issue #16, item 3): the dashboard's figures, for every
//! signed-in role within its scope, a bad day refused with its field named, and an XLSX
//! that opens.

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

use crate::ui::{send, send_raw, sign_in};
use crate::App;

/// 2021-11-20T03:00:00Z = 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;

async fn unit(store: &Store, code: &str) -> UnitRef {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse(code).unwrap())
        .await
        .unwrap()
        .unwrap();
    UnitRef::from(&u)
}

/// Today: two cases in Phúc Xá (Ba Đình), one in Hàng Bạc (Hoàn Kiếm); a death in Hoàn
/// Kiếm ten days ago.
async fn seed(store: &Store) {
    let (bd, hk) = (unit(store, "00001").await, unit(store, "00037").await);
    let persons: Vec<PersonRow> = (1..=4)
        .map(|i| PersonRow {
            id: i,
            full_name: format!("Người {i}"),
            national_id: None,
            phone: None,
            birth_date: None,
            sex: Sex::Unknown,
            unit: if i <= 2 { bd.clone() } else { hk.clone() },
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, 0).await.unwrap();
    let case = |id: i64, status, at: i64| CaseRow {
        id,
        person_id: id,
        unit: if id <= 2 { bd.clone() } else { hk.clone() },
        status,
        severity: Severity::Mild,
        onset_s: None,
        first_sample_s: at - 3600,
        confirmed_at_s: at,
        isolation_s: Some(at),
        community: true,
        outcome_at_s: None,
    };
    store
        .bulk_cases(
            &[
                case(1, CaseStatus::Active, NOW - 3600),
                case(2, CaseStatus::Active, NOW - 7200),
                case(3, CaseStatus::Active, NOW - 600),
                case(4, CaseStatus::Died, NOW - 10 * 86_400),
            ],
            0,
        )
        .await
        .unwrap();
}

/// The number shown before a dashboard figure's label: `<b>N</b>label`.
fn dashboard_figure(html: &str, label: &str) -> String {
    let at = html.find(&format!("</b>{label}")).expect(label);
    let start = html[..at].rfind("<b>").unwrap() + 3;
    html[start..at].to_string()
}

/// The cells of the report's total row, as text.
fn total_row(html: &str) -> Vec<String> {
    let foot = &html[html.find("<tfoot>").unwrap()..html.find("</tfoot>").unwrap()];
    foot.split("<td>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_string())
        .collect()
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

async fn the_daily_report_shows_the_dashboards_figures(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    app.add_user("hanoi", Role::Viewer, &["01"]).await;
    app.add_user("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let hanoi = sign_in(&app, "hanoi").await;

    let dash = send(&app, Method::GET, "/", &hanoi, None).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(
        dash.html.contains("href=\"/reports/daily?day=2021-11-20\""),
        "the dashboard links to the report"
    );
    let page = send(&app, Method::GET, "/reports/daily", &hanoi, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html.contains("20/11/2021"),
        "the day, as Vietnamese write it"
    );
    assert!(page.html.contains("Quận Ba Đình") && page.html.contains("Quận Hoàn Kiếm"));
    let total = total_row(&page.html);
    // new F0, the tiers, F1, deaths, tests, doses, risk.
    assert_eq!(total[0], dashboard_figure(&dash.html, "F0 mới hôm nay"));
    assert_eq!(total[0], "3");
    let tiers = total.len() - 6;
    assert_eq!(
        total[1 + tiers],
        dashboard_figure(&dash.html, "F1 đang cách ly")
    );
    assert_eq!(total[2 + tiers], dashboard_figure(&dash.html, "Tử vong"));
    assert_eq!(total[2 + tiers], "1");
    let under_care: i64 = total[1..=tiers]
        .iter()
        .map(|n| n.parse::<i64>().unwrap())
        .sum();
    assert_eq!(
        under_care.to_string(),
        dashboard_figure(&dash.html, "F0 đang điều trị, cách ly")
    );

    // An explicit day, in English.
    let en = send(
        &app,
        Method::GET,
        "/reports/daily?day=2021-11-10",
        &format!("{hanoi}; lang=en"),
        None,
    )
    .await;
    assert_eq!(en.status, StatusCode::OK);
    assert!(
        en.html
            .contains("COVID-19 situation report for 10 Nov 2021"),
        "{}",
        en.html
    );
    assert!(
        en.html.contains("present status"),
        "a past day says what is not the day's"
    );

    // The XLSX: one row per district, the total last, numbers as numbers.
    let (status, ct, bytes) = download(&app, "/reports/daily.xlsx?day=2021-11-20", &hanoi).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/vnd.openxmlformats"), "{ct}");
    let rows = rows_of(bytes);
    assert_eq!(rows[0][0], "Đơn vị");
    assert_eq!(rows[0][1], "F0 mới");
    let bd = rows.iter().find(|r| r[0] == "Quận Ba Đình").unwrap();
    assert_eq!(bd[1], "2");
    let total = rows.iter().position(|r| r[0] == "Tổng cộng").unwrap();
    assert_eq!(rows[total][1], "3");
    assert_eq!(
        total,
        1 + 30,
        "Hà Nội's 30 districts of 2021, then the total"
    );
    // Below, after a blank row, the day's clusters: one row for each kind (none here).
    let kinds: Vec<(&str, &str)> = rows[total + 2..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Ổ dịch mới trong ngày", "0"),
            (
                "Ổ dịch đang hoạt động (có ca mới trong 28 ngày, chưa kết thúc)",
                "0"
            ),
            ("Ổ dịch kết thúc trong ngày", "0"),
            ("Ổ dịch gộp trong ngày", "0"),
        ]
    );

    // A commune's officer: its own commune only.
    let officer = sign_in(&app, "phucxa").await;
    let page = send(&app, Method::GET, "/reports/daily", &officer, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Phường Phúc Xá"));
    assert!(!page.html.contains("Quận Hoàn Kiếm"));
    assert_eq!(total_row(&page.html)[0], "2");
}
both_databases!(the_daily_report_shows_the_dashboards_figures);

async fn a_bad_day_is_refused_with_its_field(store: Store) {
    let app = App::at(store, Some(NOW));
    app.add_user("cdc", Role::Command, &["VN"]).await;
    let cdc = sign_in(&app, "cdc").await;
    for uri in [
        "/reports/daily?day=2021-11-21",
        "/reports/daily?day=1900-01-01",
        "/reports/daily?day=20-11-2021",
        "/reports/daily.xlsx?day=2021-13-01",
        "/reports/daily.xlsx?day=tomorrow",
    ] {
        let p = send(&app, Method::GET, uri, &cdc, None).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(p.html.contains("<code>day</code>"), "{uri}: {}", p.html);
        assert!(p.html.contains("Ngày báo cáo"), "{uri}");
    }
    // Without an account: to the sign-in page, nothing of the figures.
    for uri in ["/reports/daily", "/reports/daily.xlsx"] {
        let p = send_raw(&app, Method::GET, uri, "", None, &[]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(p.location.unwrap().starts_with("/login"), "{uri}");
    }
}
both_databases!(a_bad_day_is_refused_with_its_field);

/// Every role may read the report (aggregate figures, as the dashboard).
async fn every_role_reads_the_report(store: Store) {
    let app = App::at(store, Some(NOW));
    for (i, role) in [
        Role::Administrator,
        Role::Command,
        Role::Tracer,
        Role::CommuneOfficer,
        Role::FacilityManager,
        Role::Partner,
        Role::Viewer,
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("user{i}");
        app.add_user(&name, role, &["01"]).await;
        let cookie = sign_in(&app, &name).await;
        let p = send(
            &app,
            Method::GET,
            "/reports/daily?day=2021-11-19",
            &cookie,
            None,
        )
        .await;
        assert_eq!(p.status, StatusCode::OK, "{role:?}");
        let (status, _, _) = download(&app, "/reports/daily.xlsx?day=2021-11-19", &cookie).await;
        assert_eq!(status, StatusCode::OK, "{role:?} xlsx");
    }
}
both_databases!(every_role_reads_the_report);
