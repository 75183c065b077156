//! The line list of new cases (issue #15, item 2): rows for registered and new persons saved
//! together, or with one bad row nothing saved and each row's field named in Vietnamese;
//! the API's batch does the same; a viewer is refused; a person out of scope is refused.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::{error_fields, App};

/// 2021-11-20 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;

fn row(i: usize, fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "r{i}.{k}={}",
                form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn test_fields(severity: &str) -> Vec<(&str, &str)> {
    vec![
        ("sample_at", "2021-11-20T07:00"),
        ("kind", "pcr"),
        ("result_at", "2021-11-20T09:00"),
        ("ct", "22,5"),
        ("severity", severity),
    ]
}

async fn cases_list(app: &App, token: &str) -> usize {
    app.all_items("/api/v1/cases", token).await.len()
}

async fn a_line_list_saves_all_rows_or_none(store: Store) {
    let app = App::at(store, Some(NOW));
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    app.add_user("viewer", Role::Viewer, &["VN"]).await;
    let binh = app
        .post_json(
            "/api/v1/persons",
            Some(&token),
            &json!({"full_name": "Trần Thị Bình", "unit": "00001"}),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let cookie = sign_in(&app, "phucxa").await;

    let form = send(&app, Method::GET, "/cases/new", &cookie, None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains(r#"name="r4.full_name""#), "five rows");
    assert!(!form.html.contains(r#"name="r5.full_name""#));
    let more = send(&app, Method::GET, "/cases/new?rows=8", &cookie, None).await;
    assert!(
        more.html.contains(r#"name="r7.full_name""#),
        "more rows by the query"
    );

    // Row 2 has no severity: nothing is saved, the row and field named in Vietnamese, the
    // values kept.
    let binh_s = binh.to_string();
    let mut first = vec![("person_id", binh_s.as_str())];
    first.extend(test_fields("mild"));
    let mut second = vec![
        ("full_name", "Lê Văn Tám"),
        ("birth_date", "1985-03-02"),
        ("phone", "0912000002"),
        ("unit", "00001"),
    ];
    second.extend(test_fields(""));
    let body = format!("rows=5&action=save&{}&{}", row(0, &first), row(1, &second));
    let bad = send(&app, Method::POST, "/cases/new", &cookie, Some(&body)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.html);
    assert!(bad.html.contains("Chưa lưu dòng nào"), "{}", bad.html);
    assert!(bad.html.contains("Dòng 2"), "{}", bad.html);
    assert!(bad.html.contains("Bắt buộc phải nhập."), "{}", bad.html);
    assert!(bad.html.contains(r#"value="Lê Văn Tám""#), "values kept");
    assert_eq!(cases_list(&app, &token).await, 0, "nothing saved");

    // "More rows" keeps what was typed and saves nothing.
    let body_more = format!("rows=5&action=more&{}", row(1, &second));
    let kept = send(&app, Method::POST, "/cases/new", &cookie, Some(&body_more)).await;
    assert_eq!(kept.status, StatusCode::OK);
    assert!(kept.html.contains(r#"name="r9.full_name""#));
    assert!(kept.html.contains(r#"value="Lê Văn Tám""#));

    // Fixed: both saved, with links to the cases and persons.
    let mut second = second.clone();
    second.retain(|(k, _)| *k != "severity");
    second.push(("severity", "moderate"));
    let body = format!("rows=5&action=save&{}&{}", row(0, &first), row(1, &second));
    let ok = send(&app, Method::POST, "/cases/new", &cookie, Some(&body)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.html);
    assert!(ok.html.contains("Đã lưu 2 ca bệnh"), "{}", ok.html);
    assert!(ok.html.contains(&format!(r#"href="/persons/{binh}""#)));
    assert_eq!(cases_list(&app, &token).await, 2);

    // A person out of scope: refused by row, nothing saved.
    let outside = app
        .post_json(
            "/api/v1/persons",
            Some(&admin),
            &json!({"full_name": "Lê Văn Cường", "unit": "00004"}),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let mut row_out = vec![("person_id", outside.as_str())];
    row_out.extend(test_fields("mild"));
    let body = format!("rows=5&action=save&{}", row(0, &row_out));
    let refused = send(&app, Method::POST, "/cases/new", &cookie, Some(&body)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.html.contains("Dòng 1"), "{}", refused.html);
    assert_eq!(cases_list(&app, &admin).await, 2);

    // The API's batch: all or nothing too, each field named by its row.
    let good = json!({"person": {"full_name": "Đỗ Thị Mai", "unit": "00001"},
        "severity": "mild",
        "test": {"kind": "antigen", "sample_at": "2021-11-20T07:00:00+07:00",
                 "result_at": "2021-11-20T07:30:00+07:00"}});
    let bad_row = json!({"person_id": binh, "severity": "mild"});
    let r = app
        .post_json(
            "/api/v1/cases/batch",
            Some(&token),
            &json!({"rows": [good, bad_row]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(error_fields(&r), vec!["rows.1.test"]);
    assert_eq!(cases_list(&app, &token).await, 2);
    let r = app
        .post_json(
            "/api/v1/cases/batch",
            Some(&token),
            &json!({"rows": [good]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(r.json[0]["new_person"], true);
    assert_eq!(cases_list(&app, &token).await, 3);

    // A viewer may not enter cases.
    let viewer = sign_in(&app, "viewer").await;
    for method in [Method::GET, Method::POST] {
        let r = send(&app, method, "/cases/new", &viewer, Some("rows=5")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

both_databases!(a_line_list_saves_all_rows_or_none);
