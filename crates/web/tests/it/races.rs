//! Requests that race for the same record (issue #12, item 7): merges of A into B and B into
//! A, the same dose sent many times at once, one case admitted to two facilities at once.
//! One wins, the others are refused with a 4xx naming the field, and never a 500 — on
//! PostgreSQL, where they really run at once, and on SQLite, where they queue.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use chrono::NaiveDate;
use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use store::{both_databases, CaseRow, PersonRow, Store, UnitRef};
use tower::ServiceExt;

use crate::App;

const NOW: i64 = 1_637_000_000; // 2021-11-15

/// Persons `1..=n` in Phúc Xá, each with an active case of the same id.
async fn persons_with_cases(store: &Store, n: i64) {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let unit = UnitRef::from(&u);
    let persons: Vec<PersonRow> = (1..=n)
        .map(|id| PersonRow {
            id,
            full_name: format!("Người {id}"),
            national_id: None,
            phone: None,
            birth_date: NaiveDate::from_ymd_opt(1980, 5, 5),
            sex: Sex::Male,
            unit: unit.clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, NOW).await.unwrap();
    let cases: Vec<CaseRow> = (1..=n)
        .map(|id| CaseRow {
            id,
            person_id: id,
            unit: unit.clone(),
            status: CaseStatus::Active,
            severity: Severity::Mild,
            onset_s: None,
            first_sample_s: NOW - 86_400,
            confirmed_at_s: NOW - 3600,
            isolation_s: None,
            community: true,
            outcome_at_s: None,
        })
        .collect();
    store.bulk_cases(&cases, NOW).await.unwrap();
    store.sync_id_sequences().await.unwrap();
}

/// Sends every request at once (one task each) and returns the answers in order.
async fn all_at_once(
    router: &Router,
    token: &str,
    requests: Vec<(String, Value)>,
) -> Vec<(StatusCode, Value)> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(uri, body)| {
            let router = router.clone();
            let req = Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(body.to_string()))
                .unwrap();
            tokio::spawn(async move {
                let resp = router.oneshot(req).await.unwrap();
                let status = resp.status();
                let bytes = resp.into_body().collect().await.unwrap().to_bytes();
                (
                    status,
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                )
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// The fields and codes of an error answer: `["into: merged"]`.
fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        f["field"].as_str().unwrap(),
                        f["code"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn crossed_merges_never_both_win(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    persons_with_cases(&store, 20).await;
    let token = app.login_as("admin", Role::Administrator, &["VN"]).await;
    // Pairs (1, 2), (3, 4), …: A into B and B into A, all twenty at once.
    let pairs: Vec<(i64, i64)> = (0..10).map(|i| (2 * i + 1, 2 * i + 2)).collect();
    let requests = pairs
        .iter()
        .flat_map(|&(a, b)| {
            [
                (format!("/api/v1/persons/{a}/merge"), json!({"into": b})),
                (format!("/api/v1/persons/{b}/merge"), json!({"into": a})),
            ]
        })
        .collect();
    let answers = all_at_once(&app.router, &token, requests).await;
    for (i, &(a, b)) in pairs.iter().enumerate() {
        let (one, other) = (&answers[2 * i], &answers[2 * i + 1]);
        let won = [one, other]
            .iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .count();
        assert_eq!(won, 1, "pair {a}/{b}: {one:?} {other:?}");
        let lost = if one.0 == StatusCode::OK { other } else { one };
        assert_eq!(lost.0, StatusCode::CONFLICT, "pair {a}/{b}: {lost:?}");
        assert!(
            fields(&lost.1).iter().any(|f| f.ends_with(": merged")),
            "{}",
            lost.1
        );
        let merged_into = |p: i64| {
            let app = &app;
            let token = &token;
            async move {
                app.get(&format!("/api/v1/persons/{p}"), Some(token))
                    .await
                    .json["merged_into"]
                    .as_i64()
            }
        };
        let (ma, mb) = (merged_into(a).await, merged_into(b).await);
        assert!(
            matches!((ma, mb), (Some(x), None) if x == b)
                || matches!((ma, mb), (None, Some(x)) if x == a),
            "pair {a}/{b}: a merged into {ma:?}, b into {mb:?}"
        );
    }
}

async fn the_same_dose_at_once_is_stored_once(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    persons_with_cases(&store, 2).await;
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let dose = |id: &str, person: i64| {
        json!([{"id": id, "person_id": person, "product": "pfizer", "dose_no": 1,
                "given_on": "2021-08-01", "unit": "00001"}])
    };
    // The same batch (same id) thirty times; then the same dose under thirty ids.
    for (person, ids) in [
        (1, vec!["d1"; 30]),
        (
            2,
            (0..30)
                .map(|i| if i % 2 == 0 { "a" } else { "b" })
                .collect(),
        ),
    ] {
        let requests = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let id = if person == 1 {
                    id.to_string()
                } else {
                    format!("{id}{i}")
                };
                ("/api/v1/vaccinations".to_string(), dose(&id, person))
            })
            .collect();
        let answers = all_at_once(&app.router, &token, requests).await;
        let mut accepted = 0;
        for (status, body) in &answers {
            match *status {
                StatusCode::OK => {
                    let item = &body["items"][0];
                    match item["status"].as_str().unwrap() {
                        "accepted" => accepted += 1,
                        "duplicate" => assert_eq!(person, 1, "{body}"),
                        "rejected" => assert_eq!(item["errors"][0]["field"], "dose_no", "{body}"),
                        s => panic!("{s}: {body}"),
                    }
                }
                StatusCode::CONFLICT => assert!(!fields(body).is_empty(), "{body}"),
                s => panic!("{s}: {body}"),
            }
        }
        assert_eq!(accepted, 1, "person {person}: {answers:?}");
        let doses = app
            .get(
                &format!("/api/v1/persons/{person}/vaccinations"),
                Some(&token),
            )
            .await
            .json;
        assert_eq!(doses.as_array().unwrap().len(), 1, "{doses}");
    }
}

async fn one_case_admitted_at_once_gets_one_bed(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    persons_with_cases(&store, 1).await;
    let token = app.login_as("command", Role::Command, &["01"]).await;
    let mut facilities = Vec::new();
    for name in ["Một", "Hai"] {
        let r = app
            .post_json(
                "/api/v1/facilities",
                Some(&token),
                &json!({"name": name, "kind": "f0_isolation", "unit": "00001",
                        "beds": [{"bed_type": "f0_tier1", "capacity": 50}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        facilities.push(r.json["id"].as_i64().unwrap());
    }
    let requests = (0..30)
        .map(|i| {
            (
                format!("/api/v1/facilities/{}/admissions", facilities[i % 2]),
                json!({"case_id": 1, "bed_type": "f0_tier1"}),
            )
        })
        .collect();
    let answers = all_at_once(&app.router, &token, requests).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "conflict", "{body}");
        assert_eq!(fields(body), vec!["case_id: duplicate"], "{body}");
    }
    let stays = app.get("/api/v1/cases/1/stays", Some(&token)).await.json;
    let open: Vec<&Value> = stays
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["until"].is_null())
        .collect();
    assert_eq!(open.len(), 1, "{stays}");
    let mut occupied = 0;
    for f in &facilities {
        let d = app
            .get(&format!("/api/v1/facilities/{f}"), Some(&token))
            .await
            .json;
        occupied += d["facility"]["beds"][0]["occupied"].as_i64().unwrap();
    }
    assert_eq!(occupied, 1, "one bed counted for the one stay");
}

both_databases!(
    crossed_merges_never_both_win,
    the_same_dose_at_once_is_stored_once,
    one_case_admitted_at_once_gets_one_bed,
);
