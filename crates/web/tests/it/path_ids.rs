//! A record's id in a path that is not a positive whole number names no record: every route
//! that takes one answers 404 (never 400 or 500), in the API and on the pages, for each kind
//! of id (facility, stay, case, donation, need, zone, round, commitment, campaign).

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::App;

/// Not ids: text, zero, negatives, a sign, a fraction, and a number past an i64.
const NOT_IDS: [&str; 7] = ["abc", "0", "-1", "+1", "1.5", "1e3", "99999999999999999999"];

/// API routes with `{id}` where the id goes, and whether they are POSTs.
const API: [(&str, bool); 13] = [
    ("/api/v1/facilities/{id}", false),
    ("/api/v1/facilities/{id}/admissions", true),
    ("/api/v1/admissions/{id}/transfer", true),
    ("/api/v1/admissions/{id}/discharge", true),
    ("/api/v1/cases/{id}/stays", false),
    ("/api/v1/aid/donations/{id}", false),
    ("/api/v1/aid/donations/{id}/status", true),
    ("/api/v1/aid/needs/{id}/status", true),
    ("/api/v1/relief/zones/{id}/rounds", true),
    ("/api/v1/relief/rounds/{id}/packages", true),
    ("/api/v1/cooperation/commitments/{id}/progress", true),
    ("/api/v1/campaigns/{id}/commendations", true),
    ("/api/v1/campaigns/{id}/tasks/1/progress", true),
];

/// Page routes, the same way.
const PAGES: [(&str, bool); 12] = [
    ("/facilities/{id}", false),
    ("/facilities/{id}/admit", true),
    ("/stays/{id}/discharge", true),
    ("/stays/{id}/transfer", true),
    ("/aid/donations/{id}", false),
    ("/aid/donations/{id}/status", true),
    ("/aid/donations/{id}/letter", false),
    ("/aid/donations/{id}/letter", true),
    ("/aid/relief/rounds/{id}/packages", true),
    ("/aid/cooperation/commitments/{id}/progress", true),
    ("/aid/campaigns/{id}/commendations", true),
    ("/aid/campaigns/{id}/tasks/1/progress", true),
];

async fn path_ids_that_are_not_positive_whole_numbers_are_not_found(store: Store) {
    let app = App::new(store);
    // An administrator of the whole country: every route is open to it, so the answer is
    // about the id alone.
    let token = app
        .login_as("admin-api", Role::Administrator, &["VN"])
        .await;
    app.add_user("admin", Role::Administrator, &["VN"]).await;
    let cookie = sign_in(&app, "admin").await;
    for (route, post) in API {
        for bad in NOT_IDS {
            let uri = route.replace("{id}", bad);
            let r = if post {
                app.post_json(&uri, Some(&token), &json!({})).await
            } else {
                app.get(&uri, Some(&token)).await
            };
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}: {}", r.json);
            assert_eq!(crate::error_code(&r), "not_found", "{uri}");
        }
    }
    for (route, post) in PAGES {
        for bad in NOT_IDS {
            let uri = route.replace("{id}", bad);
            let (method, form) = if post {
                (Method::POST, Some(""))
            } else {
                (Method::GET, None)
            };
            let p = send(&app, method, &uri, &cookie, form).await;
            assert_eq!(p.status, StatusCode::NOT_FOUND, "{uri}: {}", p.html);
        }
    }
}

both_databases!(path_ids_that_are_not_positive_whole_numbers_are_not_found);
