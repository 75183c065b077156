//! Lockdown zones of several units or of a few addresses: who is in them, who gets a package,
//! who may declare and see them.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::{Role, Structure, UnitCode};
use serde_json::{json, Value};
use store::{both_databases, HouseholdRow, Store, UnitRef};

use crate::aid::html;
use crate::{error_code, error_fields, App, Resp};

/// 2021-11-20T03:00:00Z.
const NOW: i64 = 1_637_377_200;

/// Households with the given ids, communes (codes of district 001, Ba Đình) and addresses.
pub(crate) async fn households(store: &Store, rows: &[(i64, &str, Option<&str>)]) {
    let mut out = Vec::new();
    for &(id, commune, address) in rows {
        let unit = store
            .unit_unscoped(Structure::S2021, &UnitCode::parse(commune).unwrap())
            .await
            .unwrap()
            .unwrap();
        out.push(HouseholdRow {
            id,
            unit: UnitRef::from(&unit),
            address: address.map(str::to_string),
            synthetic: true,
        });
    }
    store.bulk_households(&out, NOW).await.unwrap();
    store.sync_id_sequences().await.unwrap();
}

fn zone(units: &[&str], addresses: &[&str]) -> Value {
    json!({"name": "Vùng", "units": units, "addresses": addresses, "starts_on": "2021-08-01",
           "population": 100, "households": 10})
}

async fn create(app: &App, token: &str, body: &Value) -> Resp {
    app.post_json("/api/v1/relief/zones", Some(token), body)
        .await
}

