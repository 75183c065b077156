//! Checks of a boundary a locality supplies, before it replaces a unit's cell on the map: a
//! wrong code in a file would otherwise draw one commune where another is.

use geo::{Contains, Coord, LineString, MultiPolygon, Point};

use crate::outline::multipolygon_of;
use crate::{Projection, Xy};

/// How far a supplied boundary may lie from the unit's official centre. The centres come
/// from the registry package and sit inside their commune, but not always exactly; a few
/// kilometres allow for that while catching a boundary filed under the wrong code.
pub const MAX_CENTRE_DISTANCE_KM: f64 = 5.0;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundaryError {
    #[error("not a GeoJSON Polygon or MultiPolygon: {0}")]
    Shape(String),
    #[error("a ring has fewer than 3 distinct points")]
    Ring,
    #[error("a point lies outside longitude -180..180 or latitude -90..90")]
    Coordinates,
    #[error("the boundary lies {0:.1} km from the unit's official centre")]
    Far(f64),
}

/// Checks `geometry` (a GeoJSON Feature or geometry) as the boundary of a unit whose official
/// centre is `centre` (longitude, latitude; `None` skips that check).
pub fn check_boundary(
    geometry: &serde_json::Value,
    centre: Option<(f64, f64)>,
) -> Result<(), BoundaryError> {
    let shape = multipolygon_of(geometry).map_err(|e| BoundaryError::Shape(e.to_string()))?;
    if shape.0.is_empty() {
        return Err(BoundaryError::Shape("no polygon".into()));
    }
    let rings = || {
        shape
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
    };
    // An open ring is closed when parsed (as GeoJSON readers commonly allow); what cannot
    // be mended is a ring without area.
    for ring in rings() {
        let pts = &ring.0;
        if pts.len() < 4 {
            return Err(BoundaryError::Ring);
        }
        if pts
            .iter()
            .any(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
        {
            return Err(BoundaryError::Coordinates);
        }
    }
    if let Some((lon, lat)) = centre {
        let km = distance_km(&shape, lon, lat);
        if km > MAX_CENTRE_DISTANCE_KM {
            return Err(BoundaryError::Far(km));
        }
    }
    Ok(())
}

/// Distance in km from (lon, lat) to the shape: 0 inside it.
fn distance_km(shape: &MultiPolygon<f64>, lon: f64, lat: f64) -> f64 {
    if shape.contains(&Point::new(lon, lat)) {
        return 0.0;
    }
    let projection = Projection::around(lon, lat);
    let project = |ring: &LineString<f64>| -> Vec<Xy> {
        ring.0
            .iter()
            .map(|Coord { x, y }| projection.project(*x, *y))
            .collect()
    };
    shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| {
            let pts = project(ring);
            (1..pts.len())
                .map(|i| to_segment((0.0, 0.0), pts[i - 1], pts[i]))
                .collect::<Vec<_>>()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Distance from `p` to the segment `a`–`b`.
fn to_segment(p: Xy, a: Xy, b: Xy) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - x).powi(2) + (p.1 - y).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, side: f64) -> serde_json::Value {
        serde_json::json!({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
            [lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]
        ]]}})
    }

    #[test]
    fn a_square_around_the_centre_passes_and_one_far_away_does_not() {
        assert_eq!(
            check_boundary(&square(105.8, 21.0, 0.1), Some((105.85, 21.05))),
            Ok(())
        );
        // 0.01° of latitude is 1.1 km: just outside, still within reach.
        assert_eq!(
            check_boundary(&square(105.8, 21.0, 0.1), Some((105.85, 21.11))),
            Ok(())
        );
        match check_boundary(&square(105.8, 21.0, 0.1), Some((105.85, 21.3))) {
            Err(BoundaryError::Far(km)) => assert!((km - 22.3).abs() < 0.5, "{km}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn broken_geometry_is_refused_with_the_reason() {
        let line = serde_json::json!({"type": "Polygon", "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.8, 21.0]]]});
        assert_eq!(check_boundary(&line, None), Err(BoundaryError::Ring));
        let open = serde_json::json!({"type": "Polygon", "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.9, 21.1], [105.8, 21.1]]]});
        assert_eq!(check_boundary(&open, None), Ok(()), "closed when parsed");
        let wild = serde_json::json!({"type": "Polygon", "coordinates": [[[1058.0, 21.0], [105.9, 21.0], [105.9, 21.1], [1058.0, 21.0]]]});
        assert_eq!(check_boundary(&wild, None), Err(BoundaryError::Coordinates));
        let point = serde_json::json!({"type": "Point", "coordinates": [105.8, 21.0]});
        assert!(matches!(
            check_boundary(&point, None),
            Err(BoundaryError::Shape(_))
        ));
    }
}
