//! Beds stay within the caller's jurisdiction (issue #12, item 6): an admission, a transfer
//! or a discharge needs the case and every facility involved in scope, and a case outside
//! it answers the same bytes whether it exists, is already admitted, has ended, or does not
//! exist — through the API and through the page's forms. On both databases.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::NaiveDate;
use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Role, Structure, UnitCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use store::{both_databases, CaseRow, PersonRow, Store, UnitRef};
use tower::ServiceExt;

use crate::ui::{send, sign_in};
use crate::App;

const NOW: i64 = 1_637_000_000; // 2021-11-15

/// A person and a case of the same id in `commune`, in `status`.
async fn case_at(store: &Store, commune: &str, id: i64, status: CaseStatus) {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse(commune).unwrap())
        .await
        .unwrap()
        .unwrap();
    let unit = UnitRef::from(&u);
    let person = PersonRow {
        id,
        full_name: format!("Người {id}"),
        national_id: None,
        phone: None,
        birth_date: NaiveDate::from_ymd_opt(1970, 1, 1),
        sex: Sex::Female,
        unit: unit.clone(),
        household_id: None,
        synthetic: true,
    };
    store.bulk_persons(&[person], NOW).await.unwrap();
    let case = CaseRow {
        id,
        person_id: id,
        unit,
        status,
        severity: Severity::Mild,
        onset_s: None,
        first_sample_s: NOW - 86_400,
        confirmed_at_s: NOW - 3600,
        isolation_s: None,
        community: true,
        outcome_at_s: (status != CaseStatus::Active).then_some(NOW - 60),
    };
    store.bulk_cases(&[case], NOW).await.unwrap();
    store.sync_id_sequences().await.unwrap();
}

