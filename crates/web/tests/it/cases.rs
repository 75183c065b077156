use axum::http::StatusCode;
use domain::epi::{CaseStatus, Severity, TestKind};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use store::{both_databases, CaseRow, PersonRow, Store, TestRow, UnitRef};

use crate::{error_fields, App};

/// 2021-11-20T00:00:00Z.
const T: i64 = 1_637_366_400;

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
    let persons: Vec<PersonRow> = (0..3)
        .map(|i| PersonRow {
            id: i + 1,
            full_name: format!("Ca {i}"),
            national_id: None,
            phone: None,
            birth_date: None,
            sex: Sex::Female,
            unit: units[(i as usize).min(1)].clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, 0).await.unwrap();
    let case =
        |id: i64, person: i64, unit: &UnitRef, onset: Option<i64>, confirmed: i64, status| {
            CaseRow {
                id,
                person_id: person,
                unit: unit.clone(),
                status,
                severity: Severity::Mild,
                onset_s: onset,
                first_sample_s: confirmed - 3600,
                confirmed_at_s: confirmed,
                isolation_s: Some(confirmed + 600),
                community: true,
                outcome_at_s: None,
            }
        };
    store
        .bulk_cases(
            &[
                case(1, 1, &units[0], Some(T), T + 86_400, CaseStatus::Active),
                case(2, 2, &units[1], None, T + 2 * 86_400, CaseStatus::Active),
                case(3, 3, &units[1], None, T + 3 * 86_400, CaseStatus::Active),
            ],
            0,
        )
        .await
        .unwrap();
    store
        .bulk_tests(&[TestRow {
            person_id: 1,
            case_id: Some(1),
            kind: TestKind::Pcr,
            sample_s: T + 86_400 - 3600,
            result_s: T + 86_400,
            positive: true,
            ct: Some(21.0),
        }])
        .await
        .unwrap();
}

async fn cases_carry_the_policy_window_and_respect_scope(store: Store) {
    seed(&store).await;
    let app = App::new(store);
    let admin = app.login_as("admin", Role::Command, &["VN"]).await;
    let all = app.all_items("/api/v1/cases?limit=2", &admin).await;
    let ids: Vec<i64> = all.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![3, 2, 1], "newest confirmed first, across pages");
    let first = &all[2];
    // Symptomatic: 2 days before onset (3638/QĐ-BYT), until isolation.
    assert_eq!(first["infectious_from"], "2021-11-18T00:00:00Z");
    assert_eq!(first["infectious_to"], "2021-11-21T00:10:00Z");
    assert_eq!(first["policy"], "3638/QĐ-BYT");
    assert_eq!(first["person_id"], 1);
    assert_eq!(first["unit_code"], "00001");
    // Asymptomatic: 3 days before the first positive sample (3638/QĐ-BYT).
    assert_eq!(all[1]["infectious_from"], "2021-11-18T23:00:00Z");

    let officer = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let mine = app.all_items("/api/v1/cases", &officer).await;
    assert_eq!(mine.len(), 1);
    let detail = app.get("/api/v1/cases/1", Some(&officer)).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.json["tests"][0]["kind"], "pcr");
    assert_eq!(detail.json["tests"][0]["ct"], 21.0);
    assert_eq!(detail.json["history"][0]["status"], "active");
    assert_eq!(
        app.get("/api/v1/cases/2", Some(&officer)).await.status,
        StatusCode::NOT_FOUND
    );

    let filtered = app
        .all_items("/api/v1/cases?from=2021-11-23&to=2021-11-24", &admin)
        .await;
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0]["id"], 3);
    let bad = app
        .get("/api/v1/cases?status=sick&from=yesterday", Some(&admin))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&bad), vec!["status"]);
    let trail = app
        .all_items(
            "/api/v1/audit?entity=case&entity_id=1",
            &app.login_as("root", Role::Administrator, &["VN"]).await,
        )
        .await;
    assert!(trail
        .iter()
        .any(|a| a["action"] == "read" && a["actor"] == "phucxa"));
}

both_databases!(cases_carry_the_policy_window_and_respect_scope);
