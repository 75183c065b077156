use axum::http::StatusCode;
use domain::epi::VenueKind;
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use serde_json::json;
use store::{both_databases, PersonRow, Store, UnitRef, VenueRow};

use crate::{error_code, error_fields, App};

async fn seed(store: &Store) {
    let unit = |code: &str| {
        let store = store.clone();
        let code = code.to_string();
        async move {
            UnitRef::from(
                &store
                    .unit_unscoped(Structure::S2021, &UnitCode::parse(&code).unwrap())
                    .await
                    .unwrap()
                    .unwrap(),
            )
        }
    };
    let phuc_xa = unit("00001").await;
    store
        .bulk_persons(
            &[PersonRow {
                id: 1,
                full_name: "Nguyễn Văn An".into(),
                national_id: Some("001090012345".into()),
                phone: None,
                birth_date: None,
                sex: Sex::Male,
                unit: phuc_xa.clone(),
                household_id: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    let venue = |id: i64, u: UnitRef| VenueRow {
        id,
        name: format!("Chợ {id}"),
        kind: VenueKind::Market,
        unit: u,
        address: None,
        capacity: None,
        open_min: 300,
        close_min: 1200,
        qr_payload: format!("CDV1:V:{id}"),
        synthetic: false,
    };
    store
        .bulk_venues(&[venue(1, phuc_xa), venue(2, unit("00004").await)], 0)
        .await
        .unwrap();
}

/// 2021-11-21T00:00Z: the locality's clock in these tests.
const NOW_S: i64 = 1_637_452_800;

async fn batch_is_answered_per_item_and_retry_is_not_double_counted(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW_S));
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let batch = json!([
        {"id": "dev1-1", "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00+07:00", "t_out": "2021-11-20T08:40:00+07:00", "mode": "self_scan"},
        {"id": "dev1-2", "person": "001090012345|Nguyễn Văn An|01011990", "venue": "CDV1:V:1", "t_in": "2021-11-20T10:00:00Z", "mode": "staff_scan"},
        {"id": "dev1-3", "person": 1, "venue": 2, "t_in": "2021-11-20T10:00:00Z", "mode": "self_scan"},
        {"id": "dev1-4", "person": 1, "venue": 1, "t_in": "yesterday", "mode": "walk_in"},
        {"person": 1, "venue": 1, "t_in": "2021-11-20T10:00:00Z", "t_out": "2021-11-20T09:00:00Z", "mode": "self_scan"},
        {"id": "dev1-6", "person": 1, "venue": 1, "t_in": "2099-01-01T00:00:00Z", "mode": "self_scan"}
    ]);
    let r = app
        .post_json("/api/v1/checkins", Some(&token), &batch)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["accepted"], 2);
    assert_eq!(r.json["rejected"], 4);
    let items = r.json["items"].as_array().unwrap();
    let fields = |i: usize| -> Vec<String> {
        items[i]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(items[0]["status"], "accepted");
    assert_eq!(items[1]["status"], "accepted");
    assert_eq!(items[2]["status"], "rejected");
    assert_eq!(items[2]["errors"][0]["code"], "out_of_scope");
    assert_eq!(items[3]["index"], 3);
    assert_eq!(fields(3), vec!["t_in", "mode"]);
    assert_eq!(fields(4), vec!["id", "t_out"]);
    assert_eq!(fields(5), vec!["t_in"]);
    assert!(items[3]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("định dạng"));

    // The same batch again: both stored items are duplicates, nothing new is stored.
    let again = app
        .post_json("/api/v1/checkins", Some(&token), &batch)
        .await;
    assert_eq!(again.json["accepted"], 0);
    assert_eq!(again.json["duplicates"], 2);
    assert_eq!(app.store.count_checkins().await.unwrap(), 2);

    // The open check-in got the policy's default stay (60 minutes in 3638/QĐ-BYT's period).
    let mut rows = Vec::new();
    app.store
        .for_each_visit_page(10, |p| {
            rows.extend(
                p.iter()
                    .map(|v| (v.person_id, v.venue_id, v.t_in_s, v.t_out_s)),
            );
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(rows[1].3 - rows[1].2, 3600);
    assert_eq!(rows[0].3 - rows[0].2, 2400);
}

async fn whole_batch_errors(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW_S));
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let r = app
        .post_json("/api/v1/checkins", Some(&token), &json!([]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), vec!["items"]);
    let many: Vec<_> = (0..10_001)
        .map(|i| json!({"id": format!("x{i}"), "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"}))
        .collect();
    let r = app
        .post_json("/api/v1/checkins", Some(&token), &json!(many))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), vec!["items"]);
    let r = app
        .post_json("/api/v1/checkins", Some(&token), &json!({"id": 1}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "invalid_json");
    let viewer = app.login_as("viewer", Role::Viewer, &["VN"]).await;
    let r = app
        .post_json("/api/v1/checkins", Some(&viewer), &json!([{"id": "v"}]))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.count_checkins().await.unwrap(), 0);
}

