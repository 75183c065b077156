//! Vaccination, facilities and beds through the API, on both databases.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::NaiveDate;
use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use serde_json::{json, Value};
use store::{both_databases, CaseRow, PersonRow, Store, UnitRef};

use crate::{error_code, App};

const NOW: i64 = 1_637_000_000; // 2021-11-15

/// Persons and active cases `first..first + n` (case id = person id) in `commune`.
pub(crate) async fn cases_in(store: &Store, commune: &str, first: i64, n: i64, severity: Severity) {
    people_in(store, commune, first, n, severity, true).await;
    store.sync_id_sequences().await.unwrap();
}

/// Persons `first..first + n` of `commune`, each with an active case if `with_cases`.
async fn people_in(
    store: &Store,
    commune: &str,
    first: i64,
    n: i64,
    severity: Severity,
    with_cases: bool,
) {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse(commune).unwrap())
        .await
        .unwrap()
        .unwrap();
    let u = UnitRef::from(&u);
    let ids = first..first + n;
    let persons: Vec<PersonRow> = ids
        .clone()
        .map(|id| PersonRow {
            id,
            full_name: format!("Người {id}"),
            national_id: None,
            phone: None,
            birth_date: NaiveDate::from_ymd_opt(1965, 3, 3),
            sex: Sex::Male,
            unit: u.clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, NOW).await.unwrap();
    if !with_cases {
        return;
    }
    let cases: Vec<CaseRow> = ids
        .map(|id| CaseRow {
            id,
            person_id: id,
            unit: u.clone(),
            status: CaseStatus::Active,
            severity,
            onset_s: None,
            first_sample_s: NOW - 86_400,
            confirmed_at_s: NOW - 3600,
            isolation_s: None,
            community: true,
            outcome_at_s: None,
        })
        .collect();
    store.bulk_cases(&cases, NOW).await.unwrap();
}

/// Moves a case's confirmation (and first sample) back to `at_s`, as a case confirmed earlier.
async fn confirmed_at(store: &Store, case: i64, at_s: i64) {
    let sql = format!(
        "UPDATE cases SET confirmed_at_s = {at_s}, first_sample_s = {} WHERE id = {case}",
        at_s - 86_400
    );
    assert_eq!(store::testing::execute(store, &sql).await, 1);
    // Its history starts with its confirmation.
    let sql = format!("UPDATE case_status_history SET at_s = {at_s} WHERE case_id = {case}");
    assert_eq!(store::testing::execute(store, &sql).await, 1);
}

