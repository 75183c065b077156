//! Real unit boundaries a locality supplies (`/api/v1/boundaries`). The map draws a
//! province from them once every commune in it has one (`ui::map::atlas_for`); until then it
//! draws cells around the official centres. Each import is checked whole by
//! `app::boundaries::check` before anything is stored.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::{Reason, Structure, UnitLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::opt_param;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::registry::Registry;
use crate::AppState;

/// Bodies of this route may be large: a province's communes with fine boundaries. At most
/// [`app::boundaries::MAX_FILE_POINTS`] points; a point written compactly with full precision
/// (`[105.84811234567891,21.046798123456789],`) takes about 40 bytes, so 40 MB, with room
/// for properties and spacing.
pub const BOUNDARY_BODY_LIMIT_BYTES: usize = 48 * 1024 * 1024;
pub use app::boundaries::check;

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
