//! Any JSON at all, and GeoJSON garbled in every way a file can be, goes through the boundary
//! check without a panic and comes back as rows or field errors, each in bounded time.

use proptest::prelude::*;
use serde_json::{json, Value};

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|f| json!(f)),
        (-200.0..200.0f64).prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        "[a-zA-Z0-9 ]{0,8}".prop_map(Value::String),
        prop_oneof![
            Just("Polygon"),
            Just("MultiPolygon"),
            Just("Feature"),
            Just("00001")
        ]
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type".to_string()),
                        Just("coordinates".to_string()),
                        Just("geometry".to_string()),
                        Just("properties".to_string()),
                        Just("ma".to_string()),
                        "[a-z]{1,4}"
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A point near Phúc Xá, sometimes repeated, sometimes wild.
fn point() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => (105.84..105.86f64, 21.04..21.06f64).prop_map(|(x, y)| json!([x, y])),
        1 => prop_oneof![Just(json!([105.85, 21.05])), Just(json!([105.85])), Just(json!([])), Just(json!(["a", 1]))],
        1 => (any::<f64>(), any::<f64>()).prop_map(|(x, y)| json!([x, y])),
    ]
}

fn ring() -> impl Strategy<Value = Value> {
    prop::collection::vec(point(), 0..40).prop_map(Value::Array)
}

/// A Polygon or MultiPolygon of random rings: mostly self-intersecting, sometimes not.
fn garbled_geojson() -> impl Strategy<Value = Value> {
    let polygon = || prop::collection::vec(ring(), 0..4).prop_map(Value::Array);
    prop_oneof![
        polygon().prop_map(|p| json!({"type": "Polygon", "coordinates": p})),
        prop::collection::vec(polygon(), 0..4)
            .prop_map(|m| json!({"type": "MultiPolygon", "coordinates": m})),
    ]
}

fn collection(geometries: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": geometries.into_iter().map(|g| {
        json!({"type": "Feature", "properties": {"ma": "00001"}, "geometry": g})
    }).collect::<Vec<_>>()})
}

fn checked_in_time(body: &Value) {
    let started = std::time::Instant::now();
    let out = app::boundaries::check(
        &domain::Scope::everything(),
        domain::Structure::S2021,
        "ma",
        body,
        "fuzz",
        0,
        "fuzz",
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    match out {
        Ok(rows) => {
            for row in rows {
                let shape: Value = serde_json::from_str(&row.geometry).expect("stored JSON");
                // What was kept passes the check again, unchanged.
                assert_eq!(atlas::check_boundary(&shape, None).as_ref(), Ok(&shape));
            }
        }
        Err(errors) => assert!(!errors.is_empty() && errors.iter().all(|e| !e.field.is_empty())),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_json_body_is_checked_without_panic(body in any_json()) {
        checked_in_time(&body);
    }

    #[test]
    fn any_json_geometry_is_checked_without_panic(geometry in any_json()) {
        checked_in_time(&collection(vec![geometry]));
    }

    #[test]
    fn garbled_geojson_is_checked_without_panic(geometries in prop::collection::vec(garbled_geojson(), 1..4)) {
        checked_in_time(&collection(geometries));
    }
}
