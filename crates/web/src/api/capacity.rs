//! Planned capacity: the bed plan of the caller's jurisdiction (every entry, and what is in
//! force on a date), and recording an entry (`app::capacity`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use domain::Structure;
use serde::{Deserialize, Serialize};
use store::PlanEntry;
use utoipa::{IntoParams, ToSchema};

use super::opt_param;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct PlanEntryDto {
    id: i64,
    structure: &'static str,
    unit_code: String,
    /// `quarantine` (F1 places), `f0_tier1`, `oxygen`, `high_flow`, `ventilator` or `icu`.
    bed_type: &'static str,
    /// 0 for F1 quarantine, else the F0 treatment tier.
    tier: u8,
    beds: i64,
    /// The first day the planned beds count.
    from: String,
    note: Option<String>,
    created_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlannedBedsDto {
    bed_type: &'static str,
    tier: u8,
    beds: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    /// The date `in_force` is for.
    on: String,
    /// Per bed type, the latest entry of each unit dated on or before `on`, summed.
    in_force: Vec<PlannedBedsDto>,
    /// Every entry in the jurisdiction, by date.
    entries: Vec<PlanEntryDto>,
}

fn entry_dto(e: PlanEntry) -> PlanEntryDto {
    PlanEntryDto {
        id: e.id,
        structure: e.structure.as_str(),
        unit_code: e.unit_code.to_string(),
        bed_type: e.bed_type.as_str(),
        tier: e.bed_type.tier(),
        beds: e.beds,
        from: e.from.to_string(),
        note: e.note,
        created_by: e.created_by,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct PlanQuery {
    /// `2021` (default) or `2025`.
    structure: Option<String>,
    /// `YYYY-MM-DD`; default today on the locality's clock.
    on: Option<String>,
}

/// The bed plan of the caller's jurisdiction: its entries and the plan in force on a date.
#[utoipa::path(get, path = "/api/v1/capacity/plan", params(PlanQuery), responses(
    (status = 200, body = PlanDto),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn plan(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PlanQuery>,
) -> Result<Json<PlanDto>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let on: NaiveDate =
        opt_param("on", q.on.as_deref(), app::input::date)?.unwrap_or_else(|| state.today());
    let entries = state.store.capacity_plan(&auth.0.scope, structure).await?;
    let in_force = store::in_force(&entries, on)
        .into_iter()
        .map(|p| PlannedBedsDto {
            bed_type: p.bed_type.as_str(),
            tier: p.bed_type.tier(),
            beds: p.beds,
        })
        .collect();
    Ok(Json(PlanDto {
        on: on.to_string(),
        in_force,
        entries: entries.into_iter().map(entry_dto).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PlanRequest {
    /// A unit code of the caller's jurisdiction (2021 unless prefixed `2025:`).
    unit: Option<String>,
    /// `quarantine` (F1 places) or an F0 bed: `f0_tier1`, `oxygen`, `high_flow`,
    /// `ventilator`, `icu`.
    bed_type: Option<String>,
    /// 1 to 1,000,000.
    beds: Option<i64>,
    /// `YYYY-MM-DD`, from 2019-12-01 to a year ahead: the first day the beds count.
    from: Option<String>,
    /// Where the plan comes from (a decision's number).
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedPlan {
    id: i64,
}

/// Records an entry of the bed plan: the beds of a type a unit plans from a date (a later
/// entry for the same unit and type replaces it from its own date). Every bad field is named
/// at once; nothing is saved then.
#[utoipa::path(post, path = "/api/v1/capacity/plan", request_body = PlanRequest, responses(
    (status = 201, body = CreatedPlan),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<PlanRequest>,
) -> Result<(StatusCode, Json<CreatedPlan>), ApiError> {
    let input = app::capacity::PlanInput {
        unit: r.unit,
        bed_type: r.bed_type,
        beds: r.beds,
        from: r.from,
        note: r.note,
    };
    let id = state
        .add_capacity_plan(&auth.0, &input)
        .await
        .map_err(|e| match e {
            app::capacity::CapacityError::Invalid(fields) => ApiError::invalid(fields),
            app::capacity::CapacityError::Store(e) => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(CreatedPlan { id })))
}
