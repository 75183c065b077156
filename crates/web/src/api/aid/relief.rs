//! Relief of lockdown zones: zones, rounds, one package per household per round.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use domain::aid::ReliefKind;
use domain::time::Dates;
use domain::{FieldError, Reason, Structure, UnitCode};
use serde::{Deserialize, Serialize};
use store::aid::{NewRound, NewZone};
use utoipa::ToSchema;

use super::{id_of, in_range, opt_date, req_date, text, today, Created};
use crate::api::casework::{required, slug};
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

/// A zone's unit list as given: `units`, or `unit` alone (its errors then name `unit`).
/// Returns the structure, the codes, and whether `unit` was used.
fn zone_units(
    r: &ZoneRequest,
    errors: &mut Vec<FieldError>,
) -> Option<(Structure, Vec<UnitCode>, bool)> {
    let (given, short): (Vec<(String, &str)>, bool) = match (&r.units, r.unit.as_deref()) {
        (Some(list), Some(_)) if !list.is_empty() => {
            errors.push(FieldError::new("unit", Reason::Duplicate));
            return None;
        }
        (_, Some(u)) if !u.is_empty() => (vec![("unit".into(), u)], true),
        (list, _) => (
            list.iter()
                .flatten()
                .enumerate()
                .map(|(i, u)| (format!("units[{i}]"), u.as_str()))
                .collect(),
            false,
        ),
    };
    let mut structure = None;
    let mut codes = Vec::with_capacity(given.len());
    let mut ok = true;
    for (field, u) in &given {
        match domain::units::parse_unit_ref(u) {
            Err(e) => {
                errors.push(FieldError::new(field.as_str(), e.reason));
                ok = false;
            }
            Ok((s, _)) if structure.is_some_and(|first| first != s) => {
                errors.push(FieldError::new(field.as_str(), Reason::OutOfRange));
                ok = false;
            }
            Ok((s, code)) => {
                structure = Some(s);
                codes.push(code);
            }
        }
    }
    if ok {
        errors.extend(domain::zone::check_units(&codes).into_iter().map(|mut e| {
            if short {
                e.field = "unit".into();
            }
            e
        }));
    }
    Some((structure.unwrap_or(Structure::S2021), codes, short))
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
    let (new, short) = new_zone(&r, today(&state)).map_err(ApiError::invalid)?;
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
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A zone from its request: every field checked, every error reported at once (the API and
/// the aid page's form share it). The flag says the older one-unit form (`unit`) was used,
/// so that the store's refusals of `units[0]` can be named `unit` too.
/// Its dates lie from 2019-12 to a year after `today`, the end not before the start.
pub(crate) fn new_zone(
    r: &ZoneRequest,
    today: NaiveDate,
) -> Result<(NewZone, bool), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let units = zone_units(r, &mut errors);
    let addresses = r.addresses.clone().unwrap_or_default();
    if let Err(e) = domain::zone::zone_addresses(&addresses) {
        errors.extend(e);
    }
    let planned = Dates::planned(today);
    let starts_on = req_date("starts_on", r.starts_on.as_deref(), planned, &mut errors);
    let ends_on = opt_date("ends_on", r.ends_on.as_deref(), planned, &mut errors);
    if let (Some(a), Some(b)) = (starts_on, ends_on) {
        if b < a {
            errors.push(FieldError::new("ends_on", Reason::OutOfRange));
        }
    }
    let population = in_range("population", r.population, 0..=100_000_000, &mut errors);
    let households = in_range("households", r.households, 0..=100_000_000, &mut errors);
    let (
        Some(name),
        Some((structure, units, short)),
        Some(starts_on),
        Some(population),
        Some(households),
        true,
    ) = (
        name,
        units,
        starts_on,
        population,
        households,
        errors.is_empty(),
    )
    else {
        return Err(errors);
    };
    let new = NewZone {
        name,
        structure,
        units,
        addresses,
        starts_on,
        ends_on,
        population,
        households,
    };
    Ok((new, short))
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
    let new = new_round(&r, today(&state)).map_err(ApiError::invalid)?;
    let id = state
        .store
        .create_round(&auth.0, zone, &new, state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A round from its request (the API and the aid page's form share it).
pub(crate) fn new_round(r: &RoundRequest, today: NaiveDate) -> Result<NewRound, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let kind = slug::<ReliefKind>("kind", r.kind.as_deref(), &mut errors);
    let starts_on = req_date(
        "starts_on",
        r.starts_on.as_deref(),
        Dates::planned(today),
        &mut errors,
    );
    let (Some(name), Some(kind), Some(starts_on), true) =
        (name, kind, starts_on, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewRound {
        name,
        kind,
        starts_on,
    })
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
                        id: r.id,
                        name: r.name,
                        kind: r.kind,
                        starts_on: r.starts_on,
                        given: r.given,
                    })
                    .collect(),
                id: z.id,
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
