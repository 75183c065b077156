//! Entry by form (issue #15, item 2): the person form and the dose form call the API's use
//! cases; a refusal shows each field's error in the page's language with the values kept;
//! a viewer is refused; a commune outside the scope is refused.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::App;

async fn the_person_form_registers_and_names_bad_fields(store: Store) {
    let app = App::new(store);
    app.add_user("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    app.add_user("viewer", Role::Viewer, &["VN"]).await;
    let cookie = sign_in(&app, "phucxa").await;

    // The form offers the communes of the scope by name, not a code box.
    let form = send(&app, Method::GET, "/persons/new", &cookie, None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("Phường Phúc Xá"), "{}", form.html);
    assert!(
        form.html.contains(r#"<option value="00001""#),
        "{}",
        form.html
    );
    assert!(
        !form.html.contains(r#"<option value="00004""#),
        "only the scope's communes"
    );
    assert!(
        form.html.contains(r#"name="csrf""#),
        "the form carries its token"
    );

    // Refused: every bad field beside its input, in Vietnamese, the values kept.
    let bad = send(
        &app,
        Method::POST,
        "/persons/new",
        &cookie,
        Some("full_name=&birth_date=2099-01-01&sex=male&national_id=12ab&phone=0912345678&address=&unit="),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.html.contains("Bắt buộc phải nhập."), "{}", bad.html);
    for id in [
        "p-full_name-error",
        "p-birth_date-error",
        "p-national_id-error",
        "p-unit-error",
    ] {
        assert!(bad.html.contains(id), "{id}: {}", bad.html);
    }
    assert!(bad.html.contains(r#"value="0912345678""#), "the phone kept");
    assert!(
        !bad.html.contains("Required"),
        "no English on a Vietnamese page"
    );

    // A commune outside the scope is refused by name, and nothing is saved.
    let outside = send(
        &app,
        Method::POST,
        "/persons/new",
        &cookie,
        Some("full_name=L%C3%AA+V%C4%83n+C%C6%B0%E1%BB%9Dng&unit=00004"),
    )
    .await;
    assert_eq!(outside.status, StatusCode::BAD_REQUEST);
    assert!(outside.html.contains("p-unit-error"), "{}", outside.html);

    // Saved: to the person page, with the address.
    let ok = send(
        &app,
        Method::POST,
        "/persons/new",
        &cookie,
        Some("full_name=Nguy%E1%BB%85n+V%C4%83n+Ki%E1%BB%83m&birth_date=1990-05-01&sex=male&national_id=001090012345&phone=0912345678&address=12+H%C3%A0ng+Da&unit=00001"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    let at = ok.location.clone().unwrap();
    assert!(at.starts_with("/persons/"), "{at}");
    let page = send(&app, Method::GET, &at, &cookie, None).await;
    assert!(page.html.contains("Nguyễn Văn Kiểm"));
    assert!(page.html.contains("12 Hàng Da"), "{}", page.html);

    // The same national ID again: refused by field, as the API answers 409.
    let again = send(
        &app,
        Method::POST,
        "/persons/new",
        &cookie,
        Some("full_name=Kiem&national_id=001090012345&unit=00001"),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.html.contains("p-national_id-error"), "{}", again.html);

    // A viewer may not register anyone.
    let viewer = sign_in(&app, "viewer").await;
    for method in [Method::GET, Method::POST] {
        let r = send(
            &app,
            method,
            "/persons/new",
            &viewer,
            Some("full_name=X&unit=00001"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

async fn the_dose_form_records_a_dose_and_names_bad_fields(store: Store) {
    let app = App::new(store);
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let r = app
        .post_json(
            "/api/v1/persons",
            Some(&token),
            &json!({"full_name": "Trần Thị Bình", "unit": "00001"}),
        )
        .await;
    let id = r.json["id"].as_i64().unwrap();
    let r = app
        .post_json(
            "/api/v1/persons",
            Some(&admin),
            &json!({"full_name": "Lê Văn Cường", "unit": "00004"}),
        )
        .await;
    let outside = r.json["id"].as_i64().unwrap();
    let cookie = sign_in(&app, "phucxa").await;
    let page = send(&app, Method::GET, &format!("/persons/{id}"), &cookie, None).await;
    assert!(page
        .html
        .contains(&format!(r#"action="/persons/{id}/doses""#)));

    let bad = send(
        &app,
        Method::POST,
        &format!("/persons/{id}/doses"),
        &cookie,
        Some(&format!(
            "product=&dose_no=9&given_on=2020-01-01&unit=00001&lot={}",
            "A".repeat(41)
        )),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.html.contains("Số lô vắc xin"), "{}", bad.html);
    assert!(bad.html.contains("Vắc xin"), "{}", bad.html);
    assert!(bad.html.contains("Mũi số"), "{}", bad.html);
    assert!(bad.html.contains("Ngày tiêm"), "{}", bad.html);
    assert!(bad.html.contains("Bắt buộc phải nhập."), "{}", bad.html);

    let ok = send(
        &app,
        Method::POST,
        &format!("/persons/{id}/doses"),
        &cookie,
        Some("product=astrazeneca&dose_no=1&given_on=2021-08-01&unit=00001&lot=+NX1234+"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    let doses = app
        .get(&format!("/api/v1/persons/{id}/vaccinations"), Some(&token))
        .await;
    assert_eq!(doses.json.as_array().unwrap().len(), 1, "{}", doses.json);
    assert_eq!(doses.json[0]["product"], "astrazeneca");
    assert_eq!(doses.json[0]["lot"], "NX1234", "trimmed");
    // The person page names the vaccine and its lot.
    let person = send(&app, Method::GET, &format!("/persons/{id}"), &cookie, None).await;
    assert!(
        person.html.contains("AstraZeneca") && person.html.contains("lô NX1234"),
        "{}",
        person.html
    );

    // A person outside the scope: as the page, not found; nothing recorded.
    let hidden = send(
        &app,
        Method::POST,
        &format!("/persons/{outside}/doses"),
        &cookie,
        Some("product=astrazeneca&dose_no=1&given_on=2021-08-01&unit=00001"),
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let doses = app
        .get(
            &format!("/api/v1/persons/{outside}/vaccinations"),
            Some(&admin),
        )
        .await;
    assert_eq!(doses.json.as_array().unwrap().len(), 0);
}

both_databases!(
    the_person_form_registers_and_names_bad_fields,
    the_dose_form_records_a_dose_and_names_bad_fields
);
