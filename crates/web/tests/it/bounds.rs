//! Bounds at the edge (issue #12): money and quantities no sum can overflow, and a row an
//! older version stored beyond them does not break a page; plausible dates everywhere; case
//! status changes by the rules, consistent with their history under concurrency.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, Store};

use crate::aid::html;
use crate::{error_code, error_fields, App};

/// 2021-11-20T03:00:00Z.
const NOW: i64 = 1_637_377_200;

fn locality(code: &str) -> Value {
    json!({"kind": "locality", "code_or_id": code})
}

fn gift_of(amount_minor: Value, currency: &str) -> Value {
    json!({
        "donor": locality("01"), "recipient": locality("79"),
        "money": {"amount_minor": amount_minor, "currency": currency},
        "date": "2021-08-26", "source": "test"})
}

async fn huge_amounts_are_refused_and_stored_ones_do_not_break_the_totals(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let partner = app.login_as("partner", Role::Partner, &["VN"]).await;

    // The API: beyond the bound (10^15 minor units), beyond an i64, negative: 400 naming it.
    for amount in [
        json!(9_223_372_036_854_775_807_i64),
        json!(1_000_000_000_000_001_i64),
        json!(18_446_744_073_709_551_615_u64),
        json!(1e30),
        json!(-1),
    ] {
        let r = app
            .post_json(
                "/api/v1/aid/donations",
                Some(&partner),
                &gift_of(amount.clone(), "VND"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{amount}: {}", r.json);
        assert_eq!(error_code(&r), "invalid_input");
        assert_eq!(error_fields(&r), ["money.amount_minor"], "{amount}");
        assert_eq!(r.json["error"]["fields"][0]["code"], "out_of_range");
    }
    let mut lots = gift_of(json!(1), "VND");
    lots["goods"] = json!([{"item": "masks", "quantity": 1_000_000_000_001_i64}]);
    let r = app
        .post_json("/api/v1/aid/donations", Some(&partner), &lots)
        .await;
    assert_eq!(error_fields(&r), ["goods[0].quantity"]);
    let r = app
        .post_json(
            "/api/v1/aid/rates",
            Some(&app.login_as("command", Role::Command, &["VN"]).await),
            &json!({"base": "USD", "quote": "VND", "rate": "99999999999999999999",
                    "date": "2021-08-26", "source": "x"}),
        )
        .await;
    assert_eq!(error_fields(&r), ["rate"]);
    // The bound itself is a gift.
    let at_bound = app
        .post_json(
            "/api/v1/aid/donations",
            Some(&partner),
            &gift_of(json!(1_000_000_000_000_000_i64), "VND"),
        )
        .await;
    assert_eq!(at_bound.status, StatusCode::CREATED, "{}", at_bound.json);

    // The page's form: the same bound, the field named.
    let (status, page, _) = html(&app, Method::POST, "/aid/donations", &partner,
        Some("donor_kind=locality&donor=01&recipient_kind=locality&recipient=79&amount=9223372036854775807&currency=VND&date=2021-08-26&status=pledged&source=form")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("money.amount_minor"), "{page}");
    let (status, page, _) = html(&app, Method::POST, "/aid/donations", &partner,
        Some("donor_kind=locality&donor=01&recipient_kind=locality&recipient=79&amount=10000000000000000&currency=VND&date=2021-08-26&status=pledged&source=form")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("money.amount_minor"), "{page}");

    // Rows as an older version could store them: an i64::MAX gift beside ordinary ones (a
    // plain SUM overflows), and a goods line of i64::MAX masks.
    let mut ids = Vec::new();
    for body in [
        gift_of(json!(500_000_000), "VND"),
        gift_of(json!(700_000_000), "VND"),
        gift_of(json!(800_000_000), "VND"),
    ] {
        let mut body = body;
        body["goods"] = json!([{"item": "masks", "quantity": 1000}]);
        let r = app
            .post_json("/api/v1/aid/donations", Some(&partner), &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        ids.push(r.json["id"].as_i64().unwrap());
    }
    let (huge, huge_goods) = (ids[1], ids[2]);
    store::testing::execute(
        &store,
        &format!("UPDATE aid_donations SET money_minor = 9223372036854775807 WHERE id = {huge}"),
    )
    .await;
    store::testing::execute(
        &store,
        &format!(
            "UPDATE aid_goods SET quantity = 9223372036854775807 WHERE donation_id = {huge_goods}"
        ),
    )
    .await;

    let totals = app.get("/api/v1/aid/totals", Some(&partner)).await;
    assert_eq!(totals.status, StatusCode::OK, "{}", totals.json);
    assert_eq!(totals.json["left_out"], 2, "{}", totals.json);
    assert_eq!(
        totals.json["total_minor"],
        Value::Null,
        "a partial total says so"
    );
    // The rows in bounds still sum: 500,000,000 + 800,000,000 + 10^15 đồng, 2,000 masks.
    assert_eq!(
        totals.json["by_currency"][0]["amount_minor"],
        1_000_001_300_000_000_i64
    );
    assert_eq!(totals.json["goods"][0]["quantity"], 2000);
    for uri in ["/aid", "/public/aid", &format!("/aid/donations/{huge}")] {
        let (status, page, _) = html(&app, Method::GET, uri, &partner, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {page}");
        if uri != format!("/aid/donations/{huge}") {
            assert!(page.contains("vượt quá giới hạn hợp lý"), "{uri}: {page}");
        }
    }
    let list = app.get("/api/v1/aid/donations", Some(&partner)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.json);
    let usd = app
        .get("/api/v1/aid/totals?currency=USD", Some(&partner))
        .await;
    assert_eq!(usd.status, StatusCode::OK, "{}", usd.json);
}

both_databases!(huge_amounts_are_refused_and_stored_ones_do_not_break_the_totals);

/// 2021-11-20T00:00:00Z; the app's clock reads a week later.
const T: i64 = 1_637_366_400;

async fn case_status_changes_follow_the_rules(store: Store) {
    let app = App::at(store, Some(T + 7 * 86_400));
    let tracer = app.login_as("cdc", Role::Tracer, &["001"]).await;
    let person = app
        .post_json(
            "/api/v1/persons",
            Some(&tracer),
            &json!({"full_name": "F0 An", "unit": "00001"}),
        )
        .await;
    let person = person.json["id"].as_i64().unwrap();
    let created = app
        .post_json(
            "/api/v1/cases",
            Some(&tracer),
            &json!({"person_id": person, "severity": "mild", "onset": "2021-11-19T00:00:00Z",
                    "test": {"kind": "pcr", "sample_at": "2021-11-20T08:00:00Z", "result_at": "2021-11-20T20:00:00Z"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let uri = format!("/api/v1/cases/{}/status", created.json["id"]);
    let post = |body: Value| {
        let (app, uri, tracer) = (&app, &uri, &tracer);
        async move { app.post_json(uri, Some(tracer), &body).await }
    };

    // Implausible times: 400 naming `at`, whatever the case.
    for at in [
        "9999-12-31T00:00:00Z",
        "1000-01-01T00:00:00Z",
        "2021-12-25T00:00:00Z",
    ] {
        let r = post(json!({"status": "active", "severity": "severe", "at": at})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{at}: {}", r.json);
        assert_eq!(error_fields(&r), ["at"], "{at}");
    }
    // Before the positive test: 409 naming `at`.
    let r =
        post(json!({"status": "active", "severity": "severe", "at": "2021-11-20T10:00:00Z"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.json);
    assert_eq!(error_code(&r), "case_status_not_allowed");
    assert_eq!(error_fields(&r), ["at"]);

    let r =
        post(json!({"status": "died", "severity": "critical", "at": "2021-11-24T10:00:00Z"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    // Died is final: 409 naming `status`, nothing written.
    let r = post(json!({"status": "active", "severity": "mild"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.json);
    assert_eq!(error_code(&r), "case_status_not_allowed");
    assert_eq!(error_fields(&r), ["status"]);
    assert_eq!(r.json["error"]["fields"][0]["code"], "not_allowed");
    let case = app.get(&uri.replace("/status", ""), Some(&tracer)).await;
    assert_eq!(case.json["status"], "died");
    assert_eq!(case.json["history"].as_array().unwrap().len(), 2);
}

both_databases!(case_status_changes_follow_the_rules);

/// Risk weeks: not entirely in the future, not before the first rule; the body an object of
/// strings, never read positionally.
async fn risk_weeks_have_a_plausible_range(store: Store) {
    let app = App::at(store, Some(NOW));
    let chief = app.login_as("chihuy", Role::Command, &["VN"]).await;
    let publish = |body: Value| {
        let (app, chief) = (&app, &chief);
        async move {
            app.post_json("/api/v1/risk-levels/publish", Some(chief), &body)
                .await
        }
    };
    for (body, field) in [
        (json!({"date": "9999-12-26"}), "date"),
        // The week after the one under way (2021-11-20 is a Saturday).
        (json!({"date": "2021-11-27"}), "date"),
        // Before 4800/QĐ-BYT (2021-10-12), the first rule.
        (json!({"date": "2021-10-11"}), "date"),
        (json!({"date": "0001-01-01"}), "date"),
        (json!([null, null]), "body"),
        (json!(null), "body"),
        (json!({"date": null}), "date"),
        (
            json!({"date": "2021-11-20", "structure": null}),
            "structure",
        ),
    ] {
        let r = publish(body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.json);
        assert_eq!(error_fields(&r), [field], "{body}");
    }
    let r = app
        .get("/api/v1/risk-levels/history?unit=00001", Some(&chief))
        .await;
    assert_eq!(r.json["items"], json!([]), "nothing was published");
    // The week under way, and the first rule's first day, are publishable.
    for d in ["2021-11-26", "2021-10-12"] {
        let r = publish(json!({ "date": d })).await;
        assert_eq!(r.status, StatusCode::OK, "{d}: {}", r.json);
    }
    let r = app
        .get("/api/v1/risk-levels?date=9999-12-26", Some(&chief))
        .await;
    assert_eq!(error_fields(&r), ["date"]);

    // The page's button: the same range.
    let (status, _, _) = html(
        &app,
        Method::POST,
        "/risk/publish",
        &chief,
        Some("date=9999-12-26"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Zones, rounds, needs, activities, gifts, rates and commendations: dates from 2019-12 to
/// today (what has happened) or a year ahead (what is planned).
async fn aid_dates_have_a_plausible_range(store: Store) {
    let app = App::at(store, Some(NOW));
    let command = app.login_as("command", Role::Command, &["VN"]).await;
    let post = |uri: &'static str, body: Value| {
        let (app, command) = (&app, &command);
        async move { app.post_json(uri, Some(command), &body).await }
    };
    let zone = |from: &str, to: &str| {
        json!({"name": "Vùng", "units": ["00001"], "starts_on": from, "ends_on": to,
               "population": 100, "households": 10})
    };
    let r = post("/api/v1/relief/zones", zone("0001-01-01", "9999-12-31")).await;
    assert_eq!(error_fields(&r), ["starts_on", "ends_on"], "{}", r.json);
    let r = post("/api/v1/relief/zones", zone("2021-08-01", "2022-11-22")).await;
    assert_eq!(error_fields(&r), ["ends_on"], "a year and two days ahead");
    let r = post("/api/v1/relief/zones", zone("2021-08-01", "2021-07-31")).await;
    assert_eq!(error_fields(&r), ["ends_on"], "before the start");
    let r = post("/api/v1/relief/zones", zone("2021-08-01", "2022-11-21")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let round_uri = format!("/api/v1/relief/zones/{}/rounds", r.json["id"]);
    let r = app
        .post_json(
            &round_uri,
            Some(&command),
            &json!({"name": "Đợt 1", "kind": "welfare_bag", "starts_on": "9999-01-01"}),
        )
        .await;
    assert_eq!(error_fields(&r), ["starts_on"]);

    let r = post(
        "/api/v1/aid/needs",
        json!({"unit": "01", "item": "masks", "quantity": 5, "by_date": "0001-01-01"}),
    )
    .await;
    assert_eq!(error_fields(&r), ["by_date"]);
    let mut gift = gift_of(json!(5), "VND");
    gift["date"] = json!("2021-11-21");
    let r = post("/api/v1/aid/donations", gift).await;
    assert_eq!(error_fields(&r), ["date"], "a gift dated tomorrow");
    let r = post(
        "/api/v1/aid/rates",
        json!({"base": "USD", "quote": "VND", "rate": "23000", "date": "2019-11-30", "source": "x"}),
    )
    .await;
    assert_eq!(error_fields(&r), ["date"]);
    let r = post(
        "/api/v1/cooperation/activities",
        json!({"kind": "delegation_visit", "date": "9999-08-26", "host": "01", "guest": "LA",
               "title": "Thăm", "source": "x"}),
    )
    .await;
    assert_eq!(error_fields(&r), ["date"]);
}

both_databases!(
    risk_weeks_have_a_plausible_range,
    aid_dates_have_a_plausible_range
);
