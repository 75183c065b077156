//! F1/F2 follow-up day by day: a contact's calls and visits, its tests, its release, and
//! the daily work lists (`app::followup`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::{Reason, Structure};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cases::iso;
use super::{opt_param, ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
pub struct FollowUpRequest {
    /// YYYY-MM-DD, local; default today.
    day: Option<String>,
    reached: Option<bool>,
    symptoms: Option<bool>,
    /// °C, 34–43.
    temperature: Option<f64>,
    note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ContactTestRequest {
    /// The sample's day (YYYY-MM-DD, local); default today.
    day: Option<String>,
    /// `pcr` or `antigen`.
    kind: Option<String>,
    /// `positive` or `negative`.
    result: Option<String>,
    /// The new case's severity when positive; default `asymptomatic`.
    severity: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpAnswer {
    /// `to_reach`, `in_quarantine`, `monitoring`, `released`, `became_case` or `lost`.
    follow_status: &'static str,
    /// The case a positive test made (or the person's case already open).
    case_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpRecordDto {
    day: String,
    reached: bool,
    symptoms: Option<bool>,
    temperature: Option<f64>,
    note: Option<String>,
}

fn contact_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().map_err(|_| ApiError::not_found())
}

fn answer(
    r: Result<Option<app::followup::FollowUpOutcome>, app::followup::FollowUpError>,
) -> Result<(StatusCode, Json<FollowUpAnswer>), ApiError> {
    match r {
        Ok(Some(o)) => Ok((
            StatusCode::CREATED,
            Json(FollowUpAnswer {
                follow_status: o.status.as_str(),
                case_id: o.case_id.map(|c| c.0),
            }),
        )),
        Ok(None) => Err(ApiError::not_found()),
        Err(app::followup::FollowUpError::Invalid(f)) => Err(ApiError::invalid(f)),
        Err(app::followup::FollowUpError::Store(e)) => Err(e.into()),
    }
}

/// Records a call or visit of a contact. A released contact or one that became a case is
/// 409 on `status`; a temperature outside 34–43 °C is 400.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/followups", params(("id" = i64, Path)), request_body = FollowUpRequest, responses(
    (status = 201, body = FollowUpAnswer),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn record(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<FollowUpRequest>,
) -> Result<(StatusCode, Json<FollowUpAnswer>), ApiError> {
    let id = contact_id(&id)?;
    let input = app::followup::FollowUpInput {
        day: r.day,
        reached: r.reached,
        symptoms: r.symptoms,
        temperature: r.temperature,
        note: r.note,
    };
    answer(state.record_follow_up(&auth.0, id, &input).await)
}

/// The calls and visits recorded for a contact, oldest first.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/followups", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<FollowUpRecordDto>),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list_records(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<FollowUpRecordDto>>, ApiError> {
    let id = contact_id(&id)?;
    if state.store.followed_contact(&auth.0, id).await?.is_none() {
        return Err(ApiError::not_found());
    }
    let rows = state.store.follow_ups_of(id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|f| FollowUpRecordDto {
                day: f.day.format("%Y-%m-%d").to_string(),
                reached: f.reached,
                symptoms: f.symptoms,
                temperature: f.temperature_c,
                note: f.note,
            })
            .collect(),
    ))
}

/// Records a test of a contact. A positive one registers the case (its source case is the
/// contact's) and the contact becomes it; 409 on `status` if it already did or was released.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/tests", params(("id" = i64, Path)), request_body = ContactTestRequest, responses(
    (status = 201, body = FollowUpAnswer),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn test(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ContactTestRequest>,
) -> Result<(StatusCode, Json<FollowUpAnswer>), ApiError> {
    let id = contact_id(&id)?;
    let input = app::followup::ContactTestInput {
        day: r.day,
        kind: r.kind,
        result: r.result,
        severity: r.severity,
    };
    answer(state.record_contact_test(&auth.0, id, &input).await)
}

/// Ends a contact's follow-up: from the day it ends (409 on `follow_up_until` before), and
/// only for a contact that was reached (409 on `status`).
#[utoipa::path(post, path = "/api/v1/contacts/{id}/release", params(("id" = i64, Path)), responses(
    (status = 201, body = FollowUpAnswer),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<FollowUpAnswer>), ApiError> {
    let id = contact_id(&id)?;
    answer(state.release_contact(&auth.0, id).await)
}

