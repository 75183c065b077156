//! The aid area's plain HTML forms for what was API-only: lockdown zones and relief rounds,
//! exchange rates, cooperation activities and commitments, campaign progress and
//! commendations. Each saves what the API would (and the page then shows it), or names each
//! bad field in the page's language and saves nothing; roles and scope are the API's.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, Store};

use crate::aid::{hanoi_campaign, hanoi_mou};
use crate::relief::{households, zones};
use crate::ui::{send, sign_in, Page};
use crate::App;

/// 2021-11-20T03:00:00Z.
const NOW: i64 = 1_637_377_200;

/// A form body, every value percent-encoded.
fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(app: &App, cookie: &str, path: &str, pairs: &[(&str, &str)]) -> Page {
    send(app, Method::POST, path, cookie, Some(&form(pairs))).await
}

async fn page(app: &App, cookie: &str, path: &str) -> String {
    let p = send(app, Method::GET, path, cookie, None).await;
    assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.html);
    p.html
}

/// Asserts a saved form: 303 to `to`, which is then a page.
fn saved(p: &Page, to: &str) -> String {
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let location = p.location.clone().unwrap();
    assert!(location.starts_with(to), "{location}");
    location
}

/// Asserts a refusal page naming exactly `fields` (in order), each with a reason in words.
fn refused(p: &Page, fields: &[&str], words: &[&str]) {
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.html);
    let named: Vec<&str> = p
        .html
        .split("<code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap())
        .collect();
    assert_eq!(named, fields, "{}", p.html);
    for w in words {
        assert!(p.html.contains(w), "{w:?} missing: {}", p.html);
    }
}

async fn api(app: &App, token: &str, path: &str) -> Value {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.json);
    r.json
}

fn zone_form<'a>(name: &'a str, units: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("units", units),
        ("addresses", ""),
        ("starts_on", "2021-08-01"),
        ("ends_on", ""),
        ("population", "5000"),
        ("households", "1200"),
    ]
}

