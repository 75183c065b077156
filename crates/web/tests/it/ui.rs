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

/// A request as a browser sends it from one of our own pages: a form POST carries the
/// page's anti-forgery token (the session's, or before sign-in the pre-session cookie's) and
/// names this server as its origin.
pub(crate) async fn send(
    app: &App,
    method: Method,
    uri: &str,
    cookie: &str,
    form: Option<&str>,
) -> Page {
    let Some(form) = form.filter(|_| method == Method::POST) else {
        return send_raw(app, method, uri, cookie, form, &[]).await;
    };
    let session = cookie
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == "chongdich_token")
        .map(|(_, v)| v.to_string());
    let (cookie, token) = match session {
        Some(s) => (cookie.to_string(), web::csrf_token(&s)),
        None => {
            let t = "p".repeat(43);
            let sep = if cookie.is_empty() { "" } else { "; " };
            (format!("{cookie}{sep}chongdich_csrf={t}"), t)
        }
    };
    let sep = if form.is_empty() { "" } else { "&" };
    let form = format!("{form}{sep}csrf={token}");
    send_raw(
        app,
        method,
        uri,
        &cookie,
        Some(&form),
        &[("host", "localhost"), ("origin", "http://localhost")],
    )
    .await
}

/// A request exactly as given: no token, no origin unless in `headers`.
pub(crate) async fn send_raw(
    app: &App,
    method: Method,
    uri: &str,
    cookie: &str,
    form: Option<&str>,
    headers: &[(&str, &str)],
) -> Page {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
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
    let curve = dash.html.split("class=\"chart\"").nth(1).unwrap();
    let curve = curve.split("</svg>").next().unwrap();
    assert_eq!(curve.matches("<rect").count(), 28);
    assert!(
        dash.html.contains("20/11: 2 ·") && dash.html.contains("17/11: 1 ·"),
        "{}",
        dash.html
    );
    assert_eq!(figure(&dash.html, "F0 đang điều trị, cách ly"), 3);
    // The figures are kept between requests; a case recorded through the server (in Trúc
    // Bạch, outside the officer's commune below) shows at the next one all the same.
    let api = app.login_as("cdc-api", Role::Tracer, &["VN"]).await;
    store.sync_id_sequences().await.unwrap();
    let person = app
        .post_json(
            "/api/v1/persons",
            Some(&api),
            &serde_json::json!({"full_name": "F0 Mới", "unit": "00004"}),
        )
        .await;
    assert_eq!(person.status, StatusCode::CREATED, "{}", person.json);
    let created = app
        .post_json(
            "/api/v1/cases",
            Some(&api),
            &serde_json::json!({"person_id": person.json["id"], "severity": "mild",
                "test": {"kind": "pcr", "sample_at": "2021-11-20T00:00:00Z",
                         "result_at": "2021-11-20T02:00:00Z"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let dash = send(&app, Method::GET, "/", &cdc, None).await;
    assert_eq!(figure(&dash.html, "F0 mới hôm nay"), 3);
    assert_eq!(figure(&dash.html, "F0 đang điều trị, cách ly"), 4);

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
    // An error page keeps the navigation and offers a way back.
    let missing = send(&app, Method::GET, "/clusters/999999", &cdc, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.html.contains("href=\"/cases\"")
            && missing
                .html
                .contains("Về trang tổng quan / Back to the overview"),
        "{}",
        missing.html
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

async fn the_map_colours_the_callers_communes_only(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    app.add_user("cdc", Role::Tracer, &["VN"]).await;
    app.add_user("phucxa", Role::CommuneOfficer, &["00001"])
        .await;

    // A national account opens on the province with residents on record: Hà Nội, 526 cells.
    let cdc = sign_in(&app, "cdc").await;
    let map = send(&app, Method::GET, "/map", &cdc, None).await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(map.html.contains("Bản đồ dịch: Thành phố Hà Nội"));
    assert_eq!(map.html.matches("class=\"cell\"").count(), 526);
    // Phúc Xá: 2 cases in 7 days among its 3 residents on record.
    assert!(map
        .html
        .contains("Phường Phúc Xá: 2 ca mới trong 7 ngày, 66.666,7 ca/100.000 dân"));
    // Each coloured commune links to its cases; the district view has Hà Nội's 30 districts.
    assert!(map
        .html
        .contains("href=\"/cases?unit=00001&amp;from=2021-11-14\""));
    let by_district = send(
        &app,
        Method::GET,
        "/map?unit=01&level=district&measure=cases",
        &cdc,
        None,
    )
    .await;
    assert_eq!(by_district.html.matches("class=\"cell\"").count(), 30);
    assert!(by_district
        .html
        .contains("Quận Ba Đình: 3 ca mới trong 7 ngày"));
    let en = send(
        &app,
        Method::GET,
        "/map?measure=cases",
        &format!("{cdc}; lang=en"),
        None,
    )
    .await;
    assert!(
        en.html.contains("Epidemic map")
            && en.html.contains("Phường Trúc Bạch: 1 new cases in 7 days")
    );
    assert_eq!(
        send(&app, Method::GET, "/map?unit=99999", &cdc, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A commune officer's map opens on their district with their commune outlined; the
    // neighbouring commune's case is neither coloured nor told.
    let officer = sign_in(&app, "phucxa").await;
    let map = send(&app, Method::GET, "/map?measure=cases", &officer, None).await;
    assert!(map.html.contains("Bản đồ dịch: Quận Ba Đình"));
    assert!(map.html.contains("Phường Phúc Xá: 2 ca mới"));
    assert!(!map.html.contains("Phường Trúc Bạch: "));
    assert_eq!(map.html.matches("stroke:#111").count(), 1);

    // The cases list filters by unit (and refuses an unknown one in words).
    let list = send(&app, Method::GET, "/cases?unit=00004", &cdc, None).await;
    assert!(list.html.contains("href=\"/cases/3\"") && !list.html.contains("href=\"/cases/1\""));
    let list = send(&app, Method::GET, "/cases?unit=00004", &officer, None).await;
    assert!(!list.html.contains("href=\"/cases/3\""));
    let list = send(
        &app,
        Method::GET,
        "/cases?unit=xyz&severity=moderate",
        &cdc,
        None,
    )
    .await;
    assert!(list
        .html
        .contains("Không có đơn vị hành chính nào có tên hoặc mã này"));
    let list = send(&app, Method::GET, "/cases?severity=moderate", &cdc, None).await;
    assert!(list.html.contains("href=\"/cases/2\"") && !list.html.contains("href=\"/cases/1\""));
}

both_databases!(the_map_colours_the_callers_communes_only);

/// A square of `side` degrees around a unit's official centre, as a GeoJSON Feature.
fn square_around(code: &str, lon: f64, lat: f64, side: f64) -> serde_json::Value {
    let h = side / 2.0;
    serde_json::json!({"type": "Feature", "properties": {"ma": code}, "geometry": {"type": "Polygon", "coordinates": [[
        [lon - h, lat - h], [lon + h, lat - h], [lon + h, lat + h], [lon - h, lat + h], [lon - h, lat - h]
    ]]}})
}

/// Boundaries a locality supplies replace the cells once every commune of the province has
/// one; a bad file is refused whole, each fault named by its feature.
async fn supplied_boundaries_replace_the_cells(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    let chief = app.login_as("chihuy", Role::Command, &["VN"]).await;
    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let officer = app.login_as("badinh", Role::Command, &["001"]).await;
    let cookie = sign_in(&app, "chihuy").await;
    let registry = app::registry::Registry::of(Structure::S2021);
    let communes: Vec<(String, f64, f64)> = registry
        .communes_under("01")
        .into_iter()
        .filter_map(|u| Some((u.code.to_string(), u.lon?, u.lat?)))
        .collect();
    let collection = |features: Vec<serde_json::Value>| serde_json::json!({"type": "FeatureCollection", "features": features});
    let squares = |filter: &dyn Fn(&str) -> bool| {
        collection(
            communes
                .iter()
                .filter(|(c, _, _)| filter(c))
                .map(|(c, lon, lat)| square_around(c, *lon, *lat, 0.002))
                .collect(),
        )
    };
    let url = "/api/v1/boundaries?code_property=ma&source=S%E1%BB%9F%20TN%26MT%202021";
    async fn stored(app: &App, token: &str) -> usize {
        app.get("/api/v1/boundaries?unit=01", Some(token))
            .await
            .json["features"]
            .as_array()
            .unwrap()
            .len()
    }
    // Refused: a tracer may not; the source is required; an unknown code, a boundary filed
    // under the wrong code (Phúc Xá's code on a square in Hồ Chí Minh City), a commune twice.
    let ba_dinh = squares(&|c| {
        registry
            .ancestor_at(c, domain::UnitLevel::District)
            .is_some_and(|d| d.code.as_str() == "001")
    });
    assert_eq!(
        app.post_json(url, Some(&tracer), &ba_dinh).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post_json(
            "/api/v1/boundaries?code_property=ma",
            Some(&chief),
            &ba_dinh,
        )
        .await;
    assert_eq!(crate::error_fields(&r), vec!["source".to_string()]);
    let (phuc_xa_lon, phuc_xa_lat) = (105.848112, 21.046798);
    let bad = collection(vec![
        square_around("99999", phuc_xa_lon, phuc_xa_lat, 0.002),
        square_around("00004", 106.70, 10.78, 0.002),
        square_around("00001", phuc_xa_lon, phuc_xa_lat, 0.002),
        square_around("00001", phuc_xa_lon, phuc_xa_lat, 0.002),
    ]);
    let r = app.post_json(url, Some(&chief), &bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        crate::error_fields(&r),
        vec![
            "features[0].properties.ma".to_string(),
            "features[1].geometry".to_string(),
            "features[3].properties.ma".to_string(),
        ]
    );
    assert_eq!(r.json["error"]["fields"][0]["code"], "not_found");
    assert_eq!(r.json["error"]["fields"][2]["code"], "duplicate");
    assert_eq!(r.json["error"]["fields"][1]["code"], "misplaced");
    assert!(r.json["error"]["fields"][1]["message"]
        .as_str()
        .unwrap()
        .contains("tâm chính thức"));
    // A district's command may not file boundaries outside its district.
    let r = app
        .post_json(
            url,
            Some(&officer),
            &squares(&|c| {
                c == "00001" || c == "00004" || c == "00006" || c == "00007" || c == "00037"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"]["fields"][0]["code"], "out_of_scope");
    assert_eq!(
        stored(&app, &tracer).await,
        0,
        "a refused file stores nothing"
    );

    // Ba Đình's communes only: the map still draws cells and says how many are supplied.
    let map = send(&app, Method::GET, "/map?unit=01", &cookie, None).await;
    assert!(map.html.contains("dựng từ tọa độ chính thức"));
    let r = app.post_json(url, Some(&chief), &ba_dinh).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let in_ba_dinh = r.json["imported"].as_u64().unwrap() as usize;
    assert_eq!(in_ba_dinh, ba_dinh["features"].as_array().unwrap().len());
    let map = send(&app, Method::GET, "/map?unit=01", &cookie, None).await;
    assert!(map.html.contains(&format!(
        "Mới có ranh giới của {in_ba_dinh}/{}",
        communes.len()
    )));
    assert_eq!(map.html.matches("class=\"cell\"").count(), 526);

    // Every commune: the map draws the supplied squares, one per commune, still coloured by
    // the caller's figures; the district map dissolves them.
    let r = app.post_json(url, Some(&chief), &squares(&|_| true)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(stored(&app, &tracer).await, communes.len());
    let map = send(&app, Method::GET, "/map?unit=01", &cookie, None).await;
    assert!(
        map.html
            .contains("vẽ theo ranh giới do địa phương cung cấp"),
        "{}",
        map.html
    );
    assert_eq!(map.html.matches("class=\"cell\"").count(), communes.len());
    assert!(map
        .html
        .contains("Phường Phúc Xá: 2 ca mới trong 7 ngày, 66.666,7 ca/100.000 dân"));
    let by_district = send(
        &app,
        Method::GET,
        "/map?unit=01&level=district",
        &cookie,
        None,
    )
    .await;
    assert_eq!(by_district.html.matches("class=\"cell\"").count(), 30);
    let one = app
        .get("/api/v1/boundaries?unit=00001", Some(&tracer))
        .await;
    assert_eq!(
        one.json["features"][0]["properties"]["source"],
        "Sở TN&MT 2021"
    );
    assert_eq!(
        one.json["features"][0]["properties"]["imported_by"],
        "chihuy"
    );
}

both_databases!(supplied_boundaries_replace_the_cells);

/// Risk levels follow the inputs shown, under the decision in force on the chosen date.
async fn risk_levels_follow_the_decision_in_force(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    let token = app.login_as("cdc", Role::Tracer, &["VN"]).await;

    // 20 Nov 2021, under 4800: Phúc Xá has 2 community cases among 3 residents this week
    // (≥150 per 100,000) and no vaccination figures (the rule assumes <70%): level 4.
    let r = app
        .get("/api/v1/risk-levels?date=2021-11-20", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let items = r.json["items"].as_array().unwrap();
    let phuc_xa = items.iter().find(|i| i["unit_code"] == "00001").unwrap();
    assert_eq!(phuc_xa["policy"], "4800/QĐ-BYT");
    assert_eq!(phuc_xa["level"], 4);
    assert_eq!(phuc_xa["inputs"][0]["indicator"], "cases_per_100k_week");
    assert_eq!(phuc_xa["inputs"][0]["band"], "≥150");
    assert!((phuc_xa["inputs"][0]["value"].as_f64().unwrap() - 66_666.67).abs() < 0.01);
    assert_eq!(phuc_xa["inputs"][1]["reading"], "assumed_worst");
    assert!(phuc_xa["reason"]
        .as_str()
        .unwrap()
        .contains("→ cấp 4 (4800/QĐ-BYT)"));
    // Districts roll their communes up: Ba Đình with its 4 residents.
    let r = app
        .get(
            "/api/v1/risk-levels?date=2021-11-20&level=district",
            Some(&token),
        )
        .await;
    let ba_dinh = &r.json["items"][0];
    assert_eq!(
        (
            ba_dinh["unit_code"].as_str(),
            ba_dinh["population"].as_u64()
        ),
        (Some("001"), Some(4))
    );

    // Across 27 Jan 2022 the decision changes to 218, with its own inputs.
    let r = app
        .get("/api/v1/risk-levels?date=2022-01-28", Some(&token))
        .await;
    let phuc_xa = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["unit_code"] == "00001")
        .unwrap()
        .clone();
    assert_eq!(phuc_xa["policy"], "218/QĐ-BYT");
    assert_eq!(phuc_xa["cases"], 0);
    let r = app
        .get("/api/v1/risk-levels?date=2022-01-26", Some(&token))
        .await;
    assert_eq!(r.json["items"][0]["policy"], "4800/QĐ-BYT");

    // Bad input is refused by field; before any decision there is no level to give.
    for (q, field) in [
        ("level=ward", "level"),
        ("date=20-11-2021", "date"),
        ("date=2021-09-01", "date"),
        ("structure=2025&level=district", "level"),
    ] {
        let r = app
            .get(&format!("/api/v1/risk-levels?{q}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(crate::error_fields(&r), vec![field.to_string()], "{q}");
    }
    // The 2025 structure: Phúc Xá became part of the new Ba Đình ward.
    let r = app
        .get(
            "/api/v1/risk-levels?date=2021-11-20&structure=2025",
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.json["items"].as_array().unwrap().is_empty());

    // The page, and the public one without signing in, show the same grounds.
    let public = send(&app, Method::GET, "/public/risk?date=2021-11-20", "", None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.html.contains("Áp dụng 4800/QĐ-BYT"));
    assert!(public.html.contains("→ cấp 4 (4800/QĐ-BYT)"));
    assert!(!public.html.contains("nav-label") && !public.html.contains("Đăng xuất"));
    let public = send(
        &app,
        Method::GET,
        "/public/risk?date=2022-02-03&level=district",
        "lang=en",
        None,
    )
    .await;
    assert!(
        public.html.contains("Under 218/QĐ-BYT"),
        "{}",
        &public.html[..public.html.len().min(3000)]
    );
}

both_databases!(risk_levels_follow_the_decision_in_force);

/// A locality corrects an assumed value: the change is checked, recorded, applied at once and
/// again after a restart; a bad one changes nothing.
async fn policy_overrides_are_checked_recorded_and_applied(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    let admin = app.login_as("chihuy", Role::Command, &["VN"]).await;
    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let level = |r: &crate::Resp| {
        r.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["unit_code"] == "00001")
            .unwrap()["level"]
            .as_u64()
    };
    let before = app
        .get("/api/v1/risk-levels?date=2021-11-20", Some(&admin))
        .await;
    assert_eq!(level(&before), Some(4));

    let body = |key: &str, value: &str| serde_json::json!({"file": "risk_levels", "document": "4800/QĐ-BYT", "key": key, "value": value, "note": "Quyết định của BCĐ thành phố"});
    let key = "risk.transmission.cases_per_100k_week.cut_offs.2";
    let r = app
        .post_json(
            "/api/v1/policies/overrides",
            Some(&tracer),
            &body(key, "100000.0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (key, value, field) in [
        ("risk.transmission.nothing.cut_offs.2", "1.0", "key"),
        (key, "\"nhiều\"", "value"),
        // Below the band under it: the bands would be out of order.
        (key, "10.0", "value"),
    ] {
        let r = app
            .post_json(
                "/api/v1/policies/overrides",
                Some(&admin),
                &body(key, value),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{key} = {value}: {}",
            r.json
        );
        assert_eq!(
            crate::error_fields(&r),
            vec![field.to_string()],
            "{key} = {value}"
        );
    }
    let list = app.get("/api/v1/policies/overrides", Some(&admin)).await;
    assert_eq!(
        list.json["items"].as_array().unwrap().len(),
        0,
        "refused overrides change nothing"
    );

    // Raising the top band's cut-off moves Phúc Xá (66,667 per 100,000) from level 4 to 3.
    let r = app
        .post_json(
            "/api/v1/policies/overrides",
            Some(&admin),
            &body(key, "100000.0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["old_value"], "150.0");
    assert_eq!(r.json["by"], "chihuy");
    let after = app
        .get("/api/v1/risk-levels?date=2021-11-20", Some(&admin))
        .await;
    assert_eq!(level(&after), Some(3));
    let list = app.get("/api/v1/policies/overrides", Some(&tracer)).await;
    assert_eq!(
        list.json["items"][0]["note"],
        "Quyết định của BCĐ thành phố"
    );
    // The rule of 218 is untouched.
    let r = app
        .get("/api/v1/risk-levels?date=2022-02-03", Some(&admin))
        .await;
    assert_eq!(r.json["items"][0]["policy"], "218/QĐ-BYT");

    // After a restart the stored override applies again.
    let restarted = App::at(store.clone(), Some(NOW));
    assert_eq!(restarted.state.rules.load(&store).await.unwrap(), 1);
    let again = restarted
        .get("/api/v1/risk-levels?date=2021-11-20", Some(&admin))
        .await;
    assert_eq!(level(&again), Some(3));
}

both_databases!(policy_overrides_are_checked_recorded_and_applied);

/// Publishing keeps a week's levels as they stood; a unit's history lists them newest first.
async fn published_risk_levels_make_a_history(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    let chief = app.login_as("chihuy", Role::Command, &["VN"]).await;
    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let week = |d: &str| serde_json::json!({ "date": d });
    let r = app
        .post_json(
            "/api/v1/risk-levels/publish",
            Some(&tracer),
            &week("2021-11-20"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json(
            "/api/v1/risk-levels/publish",
            Some(&chief),
            &week("2021-11-20"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    // Two communes, their district and their province.
    assert_eq!(r.json["units"], 4);
    let r = app
        .post_json(
            "/api/v1/risk-levels/publish",
            Some(&chief),
            &week("2021-11-20"),
        )
        .await;
    assert_eq!(r.json["units"], 4, "publishing a week again replaces it");
    app.post_json(
        "/api/v1/risk-levels/publish",
        Some(&chief),
        &week("2021-11-13"),
    )
    .await;

    let h = app
        .get("/api/v1/risk-levels/history?unit=00001", Some(&tracer))
        .await;
    let items = h.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["week_to"].as_str(), items[0]["level"].as_u64()),
        (Some("2021-11-20"), Some(4))
    );
    assert_eq!(items[0]["published_by"], "chihuy");
    assert_eq!(items[0]["inputs"][0]["band"], "≥150");
    assert_eq!(items[1]["week_to"], "2021-11-13");
    let r = app.get("/api/v1/risk-levels/history", Some(&tracer)).await;
    assert_eq!(crate::error_fields(&r), vec!["unit".to_string()]);
    let page = app.get_html("/risk/history?unit=00001", &tracer).await;
    assert!(page.contains("Cấp độ dịch đã công bố: Phường Phúc Xá") && page.contains("20/11/2021"));
}

both_databases!(published_risk_levels_make_a_history);

/// The weekly job publishes each week once it has ended, in both structures, and only once.
async fn the_weekly_job_publishes_each_ended_week_once(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    let weeks = |done: &[(Structure, chrono::NaiveDate, u64)]| -> Vec<(String, String)> {
        done.iter()
            .map(|(s, w, _)| (s.as_str().to_string(), w.to_string()))
            .collect()
    };
    // Saturday 20 Nov 2021: the week that has ended is the one to Sunday 14 Nov.
    let done = app::risk::publish_due_weeks(&app.state).await.unwrap();
    assert_eq!(
        weeks(&done),
        vec![
            ("2021".to_string(), "2021-11-14".to_string()),
            ("2025".to_string(), "2021-11-14".to_string())
        ]
    );
    assert_eq!(done[0].2, 4, "two communes, their district and province");
    assert!(done[1].2 > 0);
    assert!(app::risk::publish_due_weeks(&app.state)
        .await
        .unwrap()
        .is_empty());

    let tracer = app.login_as("cdc", Role::Tracer, &["VN"]).await;
    let h = app
        .get("/api/v1/risk-levels/history?unit=00001", Some(&tracer))
        .await;
    let items = h.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["week_to"], "2021-11-14");
    assert_eq!(items[0]["published_by"], app::risk::WEEKLY_PUBLISHER);

    // Eight days on, the week to 21 Nov has ended too; the one to 28 Nov has not.
    let later = App::at(store.clone(), Some(NOW + 8 * 86_400));
    let done = app::risk::publish_due_weeks(&later.state).await.unwrap();
    assert_eq!(
        weeks(&done),
        vec![
            ("2021".to_string(), "2021-11-21".to_string()),
            ("2025".to_string(), "2021-11-21".to_string())
        ]
    );
}

both_databases!(the_weekly_job_publishes_each_ended_week_once);

/// Hoàng Sa and Trường Sa are not in Natural Earth's outline of Vietnam: their units are
/// drawn as labelled markers in an inset of their province's map.
async fn the_archipelagos_are_drawn_on_their_provinces_maps(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    app.add_user("cdc", Role::Tracer, &["VN"]).await;
    let cdc = sign_in(&app, "cdc").await;
    let da_nang = send(&app, Method::GET, "/map?unit=48", &cdc, None).await;
    assert_eq!(da_nang.status, StatusCode::OK);
    assert!(
        da_nang.html.contains(">Huyện Hoàng Sa</text>"),
        "{}",
        da_nang.html
    );
    assert!(
        da_nang.html.contains("stroke-dasharray=\"4 3\""),
        "in an inset"
    );
    let khanh_hoa = send(&app, Method::GET, "/map?unit=56", &cdc, None).await;
    for commune in ["Thị trấn Trường Sa", "Xã Song Tử Tây", "Xã Sinh Tồn"] {
        assert!(
            khanh_hoa.html.contains(&format!(">{commune}</text>")),
            "{commune}"
        );
    }
    // In Vietnamese and English, in an inset naming the archipelago as Vietnam's.
    assert!(khanh_hoa.html.contains(">Song Tu Tay Commune</text>"));
    assert!(khanh_hoa.html.contains("Quần đảo Trường Sa (Việt Nam)"));
    assert!(khanh_hoa.html.contains("Truong Sa archipelago (Viet Nam)"));
    assert!(da_nang.html.contains(">Hoang Sa District</text>"));
    for (map, key) in [(&khanh_hoa, "truong-sa"), (&da_nang, "hoang-sa")] {
        assert!(map.html.contains(&format!("data-archipelago=\"{key}\"")));
        // The islands are drawn, and no unit is drawn as an empty shape.
        let islands = map.html.split("class=\"islands\" d=\"").nth(1).unwrap();
        assert!(islands.starts_with('M') && islands.len() > 100, "{key}");
        assert!(!map.html.contains(" d=\"\""), "{key}: an empty shape");
    }
    // The mainland keeps its scale: Khánh Hòa is about 160 km tall and 90 km wide, so its
    // map is drawn taller than wide, not a strip squeezed by a point 450 km out at sea.
    let view_box = |html: &str| -> (f64, f64) {
        let v = html.split("viewBox=\"0 0 ").nth(1).unwrap();
        let mut it = v.split('"').next().unwrap().split(' ');
        (
            it.next().unwrap().parse().unwrap(),
            it.next().unwrap().parse().unwrap(),
        )
    };
    let (w, h) = view_box(&khanh_hoa.html);
    assert!(h > w, "Khánh Hòa's map is {w} × {h}");
    // The district view of Đà Nẵng still shows Hoàng Sa, which has no communes.
    let by_district = send(&app, Method::GET, "/map?unit=48&level=district", &cdc, None).await;
    assert!(by_district.html.contains(">Huyện Hoàng Sa</text>"));
    // So does the risk page's map of Đà Nẵng.
    let risk = send(&app, Method::GET, "/risk?unit=48", &cdc, None).await;
    assert_eq!(risk.status, StatusCode::OK);
    assert!(risk.html.contains("data-archipelago=\"hoang-sa\""));
}

/// The country's map: on a national account's dashboard (provinces by incidence) and on the
/// risk pages at province level (provinces by level), both archipelagos in their insets; an
/// account of one commune gets no national map.
async fn the_country_is_mapped_with_its_archipelagos(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    app.add_user("cdc", Role::Tracer, &["VN"]).await;
    app.add_user("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let cdc = sign_in(&app, "cdc").await;
    let home = send(&app, Method::GET, "/", &cdc, None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.html.contains("Toàn quốc: ca mới trong 7 ngày"),
        "{}",
        home.html
    );
    for key in ["hoang-sa", "truong-sa"] {
        assert!(home.html.contains(&format!("data-archipelago=\"{key}\"")));
    }
    // 63 provinces, each linking to its own map.
    assert_eq!(home.html.matches("path class=\"cell\"").count(), 63);
    let phucxa = sign_in(&app, "phucxa").await;
    let commune_home = send(&app, Method::GET, "/", &phucxa, None).await;
    assert!(!commune_home.html.contains("data-archipelago"));

    let public = send(&app, Method::GET, "/public/risk?level=province", "", None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.html.contains("Cấp độ dịch các tỉnh, thành phố"));
    assert!(public.html.contains("Huyện Hoàng Sa, Thành phố Đà Nẵng"));
    assert!(public.html.contains("Huyện Trường Sa, Tỉnh Khánh Hòa"));
    assert_eq!(public.html.matches("path class=\"cell\"").count(), 63);
}

both_databases!(
    the_archipelagos_are_drawn_on_their_provinces_maps,
    the_country_is_mapped_with_its_archipelagos,
    the_public_risk_page_shows_the_published_week,
);

/// The public risk page shows the levels as published (their stored reasons), for the
/// latest published week; the week being assessed is a labelled preview only on request.
async fn the_public_risk_page_shows_the_published_week(store: Store) {
    seed(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    // Before anything is published, the live week is shown as a preview.
    let p = send(&app, Method::GET, "/public/risk", "", None).await;
    assert!(p.html.contains("Bản xem trước"), "{}", p.html);
    // Saturday 20 Nov 2021: the week to Sunday 14 Nov is published.
    app::risk::publish_due_weeks(&app.state).await.unwrap();
    // What the public was told stays what it reads, whatever the live data say since.
    store::testing::execute(
        &store,
        "UPDATE risk_levels SET reason_vi = 'Lý do đã công bố X' WHERE unit_code = '00001'",
    )
    .await;
    let p = send(&app, Method::GET, "/public/risk", "", None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.html.contains("Cấp độ đã công bố của tuần này."),
        "{}",
        p.html
    );
    assert!(p.html.contains("đến 14/11/2021"), "{}", p.html);
    assert!(p.html.contains("Lý do đã công bố X"), "{}", p.html);
    assert!(!p.html.contains("Bản xem trước"));
    let p = send(&app, Method::GET, "/public/risk?preview=1", "", None).await;
    assert!(p.html.contains("Bản xem trước") && p.html.contains("đến 20/11/2021"));
    assert!(
        !p.html.contains("Lý do đã công bố X"),
        "the live assessment's own reasons"
    );
}