#[derive(Serialize, ToSchema)]
pub struct WorkItemDto {
    id: i64,
    /// The source case; absent for a contact referred from another locality.
    case_id: Option<i64>,
    /// The locality that referred the contact here (issue #17).
    referred_from: Option<String>,
    person_id: i64,
    degree: i64,
    /// `quarantine` or `monitor`.
    status: &'static str,
    follow_status: &'static str,
    quarantine_from: Option<String>,
    quarantine_until: Option<String>,
    follow_up_until: Option<String>,
    test_days: String,
    unit_code: String,
    became_case_id: Option<i64>,
    /// The officer (account id) the contact is assigned to.
    assigned_to: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct WorkListParams {
    /// `due_today` (default), `missed`, `ending_today` or `all`.
    list: Option<String>,
    /// `true`: F1 only.
    f1_only: Option<String>,
    /// `true`: only the contacts assigned to the caller.
    mine: Option<String>,
    /// Only the contacts at this follow-up status (`to_reach` … `lost`).
    status: Option<String>,
    /// Only the contacts living in this unit and the units under it (a code).
    unit: Option<String>,
    structure: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// A daily work list of the caller's jurisdiction (by the contact's residence), for the
/// locality's today: due today (not reached yet today, or a test due), missed (not reached
/// yesterday), ending today, or all.
#[utoipa::path(get, path = "/api/v1/contacts/work", params(WorkListParams), responses(
    (status = 200, body = ListResponse<WorkItemDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn work_list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<WorkListParams>,
) -> Result<Json<ListResponse<WorkItemDto>>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let list = opt_param("list", q.list.as_deref(), str::parse::<store::WorkList>)?
        .unwrap_or(store::WorkList::DueToday);
    let f1_only = opt_param("f1_only", q.f1_only.as_deref(), flag)?.unwrap_or(false);
    let mine = opt_param("mine", q.mine.as_deref(), flag)?.unwrap_or(false);
    let within = opt_param("unit", q.unit.as_deref(), |c| {
        super::cases::unit_path(structure, c)
    })?;
    let status = opt_param("status", q.status.as_deref(), |s| {
        s.parse::<domain::followup::FollowUpStatus>()
            .map_err(|_| Reason::UnknownValue)
    })?;
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let rows = state
        .work_list_of(
            &auth.0,
            structure,
            list,
            app::followup::WorkFilter {
                f1_only,
                assignee: mine.then_some(auth.0.user.id),
                status,
                within,
                quarantine_ends_by_s: None,
                case: None,
            },
            &page,
        )
        .await?;
    Ok(Json(ListResponse::from_page(rows, |c| WorkItemDto {
        id: c.id,
        case_id: c.case_id.map(|c| c.0),
        referred_from: c.referred_from,
        person_id: c.person_id.0,
        degree: c.degree,
        status: c.status.as_str(),
        follow_status: c.follow_status.as_str(),
        quarantine_from: c.quarantine_from_s.map(iso),
        quarantine_until: c.quarantine_until_s.map(iso),
        follow_up_until: c.follow_up_until_s.map(iso),
        test_days: c.test_days,
        unit_code: c.unit_code,
        became_case_id: c.became_case_id.map(|c| c.0),
        assigned_to: c.assigned_to.map(|u| u.0),
    })))
}

fn flag(v: &str) -> Result<bool, Reason> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Reason::InvalidFormat),
    }
}

/// Marks a contact lost: not reachable, off the daily lists (a later call that reaches it
/// brings it back). 409 on `status` once released or a case, or already lost.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/lost", params(("id" = i64, Path)), responses(
    (status = 201, body = FollowUpAnswer),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn lost(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<FollowUpAnswer>), ApiError> {
    let id = contact_id(&id)?;
    answer(state.mark_contact_lost(&auth.0, id).await)
}

#[derive(Deserialize, ToSchema)]
pub struct AssignRequest {
    /// The contacts (at most 1,000).
    contact_ids: Vec<i64>,
    /// The officer's account id (see `GET /api/v1/contacts/officers`); absent or null: no one.
    officer: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AssignAnswer {
    assigned: u64,
}

#[derive(Serialize, ToSchema)]
pub struct OfficerDto {
    id: i64,
    username: String,
}

/// Gives contacts to an officer for follow-up, all or none: each contact must be the
/// caller's and inside the officer's jurisdiction (400 `contact_ids`), the officer one of
/// `GET /api/v1/contacts/officers` (400 `officer`).
#[utoipa::path(post, path = "/api/v1/contacts/assign", request_body = AssignRequest, responses(
    (status = 200, body = AssignAnswer),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<AssignRequest>,
) -> Result<Json<AssignAnswer>, ApiError> {
    let input = app::followup::AssignInput {
        contact_ids: r.contact_ids,
        officer: r.officer,
    };
    match state.assign_contacts(&auth.0, &input).await {
        Ok(assigned) => Ok(Json(AssignAnswer { assigned })),
        Err(app::followup::FollowUpError::Invalid(f)) => Err(ApiError::invalid(f)),
        Err(app::followup::FollowUpError::Store(e)) => Err(e.into()),
    }
}

/// The officers the caller may give follow-up work to: active accounts that record personal
/// data and whose jurisdiction lies in the caller's.
#[utoipa::path(get, path = "/api/v1/contacts/officers", responses(
    (status = 200, body = Vec<OfficerDto>)
), security(("bearer" = [])))]
pub async fn officers(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<OfficerDto>>, ApiError> {
    Ok(Json(
        state
            .officers(&auth.0)
            .await?
            .into_iter()
            .map(|o| OfficerDto {
                id: o.id.0,
                username: o.username,
            })
            .collect(),
    ))
}
