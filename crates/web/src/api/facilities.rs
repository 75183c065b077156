//! Facilities and beds: the list with occupancy, a facility with its patients, admissions
//! (refused when the bed type is full), transfers, discharges, home care and home quarantine,
//! and occupancy over time.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use domain::facility::{BedType, DischargeReason};
use domain::role::Permission;
use domain::{CaseId, FacilityId, Reason, Scope, StayId, Structure, UnitCode};
use serde::{Deserialize, Serialize};
use store::{FacilityBeds, Stay, SERIES_DAYS_MAX};
use utoipa::{IntoParams, ToSchema};

use super::cases::iso;
use super::opt_param;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct BedsDto {
    /// `quarantine`, `f0_tier1`, `oxygen`, `high_flow`, `ventilator` or `icu`.
    bed_type: &'static str,
    capacity: i64,
    occupied: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FacilityDto {
    id: i64,
    name: String,
    /// `f1_quarantine`, `f0_isolation` (tier 1), `field_hospital` (tier 2), `hospital` (tier 3).
    kind: &'static str,
    tier: u8,
    structure: &'static str,
    unit_code: String,
    address: Option<String>,
    beds: Vec<BedsDto>,
}

pub(crate) fn facility_dto(f: FacilityBeds) -> FacilityDto {
    FacilityDto {
        id: f.facility.id.get(),
        name: f.facility.name,
        kind: f.facility.kind.as_str(),
        tier: f.facility.kind.tier(),
        structure: f.facility.structure.as_str(),
        unit_code: f.facility.unit_code.to_string(),
        address: f.facility.address,
        beds: f
            .beds
            .iter()
            .map(|b| BedsDto {
                bed_type: b.bed_type.as_str(),
                capacity: b.capacity,
                occupied: b.occupied,
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct StayDto {
    id: i64,
    person_id: i64,
    case_id: Option<i64>,
    contact_id: Option<i64>,
    /// `facility` or `home`.
    place: &'static str,
    facility_id: Option<i64>,
    bed_type: Option<&'static str>,
    from: String,
    until: Option<String>,
    /// `recovered`, `transferred`, `died` or `released`.
    discharge_reason: Option<&'static str>,
    transferred_from: Option<i64>,
    note: Option<String>,
}

pub(crate) fn stay_dto(s: Stay) -> StayDto {
    StayDto {
        id: s.id.get(),
        person_id: s.person_id.0,
        case_id: s.case_id.map(|c| c.0),
        contact_id: s.contact_id,
        place: s.place.as_str(),
        facility_id: s.facility_id.map(FacilityId::get),
        bed_type: s.bed_type.map(BedType::as_str),
        from: iso(s.from_s),
        until: s.until_s.map(iso),
        discharge_reason: s.discharge_reason.map(DischargeReason::as_str),
        transferred_from: s.transferred_from.map(StayId::get),
        note: s.note,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct StructureQuery {
    /// `2021` (default) or `2025`.
    structure: Option<String>,
}

/// Facilities in the caller's jurisdiction with their beds and occupancy.
#[utoipa::path(get, path = "/api/v1/facilities", params(StructureQuery), responses(
    (status = 200, body = Vec<FacilityDto>)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<StructureQuery>,
) -> Result<Json<Vec<FacilityDto>>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let all = state
        .store
        .list_facilities(&auth.0.scope, structure)
        .await?;
    Ok(Json(all.into_iter().map(facility_dto).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct BedsRequest {
    bed_type: Option<String>,
    capacity: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewFacilityRequest {
    name: Option<String>,
    kind: Option<String>,
    /// Unit code (2021 structure unless `structure` says 2025).
    unit: Option<String>,
    structure: Option<String>,
    address: Option<String>,
    beds: Option<Vec<BedsRequest>>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Registers a facility with its beds in a unit of the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/facilities", request_body = NewFacilityRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<NewFacilityRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input = app::care::FacilityInput {
        name: r.name,
        kind: r.kind,
        unit: r.unit,
        structure: r.structure,
        address: r.address,
        beds: r
            .beds
            .into_iter()
            .flatten()
            .map(|b| app::care::BedsInput {
                bed_type: b.bed_type,
                capacity: b.capacity,
            })
            .collect(),
    };
    let id = state
        .register_facility(&auth.0, &input)
        .await
        .map_err(care_error)?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Serialize, ToSchema)]
pub struct FacilityDetail {
    facility: FacilityDto,
    /// The people in it now; absent for roles that may not read personal data.
    patients: Option<Vec<StayDto>>,
}

/// A facility with its beds and, for roles that read personal data, its patients (audited).
#[utoipa::path(get, path = "/api/v1/facilities/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = FacilityDetail),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<FacilityDetail>, ApiError> {
    let id = id
        .parse::<FacilityId>()
        .map_err(|_| ApiError::not_found())?;
    let facility = state
        .store
        .get_facility(&auth.0.scope, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let patients = if auth.0.user.role.can(Permission::ReadPersonal) {
        state
            .store
            .facility_stays(&auth.0, id, state.now_s())
            .await?
            .map(|s| s.into_iter().map(stay_dto).collect())
    } else {
        None
    };
    Ok(Json(FacilityDetail {
        facility: facility_dto(facility),
        patients,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct AdmitRequest {
    /// The F0 case admitted; or `contact_id` for an F1 taken into quarantine.
    case_id: Option<i64>,
    contact_id: Option<i64>,
    /// Default: the triage suggestion for the case's severity (`quarantine` for a contact).
    bed_type: Option<String>,
    /// RFC 3339; default now.
    at: Option<String>,
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Admitted {
    id: i64,
    bed_type: Option<&'static str>,
}

/// Admits a case (or an F1 contact) to a bed of the facility. The case (or contact) and the
/// facility must both be in the caller's jurisdiction: else 404, the same whether the case
/// exists elsewhere or not at all. A person already in a facility is 409 `conflict`; a full
/// bed type is 409 `capacity_full` with the field `bed_type` (`no_capacity`); nothing is
/// written.
#[utoipa::path(post, path = "/api/v1/facilities/{id}/admissions", params(("id" = i64, Path)), request_body = AdmitRequest, responses(
    (status = 201, body = Admitted),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn admit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<AdmitRequest>,
) -> Result<(StatusCode, Json<Admitted>), ApiError> {
    let facility = id
        .parse::<FacilityId>()
        .map_err(|_| ApiError::not_found())?;
    let input = app::care::AdmitInput {
        case_id: r.case_id,
        contact_id: r.contact_id,
        bed_type: r.bed_type,
        at: r.at,
        note: r.note,
    };
    let a = state
        .admit(&auth.0, Some(facility), &input)
        .await
        .map_err(care_error)?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(admitted(a))))
}

/// A care command's refusal as the API answers it.
fn care_error(e: app::care::CareError) -> ApiError {
    match e {
        app::care::CareError::Invalid(fields) => ApiError::invalid(fields),
        app::care::CareError::Store(e) => e.into(),
    }
}

fn admitted(a: app::care::Admitted) -> Admitted {
    Admitted {
        id: a.stay.get(),
        bed_type: a.bed.map(|b| b.as_str()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct HomeRequest {
    case_id: Option<i64>,
    contact_id: Option<i64>,
    at: Option<String>,
    note: Option<String>,
}

/// Places an F0 in home care or an F1 in home quarantine (a stay that takes no bed).
#[utoipa::path(post, path = "/api/v1/home-stays", request_body = HomeRequest, responses(
    (status = 201, body = Admitted),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn home(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<HomeRequest>,
) -> Result<(StatusCode, Json<Admitted>), ApiError> {
    let input = app::care::AdmitInput {
        case_id: r.case_id,
        contact_id: r.contact_id,
        bed_type: None,
        at: r.at,
        note: r.note,
    };
    let a = state
        .admit(&auth.0, None, &input)
        .await
        .map_err(care_error)?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(admitted(a))))
}

#[derive(Deserialize, ToSchema)]
pub struct TransferRequest {
    facility_id: Option<i64>,
    bed_type: Option<String>,
    at: Option<String>,
    note: Option<String>,
}

/// Moves a patient to a bed of another facility; the old stay ends as `transferred` and the
/// new one points back at it. The case, the stay's facility and the destination must all be
/// in the caller's jurisdiction (else 404).
#[utoipa::path(post, path = "/api/v1/admissions/{id}/transfer", params(("id" = i64, Path)), request_body = TransferRequest, responses(
    (status = 201, body = Admitted),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn transfer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<TransferRequest>,
) -> Result<(StatusCode, Json<Admitted>), ApiError> {
    let stay = id.parse::<StayId>().map_err(|_| ApiError::not_found())?;
    let input = app::care::TransferInput {
        facility_id: r.facility_id,
        bed_type: r.bed_type,
        at: r.at,
        note: r.note,
    };
    let a = state
        .transfer(&auth.0, stay, &input)
        .await
        .map_err(care_error)?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(admitted(a))))
}

#[derive(Deserialize, ToSchema)]
pub struct DischargeRequest {
    /// `recovered`, `died` or `released` (a transfer has its own route).
    reason: Option<String>,
    at: Option<String>,
    note: Option<String>,
}

/// Ends a stay and frees its bed.
#[utoipa::path(post, path = "/api/v1/admissions/{id}/discharge", params(("id" = i64, Path)), request_body = DischargeRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn discharge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DischargeRequest>,
) -> Result<StatusCode, ApiError> {
    let stay = id.parse::<StayId>().map_err(|_| ApiError::not_found())?;
    let input = app::care::DischargeInput {
        reason: r.reason,
        at: r.at,
        note: r.note,
    };
    if state
        .discharge(&auth.0, stay, &input)
        .await
        .map_err(care_error)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// Every stay of a case, oldest first: where it was cared for, moved and discharged.
#[utoipa::path(get, path = "/api/v1/cases/{id}/stays", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<StayDto>),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn case_stays(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<StayDto>>, ApiError> {
    let id = id.parse::<CaseId>().map_err(|_| ApiError::not_found())?;
    let stays = state
        .store
        .case_stays(&auth.0, id, state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(stays.into_iter().map(stay_dto).collect()))
}

#[derive(Deserialize, IntoParams)]
pub struct OccupancyQuery {
    /// A unit code in the caller's jurisdiction (default: the whole jurisdiction).
    unit: Option<String>,
    structure: Option<String>,
    /// The last day (YYYY-MM-DD, local), default today.
    date: Option<String>,
    /// Days of the series ending on `date`, 1–400, default 1.
    days: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OccupancyPointDto {
    date: String,
    facility_id: i64,
    bed_type: &'static str,
    occupied: i64,
}

/// Occupied beds at the end of each day per facility and bed type, within a unit.
#[utoipa::path(get, path = "/api/v1/occupancy", params(OccupancyQuery), responses(
    (status = 200, body = Vec<OccupancyPointDto>),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn occupancy(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<OccupancyQuery>,
) -> Result<Json<Vec<OccupancyPointDto>>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let date = opt_param("date", q.date.as_deref(), app::input::date)?
        .unwrap_or_else(|| crate::local_time::local_date(state.now_s()));
    let days = opt_param("days", q.days.as_deref(), |d| {
        d.parse::<i64>()
            .ok()
            .filter(|d| (1..=SERIES_DAYS_MAX).contains(d))
            .ok_or(Reason::OutOfRange)
    })?
    .unwrap_or(1);
    let scope = unit_scope(&state, &auth.0.scope, structure, q.unit.as_deref()).await?;
    let points = occupancy_points(&state, &scope, structure, date, days).await?;
    Ok(Json(
        points
            .into_iter()
            .map(|(date, p)| OccupancyPointDto {
                date: date.to_string(),
                facility_id: p.facility_id.get(),
                bed_type: p.bed_type.as_str(),
                occupied: p.occupied,
            })
            .collect(),
    ))
}

/// The subtree of `unit` when the caller's scope holds it (else 404), or the caller's scope.
pub(crate) async fn unit_scope(
    state: &AppState,
    scope: &Scope,
    structure: Structure,
    unit: Option<&str>,
) -> Result<Scope, ApiError> {
    let Some(code) = unit.filter(|u| !u.is_empty()) else {
        return Ok(scope.clone());
    };
    let code = UnitCode::parse(code).map_err(|r| ApiError::field("unit", r))?;
    let unit = state
        .store
        .get_unit(scope, structure, &code)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Scope::of([(structure, unit.path)]))
}

/// The occupancy series of `days` days ending on `last`, each point with its local date.
pub(crate) async fn occupancy_points(
    state: &AppState,
    scope: &Scope,
    structure: Structure,
    last: NaiveDate,
    days: i64,
) -> Result<Vec<(NaiveDate, store::OccupancyPoint)>, ApiError> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let last_day = (last - epoch).num_days();
    let offset = i64::from(
        chrono::Offset::fix(crate::local_time::local_time(state.now_s()).offset())
            .local_minus_utc(),
    );
    let points = state
        .store
        .occupancy_series(scope, structure, None, last_day - days + 1, days, offset)
        .await?;
    Ok(points
        .into_iter()
        .map(|p| (epoch + chrono::Days::new(p.day.max(0) as u64), p))
        .collect())
}
