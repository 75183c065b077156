//! Relief of lockdown zones: zones, rounds, one package per household per round.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{id_of, today, Created};
use crate::api::casework::required;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
pub struct ZoneRequest {
    pub name: Option<String>,
    /// The zone's units, each meaning its subtree: codes, optionally `2025:`-prefixed, all of
    /// one structure; 1 to 50, none twice or inside another, all in the caller's jurisdiction.
    pub units: Option<Vec<String>>,
    /// The older one-unit form, read as `units: [unit]`; not together with `units`.
    pub unit: Option<String>,
    /// Address lines narrowing the zone (at most 100, each up to 200 characters): a household
    /// is in the zone when its address contains one of them word for word, ignoring case,
    /// diacritics and punctuation ("ngõ 328 Lê Trọng Tấn", "Chung cư Hồ Gươm Plaza").
    /// Absent or empty: every household of the units.
    pub addresses: Option<Vec<String>>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// Population affected, as declared.
    pub population: Option<i64>,
    /// Households affected, as declared.
    pub households: Option<i64>,
}

/// Declares a lockdown zone: units of the caller's jurisdiction, optionally narrowed to
/// addresses. Every bad field is reported at once and nothing is saved.
#[utoipa::path(post, path = "/api/v1/relief/zones", request_body = ZoneRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_zone(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<ZoneRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let (new, short) = app::aid::new_zone(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    let id = match state.store.create_zone(&auth.0, &new, state.now_s()).await {
        Err(store::StoreError::Invalid(mut fields)) if short => {
            for f in &mut fields {
                if f.field.starts_with("units") {
                    f.field = "unit".into();
                }
            }
            return Err(ApiError::invalid(fields));
        }
        other => other?,
    };
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Deserialize, ToSchema)]
pub struct RoundRequest {
    pub name: Option<String>,
    /// `gift_pack`, `welfare_bag`, `produce` or `cash`.
    pub kind: Option<String>,
    pub starts_on: Option<String>,
}

/// Opens a relief round in a zone.
#[utoipa::path(post, path = "/api/v1/relief/zones/{id}/rounds", params(("id" = i64, Path)), request_body = RoundRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_round(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RoundRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let zone = id_of(&id)?;
    let new = app::aid::new_round(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    let id = state
        .store
        .create_round(&auth.0, zone, &new, state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Deserialize, ToSchema)]
pub struct PackageRequest {
    pub household_id: Option<i64>,
}

/// Hands a household its package of a round: once. A second package for the same household
/// in the same round is refused with 409 `package_already_given`, also when requests race.
#[utoipa::path(post, path = "/api/v1/relief/rounds/{id}/packages", params(("id" = i64, Path)), request_body = PackageRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn give_package(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<PackageRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let round = id_of(&id)?;
    let mut errors = Vec::new();
    let Some(household) = required(
        "household_id",
        r.household_id.filter(|&h| h > 0),
        &mut errors,
    ) else {
        return Err(ApiError::invalid(errors));
    };
    let id = state
        .store
        .give_package(&auth.0, round, household, state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
pub struct RoundDto {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub starts_on: String,
    pub given: i64,
    /// Households of the zone still without this round's package.
    pub gap: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ZoneUnitDto {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ZoneDto {
    pub id: i64,
    pub name: String,
    /// The first of `units` (for clients of the one-unit zones).
    pub unit_code: String,
    /// The zone's units, each with its subtree, in the order declared.
    pub units: Vec<ZoneUnitDto>,
    /// Address lines narrowing the zone; empty when it is its units whole.
    pub addresses: Vec<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    /// Population affected, as declared.
    pub population: i64,
    /// Households affected, as declared.
    pub households: i64,
    /// Households in the zone now, counted by its units and addresses: each round's target.
    pub households_in_zone: i64,
    pub rounds: Vec<RoundDto>,
}

/// Lockdown zones touching the caller's jurisdiction (a unit of the zone in it, or it in a
/// unit of the zone), with the households in each and each round's progress and gap. Counts
/// only: no household is listed.
#[utoipa::path(get, path = "/api/v1/relief/zones", responses(
    (status = 200, body = Vec<ZoneDto>)
), security(("bearer" = [])))]
pub async fn list_zones(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<ZoneDto>>, ApiError> {
    let zones = state.store.relief_progress(&auth.0).await?;
    Ok(Json(
        zones
            .into_iter()
            .map(|z| ZoneDto {
                rounds: z
                    .rounds
                    .into_iter()
                    .map(|r| RoundDto {
                        gap: (z.households_in_zone - r.given).max(0),
                        id: r.id.get(),
                        name: r.name,
                        kind: r.kind,
                        starts_on: r.starts_on,
                        given: r.given,
                    })
                    .collect(),
                id: z.id.get(),
                name: z.name,
                unit_code: z.units.first().map(|u| u.code.clone()).unwrap_or_default(),
                units: z
                    .units
                    .into_iter()
                    .map(|u| ZoneUnitDto {
                        code: u.code,
                        name: u.name,
                    })
                    .collect(),
                addresses: z.addresses,
                starts_on: z.starts_on,
                ends_on: z.ends_on,
                population: z.population,
                households: z.households,
                households_in_zone: z.households_in_zone,
            })
            .collect(),
    ))
}

impl From<ZoneRequest> for app::aid::ZoneInput {
    fn from(r: ZoneRequest) -> Self {
        app::aid::ZoneInput {
            name: r.name,
            units: r.units,
            unit: r.unit,
            addresses: r.addresses,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            population: r.population,
            households: r.households,
        }
    }
}

impl From<RoundRequest> for app::aid::RoundInput {
    fn from(r: RoundRequest) -> Self {
        app::aid::RoundInput {
            name: r.name,
            kind: r.kind,
            starts_on: r.starts_on,
        }
    }
}
