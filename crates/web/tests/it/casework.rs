use axum::http::StatusCode;
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::{error_code, error_fields, App};

/// 2021-11-20T00:00:00Z; the app's clock reads a week later.
const T: i64 = 1_637_366_400;

async fn a_tracer_registers_an_f0_declares_a_contact_and_follows_up(store: Store) {
    let app = App::at(store.clone(), Some(T + 7 * 86_400));
    let tracer = app.login_as("cdc", Role::Tracer, &["001"]).await;
    let mut ids = Vec::new();
    for (name, unit) in [("F0 An", "00001"), ("Vợ An", "00001"), ("Khách", "00004")] {
        let r = app
            .post_json(
                "/api/v1/persons",
                Some(&tracer),
                &json!({"full_name": name, "unit": unit}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        ids.push(r.json["id"].as_i64().unwrap());
    }
    // Every bad field is named, and nothing is created.
    let bad = app
        .post_json(
            "/api/v1/cases",
            Some(&tracer),
            &json!({"person_id": ids[0], "severity": "sick", "onset": "2021-11-30T00:00:00Z",
                    "test": {"kind": "blood", "sample_at": "2021-11-20T08:00:00Z", "result_at": "2021-11-19T08:00:00Z", "ct": 80}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_fields(&bad),
        vec![
            "severity",
            "onset",
            "test.kind",
            "test.result_at",
            "test.ct"
        ]
    );
    assert!(app.all_items("/api/v1/cases", &tracer).await.is_empty());

    let created = app
        .post_json(
            "/api/v1/cases",
            Some(&tracer),
            &json!({"person_id": ids[0], "severity": "mild", "onset": "2021-11-19T00:00:00Z",
                    "test": {"kind": "pcr", "sample_at": "2021-11-20T08:00:00Z", "result_at": "2021-11-20T20:00:00Z", "ct": 24.5},
                    "isolation_at": "2021-11-20T21:00:00Z"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let case_id = created.json["id"].as_i64().unwrap();
    let case = app
        .get(&format!("/api/v1/cases/{case_id}"), Some(&tracer))
        .await;
    assert_eq!(case.json["infectious_from"], "2021-11-17T00:00:00Z");
    assert_eq!(case.json["tests"][0]["ct"], 24.5);

    // The wife is declared as a household contact; the index learns it at once.
    let declared = app
        .post_json(
            &format!("/api/v1/persons/{}/declared-contacts", ids[0]),
            Some(&tracer),
            &json!({"contact_person_id": ids[1], "at": "2021-11-19T19:00:00Z", "setting": "household"}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.json);
    let bad = app
        .post_json(
            &format!("/api/v1/persons/{}/declared-contacts", ids[0]),
            Some(&tracer),
            &json!({"contact_person_id": 999_999, "at": "2021-11-19T19:00:00Z", "setting": "party"}),
        )
        .await;
    assert_eq!(error_fields(&bad), vec!["setting"]);
    let contacts = app
        .get(&format!("/api/v1/cases/{case_id}/contacts"), Some(&tracer))
        .await;
    assert_eq!(contacts.json["contacts"][0]["person_id"], ids[1]);
    assert_eq!(
        contacts.json["contacts"][0]["reasons"][0]["kind"],
        "declared"
    );
    assert_eq!(
        contacts.json["contacts"][0]["reasons"][0]["setting"],
        "household"
    );

    // Traced and persisted, the wife appears on the follow-up list, due 14 days after exposure
    // (19:00 UTC on 3 Dec is 02:00 on 4 Dec in Hà Nội).
    let traced = app
        .post_json(
            &format!("/api/v1/cases/{case_id}/trace"),
            Some(&tracer),
            &json!(null),
        )
        .await;
    assert_eq!(traced.json["new_contacts"], 1);
    let due = app
        .all_items("/api/v1/contacts?due_by=2021-12-04", &tracer)
        .await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0]["person_id"], ids[1]);
    assert_eq!(due[0]["quarantine_until"], "2021-12-03T19:00:00Z");
    // Then 14 days of monitoring at home (5599/BYT-MT) before follow-up ends.
    assert_eq!(due[0]["follow_up_until"], "2021-12-17T19:00:00Z");
    assert!(app
        .all_items("/api/v1/contacts?due_by=2021-12-03", &tracer)
        .await
        .is_empty());

    // Recovery is recorded in the history with who and when.
    let st = app
        .post_json(&format!("/api/v1/cases/{case_id}/status"), Some(&tracer), &json!({"status": "recovered", "severity": "mild", "at": "2021-11-26T09:00:00Z", "note": "2 PCR âm tính"}))
        .await;
    assert_eq!(st.status, StatusCode::NO_CONTENT);
    let case = app
        .get(&format!("/api/v1/cases/{case_id}"), Some(&tracer))
        .await;
    assert_eq!(case.json["status"], "recovered");
    assert_eq!(case.json["outcome_at"], "2021-11-26T09:00:00Z");
    let history = case.json["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["actor"], "cdc");
    assert_eq!(history[1]["note"], "2 PCR âm tính");

    // Outside the tracer's district, nothing is found or changed.
    let other = app.login_as("other", Role::Tracer, &["002"]).await;
    let r = app
        .post_json(
            &format!("/api/v1/cases/{case_id}/status"),
            Some(&other),
            &json!({"status": "died", "severity": "critical"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_json(
            "/api/v1/cases",
            Some(&other),
            &json!({"person_id": ids[2], "severity": "mild", "test": {"kind": "antigen", "sample_at": "2021-11-20T08:00:00Z", "result_at": "2021-11-20T08:15:00Z"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), vec!["person_id"]);
}

both_databases!(a_tracer_registers_an_f0_declares_a_contact_and_follows_up);

/// A status dated before the case's confirmation, or before the latest entry of its
/// history, is refused with 409 naming `at` and the earliest time allowed; nothing is
/// written, and the case's status stays the history's last entry.
async fn a_backdated_status_change_is_refused_with_the_time_it_may_not_precede(store: Store) {
    let app = App::at(store, Some(T + 7 * 86_400));
    let tracer = app.login_as("cdc", Role::Tracer, &["001"]).await;
    let person = app
        .post_json(
            "/api/v1/persons",
            Some(&tracer),
            &json!({"full_name": "F0 An", "unit": "00001"}),
        )
        .await;
    let created = app
        .post_json(
            "/api/v1/cases",
            Some(&tracer),
            &json!({"person_id": person.json["id"], "severity": "mild",
                    "test": {"kind": "pcr", "sample_at": "2021-11-20T08:00:00Z", "result_at": "2021-11-20T20:00:00Z"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let case_uri = format!("/api/v1/cases/{}", created.json["id"]);
    let status_uri = format!("{case_uri}/status");
    let post = |body: serde_json::Value| {
        let (app, uri, tracer) = (&app, &status_uri, &tracer);
        async move { app.post_json(uri, Some(tracer), &body).await }
    };
    let refused = |r: &crate::Resp, not_before: &str| {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.json);
        assert_eq!(error_code(r), "case_status_not_allowed");
        assert_eq!(error_fields(r), ["at"]);
        assert_eq!(r.json["error"]["not_before"], not_before, "{}", r.json);
    };
    // Recovered before it was confirmed (the positive result).
    let r = post(json!({"status": "recovered", "severity": "mild", "at": "2021-11-20T12:00:00Z"}))
        .await;
    refused(&r, "2021-11-20T20:00:00Z");
    let r =
        post(json!({"status": "active", "severity": "severe", "at": "2021-11-23T10:00:00Z"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    // Recovered before the latest entry: refused, naming it.
    let r = post(json!({"status": "recovered", "severity": "mild", "at": "2021-11-22T10:00:00Z"}))
        .await;
    refused(&r, "2021-11-23T10:00:00Z");
    let case = app.get(&case_uri, Some(&tracer)).await;
    assert_eq!(case.json["status"], "active");
    assert_eq!(case.json["severity"], "severe");
    let history = case.json["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["at"], "2021-11-23T10:00:00Z");
    // Dated after it: applied, and the last entry.
    let r = post(json!({"status": "recovered", "severity": "mild", "at": "2021-11-24T10:00:00Z"}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let case = app.get(&case_uri, Some(&tracer)).await;
    assert_eq!(case.json["status"], "recovered");
    let history = case.json["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["status"], "recovered");
    assert_eq!(history.last().unwrap()["at"], "2021-11-24T10:00:00Z");
}

both_databases!(a_backdated_status_change_is_refused_with_the_time_it_may_not_precede);
