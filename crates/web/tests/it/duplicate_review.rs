//! The duplicate-review list (issue #15, item 1): suspected pairs in scope, side by side,
//! merged after a confirmation; a merged pair leaves the list.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::App;

async fn person(app: &App, token: &str, body: serde_json::Value) -> i64 {
    let r = app.post_json("/api/v1/persons", Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

async fn a_suspected_pair_is_listed_and_merged(store: Store) {
    let app = App::new(store);
    let phuc_xa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    app.add_user("viewer", Role::Viewer, &["00001"]).await;
    // The same name without diacritics and birth date: a pair.
    let a = person(
        &app,
        &phuc_xa,
        json!({"full_name": "Nguyễn Văn Kiểm", "birth_date": "1990-05-01", "unit": "00001"}),
    )
    .await;
    let b = person(
        &app,
        &phuc_xa,
        json!({"full_name": "Nguyen Van Kiem", "birth_date": "1990-05-01", "phone": "0912345678", "unit": "00001"}),
    )
    .await;
    // The same phone and folded name, but one record outside Phúc Xá: not Phúc Xá's pair.
    let c = person(
        &app,
        &phuc_xa,
        json!({"full_name": "Trần Thị Bình", "phone": "0987654321", "unit": "00001"}),
    )
    .await;
    let d = person(
        &app,
        &admin,
        json!({"full_name": "Tran Thi Binh", "phone": "0987654321", "unit": "00004"}),
    )
    .await;
    // Different people.
    person(
        &app,
        &phuc_xa,
        json!({"full_name": "Nguyễn Văn Kiểm", "birth_date": "1991-05-01", "unit": "00001"}),
    )
    .await;

    let pairs = app.all_items("/api/v1/persons/duplicates", &phuc_xa).await;
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0]["a"]["id"], a);
    assert_eq!(pairs[0]["b"]["id"], b);
    assert_eq!(pairs[0]["reason"], "name_birth");
    let all = app
        .all_items("/api/v1/persons/duplicates?limit=1", &admin)
        .await;
    let ids: Vec<(i64, i64)> = all
        .iter()
        .map(|p| {
            (
                p["a"]["id"].as_i64().unwrap(),
                p["b"]["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids.len(), 2, "pages by cursor: {ids:?}");
    assert!(ids.contains(&(a, b)) && ids.contains(&(c, d)));

    // The page shows both records side by side, with the merge behind a confirmation.
    let cookie = sign_in(&app, "phucxa").await;
    let page = send(&app, Method::GET, "/persons/duplicates", &cookie, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Nguyễn Văn Kiểm") && page.html.contains("Nguyen Van Kiem"));
    assert!(
        page.html.contains("Cùng họ tên và ngày sinh"),
        "{}",
        page.html
    );
    assert!(
        !page.html.contains(&format!("/persons/{d}\"")),
        "outside the scope"
    );
    let confirm_at = format!("/persons/merge?a={a}&amp;b={b}");
    assert!(page.html.contains(&confirm_at), "{}", page.html);
    let confirm = send(
        &app,
        Method::GET,
        &format!("/persons/merge?a={a}&b={b}"),
        &cookie,
        None,
    )
    .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.html.contains(r#"action="/persons/merge""#));
    assert!(confirm.html.contains(r#"name="csrf""#));

    // A viewer reads no personal data: neither the list nor a merge.
    let viewer = sign_in(&app, "viewer").await;
    let seen = send(&app, Method::GET, "/persons/duplicates", &viewer, None).await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN);
    let refused = send(
        &app,
        Method::POST,
        "/persons/merge",
        &viewer,
        Some(&format!("from={b}&into={a}")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Merged: the pair leaves the list.
    let merged = send(
        &app,
        Method::POST,
        "/persons/merge",
        &cookie,
        Some(&format!("from={b}&into={a}")),
    )
    .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.html);
    let after = send(
        &app,
        Method::GET,
        "/persons/duplicates?merged=1",
        &cookie,
        None,
    )
    .await;
    assert!(after.html.contains("Đã gộp hai hồ sơ."));
    assert!(
        !after.html.contains(&format!("/persons/{b}\"")),
        "{}",
        after.html
    );
    assert!(app
        .all_items("/api/v1/persons/duplicates", &phuc_xa)
        .await
        .is_empty());
    let merged_b = app
        .get(&format!("/api/v1/persons/{b}"), Some(&phuc_xa))
        .await;
    assert_eq!(merged_b.json["merged_into"], a);
}

both_databases!(a_suspected_pair_is_listed_and_merged);
