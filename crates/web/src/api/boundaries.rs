//! Real unit boundaries a locality supplies (`/api/v1/boundaries`). The map draws a
//! province from them once every commune in it has one (`ui::map::atlas_for`); until then it
//! draws cells around the official centres.
//!
//! An import is a GeoJSON FeatureCollection whose features name their unit in a property.
//! Every feature is checked (a known unit inside the caller's jurisdiction, once only, a
//! valid polygon within the point limits near the unit's official centre: see
//! `atlas::check_boundary`) before anything is stored; one bad feature refuses the whole
//! file, with each fault named by its feature (and ring). What is stored is the checked
//! shape, wound as RFC 7946 says.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::{FieldError, Reason, Structure, UnitLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::opt_param;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::registry::Registry;
use crate::AppState;

/// Bodies of this route may be large: a province's communes with fine boundaries. At most
/// [`MAX_FILE_POINTS`] points; a point written compactly with full precision
/// (`[105.84811234567891,21.046798123456789],`) takes about 40 bytes, so 40 MB, with room
/// for properties and spacing.
pub const BOUNDARY_BODY_LIMIT_BYTES: usize = 48 * 1024 * 1024;
/// Points in one import, all features together: a province of hundreds of communes with
/// fine boundaries (a few thousand points each, [`atlas::MAX_SHAPE_POINTS`] at most). The
/// map draws the province from all of them, so this bounds every drawing's cost too.
pub const MAX_FILE_POINTS: usize = 1_000_000;
/// Features per import: more than the communes of any province (Thanh Hóa had 559).
pub const MAX_FEATURES: usize = 12_000;
/// Field errors reported for one import; the rest are summarised by the first ones.
const MAX_REPORTED: usize = 50;

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `2021` (default) or `2025`.
    structure: Option<String>,
    /// The feature property that holds the unit code (default `code`).
    code_property: Option<String>,
    /// Where the boundaries come from (required): the survey, the department, the year.
    source: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    structure: &'static str,
    /// Units whose boundary was stored (an earlier boundary of the same unit is replaced).
    imported: u64,
    units: Vec<String>,
}

/// Stores the boundaries of a FeatureCollection, all or none.
#[utoipa::path(post, path = "/api/v1/boundaries", params(ImportQuery), request_body = Object, responses(
    (status = 201, body = ImportReport),
    (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ImportQuery>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<ImportReport>), ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let property = q
        .code_property
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("code")
        .to_string();
    let source = q.source.as_deref().map(str::trim).unwrap_or_default();
    if source.is_empty() {
        return Err(ApiError::field("source", Reason::Required));
    }
    if source.chars().count() > 300 {
        return Err(ApiError::field("source", Reason::TooLong));
    }
    // Checking a file at the limits takes seconds of one core: off the async workers.
    let (scope, source_owned, now_s, by) = (
        auth.0.scope.clone(),
        source.to_string(),
        state.now_s(),
        auth.0.user.username.clone(),
    );
    let rows = tokio::task::spawn_blocking(move || {
        check(
            &scope,
            structure,
            &property,
            &body,
            &source_owned,
            now_s,
            &by,
        )
    })
    .await
    .map_err(|e| {
        tracing::error!("checking boundaries: {e}");
        ApiError::new(crate::error::ErrorCode::Internal)
    })?
    .map_err(ApiError::invalid)?;
    let units = rows.iter().map(|r| r.unit.code.to_string()).collect();
    let imported = state.store.put_boundaries(&rows).await?;
    // The maps of the provinces touched are built now, not by the next page that asks.
    let registry = Registry::of(structure);
    if structure == Structure::S2021 {
        let mut provinces: Vec<&domain::Unit> = rows
            .iter()
            .filter_map(|r| registry.ancestor_at(r.unit.code.as_str(), UnitLevel::Province))
            .collect();
        provinces.sort_by(|a, b| a.code.cmp(&b.code));
        provinces.dedup_by(|a, b| a.code == b.code);
        for p in provinces {
            crate::ui::map::prepare(&state, p).await;
        }
    }
    tracing::info!(
        "boundaries: {imported} units of structure {structure} imported by {} from {source}",
        auth.0.user.username
    );
    Ok((
        StatusCode::CREATED,
        Json(ImportReport {
            structure: structure.as_str(),
            imported,
            units,
        }),
    ))
}

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

#[derive(Deserialize, IntoParams)]
pub struct BoundaryQuery {
    /// A unit code: its boundary and those of the units under it.
    unit: Option<String>,
    /// `2021` (default) or `2025`.
    structure: Option<String>,
}

/// The supplied boundaries of a unit and the units under it, as a GeoJSON FeatureCollection
/// (properties: `code`, `name`, `source`, `imported_at`, `imported_by`). Boundaries are
/// reference data, not personal data: any signed-in user may read them.
#[utoipa::path(get, path = "/api/v1/boundaries", params(BoundaryQuery), responses(
    (status = 200, body = Object),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Auth,
    ApiQuery(q): ApiQuery<BoundaryQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let code = q.unit.as_deref().map(str::trim).unwrap_or_default();
    if code.is_empty() {
        return Err(ApiError::field("unit", Reason::Required));
    }
    let registry = Registry::of(structure);
    let unit = registry
        .get(code)
        .ok_or_else(|| ApiError::field("unit", Reason::NotFound))?;
    let features: Vec<serde_json::Value> = state
        .store
        .boundaries_under(structure, &unit.path)
        .await?
        .into_iter()
        .map(|b| {
            let geometry: serde_json::Value =
                serde_json::from_str(&b.geometry).unwrap_or(serde_json::Value::Null);
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "code": b.unit_code,
                    "name": registry.name(&b.unit_code),
                    "source": b.source,
                    "imported_at": crate::api::cases::iso(b.imported_at_s),
                    "imported_by": b.imported_by,
                },
                "geometry": geometry,
            })
        })
        .collect();
    Ok(Json(
        serde_json::json!({"type": "FeatureCollection", "features": features}),
    ))
}
