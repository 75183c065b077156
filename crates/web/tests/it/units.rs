use axum::http::StatusCode;
use domain::Role;
use store::{both_databases, Store};

use crate::{error_code, error_fields, App};

async fn structures_have_their_official_counts(store: Store) {
    let app = App::new(store);
    let token = app.login_as("admin", Role::Administrator, &["VN"]).await;
    let p25 = app
        .all_items(
            "/api/v1/units?structure=2025&level=province&limit=10",
            &token,
        )
        .await;
    assert_eq!(p25.len(), 34);
    let c25 = app
        .all_items(
            "/api/v1/units?structure=2025&level=commune&limit=1000",
            &token,
        )
        .await;
    assert_eq!(c25.len(), 3_321);
    let p21 = app
        .all_items(
            "/api/v1/units?structure=2021&level=province&limit=1000",
            &token,
        )
        .await;
    assert_eq!(p21.len(), 63);
    let hn = &p21[0];
    assert_eq!(hn["code"], "01");
    assert_eq!(hn["name"], "Hà Nội");
    assert_eq!(hn["level"], "province");
    assert_eq!(hn["type"], "thanh_pho_tw");
    assert_eq!(hn["structure"], "2021");
    assert!(hn["parent_code"].is_null());
    assert!(hn["lat"].as_f64().unwrap() > 20.0 && hn["lon"].as_f64().unwrap() > 105.0);
    // Foreign partners: listed as their own kind.
    let lao = app
        .all_items(
            "/api/v1/units?structure=2025&kind=foreign&level=province",
            &token,
        )
        .await;
    assert_eq!(lao.len(), 9);
    assert!(lao
        .iter()
        .all(|u| u["kind"] == "foreign" && u["parent_code"] == "LA"));
    assert!(lao
        .iter()
        .any(|u| u["code"] == "LA-VT" && u["type"] == "foreign_capital"));
    // The archipelagos are units of the registry in both structures.
    let hs = app.get("/api/v1/units/2025/20333", Some(&token)).await;
    assert_eq!(hs.json["type"], "dac_khu");
    assert_eq!(hs.json["name"], "Hoàng Sa");
    let ts = app
        .all_items(
            "/api/v1/units?structure=2021&q=truong%20sa&level=district",
            &token,
        )
        .await;
    assert_eq!(ts.len(), 1);
    assert_eq!(ts[0]["parent_code"], "56");
}

async fn commune_officer_sees_only_its_commune(store: Store) {
    let app = App::new(store);
    let token = app
        .login_as("phucxa", Role::CommuneOfficer, &["00001"])
        .await;
    let all = app.all_items("/api/v1/units?structure=2021", &token).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["code"], "00001");
    assert_eq!(all[0]["full_name"], "Phường Phúc Xá");
    assert!(app
        .all_items("/api/v1/units?structure=2021&level=province", &token)
        .await
        .is_empty());
    let outside = app.get("/api/v1/units/2021/00004", Some(&token)).await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
    let inside = app.get("/api/v1/units/2021/00001", Some(&token)).await;
    assert_eq!(inside.status, StatusCode::OK);
    // A district officer sees the district and its communes.
    let district = app.login_as("badinh", Role::Tracer, &["001"]).await;
    let units = app
        .all_items("/api/v1/units?structure=2021&limit=5", &district)
        .await;
    assert_eq!(units[0]["code"], "001");
    assert!(units.iter().skip(1).all(|u| u["parent_code"] == "001"));
    assert!(units.len() > 10);
}

async fn bad_parameters_are_named(store: Store) {
    let app = App::new(store);
    let token = app.login_as("admin", Role::Administrator, &["VN"]).await;
    for (query, field) in [
        ("structure=2030", "structure"),
        ("level=village", "level"),
        ("kind=alien", "kind"),
        ("parent=a%20b", "parent"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("cursor=%25%25%25", "cursor"),
        ("cursor=Zm9vYmFy", "cursor"),
    ] {
        let r = app
            .get(&format!("/api/v1/units?{query}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(error_code(&r), "invalid_input", "{query}");
        assert_eq!(error_fields(&r), vec![field], "{query}");
    }
    let r = app.get("/api/v1/units", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.get("/api/v1/units/1999/01", Some(&token)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

both_databases!(
    structures_have_their_official_counts,
    commune_officer_sees_only_its_commune,
    bad_parameters_are_named,
);