async fn facility(app: &App, token: &str, unit: &str) -> i64 {
    let r = app
        .post_json(
            "/api/v1/facilities",
            Some(token),
            &json!({"name": format!("Cơ sở {unit}"), "kind": "f0_isolation", "unit": unit,
                    "beds": [{"bed_type": "f0_tier1", "capacity": 10}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

/// A response as the client receives it: status, headers but the date, and the body's bytes.
/// `auth` is the bearer header (a JSON body) or the session cookie (a form, sent as our own
/// page sends it: with the session's anti-forgery token and our origin).
async fn raw(app: &App, method: Method, uri: &str, auth: (&str, &str), body: String) -> String {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(auth.0, auth.1)
        .header(header::ACCEPT_LANGUAGE, "en");
    let body = match auth.1.strip_prefix("chongdich_token=") {
        Some(session) => {
            req = req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "localhost")
                .header(header::ORIGIN, "http://localhost");
            format!("{body}&csrf={}", web::csrf_token(session))
        }
        None => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            body
        }
    };
    let req = req.body(Body::from(body)).unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let mut out = format!("{}\n", resp.status());
    for (k, v) in resp.headers() {
        if k != header::DATE {
            out.push_str(&format!("{k}: {}\n", v.to_str().unwrap()));
        }
    }
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    out.push_str(&String::from_utf8_lossy(&bytes));
    out
}

/// Every response of `answers` is the same as the first, which has `status`.
fn all_alike(what: &str, answers: &[(i64, String)], status: StatusCode) {
    let (first_case, first) = &answers[0];
    assert!(
        first.starts_with(&status.to_string()),
        "{what} case {first_case}: {first}"
    );
    for (case, a) in &answers[1..] {
        assert_eq!(
            a, first,
            "{what}: case {case} answers unlike case {first_case}"
        );
    }
}

async fn beds_stay_within_the_jurisdiction(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    // Case 1 in Phúc Xá (Hà Nội); cases 2, 3 and 4 in District 1 of Hồ Chí Minh City:
    // 2 waiting, 3 admitted there, 4 recovered; case 99 does not exist.
    case_at(&store, "00001", 1, CaseStatus::Active).await;
    for (id, status) in [
        (2, CaseStatus::Active),
        (3, CaseStatus::Active),
        (4, CaseStatus::Recovered),
    ] {
        case_at(&store, "26734", id, status).await;
    }
    let admin = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let mine = facility(&app, &admin, "00001").await;
    let hcmc = facility(&app, &admin, "26734").await;
    let r = app
        .post_json(
            &format!("/api/v1/facilities/{hcmc}/admissions"),
            Some(&admin),
            &json!({"case_id": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let theirs_stay = r.json["id"].as_i64().unwrap();

    let manager = app
        .login_as("phucxa-beds", Role::FacilityManager, &["00001"])
        .await;
    let bearer = format!("Bearer {manager}");
    let api = (header::AUTHORIZATION.as_str(), bearer.as_str());
    let elsewhere = [2, 3, 4, 99];

    // Admission into their own facility of a case of another district: 404, the same bytes
    // whatever the case is, with or without a bed type (the triage suggestion reads the case).
    for body in [
        json!({"bed_type": "f0_tier1"}),
        json!({}),
        json!({"bed_type": "icu", "at": "2021-11-14T10:00:00+07:00"}),
    ] {
        let mut answers = Vec::new();
        for case in elsewhere {
            let mut b = body.clone();
            b["case_id"] = json!(case);
            let uri = format!("/api/v1/facilities/{mine}/admissions");
            answers.push((
                case,
                raw(&app, Method::POST, &uri, api, b.to_string()).await,
            ));
        }
        all_alike("admission", &answers, StatusCode::NOT_FOUND);
    }
    // Home care and the list of stays say no more.
    for (what, uri, body) in [
        ("home stay", "/api/v1/home-stays".to_string(), true),
        ("stays", String::new(), false),
    ] {
        let mut answers = Vec::new();
        for case in elsewhere {
            let a = if body {
                let b = json!({"case_id": case}).to_string();
                raw(&app, Method::POST, &uri, api, b).await
            } else {
                let uri = format!("/api/v1/cases/{case}/stays");
                raw(&app, Method::GET, &uri, api, String::new()).await
            };
            answers.push((case, a));
        }
        all_alike(what, &answers, StatusCode::NOT_FOUND);
    }
    // Nothing was written for any of them.
    let stays = app.get("/api/v1/cases/2/stays", Some(&admin)).await;
    assert_eq!(stays.json, json!([]));

    // Their own case into a facility of another province: 404 too.
    let r = app
        .post_json(
            &format!("/api/v1/facilities/{hcmc}/admissions"),
            Some(&manager),
            &json!({"case_id": 1, "bed_type": "f0_tier1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.json);
    // Admitted to their own facility, their case cannot be moved out of their scope.
    let r = app
        .post_json(
            &format!("/api/v1/facilities/{mine}/admissions"),
            Some(&manager),
            &json!({"case_id": 1, "bed_type": "f0_tier1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let my_stay = r.json["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/admissions/{my_stay}/transfer"),
            Some(&manager),
            &json!({"facility_id": hcmc, "bed_type": "f0_tier1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.json);
    // The stay of a case elsewhere is not theirs to move or end, alike a stay that is not.
    for (what, action, body) in [
        (
            "transfer",
            "transfer",
            json!({"facility_id": mine, "bed_type": "f0_tier1"}),
        ),
        ("discharge", "discharge", json!({"reason": "recovered"})),
    ] {
        let mut answers = Vec::new();
        for stay in [theirs_stay, 999_999] {
            let uri = format!("/api/v1/admissions/{stay}/{action}");
            answers.push((
                stay,
                raw(&app, Method::POST, &uri, api, body.to_string()).await,
            ));
        }
        all_alike(what, &answers, StatusCode::NOT_FOUND);
    }
    let one = |stays: Value| {
        let s = stays.as_array().unwrap().clone();
        assert_eq!(s.len(), 1, "{stays}");
        (s[0]["facility_id"].as_i64(), s[0]["until"].is_null())
    };
    assert_eq!(
        one(app.get("/api/v1/cases/1/stays", Some(&admin)).await.json),
        (Some(mine), true)
    );
    assert_eq!(
        one(app.get("/api/v1/cases/3/stays", Some(&admin)).await.json),
        (Some(hcmc), true)
    );

    // The page's forms ask the store the same question.
    app.add_user("phucxa-page", Role::FacilityManager, &["00001"])
        .await;
    let cookie = sign_in(&app, "phucxa-page").await;
    let page = (header::COOKIE.as_str(), cookie.as_str());
    for bed in ["f0_tier1", ""] {
        let mut answers = Vec::new();
        for case in elsewhere {
            let uri = format!("/facilities/{mine}/admit");
            let form = format!("case_id={case}&bed_type={bed}");
            answers.push((case, raw(&app, Method::POST, &uri, page, form).await));
        }
        all_alike("admit form", &answers, StatusCode::SEE_OTHER);
        assert!(
            answers[0].1.contains(&format!(
                "location: /facilities/{mine}?error=form-not_found"
            )),
            "{}",
            answers[0].1
        );
    }
    // A destination elsewhere is not found, at the confirmation step and at the move.
    for confirm in ["", "&confirm=1"] {
        let moved = send(
            &app,
            Method::POST,
            &format!("/stays/{my_stay}/transfer"),
            &cookie,
            Some(&format!("to={hcmc}%3Af0_tier1{confirm}")),
        )
        .await;
        assert_eq!(moved.status, StatusCode::NOT_FOUND, "{}", moved.html);
    }
    for stay in [theirs_stay, 999_999] {
        let other = send(
            &app,
            Method::POST,
            &format!("/stays/{stay}/discharge"),
            &cookie,
            Some("reason=recovered"),
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "stay {stay}");
    }
    assert_eq!(
        one(app.get("/api/v1/cases/1/stays", Some(&admin)).await.json),
        (Some(mine), true)
    );
    assert_eq!(
        app.get("/api/v1/cases/2/stays", Some(&admin)).await.json,
        json!([])
    );
}

both_databases!(beds_stay_within_the_jurisdiction);