pub(crate) async fn new_facility(
    app: &App,
    token: &str,
    unit: &str,
    kind: &str,
    beds: Value,
) -> i64 {
    let r = app
        .post_json(
            "/api/v1/facilities",
            Some(token),
            &json!({"name": format!("Cơ sở {unit}"), "kind": kind, "unit": unit, "beds": beds}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

async fn admit_en(app: &App, token: &str, facility: i64, body: &Value) -> crate::Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/facilities/{facility}/admissions"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

async fn a_full_facility_refuses_in_both_languages(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    cases_in(&store, "00001", 1, 3, Severity::Critical).await;
    let token = app.login_as("badinh", Role::Command, &["001"]).await;
    let f = new_facility(
        &app,
        &token,
        "00001",
        "hospital",
        json!([{"bed_type": "icu", "capacity": 1}]),
    )
    .await;
    // No bed type given: the triage suggestion for a critical case is an ICU bed.
    let r = app
        .post_json(
            &format!("/api/v1/facilities/{f}/admissions"),
            Some(&token),
            &json!({"case_id": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json["bed_type"], "icu");
    let vi = app
        .post_json(
            &format!("/api/v1/facilities/{f}/admissions"),
            Some(&token),
            &json!({"case_id": 2, "bed_type": "icu"}),
        )
        .await;
    assert_eq!(vi.status, StatusCode::CONFLICT, "{}", vi.json);
    assert_eq!(error_code(&vi), "capacity_full");
    let field = &vi.json["error"]["fields"][0];
    assert_eq!(
        (field["field"].as_str(), field["code"].as_str()),
        (Some("bed_type"), Some("no_capacity"))
    );
    assert!(
        field["message"].as_str().unwrap().contains("giường"),
        "{}",
        vi.json
    );
    let en = admit_en(&app, &token, f, &json!({"case_id": 2, "bed_type": "icu"})).await;
    assert_eq!(en.status, StatusCode::CONFLICT);
    assert!(
        en.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("No free bed"),
        "{}",
        en.json
    );
    assert!(en.json["error"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("bed"));
    // Nothing was written for the refused case.
    let stays = app.get("/api/v1/cases/2/stays", Some(&token)).await;
    assert_eq!(stays.json, json!([]));
    let detail = app
        .get(&format!("/api/v1/facilities/{f}"), Some(&token))
        .await;
    assert_eq!(detail.json["facility"]["beds"][0]["occupied"], 1);
    assert_eq!(detail.json["patients"].as_array().unwrap().len(), 1);
}

async fn transfer_and_discharge_keep_the_history(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    // Confirmed before its admission: its discharge as recovered is its outcome.
    people_in(&store, "00001", 1, 1, Severity::Moderate, true).await;
    store.sync_id_sequences().await.unwrap();
    confirmed_at(&store, 1, 1_636_477_200).await; // 2021-11-10 00:00 local
    let token = app.login_as("command", Role::Command, &["01", "79"]).await;
    let field = new_facility(
        &app,
        &token,
        "00001",
        "field_hospital",
        json!([{"bed_type": "oxygen", "capacity": 3}]),
    )
    .await;
    let hcmc = new_facility(
        &app,
        &token,
        "26734",
        "hospital",
        json!([{"bed_type": "icu", "capacity": 2}]),
    )
    .await;
    let r = app
        .post_json(
            &format!("/api/v1/facilities/{field}/admissions"),
            Some(&token),
            &json!({"case_id": 1, "at": "2021-11-10T08:00:00+07:00"}),
        )
        .await;
    assert_eq!(r.json["bed_type"], "oxygen", "{}", r.json);
    let first = r.json["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/admissions/{first}/transfer"),
            Some(&token),
            &json!({"facility_id": hcmc, "bed_type": "icu", "at": "2021-11-12T08:00:00+07:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let second = r.json["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/admissions/{second}/discharge"),
            Some(&token),
            &json!({"reason": "recovered", "at": "2021-11-14T08:00:00+07:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let stays = app.get("/api/v1/cases/1/stays", Some(&token)).await.json;
    assert_eq!(stays.as_array().unwrap().len(), 2);
    assert_eq!(stays[0]["discharge_reason"], "transferred");
    assert_eq!(stays[0]["until"], "2021-11-12T01:00:00Z");
    assert_eq!(stays[1]["transferred_from"], first);
    assert_eq!(stays[1]["discharge_reason"], "recovered");
    let series = app
        .get(
            "/api/v1/occupancy?unit=01&date=2021-11-14&days=5",
            Some(&token),
        )
        .await
        .json;
    let hanoi: Vec<i64> = series
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["facility_id"] == field)
        .map(|p| p["occupied"].as_i64().unwrap())
        .collect();
    assert_eq!(hanoi, vec![1, 1, 0, 0, 0], "{series}");
    let hcm = app
        .get(
            "/api/v1/occupancy?unit=79&date=2021-11-14&days=3",
            Some(&token),
        )
        .await
        .json;
    let hcm: Vec<i64> = hcm
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["occupied"].as_i64().unwrap())
        .collect();
    assert_eq!(hcm, vec![1, 1, 0]);
}

async fn officers_see_their_own_commune(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    cases_in(&store, "00001", 1, 1, Severity::Mild).await;
    cases_in(&store, "00004", 2, 1, Severity::Mild).await;
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let mine = new_facility(
        &app,
        &admin,
        "00001",
        "f0_isolation",
        json!([{"bed_type": "f0_tier1", "capacity": 5}]),
    )
    .await;
    let theirs = new_facility(
        &app,
        &admin,
        "00004",
        "f0_isolation",
        json!([{"bed_type": "f0_tier1", "capacity": 5}]),
    )
    .await;
    for (f, c) in [(mine, 1), (theirs, 2)] {
        let r = app
            .post_json(
                &format!("/api/v1/facilities/{f}/admissions"),
                Some(&admin),
                &json!({"case_id": c}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    }
    let officer = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let list = app.get("/api/v1/facilities", Some(&officer)).await.json;
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![mine]);
    assert_eq!(
        app.get(&format!("/api/v1/facilities/{theirs}"), Some(&officer))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/cases/2/stays", Some(&officer))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/occupancy?unit=00004", Some(&officer))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let all = app.get("/api/v1/occupancy", Some(&officer)).await.json;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    assert_eq!(all[0]["facility_id"], mine);
    // A viewer sees beds, not patients; and may not admit.
    let viewer = app.login_as("viewer", Role::Viewer, &["00001"]).await;
    let d = app
        .get(&format!("/api/v1/facilities/{mine}"), Some(&viewer))
        .await
        .json;
    assert!(d["patients"].is_null(), "{d}");
    let r = app
        .post_json(
            &format!("/api/v1/facilities/{mine}/admissions"),
            Some(&viewer),
            &json!({"case_id": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn doses_are_idempotent_and_counted(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    cases_in(&store, "00001", 1, 2, Severity::Mild).await;
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let batch = json!([
        {"id": "d1", "person_id": 1, "product": "astrazeneca", "dose_no": 1, "given_on": "2021-07-01", "unit": "00001"},
        {"id": "d2", "person_id": 1, "product": "astrazeneca", "dose_no": 2, "given_on": "2021-09-01", "unit": "00001"},
        {"id": "d3", "person_id": 2, "product": "vodka", "dose_no": 9, "given_on": "2031-01-01", "unit": "00001"},
    ]);
    let r = app
        .post_json("/api/v1/vaccinations", Some(&token), &batch)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(
        (r.json["accepted"].as_i64(), r.json["rejected"].as_i64()),
        (Some(2), Some(1))
    );
    let bad: Vec<&str> = r.json["items"][2]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(bad, vec!["product", "dose_no", "given_on"]);
    let again = app
        .post_json("/api/v1/vaccinations", Some(&token), &batch)
        .await;
    assert_eq!(again.json["duplicates"], 2, "{}", again.json);
    let doses = app
        .get("/api/v1/persons/1/vaccinations", Some(&token))
        .await
        .json;
    assert_eq!(doses.as_array().unwrap().len(), 2);
    let cov = app
        .get(
            "/api/v1/coverage?level=commune&as_of=2021-11-01",
            Some(&token),
        )
        .await
        .json;
    assert_eq!(
        cov,
        json!([{"unit_code": "00001", "adults": 2, "adults_1dose": 1, "adults_full": 1, "high_risk": 2, "high_risk_full": 1}])
    );
}

/// Every input and select of a page has a label naming it.
fn every_input_labelled(html: &str) {
    for tag in ["<input", "<select"] {
        for (i, _) in html.match_indices(tag) {
            let rest = &html[i..];
            let end = rest.find('>').unwrap();
            let element = &rest[..end];
            if element.contains("type=\"hidden\"") {
                continue;
            }
            let id = element
                .split("id=\"")
                .nth(1)
                .expect(element)
                .split('"')
                .next()
                .unwrap();
            assert!(
                html.contains(&format!("<label for=\"{id}\"")),
                "no label for {id}"
            );
        }
    }
}

async fn pages_show_beds_and_take_forms(store: Store) {
    use crate::ui::{send, sign_in};
    let app = App::at(store.clone(), Some(NOW));
    cases_in(&store, "00001", 1, 2, Severity::Mild).await;
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let mine = new_facility(
        &app,
        &admin,
        "00001",
        "f0_isolation",
        json!([{"bed_type": "f0_tier1", "capacity": 1}]),
    )
    .await;
    let theirs = new_facility(
        &app,
        &admin,
        "00004",
        "f0_isolation",
        json!([{"bed_type": "f0_tier1", "capacity": 1}]),
    )
    .await;
    app.add_user("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let cookie = sign_in(&app, "phucxa").await;
    let list = send(&app, Method::GET, "/facilities", &cookie, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.html.contains("Cơ sở 00001") && !list.html.contains("Cơ sở 00004"));
    assert!(
        list.html.contains("<svg") && list.html.contains("Giường F0 tầng 1: 0 / 1"),
        "{}",
        list.html
    );
    let other = send(
        &app,
        Method::GET,
        &format!("/facilities/{theirs}"),
        &cookie,
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let ok = send(
        &app,
        Method::POST,
        &format!("/facilities/{mine}/admit"),
        &cookie,
        Some("case_id=1&bed_type="),
    )
    .await;
    assert_eq!(
        ok.location.as_deref(),
        Some(format!("/facilities/{mine}?done=form-saved").as_str())
    );
    let full = send(
        &app,
        Method::POST,
        &format!("/facilities/{mine}/admit"),
        &cookie,
        Some("case_id=2&bed_type=f0_tier1"),
    )
    .await;
    assert_eq!(
        full.location.as_deref(),
        Some(format!("/facilities/{mine}?error=form-no_capacity").as_str())
    );
    let page = send(
        &app,
        Method::GET,
        &format!("/facilities/{mine}?error=form-no_capacity"),
        &cookie,
        None,
    )
    .await;
    assert!(page.html.contains("hết giường"), "{}", page.html);
    assert!(page.html.contains("Giường F0 tầng 1: 1 / 1"));
    every_input_labelled(&page.html);
    let stay = page
        .html
        .split("/stays/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    // Every move asks to confirm: the first post only shows what will happen.
    let ask = send(
        &app,
        Method::POST,
        &format!("/stays/{stay}/discharge"),
        &cookie,
        Some("reason=recovered"),
    )
    .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.html);
    assert!(ask.html.contains("name=\"confirm\""), "{}", ask.html);
    let out = send(
        &app,
        Method::POST,
        &format!("/stays/{stay}/discharge"),
        &cookie,
        Some("reason=recovered&confirm=1"),
    )
    .await;
    assert_eq!(
        out.location.as_deref(),
        Some(format!("/facilities/{mine}?done=form-saved").as_str())
    );
    let cov = send(
        &app,
        Method::GET,
        "/coverage?level=commune&as_of=2021-11-01",
        &cookie,
        None,
    )
    .await;
    assert_eq!(cov.status, StatusCode::OK);
    // Units by name, shares the Vietnamese way.
    assert!(cov.html.contains("Phường Phúc Xá"));
    every_input_labelled(&cov.html);
}

/// A person in a recorded quarantine stay when sampled becomes a non-community case unless
/// the client says otherwise; one outside quarantine is a community case.
async fn a_case_found_in_quarantine_is_not_community(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    cases_in(&store, "00001", 1, 3, Severity::Mild).await;
    // Persons 4 and 5 have no case yet: 4 is case 1's F1 in quarantine.
    people_in(&store, "00001", 4, 2, Severity::Mild, false).await;
    store.sync_id_sequences().await.unwrap();
    let token = app.login_as("tracer", Role::Command, &["01"]).await;
    let me = store
        .caller_by_token(
            &domain::auth::token_hash(&token),
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap()
        .unwrap();
    let homes = store.residences(&[4]).await.unwrap();
    let f1 = store::ContactRow {
        person_id: 4,
        degree: 1,
        via_person_id: 1,
        first_exposure_s: NOW - 5 * 86_400,
        exposure_s: 900,
        reasons: Vec::new(),
        status: domain::contact::ContactStatus::Quarantine,
        quarantine_from_s: Some(NOW - 4 * 86_400),
        quarantine_until_s: Some(NOW + 3 * 86_400),
        follow_up_until_s: Some(NOW + 10 * 86_400),
        test_days: "1,7".into(),
        policy: "10696/BYT-MT".into(),
    };
    store
        .persist_contacts(&me, domain::CaseId(1), &[f1], &homes, NOW)
        .await
        .unwrap();
    let contact = app.all_items("/api/v1/contacts", &token).await[0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post_json(
            "/api/v1/home-stays",
            Some(&token),
            &json!({"contact_id": contact, "at": "2021-11-11T08:00:00+07:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let mut community = Vec::new();
    for person in [4, 5] {
        let r = app
            .post_json(
                "/api/v1/cases",
                Some(&token),
                &json!({"person_id": person, "severity": "mild",
                        "test": {"kind": "antigen", "sample_at": "2021-11-14T08:00:00+07:00", "result_at": "2021-11-14T09:00:00+07:00"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        let id = r.json["id"].as_i64().unwrap();
        community.push(
            app.get(&format!("/api/v1/cases/{id}"), Some(&token))
                .await
                .json["community"]
                .clone(),
        );
    }
    assert_eq!(community, vec![json!(false), json!(true)]);
    // A second case of the same episode is refused, naming the case there is.
    let r = app
        .post_json(
            "/api/v1/cases",
            Some(&token),
            &json!({"person_id": 5, "severity": "mild",
                    "test": {"kind": "pcr", "sample_at": "2021-11-14T10:00:00+07:00", "result_at": "2021-11-14T18:00:00+07:00"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.json);
    assert_eq!(crate::error_fields(&r), vec!["person_id".to_string()]);
    let first = app.all_items("/api/v1/cases", &token).await;
    let existing = first.iter().find(|c| c["person_id"] == json!(5)).unwrap()["id"].clone();
    assert_eq!(r.json["error"]["existing_id"], existing, "{}", r.json);
}

both_databases!(
    a_case_found_in_quarantine_is_not_community,
    pages_show_beds_and_take_forms,
    a_full_facility_refuses_in_both_languages,
    transfer_and_discharge_keep_the_history,
    officers_see_their_own_commune,
    doses_are_idempotent_and_counted,
);
