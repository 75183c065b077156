//! F0 cases: the list (newest first) and the case page's data.

use axum::extract::{Path, State};
use axum::Json;
use chrono::SecondsFormat;
use domain::epi::CaseStatus;
use domain::policy::Policies;
use domain::{CaseId, Structure};
use serde::{Deserialize, Serialize};
use store::{Case, CaseDetail, CaseFilter};
use utoipa::{IntoParams, ToSchema};

use super::{opt_param, ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use crate::local_time::day_start_s;
use crate::AppState;

pub use app::local_time::iso;

/// The infectious window of a case (`app::tracing::infectious_window`): `(from, to, document)`.
pub fn infectious_window(policies: &Policies, c: &Case) -> (i64, i64, Option<String>) {
    let w = app::tracing::infectious_window(policies, c);
    (w.from_s, w.to_s, w.policy)
}

#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    id: i64,
    person_id: i64,
    /// RFC 3339 UTC: the window the policy in force gives.
    infectious_from: String,
    infectious_to: String,
    /// The legal document whose rule gave the window.
    policy: Option<String>,
    /// `active`, `recovered` or `died`.
    status: &'static str,
    /// `asymptomatic`, `mild`, `moderate`, `severe` or `critical`.
    severity: &'static str,
    unit_code: String,
    structure: &'static str,
    onset: Option<String>,
    first_sample: String,
    confirmed_at: String,
    isolation_at: Option<String>,
    /// Found outside quarantine facilities and locked-down zones.
    community: bool,
    outcome_at: Option<String>,
}

pub fn case_dto(policies: &Policies, c: Case) -> CaseDto {
    let (from, to, policy) = infectious_window(policies, &c);
    CaseDto {
        id: c.id.0,
        person_id: c.person_id.0,
        infectious_from: iso(from),
        infectious_to: iso(to),
        policy,
        status: c.status.as_str(),
        severity: c.severity.as_str(),
        unit_code: c.unit_code.to_string(),
        structure: c.structure.as_str(),
        onset: c.onset_s.map(iso),
        first_sample: iso(c.first_sample_s),
        confirmed_at: iso(c.confirmed_at_s),
        isolation_at: c.isolation_s.map(iso),
        community: c.community,
        outcome_at: c.outcome_at_s.map(iso),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    /// `2021` (default) or `2025`.
    structure: Option<String>,
    /// `active`, `recovered` or `died`.
    status: Option<String>,
    /// Confirmed on or after this date (YYYY-MM-DD, local).
    from: Option<String>,
    /// Confirmed before this date (YYYY-MM-DD, local).
    to: Option<String>,
    /// Only cases of this unit and the units under it (a code of the chosen structure).
    unit: Option<String>,
    /// `asymptomatic`, `mild`, `moderate`, `severe` or `critical`.
    severity: Option<String>,
    /// `newest` (default: newest confirmed first) or `oldest`.
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// The subtree of a unit code of `structure`, for filters: unknown codes are refused.
pub fn unit_path(structure: Structure, code: &str) -> Result<domain::UnitPath, domain::Reason> {
    crate::registry::Registry::of(structure)
        .get(code)
        .map(|u| u.path.clone())
        .ok_or(domain::Reason::NotFound)
}

/// Cases in the caller's jurisdiction, newest confirmed first.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery), responses(
    (status = 200, body = ListResponse<CaseDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Json<ListResponse<CaseDto>>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let date = app::input::date;
    let filter = CaseFilter {
        status: opt_param("status", q.status.as_deref(), str::parse::<CaseStatus>)?,
        confirmed_from_s: opt_param("from", q.from.as_deref(), date)?.map(day_start_s),
        confirmed_to_s: opt_param("to", q.to.as_deref(), date)?.map(day_start_s),
        within: opt_param("unit", q.unit.as_deref(), |c| unit_path(structure, c))?,
        severity: opt_param("severity", q.severity.as_deref(), str::parse)?,
        oldest_first: opt_param("sort", q.sort.as_deref(), |s| match s {
            "oldest" => Ok(true),
            "newest" => Ok(false),
            _ => Err(domain::Reason::UnknownValue),
        })?
        .unwrap_or(false),
    };
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let cases = state
        .store
        .list_cases(&auth.0, structure, &filter, &page, state.now_s())
        .await?;
    let policies = state.policies.clone();
    Ok(Json(ListResponse::from_page(cases, |c| {
        case_dto(&policies, c)
    })))
}

#[derive(Serialize, ToSchema)]
pub struct TestDto {
    /// `pcr` or `antigen`.
    kind: &'static str,
    sample_at: String,
    result_at: String,
    positive: bool,
    ct: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryDto {
    at: String,
    status: &'static str,
    severity: &'static str,
    actor: String,
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetailDto {
    #[serde(flatten)]
    case: CaseDto,
    tests: Vec<TestDto>,
    history: Vec<HistoryDto>,
}

/// One case with its tests and status history; 404 outside the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = CaseDetailDto),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<CaseDetailDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let CaseDetail {
        case,
        tests,
        history,
    } = state
        .store
        .get_case(&auth.0, CaseId(id), state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(CaseDetailDto {
        case: case_dto(&state.policies, case),
        tests: tests
            .into_iter()
            .map(|t| TestDto {
                kind: t.kind.as_str(),
                sample_at: iso(t.sample_s),
                result_at: iso(t.result_s),
                positive: t.positive,
                ct: t.ct,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| HistoryDto {
                at: h.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                status: h.status.as_str(),
                severity: h.severity.as_str(),
                actor: h.actor,
                note: h.note,
            })
            .collect(),
    }))
}
