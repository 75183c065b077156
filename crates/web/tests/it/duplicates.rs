use axum::http::StatusCode;
use domain::epi::{CaseStatus, ScanMode, Severity, VenueKind};
use domain::{Role, Structure, UnitCode};
use serde_json::json;
use store::{both_databases, CaseRow, CheckinRow, Store, UnitRef, VenueRow};

use crate::{error_code, App};

async fn duplicates_are_refused_or_flagged_and_merge_keeps_history(store: Store) {
    let app = App::new(store.clone());
    let admin = app.login_as("admin", Role::Command, &["VN"]).await;
    let other = app
        .login_as("hoankiem", Role::CommuneOfficer, &["002"])
        .await;
    let a = app
        .post_json(
            "/api/v1/persons",
            Some(&admin),
            &json!({"full_name": "Lê Thị Hoa", "national_id": "001190001111", "phone": "0912000111", "unit": "00001"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.json["possible_duplicates"], json!([]));
    let a_id = a.json["id"].as_i64().unwrap();

    // The same national ID again: refused; the existing id is shown only within scope.
    let dup = app
        .post_json(
            "/api/v1/persons",
            Some(&admin),
            &json!({"full_name": "Le Thi Hoa", "national_id": "001190001111", "unit": "00004"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(error_code(&dup), "conflict");
    assert_eq!(dup.json["error"]["fields"][0]["field"], "national_id");
    assert_eq!(dup.json["error"]["existing_id"], a_id);
    let hidden = app
        .post_json(
            "/api/v1/persons",
            Some(&other),
            &json!({"full_name": "X", "national_id": "001190001111", "unit": "00037"}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::CONFLICT);
    assert!(hidden.json["error"].get("existing_id").is_none());

    // Same phone, no ID: created, and flagged as a possible duplicate.
    let c = app
        .post_json(
            "/api/v1/persons",
            Some(&admin),
            &json!({"full_name": "Hoa", "phone": "+84912000111", "unit": "00001"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED);
    assert_eq!(c.json["possible_duplicates"], json!([a_id]));
    let c_id = c.json["id"].as_i64().unwrap();

    // The duplicate has a case and a check-in; the merge moves them to the kept person.
    let unit = UnitRef::from(
        &store
            .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
            .await
            .unwrap()
            .unwrap(),
    );
    store
        .bulk_venues(
            &[VenueRow {
                id: 1,
                name: "Chợ".into(),
                kind: VenueKind::Market,
                unit: unit.clone(),
                address: None,
                capacity: None,
                open_min: 0,
                close_min: 1440,
                qr_payload: "M".into(),
                synthetic: false,
            }],
            0,
        )
        .await
        .unwrap();
    let t = 1_636_502_400;
    store
        .bulk_checkins(
            &[CheckinRow {
                client_id: None,
                person_id: c_id,
                venue_id: 1,
                t_in_s: t,
                t_out_s: t + 1800,
                t_out_default: false,
                mode: ScanMode::SelfScan,
            }],
            0,
        )
        .await
        .unwrap();
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: c_id,
                unit,
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: t,
                confirmed_at_s: t,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }],
            0,
        )
        .await
        .unwrap();
    let merged = app
        .post_json(
            &format!("/api/v1/persons/{c_id}/merge"),
            Some(&admin),
            &json!({"into": a_id}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.json);
    assert_eq!(merged.json["moved"]["cases"], 1);
    assert_eq!(merged.json["moved"]["checkins"], 1);
    let old = app
        .get(&format!("/api/v1/persons/{c_id}"), Some(&admin))
        .await;
    assert_eq!(old.json["merged_into"], a_id);
    let case = app.get("/api/v1/cases/1", Some(&admin)).await;
    assert_eq!(case.json["person_id"], a_id);
    // A merged record cannot be merged again, nor into itself.
    let again = app
        .post_json(
            &format!("/api/v1/persons/{c_id}/merge"),
            Some(&admin),
            &json!({"into": a_id}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.json);
    assert_eq!(again.json["error"]["fields"][0]["field"], "id");
    assert_eq!(again.json["error"]["fields"][0]["code"], "merged");
    let itself = app
        .post_json(
            &format!("/api/v1/persons/{a_id}/merge"),
            Some(&admin),
            &json!({"into": a_id}),
        )
        .await;
    assert_eq!(itself.status, StatusCode::BAD_REQUEST);
    // Outside the officer's jurisdiction the merge finds nothing.
    let foreign = app
        .post_json(
            &format!("/api/v1/persons/{a_id}/merge"),
            Some(&other),
            &json!({"into": c_id}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert_eq!(foreign.json["error"]["fields"][0]["code"], "not_found");
    let root = app.login_as("root", Role::Administrator, &["VN"]).await;
    let trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={c_id}"),
            &root,
        )
        .await;
    assert!(trail
        .iter()
        .any(|e| e["action"] == "update" && e["detail"].as_str().unwrap().contains("merge")));
}

both_databases!(duplicates_are_refused_or_flagged_and_merge_keeps_history);
