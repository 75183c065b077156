//! Aid between localities and relief rounds through the API and the pages.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::{Role, Structure, UnitCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use store::{both_databases, HouseholdRow, Store, UnitRef};
use tower::ServiceExt;

use crate::{error_code, error_fields, App};

/// 2021-11-20T03:00:00Z.
const NOW: i64 = 1_637_377_200;

const LAO_PROVINCES: [&str; 8] = [
    "LA-BK", "LA-HO", "LA-LM", "LA-LP", "LA-OU", "LA-PH", "LA-XA", "LA-XI",
];

fn locality(code: &str) -> Value {
    json!({"kind": "locality", "code_or_id": code})
}

async fn gift(app: &App, token: &str, body: Value) -> i64 {
    let r = app
        .post_json("/api/v1/aid/donations", Some(token), &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

/// The reports' gifts recorded through the API; returns (command token, Vientiane gift id).
async fn record_the_reports(app: &App) -> (String, i64) {
    let command = app.login_as("command", Role::Command, &["VN"]).await;
    let source = "001_dcb2878248db2b41.txt";
    gift(app, &command, json!({
        "donor": locality("01"), "recipient": locality("LA-VT"),
        "money": {"amount_minor": 4_000_000, "currency": "USD"},
        "goods": [{"item": "masks", "quantity": 30000}, {"item": "antigen_test_kits", "quantity": 10000}],
        "date": "2021-08-26", "source": source})).await;
    for p in LAO_PROVINCES {
        gift(app, &command, json!({
            "donor": locality("01"), "recipient": locality(p),
            "money": {"amount_minor": 2_000_000, "currency": "usd"}, "date": "2021-08-26", "source": source})).await;
    }
    let vientiane = gift(
        app,
        &command,
        json!({
        "donor": locality("LA-VT"), "recipient": locality("01"),
        "money": {"amount_minor": 1_500_000, "currency": "USD"}, "date": "2021-08-26",
        "status": "received", "source": source}),
    )
    .await;
    let police = app
        .post_json(
            "/api/v1/aid/organisations",
            Some(&command),
            &json!({"kind": "police", "name": "Công an TP Hồ Chí Minh", "unit": "79"}),
        )
        .await;
    assert_eq!(police.status, StatusCode::CREATED, "{}", police.json);
    let police = police.json["id"].as_i64().unwrap().to_string();
    gift(
        app,
        &command,
        json!({
        "donor": {"kind": "police", "code_or_id": police}, "recipient": locality("93"),
        "money": {"amount_minor": 500_000_000, "currency": "VND"}, "date": "2021-11-01",
        "source": "002_facca2dd8b6e4cbc.txt"}),
    )
    .await;
    let rate = app
        .post_json("/api/v1/aid/rates", Some(&command),
            &json!({"base": "USD", "quote": "VND", "rate": "23000", "date": "2021-08-26", "source": "assumed", "assumed": true}))
        .await;
    assert_eq!(rate.status, StatusCode::NO_CONTENT, "{}", rate.json);
    (command, vientiane)
}

async fn the_ledger_answers_the_interfaces_of_the_issue(store: Store) {
    let app = App::at(store, Some(NOW));
    let (command, vientiane) = record_the_reports(&app).await;

    // Bad input: every bad field named, nothing recorded.
    let bad = app
        .post_json(
            "/api/v1/aid/donations",
            Some(&command),
            &json!({
            "donor": {"kind": "army", "code_or_id": "01"}, "recipient": locality("LA-VT"),
            "money": {"amount_minor": -5, "currency": "XXX"},
            "goods": [{"item": "rice", "quantity": 1}], "date": "26/8/2021"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_fields(&bad),
        [
            "donor.kind",
            "money.amount_minor",
            "money.currency",
            "goods[0].item",
            "date",
            "source"
        ]
    );
    let unknown = app
        .post_json(
            "/api/v1/aid/donations",
            Some(&command),
            &json!({
            "donor": locality("01"), "recipient": locality("LA-ZZ"),
            "money": {"amount_minor": 5, "currency": "USD"}, "date": "2021-08-26", "source": "x"}),
        )
        .await;
    assert_eq!(error_fields(&unknown), ["recipient.code_or_id"]);

    // The list: the interface's fields, paged by cursor.
    let items = app
        .all_items("/api/v1/aid/donations?limit=4", &command)
        .await;
    assert_eq!(items.len(), 11);
    let vt = items.iter().find(|i| i["id"] == vientiane).unwrap();
    assert_eq!(
        vt["donor"],
        json!({"kind": "locality", "code_or_id": "LA-VT", "name": "Thủ đô Viêng Chăn"})
    );
    assert_eq!(
        vt["recipient"],
        json!({"kind": "locality", "code_or_id": "01", "name": "Hà Nội"})
    );
    assert_eq!(
        vt["money"],
        json!({"amount_minor": 1_500_000, "currency": "USD"})
    );
    assert_eq!(vt["status"], "received");
    assert_eq!(vt["date"], "2021-08-26");
    assert_eq!(vt["source"], "001_dcb2878248db2b41.txt");
    assert_eq!(vt["goods"], json!([]));
    let police = items
        .iter()
        .find(|i| i["donor"]["kind"] == "police")
        .unwrap();
    assert_eq!(police["recipient"]["name"], "Hậu Giang");
    let to_laos = app
        .all_items("/api/v1/aid/donations?donor=01&recipient=LA", &command)
        .await;
    assert_eq!(to_laos.len(), 9);
    let with_goods = to_laos
        .iter()
        .find(|i| i["recipient"]["code_or_id"] == "LA-VT")
        .unwrap();
    assert_eq!(
        with_goods["goods"][0],
        json!({"item": "masks", "quantity": 30000, "unit": "pieces"})
    );
    let bad = app
        .get("/api/v1/aid/donations?donor=org:x&limit=0", Some(&command))
        .await;
    assert_eq!(error_code(&bad), "invalid_input");

    // Totals: Hà Nội → Laos 200,000 USD, 30,000 masks, 10,000 kits.
    let t = app
        .get(
            "/api/v1/aid/totals?donor=01&recipient=LA&currency=USD",
            Some(&command),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.json);
    assert_eq!(t.json["total_minor"], 20_000_000);
    assert_eq!(t.json["donations"], 9);
    assert_eq!(
        t.json["goods"],
        json!([
        {"item": "antigen_test_kits", "quantity": 10000, "unit": "kits"},
        {"item": "masks", "quantity": 30000, "unit": "pieces"}])
    );
    // Everything in USD: 215,000 USD + 500,000,000 VND at 23,000 VND/USD (21,739.13 USD).
    let all = app
        .get("/api/v1/aid/totals?currency=USD", Some(&command))
        .await;
    assert_eq!(
        all.json["total_minor"],
        21_500_000 + 2_173_913,
        "{}",
        all.json
    );
    let vnd = all.json["by_currency"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["currency"] == "VND")
        .unwrap();
    assert_eq!(vnd["amount_minor"], 500_000_000);
    assert_eq!(vnd["converted_minor"], 2_173_913);
    assert_eq!(vnd["rate"]["rate"], "23000");
    assert_eq!(vnd["rate"]["date"], "2021-08-26");
    assert_eq!(vnd["rate"]["assumed"], true);
    assert!(all.json["rounding"]
        .as_str()
        .unwrap()
        .contains("halves away from zero"));
    // Into VND: 215,000 × 23,000 + 500,000,000.
    let in_vnd = app
        .get("/api/v1/aid/totals?currency=VND", Some(&command))
        .await;
    assert_eq!(
        in_vnd.json["total_minor"],
        215_000_i64 * 23_000 + 500_000_000
    );
    // A currency with no rate leaves no total, and says which.
    let lak = app
        .get("/api/v1/aid/totals?currency=LAK", Some(&command))
        .await;
    assert_eq!(lak.json["total_minor"], Value::Null);
    assert_eq!(lak.json["missing_rates"], json!(["USD", "VND"]));
    let bad = app
        .get(
            "/api/v1/aid/totals?currency=usdollar&as_of=yesterday",
            Some(&command),
        )
        .await;
    assert_eq!(error_fields(&bad), ["currency", "as_of"]);

    // Scope: Hậu Giang sees the police's gift only; Vientiane's partner account its two gifts.
    let haugiang = app.login_as("haugiang", Role::Partner, &["93"]).await;
    assert_eq!(
        app.all_items("/api/v1/aid/donations", &haugiang)
            .await
            .len(),
        1
    );
    let vt_partner = app.login_as("vientiane", Role::Partner, &["LA-VT"]).await;
    assert_eq!(
        app.all_items("/api/v1/aid/donations", &vt_partner)
            .await
            .len(),
        2
    );
    let hidden = app
        .get(
            &format!("/api/v1/aid/donations/{vientiane}"),
            Some(&haugiang),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // Lifecycle: no skipping, recipient's side acknowledges, history kept.
    let step = |id: i64, status: &str| {
        let body = json!({"status": status});
        let uri = format!("/api/v1/aid/donations/{id}/status");
        (uri, body)
    };
    let (uri, body) = step(vientiane, "dispatched");
    let r = app.post_json(&uri, Some(&command), &body).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(error_code(&r), "status_step_not_allowed");
    let (uri, body) = step(vientiane, "acknowledged");
    let r = app.post_json(&uri, Some(&vt_partner), &body).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "Vientiane is the donor: {}",
        r.json
    );
    let r = app.post_json(&uri, Some(&command), &body).await;
    assert_eq!(r.json["status"], "acknowledged", "{}", r.json);
    let d = app
        .get(
            &format!("/api/v1/aid/donations/{vientiane}"),
            Some(&command),
        )
        .await;
    let steps: Vec<&str> = d.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["pledged", "dispatched", "received", "acknowledged"]);
    // Recording needs a command or partner role.
    let viewer = app.login_as("viewer", Role::Viewer, &["VN"]).await;
    let r = app
        .post_json("/api/v1/aid/donations", Some(&viewer), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let openapi = app.get("/openapi.json", None).await;
    assert!(openapi.json["paths"]["/api/v1/aid/totals"].is_object());
}

/// A response's status, body bytes and `Location`, signed in with `token` if any, optionally
/// as a form POST.
async fn raw(
    app: &App,
    method: Method,
    uri: &str,
    token: Option<&str>,
    form: Option<&str>,
) -> (StatusCode, Vec<u8>, Option<String>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if form.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let req = req
        .body(Body::from(form.unwrap_or("").to_string()))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, bytes.to_vec(), location)
}

/// A page's status and HTML, signed in with `token`, optionally as a form POST.
pub(crate) async fn html(
    app: &App,
    method: Method,
    uri: &str,
    token: &str,
    form: Option<&str>,
) -> (StatusCode, String, Option<String>) {
    let (status, bytes, location) = raw(app, method, uri, Some(token), form).await;
    (status, String::from_utf8(bytes).unwrap(), location)
}

async fn the_aid_page_and_the_thank_you_letter(store: Store) {
    let app = App::at(store, Some(NOW));
    let (command, vientiane) = record_the_reports(&app).await;
    let (status, page, _) = html(&app, Method::GET, "/aid", &command, None).await;
    assert_eq!(status, StatusCode::OK);
    // Hà Nội → Laos (9 recipients): 200.000 USD, 30.000 masks, 10.000 kits.
    assert!(page.contains("→ Lào"), "{page}");
    assert!(page.contains("(9 nơi nhận)"));
    assert!(page.contains("200.000 USD"));
    assert!(page.contains("30.000 khẩu trang y tế"));
    assert!(page.contains("10.000 bộ xét nghiệm kháng nguyên"));
    assert!(page.contains("15.000 USD"));
    assert!(page.contains("Công an TP Hồ Chí Minh") && page.contains("500.000.000 VND"));
    assert!(page.contains("1 USD = 23.000 VND (26/08/2021"));

    // The page's form records a gift with the API's rules; bad fields are named.
    let (status, _, location) = html(&app, Method::POST, "/aid/donations", &command,
        Some("donor_kind=locality&donor=79&recipient_kind=locality&recipient=01&amount=1000.5&currency=USD&item=masks&quantity=500&date=2021-09-02&status=pledged&source=form")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = location.unwrap().rsplit('/').next().unwrap().to_string();
    let d = app
        .get(&format!("/api/v1/aid/donations/{id}"), Some(&command))
        .await;
    assert_eq!(
        d.json["money"],
        json!({"amount_minor": 100_050, "currency": "USD"})
    );
    assert_eq!(d.json["goods"][0]["quantity"], 500);
    let (status, page, _) = html(&app, Method::POST, "/aid/donations", &command,
        Some("donor_kind=locality&donor=ZZ&recipient_kind=army&recipient=01&amount=1.234&currency=USD&date=&source=x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for field in ["money.amount_minor", "recipient.kind", "date"] {
        assert!(page.contains(field), "{field} not named: {page}");
    }

    // Export: the same gifts as CSV (BOM, header, one line each) and XLSX.
    let (status, csv, _) = html(
        &app,
        Method::GET,
        "/api/v1/aid/donations.csv?donor=01&recipient=LA",
        &command,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_end().lines().collect();
    assert_eq!(lines.len(), 10, "{csv}");
    assert!(lines[0].starts_with("\u{feff}id,date,donor_kind"));
    assert!(lines.iter().any(|l| l.contains(",LA-VT,Thủ đô Viêng Chăn,pledged,4000000,USD,40000.00,30000 pieces masks; 10000 kits antigen_test_kits,")), "{csv}");
    let (status, xlsx, _) = raw(
        &app,
        Method::GET,
        "/api/v1/aid/donations.xlsx",
        Some(&command),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        xlsx.starts_with(b"PK") && xlsx.len() > 2000,
        "a zip of {} bytes",
        xlsx.len()
    );

    // The public report: totals without signing in, individuals not named.
    let person = app
        .post_json(
            "/api/v1/aid/organisations",
            Some(&command),
            &json!({"kind": "individual", "name": "Nguyễn Văn A", "unit": "01"}),
        )
        .await;
    let person = person.json["id"].as_i64().unwrap().to_string();
    gift(&app, &command, json!({"donor": {"kind": "individual", "code_or_id": person}, "recipient": locality("79"),
        "money": {"amount_minor": 10_000_000, "currency": "VND"}, "date": "2021-09-01", "source": "test"})).await;
    let (status, public, _) = raw(&app, Method::GET, "/public/aid", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let public = String::from_utf8(public).unwrap();
    assert!(public.contains("200.000 USD") && public.contains("→ Lào"));
    assert!(!public.contains("Nguyễn Văn A") && public.contains("cá nhân"));
    // Gifts of individuals are personal data: listing them is audited.
    let listed = app
        .all_items("/api/v1/aid/donations?donor=01", &command)
        .await;
    let individual = listed
        .iter()
        .find(|d| d["donor"]["kind"] == "individual")
        .unwrap()["id"]
        .to_string();
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let trail = app
        .get(
            &format!("/api/v1/audit?entity=aid_donation&entity_id={individual}"),
            Some(&admin),
        )
        .await;
    let actions: Vec<&str> = trail.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"list") && actions.contains(&"create"),
        "{actions:?}"
    );

    for (lang, must) in [
        (
            "vi",
            [
                "THƯ CẢM ƠN",
                "Kính gửi: Thủ đô Viêng Chăn",
                "Thay mặt Hà Nội",
                "15.000 USD",
                "TM. Hà Nội",
            ],
        ),
        (
            "en",
            [
                "LETTER OF THANKS",
                "To: Vientiane Capital",
                "On behalf of Hanoi",
                "15,000 USD",
                "26 August 2021",
            ],
        ),
    ] {
        let (status, letter, _) = html(
            &app,
            Method::GET,
            &format!("/aid/donations/{vientiane}/letter?lang={lang}"),
            &command,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(letter.contains(&format!("<html lang=\"{lang}\">")));
        assert!(
            letter.contains("@page { size: A4;"),
            "an A4 print stylesheet"
        );
        for m in must {
            assert!(letter.contains(m), "{lang} letter lacks {m:?}");
        }
        // One page: the letter's text is far below what 13 pt on A4 holds (~3,000 characters).
        let article = letter.split("<article").nth(1).unwrap();
        let text: String = article
            .split('<')
            .map(|p| p.split_once('>').map_or("", |x| x.1))
            .collect();
        assert!(
            text.chars().count() < 1600,
            "{} characters",
            text.chars().count()
        );
    }
    // The page's button moves a gift one step, with what arrived.
    let first = app
        .all_items("/api/v1/aid/donations?donor=01&recipient=LA-VT", &command)
        .await;
    let to_vt = first[0]["id"].as_i64().unwrap();
    let (_, page, _) = html(
        &app,
        Method::GET,
        &format!("/aid/donations/{to_vt}"),
        &command,
        None,
    )
    .await;
    assert!(page.contains("value=\"dispatched\""));
    for (status, form) in [
        ("dispatched", "status=dispatched"),
        ("received", "status=received&received_money_minor=3900000"),
    ] {
        let (code, _, location) = html(
            &app,
            Method::POST,
            &format!("/aid/donations/{to_vt}/status"),
            &command,
            Some(form),
        )
        .await;
        assert_eq!(
            (code, location.unwrap()),
            (StatusCode::SEE_OTHER, format!("/aid/donations/{to_vt}")),
            "{status}"
        );
    }
    let d = app
        .get(&format!("/api/v1/aid/donations/{to_vt}"), Some(&command))
        .await;
    assert_eq!(
        (
            d.json["status"].as_str(),
            d.json["shortfall_minor"].as_i64()
        ),
        (Some("received"), Some(100_000))
    );
    let (_, _, location) = html(
        &app,
        Method::POST,
        &format!("/aid/donations/{to_vt}/status"),
        &command,
        Some("status=received"),
    )
    .await;
    assert_eq!(
        location.unwrap(),
        format!("/aid/donations/{to_vt}?error=aid-error-step")
    );

    // One letter for a set: Hà Nội's nine gifts to Laos are not one donor-recipient pair;
    // the eight gifts of one pair are thanked together.
    let (status, _, _) = html(
        &app,
        Method::GET,
        "/aid/letters/print?donor=01&recipient=LA&lang=vi",
        &command,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    gift(&app, &command, json!({"donor": locality("LA-VT"), "recipient": locality("01"),
        "money": {"amount_minor": 500_000, "currency": "USD"}, "date": "2021-09-10", "source": "test"})).await;
    let (status, set, _) = html(
        &app,
        Method::GET,
        "/aid/letters/print?donor=LA-VT&recipient=01&lang=en",
        &command,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        set.contains("15,000 USD; ") || set.contains("5,000 USD; 15,000 USD"),
        "both gifts named"
    );
    assert!(set.contains("26 August 2021 – 10 September 2021"));

    // Recorded as sent by the form: the received gift becomes acknowledged.
    let (status, _, location) = html(
        &app,
        Method::POST,
        &format!("/aid/donations/{vientiane}/letter"),
        &command,
        Some("lang=en"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.unwrap(),
        format!("/aid/donations/{vientiane}?sent=en")
    );
    let d = app
        .get(
            &format!("/api/v1/aid/donations/{vientiane}"),
            Some(&command),
        )
        .await;
    assert_eq!(d.json["status"], "acknowledged");
    assert_eq!(d.json["letters"][0]["lang"], "en");
    let (_, page, _) = html(
        &app,
        Method::GET,
        &format!("/aid/donations/{vientiane}"),
        &command,
        None,
    )
    .await;
    assert!(page.contains("Đã cảm ơn"));
}

async fn a_second_package_is_refused_even_when_two_requests_race(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let officer = app
        .login_as("phuong", Role::CommuneOfficer, &["00001"])
        .await;
    let unit = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .bulk_households(
            &[HouseholdRow {
                id: 7,
                unit: UnitRef::from(&unit),
                address: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    let zone = app
        .post_json("/api/v1/relief/zones", Some(&officer), &json!({
            "name": "Phúc Xá", "unit": "00001", "starts_on": "2021-08-01", "population": 9000, "households": 1}))
        .await;
    assert_eq!(zone.status, StatusCode::CREATED, "{}", zone.json);
    let bad = app
        .post_json(
            "/api/v1/relief/zones",
            Some(&officer),
            &json!({"unit": "00004", "starts_on": "x", "population": -1}),
        )
        .await;
    assert_eq!(
        error_fields(&bad),
        ["name", "starts_on", "population", "households"]
    );
    let round = app
        .post_json(
            &format!("/api/v1/relief/zones/{}/rounds", zone.json["id"]),
            Some(&officer),
            &json!({"name": "Đợt 1", "kind": "gift_pack", "starts_on": "2021-08-02"}),
        )
        .await;
    assert_eq!(round.status, StatusCode::CREATED, "{}", round.json);
    let uri = format!("/api/v1/relief/rounds/{}/packages", round.json["id"]);
    let request = |lang: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri(&uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT_LANGUAGE, lang)
            .header(header::AUTHORIZATION, format!("Bearer {officer}"))
            .body(Body::from(json!({"household_id": 7}).to_string()))
            .unwrap()
    };
    let (a, b) = tokio::join!(app.send(request("vi")), app.send(request("en")));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let refused = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    assert_eq!(error_code(refused), "package_already_given");
    assert_eq!(error_fields(refused), ["household_id"]);
    // Clear in both languages.
    let vi = app.send(request("vi")).await;
    assert!(vi.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("đã nhận gói hỗ trợ của đợt này"));
    let en = app.send(request("en")).await;
    assert!(en.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already received this round's package"));
    // The page's form gives a package once and explains a second one.
    let round_id = round.json["id"].as_i64().unwrap();
    store
        .bulk_households(
            &[HouseholdRow {
                id: 8,
                unit: UnitRef::from(&unit),
                address: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    let form = format!("/aid/relief/rounds/{round_id}/packages");
    let (_, _, first) = html(&app, Method::POST, &form, &officer, Some("household_id=8")).await;
    assert!(first.unwrap().starts_with("/aid?given="));
    let (_, _, second) = html(&app, Method::POST, &form, &officer, Some("household_id=8")).await;
    let second = second.unwrap();
    assert_eq!(second, "/aid?relief_error=relief-already-given#relief");
    let (_, page, _) = html(&app, Method::GET, &second, &officer, None).await;
    assert!(page.contains("đã nhận gói hỗ trợ của đợt này"));
    let zones = app.get("/api/v1/relief/zones", Some(&officer)).await;
    assert_eq!(zones.json[0]["rounds"][0]["given"], 2);
    assert_eq!(zones.json[0]["rounds"][0]["gap"], 0);
}

/// The Hà Nội – Hồ Chí Minh City MoU of 2023 (report 003) with one commitment at 40 %,
/// recorded by `token` (of Hà Nội); its id.
pub(crate) async fn hanoi_mou(app: &App, token: &str) -> i64 {
    let mou = app
        .post_json("/api/v1/cooperation/agreements", Some(token), &json!({
            "title": "Biên bản ghi nhớ hợp tác toàn diện 2023-2025", "party_a": "01", "party_b": "79",
            "signed_on": "2023-10-18", "starts_on": "2023-10-18",
            "commitments": [{"text": "Trao đổi kinh nghiệm y tế", "owner": "Sở Y tế", "progress_pct": 40}],
            "source": "003_52fbfdc20aeeac35.txt"}))
        .await;
    assert_eq!(mou.status, StatusCode::CREATED, "{}", mou.json);
    mou.json["id"].as_i64().unwrap()
}

/// Hà Nội's emulation campaign of 2021 (report 004) with two key tasks, launched by `token`
/// (of Hà Nội); its id.
pub(crate) async fn hanoi_campaign(app: &App, token: &str) -> i64 {
    let campaign = app
        .post_json("/api/v1/campaigns", Some(token), &json!({
            "name": "Toàn dân đoàn kết, chung sức thi đua phòng, chống và chiến thắng đại dịch Covid-19",
            "launched_on": "2021-08-31", "launched_by": "Chủ tịch UBND TP Hà Nội", "unit": "01", "units": ["01"],
            "tasks": [{"title": "Đẩy nhanh tiêm vắc xin"}, {"title": "Bảo đảm an sinh xã hội", "indicator": "Túi an sinh", "target": 2000}],
            "source": "004_a45b389b71664968.txt"}))
        .await;
    assert_eq!(campaign.status, StatusCode::CREATED, "{}", campaign.json);
    campaign.json["id"].as_i64().unwrap()
}

async fn cooperation_and_campaigns_are_recorded_and_scoped(store: Store) {
    let app = App::at(store, Some(NOW));
    let (command, vientiane) = record_the_reports(&app).await;
    let hanoi = app.login_as("hanoi", Role::Command, &["01"]).await;
    // Without fields, an agreement gets the nine of the 2023 Hà Nội – HCMC MoU.
    hanoi_mou(&app, &hanoi).await;
    let bad = app
        .post_json(
            "/api/v1/cooperation/agreements",
            Some(&hanoi),
            &json!({
            "title": "x", "party_a": "93", "party_b": "79", "signed_on": "2023-10-18",
            "starts_on": "2023-10-18", "ends_on": "2020-01-01", "source": "x"}),
        )
        .await;
    assert_eq!(error_fields(&bad), ["ends_on"]);
    let outside = app
        .post_json(
            "/api/v1/cooperation/agreements",
            Some(&hanoi),
            &json!({
            "title": "x", "party_a": "93", "party_b": "79", "signed_on": "2023-10-18",
            "starts_on": "2023-10-18", "source": "x"}),
        )
        .await;
    assert_eq!(
        error_fields(&outside),
        ["party_a"],
        "neither party is Hà Nội's"
    );
    let visit = app
        .post_json("/api/v1/cooperation/activities", Some(&command), &json!({
            "kind": "delegation_visit", "date": "2021-08-26", "host": "01", "guest": "LA",
            "title": "Đại sứ Lào thăm Hà Nội", "donation_ids": [vientiane], "source": "001_dcb2878248db2b41.txt"}))
        .await;
    assert_eq!(visit.status, StatusCode::CREATED, "{}", visit.json);
    let coop = app.get("/api/v1/cooperation", Some(&hanoi)).await;
    assert_eq!(
        coop.json["agreements"][0]["fields"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(coop.json["agreements"][0]["fields"][5], "Giáo dục và y tế");
    assert_eq!(
        coop.json["agreements"][0]["commitments"][0]["progress_pct"],
        40
    );
    let commitment = coop.json["agreements"][0]["commitments"][0]["id"]
        .as_i64()
        .unwrap();
    let uri = format!("/api/v1/cooperation/commitments/{commitment}/progress");
    let r = app
        .post_json(&uri, Some(&hanoi), &json!({"progress_pct": 75}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .post_json(&uri, Some(&hanoi), &json!({"progress_pct": 101}))
        .await;
    assert_eq!(error_fields(&r), ["progress_pct"]);
    assert_eq!(
        coop.json["activities"][0]["donation_ids"],
        json!([vientiane])
    );
    let haugiang = app.login_as("haugiang", Role::Partner, &["93"]).await;
    let none = app.get("/api/v1/cooperation", Some(&haugiang)).await;
    assert_eq!(none.json["agreements"], json!([]));

    let id = hanoi_campaign(&app, &hanoi).await;
    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks/2/progress"),
            Some(&hanoi),
            &json!({"progress": 1114}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks/9/progress"),
            Some(&hanoi),
            &json!({"progress": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_json(&format!("/api/v1/campaigns/{id}/commendations"), Some(&hanoi),
            &json!({"recipient": "Liên đoàn Lao động TP Hà Nội", "collective": true, "reason": "1.114 túi an sinh", "on_date": "2021-09-30"}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let list = app.get("/api/v1/campaigns", Some(&hanoi)).await;
    assert_eq!(list.json[0]["commendations"][0]["collective"], true);
    assert_eq!(list.json[0]["tasks"][1]["progress"], 1114);
    assert_eq!(list.json[0]["tasks"][1]["no"], 2);
    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks/2/progress"),
            Some(&haugiang),
            &json!({"progress": 1}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "outside Hậu Giang's jurisdiction"
    );
    let (_, page, _) = html(&app, Method::GET, "/aid/campaigns", &hanoi, None).await;
    assert!(page.contains("Bảo đảm an sinh xã hội") && page.contains("1114"));
    let (_, page, _) = html(&app, Method::GET, "/aid/cooperation", &hanoi, None).await;
    assert!(page.contains("9 lĩnh vực hợp tác") && page.contains("Báo chí, tuyên truyền"));
}

/// People and cases in the last fortnight: `(province, cases in the last 7 days, in the 7 before)`.
async fn cases_in(store: &Store, plan: &[(&str, usize, usize)]) {
    use domain::epi::{CaseStatus, Severity};
    let (mut persons, mut cases) = (Vec::new(), Vec::new());
    for (province, recent, earlier) in plan {
        let units = store
            .subtree(Structure::S2021, &UnitCode::parse(province).unwrap())
            .await
            .unwrap();
        let unit = UnitRef::from(units.last().unwrap());
        for k in 0..recent + earlier {
            let id = persons.len() as i64 + 1;
            persons.push(store::PersonRow {
                id,
                full_name: format!("Người {id}"),
                national_id: None,
                phone: None,
                birth_date: None,
                sex: domain::person::Sex::Unknown,
                unit: unit.clone(),
                household_id: None,
                synthetic: true,
            });
            let t = if k < *recent {
                NOW - 86_400
            } else {
                NOW - 10 * 86_400
            };
            cases.push(store::CaseRow {
                id,
                person_id: id,
                unit: unit.clone(),
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: t - 3600,
                confirmed_at_s: t,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            });
        }
    }
    store.bulk_persons(&persons, 0).await.unwrap();
    store.bulk_cases(&cases, 0).await.unwrap();
    store.sync_id_sequences().await.unwrap();
}

async fn offers_are_matched_to_the_needs_of_the_hardest_hit_first(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    // Hồ Chí Minh: 4 cases this week (2 the week before); Hậu Giang 4 (0 before); Hà Nội 1.
    cases_in(&store, &[("79", 4, 2), ("93", 4, 0), ("01", 1, 0)]).await;
    let command = app.login_as("command", Role::Command, &["VN"]).await;
    for unit in ["01", "79", "93"] {
        let r = app
            .post_json("/api/v1/aid/needs", Some(&command), &json!({
                "unit": unit, "item": "oxygen_concentrators", "quantity": 100, "by_date": "2021-12-01"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    }
    let haugiang = app.login_as("haugiang", Role::Partner, &["93"]).await;
    let bad = app
        .post_json(
            "/api/v1/aid/needs",
            Some(&haugiang),
            &json!({"unit": "79", "item": "gold", "quantity": 0}),
        )
        .await;
    assert_eq!(error_fields(&bad), ["item", "quantity", "by_date"]);
    let outside = app
        .post_json(
            "/api/v1/aid/needs",
            Some(&haugiang),
            &json!({"unit": "79", "item": "masks", "quantity": 5, "by_date": "2021-12-01"}),
        )
        .await;
    assert_eq!(
        error_fields(&outside),
        ["unit"],
        "Hồ Chí Minh is not Hậu Giang's to speak for"
    );
    // Equal load; Hậu Giang grows faster (5× against 1.67×); Hà Nội, offering, is last.
    let m = app
        .get(
            "/api/v1/aid/needs/matches?item=oxygen_concentrators&from=01",
            Some(&haugiang),
        )
        .await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.json);
    let order: Vec<&str> = m
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["unit_code"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["93", "79", "01"]);
    assert_eq!(m.json[0]["situation"]["cases_7d"], 4);
    assert_eq!(m.json[0]["situation"]["growth"], 5.0);
    assert_eq!(m.json[2]["situation"]["distance_km"], 0.0);
    assert!(
        m.json[1]["situation"]["distance_km"].as_f64().unwrap() > 1000.0,
        "Hà Nội – HCMC"
    );
    // A published risk level outranks the case counts: Hà Nội at level 4 comes first.
    store
        .publish_risk_levels(&[store::PublishedLevel {
            structure: domain::Structure::S2021,
            unit_code: "01".into(),
            unit_level: domain::UnitLevel::Province,
            week_end: chrono::NaiveDate::from_ymd_opt(2021, 11, 20).unwrap(),
            level: 4,
            policy: "4800/QĐ-BYT".into(),
            population: 1,
            cases: 1,
            inputs: Vec::new(),
            reason_vi: String::new(),
            reason_en: String::new(),
            published_at_s: NOW - 3600,
            published_by: "test".into(),
        }])
        .await
        .unwrap();
    let ranked = app
        .get(
            "/api/v1/aid/needs/matches?item=oxygen_concentrators&from=79",
            Some(&haugiang),
        )
        .await;
    assert_eq!(ranked.json[0]["unit_code"], "01", "{}", ranked.json);
    assert_eq!(ranked.json[0]["situation"]["risk_level"], 4);
    assert_eq!(
        ranked.json[1]["situation"]["risk_level"],
        serde_json::Value::Null
    );
    // Met needs leave the list.
    let first = m.json[0]["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/aid/needs/{first}/status"),
            Some(&haugiang),
            &json!({"status": "met"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let open = app
        .get(
            "/api/v1/aid/needs?item=oxygen_concentrators",
            Some(&haugiang),
        )
        .await;
    assert_eq!(open.json.as_array().unwrap().len(), 2);
    let r = app
        .post_json(
            &format!("/api/v1/aid/needs/{}/status", m.json[1]["id"]),
            Some(&haugiang),
            &json!({"status": "met"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

both_databases!(
    offers_are_matched_to_the_needs_of_the_hardest_hit_first,
    cooperation_and_campaigns_are_recorded_and_scoped,
    the_ledger_answers_the_interfaces_of_the_issue,
    the_aid_page_and_the_thank_you_letter,
    a_second_package_is_refused_even_when_two_requests_race
);

/// The aid page's needs form: the API's checks, errors in words, and the need listed after.
async fn the_needs_form_posts_a_need_or_says_what_is_wrong(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    app.add_user("haugiang", Role::Command, &["93"]).await;
    let cookie = crate::ui::sign_in(&app, "haugiang").await;
    let bad = crate::ui::send(
        &app,
        Method::POST,
        "/aid/needs",
        &cookie,
        Some("unit=93&item=masks&quantity=&by_date=2021-12-01"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.html.contains("<code>quantity</code>"), "{}", bad.html);
    let outside = crate::ui::send(
        &app,
        Method::POST,
        "/aid/needs",
        &cookie,
        Some("unit=79&item=masks&quantity=5&by_date=2021-12-01"),
    )
    .await;
    assert_eq!(outside.status, StatusCode::BAD_REQUEST);
    assert!(outside.html.contains("<code>unit</code>"));
    let ok = crate::ui::send(
        &app,
        Method::POST,
        "/aid/needs",
        &cookie,
        Some("unit=93&item=masks&quantity=20000&by_date=2021-12-01&note=Cho+c%C3%A1c+ch%E1%BB%91t"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    let page = crate::ui::send(&app, Method::GET, "/aid?need_posted=1", &cookie, None).await;
    assert!(
        page.html.contains("Đã đăng nhu cầu.") && page.html.contains("Cho các chốt"),
        "{}",
        page.html
    );
    let open = app
        .get(
            "/api/v1/aid/needs?item=masks",
            Some(&app.login_as("cdc", Role::Command, &["VN"]).await),
        )
        .await;
    assert_eq!(open.json.as_array().map_or(0, Vec::len), 1, "{}", open.json);
}

both_databases!(the_needs_form_posts_a_need_or_says_what_is_wrong);