/// A zone's id and its first round's id.
async fn zone_with_round(app: &App, token: &str, body: &Value) -> (i64, i64) {
    let z = create(app, token, body).await;
    assert_eq!(z.status, StatusCode::CREATED, "{}", z.json);
    let zone = z.json["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/relief/zones/{zone}/rounds"),
            Some(token),
            &json!({"name": "Đợt 1", "kind": "welfare_bag", "starts_on": "2021-08-02"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    (zone, r.json["id"].as_i64().unwrap())
}

fn give(token: &str, round: i64, household: i64, lang: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/relief/rounds/{round}/packages"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, lang)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(json!({ "household_id": household }).to_string()))
        .unwrap()
}

pub(crate) async fn zones(app: &App, token: &str) -> Vec<Value> {
    let r = app.get("/api/v1/relief/zones", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    r.json.as_array().unwrap().clone()
}

/// Asserts a refusal of a household outside the zone, in words in both languages.
async fn refused_outside(app: &App, token: &str, round: i64, household: i64) {
    let vi = app.send(give(token, round, household, "vi")).await;
    assert_eq!(vi.status, StatusCode::BAD_REQUEST, "{}", vi.json);
    assert_eq!(error_code(&vi), "invalid_input");
    assert_eq!(error_fields(&vi), ["household_id"]);
    assert_eq!(vi.json["error"]["fields"][0]["code"], "outside_zone");
    assert!(vi.json["error"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("không thuộc vùng phong tỏa của đợt này"));
    let en = app.send(give(token, round, household, "en")).await;
    assert_eq!(en.status, StatusCode::BAD_REQUEST);
    assert!(en.json["error"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not in this round's lockdown zone"));
}

/// A zone of two communes counts the households of both (and not of a third commune of the
/// same district); a household of the third is refused and nothing is written; two requests
/// racing for one household of the second commune give one package.
async fn a_zone_of_two_communes_counts_both_and_refuses_the_rest(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let district = app.login_as("badinh", Role::Command, &["001"]).await;
    households(
        &store,
        &[
            (1, "00001", None),
            (2, "00001", Some("Số 1, Phúc Xá")),
            (3, "00004", None),
            (4, "00006", None),
        ],
    )
    .await;
    let (_, round) = zone_with_round(&app, &district, &zone(&["00001", "00004"], &[])).await;
    let listed = zones(&app, &district).await;
    assert_eq!(listed.len(), 1);
    let z = &listed[0];
    assert_eq!(z["households_in_zone"], 3);
    assert_eq!(z["households"], 10, "the declared figure stays");
    assert_eq!(z["unit_code"], "00001");
    assert_eq!(
        z["units"],
        json!([{"code": "00001", "name": "Phúc Xá"}, {"code": "00004", "name": "Trúc Bạch"}])
    );
    assert_eq!(z["addresses"], json!([]));
    assert_eq!(z["rounds"][0]["gap"], 3);

    // Vĩnh Phúc (00006) is in the district, not in the zone: refused, nothing written.
    refused_outside(&app, &district, round, 4).await;
    let after = zones(&app, &district).await;
    assert_eq!(after[0]["rounds"][0]["given"], 0);

    // Both communes' households are served; the racing second package is still refused.
    let (a, b) = tokio::join!(
        app.send(give(&district, round, 3, "vi")),
        app.send(give(&district, round, 3, "en"))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let loser = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    assert_eq!(error_code(loser), "package_already_given");
    let first = app.send(give(&district, round, 1, "vi")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    let after = zones(&app, &district).await;
    assert_eq!(after[0]["rounds"][0]["given"], 2);
    assert_eq!(after[0]["rounds"][0]["gap"], 1);

    // The page names the zone's units, and explains a refusal of a household outside it.
    let (_, page, _) = html(&app, Method::GET, "/aid", &district, None).await;
    assert!(page.contains("Phúc Xá, Trúc Bạch"), "{page}");
    assert!(page.contains("toàn bộ đơn vị"));
    let form = format!("/aid/relief/rounds/{round}/packages");
    let (_, _, back) = html(&app, Method::POST, &form, &district, Some("household_id=4")).await;
    let back = back.unwrap();
    assert_eq!(back, "/aid?relief_error=relief-outside-zone#relief");
    let (_, page, _) = html(&app, Method::GET, &back, &district, None).await;
    assert!(page.contains("không thuộc vùng phong tỏa của đợt này"));
    assert_eq!(zones(&app, &district).await[0]["rounds"][0]["given"], 2);
}

/// A zone of addresses counts only the households whose address matches one of them (case,
/// diacritics and punctuation aside, whole words), and refuses the others of the commune.
async fn an_address_zone_includes_only_matching_households(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let officer = app
        .login_as("phuong", Role::CommuneOfficer, &["00001"])
        .await;
    households(
        &store,
        &[
            (1, "00001", Some("Số 5, ngõ 328 Lê Trọng Tấn")),
            (2, "00001", Some("so 7 NGO 328 LE TRONG TAN")),
            (
                3,
                "00001",
                Some("P.1203 Chung cư Hồ Gươm Plaza, 102 Trần Phú"),
            ),
            (4, "00001", Some("Số 5, ngõ 32 Lê Trọng Tấn")),
            (5, "00001", Some("Số 9, ngõ 3280 Lê Trọng Tấn")),
            (6, "00001", None),
        ],
    )
    .await;
    let (_, round) = zone_with_round(
        &app,
        &officer,
        &zone(
            &["00001"],
            &["  Ngõ 328   Lê Trọng Tấn ", "chung cu ho guom plaza"],
        ),
    )
    .await;
    let z = &zones(&app, &officer).await[0];
    assert_eq!(z["households_in_zone"], 3);
    assert_eq!(
        z["addresses"],
        json!(["Ngõ 328 Lê Trọng Tấn", "chung cu ho guom plaza"])
    );
    for outside in [4, 5, 6] {
        refused_outside(&app, &officer, round, outside).await;
    }
    for inside in [1, 2, 3] {
        let r = app.send(give(&officer, round, inside, "vi")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{inside}: {}", r.json);
    }
    let z = &zones(&app, &officer).await[0];
    assert_eq!(z["rounds"][0]["given"], 3);
    assert_eq!(z["rounds"][0]["gap"], 0);
    let (_, page, _) = html(&app, Method::GET, "/aid", &officer, None).await;
    assert!(page.contains("Ngõ 328 Lê Trọng Tấn; chung cu ho guom plaza"));
}

/// Bad zones are refused field by field and change nothing; an officer of one commune cannot
/// take in another. A zone is listed where it touches the jurisdiction; rounds are opened by
/// a jurisdiction holding all of it; packages go to households of one's own jurisdiction.
async fn zones_are_checked_and_scoped(store: Store) {
    let app = App::at(store.clone(), Some(NOW));
    let phuc_xa = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let truc_bach = app
        .login_as("trucbach", Role::CommuneOfficer, &["00004"])
        .await;
    let vinh_phuc = app
        .login_as("vinhphuc", Role::CommuneOfficer, &["00006"])
        .await;
    let district = app.login_as("badinh", Role::Command, &["001"]).await;
    let field = |r: &Resp| {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
        let f = &r.json["error"]["fields"];
        assert!(f[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
        (
            f[0]["field"].as_str().unwrap().to_string(),
            f[0]["code"].as_str().unwrap().to_string(),
        )
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());

    // Another commune is outside a commune officer's jurisdiction.
    let r = create(&app, &phuc_xa, &zone(&["00001", "00004"], &[])).await;
    assert_eq!(field(&r), pair("units[1]", "out_of_scope"));
    assert_eq!(error_fields(&r), ["units[1]"]);
    let r = create(
        &app,
        &phuc_xa,
        &json!({"name": "x", "unit": "00004",
        "starts_on": "2021-08-01", "population": 1, "households": 1}),
    )
    .await;
    assert_eq!(field(&r), pair("unit", "out_of_scope"));
    for (body, expected) in [
        (zone(&[], &[]), pair("units", "required")),
        (
            zone(&["00001", "00001"], &[]),
            pair("units[1]", "duplicate"),
        ),
        (zone(&["99998"], &[]), pair("units[0]", "not_found")),
        (zone(&["0x"], &[]), pair("units[0]", "invalid_format")),
        (
            zone(&["00001", "2025:00004"], &[]),
            pair("units[1]", "out_of_range"),
        ),
        (
            zone(&["00001"], &["ngõ 1", " , "]),
            pair("addresses[1]", "required"),
        ),
        (
            zone(&["00001"], &["Ngõ 1", "NGO 1"]),
            pair("addresses[1]", "duplicate"),
        ),
        (
            zone(&["00001"], &[&"x".repeat(201)]),
            pair("addresses[0]", "too_long"),
        ),
        (
            json!({"name": "x", "unit": "00001", "units": ["00001"], "starts_on": "2021-08-01",
                   "population": 1, "households": 1}),
            pair("unit", "duplicate"),
        ),
    ] {
        let r = create(&app, &phuc_xa, &body).await;
        assert_eq!(field(&r), expected, "{body}");
    }
    let many: Vec<String> = (0..101).map(|i| format!("ngõ {i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let r = create(&app, &phuc_xa, &zone(&["00001"], &many)).await;
    assert_eq!(field(&r), pair("addresses", "too_long"));
    // A commune inside the district of the same zone.
    let r = create(&app, &district, &zone(&["001", "00004"], &[])).await;
    assert_eq!(field(&r), pair("units[1]", "duplicate"));
    // Nothing was saved.
    assert!(zones(&app, &district).await.is_empty());

    // The district declares a zone over two of its communes.
    households(&store, &[(1, "00001", None), (2, "00004", None)]).await;
    let (zone_id, round) = zone_with_round(&app, &district, &zone(&["00001", "00004"], &[])).await;
    // Listed to both communes it touches, with its counts; not to a third.
    assert_eq!(zones(&app, &phuc_xa).await[0]["households_in_zone"], 2);
    assert_eq!(zones(&app, &truc_bach).await.len(), 1);
    assert!(zones(&app, &vinh_phuc).await.is_empty());
    // A commune cannot open a round of a zone larger than its jurisdiction.
    let r = app
        .post_json(
            &format!("/api/v1/relief/zones/{zone_id}/rounds"),
            Some(&truc_bach),
            &json!({"name": "Đợt 2", "kind": "cash", "starts_on": "2021-08-03"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // It gives packages to its own households only; the third commune sees no round.
    let own = app.send(give(&truc_bach, round, 2, "vi")).await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.json);
    let other = app.send(give(&truc_bach, round, 1, "vi")).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    assert_eq!(other.json["error"]["fields"][0]["code"], "not_found");
    let third = app.send(give(&vinh_phuc, round, 1, "vi")).await;
    assert_eq!(third.status, StatusCode::NOT_FOUND);
    assert_eq!(zones(&app, &district).await[0]["rounds"][0]["given"], 1);
}

both_databases!(
    a_zone_of_two_communes_counts_both_and_refuses_the_rest,
    an_address_zone_includes_only_matching_households,
    zones_are_checked_and_scoped
);
