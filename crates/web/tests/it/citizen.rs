//! Citizens checking in from a venue's poster (issue #18): forged tokens, register, check in
//! and out, own visits only, cross-origin refusal, rate limits, input ranges, the poster's
//! payload.

use axum::http::{Method, StatusCode};
use domain::citizen_token::Kind;
use domain::epi::VenueKind;
use domain::{Role, Structure, UnitCode};
use serde_json::json;
use store::{both_databases, Store, UnitRef, VenueRow};

use crate::ui::{send, send_raw};
use crate::App;

async fn seed(store: &Store) {
    let unit = |code: &str| {
        let store = store.clone();
        let code = code.to_string();
        async move {
            UnitRef::from(
                &store
                    .unit_unscoped(Structure::S2021, &UnitCode::parse(&code).unwrap())
                    .await
                    .unwrap()
                    .unwrap(),
            )
        }
    };
    let venue = |id: i64, u: UnitRef| VenueRow {
        id,
        name: format!("Chợ số {id}"),
        kind: VenueKind::Market,
        unit: u,
        address: None,
        capacity: None,
        open_min: 0,
        close_min: 1440,
        qr_payload: format!("CDV1:V:{id}"),
        synthetic: false,
    };
    store
        .bulk_venues(
            &[venue(1, unit("00001").await), venue(2, unit("00004").await)],
            0,
        )
        .await
        .unwrap();
}

async fn token(app: &App, venue: i64) -> String {
    app.state
        .citizen_secret()
        .await
        .unwrap()
        .sign(Kind::Venue, venue)
}

fn form(name: &str, phone: &str, year: &str, unit: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "action=register&full_name={}&phone={}&birth_year={}&unit={}&national_id=",
        enc(name),
        enc(phone),
        enc(year),
        enc(unit)
    )
}

fn device_cookie(set_cookie: &Option<String>) -> String {
    let c = set_cookie.as_deref().expect("a device cookie");
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    c.split(';').next().unwrap().to_string()
}

/// A commune of another province than Hà Nội's (the venues' province).
fn commune_elsewhere() -> String {
    let r = app::registry::Registry::of(Structure::S2021);
    let province = r.provinces().find(|p| p.code.as_str() != "01").unwrap();
    r.communes_under(province.code.as_str())[0].code.to_string()
}

