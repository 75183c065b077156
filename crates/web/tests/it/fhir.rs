//! FHIR R4 under `/fhir` (issue #16): reads within the caller's scope, errors as
//! OperationOutcome, bad input refused, and every resource type we emit checked by an
//! independent validator (npm `@medplum/core`, installed by `.ci/fhir.sh`).

use axum::http::StatusCode;
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, Store};

use crate::care::new_facility;
use crate::App;

pub(crate) struct Seeded {
    pub command: String,
    pub person: i64,
    pub case: i64,
}

/// A person of Phúc Xá with a case (a positive PCR with its Ct, a negative antigen test
/// later), two doses and a stay in a facility.
pub(crate) async fn seed(app: &App) -> Seeded {
    let command = app.login_as("command", Role::Command, &["001"]).await;
    let p = app
        .post_json(
            "/api/v1/persons",
            Some(&command),
            &json!({"full_name": "Nguyễn Văn An", "national_id": "001090012345", "phone": "0912345678",
                    "birth_date": "1990-05-01", "sex": "male", "unit": "00001", "address": "12 Phó Đức Chính"}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.json);
    let person = p.json["id"].as_i64().unwrap();
    let c = app
        .post_json(
            "/api/v1/cases",
            Some(&command),
            &json!({"person_id": person, "severity": "mild", "onset": "2021-11-19T00:00:00Z",
                    "test": {"kind": "pcr", "sample_at": "2021-11-20T08:00:00Z", "result_at": "2021-11-20T20:00:00Z", "ct": 24.5},
                    "isolation_at": "2021-11-20T21:00:00Z"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.json);
    let case = c.json["id"].as_i64().unwrap();
    let t = app
        .post_json(
            &format!("/api/v1/cases/{case}/tests"),
            Some(&command),
            &json!({"kind": "antigen", "sample_at": "2021-11-27T08:00:00Z", "result_at": "2021-11-27T08:30:00Z", "positive": false}),
        )
        .await;
    assert!(t.status.is_success(), "{}", t.json);
    let d = app
        .post_json(
            "/api/v1/vaccinations",
            Some(&command),
            &json!([
                {"id": "d1", "person_id": person, "product": "astrazeneca", "dose_no": 1, "given_on": "2021-07-01", "unit": "00001", "lot": "AZ-123"},
                {"id": "d2", "person_id": person, "product": "abdala", "dose_no": 2, "given_on": "2021-09-01", "unit": "00001"},
            ]),
        )
        .await;
    assert_eq!(d.json["accepted"], 2, "{}", d.json);
    let f = new_facility(
        app,
        &command,
        "00001",
        "f0_isolation",
        json!([{"bed_type": "f0_tier1", "capacity": 10}]),
    )
    .await;
    let a = app
        .post_json(
            &format!("/api/v1/facilities/{f}/admissions"),
            Some(&command),
            &json!({"case_id": case, "bed_type": "f0_tier1"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    Seeded {
        command,
        person,
        case,
    }
}

fn kinds(bundle: &Value) -> Vec<String> {
    let mut k: Vec<String> = bundle["entry"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    e["resource"]["resourceType"]
                        .as_str()
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default();
    k.sort();
    k.dedup();
    k
}

async fn reads_are_scoped_and_errors_are_outcomes(store: Store) {
    let app = App::new(store);
    let s = seed(&app).await;
    let officer = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let elsewhere = app
        .login_as("trucbach", Role::CommuneOfficer, &["00004"])
        .await;
    let viewer = app.login_as("viewer", Role::Viewer, &["01"]).await;

    let p = app
        .get(&format!("/fhir/Patient/{}", s.person), Some(&officer))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.json);
    assert_eq!(
        p.headers["content-type"].to_str().unwrap(),
        "application/fhir+json"
    );
    assert_eq!(p.json["resourceType"], "Patient");
    assert_eq!(p.json["gender"], "male");
    assert_eq!(p.json["birthDate"], "1990-05-01");
    assert_eq!(p.json["name"][0]["text"], "Nguyễn Văn An");
    assert_eq!(p.json["telecom"][0]["value"], "0912345678");
    assert_eq!(p.json["address"][0]["line"][0], "12 Phó Đức Chính");
    assert_eq!(p.json["address"][0]["city"], "Phường Phúc Xá");
    let ids = p.json["identifier"].to_string();
    assert!(ids.contains(fhir::systems::NATIONAL_ID) && ids.contains("001090012345"));
    // Our person id under this installation's own system.
    let own = p.json["identifier"][0]["system"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, kind) = fhir::record_system(&own).expect("an installation's system");
    assert_eq!(kind, fhir::RecordKind::Person);
    assert_eq!(p.json["identifier"][0]["value"], s.person.to_string());

    // Outside the jurisdiction: 404 exactly like a missing person, as an OperationOutcome.
    let hidden = app
        .get(&format!("/fhir/Patient/{}", s.person), Some(&elsewhere))
        .await;
    let missing = app.get("/fhir/Patient/999999", Some(&officer)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.json, missing.json);
    assert_eq!(hidden.json["resourceType"], "OperationOutcome");
    assert_eq!(hidden.json["issue"][0]["code"], "not-found");
    let empty = app
        .get(
            &format!("/fhir/Observation?subject=Patient/{}", s.person),
            Some(&elsewhere),
        )
        .await;
    assert_eq!(empty.json["total"], 0, "{}", empty.json);
    // A viewer may not read personal data; no account at all is told to sign in.
    let v = app
        .get(&format!("/fhir/Patient/{}", s.person), Some(&viewer))
        .await;
    assert_eq!(v.status, StatusCode::FORBIDDEN);
    assert_eq!(v.json["issue"][0]["code"], "forbidden");
    let anon = app.get(&format!("/fhir/Patient/{}", s.person), None).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anon.json["resourceType"], "OperationOutcome");
    // The CapabilityStatement is public.
    let m = app.get("/fhir/metadata", None).await;
    assert_eq!(m.json["resourceType"], "CapabilityStatement");
    assert_eq!(m.json["fhirVersion"], "4.0.1");

    // Bad ids and bad searches.
    for bad in ["abc", "-1", "0", "1.5", "99999999999999999999999"] {
        let r = app
            .get(&format!("/fhir/Patient/{bad}"), Some(&officer))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
    for q in [
        "/fhir/Patient",
        "/fhir/Patient?identifier=001090012345",
        "/fhir/Patient?identifier=urn:other|1",
        "/fhir/Patient?identifier=https://chongdich.vn/fhir/sid/cccd|12ab",
        "/fhir/Observation?subject=Location/1",
        "/fhir/Observation",
        "/fhir/Immunization?patient=Patient/x",
    ] {
        let r = app.get(q, Some(&officer)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.json);
        assert_eq!(r.json["resourceType"], "OperationOutcome", "{q}");
        assert_eq!(r.json["issue"][0]["code"], "invalid", "{q}");
    }

    // Searches.
    let by_nid = app
        .get(
            "/fhir/Patient?identifier=https://chongdich.vn/fhir/sid/cccd|001090012345",
            Some(&officer),
        )
        .await;
    assert_eq!(by_nid.json["resourceType"], "Bundle");
    assert_eq!(by_nid.json["type"], "searchset");
    assert_eq!(by_nid.json["total"], 1, "{}", by_nid.json);
    let hidden_nid = app
        .get(
            "/fhir/Patient?identifier=https://chongdich.vn/fhir/sid/cccd|001090012345",
            Some(&elsewhere),
        )
        .await;
    assert_eq!(hidden_nid.json["total"], 0);
    let by_id = app
        .get(
            &format!("/fhir/Patient?identifier={own}|{}", s.person),
            Some(&officer),
        )
        .await;
    assert_eq!(by_id.json["total"], 1);
    // Another installation's ids are not ours to look up.
    let theirs = app
        .get(
            &format!(
                "/fhir/Patient?identifier=https://chongdich.vn/fhir/sid/hcmc/person|{}",
                s.person
            ),
            Some(&officer),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::BAD_REQUEST, "{}", theirs.json);
    let obs = app
        .get(
            &format!("/fhir/Observation?subject=Patient/{}", s.person),
            Some(&officer),
        )
        .await;
    assert_eq!(obs.json["total"], 2, "{}", obs.json);
    let pcr = &obs.json["entry"][0]["resource"];
    assert_eq!(pcr["code"]["coding"][0]["code"], "94500-6");
    assert_eq!(pcr["valueCodeableConcept"]["coding"][0]["code"], "10828004");
    assert_eq!(pcr["component"][0]["valueQuantity"]["value"], 24.5);
    assert_eq!(pcr["effectiveDateTime"], "2021-11-20T08:00:00Z");
    assert_eq!(pcr["issued"], "2021-11-20T20:00:00Z");
    let ag = &obs.json["entry"][1]["resource"];
    assert_eq!(ag["code"]["coding"][0]["code"], "94558-4");
    assert_eq!(ag["valueCodeableConcept"]["coding"][0]["code"], "260385009");
    let imm = app
        .get(
            &format!("/fhir/Immunization?patient=Patient/{}", s.person),
            Some(&officer),
        )
        .await;
    assert_eq!(imm.json["total"], 2, "{}", imm.json);
    assert_eq!(imm.json["entry"][0]["resource"]["lotNumber"], "AZ-123");
    assert_eq!(
        imm.json["entry"][0]["resource"]["protocolApplied"][0]["doseNumberPositiveInt"],
        1
    );

    // Everything of the case's person.
    let all = app
        .get(
            &format!("/fhir/Patient/{}/$everything", s.person),
            Some(&officer),
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.json);
    assert_eq!(all.json["type"], "collection");
    assert_eq!(
        kinds(&all.json),
        [
            "Condition",
            "Encounter",
            "Immunization",
            "Location",
            "Observation",
            "Organization",
            "Patient"
        ]
    );
    let condition = all.json["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Condition")
        .unwrap();
    assert_eq!(condition["resource"]["id"], s.case.to_string());
    assert_eq!(
        condition["resource"]["clinicalStatus"]["coding"][0]["code"],
        "active"
    );
    assert_eq!(condition["resource"]["code"]["coding"][1]["code"], "U07.1");
    let hidden_all = app
        .get(
            &format!("/fhir/Patient/{}/$everything", s.person),
            Some(&elsewhere),
        )
        .await;
    assert_eq!(hidden_all.status, StatusCode::NOT_FOUND);

    // Reads are audited like the person API's.
    let audit = app
        .get(
            &format!("/api/v1/audit?entity=person&entity_id={}", s.person),
            Some(&app.login_as("admin", Role::Administrator, &["VN"]).await),
        )
        .await;
    assert!(audit.json.to_string().contains("phucxa"), "{}", audit.json);
    let _ = s.command;
}

/// Every resource type we emit, through the independent validator; and the validator
/// itself refuses a broken resource (so a pass means something).
async fn every_emitted_resource_validates(store: Store) {
    let app = App::new(store);
    let s = seed(&app).await;
    let officer = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let mut emitted = Vec::new();
    for uri in [
        format!("/fhir/Patient/{}/$everything", s.person),
        format!("/fhir/Patient/{}", s.person),
        format!("/fhir/Observation?subject=Patient/{}", s.person),
        format!("/fhir/Immunization?patient=Patient/{}", s.person),
        "/fhir/metadata".to_string(),
        "/fhir/Patient/424242".to_string(),
        "/fhir/Patient?identifier=x".to_string(),
    ] {
        emitted.push(app.get(&uri, Some(&officer)).await.json);
    }
    // The F1 link, from a contact record as the store gives it.
    let link = fhir::out::contact_link(
        domain::PersonId(s.person),
        &store::ContactEpisode {
            id: 7,
            case_id: Some(s.case),
            referred_from: None,
            degree: 1,
            status: "quarantined".into(),
            quarantine_from_s: Some(1_637_400_000),
            quarantine_until_s: Some(1_638_000_000),
        },
    );
    emitted.push(serde_json::to_value(fhir::model::Resource::Observation(link)).unwrap());
    let mut types: Vec<String> = emitted
        .iter()
        .flat_map(|r| {
            let mut t = vec![r["resourceType"].as_str().unwrap().to_string()];
            t.extend(kinds(r));
            t
        })
        .filter(|t| !t.is_empty())
        .collect();
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        [
            "Bundle",
            "CapabilityStatement",
            "Condition",
            "Encounter",
            "Immunization",
            "Location",
            "Observation",
            "OperationOutcome",
            "Organization",
            "Patient"
        ]
    );
    let Some(out) = validate(&Value::Array(emitted)) else {
        return;
    };
    assert!(out.0, "the FHIR validator refused what we emit:\n{}", out.1);

    let mut broken = app
        .get(&format!("/fhir/Patient/{}", s.person), Some(&officer))
        .await
        .json;
    broken["birthDate"] = json!("1990-13-45");
    broken["nickname"] = json!("An");
    let out = validate(&broken).unwrap();
    assert!(!out.0, "the validator took a broken Patient:\n{}", out.1);
}

/// Runs `.ci/fhir/validate.mjs` on `resources`: (all valid, its report). None when the
/// validator is not installed (`bash .ci/fhir.sh`), except in CI, where that fails.
pub(crate) fn validate(resources: &Value) -> Option<(bool, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/fhir");
    if !root.join("node_modules/@medplum/core").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the FHIR validator is not installed: run bash .ci/fhir.sh"
        );
        eprintln!("FHIR validator not installed (bash .ci/fhir.sh): skipped");
        return None;
    }
    let file = std::env::temp_dir().join(format!(
        "chongdich-fhir-{}-{}.json",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::write(&file, resources.to_string()).unwrap();
    let out = std::process::Command::new("node")
        .arg(root.join("validate.mjs"))
        .arg(&file)
        .current_dir(&root)
        .output()
        .expect("node runs");
    let _ = std::fs::remove_file(&file);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "validator failed to run: {report}"
    );
    Some((out.status.success(), report))
}

/// A Bundle out without our server's ids: every resource we emit, with ids and references
/// dropped and installations' own identifiers (person, case, facility, stay) left out, in
/// order.
fn comparable(bundle: &Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.remove("id");
                o.remove("reference");
                if let Some(ids) = o.get_mut("identifier").and_then(|v| v.as_array_mut()) {
                    ids.retain(|i| {
                        fhir::record_system(i["system"].as_str().unwrap_or("")).is_none()
                    });
                    if ids.is_empty() {
                        o.remove("identifier");
                    }
                }
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut s = Value::Array(
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"].clone())
            .collect(),
    );
    strip(&mut s);
    s
}

/// A second person of Phúc Xá with a case, and a third, their F1 (declared, then traced).
async fn seed_contact(app: &App, command: &str) -> (i64, i64) {
    let mut ids = Vec::new();
    for (name, nid) in [
        ("Trần Thị Bình", "001190054321"),
        ("Lê Văn Cường", "001088011111"),
    ] {
        let p = app
            .post_json(
                "/api/v1/persons",
                Some(command),
                &json!({"full_name": name, "national_id": nid, "birth_date": "1988-02-03",
                        "sex": "female", "unit": "00001"}),
            )
            .await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.json);
        ids.push(p.json["id"].as_i64().unwrap());
    }
    let c = app
        .post_json(
            "/api/v1/cases",
            Some(command),
            &json!({"person_id": ids[0], "severity": "mild", "onset": "2021-11-21T00:00:00Z",
                    "test": {"kind": "pcr", "sample_at": "2021-11-22T08:00:00Z", "result_at": "2021-11-22T20:00:00Z"}}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.json);
    let case = c.json["id"].as_i64().unwrap();
    let d = app
        .post_json(
            &format!("/api/v1/persons/{}/declared-contacts", ids[0]),
            Some(command),
            &json!({"contact_person_id": ids[1], "at": "2021-11-21T10:00:00Z", "setting": "face_to_face"}),
        )
        .await;
    assert_eq!(d.status, StatusCode::CREATED, "{}", d.json);
    let t = app
        .post_json(
            &format!("/api/v1/cases/{case}/trace"),
            Some(command),
            &json!({}),
        )
        .await;
    assert!(t.status.is_success(), "{}", t.json);
    // The F1 quarantined at home, then released.
    let contact = app.all_items("/api/v1/contacts", command).await[0]["id"]
        .as_i64()
        .unwrap();
    let h = app
        .post_json(
            "/api/v1/home-stays",
            Some(command),
            &json!({"contact_id": contact, "at": "2021-11-22T21:00:00Z"}),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{}", h.json);
    let r = app
        .post_json(
            &format!("/api/v1/admissions/{}/discharge", h.json["id"]),
            Some(command),
            &json!({"reason": "released", "at": "2021-11-29T08:00:00Z"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.json);
    (ids[0], ids[1])
}

/// The seeded case moved to an oxygen bed of a field hospital: its first stay ends as
/// transferred, a second begins.
async fn transfer(app: &App, command: &str, person: i64) {
    let f = app
        .post_json(
            "/api/v1/facilities",
            Some(command),
            &json!({"name": "Bệnh viện dã chiến số 2", "kind": "field_hospital", "unit": "00001",
                    "address": "1 Yên Phụ", "beds": [{"bed_type": "oxygen", "capacity": 5}]}),
        )
        .await;
    assert_eq!(f.status, StatusCode::CREATED, "{}", f.json);
    let all = export(app, command, person).await;
    let stay = all["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Encounter")
        .unwrap()["resource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post_json(
            &format!("/api/v1/admissions/{stay}/transfer"),
            Some(command),
            &json!({"facility_id": f.json["id"], "bed_type": "oxygen"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.json);
}

async fn export(app: &App, token: &str, id: i64) -> Value {
    let r = app
        .get(&format!("/fhir/Patient/{id}/$everything"), Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    r.json
}

async fn a_bundle_round_trips_and_is_idempotent(store: Store) {
    let a = App::new(store.clone());
    let s = seed(&a).await;
    transfer(&a, &s.command, s.person).await;
    let (source, contact) = seed_contact(&a, &s.command).await;
    let out_a: Vec<Value> = vec![
        export(&a, &s.command, s.person).await,
        export(&a, &s.command, source).await,
        export(&a, &s.command, contact).await,
    ];
    let link = out_a[2]["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["code"]["coding"][0]["code"] == "840546002");
    assert!(link.is_some(), "the F1 link is exported: {}", out_a[2]);
    let mut kinds_a: Vec<String> = out_a.iter().flat_map(kinds).collect();
    kinds_a.sort();
    kinds_a.dedup();
    assert_eq!(
        kinds_a,
        [
            "Condition",
            "Encounter",
            "Immunization",
            "Location",
            "Observation",
            "Organization",
            "Patient"
        ]
    );

    let finished = out_a[0]["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["status"] == "finished")
        .count();
    assert_eq!(finished, 1, "the transferred stay: {}", out_a[0]);
    // What is new here (a finished stay, a transfer, beds, a contact's stay) validates.
    if let Some(v) = validate(&Value::Array(out_a.clone())) {
        assert!(v.0, "the FHIR validator refused what we emit:\n{}", v.1);
    }

    // Into an empty database of the same kind: the case with its stay, the source case,
    // then the contact (its link names the source case, taken in before).
    let db_b = match store.dialect() {
        store::Dialect::Sqlite => store::testing::sqlite().await,
        store::Dialect::Postgres => store::testing::postgres().await.unwrap(),
    };
    let b = App::new(db_b.store.clone());
    let command_b = b.login_as("command", Role::Command, &["001"]).await;
    let mut ids_b = Vec::new();
    for out in &out_a {
        let taken = b.post_json("/fhir", Some(&command_b), out).await;
        assert_eq!(taken.status, StatusCode::OK, "{}", taken.json);
        assert_eq!(taken.json["resourceType"], "Bundle");
        assert_eq!(taken.json["entry"][0]["response"]["status"], "201 Created");
        ids_b.push(
            taken.json["entry"][0]["response"]["location"]
                .as_str()
                .unwrap()
                .strip_prefix("Patient/")
                .unwrap()
                .to_string(),
        );
    }
    let mut out_b = Vec::new();
    for (n, id) in ids_b.iter().enumerate() {
        let o = export(&b, &command_b, id.parse().unwrap()).await;
        // Nothing lost: every resource of every type, but for the ids.
        assert_eq!(comparable(&out_a[n]), comparable(&o), "person {n}");
        out_b.push(o);
    }

    // The same Bundles again change nothing, and a resource of a type we do not take in
    // is named, not refused.
    let tables = [
        "persons",
        "cases",
        "tests",
        "vaccinations",
        "case_status_history",
        "facilities",
        "facility_beds",
        "stays",
        "contacts",
    ];
    let count = |t: &str| format!("SELECT COUNT(*) FROM {t}");
    let before = futures_counts(&db_b.store, &tables, &count).await;
    let occupied = "SELECT CAST(COALESCE(SUM(occupied), 0) AS BIGINT) FROM facility_beds";
    let occupied_before = store::testing::scalar(&db_b.store, occupied).await;
    let mut with_others = out_a[0].clone();
    let entries = with_others["entry"].as_array_mut().unwrap();
    entries
        .push(json!({"resource": {"resourceType": "Practitioner", "name": [{"text": "BS Hoa"}]}}));
    entries.push(
        json!({"resource": {"resourceType": "Provenance", "recorded": "2021-11-20T00:00:00Z"}}),
    );
    let others = entries.len();
    for out in std::iter::once(&with_others).chain(&out_a[1..]) {
        let again = b.post_json("/fhir", Some(&command_b), out).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.json);
        assert_eq!(again.json["entry"][0]["response"]["status"], "200 OK");
    }
    let again = b.post_json("/fhir", Some(&command_b), &with_others).await;
    let outcome = again.json["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "OperationOutcome")
        .unwrap_or_else(|| panic!("no OperationOutcome: {}", again.json));
    let issues = outcome["resource"]["issue"].to_string();
    assert!(
        issues.contains("Practitioner") && issues.contains("Provenance"),
        "{issues}"
    );
    assert!(
        issues.contains(&format!("Bundle.entry[{}]", others - 1)),
        "{issues}"
    );
    assert_eq!(outcome["resource"]["issue"][0]["severity"], "information");
    assert_eq!(futures_counts(&db_b.store, &tables, &count).await, before);
    assert_eq!(
        store::testing::scalar(&db_b.store, occupied).await,
        occupied_before
    );
    // And B's own exports taken back into B are matched too.
    for o in &out_b {
        let own = b.post_json("/fhir", Some(&command_b), o).await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.json);
    }
    assert_eq!(futures_counts(&db_b.store, &tables, &count).await, before);
}

/// A tracer may write persons and cases but not manage beds: a Bundle's facilities and
/// stays are named as not taken in, the rest is taken.
async fn stays_need_the_right_to_manage_beds(store: Store) {
    let a = App::new(store.clone());
    let s = seed(&a).await;
    let out = export(&a, &s.command, s.person).await;
    let db_b = match store.dialect() {
        store::Dialect::Sqlite => store::testing::sqlite().await,
        store::Dialect::Postgres => store::testing::postgres().await.unwrap(),
    };
    let b = App::new(db_b.store.clone());
    let tracer = b.login_as("cdc", Role::Tracer, &["001"]).await;
    let r = b.post_json("/fhir", Some(&tracer), &out).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let issues = r.json["entry"].to_string();
    assert!(
        issues.contains("Encounter (needs the right to manage beds)"),
        "{issues}"
    );
    assert!(
        issues.contains("Location (needs the right to manage beds)"),
        "{issues}"
    );
    for (t, n) in [
        ("persons", 1),
        ("cases", 1),
        ("facilities", 0),
        ("stays", 0),
    ] {
        let sql = format!("SELECT COUNT(*) FROM {t}");
        assert_eq!(store::testing::scalar(&db_b.store, &sql).await, n, "{t}");
    }
}

async fn futures_counts(store: &Store, tables: &[&str], sql: &dyn Fn(&str) -> String) -> Vec<i64> {
    let mut out = Vec::new();
    for t in tables {
        out.push(store::testing::scalar(store, &sql(t)).await);
    }
    out
}

async fn bad_bundles_are_refused_and_write_nothing(store: Store) {
    let app = App::new(store.clone());
    let s = seed(&app).await;
    let viewer = app.login_as("viewer", Role::Viewer, &["01"]).await;
    let out = app
        .get(
            &format!("/fhir/Patient/{}/$everything", s.person),
            Some(&s.command),
        )
        .await
        .json;
    // A viewer may not write.
    let r = app.post_json("/fhir", Some(&viewer), &out).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["resourceType"], "OperationOutcome");
    let persons = store::testing::scalar(&store, "SELECT COUNT(*) FROM persons").await;
    // Not a Bundle; a Bundle of another type; a broken birth date in an otherwise new person.
    let r = app
        .post_json(
            "/fhir",
            Some(&s.command),
            &json!({"resourceType": "Patient"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    let r = app
        .post_json(
            "/fhir",
            Some(&s.command),
            &json!({"resourceType": "Bundle", "type": "searchset"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(r.json["issue"][0]["expression"][0], "type");
    let mut broken = out.clone();
    let p = &mut broken["entry"][0]["resource"];
    p["identifier"] = json!([{"system": "urn:other", "value": "77"}]);
    p["birthDate"] = json!("2090-01-01");
    let r = app.post_json("/fhir", Some(&s.command), &broken).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(
        r.json["issue"][0]["expression"][0], "entry[0].birth_date",
        "{}",
        r.json
    );
    assert_eq!(
        store::testing::scalar(&store, "SELECT COUNT(*) FROM persons").await,
        persons
    );
    // A huge Bundle is refused before it is read: too many entries, or too many bytes.
    let many = json!({"resourceType": "Bundle", "type": "collection",
        "entry": (0..1001).map(|_| json!({})).collect::<Vec<_>>()});
    let r = app.post_json("/fhir", Some(&s.command), &many).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    let huge =
        json!({"resourceType": "Bundle", "type": "collection", "x": "a".repeat(3 * 1024 * 1024)});
    let r = app.post_json("/fhir", Some(&s.command), &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json["issue"][0]["code"], "too-costly");
}

both_databases!(
    reads_are_scoped_and_errors_are_outcomes,
    every_emitted_resource_validates,
    a_bundle_round_trips_and_is_idempotent,
    stays_need_the_right_to_manage_beds,
    bad_bundles_are_refused_and_write_nothing
);
