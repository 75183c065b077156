//! The audit log by jurisdiction, one row per list, retention, and a case's contacts
//! outside the caller's jurisdiction as counts (issue #12, items 11 and 15).

use axum::http::StatusCode;
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, AuditList, Caller, Store};

use crate::App;

/// 2021-11-20T00:00:00Z; the app's clock reads a week later.
const T: i64 = 1_637_366_400;

async fn person(app: &App, token: &str, name: &str, unit: &str) -> i64 {
    let r = app
        .post_json(
            "/api/v1/persons",
            Some(token),
            &json!({"full_name": name, "unit": unit}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

fn mentions(rows: &[Value], id: i64) -> bool {
    rows.iter().any(|a| {
        (a["entity"] == "person" && a["entity_id"].as_str() == Some(id.to_string().as_str()))
            || (a["item_entity"] == "person"
                && a["item_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i.as_i64() == Some(id)))
    })
}

async fn a_commune_administrator_reads_only_its_own_trail(store: Store) {
    let app = App::new(store);
    let country = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let phuc_xa_admin = app
        .login_as("admin_phucxa", Role::Administrator, &["00001"])
        .await;
    let phuc_xa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let truc_bach = app
        .login_as("trucbach", Role::CommuneOfficer, &["00004"])
        .await;
    let ours = person(&app, &phuc_xa, "Nguyễn Văn An", "00001").await;
    let theirs = person(&app, &truc_bach, "Trần Thị Bình", "00004").await;
    for (token, id) in [(&phuc_xa, ours), (&truc_bach, theirs)] {
        let r = app.get(&format!("/api/v1/persons/{id}"), Some(token)).await;
        assert_eq!(r.status, StatusCode::OK);
        app.all_items("/api/v1/persons", token).await;
    }

    // The commune's administrator sees its resident's trail and nothing of the other commune.
    let local = app.all_items("/api/v1/audit", &phuc_xa_admin).await;
    assert!(mentions(&local, ours), "{local:?}");
    assert!(!mentions(&local, theirs), "{local:?}");
    assert!(local.iter().all(|a| a["actor"] != "trucbach"), "{local:?}");
    let other_trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={theirs}"),
            &phuc_xa_admin,
        )
        .await;
    assert!(other_trail.is_empty(), "{other_trail:?}");

    // The country's administrator reads both.
    let all = app.all_items("/api/v1/audit", &country).await;
    assert!(mentions(&all, ours) && mentions(&all, theirs));
    let trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={theirs}"),
            &country,
        )
        .await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["list", "read", "create"]);
}

both_databases!(a_commune_administrator_reads_only_its_own_trail);

async fn a_list_page_writes_one_row_and_the_trail_finds_it(store: Store) {
    let app = App::new(store);
    let country = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let officer = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(person(&app, &officer, &format!("Người {i}"), "00001").await);
    }
    let before = app.all_items("/api/v1/audit", &country).await.len();
    let page = app.get("/api/v1/persons?limit=50", Some(&officer)).await;
    assert_eq!(page.json["items"].as_array().unwrap().len(), 50);
    let after = app.all_items("/api/v1/audit", &country).await;
    assert_eq!(after.len(), before + 1, "one row for a page of 50");
    let row = &after[0];
    assert_eq!(row["action"], "list");
    assert_eq!(row["entity"], "persons");
    assert_eq!(row["item_entity"], "person");
    assert_eq!(row["item_ids"].as_array().unwrap().len(), 50);

    // One person's trail still shows the list that included them, and not another's id
    // that merely contains theirs as a prefix.
    let trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={}", ids[7]),
            &country,
        )
        .await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["list", "create"]);
    let none = app
        .all_items("/api/v1/audit?entity=person&entity_id=999999", &country)
        .await;
    assert!(none.is_empty());
}

both_databases!(a_list_page_writes_one_row_and_the_trail_finds_it);

