//! Real unit boundaries a locality supplies, checked before anything is stored: the
//! use case the API's upload and `chongdich units boundaries` share.
//!
//! An import is a GeoJSON FeatureCollection whose features name their unit in a property.
//! Every feature is checked (a known unit inside the caller's jurisdiction, once only, a
//! valid polygon within the point limits near the unit's official centre: see
//! `atlas::check_boundary`) before anything is stored; one bad feature refuses the whole
//! file, with each fault named by its feature (and ring). What is stored is the checked
//! shape, wound as RFC 7946 says.

use domain::{FieldError, Reason, Structure, UnitLevel};

use crate::registry::Registry;

/// Points in one import, all features together: a province of hundreds of communes with
/// fine boundaries (a few thousand points each, [`atlas::MAX_SHAPE_POINTS`] at most). The
/// map draws the province from all of them, so this bounds every drawing's cost too.
pub const MAX_FILE_POINTS: usize = 1_000_000;
/// Features per import: more than the communes of any province (Thanh Hóa had 559).
pub const MAX_FEATURES: usize = 12_000;
/// Field errors reported for one import; the rest are summarised by the first ones.
const MAX_REPORTED: usize = 50;

/// Checks every feature of a FeatureCollection and returns the rows to store, or every
/// fault found (at most [`MAX_REPORTED`]), each named by its feature.
pub fn check(
    scope: &domain::Scope,
    structure: Structure,
    property: &str,
    body: &serde_json::Value,
    source: &str,
    now_s: i64,
    by: &str,
) -> Result<Vec<store::BoundaryRow>, Vec<FieldError>> {
    if body.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        return Err(vec![FieldError::new("type", Reason::UnknownValue)]);
    }
    let features = match body.get("features").and_then(|f| f.as_array()) {
        Some(f) if !f.is_empty() => f,
        _ => return Err(vec![FieldError::new("features", Reason::Required)]),
    };
    if features.len() > MAX_FEATURES {
        return Err(vec![FieldError::new("features", Reason::TooLong)]);
    }
    let points: usize = features
        .iter()
        .map(|f| atlas::count_points(f.get("geometry").unwrap_or(&serde_json::Value::Null)).0)
        .sum();
    if points > MAX_FILE_POINTS {
        return Err(vec![FieldError::new("features", Reason::TooLong)]);
    }
    let registry = Registry::of(structure);
    let mut errors = Vec::new();
    let mut rows: Vec<store::BoundaryRow> = Vec::with_capacity(features.len());
    let mut seen = std::collections::HashSet::new();
    for (i, feature) in features.iter().enumerate() {
        let code_field = format!("features[{i}].properties.{property}");
        let code = match feature.get("properties").and_then(|p| p.get(property)) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim(),
            Some(serde_json::Value::Null) | None => {
                errors.push(FieldError::new(code_field, Reason::Required));
                continue;
            }
            Some(_) => {
                errors.push(FieldError::new(code_field, Reason::InvalidFormat));
                continue;
            }
        };
        let Some(unit) = registry.get(code).filter(|u| u.level != UnitLevel::Country) else {
            errors.push(FieldError::new(code_field, Reason::NotFound));
            continue;
        };
        if !scope.contains(structure, &unit.path) {
            errors.push(FieldError::new(code_field, Reason::OutOfScope));
            continue;
        }
        if !seen.insert(code.to_string()) {
            errors.push(FieldError::new(code_field, Reason::Duplicate));
            continue;
        }
        let geometry_field = format!("features[{i}].geometry");
        let Some(geometry) = feature.get("geometry").filter(|g| !g.is_null()) else {
            errors.push(FieldError::new(geometry_field, Reason::Required));
            continue;
        };
        let centre = unit.lon.zip(unit.lat);
        let geometry = match atlas::check_boundary(geometry, centre) {
            Ok(g) => g,
            Err(e) => {
                use atlas::BoundaryError as E;
                let reason = match e {
                    E::Shape(_) | E::Ring => Reason::InvalidFormat,
                    E::Coordinates => Reason::OutOfRange,
                    E::Far(_) => Reason::Misplaced,
                    E::TooLarge(_) => Reason::TooLong,
                    E::Crossing(_) | E::HoleOutside(_) | E::Overlap(_) => Reason::InvalidShape,
                };
                let field = match e.path() {
                    Some(path) => format!("{geometry_field}.{path}"),
                    None => geometry_field,
                };
                errors.push(FieldError::new(field, reason));
                continue;
            }
        };
        rows.push(store::BoundaryRow {
            unit: store::UnitRef::from(unit),
            geometry: geometry.to_string(),
            source: source.to_string(),
            imported_at_s: now_s,
            imported_by: by.to_string(),
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.truncate(MAX_REPORTED);
        Err(errors)
    }
}
