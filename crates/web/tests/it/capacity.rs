//! Planned capacity over HTTP (issue #15, item 7): `POST /api/v1/capacity/plan` with its
//! checks per field and roles, the plan in force by date, the form on the facilities page
//! (with its anti-forgery token, refusals per field in the page's language), and the planned
//! beds on the facilities and forecast pages.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::json;
use store::{both_databases, Store};

use crate::ui::{send, send_raw, sign_in};
use crate::{error_code, error_fields, App};

/// 2021-11-20T03:00:00Z = 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;

async fn the_api_records_the_plan_and_names_each_bad_field(store: Store) {
    let app = App::at(store, Some(NOW));
    let command = app.login_as("chihuy", Role::Command, &["01"]).await;
    let viewer = app.login_as("xem", Role::Viewer, &["01"]).await;
    let beds = app
        .login_as("benhvien", Role::FacilityManager, &["01"])
        .await;
    let places = json!({"unit": "01", "bed_type": "quarantine", "beds": 70000,
                        "from": "2021-09-01", "note": "Kế hoạch của Hà Nội"});
    let r = app
        .post_json("/api/v1/capacity/plan", Some(&command), &places)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert!(r.json["id"].as_i64().is_some());
    let f0 = json!({"unit": "01", "bed_type": "f0_tier1", "beds": 30000, "from": "2021-09-01"});
    let r = app
        .post_json("/api/v1/capacity/plan", Some(&command), &f0)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);

    // Each field refused on its own, and all at once.
    for (body, field) in [
        (
            json!({"unit": "79", "bed_type": "icu", "beds": 1, "from": "2021-09-01"}),
            "unit",
        ),
        (
            json!({"unit": "x", "bed_type": "icu", "beds": 1, "from": "2021-09-01"}),
            "unit",
        ),
        (
            json!({"unit": "01", "bed_type": "sofa", "beds": 1, "from": "2021-09-01"}),
            "bed_type",
        ),
        (
            json!({"unit": "01", "bed_type": "icu", "beds": 0, "from": "2021-09-01"}),
            "beds",
        ),
        (
            json!({"unit": "01", "bed_type": "icu", "beds": 1_000_001, "from": "2021-09-01"}),
            "beds",
        ),
        (
            json!({"unit": "01", "bed_type": "icu", "beds": 1, "from": "2023-01-01"}),
            "from",
        ),
        (
            json!({"unit": "01", "bed_type": "icu", "beds": 1, "from": "1/9/2021"}),
            "from",
        ),
    ] {
        let r = app
            .post_json("/api/v1/capacity/plan", Some(&command), &body)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.json);
        assert_eq!(error_code(&r), "invalid_input", "{body}");
        assert_eq!(error_fields(&r), [field], "{body}");
    }
    let r = app
        .post_json("/api/v1/capacity/plan", Some(&command), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), ["unit", "bed_type", "beds", "from"]);

    // Planning is the command centre's: a viewer and a facility manager are refused.
    for token in [&viewer, &beds] {
        let r = app
            .post_json("/api/v1/capacity/plan", Some(token), &f0)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
    }

    // Anyone signed in reads the plan: nothing before its date, both figures from it on.
    let r = app
        .get("/api/v1/capacity/plan?on=2021-08-31", Some(&viewer))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["in_force"], json!([]));
    assert_eq!(r.json["entries"].as_array().unwrap().len(), 2);
    let r = app
        .get("/api/v1/capacity/plan?on=2021-09-01", Some(&viewer))
        .await;
    assert_eq!(
        r.json["in_force"],
        json!([{"bed_type": "quarantine", "tier": 0, "beds": 70000},
               {"bed_type": "f0_tier1", "tier": 1, "beds": 30000}])
    );
    let r = app
        .get("/api/v1/capacity/plan?on=2021-02-30", Some(&viewer))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&r), ["on"]);
}

async fn the_pages_show_the_plan_and_take_it_by_form(store: Store) {
    crate::forecast::growing(&store).await;
    let app = App::at(store, Some(NOW));
    app.add_user("chihuy-ui", Role::Command, &["01"]).await;
    app.add_user("xem-ui", Role::Viewer, &["01"]).await;
    let command = sign_in(&app, "chihuy-ui").await;
    let viewer = sign_in(&app, "xem-ui").await;

    // The form is there for the command centre, not for a viewer.
    let p = send(&app, Method::GET, "/facilities", &command, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Thêm kế hoạch giường"), "{}", p.html);
    assert!(p.html.contains("action=\"/facilities/plan\""));
    let p = send(&app, Method::GET, "/facilities", &viewer, None).await;
    assert!(p.html.contains("Giường theo kế hoạch"));
    assert!(!p.html.contains("action=\"/facilities/plan\""));

    let form = "unit=01&bed_type=f0_tier1&beds=30000&from=2021-11-01&note=K%E1%BA%BF+ho%E1%BA%A1ch";
    // A form posted without the page's token (or from another site) saves nothing.
    let forged = send_raw(
        &app,
        Method::POST,
        "/facilities/plan",
        &command,
        Some(form),
        &[("host", "localhost"), ("origin", "http://evil.example")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let p = send(&app, Method::POST, "/facilities/plan", &viewer, Some(form)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = send(&app, Method::GET, "/api/v1/capacity/plan", &command, None).await;
    assert!(p.html.contains("\"entries\":[]"), "{}", p.html);

    // Refusals name each field, in Vietnamese and in English.
    let bad = "unit=01&bed_type=f0_tier1&beds=nhieu&from=";
    let p = send(&app, Method::POST, "/facilities/plan", &command, Some(bad)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.html);
    let named: Vec<&str> = p
        .html
        .split("<code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap())
        .collect();
    assert_eq!(named, ["beds", "from"]);
    assert!(p.html.contains("Số giường") && p.html.contains("Bắt buộc phải nhập."));
    let en = format!("{command}; lang=en");
    let p = send(&app, Method::POST, "/facilities/plan", &en, Some(bad)).await;
    assert!(
        p.html.contains("Beds") && p.html.contains("Required."),
        "{}",
        p.html
    );

    let p = send(&app, Method::POST, "/facilities/plan", &command, Some(form)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(p.location.as_deref(), Some("/facilities#plan"));

    // The facilities page: planned beside registered (none), in both languages.
    let p = send(&app, Method::GET, "/facilities", &command, None).await;
    assert!(p.html.contains("Giường F0 tầng 1"), "{}", p.html);
    assert!(p.html.contains("30.000"), "{}", p.html);
    assert!(p.html.contains("Kế hoạch"));
    let p = send(&app, Method::GET, "/facilities", &en, None).await;
    assert!(
        p.html.contains("Planned beds") && p.html.contains("30,000"),
        "{}",
        p.html
    );

    // The forecast page and API: the plan beside the registered beds.
    let p = send(&app, Method::GET, "/forecast?unit=01", &command, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Kế hoạch thêm 30.000 giường"), "{}", p.html);
    let p = send(&app, Method::GET, "/forecast?unit=01", &en, None).await;
    assert!(p.html.contains("30,000 more beds planned"), "{}", p.html);
    let r = send(
        &app,
        Method::GET,
        "/api/v1/forecast?unit=01",
        &command,
        None,
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&r.html).unwrap();
    assert_eq!(json["tiers"][0]["planned"], 30000, "{json}");
}

both_databases!(
    the_api_records_the_plan_and_names_each_bad_field,
    the_pages_show_the_plan_and_take_it_by_form,
);
