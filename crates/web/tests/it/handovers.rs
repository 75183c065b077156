//! Hand-over of a case over the JSON API (issue #17, "What travels" 2): who may hand over,
//! list and answer (the roles that may change cases), and an installation that is not a
//! linked locality. The exchange itself is tested in the app's tests (two stores).

use axum::http::StatusCode;
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::{error_code, error_fields, App};

async fn only_who_may_change_cases_hands_over_and_answers(store: Store) {
    let app = App::new(store);
    let viewer = app.login_as("xem", Role::Viewer, &["001"]).await;
    let manager = app.login_as("bv", Role::FacilityManager, &["001"]).await;
    let tracer = app.login_as("cdc", Role::Tracer, &["001"]).await;
    let offer = json!({"to": "79", "reason": "chuyển viện"});
    for token in [&viewer, &manager] {
        let r = app
            .post_json("/api/v1/cases/1/handover", Some(token), &offer)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
        assert_eq!(
            app.get("/api/v1/handovers", Some(token)).await.status,
            StatusCode::FORBIDDEN
        );
        let r = app
            .post_json(
                "/api/v1/handovers/1/answer",
                Some(token),
                &json!({"accept": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // A tracer may, but this installation is linked to no locality: nothing can travel.
    let r = app
        .post_json("/api/v1/cases/1/handover", Some(&tracer), &offer)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.json);
    assert_eq!(error_fields(&r), vec!["link"]);
    let r = app
        .post_json(
            "/api/v1/cases/1/handover",
            Some(&tracer),
            &json!({"to": "not a code!", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), vec!["to"]);
    let r = app.get("/api/v1/handovers", Some(&tracer)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["items"], json!([]));
    let r = app
        .get("/api/v1/handovers?direction=sideways", Some(&tracer))
        .await;
    assert_eq!(error_code(&r), "invalid_input");
    // No such offer.
    let r = app
        .post_json(
            "/api/v1/handovers/7/answer",
            Some(&tracer),
            &json!({"accept": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

both_databases!(only_who_may_change_cases_hands_over_and_answers);