/// Every time a check-in carries lies in the retention window of the rule in force (21 days
/// under 3638/QĐ-BYT) and at most five minutes ahead of the clock: a check-in from 1900 once
/// stopped the server from starting.
async fn checkin_times_outside_the_retention_window_are_refused(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW_S));
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let at = |id: &str, t_in: &str| json!({"id": id, "person": 1, "venue": 1, "t_in": t_in, "mode": "self_scan"});
    let batch = json!([
        at("1900", "1900-01-01T00:00:00Z"),
        at("epoch", "1970-01-01T00:00:00Z"),
        at("22-days", "2021-10-30T23:59:00Z"),
        at("21-days", "2021-10-31T00:00:01Z"),
        at("skew", "2021-11-21T00:04:00Z"),
        at("future", "2021-11-21T00:06:00Z"),
        at("9999", "9999-12-31T23:59:59Z"),
    ]);
    let r = app
        .post_json("/api/v1/checkins", Some(&token), &batch)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let statuses: Vec<&str> = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec!["rejected", "rejected", "rejected", "accepted", "accepted", "rejected", "rejected"]
    );
    for i in [0, 1, 2, 5, 6] {
        assert_eq!(r.json["items"][i]["errors"][0]["field"], "t_in");
        assert_eq!(r.json["items"][i]["errors"][0]["code"], "out_of_range");
    }
    assert_eq!(app.store.count_checkins().await.unwrap(), 2);
    // What was stored is what the index holds.
    assert_eq!(app.state.contacts.snapshot().0.len(), 2);
}

both_databases!(
    batch_is_answered_per_item_and_retry_is_not_double_counted,
    whole_batch_errors,
    checkin_times_outside_the_retention_window_are_refused
);

async fn retention_deletes_what_the_policy_no_longer_allows(store: Store) {
    seed(&store).await;
    // Sent on 2021-10-02, when both were recent.
    let app = App::at(store.clone(), Some(1_633_176_000));
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let batch = json!([
        {"id": "old", "person": 1, "venue": 1, "t_in": "2021-10-01T08:00:00Z", "t_out": "2021-10-01T09:00:00Z", "mode": "self_scan"},
        {"id": "new", "person": 1, "venue": 1, "t_in": "2021-10-02T08:00:00Z", "t_out": "2021-10-02T09:00:00Z", "mode": "self_scan"}
    ]);
    assert_eq!(
        app.post_json("/api/v1/checkins", Some(&token), &batch)
            .await
            .json["accepted"],
        2
    );
    let policies = domain::policy::Policies::embedded().unwrap();
    // 2021-10-22T12:00Z: 3638/QĐ-BYT keeps 21 days, back to 1 Oct 12:00.
    let deleted = app::jobs::purge_expired_checkins(&store, &policies, 1_634_904_000)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(store.count_checkins().await.unwrap(), 1);
}

both_databases!(retention_deletes_what_the_policy_no_longer_allows);

