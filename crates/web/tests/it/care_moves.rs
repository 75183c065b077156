//! Safe care moves and entry on the case page (issue #15, items 6 and 2), through the API and
//! the pages, on both databases: a destination is always chosen, an F0 never goes into an F1
//! quarantine place, every move asks to confirm, a discharge as recovered or died is the
//! case's outcome, and tests are added to a case over time.

use axum::http::{Method, StatusCode};
use domain::epi::Severity;
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, Store};

use crate::care::{cases_in, new_facility};
use crate::ui::{send, sign_in};
use crate::{error_code, error_fields, App};

const NOW: i64 = 1_637_000_000; // 2021-11-15 18:13 UTC, 2021-11-16 01:13 in Hà Nội

async fn case(app: &App, token: &str, id: i64) -> Value {
    let r = app.get(&format!("/api/v1/cases/{id}"), Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    r.json
}

async fn stays(app: &App, token: &str, case: i64) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/cases/{case}/stays"), Some(token))
        .await;
    r.json.as_array().unwrap().clone()
}

async fn admit(app: &App, token: &str, facility: i64, case: i64, bed: &str) -> i64 {
    let r = app
        .post_json(
            &format!("/api/v1/facilities/{facility}/admissions"),
            Some(token),
            &json!({"case_id": case, "bed_type": bed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

/// A transfer without a destination is refused naming it (API and page); an F0 is never
/// moved into an F1 quarantine place (API and page, nothing written); the page offers no
/// default, shows free beds per facility and bed type, and asks to confirm before it moves.
async fn transfers_need_a_destination_and_keep_f0_out_of_quarantine(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    cases_in(&store, "00001", 1, 1, Severity::Mild).await;
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let here = new_facility(
        &app,
        &admin,
        "00001",
        "f0_isolation",
        json!([{"bed_type": "f0_tier1", "capacity": 2}, {"bed_type": "oxygen", "capacity": 3}]),
    )
    .await;
    let camp = new_facility(
        &app,
        &admin,
        "00004",
        "f1_quarantine",
        json!([{"bed_type": "quarantine", "capacity": 50}]),
    )
    .await;
    let stay = admit(&app, &admin, here, 1, "f0_tier1").await;
    let transfer = format!("/api/v1/admissions/{stay}/transfer");

    let r = app.post_json(&transfer, Some(&admin), &json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(error_code(&r), "invalid_input");
    assert!(error_fields(&r).contains(&"facility_id".to_string()));
    let r = app
        .post_json(
            &transfer,
            Some(&admin),
            &json!({"facility_id": camp, "bed_type": "quarantine"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(error_fields(&r), vec!["bed_type".to_string()]);
    // Nor admitted there directly.
    let r = app
        .post_json(
            &format!("/api/v1/facilities/{camp}/admissions"),
            Some(&admin),
            &json!({"case_id": 1, "bed_type": "quarantine"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(error_fields(&r), vec!["bed_type".to_string()]);

    let cookie = sign_in(&app, "admin").await;
    let page = app
        .get_html(&format!("/facilities/{here}"), &cookie_token(&cookie))
        .await;
    let select = page
        .split(&format!("id=\"to-{stay}\""))
        .nth(1)
        .unwrap()
        .split("</select>")
        .next()
        .unwrap();
    assert!(
        select.contains("<option value=\"\" selected>"),
        "no default: {select}"
    );
    assert!(
        !select.contains(":quarantine"),
        "an F0 is offered no quarantine place: {select}"
    );
    assert!(
        select.contains(&format!("value=\"{here}:oxygen\""))
            && select.contains("Giường thở oxy: còn 3 giường trống"),
        "free beds per facility and bed type: {select}"
    );
    assert!(
        !select.contains(&format!("value=\"{here}:f0_tier1\"")),
        "not the bed the patient is in: {select}"
    );

    let uri = format!("/stays/{stay}/transfer");
    let none = send(&app, Method::POST, &uri, &cookie, Some("to=")).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.html);
    assert!(
        none.html.contains("<code>facility_id</code>")
            && none.html.contains("Chuyển đến")
            && none.html.contains("Bắt buộc phải nhập."),
        "{}",
        none.html
    );
    for confirm in ["", "&confirm=1"] {
        let form = format!("to={camp}%3Aquarantine{confirm}");
        let f0 = send(&app, Method::POST, &uri, &cookie, Some(&form)).await;
        assert_eq!(f0.status, StatusCode::BAD_REQUEST, "{}", f0.html);
        assert!(
            f0.html.contains("<code>bed_type</code>")
                && f0.html.contains("Không đưa ca bệnh F0 vào nơi cách ly F1"),
            "{}",
            f0.html
        );
    }
    assert_eq!(stays(&app, &admin, 1).await.len(), 1, "nothing moved");

    // A good choice is shown to confirm first; nothing moves until it is.
    let form = format!("to={here}%3Aoxygen");
    let ask = send(&app, Method::POST, &uri, &cookie, Some(&form)).await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.html);
    assert!(
        ask.html.contains("Xác nhận chuyển cơ sở")
            && ask.html.contains("name=\"confirm\" value=\"1\""),
        "{}",
        ask.html
    );
    assert_eq!(stays(&app, &admin, 1).await.len(), 1);
    let form = format!("to={here}%3Aoxygen&confirm=1");
    let done = send(&app, Method::POST, &uri, &cookie, Some(&form)).await;
    assert_eq!(
        done.location.as_deref(),
        Some(format!("/facilities/{here}?done=form-saved").as_str()),
        "{}",
        done.html
    );
    let s = stays(&app, &admin, 1).await;
    assert_eq!(s.len(), 2);
    assert_eq!(s[1]["bed_type"], "oxygen");
}

/// The session token out of a `chongdich_token=…` cookie, for `get_html`.
fn cookie_token(cookie: &str) -> String {
    cookie.trim_start_matches("chongdich_token=").to_string()
}

/// Discharge as recovered or died is the case's outcome, at the same time, with its history
/// line; a discharge the case's status rules refuse writes nothing; the page confirms first.
async fn discharge_records_the_cases_outcome(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    cases_in(&store, "00001", 1, 3, Severity::Moderate).await;
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let f = new_facility(
        &app,
        &admin,
        "00001",
        "field_hospital",
        json!([{"bed_type": "oxygen", "capacity": 5}]),
    )
    .await;
    let s1 = admit(&app, &admin, f, 1, "oxygen").await;
    let s2 = admit(&app, &admin, f, 2, "oxygen").await;
    let s3 = admit(&app, &admin, f, 3, "oxygen").await;

    let at = "2021-11-16T01:00:00+07:00";
    let r = app
        .post_json(
            &format!("/api/v1/admissions/{s1}/discharge"),
            Some(&admin),
            &json!({"reason": "recovered", "note": "PCR âm tính"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let c = case(&app, &admin, 1).await;
    assert_eq!(c["status"], "recovered", "{c}");
    // At the discharge's time, the stay's end.
    let until = stays(&app, &admin, 1).await[0]["until"].clone();
    assert!(until.is_string());
    assert_eq!(c["outcome_at"], until);
    let last = c["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "recovered");
    assert_eq!(last["at"], until);
    assert_eq!(last["note"], "PCR âm tính");
    assert_eq!(last["severity"], "moderate");
    assert_eq!(last["actor"], "admin");

    // Case 3 died (recorded first); a discharge as recovered is refused, the stay stays open.
    let r = app
        .post_json(
            "/api/v1/cases/3/status",
            Some(&admin),
            &json!({"status": "died", "severity": "critical", "at": at}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let lines = case(&app, &admin, 3).await["history"]
        .as_array()
        .unwrap()
        .len();
    let r = app
        .post_json(
            &format!("/api/v1/admissions/{s3}/discharge"),
            Some(&admin),
            &json!({"reason": "recovered"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.json);
    assert_eq!(error_fields(&r), vec!["status".to_string()]);
    assert!(stays(&app, &admin, 3).await[0]["until"].is_null());
    // As died, it ends: the outcome is already the case's, kept as it is.
    let r = app
        .post_json(
            &format!("/api/v1/admissions/{s3}/discharge"),
            Some(&admin),
            &json!({"reason": "died"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    assert_eq!(
        case(&app, &admin, 3).await["history"]
            .as_array()
            .unwrap()
            .len(),
        lines
    );

    // On the page: asked, then done.
    let cookie = sign_in(&app, "admin").await;
    let uri = format!("/stays/{s2}/discharge");
    let ask = send(
        &app,
        Method::POST,
        &uri,
        &cookie,
        Some("reason=died&back=case"),
    )
    .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.html);
    assert!(ask.html.contains("Tử vong"), "{}", ask.html);
    assert_eq!(case(&app, &admin, 2).await["status"], "active");
    let done = send(
        &app,
        Method::POST,
        &uri,
        &cookie,
        Some("reason=died&back=case&confirm=1"),
    )
    .await;
    assert_eq!(done.location.as_deref(), Some("/cases/2?done=form-saved"));
    let c = case(&app, &admin, 2).await;
    assert_eq!(c["status"], "died");
    assert_eq!(
        c["history"].as_array().unwrap().last().unwrap()["status"],
        "died"
    );
}

/// A test result is added to a case over time (API and page): a negative test appears on
/// the case page and in the API; a Ct out of range is refused naming it, nothing written.
/// The case page changes the status and severity.
async fn tests_and_status_are_entered_on_a_case(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    cases_in(&store, "00001", 1, 1, Severity::Mild).await;
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let tests = |c: &Value| c["tests"].as_array().unwrap().clone();
    let before = tests(&case(&app, &admin, 1).await).len();

    let r = app
        .post_json(
            "/api/v1/cases/1/tests",
            Some(&admin),
            &json!({"kind": "pcr", "sample_at": "2021-11-15T08:00:00+07:00",
                    "result_at": "2021-11-15T20:00:00+07:00", "positive": false, "ct": 36.5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let t = tests(&case(&app, &admin, 1).await);
    assert_eq!(t.len(), before + 1);
    let last = t.last().unwrap();
    assert_eq!(last["positive"], false);
    assert_eq!(last["ct"], 36.5);
    assert_eq!(last["kind"], "pcr");

    let r = app
        .post_json(
            "/api/v1/cases/1/tests",
            Some(&admin),
            &json!({"kind": "pcr", "sample_at": "2021-11-15T08:00:00+07:00",
                    "result_at": "2021-11-15T20:00:00+07:00", "ct": 61.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(
        error_fields(&r),
        vec!["positive".to_string(), "ct".to_string()]
    );
    assert_eq!(tests(&case(&app, &admin, 1).await).len(), before + 1);
    let r = app
        .post_json(
            "/api/v1/cases/999999/tests",
            Some(&admin),
            &json!({"kind": "pcr", "sample_at": "2021-11-15T08:00:00+07:00",
                    "result_at": "2021-11-15T20:00:00+07:00", "positive": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.json);

    let cookie = sign_in(&app, "admin").await;
    let ok = send(
        &app,
        Method::POST,
        "/cases/1/tests",
        &cookie,
        Some("kind=antigen&sample_at=2021-11-15T21%3A00&result_at=2021-11-15T21%3A30&result=negative&ct="),
    )
    .await;
    assert_eq!(
        ok.location.as_deref(),
        Some("/cases/1?done=form-saved"),
        "{}",
        ok.html
    );
    let t = tests(&case(&app, &admin, 1).await);
    assert_eq!(t.len(), before + 2);
    // Local time on the form, UTC in the API.
    assert!(t.iter().any(|x| x["kind"] == "antigen"
        && x["sample_at"] == "2021-11-15T14:00:00Z"
        && x["positive"] == false));
    let page = app.get_html("/cases/1", &cookie_token(&cookie)).await;
    let rows: Vec<&str> = page
        .split("<tr class=\"test\">")
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap())
        .collect();
    assert!(
        rows.iter()
            .any(|r| r.contains("Âm tính") && r.contains("Ct 36,5"))
            && rows
                .iter()
                .any(|r| r.contains("Test nhanh kháng nguyên") && r.contains("Âm tính")),
        "{page}"
    );
    let bad = send(
        &app,
        Method::POST,
        "/cases/1/tests",
        &cookie,
        Some("kind=pcr&sample_at=2021-11-15T21%3A00&result_at=2021-11-15T22%3A00&result=positive&ct=70"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.html);
    assert!(
        bad.html.contains("<code>ct</code>") && bad.html.contains("Giá trị Ct"),
        "{}",
        bad.html
    );
    assert_eq!(tests(&case(&app, &admin, 1).await).len(), before + 2);

    // Status and severity.
    let bad = send(
        &app,
        Method::POST,
        "/cases/1/status",
        &cookie,
        Some("status=cured&severity=severe"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.html);
    assert!(bad.html.contains("<code>status</code>"), "{}", bad.html);
    assert_eq!(case(&app, &admin, 1).await["severity"], "mild");
    let ok = send(
        &app,
        Method::POST,
        "/cases/1/status",
        &cookie,
        Some("status=active&severity=severe&at=2021-11-16T01%3A05&note=SpO2+93"),
    )
    .await;
    assert_eq!(
        ok.location.as_deref(),
        Some("/cases/1?done=form-saved"),
        "{}",
        ok.html
    );
    let c = case(&app, &admin, 1).await;
    assert_eq!(c["severity"], "severe");
    let last = c["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["at"], "2021-11-15T18:05:00Z");
    assert_eq!(last["note"], "SpO2 93");
}

both_databases!(
    transfers_need_a_destination_and_keep_f0_out_of_quarantine,
    discharge_records_the_cases_outcome,
    tests_and_status_are_entered_on_a_case,
);
