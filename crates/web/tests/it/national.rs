//! The national view's page and API (issue #17, "What travels" 5): the command roles see
//! it, the others do not; the totals are the rows summed; the map draws Hoàng Sa and Trường
//! Sa as Vietnam's.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::App;

/// 2021-11-20T03:00:00Z = 10:00 in Hà Nội.
const NOW: i64 = 1_637_377_200;

fn figures(day: &str, new: i64, active: i64, deaths: i64, worst: i64, free1: i64) -> Value {
    let mut counts = [0i64; 4];
    counts[(worst - 1) as usize] = 2;
    counts[0] += 1;
    json!({
        "v": 1, "day": day, "cases_new": new, "cases_active": active, "deaths": deaths,
        "recovered": 7, "f1_under_follow_up": 11, "vaccinated": 1000,
        "levels": { "week": "2021-11-14", "counts": counts, "units": {} },
        "beds": [
            { "tier": 0, "total": 50, "occupied": 10, "free": 40 },
            { "tier": 1, "total": 20, "occupied": 20 - free1, "free": free1 },
            { "tier": 2, "total": 5, "occupied": 1, "free": 4 },
            { "tier": 3, "total": 2, "occupied": 2, "free": 0 }
        ],
        "needs": [ { "item": "masks", "quantity": 5000, "unit": "pieces" } ]
    })
}

/// Figures as a national instance keeps them once received (`linked_figures`).
async fn received(store: &Store) {
    let mut tx = store.begin_transaction().await.unwrap();
    for (code, body) in [
        ("01", figures("2021-11-20", 3, 40, 1, 3, 6)),
        ("79", figures("2021-11-19", 120, 900, 12, 4, 0)),
    ] {
        store
            .put_linked_figures_in(
                &mut tx,
                code,
                body["day"].as_str().unwrap(),
                &body.to_string(),
                NOW,
            )
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn the_command_roles_see_the_national_table_and_map(store: Store) {
    received(&store).await;
    let app = App::at(store.clone(), Some(NOW));

    for (name, role, may) in [
        ("admin", Role::Administrator, true),
        ("command", Role::Command, true),
        ("tracer", Role::Tracer, false),
        ("viewer", Role::Viewer, false),
        ("partner", Role::Partner, false),
        ("facility", Role::FacilityManager, false),
    ] {
        let token = app.login_as(name, role, &["VN"]).await;
        let api = app.get("/api/v1/national", Some(&token)).await;
        let page = send(
            &app,
            Method::GET,
            "/national",
            &sign_in(&app, name).await,
            None,
        )
        .await;
        let want = if may {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!((api.status, page.status), (want, want), "{name}");
        // The navigation leads there only those who may open it.
        let home = send(&app, Method::GET, "/", &sign_in(&app, name).await, None).await;
        assert_eq!(home.html.contains("href=\"/national\""), may, "{name}");
    }

    let token = app.login_as("command2", Role::Command, &["VN"]).await;
    let api = app.get("/api/v1/national", Some(&token)).await.json;
    let rows = api["localities"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "Thành phố Hà Nội");
    assert_eq!(rows[1]["worst_level"], 4);
    // The totals are the rows summed, every figure.
    for key in [
        "cases_new",
        "cases_active",
        "deaths",
        "recovered",
        "f1_under_follow_up",
        "vaccinated",
    ] {
        let sum: i64 = rows.iter().map(|r| r[key].as_i64().unwrap()).sum();
        assert_eq!(api["total"][key].as_i64().unwrap(), sum, "{key}");
    }
    for key in ["beds_free", "level_counts"] {
        for i in 0..4 {
            let sum: i64 = rows.iter().map(|r| r[key][i].as_i64().unwrap()).sum();
            assert_eq!(api["total"][key][i].as_i64().unwrap(), sum, "{key}[{i}]");
        }
    }
    let needs: usize = rows
        .iter()
        .map(|r| r["needs"].as_array().unwrap().len())
        .sum();
    assert_eq!(api["total"]["open_needs"].as_i64().unwrap(), needs as i64);
    assert_eq!(api["total"]["cases_new"], 123);
    assert_eq!(api["total"]["beds_free"][1], 6);

    // The page: the same rows and totals, in Vietnamese; the map with both archipelagos.
    let cookie = sign_in(&app, "command2").await;
    let page = send(&app, Method::GET, "/national", &cookie, None).await;
    assert!(page.html.contains("Tình hình dịch toàn quốc"));
    assert!(page.html.contains("Thành phố Hà Nội"));
    assert!(page.html.contains("Thành phố Hồ Chí Minh"));
    let foot = &page.html[page.html.find("<tfoot>").unwrap()..page.html.find("</tfoot>").unwrap()];
    assert!(foot.contains("<td>123</td>"), "{foot}");
    assert!(foot.contains("<td>940</td>"), "{foot}");
    assert!(
        page.html.contains("Quần đảo Hoàng Sa (Việt Nam)"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Quần đảo Trường Sa (Việt Nam)"));
    assert!(page.html.contains("data-archipelago=\"hoang-sa\""));
    assert!(page.html.contains("data-archipelago=\"truong-sa\""));
    // In English too.
    let en = send(
        &app,
        Method::GET,
        "/national",
        &format!("{cookie}; lang=en"),
        None,
    )
    .await;
    assert!(en.html.contains("National situation"));
}

both_databases!(the_command_roles_see_the_national_table_and_map);