async fn audit_rows_past_their_retention_are_purged(store: Store) {
    let now = T + 7 * 86_400;
    let system = Caller::system("test");
    let keep_s = domain::audit_policy::AuditPolicies::embedded()
        .unwrap()
        .retention_s(chrono::NaiveDate::from_ymd_opt(2021, 11, 27).unwrap());
    for (at, id) in [(now - keep_s - 86_400, 1), (now - keep_s + 86_400, 2)] {
        let list = AuditList::new(&system, "persons", "", "person", vec![id], None);
        assert_eq!(store.audit_list(list, at).await.unwrap(), 1);
    }
    let n = app::jobs::purge_expired_audit(&store, now).await.unwrap();
    assert_eq!(n, 1);
    let page = store
        .list_audit(&system, None, &store::PageRequest::first(100))
        .await
        .unwrap();
    let left: Vec<(String, Vec<i64>)> = page
        .items
        .iter()
        .map(|a| (a.action.clone(), a.item_ids.clone()))
        .collect();
    // The younger row stays; the deletion itself is recorded.
    assert_eq!(
        left,
        vec![
            ("delete".to_string(), vec![]),
            ("list".to_string(), vec![2])
        ]
    );
    assert_eq!(
        app::jobs::purge_expired_audit(&store, now).await.unwrap(),
        0
    );
}

both_databases!(audit_rows_past_their_retention_are_purged);

