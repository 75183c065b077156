//! `/care-elsewhere` and `GET /api/v1/care-elsewhere` (issue #17, "What travels" 4): every
//! signed-in role sees the counts per partner; only roles that may read personal data see
//! the persons' names; a resident outside the caller's jurisdiction is not counted.

use chrono::NaiveDate;
use domain::person::Sex;
use domain::{PersonId, Role, Structure, UnitCode};
use serde_json::json;
use store::{both_databases, CareItem, CareKind, PersonRow, Store, UnitRef};

use crate::App;

/// 2021-11-20T03:00:00Z.
const NOW: i64 = 1_637_377_200;

/// Persons 1 and 2 of Hà Nội's commune 00001: HCMC ("79") vaccinated both and helped 1
/// home; Bình Dương ("74") treated 2.
async fn cared(store: &Store) {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let u = UnitRef::from(&u);
    let persons: Vec<PersonRow> = [(1, "Nguyễn Thị Hậu"), (2, "Trần Văn Giang")]
        .into_iter()
        .map(|(id, name)| PersonRow {
            id,
            full_name: name.into(),
            national_id: None,
            phone: None,
            birth_date: NaiveDate::from_ymd_opt(1985, 3, 3),
            sex: Sex::Female,
            unit: u.clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, NOW).await.unwrap();
    let item = |partner: &str, key: &str, person: i64, kind, on: &str| CareItem {
        partner: partner.into(),
        item_key: key.into(),
        person_id: PersonId(person),
        kind,
        on_date: NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap(),
        detail: None,
    };
    let mut tx = store.begin_transaction().await.unwrap();
    for i in [
        item("79", "dose:p1-d1", 1, CareKind::Vaccinated, "2021-09-01"),
        item("79", "dose:p2-d1", 2, CareKind::Vaccinated, "2021-09-02"),
        item("79", "home:1", 1, CareKind::HelpedHome, "2021-10-02"),
        item("74", "stay:9", 2, CareKind::Treated, "2021-10-05"),
        // Outside the range asked.
        item("79", "dose:p1-d2", 1, CareKind::Vaccinated, "2021-06-01"),
    ] {
        assert!(store
            .insert_care_elsewhere_in(&mut tx, &i, NOW)
            .await
            .unwrap());
    }
    tx.commit().await.unwrap();
}

const RANGE: &str = "from=2021-08-01&to=2021-11-20";

async fn counts_for_every_role_names_only_for_readers_of_personal_data(store: Store) {
    cared(&store).await;
    let app = App::at(store.clone(), Some(NOW));
    for (name, role, names) in [
        ("tracer", Role::Tracer, true),
        ("command", Role::Command, true),
        ("viewer", Role::Viewer, false),
    ] {
        let token = app.login_as(name, role, &["VN"]).await;
        let r = app
            .get(&format!("/api/v1/care-elsewhere?{RANGE}"), Some(&token))
            .await;
        assert_eq!(r.status, 200, "{name}: {:?}", r.json);
        let partners = r.json["partners"].as_array().unwrap();
        assert_eq!(partners.len(), 2, "{name}: {:?}", r.json);
        let hcm = partners.iter().find(|p| p["code"] == "79").unwrap();
        assert_eq!(
            (&hcm["vaccinated"], &hcm["treated"], &hcm["helped_home"]),
            (&2.into(), &0.into(), &1.into()),
            "{name}"
        );
        assert_eq!(hcm["letter"], "/aid/letters/new?to=79&kind=residents_cared");
        assert_eq!(hcm["persons"].is_array(), names, "{name}: {hcm:?}");

        let html = app
            .get_html(&format!("/care-elsewhere?{RANGE}"), &token)
            .await;
        assert!(
            html.contains("Người dân được chăm sóc ở địa phương khác"),
            "{name}"
        );
        assert!(html.contains("Gửi thư cảm ơn"));
        assert!(html.contains("/aid/letters/new?to=79&amp;kind=residents_cared"));
        assert!(html.contains("<td>2</td>"), "{name}: the two doses");
        assert_eq!(html.contains("Nguyễn Thị Hậu"), names, "{name}");
        assert_eq!(html.contains("Trần Văn Giang"), names, "{name}");
    }
    // HCMC's own official: Hà Nội's residents are not theirs.
    let token = app.login_as("hcm", Role::Tracer, &["79"]).await;
    let r = app
        .get(&format!("/api/v1/care-elsewhere?{RANGE}"), Some(&token))
        .await;
    assert_eq!(r.json["partners"].as_array().unwrap().len(), 0);
    // A malformed date is named.
    let r = app
        .get("/api/v1/care-elsewhere?from=yesterday", Some(&token))
        .await;
    assert_eq!(r.status, 400);
    // Without a session: none of it.
    let r = app.get("/api/v1/care-elsewhere", None).await;
    assert_eq!(r.status, 401);
}

both_databases!(counts_for_every_role_names_only_for_readers_of_personal_data);

/// Locality "01" (linked with "79", `share::linked`): person 1 lives here; person 2 lives in
/// HCMC's commune 26740 and is staying here.
async fn linked_with_a_visitor(store: Store) -> App {
    let app = crate::share::linked(store).await;
    let u = app
        .store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("26740").unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store
        .bulk_persons(
            &[PersonRow {
                id: 2,
                full_name: "Lê Thị Sài".into(),
                national_id: Some("079185000002".into()),
                phone: None,
                birth_date: NaiveDate::from_ymd_opt(1990, 5, 5),
                sex: Sex::Female,
                unit: UnitRef::from(&u),
                household_id: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    app.store.sync_id_sequences().await.unwrap();
    app
}

/// The person page's "helped home" form and `POST /api/v1/persons/{id}/helped-home`: shown
/// and taken only for a person living in another linked locality and a role that writes
/// personal data (a viewer is refused both); a form without its anti-forgery token is
/// refused; a day in the future or before 2020-01-23 and a note over 500 characters are
/// refused with the field named; what is taken is recorded and sent home.
async fn helped_home_form_and_api_by_role_csrf_and_ranges(store: Store) {
    use axum::http::{Method, StatusCode};

    use crate::ui::{send, send_raw, sign_in};

    let app = linked_with_a_visitor(store).await;
    app.add_user("tracer", Role::Tracer, &["VN"]).await;
    app.add_user("xem", Role::Viewer, &["VN"]).await;
    let tracer = sign_in(&app, "tracer").await;
    let viewer = sign_in(&app, "xem").await;
    let form = r#"action="/persons/2/helped-home""#;

    // The tracer sees the form for the visitor, with its token; not for our own resident.
    let page = send(&app, Method::GET, "/persons/2", &tracer, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(form), "{}", page.html);
    assert!(page.html.contains(r#"name="csrf""#));
    assert!(page.html.contains("Ghi nhận hỗ trợ về quê"));
    let own = send(&app, Method::GET, "/persons/1", &tracer, None).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(!own.html.contains("/helped-home"));

    // A viewer: no page, no form, no API.
    let p = send(&app, Method::GET, "/persons/2", &viewer, None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = send(
        &app,
        Method::POST,
        "/persons/2/helped-home",
        &viewer,
        Some("on=2021-10-02"),
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let viewer_token = app.login_as("viewer-api", Role::Viewer, &["VN"]).await;
    let r = app
        .post_json(
            "/api/v1/persons/2/helped-home",
            Some(&viewer_token),
            &json!({"on": "2021-10-02"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The form without its token (our origin, the session cookie): refused.
    let p = send_raw(
        &app,
        Method::POST,
        "/persons/2/helped-home",
        &tracer,
        Some("on=2021-10-02&note=xe"),
        &[("host", "localhost"), ("origin", "http://localhost")],
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(app
        .store
        .helped_home_of(PersonId(2))
        .await
        .unwrap()
        .is_empty());

    // Ranges, by form (the field named in the page's language) and by API.
    let token = app.login_as("api", Role::Tracer, &["VN"]).await;
    let long = "a".repeat(app::care_away::NOTE_MAX_CHARS + 1);
    for (on, note, field, label) in [
        ("2099-01-01", "xe", "on", "Ngày về quê"),
        ("2020-01-22", "xe", "on", "Ngày về quê"),
        ("02/10/2021", "xe", "on", "Ngày về quê"),
        ("2021-10-02", long.as_str(), "note", "Phương tiện, ghi chú"),
    ] {
        let body = format!("on={on}&note={note}").replace('/', "%2F");
        let p = send(
            &app,
            Method::POST,
            "/persons/2/helped-home",
            &tracer,
            Some(&body),
        )
        .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{on}");
        assert!(
            p.html.contains(&format!("<strong>{label}</strong>")),
            "{on}: {}",
            p.html
        );
        let r = app
            .post_json(
                "/api/v1/persons/2/helped-home",
                Some(&token),
                &json!({"on": on, "note": note}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{on}: {:?}", r.json);
        assert_eq!(crate::error_fields(&r), [field], "{on}");
    }
    assert!(app
        .store
        .helped_home_of(PersonId(2))
        .await
        .unwrap()
        .is_empty());

    // Our own resident has no home elsewhere: `person_id` not allowed.
    let r = app
        .post_json(
            "/api/v1/persons/1/helped-home",
            Some(&token),
            &json!({"on": "2021-10-02"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(crate::error_fields(&r), ["person_id"]);

    // Taken: by form (back to the person page) and by API; each sent to HCMC.
    let p = send(
        &app,
        Method::POST,
        "/persons/2/helped-home",
        &tracer,
        Some("on=2021-10-02&note=xe+kh%C3%A1ch"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(p.location.as_deref(), Some("/persons/2?helped=1"));
    let r = app
        .post_json(
            "/api/v1/persons/2/helped-home",
            Some(&token),
            &json!({"on": "2021-10-03", "note": "máy bay"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    assert!(r.json["id"].as_i64().is_some());
    let helped = app.store.helped_home_of(PersonId(2)).await.unwrap();
    assert_eq!(helped.len(), 2);
    assert_eq!(helped[1].note.as_deref(), Some("xe khách"));
    let sent = app.store.unsent(10).await.unwrap();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|m| m.1 == "link.01.79.care"));
    let page = send(&app, Method::GET, "/persons/2?helped=1", &tracer, None).await;
    assert!(page.html.contains("Đã ghi nhận hỗ trợ về quê"));
    assert!(page.html.contains("xe khách"));
}

both_databases!(helped_home_form_and_api_by_role_csrf_and_ranges);
