//! The server-rendered pages, driven in-process like the API.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use http_body_util::BodyExt;
use store::{both_databases, CaseRow, HouseholdRow, PersonRow, Store, UnitRef};
use tower::ServiceExt;

use crate::{App, PASSWORD};

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
    store
        .bulk_households(
            &[HouseholdRow {
                id: 1,
                unit: units[0].clone(),
                address: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    let persons: Vec<PersonRow> = (1..=4)
        .map(|i| PersonRow {
            id: i,
            full_name: format!("Người {i}"),
            national_id: None,
            phone: None,
            birth_date: None,
            sex: Sex::Unknown,
            unit: units[if i == 4 { 1 } else { 0 }].clone(),
            household_id: (i <= 2).then_some(1),
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, 0).await.unwrap();
    let case = |id: i64, person: i64, unit: &UnitRef, confirmed: i64, severity| CaseRow {
        id,
        person_id: person,
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
                case(1, 1, &units[0], NOW - 3600, Severity::Mild),
                case(2, 3, &units[0], NOW - 3 * 86_400, Severity::Moderate),
                case(3, 4, &units[1], NOW - 600, Severity::Mild),
            ],
            0,
        )
        .await
        .unwrap();
}

pub(crate) struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub cookie: Option<String>,
    pub html: String,
}

pub(crate) async fn send(
    app: &App,
    method: Method,
    uri: &str,
    cookie: &str,
    form: Option<&str>,
) -> Page {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie);
    if form.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let resp = app
        .router
        .clone()
        .oneshot(
            req.body(Body::from(form.unwrap_or("").to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status();
    let get = |h| {
        resp.headers()
            .get(h)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_string())
    };
    let (location, cookie) = (get(header::LOCATION), get(header::SET_COOKIE));
    let html = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    Page {
        status,
        location,
        cookie,
        html,
    }
}

pub(crate) async fn sign_in(app: &App, username: &str) -> String {
    let form = format!(
        "username={username}&password={}",
        PASSWORD.replace(' ', "+")
    );
    let p = send(app, Method::POST, "/login", "", Some(&form)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let cookie = p.cookie.unwrap();
    cookie.split(';').next().unwrap().to_string()
}

async fn pages_sign_in_show_scoped_figures_and_trace(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    app.add_user("cdc", Role::Tracer, &["VN"]).await;
    app.add_user("phucxa", Role::CommuneOfficer, &["00001"])
        .await;

    // Not signed in: the dashboard sends to the sign-in page, in Vietnamese by default.
    let p = send(&app, Method::GET, "/", "", None).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/login"));
    let p = send(&app, Method::GET, "/login", "", None).await;
    assert!(p.html.contains("Đăng nhập") && p.html.contains("<label for=\"username\">"));
    let p = send(&app, Method::GET, "/login", "lang=en", None).await;
    assert!(p.html.contains("Sign in") && p.html.contains("lang=\"en\""));
    let bad = send(
        &app,
        Method::POST,
        "/login",
        "",
        Some("username=cdc&password=wrong+password"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(
        bad.html.contains("Tên đăng nhập hoặc mật khẩu không đúng."),
        "{}",
        bad.html
    );

    let cdc = sign_in(&app, "cdc").await;
    let dash = send(&app, Method::GET, "/", &cdc, None).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.html.contains("Tổng quan địa bàn"));
    // Today (20 Nov, local): cases 1 and 3; in 7 days: all three; active: three.
    let figure = |html: &str, label: &str| -> i64 {
        let i = html
            .find(label)
            .unwrap_or_else(|| panic!("{label} missing"));
        let before = &html[..i];
        let b = before.rfind("<b>").unwrap();
        before[b + 3..].split('<').next().unwrap().parse().unwrap()
    };
    assert_eq!(figure(&dash.html, "F0 mới hôm nay"), 2);
    assert_eq!(figure(&dash.html, "F0 mới 7 ngày qua"), 3);
    // The epidemic curve: 28 days, two cases today (20/11), one on 17/11.
    assert_eq!(dash.html.matches("<rect").count(), 28);
    assert!(
        dash.html.contains("20/11: 2 ·") && dash.html.contains("17/11: 1 ·"),
        "{}",
        dash.html
    );
    assert_eq!(figure(&dash.html, "F0 đang điều trị, cách ly"), 3);

    // A commune officer's figures are its commune's only.
    let officer = sign_in(&app, "phucxa").await;
    let dash = send(&app, Method::GET, "/", &format!("{officer}; lang=en"), None).await;
    assert_eq!(figure(&dash.html, "New F0 today"), 1);
    assert_eq!(figure(&dash.html, "F0 under treatment or isolation"), 2);
    let list = send(&app, Method::GET, "/cases", &officer, None).await;
    assert!(list.html.contains("href=\"/cases/1\"") && !list.html.contains("href=\"/cases/3\""));
    assert_eq!(
        send(&app, Method::GET, "/cases/3", &officer, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The case page lists the household contact; tracing saves it and says so.
    app.reindex().await;
    let case = send(&app, Method::GET, "/cases/1", &cdc, None).await;
    assert!(
        case.html.contains("Ca bệnh số 1") && case.html.contains("Cùng hộ gia đình"),
        "{}",
        case.html
    );
    let traced = send(&app, Method::POST, "/cases/1/trace", &cdc, Some("")).await;
    assert_eq!(traced.status, StatusCode::SEE_OTHER);
    assert_eq!(traced.location.as_deref(), Some("/cases/1?traced=1"));
    let again = send(&app, Method::GET, "/cases/1?traced=1", &cdc, None).await;
    assert!(again.html.contains("Đã lưu 1 người tiếp xúc mới."));

    // The follow-up list shows the traced household member; other pages render for the same
    // session (nothing to list there in this small locality).
    let follow = send(&app, Method::GET, "/contacts", &cdc, None).await;
    assert!(
        follow.html.contains("href=\"/cases/1\"") && follow.html.contains("<td>F1</td>"),
        "{}",
        follow.html
    );
    let clusters = send(&app, Method::GET, "/clusters", &cdc, None).await;
    assert_eq!(clusters.status, StatusCode::OK);
    assert!(
        clusters.html.contains("Chưa ghi nhận ổ dịch."),
        "{}",
        clusters.html
    );
    let venues = send(&app, Method::GET, "/venues?q=ch%E1%BB%A3", &cdc, None).await;
    assert!(venues.html.contains("Không tìm thấy điểm nào."));

    // Signing out ends the session.
    let out = send(&app, Method::POST, "/logout", &cdc, Some("")).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(
        send(&app, Method::GET, "/", &cdc, None).await.status,
        StatusCode::SEE_OTHER
    );
}

both_databases!(pages_sign_in_show_scoped_figures_and_trace);