async fn forged_tokens_store_nothing_and_a_device_checks_in_and_out(store: Store) {
    seed(&store).await;
    let app = App::new(store);
    let good = token(&app, 1).await;
    // Altered: one character changed; forged: venue 2's id with venue 1's tag; garbage.
    let mut altered = good.clone().into_bytes();
    altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for bad in [
        altered.as_str(),
        "MQ",
        "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA",
        "..%2F",
    ] {
        let p = send(&app, Method::GET, &format!("/v/{bad}"), "", None).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{bad}");
        let p = send(
            &app,
            Method::POST,
            &format!("/v/{bad}"),
            "",
            Some(&form("Trần Thị Bình", "0912345678", "1990", "00001")),
        )
        .await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(app.store.count_checkins().await.unwrap(), 0);

    // The page: the venue's name and the form with the consent text (21 days from the policy).
    let p = send(&app, Method::GET, &format!("/v/{good}"), "", None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("Chợ số 1") && p.html.contains("13/2023/NĐ-CP"));
    assert!(p.html.contains("sau 21 ngày"), "{}", p.html);
    assert!(p.html.len() < 30 * 1024);
    assert!(p.html.contains("Phường Phúc Xá"));

    // Register: a device cookie, and one check-in stored and traceable.
    let p = send(
        &app,
        Method::POST,
        &format!("/v/{good}"),
        "",
        Some(&form("Trần Thị Bình", "0912345678", "1990", "00001")),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let device = device_cookie(&p.cookie);
    assert_eq!(app.store.count_checkins().await.unwrap(), 1);

    // Known device: checked in here, one button to check out.
    let p = send(&app, Method::GET, &format!("/v/{good}"), &device, None).await;
    assert!(p.html.contains("Khai báo rời đi"), "{}", p.html);
    assert!(!p.html.contains("full_name"));
    let p = send(
        &app,
        Method::POST,
        &format!("/v/{good}"),
        &device,
        Some("action=out"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let person = app
        .store
        .citizen_device_person(&domain::auth::token_hash(device.split_once('=').unwrap().1))
        .await
        .unwrap()
        .unwrap();
    let visits = app.store.citizen_visits(person, 10).await.unwrap();
    assert_eq!(visits.len(), 1);
    assert!(!visits[0].t_out_default && visits[0].t_out_s > visits[0].t_in_s);

    // Again: one tap checks in.
    let p = send(&app, Method::GET, &format!("/v/{good}"), &device, None).await;
    assert!(p.html.contains("value=\"in\""), "{}", p.html);
    let p = send(
        &app,
        Method::POST,
        &format!("/v/{good}"),
        &device,
        Some("action=in"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.count_checkins().await.unwrap(), 2);
    // A second tap while checked in stores nothing more.
    send(
        &app,
        Method::POST,
        &format!("/v/{good}"),
        &device,
        Some("action=in"),
    )
    .await;
    assert_eq!(app.store.count_checkins().await.unwrap(), 2);

    // The same person registering on a second phone is matched, not duplicated.
    let p = send(
        &app,
        Method::POST,
        &format!("/v/{good}"),
        "",
        Some(&form("Trần  Thị Bình", "+84 912 345 678", "1990", "00001")),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let second = device_cookie(&p.cookie);
    assert_ne!(second, device);
    let p2 = app
        .store
        .citizen_device_person(&domain::auth::token_hash(second.split_once('=').unwrap().1))
        .await
        .unwrap();
    assert_eq!(p2, Some(person));

    // A third person at venue 2 sees only their own visits.
    let t2 = token(&app, 2).await;
    let p = send(
        &app,
        Method::POST,
        &format!("/v/{t2}"),
        "",
        Some(&form("Lê Văn Cường", "0987654321", "1985", "00004")),
    )
    .await;
    let third = device_cookie(&p.cookie);
    let mine = send(&app, Method::GET, "/me/visits", &third, None).await;
    assert!(
        mine.html.contains("Chợ số 2") && !mine.html.contains("Chợ số 1"),
        "{}",
        mine.html
    );
    let theirs = send(&app, Method::GET, "/me/visits", &device, None).await;
    assert!(theirs.html.contains("Chợ số 1") && !theirs.html.contains("Chợ số 2"));
    // No names on the public pages, even the device's own.
    for page in [&mine.html, &theirs.html] {
        assert!(!page.contains("Bình") && !page.contains("Cường") && !page.contains("0912345678"));
    }
    assert_eq!(
        send(&app, Method::GET, "/me/visits", "", None).await.status,
        StatusCode::NOT_FOUND
    );

    // The personal QR, and the staff batch path takes it and the poster's URL.
    let qr = send(&app, Method::GET, "/me/qr", &device, None).await;
    assert_eq!(qr.status, StatusCode::OK);
    let secret = app.state.citizen_secret().await.unwrap();
    assert!(qr.html.contains(&secret.person_qr(person)));
    let staff = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let batch = json!([
        {"id": "s1", "person": secret.person_qr(person), "venue": format!("https://x.example/v/{good}"), "t_in": chrono::DateTime::from_timestamp(app.state.now_s() - 60, 0).unwrap().to_rfc3339(), "mode": "staff_scan"},
        {"id": "s2", "person": format!("CDP1:{}", secret.sign(Kind::Venue, person)), "venue": 1, "t_in": chrono::DateTime::from_timestamp(app.state.now_s() - 60, 0).unwrap().to_rfc3339(), "mode": "staff_scan"},
        {"id": "s3", "person": secret.person_qr(person), "venue": format!("https://x.example/v/{altered}"), "t_in": chrono::DateTime::from_timestamp(app.state.now_s() - 60, 0).unwrap().to_rfc3339(), "mode": "staff_scan"}
    ]);
    let r = app
        .post_json("/api/v1/checkins", Some(&staff), &batch)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["accepted"], 1, "{}", r.json);
    assert_eq!(r.json["items"][1]["errors"][0]["field"], "person");
    assert_eq!(r.json["items"][2]["errors"][0]["field"], "venue");

    // The poster encodes the URL of the citizen's page.
    let svg = app.get_html("/api/v1/venues/1/poster.svg", &staff).await;
    assert!(svg.contains(&format!("http://localhost/v/{good}")), "{svg}");
}

async fn cross_origin_ranges_and_rate_limits(store: Store) {
    seed(&store).await;
    let mut app = App::new(store);
    app.state.citizen_quota_address = std::sync::Arc::new(web::quota::Quota::new(7, 600));
    app.router = web::router(app.state.clone());
    let t = token(&app, 1).await;
    let uri = format!("/v/{t}");
    let body = form("Trần Thị Bình", "0912345678", "1990", "00001");
    // Another site's form: refused, nothing stored.
    let csrf = "p".repeat(43);
    let p = send_raw(
        &app,
        Method::POST,
        &uri,
        &format!("chongdich_csrf={csrf}"),
        Some(&format!("{body}&csrf={csrf}")),
        &[("host", "localhost"), ("origin", "http://evil.example")],
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.count_checkins().await.unwrap(), 0);

    // Ranges: each refused with its field named, nothing stored.
    let long = "A".repeat(201);
    let elsewhere = commune_elsewhere();
    for (f, field) in [
        (
            form("Trần Thị Bình", "0912345678", "1899", "00001"),
            "c-birth_year-error",
        ),
        (
            form("Trần Thị Bình", "0912345678", "2099", "00001"),
            "c-birth_year-error",
        ),
        (
            form("Trần Thị Bình", "12345", "1990", "00001"),
            "c-phone-error",
        ),
        (
            form(&long, "0912345678", "1990", "00001"),
            "c-full_name-error",
        ),
        (
            form("Trần Thị Bình", "0912345678", "1990", &elsewhere),
            "c-unit-error",
        ),
    ] {
        let p = send(&app, Method::POST, &uri, "", Some(&f)).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(p.html.contains(field), "{field}: {}", p.html);
    }
    assert_eq!(app.store.count_checkins().await.unwrap(), 0);
    // A year just inside the range is taken.
    let p = send(
        &app,
        Method::POST,
        &uri,
        "",
        Some(&form("Trần Thị Bình", "0912345678", "1900", "00001")),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    // 6 POSTs so far from this address (the cross-site one never reached it): the 8th is refused.
    assert_eq!(
        send(&app, Method::POST, &uri, "", Some("action=in"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&app, Method::POST, &uri, "", Some("action=in"))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

both_databases!(
    forged_tokens_store_nothing_and_a_device_checks_in_and_out,
    cross_origin_ranges_and_rate_limits
);
