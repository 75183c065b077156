//! The tracer's writes: a new F0 from a positive test, status changes, declared contacts,
//! and the follow-up list of traced contacts.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::contact::ContactSetting;
use domain::epi::{CaseStatus, Severity, TestKind};
use domain::{CaseId, FieldError, PersonId, Reason, Structure};
use serde::{Deserialize, Serialize};
use store::{DeclaredRow, NewCase, StatusUpdate, TestResult};
use utoipa::{IntoParams, ToSchema};

use super::cases::iso;
use super::{opt_param, ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

pub(crate) use app::input::{past_time, required, slug, time};

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
    let now = state.now_s();
    let mut errors = Vec::new();
    let person = required("person_id", r.person_id.filter(|&p| p > 0), &mut errors);
    let severity = slug::<Severity>("severity", r.severity.as_deref(), &mut errors);
    let onset = past_time("onset", r.onset.as_deref(), now, &mut errors);
    let isolation = past_time("isolation_at", r.isolation_at.as_deref(), now, &mut errors);
    let test = match &r.test {
        None => required::<TestResult>("test", None, &mut errors),
        Some(t) => {
            let kind = slug::<TestKind>("test.kind", t.kind.as_deref(), &mut errors);
            let sample = past_time("test.sample_at", t.sample_at.as_deref(), now, &mut errors);
            let sample = required("test.sample_at", sample, &mut errors);
            let result = past_time("test.result_at", t.result_at.as_deref(), now, &mut errors);
            let result = required("test.result_at", result, &mut errors);
            if let (Some(a), Some(b)) = (sample, result) {
                if b < a || b > now + 300 {
                    errors.push(FieldError::new("test.result_at", Reason::OutOfRange));
                }
            }
            if t.ct.is_some_and(|c| !(0.0..=50.0).contains(&c)) {
                errors.push(FieldError::new("test.ct", Reason::OutOfRange));
            }
            match (kind, sample, result) {
                (Some(kind), Some(sample_s), Some(result_s)) => Some(TestResult {
                    kind,
                    sample_s,
                    result_s,
                    positive: true,
                    ct: t.ct,
                }),
                _ => None,
            }
        }
    };
    if let (Some(o), Some(t)) = (onset, &test) {
        if o > t.result_s {
            errors.push(FieldError::new("onset", Reason::OutOfRange));
        }
    }
    let (Some(person), Some(severity), Some(test), true) =
        (person, severity, test, errors.is_empty())
    else {
        return Err(ApiError::invalid(errors));
    };
    // Unless the client says, a person in a recorded quarantine stay when sampled is not a
    // community case.
    let community = match r.community {
        Some(c) => c,
        None => {
            !state
                .store
                .quarantined_at(PersonId(person), test.sample_s)
                .await?
        }
    };
    let id = state
        .store
        .create_case(
            &auth.0,
            &NewCase {
                person_id: PersonId(person),
                severity,
                onset_s: onset,
                test,
                isolation_s: isolation,
                community,
            },
            now,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedCase { id: id.0 })))
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
/// `status` or `at`. An `at` before 2019-12 or in the future is 400.
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
    let now = state.now_s();
    let mut errors = Vec::new();
    let status = slug::<CaseStatus>("status", r.status.as_deref(), &mut errors);
    let severity = slug::<Severity>("severity", r.severity.as_deref(), &mut errors);
    let isolation_s = past_time("isolation_at", r.isolation_at.as_deref(), now, &mut errors);
    let at_s = past_time("at", r.at.as_deref(), now, &mut errors).unwrap_or(now);
    if r.note.as_deref().is_some_and(|n| n.chars().count() > 1000) {
        errors.push(FieldError::new("note", Reason::TooLong));
    }
    let (Some(status), Some(severity), true) = (status, severity, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let change = StatusUpdate {
        status,
        severity,
        isolation_s,
        note: r.note.clone(),
        at_s,
    };
    if state
        .store
        .update_case_status(&auth.0, CaseId(id), &change, now)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
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
    // The declaring person must be in the caller's jurisdiction (a read, audited).
    state
        .store
        .get_person(&auth.0, PersonId(id), state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut errors = Vec::new();
    let contact = required(
        "contact_person_id",
        r.contact_person_id.filter(|&c| c > 0 && c != id),
        &mut errors,
    );
    let at = past_time("at", r.at.as_deref(), state.now_s(), &mut errors);
    let at = required("at", at, &mut errors);
    let setting = match r.setting.as_deref() {
        None | Some("") => required::<ContactSetting>("setting", None, &mut errors),
        Some(s) => match s.parse::<ContactSetting>() {
            Ok(setting) => Some(setting),
            Err(reason) => {
                errors.push(FieldError::new("setting", reason));
                None
            }
        },
    };
    let (Some(contact), Some(at_s), Some(setting), true) =
        (contact, at, setting, errors.is_empty())
    else {
        return Err(ApiError::invalid(errors));
    };
    if state.store.residences(&[contact]).await?.is_empty() {
        return Err(ApiError::field("contact_person_id", Reason::NotFound));
    }
    state
        .store
        .add_declared_contact(
            &auth.0,
            &DeclaredRow {
                person_id: id,
                contact_id: contact,
                at_s,
                setting,
            },
            state.now_s(),
        )
        .await?;
    if let Err(e) = state.contacts.reload_links(&state.store).await {
        tracing::error!("reloading tracing links after a declared contact: {e}");
    }
    Ok(StatusCode::CREATED)
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpDto {
    id: i64,
    case_id: i64,
    person_id: i64,
    degree: i64,
    via_person_id: i64,
    /// `quarantine` or `monitor`.
    status: &'static str,
    quarantine_from: Option<String>,
    quarantine_until: Option<String>,
    /// Days of quarantine with a test due, e.g. "1,7".
    test_days: String,
    policy: String,
    /// The follow-up unit: the contact's residence.
    unit_code: String,
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
        case_id: c.case_id.0,
        person_id: c.person_id.0,
        degree: c.degree,
        via_person_id: c.via_person_id.0,
        status: c.status.as_str(),
        quarantine_from: c.quarantine_from_s.map(iso),
        quarantine_until: c.quarantine_until_s.map(iso),
        test_days: c.test_days,
        policy: c.policy,
        unit_code: c.unit_code,
    })))
}