/// Zones are declared and rounds opened from /aid, with the API's checks and scope.
async fn zones_and_rounds_are_declared_through_the_forms(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    households(
        &store,
        &[
            (1, "00001", Some("12 ngõ 328 Lê Trọng Tấn")),
            (2, "00004", Some("Chung cư Hồ Gươm Plaza, tầng 3")),
            (3, "00004", Some("5 phố Quán Thánh")),
        ],
    )
    .await;
    let district = app.login_as("badinh", Role::Command, &["001"]).await;
    for (name, role, unit) in [
        ("badinh-ui", Role::Command, "001"),
        ("phucxa", Role::CommuneOfficer, "00001"),
        ("trucbach", Role::CommuneOfficer, "00004"),
        ("partner", Role::Partner, "001"),
    ] {
        app.add_user(name, role, &[unit]).await;
    }
    let badinh = sign_in(&app, "badinh-ui").await;
    let phuc_xa = sign_in(&app, "phucxa").await;
    let truc_bach = sign_in(&app, "trucbach").await;
    let partner = sign_in(&app, "partner").await;

    let aid = page(&app, &phuc_xa, "/aid").await;
    assert!(aid.contains(r#"action="/aid/relief/zones""#));
    assert!(aid.contains(r#"<textarea name="units""#));
    // A commune officer cannot take in another commune: the second unit is named, in words.
    let p = post(
        &app,
        &phuc_xa,
        "/aid/relief/zones",
        &zone_form("Vùng", "00001\n00004"),
    )
    .await;
    refused(&p, &["units[1]"], &["Nằm ngoài địa bàn bạn phụ trách."]);
    let en = format!("{phuc_xa}; lang=en");
    let p = post(
        &app,
        &en,
        "/aid/relief/zones",
        &zone_form("Zone", "00001, 00004"),
    )
    .await;
    refused(&p, &["units[1]"], &["Outside your jurisdiction.", "Units"]);
    // Every bad field at once: no name, a unit code that is none, the end before the start,
    // a population that is no number.
    let mut bad = zone_form("", "00001, 0x");
    bad[4] = ("ends_on", "2021-07-01");
    bad[5] = ("population", "nhiều");
    let p = post(&app, &phuc_xa, "/aid/relief/zones", &bad).await;
    refused(
        &p,
        &["population", "name", "units[1]", "ends_on"],
        &[
            "Bắt buộc phải nhập.",
            "Sai định dạng.",
            "Nằm ngoài khoảng cho phép.",
        ],
    );
    assert!(zones(&app, &district).await.is_empty(), "nothing saved");

    // The district declares a zone of two communes, one narrowed to addresses by lines.
    let mut good = zone_form("Phúc Xá – Trúc Bạch", "00001,\n00004");
    good[2] = (
        "addresses",
        "Ngõ 328 Lê Trọng Tấn\r\n\r\nChung cư Hồ Gươm Plaza\r\n",
    );
    good[4] = ("ends_on", "2021-08-15");
    let p = post(&app, &badinh, "/aid/relief/zones", &good).await;
    let to = saved(&p, "/aid?zone_declared=");
    let shown = page(&app, &badinh, &to).await;
    assert!(shown.contains("Đã công bố vùng phong tỏa."));
    assert!(shown.contains("<td>Phúc Xá – Trúc Bạch</td>"), "{shown}");
    let z = zones(&app, &district).await;
    assert_eq!(z.len(), 1);
    let codes: Vec<&str> = z[0]["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["00001", "00004"]);
    assert_eq!(
        z[0]["addresses"],
        json!(["Ngõ 328 Lê Trọng Tấn", "Chung cư Hồ Gươm Plaza"])
    );
    assert_eq!(z[0]["ends_on"], "2021-08-15");
    assert_eq!(
        (z[0]["population"].as_i64(), z[0]["households"].as_i64()),
        (Some(5000), Some(1200))
    );
    let zone_id = z[0]["id"].as_i64().unwrap().to_string();

    // Rounds: the form offers the zone; a commune holding half of it cannot open one.
    let aid = page(&app, &badinh, "/aid").await;
    assert!(
        aid.contains(&format!(r#"<option value="{zone_id}">Phúc Xá – Trúc Bạch"#)),
        "{aid}"
    );
    let round = |name: &str, kind: &str| {
        form(&[
            ("zone", &zone_id),
            ("name", name),
            ("kind", kind),
            ("starts_on", "2021-08-02"),
        ])
    };
    let p = send(
        &app,
        Method::POST,
        "/aid/relief/rounds",
        &truc_bach,
        Some(&round("Đợt 1", "cash")),
    )
    .await;
    refused(&p, &["zone"], &["Không tồn tại."]);
    let p = send(
        &app,
        Method::POST,
        "/aid/relief/rounds",
        &badinh,
        Some(&round("", "boat")),
    )
    .await;
    refused(
        &p,
        &["name", "kind"],
        &["Bắt buộc phải nhập.", "Giá trị không được hỗ trợ."],
    );
    assert_eq!(
        zones(&app, &district).await[0]["rounds"],
        json!([]),
        "nothing saved"
    );
    let p = send(
        &app,
        Method::POST,
        "/aid/relief/rounds",
        &badinh,
        Some(&round("Đợt 1 — túi an sinh", "welfare_bag")),
    )
    .await;
    let to = saved(&p, "/aid?round_opened=");
    let shown = page(&app, &badinh, &to).await;
    assert!(shown.contains("Đã mở đợt hỗ trợ."));
    assert!(
        shown.contains("Đợt 1 — túi an sinh (túi an sinh)"),
        "{shown}"
    );
    let r = &zones(&app, &district).await[0]["rounds"];
    assert_eq!(
        (r[0]["kind"].as_str(), r[0]["gap"].as_i64()),
        (Some("welfare_bag"), Some(2))
    );

    // A partner may not write relief: no forms, and a post is refused.
    let aid = page(&app, &partner, "/aid").await;
    assert!(!aid.contains(r#"action="/aid/relief/zones""#));
    assert!(!aid.contains(r#"action="/aid/relief/rounds""#));
    let p = post(&app, &partner, "/aid/relief/zones", &zone_form("P", "001")).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(zones(&app, &district).await.len(), 1);
}

/// Exchange rates are recorded from /aid by command centres and administrators only.
async fn exchange_rates_are_recorded_through_the_form(store: Store) {
    let app = App::at(store, Some(NOW));
    let token = app.login_as("cdc", Role::Command, &["VN"]).await;
    app.add_user("command", Role::Command, &["VN"]).await;
    app.add_user("partner", Role::Partner, &["VN"]).await;
    let command = sign_in(&app, "command").await;
    let partner = sign_in(&app, "partner").await;
    let rates = || api(&app, &token, "/api/v1/aid/rates");

    assert!(page(&app, &command, "/aid")
        .await
        .contains(r#"action="/aid/rates""#));
    let p = post(
        &app,
        &command,
        "/aid/rates",
        &[
            ("base", "USD"),
            ("quote", "usd"),
            ("rate", "23,000"),
            ("date", ""),
            ("source", ""),
        ],
    )
    .await;
    refused(
        &p,
        &["rate", "date", "source", "quote"],
        &["Sai định dạng.", "Bắt buộc phải nhập.", "Đã tồn tại."],
    );
    assert_eq!(rates().await, json!([]), "nothing saved");

    let p = post(
        &app,
        &command,
        "/aid/rates",
        &[
            ("base", "usd"),
            ("quote", "LAK"),
            ("rate", "20500.5"),
            ("date", "2021-08-26"),
            ("source", "BCEL, tỷ giá ngày 26/8/2021"),
            ("assumed", "on"),
        ],
    )
    .await;
    let to = saved(&p, "/aid?rate_recorded=1");
    let shown = page(&app, &command, &to).await;
    assert!(shown.contains("Đã ghi nhận tỷ giá."));
    assert!(
        shown.contains("1 USD → LAK") && shown.contains("20.500,5"),
        "{shown}"
    );
    let r = rates().await;
    assert_eq!(r.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &r[0]["base"],
            &r[0]["quote"],
            &r[0]["rate"],
            &r[0]["date"],
            &r[0]["assumed"]
        ),
        (
            &json!("USD"),
            &json!("LAK"),
            &json!("20500.5"),
            &json!("2021-08-26"),
            &json!(true)
        )
    );

    // Recorded in the audit log, by the signed-in user.
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let trail = app.all_items("/api/v1/audit", &admin).await;
    let rows: Vec<(&str, &str, &str)> = trail
        .iter()
        .filter(|a| a["entity"] == "aid_fx_rate")
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap();
            (s("actor"), s("action"), s("detail"))
        })
        .collect();
    assert_eq!(
        rows,
        [(
            "command",
            "create",
            "1 USD = 20500500000 micro LAK on 2021-08-26"
        )]
    );

    // A partner sees the rates but has no form, and a post is refused.
    let aid = page(&app, &partner, "/aid").await;
    assert!(aid.contains("1 USD → LAK") && !aid.contains(r#"action="/aid/rates""#));
    let p = post(
        &app,
        &partner,
        "/aid/rates",
        &[
            ("base", "USD"),
            ("quote", "VND"),
            ("rate", "23000"),
            ("date", "2021-08-26"),
            ("source", "x"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(rates().await.as_array().unwrap().len(), 1);
}

/// A bearer token of Hà Nội for the API, and signed-in pages of Hà Nội (command), Hậu Giang
/// (partner: may record aid, elsewhere) and a viewer of Hà Nội (may not record).
async fn hanoi_and_others(app: &App) -> (String, String, String, String) {
    let token = app.login_as("hanoi-api", Role::Command, &["01"]).await;
    app.add_user("hanoi", Role::Command, &["01"]).await;
    app.add_user("haugiang", Role::Partner, &["93"]).await;
    app.add_user("viewer", Role::Viewer, &["01"]).await;
    (
        token,
        sign_in(app, "hanoi").await,
        sign_in(app, "haugiang").await,
        sign_in(app, "viewer").await,
    )
}

/// Activities and a commitment's progress are recorded from /aid/cooperation.
async fn cooperation_is_recorded_through_the_forms(store: Store) {
    let app = App::at(store, Some(NOW));
    let (token, hanoi, haugiang, viewer) = hanoi_and_others(&app).await;
    let mou = hanoi_mou(&app, &token).await.to_string();
    let coop = || api(&app, &token, "/api/v1/cooperation");
    let commitment = coop().await["agreements"][0]["commitments"][0]["id"]
        .as_i64()
        .unwrap();
    let cpath = format!("/aid/cooperation/commitments/{commitment}/progress");

    let shown = page(&app, &hanoi, "/aid/cooperation").await;
    assert!(shown.contains(r#"action="/aid/cooperation/activities""#));
    assert!(shown.contains(&format!(r#"action="{cpath}""#)));
    let activity =
        |title: &'static str, host: &'static str, kind: &'static str, gifts: &'static str| {
            vec![
                ("kind", kind),
                ("date", "2023-10-18"),
                ("host", host),
                ("guest", "79"),
                ("title", title),
                ("participants", "Lãnh đạo hai thành phố"),
                ("outcome", "Ký biên bản ghi nhớ"),
                ("agreement_id", ""),
                ("donation_ids", gifts),
                ("source", "003_52fbfdc20aeeac35.txt"),
            ]
        };
    let p = post(
        &app,
        &hanoi,
        "/aid/cooperation/activities",
        &activity("", "01", "picnic", "7, x"),
    )
    .await;
    refused(
        &p,
        &["donation_ids", "kind", "title"],
        &[
            "Sai định dạng.",
            "Giá trị không được hỗ trợ.",
            "Bắt buộc phải nhập.",
        ],
    );
    let p = post(
        &app,
        &hanoi,
        "/aid/cooperation/activities",
        &activity("Hội đàm", "93", "online_talks", ""),
    )
    .await;
    refused(&p, &["host"], &["Nằm ngoài địa bàn bạn phụ trách."]);
    let p = post(
        &app,
        &hanoi,
        "/aid/cooperation/activities",
        &activity("Hội đàm", "01", "online_talks", "99"),
    )
    .await;
    refused(&p, &["donation_ids"], &["Không tồn tại."]);
    assert_eq!(coop().await["activities"], json!([]), "nothing saved");

    let mut good = activity(
        "Hội nghị ký kết hợp tác Hà Nội – TP Hồ Chí Minh",
        "01",
        "conference",
        "",
    );
    good[7] = ("agreement_id", &mou);
    let p = post(&app, &hanoi, "/aid/cooperation/activities", &good).await;
    let to = saved(&p, "/aid/cooperation?done=activity");
    let shown = page(&app, &hanoi, &to).await;
    assert!(shown.contains("Đã ghi nhận hoạt động."));
    assert!(
        shown.contains("Hội nghị ký kết hợp tác Hà Nội – TP Hồ Chí Minh")
            && shown.contains("hội nghị")
    );
    let a = &coop().await["activities"][0];
    assert_eq!(
        (a["kind"].as_str(), a["host"].as_str()),
        (Some("conference"), Some("Hà Nội"))
    );
    assert_eq!(
        a["agreement_id"].as_i64().map(|i| i.to_string()),
        Some(mou.clone())
    );
    assert_eq!(a["outcome"], "Ký biên bản ghi nhớ");

    // A commitment's progress: checked 0–100, in words; in scope.
    for (value, reason) in [
        ("101", "Nằm ngoài khoảng cho phép."),
        ("", "Bắt buộc phải nhập."),
        ("½", "Sai định dạng."),
    ] {
        let p = post(&app, &hanoi, &cpath, &[("progress_pct", value)]).await;
        refused(&p, &["progress_pct"], &[reason]);
    }
    let p = post(&app, &haugiang, &cpath, &[("progress_pct", "90")]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "not Hậu Giang's agreement");
    let pct = || async { coop().await["agreements"][0]["commitments"][0]["progress_pct"].clone() };
    assert_eq!(pct().await, 40, "nothing saved");
    let p = post(&app, &hanoi, &cpath, &[("progress_pct", "75")]).await;
    let to = saved(&p, "/aid/cooperation?done=progress");
    let shown = page(&app, &hanoi, &to).await;
    assert!(
        shown.contains("Đã cập nhật tiến độ.") && shown.contains("<td>75 %</td>"),
        "{shown}"
    );
    assert_eq!(pct().await, 75);

    // A viewer may not record: no forms, and posts are refused.
    let shown = page(&app, &viewer, "/aid/cooperation").await;
    assert!(!shown.contains(r#"action="/aid/cooperation/activities""#) && !shown.contains(&cpath));
    let p = post(&app, &viewer, &cpath, &[("progress_pct", "10")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(pct().await, 75);
}

/// A task's progress and a commendation are recorded from /aid/campaigns.
async fn campaigns_are_reported_through_the_forms(store: Store) {
    let app = App::at(store, Some(NOW));
    let (token, hanoi, haugiang, viewer) = hanoi_and_others(&app).await;
    let id = hanoi_campaign(&app, &token).await;
    let list = || api(&app, &token, "/api/v1/campaigns");
    let task = format!("/aid/campaigns/{id}/tasks/2/progress");
    let commend = format!("/aid/campaigns/{id}/commendations");

    let shown = page(&app, &hanoi, "/aid/campaigns").await;
    assert!(
        shown.contains(&format!(r#"action="{task}""#))
            && shown.contains(&format!(r#"action="{commend}""#))
    );
    for (value, reason) in [
        ("-3", "Nằm ngoài khoảng cho phép."),
        ("1.114", "Sai định dạng."),
        ("", "Bắt buộc phải nhập."),
    ] {
        let p = post(&app, &hanoi, &task, &[("progress", value)]).await;
        refused(&p, &["progress"], &[reason]);
    }
    let p = post(
        &app,
        &hanoi,
        &format!("/aid/campaigns/{id}/tasks/9/progress"),
        &[("progress", "1")],
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = post(&app, &haugiang, &task, &[("progress", "1")]).await;
    assert_eq!(
        p.status,
        StatusCode::NOT_FOUND,
        "outside Hậu Giang's jurisdiction"
    );
    assert_eq!(
        list().await[0]["tasks"][1]["progress"],
        Value::Null,
        "nothing saved"
    );
    let p = post(&app, &hanoi, &task, &[("progress", "1114")]).await;
    let to = saved(&p, "/aid/campaigns?done=progress");
    let shown = page(&app, &hanoi, &to).await;
    assert!(
        shown.contains("Đã cập nhật tiến độ.") && shown.contains("<td>1114</td>"),
        "{shown}"
    );
    assert_eq!(list().await[0]["tasks"][1]["progress"], 1114);

    let en = format!("{hanoi}; lang=en");
    let p = post(
        &app,
        &en,
        &commend,
        &[
            ("recipient", " "),
            ("reason", "1.114 túi an sinh"),
            ("on_date", "30/09/2021"),
        ],
    )
    .await;
    refused(
        &p,
        &["recipient", "on_date"],
        &[
            "Required.",
            "Wrong format.",
            "Person or collective commended",
        ],
    );
    let p = post(
        &app,
        &haugiang,
        &commend,
        &[
            ("recipient", "x"),
            ("reason", "y"),
            ("on_date", "2021-09-30"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(list().await[0]["commendations"], json!([]), "nothing saved");
    let p = post(
        &app,
        &hanoi,
        &commend,
        &[
            ("recipient", "Liên đoàn Lao động TP Hà Nội"),
            ("collective", "on"),
            ("reason", "1.114 túi an sinh"),
            ("on_date", "2021-09-30"),
        ],
    )
    .await;
    let to = saved(&p, "/aid/campaigns?done=commendation");
    let shown = page(&app, &hanoi, &to).await;
    assert!(
        shown.contains("Đã ghi nhận khen thưởng.")
            && shown.contains("Liên đoàn Lao động TP Hà Nội — 1.114 túi an sinh (30/09/2021)"),
        "{shown}"
    );
    let c = &list().await[0]["commendations"][0];
    assert_eq!(
        (c["recipient"].as_str(), c["collective"].as_bool()),
        (Some("Liên đoàn Lao động TP Hà Nội"), Some(true))
    );

    let shown = page(&app, &viewer, "/aid/campaigns").await;
    assert!(!shown.contains(&task) && !shown.contains(&commend));
    let p = post(
        &app,
        &viewer,
        &commend,
        &[
            ("recipient", "x"),
            ("reason", "y"),
            ("on_date", "2021-09-30"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(
        list().await[0]["commendations"].as_array().unwrap().len(),
        1
    );
}

both_databases!(
    zones_and_rounds_are_declared_through_the_forms,
    exchange_rates_are_recorded_through_the_form,
    cooperation_is_recorded_through_the_forms,
    campaigns_are_reported_through_the_forms
);