async fn a_communes_view_of_a_case_counts_contacts_elsewhere(store: Store) {
    let app = App::at(store.clone(), Some(T + 7 * 86_400));
    let tracer = app.login_as("cdc", Role::Tracer, &["001"]).await;
    let officer = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let country = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let f0 = person(&app, &tracer, "F0 An", "00001").await;
    let wife = person(&app, &tracer, "Vợ An", "00001").await;
    let guest = person(&app, &tracer, "Khách", "00004").await;
    let guests_son = person(&app, &tracer, "Con khách", "00004").await;
    let neighbour = person(&app, &tracer, "Hàng xóm khách", "00001").await;
    let created = app
        .post_json(
            "/api/v1/cases",
            Some(&tracer),
            &json!({"person_id": f0, "severity": "mild", "onset": "2021-11-19T00:00:00Z",
                    "test": {"kind": "pcr", "sample_at": "2021-11-20T08:00:00Z", "result_at": "2021-11-20T20:00:00Z", "ct": 24.5},
                    "isolation_at": "2021-11-20T21:00:00Z"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let case_id = created.json["id"].as_i64().unwrap();
    for (a, b, at) in [
        (f0, wife, "2021-11-19T19:00:00Z"),
        (f0, guest, "2021-11-19T12:00:00Z"),
        (guest, guests_son, "2021-11-20T12:00:00Z"),
        (guest, neighbour, "2021-11-20T13:00:00Z"),
    ] {
        let r = app
            .post_json(
                &format!("/api/v1/persons/{a}/declared-contacts"),
                Some(&tracer),
                &json!({"contact_person_id": b, "at": at, "setting": "face_to_face"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    }

    // The district sees all four in full.
    let all = app
        .get(
            &format!("/api/v1/cases/{case_id}/contacts?depth=2"),
            Some(&tracer),
        )
        .await;
    assert_eq!(all.json["contacts"].as_array().unwrap().len(), 4);
    assert!(all.json["referred"].as_array().unwrap().is_empty());

    // The commune sees its own two; the guest and his son live in Trúc Bạch: counts only.
    let r = app
        .get(
            &format!("/api/v1/cases/{case_id}/contacts?depth=2"),
            Some(&officer),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let shown: Vec<(i64, Option<i64>)> = r.json["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["person_id"].as_i64().unwrap(),
                c["via_person_id"].as_i64(),
            )
        })
        .collect();
    assert!(shown.contains(&(wife, Some(f0))), "{shown:?}");
    // The neighbour is shown, but not the id of the F1 (the guest) it was exposed to.
    assert!(shown.contains(&(neighbour, None)), "{shown:?}");
    assert_eq!(shown.len(), 2);
    let referred = &r.json["referred"];
    assert_eq!(
        referred,
        &json!([{"structure": "2021", "unit": "00004",
                 "unit_name": referred[0]["unit_name"], "f1": 1, "f2": 1}])
    );
    let name = referred[0]["unit_name"].as_str().unwrap();
    assert!(name.contains("Trúc Bạch"), "{name}");
    let text = r.json.to_string();
    for hidden in [guest, guests_son] {
        assert!(
            !text.contains(&format!(":{hidden},")) && !text.contains(&format!(":{hidden}}}")),
            "{text}"
        );
    }

    // The case page says the same.
    let html = app.get_html(&format!("/cases/{case_id}"), &officer).await;
    assert!(html.contains("Trúc Bạch"), "{html}");
    assert!(html.contains("1 F1"), "{html}");

    // Each view of the list is one audit row naming the persons shown, and only them.
    let trail = app
        .all_items(
            &format!("/api/v1/audit?entity=person&entity_id={neighbour}"),
            &country,
        )
        .await;
    let views: Vec<&Value> = trail
        .iter()
        .filter(|a| a["entity"] == "case_contacts" && a["actor"] == "phucxa")
        .collect();
    assert_eq!(views.len(), 2, "API and page: {trail:?}");
    let mut listed: Vec<i64> = views[0]["item_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_i64().unwrap())
        .collect();
    listed.sort_unstable();
    let mut expect = vec![wife, neighbour];
    expect.sort_unstable();
    assert_eq!(listed, expect);
    assert_eq!(views[0]["entity_id"], case_id.to_string());
}

both_databases!(a_communes_view_of_a_case_counts_contacts_elsewhere);

async fn cluster_lists_are_audited(store: Store) {
    let app = App::at(store.clone(), Some(T + 7 * 86_400));
    let tracer = app.login_as("cdc", Role::Tracer, &["001"]).await;
    let country = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let a = person(&app, &tracer, "A", "00001").await;
    let b = person(&app, &tracer, "B", "00001").await;
    let mut cases = Vec::new();
    // B fell ill four days after A's household exposed them: within the incubation window,
    // so the rule links them.
    for (p, onset, day) in [
        (a, "2021-11-19", "2021-11-20"),
        (b, "2021-11-23", "2021-11-23"),
    ] {
        let r = app
            .post_json(
                "/api/v1/cases",
                Some(&tracer),
                &json!({"person_id": p, "severity": "mild", "onset": format!("{onset}T00:00:00Z"),
                        "test": {"kind": "pcr", "sample_at": format!("{day}T08:00:00Z"), "result_at": format!("{day}T20:00:00Z")}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        cases.push(r.json["id"].as_i64().unwrap());
    }
    let r = app
        .post_json(
            &format!("/api/v1/persons/{a}/declared-contacts"),
            Some(&tracer),
            &json!({"contact_person_id": b, "at": "2021-11-18T19:00:00Z", "setting": "household"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let list = app.get("/api/v1/clusters", Some(&tracer)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.json);
    assert_eq!(
        list.json["items"].as_array().unwrap().len(),
        1,
        "{}",
        list.json
    );
    let cluster = list.json["items"][0]["id"].as_i64().unwrap();
    app.get_html(&format!("/clusters/{cluster}"), &tracer).await;
    let trail = app
        .all_items(
            &format!("/api/v1/audit?entity=case&entity_id={}", cases[1]),
            &country,
        )
        .await;
    let subjects: Vec<&str> = trail
        .iter()
        .filter(|a| a["entity"] == "clusters")
        .map(|a| a["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, [cluster.to_string().as_str(), ""]);
}

both_databases!(cluster_lists_are_audited);
