//! Boundary imports that would have taken the server down: broken or oversized shapes are
//! refused and named, and the map of a province is built once, however many pages ask.

use axum::http::{Method, StatusCode};
use domain::Role;
use serde_json::{json, Value};
use store::{both_databases, Store};

use crate::ui::{send, sign_in};
use crate::App;

const URL: &str = "/api/v1/boundaries?code_property=ma&source=test";
/// `web::api::boundaries::MAX_FILE_POINTS` (the module is private).
const MAX_FILE_POINTS: usize = 1_000_000;

fn feature(code: &str, rings: Value) -> Value {
    json!({"type": "Feature", "properties": {"ma": code}, "geometry": {"type": "Polygon", "coordinates": rings}})
}

fn square(code: &str, lon: f64, lat: f64, h: f64) -> Value {
    feature(
        code,
        json!([[
            [lon - h, lat - h],
            [lon + h, lat - h],
            [lon + h, lat + h],
            [lon - h, lat + h],
            [lon - h, lat - h]
        ]]),
    )
}

/// A closed ring of `n` points (the last repeats the first) around (lon, lat).
fn circle(lon: f64, lat: f64, n: usize) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = (0..n - 1)
        .map(|i| {
            let t = i as f64 / (n - 1) as f64 * std::f64::consts::TAU;
            [lon + 0.002 * t.cos(), lat + 0.002 * t.sin()]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

async fn a_broken_or_oversized_boundary_is_refused_and_named(store: Store) {
    let app = App::new(store);
    let chief = app.login_as("chihuy", Role::Command, &["VN"]).await;
    let (lon, lat) = (105.848112, 21.046798); // Phúc Xá's official centre
    let bow_tie = feature(
        "00001",
        json!([[
            [lon - 0.002, lat - 0.002],
            [lon + 0.002, lat + 0.002],
            [lon + 0.002, lat - 0.002],
            [lon - 0.002, lat + 0.002],
            [lon - 0.002, lat - 0.002]
        ]]),
    );
    let huge = feature(
        "00004",
        json!([circle(105.84, 21.04, atlas::MAX_SHAPE_POINTS + 1)]),
    );
    let stray_hole = feature(
        "00006",
        json!([
            [
                [105.80, 21.00],
                [105.90, 21.00],
                [105.90, 21.10],
                [105.80, 21.10],
                [105.80, 21.00]
            ],
            [
                [106.00, 21.00],
                [106.01, 21.00],
                [106.01, 21.01],
                [106.00, 21.01],
                [106.00, 21.00]
            ]
        ]),
    );
    let r = app
        .post_json(
            URL,
            Some(&chief),
            &collection(vec![bow_tie, huge, stray_hole]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
    assert_eq!(
        crate::error_fields(&r),
        vec![
            "features[0].geometry.coordinates[0]".to_string(),
            "features[1].geometry".to_string(),
            "features[2].geometry.coordinates[1]".to_string(),
        ]
    );
    assert_eq!(r.json["error"]["fields"][0]["code"], "invalid_shape");
    assert_eq!(r.json["error"]["fields"][1]["code"], "too_long");
    assert_eq!(r.json["error"]["fields"][2]["code"], "invalid_shape");

    // A file over the limit of points is refused before any feature is looked at.
    let per = atlas::MAX_SHAPE_POINTS - 1;
    let many: Vec<Value> = (0..MAX_FILE_POINTS / per + 1)
        .map(|_| feature("00001", json!([circle(lon, lat, per)])))
        .collect();
    let r = app.post_json(URL, Some(&chief), &collection(many)).await;
    assert_eq!(crate::error_fields(&r), vec!["features".to_string()]);
    assert_eq!(r.json["error"]["fields"][0]["code"], "too_long");

    let stored = app.get("/api/v1/boundaries?unit=01", Some(&chief)).await;
    assert_eq!(stored.json["features"].as_array().map(Vec::len), Some(0));

    // A valid boundary wound clockwise is kept, wound as RFC 7946 says.
    let clockwise = feature(
        "00001",
        json!([[
            [lon - 0.002, lat - 0.002],
            [lon - 0.002, lat + 0.002],
            [lon + 0.002, lat + 0.002],
            [lon + 0.002, lat - 0.002]
        ]]),
    );
    let r = app
        .post_json(URL, Some(&chief), &collection(vec![clockwise]))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let stored = app.get("/api/v1/boundaries?unit=00001", Some(&chief)).await;
    let ring = &stored.json["features"][0]["geometry"]["coordinates"][0];
    assert_eq!(ring.as_array().map(Vec::len), Some(5), "closed: {ring}");
    assert_eq!(
        ring[1],
        json!([lon + 0.002, lat - 0.002]),
        "counter-clockwise: {ring}"
    );
}
both_databases!(a_broken_or_oversized_boundary_is_refused_and_named);

/// Pages asking for a province's map at once share one build of it (per kind of map), and the
/// import has already started it.
async fn concurrent_maps_share_one_build(store: Store) {
    let app = App::new(store);
    let chief = app.login_as("chihuy", Role::Command, &["VN"]).await;
    let cookie = sign_in(&app, "chihuy").await;
    let registry = app::registry::Registry::of(domain::Structure::S2021);
    let squares: Vec<Value> = registry
        .communes_under("01")
        .into_iter()
        .filter_map(|u| Some(square(u.code.as_str(), u.lon?, u.lat?, 0.002)))
        .collect();
    let before = web::map_builds_started();
    let r = app.post_json(URL, Some(&chief), &collection(squares)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let pages = (0..12).map(|i| {
        let (app, cookie) = (&app, &cookie);
        async move {
            let uri = if i % 3 == 0 {
                "/map?unit=01&level=district"
            } else {
                "/map?unit=01"
            };
            send(app, Method::GET, uri, cookie, None).await
        }
    });
    let pages = futures_join_all(pages).await;
    for page in &pages {
        assert_eq!(page.status, StatusCode::OK);
        assert!(page
            .html
            .contains("vẽ theo ranh giới do địa phương cung cấp"));
    }
    assert_eq!(
        web::map_builds_started() - before,
        2,
        "one build for the communes' map, one for the districts'"
    );
}
both_databases!(concurrent_maps_share_one_build);

/// All the futures, run at once on this task.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in set.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *o = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
