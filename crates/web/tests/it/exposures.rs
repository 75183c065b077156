//! Exposure places and declarations on the web (issue #18, parts 3 and 4): the staff review
//! page by role, proposing and publishing, the public page and API without personal data, a
//! device's own match and "I was there", a cross-origin POST refused, and the declaration
//! on the officer's list.

use axum::http::{Method, StatusCode};
use domain::epi::{CaseStatus, ScanMode, Severity, VenueKind};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use store::{
    both_databases, CaseRow, CheckinItem, HouseholdRow, PersonRef, PersonRow, Store, UnitRef,
    VenueRef, VenueRow,
};

use crate::ui::{send, send_raw};
use crate::App;

/// 2021-11-20 10:00 local.
const NOW: i64 = 1_637_377_200;
const DAY: i64 = 86_400;
const CASE_NAME: &str = "Nguyễn Văn Ca";
const CASE_PHONE: &str = "0987654321";
const CASE_ID: &str = "001090012345";

/// Persons 1 (the case, with phone and CCCD) and 2 of commune 00001, venue 1 there.
async fn seed(store: &Store) {
    let home = UnitRef::from(
        &store
            .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
            .await
            .unwrap()
            .unwrap(),
    );
    store
        .bulk_households(
            &[HouseholdRow {
                id: 1,
                unit: home.clone(),
                address: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    let person = |id: i64, name: &str, phone: Option<&str>, cccd: Option<&str>| PersonRow {
        id,
        full_name: name.into(),
        national_id: cccd.map(Into::into),
        phone: phone.map(Into::into),
        birth_date: None,
        sex: Sex::Unknown,
        unit: home.clone(),
        household_id: Some(1),
        synthetic: true,
    };
    store
        .bulk_persons(
            &[
                person(1, CASE_NAME, Some(CASE_PHONE), Some(CASE_ID)),
                person(2, "Lê Thị Hai", None, None),
            ],
            0,
        )
        .await
        .unwrap();
    store
        .bulk_venues(
            &[VenueRow {
                id: 1,
                name: "Chợ Hàng Da".into(),
                kind: VenueKind::Market,
                unit: home.clone(),
                address: None,
                capacity: None,
                open_min: 0,
                close_min: 24 * 60,
                qr_payload: "CDV1:V:1:TEST".into(),
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
                unit: home,
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: NOW - 2 * 3600,
                confirmed_at_s: NOW - 3600,
                isolation_s: Some(NOW - 3600),
                community: true,
                outcome_at_s: None,
            }],
            0,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
}

fn visit(person: i64, t: i64) -> CheckinItem {
    CheckinItem {
        client_id: format!("x{person}-{t}"),
        person: PersonRef::Id(person),
        venue: VenueRef::Id(1),
        t_in_s: t,
        t_out_s: Some(t + 3600),
        mode: ScanMode::StaffScan,
    }
}

/// The case and person 2 at the market two days ago (inside the case's infectious window).
async fn with_visits(app: &App) {
    let user = app
        .store
        .create_user(
            &store::NewUser {
                username: "seeder".into(),
                password_hash: "not used".into(),
                role: Role::Tracer,
                units: vec![store::UserUnit {
                    structure: Structure::S2021,
                    code: UnitCode::parse("VN").unwrap(),
                }],
            },
            NOW,
        )
        .await
        .unwrap();
    let mut caller = store::Caller::system("test");
    caller.user = user;
    app.state
        .ingest_checkins(
            &caller,
            &[visit(1, NOW - 2 * DAY), visit(2, NOW - 2 * DAY + 1800)],
            NOW,
        )
        .await
        .unwrap();
}

fn session(token: &str) -> String {
    format!("chongdich_token={token}")
}

/// A device cookie for person 2 (as the citizen page's registration would set).
async fn device_of_person_2(app: &App) -> String {
    let key = "d".repeat(43);
    app.state
        .store
        .add_citizen_device(&domain::auth::token_hash(&key), 2, NOW)
        .await
        .unwrap();
    format!("chongdich_device={key}")
}

fn assert_no_personal_data(html: &str) {
    for secret in [CASE_NAME, CASE_PHONE, CASE_ID] {
        assert!(!html.contains(secret), "{secret} leaked: {html}");
    }
}

async fn staff_propose_publish_and_the_public_sees_no_personal_data(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW));
    with_visits(&app).await;
    let tracer = app.login_as("tracer", Role::Tracer, &["VN"]).await;
    let viewer = app.login_as("viewer", Role::Viewer, &["VN"]).await;

    // Anonymous: to the login page; a role without personal data: refused.
    let p = send(&app, Method::GET, "/exposures", "", None).await;
    assert!(p.status.is_redirection() || p.status == StatusCode::UNAUTHORIZED);
    let p = send(&app, Method::GET, "/exposures", &session(&viewer), None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = send(
        &app,
        Method::POST,
        "/exposures/propose",
        &session(&viewer),
        Some(""),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    // The tracer proposes: one place, by name, commune by name, Vietnamese date and hours.
    let p = send(
        &app,
        Method::POST,
        "/exposures/propose",
        &session(&tracer),
        Some(""),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let p = send(&app, Method::GET, "/exposures", &session(&tracer), None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Chợ Hàng Da"), "{}", p.html);
    assert!(
        p.html.contains("Phúc Xá") && p.html.contains("18/11/2021"),
        "{}",
        p.html
    );
    assert!(p.html.contains("10:00–11:00"), "{}", p.html);
    assert!(p.html.contains("href=\"/exposures\""), "nav link");

    // Not published yet: the public sees nothing.
    let public = send(&app, Method::GET, "/public/exposures", "", None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(!public.html.contains("Chợ Hàng Da"));

    // Unknown id: 404; a viewer may not publish.
    let p = send(
        &app,
        Method::POST,
        "/exposures/999/publish",
        &session(&tracer),
        Some(""),
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let id = place_id(&app).await;
    let url = format!("/exposures/{id}/publish");
    let p = send(&app, Method::POST, &url, &session(&viewer), Some("")).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = send(&app, Method::POST, &url, &session(&tracer), Some("")).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    // Public page and API: the place, and none of the case's name, phone or CCCD.
    let public = send(&app, Method::GET, "/public/exposures", "", None).await;
    assert!(
        public.html.contains("Chợ Hàng Da") && public.html.contains("Quận Ba Đình"),
        "{}",
        public.html
    );
    assert_no_personal_data(&public.html);
    let api = app.get("/api/v1/public/exposures", None).await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json["items"][0]["venue"], "Chợ Hàng Da");
    assert_no_personal_data(&api.json.to_string());
    let doc = app.get("/openapi.json", None).await;
    assert!(doc.json["paths"]["/api/v1/public/exposures"].is_object());

    // Withdrawn: gone from the public page.
    let url = format!("/exposures/{id}/withdraw");
    let p = send(&app, Method::POST, &url, &session(&tracer), Some("")).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let public = send(&app, Method::GET, "/public/exposures", "", None).await;
    assert!(!public.html.contains("Chợ Hàng Da"));
}

both_databases!(staff_propose_publish_and_the_public_sees_no_personal_data);

async fn place_id(app: &App) -> i64 {
    let system = store::Caller::system("test");
    app.state.exposures_to_review(&system).await.unwrap()[0].id
}

async fn a_device_sees_its_match_declares_and_the_officer_lists_it(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW));
    with_visits(&app).await;
    app.state.propose_exposures(None).await.unwrap();
    let id = place_id(&app).await;
    let tracer = app.login_as("tracer", Role::Tracer, &["VN"]).await;
    let url = format!("/exposures/{id}/publish");
    send(&app, Method::POST, &url, &session(&tracer), Some("")).await;

    // No device: nothing to show, nothing to declare.
    let p = send(&app, Method::GET, "/me/exposures", "", None).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let declare = format!("/me/exposures/{id}/declare");
    let p = send(&app, Method::POST, &declare, "", Some("")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    let device = device_of_person_2(&app).await;
    let p = send(&app, Method::GET, "/me/exposures", &device, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.html
            .contains("Bạn đã ở Chợ Hàng Da từ 10:30 đến 11:00 ngày 18/11/2021"),
        "{}",
        p.html
    );
    assert!(
        p.html.contains("5599/BYT-MT") && p.html.contains("Tôi đã ở đó"),
        "{}",
        p.html
    );
    assert_no_personal_data(&p.html);

    // Cross-origin: refused, nothing declared.
    let cross = send_raw(
        &app,
        Method::POST,
        &declare,
        &format!("{device}; chongdich_csrf={}", "p".repeat(43)),
        Some(&format!("csrf={}", "p".repeat(43))),
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let officer = app.login_as("officer", Role::Tracer, &["00001"]).await;
    let list = send(&app, Method::GET, "/contacts", &session(&officer), None).await;
    assert!(!list.html.contains("Lê Thị Hai"), "{}", list.html);

    // "I was there": thanked; on the officer's list, by name, with the place and time.
    let p = send(&app, Method::POST, &declare, &device, Some("")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("Cảm ơn"));
    let list = send(&app, Method::GET, "/contacts", &session(&officer), None).await;
    assert!(list.html.contains("Người dân tự khai báo"), "{}", list.html);
    assert!(
        list.html.contains("Lê Thị Hai") && list.html.contains("Chợ Hàng Da, 10:00–11:00"),
        "{}",
        list.html
    );
    // An officer of another commune does not see it.
    let other = app.login_as("other", Role::Tracer, &["00004"]).await;
    let list = send(&app, Method::GET, "/contacts", &session(&other), None).await;
    assert!(!list.html.contains("Lê Thị Hai"));

    // A place that is not published: 404.
    let p = send(
        &app,
        Method::POST,
        "/me/exposures/999/declare",
        &device,
        Some(""),
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

both_databases!(a_device_sees_its_match_declares_and_the_officer_lists_it);

async fn the_public_declaration_form_checks_ranges_and_reaches_the_officer(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW));
    let p = send(&app, Method::GET, "/public/declare", "", None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Mất vị giác") && p.html.contains("name=\"symptoms\""));
    assert_no_personal_data(&p.html);
    let ok = "full_name=Tr%E1%BA%A7n+Th%E1%BB%8B+Mai&phone=0912345678&birth_year=1990\
              &commune=00001&symptoms=fever&symptoms=cough&onset=2021-11-19";
    // Out of range or unknown: refused with the field named, nothing declared.
    for bad in [
        ok.replace("birth_year=1990", "birth_year=1800"),
        ok.replace("birth_year=1990", "birth_year=abc"),
        ok.replace("commune=00001", "commune=Nowhere"),
        ok.replace("onset=2021-11-19", "onset=2021-12-30"),
        ok.replace("symptoms=fever", "symptoms=hiccups"),
        ok.replace("&symptoms=fever&symptoms=cough&onset=2021-11-19", ""),
        ok.replace("phone=0912345678&", ""),
    ] {
        let p = send(&app, Method::POST, "/public/declare", "", Some(&bad)).await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            p.html
        );
    }
    // Cross-origin: refused.
    let t = "p".repeat(43);
    let cross = send_raw(
        &app,
        Method::POST,
        "/public/declare",
        &format!("chongdich_csrf={t}"),
        Some(&format!("{ok}&csrf={t}")),
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let officer = app.login_as("officer", Role::Tracer, &["00001"]).await;
    let list = send(&app, Method::GET, "/contacts", &session(&officer), None).await;
    assert!(!list.html.contains("Trần Thị Mai"));

    let p = send(&app, Method::POST, "/public/declare", "", Some(ok)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("Cảm ơn"));
    let list = send(&app, Method::GET, "/contacts", &session(&officer), None).await;
    assert!(
        list.html.contains("Trần Thị Mai") && list.html.contains("Sốt, Ho"),
        "{}",
        list.html
    );
    assert!(list.html.contains("19/11/2021"));
}

both_databases!(the_public_declaration_form_checks_ranges_and_reaches_the_officer);

/// Person 2's symptom declaration (as the device's form would record it); its id.
async fn declaration_of_person_2(app: &App) -> i64 {
    let input = app::exposures::DeclareInput {
        person_id: Some(2),
        symptoms: vec!["fever".into()],
        onset: Some("2021-11-19".into()),
        ..Default::default()
    };
    app.state
        .declare(&store::Caller::system(store::CITIZEN_ACTOR), &input)
        .await
        .unwrap()
        .id
}

async fn outcome(app: &App, id: i64) -> i64 {
    store::testing::scalar(
        &app.state.store,
        &format!("SELECT COUNT(*) FROM declarations WHERE id = {id} AND outcome IS NOT NULL"),
    )
    .await
}

async fn the_officer_marks_a_declaration_of_their_ward_only(store: Store) {
    seed(&store).await;
    let app = App::at(store, Some(NOW));
    let id = declaration_of_person_2(&app).await;
    let officer = app.login_as("officer", Role::Tracer, &["00001"]).await;
    let other = app.login_as("other", Role::Tracer, &["00004"]).await;
    let viewer = app.login_as("viewer", Role::Viewer, &["VN"]).await;
    let url = format!("/declarations/{id}/outcome");

    // Open: listed with the form, in Vietnamese.
    let list = send(&app, Method::GET, "/contacts", &session(&officer), None).await;
    assert!(
        list.html.contains("Lê Thị Hai")
            && list.html.contains("Chưa liên hệ")
            && list.html.contains(&format!("action=\"{url}\""))
            && list.html.contains("Xác định là F1"),
        "{}",
        list.html
    );

    // Who may not: no account, a viewer (403), a forged form (403), another ward (404),
    // an unknown id (404), an outcome outside the list (400). Nothing changed.
    let p = send(&app, Method::POST, &url, "", Some("outcome=reached")).await;
    assert!(p.status.is_redirection() || p.status == StatusCode::UNAUTHORIZED);
    let p = send(
        &app,
        Method::POST,
        &url,
        &session(&viewer),
        Some("outcome=reached"),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let forged = send_raw(
        &app,
        Method::POST,
        &url,
        &session(&officer),
        Some("outcome=reached"),
        &[],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let p = send(
        &app,
        Method::POST,
        &url,
        &session(&other),
        Some("outcome=reached"),
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = send(
        &app,
        Method::POST,
        "/declarations/99999/outcome",
        &session(&officer),
        Some("outcome=reached"),
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = send(
        &app,
        Method::POST,
        &url,
        &session(&officer),
        Some("outcome=maybe"),
    )
    .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert_eq!(outcome(&app, id).await, 0);

    // The officer: confirmed as an F1, back to the list; the open list no longer has it.
    let p = send(
        &app,
        Method::POST,
        &url,
        &session(&officer),
        Some("outcome=became_f1&back=%2Fcontacts%3Fdeclarations%3Dall%26%23declarations"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(
        p.location.as_deref(),
        Some("/contacts?declarations=all&#declarations")
    );
    assert_eq!(outcome(&app, id).await, 1);
    let list = send(&app, Method::GET, "/contacts", &session(&officer), None).await;
    assert!(!list.html.contains("Lê Thị Hai"), "{}", list.html);
    // With the handled ones: the outcome, by whom, and the F1 as a link to the person.
    let list = send(
        &app,
        Method::GET,
        "/contacts?declarations=all",
        &session(&officer),
        None,
    )
    .await;
    assert!(
        list.html
            .contains("<a href=\"/persons/2\">Xác định là F1: Lê Thị Hai</a>")
            && list.html.contains("officer, "),
        "{}",
        list.html
    );
    let audited = store::testing::scalar(
        &app.state.store,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'declaration' AND action = 'update'",
    )
    .await;
    assert_eq!(audited, 1);
}

both_databases!(the_officer_marks_a_declaration_of_their_ward_only);
