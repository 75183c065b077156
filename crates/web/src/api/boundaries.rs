//! Real unit boundaries a locality supplies (`/api/v1/boundaries`). The map draws a
//! province from them once every commune in it has one (`ui::map::atlas_for`); until then it
//! draws cells around the official centres.
//!
//! An import is a GeoJSON FeatureCollection whose features name their unit in a property.
//! Every feature is checked (a known unit inside the caller's jurisdiction, once only, a
//! closed polygon near the unit's official centre) before anything is stored; one bad
//! feature refuses the whole file, with each fault named by its feature.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::role::Permission;
use domain::{FieldError, Reason, Structure, UnitLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::opt_param;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::registry::Registry;
use crate::AppState;

/// Bodies of this route may be large: a province's communes with fine boundaries run to
/// tens of megabytes.
pub const BOUNDARY_BODY_LIMIT_BYTES: usize = 64 * 1024 * 1024;
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
    auth.require(Permission::SetPolicy)?;
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
    let rows = check(
        &auth.0.scope,
        structure,
        &property,
        &body,
        source,
        state.now_s(),
        &auth.0.user.username,
    )
    .map_err(ApiError::invalid)?;
    let units = rows.iter().map(|r| r.unit.code.to_string()).collect();
    let imported = state.store.put_boundaries(&rows).await?;
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
        if let Err(e) = atlas::check_boundary(geometry, centre) {
            let reason = match e {
                atlas::BoundaryError::Shape(_) | atlas::BoundaryError::Ring => {
                    Reason::InvalidFormat
                }
                atlas::BoundaryError::Coordinates => Reason::OutOfRange,
                atlas::BoundaryError::Far(_) => Reason::Misplaced,
            };
            errors.push(FieldError::new(geometry_field, reason));
            continue;
        }
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