/// A check-in answers the same whether its national ID is registered or not: an unknown ID
/// is kept as an unresolved visitor (not a "not found" that tells who exists), and becomes
/// the person's check-in, traceable, once a person with that ID is added. Every batch leaves
/// one audit row.
async fn an_unknown_national_id_is_a_visitor_not_an_oracle(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW_S));
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let item = |id: &str, nid: &str| {
        json!({"id": id, "person": format!("{nid}|Họ Tên|01011990"), "venue": 1,
               "t_in": "2021-11-20T08:00:00Z", "t_out": "2021-11-20T09:00:00Z", "mode": "staff_scan"})
    };
    let r = app
        .post_json(
            "/api/v1/checkins",
            Some(&token),
            &json!([item("k", "001090012345"), item("u", "079203000111")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let items = r.json["items"].as_array().unwrap();
    // Registered or not, the two answers differ only in their ids.
    for i in items {
        assert_eq!(i["status"], "accepted");
        assert_eq!(i["errors"], json!([]));
    }
    assert_eq!(app.store.count_checkins().await.unwrap(), 1);
    assert_eq!(app.store.count_unresolved_checkins().await.unwrap(), 1);
    // A retry is a duplicate for both.
    let again = app
        .post_json(
            "/api/v1/checkins",
            Some(&token),
            &json!([item("k", "001090012345"), item("u", "079203000111")]),
        )
        .await;
    assert_eq!(again.json["duplicates"], 2);
    // The visitor registers: the check-in is theirs, and the tracing index has it.
    let before = app.state.contacts.snapshot().0.len();
    // The seed wrote persons with explicit ids, as the demo does.
    app.store.sync_id_sequences().await.unwrap();
    let p = app
        .post_json(
            "/api/v1/persons",
            Some(&token),
            &json!({"full_name": "Trần Thị Bình", "national_id": "079203000111", "sex": "female", "unit": "00001"}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.json);
    assert_eq!(app.store.count_unresolved_checkins().await.unwrap(), 0);
    assert_eq!(app.store.count_checkins().await.unwrap(), 2);
    assert_eq!(app.state.contacts.snapshot().0.len(), before + 1);
    // Each batch was audited once, by its sender.
    let audit = app
        .store
        .list_audit(
            &store::Caller::system("test"),
            None,
            &store::PageRequest {
                limit: 100,
                after: None,
            },
        )
        .await
        .unwrap();
    let batches: Vec<_> = audit
        .items
        .iter()
        .filter(|a| a.entity == "checkin_batch")
        .collect();
    assert_eq!(batches.len(), 2);
    assert!(batches.iter().all(|a| a.actor == "phucxa"));
    assert!(batches[1].detail.as_deref().unwrap().contains("accepted 2"));
}

/// A device id is its sender's: another account using the same id stores its own check-in.
/// An account cannot send more than its hourly allowance.
async fn checkin_ids_belong_to_their_account_and_accounts_have_a_quota(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW_S));
    let a = app.login_as("a", Role::CommuneOfficer, &["00001"]).await;
    let b = app.login_as("b", Role::CommuneOfficer, &["00001"]).await;
    let batch = json!([{"id": "1", "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"}]);
    for token in [&a, &b] {
        let r = app.post_json("/api/v1/checkins", Some(token), &batch).await;
        assert_eq!(r.json["accepted"], 1, "{}", r.json);
    }
    assert_eq!(app.store.count_checkins().await.unwrap(), 2);
    let r = app.post_json("/api/v1/checkins", Some(&a), &batch).await;
    assert_eq!(r.json["duplicates"], 1);

    let small = web::AppState {
        checkin_quota: std::sync::Arc::new(web::quota::Quota::new(3, 3600)),
        ..app.state.clone()
    };
    let router = web::router(small);
    let two = json!([
        {"id": "q1", "person": 1, "venue": 1, "t_in": "2021-11-20T10:00:00Z", "mode": "self_scan"},
        {"id": "q2", "person": 1, "venue": 1, "t_in": "2021-11-20T11:00:00Z", "mode": "self_scan"}
    ]);
    let send = |body: serde_json::Value| {
        axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/checkins")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {a}"))
            .body(axum::body::Body::from(body.to_string()))
            .unwrap()
    };
    use tower::ServiceExt;
    let first = router.clone().oneshot(send(two.clone())).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = router.clone().oneshot(send(two)).await.unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.store.count_checkins().await.unwrap(), 4);
}

both_databases!(
    an_unknown_national_id_is_a_visitor_not_an_oracle,
    checkin_ids_belong_to_their_account_and_accounts_have_a_quota
);

