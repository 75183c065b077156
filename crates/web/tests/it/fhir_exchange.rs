//! FHIR Bundles between installations (issue #16): record ids are named under each
//! installation's own systems (ours read as ours, a partner's kept as its own), and a
//! Bundle is taken in whole or not at all.

use axum::http::StatusCode;
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, Store};

use crate::fhir::seed;
use crate::App;

/// Every table a Bundle writes to.
const TABLES: [&str; 11] = [
    "persons",
    "cases",
    "tests",
    "vaccinations",
    "case_status_history",
    "facilities",
    "facility_beds",
    "stays",
    "contacts",
    "fhir_identifiers",
    "audit_log",
];

async fn counts(store: &Store) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in TABLES {
        // Reads' audit rows are written as the Bundle is read: not a record of it.
        let sql = if t == "audit_log" {
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('create', 'update', 'delete')"
                .to_string()
        } else {
            format!("SELECT COUNT(*) FROM {t}")
        };
        out.push((t, store::testing::scalar(store, &sql).await));
    }
    out
}

async fn export(app: &App, token: &str, id: i64) -> Value {
    let r = app
        .get(&format!("/fhir/Patient/{id}/$everything"), Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    r.json
}

/// A Bundle as another installation (`installation`) would have sent it: every record id
/// of ours under its systems instead.
fn as_from(bundle: &Value, ours: &str, installation: &str) -> Value {
    let text = bundle.to_string().replace(
        &format!("{}{ours}/", fhir::systems::SID),
        &format!("{}{installation}/", fhir::systems::SID),
    );
    serde_json::from_str(&text).unwrap()
}

/// The Patient of a Bundle made another person: another name, no national ID or phone.
fn another_person(bundle: &mut Value, name: &str) {
    let p = &mut bundle["entry"][0]["resource"];
    assert_eq!(p["resourceType"], "Patient");
    p["name"] = json!([{"text": name}]);
    p["identifier"]
        .as_array_mut()
        .unwrap()
        .retain(|i| i["system"] != fhir::systems::NATIONAL_ID);
    p.as_object_mut().unwrap().remove("telecom");
}

fn location(r: &crate::Resp, n: usize) -> String {
    r.json["entry"][n]["response"]["location"]
        .as_str()
        .unwrap_or_else(|| panic!("no location: {}", r.json))
        .to_string()
}

/// Our own export taken back (a person with a national ID, and one without any number the
/// duplicate rules could match) finds our records by their ids: nothing is created, no
/// external identifier is kept for them.
async fn our_own_export_taken_back_changes_nothing(store: Store) {
    let app = App::new(store.clone());
    let s = seed(&app).await;
    let ours = store.installation_id().await.unwrap();
    assert!(fhir::Installation::new(&ours).is_some(), "{ours}");
    assert_eq!(store.installation_id().await.unwrap(), ours, "stable");
    let p = app
        .post_json(
            "/api/v1/persons",
            Some(&s.command),
            &json!({"full_name": "Lê Văn Cường", "birth_date": "1970-02-03", "sex": "male",
                    "unit": "00001"}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.json);
    let plain = p.json["id"].as_i64().unwrap();
    let c = app
        .post_json(
            "/api/v1/cases",
            Some(&s.command),
            &json!({"person_id": plain, "severity": "mild",
                    "test": {"kind": "antigen", "sample_at": "2021-11-21T08:00:00Z", "result_at": "2021-11-21T08:30:00Z"}}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.json);
    let before = counts(&store).await;
    for (id, case) in [(s.person, s.case), (plain, c.json["id"].as_i64().unwrap())] {
        let out = export(&app, &s.command, id).await;
        assert!(
            out.to_string()
                .contains(&format!("https://chongdich.vn/fhir/sid/{ours}/person")),
            "{out}"
        );
        let r = app.post_json("/fhir", Some(&s.command), &out).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(location(&r, 0), format!("Patient/{id}"));
        assert_eq!(r.json["entry"][0]["response"]["status"], "200 OK");
        assert_eq!(location(&r, 1), format!("Condition/{case}"));
    }
    assert_eq!(counts(&store).await, before);
}

/// Two partners' Bundles, each naming a different person with our person's id: neither is
/// attached to ours nor to each other's, and each partner's taken again is matched to what
/// it made the first time.
async fn a_partners_ids_are_never_ours(store: Store) {
    let app = App::new(store.clone());
    let s = seed(&app).await;
    let ours = store.installation_id().await.unwrap();
    let out = export(&app, &s.command, s.person).await;
    let persons = "SELECT COUNT(*) FROM persons";
    let mut made = Vec::new();
    for (partner, name) in [("hcmc", "Phạm Thị Dung"), ("da-nang", "Võ Văn Em")] {
        let mut theirs = as_from(&out, &ours, partner);
        another_person(&mut theirs, name);
        let r = app.post_json("/fhir", Some(&s.command), &theirs).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(r.json["entry"][0]["response"]["status"], "201 Created");
        let at = location(&r, 0);
        assert_ne!(at, format!("Patient/{}", s.person), "{partner}");
        assert_ne!(
            location(&r, 1),
            format!("Condition/{}", s.case),
            "{partner}"
        );
        made.push((theirs, at));
    }
    assert_ne!(
        made[0].1, made[1].1,
        "two partners' person 1 are two people"
    );
    assert_eq!(store::testing::scalar(&store, persons).await, 3);
    // Again: each partner's is matched to its own, through the identifiers kept.
    for (theirs, at) in &made {
        let r = app.post_json("/fhir", Some(&s.command), theirs).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(r.json["entry"][0]["response"]["status"], "200 OK");
        assert_eq!(&location(&r, 0), at);
    }
    assert_eq!(store::testing::scalar(&store, persons).await, 3);
    // Our own person is as it was: its one case.
    let ours_now = export(&app, &s.command, s.person).await;
    let conditions = ours_now["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Condition")
        .count();
    assert_eq!(conditions, 1);
}

/// A Bundle one of whose entries the store refuses (the last Patient's national ID is held
/// by a person outside the caller's jurisdiction) keeps nothing, and names the entry; fixed,
/// it goes in whole.
async fn a_bundle_is_taken_whole_or_not_at_all(store: Store) {
    let a = App::new(store.clone());
    let s = seed(&a).await;
    let out = export(&a, &s.command, s.person).await;

    let db_b = match store.dialect() {
        store::Dialect::Sqlite => store::testing::sqlite().await,
        store::Dialect::Postgres => store::testing::postgres().await.unwrap(),
    };
    let b = App::new(db_b.store.clone());
    let command = b.login_as("command", Role::Command, &["001"]).await;
    let elsewhere = b.login_as("hoankiem", Role::Command, &["002"]).await;
    let held = b
        .post_json(
            "/api/v1/persons",
            Some(&elsewhere),
            &json!({"full_name": "Đỗ Văn Giang", "national_id": "001085000777",
                    "birth_date": "1985-03-02", "sex": "male", "unit": "00037"}),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.json);

    let mut bundle = out.clone();
    let last_patient = |nid: &str| {
        json!({"resource": {"resourceType": "Patient",
            "identifier": [{"system": fhir::systems::NATIONAL_ID, "value": nid}],
            "name": [{"text": "Đỗ Văn Giang"}], "gender": "male", "birthDate": "1985-03-02",
            "address": [{"extension": [{"url": fhir::systems::UNIT_EXT,
                "valueCoding": {"system": fhir::systems::UNIT, "code": "2021:00001"}}]}]}})
    };
    let entries = bundle["entry"].as_array_mut().unwrap();
    entries.push(last_patient("001085000777"));
    let last = entries.len() - 1;
    let before = counts(&db_b.store).await;
    let r = b.post_json("/fhir", Some(&command), &bundle).await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.json);
    assert_eq!(r.json["resourceType"], "OperationOutcome");
    let named = r.json["issue"].to_string();
    assert!(named.contains(&format!("entry[{last}]")), "{named}");
    assert_eq!(
        counts(&db_b.store).await,
        before,
        "nothing of the Bundle is kept"
    );

    // Fixed: every entry is taken.
    bundle["entry"][last] = last_patient("001085000888");
    let r = b.post_json("/fhir", Some(&command), &bundle).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let after = counts(&db_b.store).await;
    let grew = |t: &str| {
        let at = |c: &[(&str, i64)]| c.iter().find(|(n, _)| *n == t).unwrap().1;
        at(&after) - at(&before)
    };
    assert_eq!(grew("persons"), 2);
    assert_eq!(grew("cases"), 1);
    assert_eq!(grew("tests"), 2);
    assert_eq!(grew("vaccinations"), 2);
    assert_eq!(grew("facilities"), 1);
    assert_eq!(grew("stays"), 1);
    // And taken again, nothing changes.
    let r = b.post_json("/fhir", Some(&command), &bundle).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(counts(&db_b.store).await, after);
}

both_databases!(
    our_own_export_taken_back_changes_nothing,
    a_partners_ids_are_never_ours,
    a_bundle_is_taken_whole_or_not_at_all
);
