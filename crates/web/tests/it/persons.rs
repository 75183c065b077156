use axum::http::StatusCode;
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::{error_code, error_fields, App};

async fn scope_hides_persons_and_reads_are_audited(store: Store) {
    let app = App::new(store);
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let phuc_xa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let viewer = app.login_as("viewer", Role::Viewer, &["01"]).await;

    let created = app
        .post_json(
            "/api/v1/persons",
            Some(&phuc_xa),
            &json!({"full_name": "Nguyễn Văn An", "phone": "+84 912 345 678", "national_id": "001090012345",
                    "birth_date": "1990-05-01", "sex": "male", "unit": "00001"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    assert_eq!(created.json["phone"], "0912345678");
    let inside_id = created.json["id"].as_i64().unwrap();
    let outside = app
        .post_json(
            "/api/v1/persons",
            Some(&admin),
            &json!({"full_name": "Trần Thị Bình", "unit": "00004"}),
        )
        .await;
    let outside_id = outside.json["id"].as_i64().unwrap();

    // Outside the jurisdiction a person answers exactly like a missing one.
    let hidden = app
        .get(&format!("/api/v1/persons/{outside_id}"), Some(&phuc_xa))
        .await;
    let missing = app.get("/api/v1/persons/999999", Some(&phuc_xa)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.json, missing.json);
    assert_eq!(error_code(&hidden), "not_found");
    let garbage = app.get("/api/v1/persons/abc", Some(&phuc_xa)).await;
    assert_eq!(garbage.status, StatusCode::NOT_FOUND);

    let seen = app
        .get(&format!("/api/v1/persons/{inside_id}"), Some(&phuc_xa))
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.json["full_name"], "Nguyễn Văn An");
    let list = app.all_items("/api/v1/persons", &phuc_xa).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], inside_id);
    assert_eq!(app.all_items("/api/v1/persons", &admin).await.len(), 2);

    // A viewer may not read personal data at all.
    let r = app
        .get(&format!("/api/v1/persons/{inside_id}"), Some(&viewer))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nor register someone outside the scope.
    let r = app
        .post_json(
            "/api/v1/persons",
            Some(&phuc_xa),
            &json!({"full_name": "X Y", "unit": "00004"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), vec!["unit"]);
    assert_eq!(r.json["error"]["fields"][0]["code"], "out_of_scope");

    // The trail of the person: created, read, listed by phucxa; read and listed by admin.
    let trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={inside_id}"),
            &admin,
        )
        .await;
    let got: Vec<(String, String)> = trail
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().into(),
                a["actor"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        got,
        vec![
            expect("list", "admin"),
            expect("list", "phucxa"),
            expect("read", "phucxa"),
            expect("create", "phucxa")
        ]
    );
    // The refused read by the other jurisdiction left nothing for the hidden person but its creation.
    let hidden_trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={outside_id}"),
            &admin,
        )
        .await;
    assert!(hidden_trail.iter().all(|a| a["actor"] == "admin"));
    // Only administrators read the audit log.
    let r = app.get("/api/v1/audit", Some(&phuc_xa)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

both_databases!(scope_hides_persons_and_reads_are_audited);
