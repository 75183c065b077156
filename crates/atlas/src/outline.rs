//! Vietnam's outline from Natural Earth 1:10m (public domain), compiled in.

use std::sync::OnceLock;

use geo::{Coord, LineString, MultiPolygon, Polygon};

const VIETNAM: &str = include_str!("../../../data/geo/vietnam.geojson");

#[derive(Debug, thiserror::Error)]
pub enum OutlineError {
    #[error("outline is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("outline: {0}")]
    Shape(&'static str),
}

/// The country's outline in longitude/latitude (islands included; Hoàng Sa and Trường Sa are
/// not in Natural Earth's Vietnam and are drawn from their units instead).
pub fn country_outline() -> Result<&'static MultiPolygon<f64>, &'static OutlineError> {
    static OUTLINE: OnceLock<Result<MultiPolygon<f64>, OutlineError>> = OnceLock::new();
    OUTLINE.get_or_init(|| parse_multipolygon(VIETNAM)).as_ref()
}

/// A GeoJSON Feature or geometry whose geometry is a Polygon or MultiPolygon.
pub(crate) fn parse_multipolygon(text: &str) -> Result<MultiPolygon<f64>, OutlineError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    multipolygon_of(&value)
}

/// [`parse_multipolygon`] of JSON already parsed.
pub(crate) fn multipolygon_of(
    value: &serde_json::Value,
) -> Result<MultiPolygon<f64>, OutlineError> {
    let geometry = value.get("geometry").unwrap_or(value);
    let kind = geometry
        .get("type")
        .and_then(|t| t.as_str())
        .ok_or(OutlineError::Shape("geometry has no type"))?;
    let coords = geometry
        .get("coordinates")
        .ok_or(OutlineError::Shape("geometry has no coordinates"))?;
    let polygons: Vec<&serde_json::Value> = match kind {
        "Polygon" => vec![coords],
        "MultiPolygon" => coords
            .as_array()
            .ok_or(OutlineError::Shape("coordinates are not a list"))?
            .iter()
            .collect(),
        _ => return Err(OutlineError::Shape("geometry is not a polygon")),
    };
    polygons
        .into_iter()
        .map(polygon)
        .collect::<Result<Vec<_>, _>>()
        .map(MultiPolygon)
}

fn polygon(rings: &serde_json::Value) -> Result<Polygon<f64>, OutlineError> {
    let mut rings = rings
        .as_array()
        .ok_or(OutlineError::Shape("polygon is not a list of rings"))?
        .iter()
        .map(ring);
    let exterior = rings
        .next()
        .ok_or(OutlineError::Shape("polygon without rings"))??;
    let holes = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}

fn ring(points: &serde_json::Value) -> Result<LineString<f64>, OutlineError> {
    points
        .as_array()
        .ok_or(OutlineError::Shape("ring is not a list of points"))?
        .iter()
        .map(|p| {
            let x = p.get(0).and_then(|v| v.as_f64());
            let y = p.get(1).and_then(|v| v.as_f64());
            match (x, y) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok(Coord { x, y }),
                _ => Err(OutlineError::Shape("point is not two numbers")),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(LineString::new)
}