/// `POST /api/v1/checkins/one`: the roles that may write personal data may send one
/// check-in, the others are refused before anything is stored; 201 means committed (the row
/// is read back from the database at once, and the tracing index holds it); a resend is 200
/// `duplicate`; a refused item names its fields (form: time, mode, id; store: venue out of
/// the caller's scope, unknown person); a batch (an array) or a missing body is not one item.
async fn one_checkin_is_committed_when_answered(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW_S));
    app.reindex().await;
    let one = |id: &str| json!({"id": id, "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00+07:00", "t_out": "2021-11-20T08:40:00+07:00", "mode": "self_scan"});
    let mut stored = 0;
    for role in Role::ALL {
        let token = app.login_as(&format!("one-{role}"), role, &["00001"]).await;
        let r = app
            .post_json(
                "/api/v1/checkins/one",
                Some(&token),
                &one(&format!("{role}")),
            )
            .await;
        if role.can(domain::role::Permission::WritePersonal) {
            assert_eq!(r.status, StatusCode::CREATED, "{role}: {}", r.json);
            assert_eq!(r.json["status"], "accepted");
            assert_eq!(r.json["id"], format!("{role}"));
            stored += 1;
            // Acknowledged = committed: read back at once, on another connection.
            assert_eq!(app.store.count_checkins().await.unwrap(), stored, "{role}");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
            assert_eq!(app.store.count_checkins().await.unwrap(), stored, "{role}");
        }
    }
    assert!(
        stored >= 4,
        "administrator, command, tracer, commune officer"
    );
    let (index, _) = app.state.contacts.snapshot();
    assert_eq!(
        index.visits_of(app::contact_index::idx(1).unwrap()).count() as i64,
        stored,
        "stored = traceable"
    );
    let r = app
        .post_json("/api/v1/checkins/one", None, &one("anon"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let post = |body: serde_json::Value| {
        let app = &app;
        let token = token.clone();
        async move {
            app.post_json("/api/v1/checkins/one", Some(&token), &body)
                .await
        }
    };
    let r = post(one("d1")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let r = post(one("d1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "duplicate");

    // Form: each bad field named, nothing stored.
    let before = app.store.count_checkins().await.unwrap();
    for (body, field) in [
        (
            json!({"person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"}),
            "id",
        ),
        (
            json!({"id": "x".repeat(65), "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"}),
            "id",
        ),
        (
            json!({"id": "f1", "person": 0, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"}),
            "person",
        ),
        (
            json!({"id": "f2", "person": 1, "venue": 1, "t_in": "2021-10-01T08:00:00Z", "mode": "self_scan"}),
            "t_in",
        ),
        (
            json!({"id": "f3", "person": 1, "venue": 1, "t_in": "2021-11-21T00:06:00Z", "mode": "self_scan"}),
            "t_in",
        ),
        (
            json!({"id": "f4", "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "t_out": "2021-11-20T07:00:00Z", "mode": "self_scan"}),
            "t_out",
        ),
        (
            json!({"id": "f5", "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "t_out": "2021-11-21T08:00:01Z", "mode": "self_scan"}),
            "t_out",
        ),
        (
            json!({"id": "f6", "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "mode": "walk_in"}),
            "mode",
        ),
        // Store: outside the officer's commune, an unknown person, an unknown poster.
        (
            json!({"id": "s1", "person": 1, "venue": 2, "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"}),
            "venue",
        ),
        (
            json!({"id": "s2", "person": 999, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"}),
            "person",
        ),
        (
            json!({"id": "s3", "person": 1, "venue": "CDV1:V:404", "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"}),
            "venue",
        ),
    ] {
        let r = post(body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.json);
        assert_eq!(error_code(&r), "invalid_input", "{body}");
        assert_eq!(error_fields(&r), vec![field], "{body}");
    }
    // The range's edges that are inside it: 21 days back (a minute inside: the test's clock
    // runs on from its moment), a stay of exactly 24 hours.
    for body in [
        json!({"id": "e1", "person": 1, "venue": 1, "t_in": "2021-10-31T00:01:00Z", "mode": "self_scan"}),
        json!({"id": "e2", "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "t_out": "2021-11-21T08:00:00Z", "mode": "staff_scan"}),
    ] {
        let r = post(body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{body}: {}", r.json);
    }
    assert_eq!(app.store.count_checkins().await.unwrap(), before + 2);
    let r = post(json!([one("arr")])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r), "invalid_json");
}

/// Many concurrent single check-ins through HTTP: each answered 201, each stored once.
async fn concurrent_single_checkins_through_http(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW_S));
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..300 {
        let router = app.router.clone();
        let body = json!({"id": format!("c{i}"), "person": 1, "venue": 1, "t_in": "2021-11-20T08:00:00Z", "mode": "self_scan"});
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/checkins/one")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        sends.spawn(async move {
            use tower::ServiceExt;
            router.oneshot(req).await.unwrap().status()
        });
    }
    let answers = sends.join_all().await;
    assert!(
        answers.iter().all(|s| *s == StatusCode::CREATED),
        "{answers:?}"
    );
    assert_eq!(app.store.count_checkins().await.unwrap(), 300);
}

both_databases!(
    one_checkin_is_committed_when_answered,
    concurrent_single_checkins_through_http
);
