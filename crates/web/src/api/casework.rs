//! The tracer's writes: a new F0 from a positive test, status changes, declared contacts,
//! and the follow-up list of traced contacts.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::{CaseId, PersonId, Reason, Structure};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cases::iso;
use super::{opt_param, ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

pub(crate) use app::input::{required, slug, time};

#[derive(Deserialize, ToSchema)]
pub struct TestRequest {
    /// `pcr` or `antigen`.
    kind: Option<String>,
    /// RFC 3339.
    sample_at: Option<String>,
    result_at: Option<String>,
    /// PCR cycle threshold, where known.
    ct: Option<f64>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewCaseRequest {
    person_id: Option<i64>,
    /// `asymptomatic`, `mild`, `moderate`, `severe` or `critical`.
    severity: Option<String>,
    /// Symptom onset (RFC 3339); absent for an asymptomatic F0.
    onset: Option<String>,
    test: Option<TestRequest>,
    isolation_at: Option<String>,
    /// Found outside quarantine facilities and locked-down zones (default: true unless the
    /// person was in a recorded quarantine stay when sampled).
    community: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedCase {
    id: i64,
}

/// Registers an F0 from a positive test for a person of the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/cases", request_body = NewCaseRequest, responses(
    (status = 201, body = CreatedCase),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_case(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<NewCaseRequest>,
) -> Result<(StatusCode, Json<CreatedCase>), ApiError> {
    let input = app::cases::CaseInput {
        person_id: r.person_id,
        severity: r.severity,
        onset: r.onset,
        test: r.test.map(|t| app::cases::TestInput {
            kind: t.kind,
            sample_at: t.sample_at,
            result_at: t.result_at,
            ct: t.ct,
        }),
        isolation_at: r.isolation_at,
        community: r.community,
    };
    let id = state
        .create_case(&auth.0, &input)
        .await
        .map_err(case_error)?;
    Ok((StatusCode::CREATED, Json(CreatedCase { id: id.0 })))
}

/// A casework command's refusal as the API answers it.
fn case_error(e: app::cases::CaseError) -> ApiError {
    match e {
        app::cases::CaseError::Invalid(fields) => ApiError::invalid(fields),
        app::cases::CaseError::Store(e) => e.into(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct StatusRequest {
    /// `active`, `recovered` or `died`.
    status: Option<String>,
    severity: Option<String>,
    isolation_at: Option<String>,
    /// When it happened (RFC 3339); default now.
    at: Option<String>,
    note: Option<String>,
}

/// Records a change of a case's status or severity; the history keeps who and when. Only an
/// active case changes (recovered and died are final; a reinfection is a new case), at a time
/// no earlier than its last change, test or onset: else 409 `case_status_not_allowed` naming
/// `status` or `at` (with `not_before`, the earliest time the change may carry: a backdated
/// change is refused, never slipped into the history before a later entry). An `at` before 2019-12 or in the future is 400.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", params(("id" = i64, Path)), request_body = StatusRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn update_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<StatusRequest>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let input = app::cases::StatusInput {
        status: r.status,
        severity: r.severity,
        isolation_at: r.isolation_at,
        at: r.at,
        note: r.note,
    };
    if state
        .update_case_status(&auth.0, CaseId(id), &input)
        .await
        .map_err(case_error)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CaseTestRequest {
    /// `pcr` or `antigen`.
    kind: Option<String>,
    /// RFC 3339.
    sample_at: Option<String>,
    result_at: Option<String>,
    /// The result: `true` positive, `false` negative.
    positive: Option<bool>,
    /// PCR cycle threshold, 0 to 50, where known.
    ct: Option<f64>,
}

/// Adds a test result to a case over time (a confirming PCR, a negative or release test).
/// Every bad field is named at once (400) and nothing is written; 404 outside the caller's
/// jurisdiction.
#[utoipa::path(post, path = "/api/v1/cases/{id}/tests", params(("id" = i64, Path)), request_body = CaseTestRequest, responses(
    (status = 201),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn add_test(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CaseTestRequest>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let input = app::cases::CaseTestInput {
        kind: r.kind,
        sample_at: r.sample_at,
        result_at: r.result_at,
        positive: r.positive,
        ct: r.ct,
    };
    if state
        .add_case_test(&auth.0, CaseId(id), &input)
        .await
        .map_err(case_error)?
    {
        Ok(StatusCode::CREATED)
    } else {
        Err(ApiError::not_found())
    }
}

#[derive(Deserialize, ToSchema)]
pub struct DeclaredRequest {
    contact_person_id: Option<i64>,
    /// RFC 3339.
    at: Option<String>,
    /// `household`, `care`, `face_to_face` or `other`.
    setting: Option<String>,
}

/// Records a direct contact the person declared (or an investigator found); tracing counts it.
#[utoipa::path(post, path = "/api/v1/persons/{id}/declared-contacts", params(("id" = i64, Path)), request_body = DeclaredRequest, responses(
    (status = 201),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn declare_contact(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<DeclaredRequest>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let input = app::cases::DeclaredInput {
        contact_person_id: r.contact_person_id,
        at: r.at,
        setting: r.setting,
    };
    if state
        .declare_contact(&auth.0, PersonId(id), &input)
        .await
        .map_err(case_error)?
    {
        Ok(StatusCode::CREATED)
    } else {
        Err(ApiError::not_found())
    }
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpDto {
    id: i64,
    /// The source case; absent for a contact referred from another locality.
    case_id: Option<i64>,
    person_id: i64,
    degree: i64,
    via_person_id: Option<i64>,
    /// The locality that referred the contact here (issue #17).
    referred_from: Option<String>,
    /// `quarantine` or `monitor`.
    status: &'static str,
    quarantine_from: Option<String>,
    quarantine_until: Option<String>,
    /// When follow-up ends: quarantine, then the self-monitoring the rule adds for the
    /// contact's vaccination status (for an F2, its F1's quarantine end); absent when unknown.
    follow_up_until: Option<String>,
    /// Days of quarantine with a test due, e.g. "1,7".
    test_days: String,
    policy: String,
    /// The follow-up unit: the contact's residence.
    unit_code: String,
    /// `to_reach`, `in_quarantine`, `monitoring`, `released`, `became_case` or `lost`.
    follow_status: &'static str,
    /// The case a positive test of the contact made.
    became_case_id: Option<i64>,
    /// The officer (account id) the contact is assigned to.
    assigned_to: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct FollowUpQuery {
    structure: Option<String>,
    /// Only the contacts of this case.
    case: Option<String>,
    /// Only quarantines ending on or before this date (YYYY-MM-DD, local): due and overdue.
    due_by: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Traced contacts to follow up in the caller's jurisdiction (by residence).
#[utoipa::path(get, path = "/api/v1/contacts", params(FollowUpQuery), responses(
    (status = 200, body = ListResponse<FollowUpDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn follow_up(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<FollowUpQuery>,
) -> Result<Json<ListResponse<FollowUpDto>>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let case = opt_param("case", q.case.as_deref(), |c| {
        c.parse::<i64>()
            .map(CaseId)
            .map_err(|_| Reason::InvalidFormat)
    })?;
    let due = opt_param("due_by", q.due_by.as_deref(), app::input::date)?
        .map(crate::local_time::day_end_s);
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let rows = state
        .store
        .list_contacts(&auth.0, structure, case, due, &page, state.now_s())
        .await?;
    Ok(Json(ListResponse::from_page(rows, |c| FollowUpDto {
        id: c.id,
        case_id: c.case_id.map(|c| c.0),
        person_id: c.person_id.0,
        degree: c.degree,
        via_person_id: c.via_person_id.map(|p| p.0),
        referred_from: c.referred_from,
        status: c.status.as_str(),
        quarantine_from: c.quarantine_from_s.map(iso),
        quarantine_until: c.quarantine_until_s.map(iso),
        follow_up_until: c.follow_up_until_s.map(iso),
        test_days: c.test_days,
        policy: c.policy,
        unit_code: c.unit_code,
        follow_status: c.follow_status.as_str(),
        became_case_id: c.became_case_id.map(|c| c.0),
        assigned_to: c.assigned_to.map(|u| u.0),
    })))
}
