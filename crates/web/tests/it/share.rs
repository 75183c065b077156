//! Sharing a case for view over the API (issue #17, "What travels" 3): who may share, revoke
//! and read shared copies — the route table's `ReadPersonal`, the app's own check behind it.

use axum::http::StatusCode;
use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use link::{Kind, LocalityCode, Peer};
use serde_json::json;
use store::{both_databases, CaseRow, PersonRow, Store, UnitRef};

use crate::{error_fields, App};

const T: i64 = 1_637_366_400;

/// Case 1 of person 1 in commune 00001; the locality "01" linked with "79".
pub(crate) async fn linked(store: Store) -> App {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let unit = UnitRef::from(&u);
    store
        .bulk_persons(
            &[PersonRow {
                id: 1,
                full_name: "Nguyễn Văn Chia".into(),
                national_id: None,
                phone: None,
                birth_date: None,
                sex: Sex::Male,
                unit: unit.clone(),
                household_id: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 1,
                unit,
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: T,
                confirmed_at_s: T + 3600,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }],
            0,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
    let partner = link::KeyPair::generate();
    store
        .put_link_locality(
            &Peer {
                code: LocalityCode::parse("79").unwrap(),
                name: "TP. Hồ Chí Minh".into(),
                public_key: partner.public(),
                kinds: [Kind::Share].into(),
            },
            T,
        )
        .await
        .unwrap();
    let me = LocalityCode::parse("01").unwrap();
    let setup = app::referral::LinkSetup {
        me: me.clone(),
        key: store.link_key().await.unwrap(),
        registry: store.link_registry(me).await.unwrap(),
    };
    let mut app = App::new(store);
    app.state.set_link(Some(setup));
    app.router = web::router(app.state.clone());
    app
}

async fn shares_by_role(store: Store) {
    let app = linked(store).await;
    let tracer = app.login_as("tracer", Role::Tracer, &["00001"]).await;
    let elsewhere = app.login_as("other", Role::Tracer, &["00004"]).await;
    let viewer = app.login_as("viewer", Role::Viewer, &["00001"]).await;
    let all =
        json!({"to": "79", "no_identifiers": true, "birth_year_only": true, "commune_only": true});

    let r = app
        .post_json("/api/v1/cases/1/share", Some(&viewer), &all)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json("/api/v1/cases/1/share", Some(&elsewhere), &all)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_json("/api/v1/cases/1/share", Some(&tracer), &json!({"to": "48"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), ["to"]);
    let r = app
        .post_json("/api/v1/cases/1/share", Some(&tracer), &json!({}))
        .await;
    assert_eq!(error_fields(&r), ["to"]);

    let r = app
        .post_json("/api/v1/cases/1/share", Some(&tracer), &all)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let id = r.json["id"].as_i64().unwrap();
    let sent = app.store.unsent(10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, "link.01.79.share");
    assert!(!String::from_utf8_lossy(&sent[0].2).contains("Chia"));

    let revoke = format!("/api/v1/shares/{id}/revoke");
    let r = app.post_json(&revoke, Some(&viewer), &json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.post_json(&revoke, Some(&elsewhere), &json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.post_json(&revoke, Some(&tracer), &json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.store.unsent(10).await.unwrap().len(), 2);

    // Nothing was shared with this locality: an empty list; a copy not here is 404.
    let r = app.get("/api/v1/shared", Some(&tracer)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["items"], json!([]));
    assert_eq!(
        app.get("/api/v1/shared/1", Some(&tracer)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/shared", Some(&viewer)).await.status,
        StatusCode::FORBIDDEN
    );
}

both_databases!(shares_by_role);
