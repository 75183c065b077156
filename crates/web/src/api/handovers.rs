//! Hand-over of a case between linked localities (issue #17, "What travels" 2): the JSON
//! edge of `app::handover`. Who may change cases (`WritePersonal`) may hand one over, answer
//! an offer and withdraw a pending one; the use cases check it again.

use app::handover::LocalityCode;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::{CaseId, Reason};
use serde::{Deserialize, Serialize};
use store::{Handover, HandoverDirection};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

use super::ListResponse;

fn handover_error(e: app::handover::HandoverError) -> ApiError {
    use app::handover::HandoverError::*;
    match e {
        Invalid(fields) => ApiError::invalid(fields),
        Forbidden => ApiError::new(ErrorCode::Forbidden),
        // This installation is not a linked locality: nothing can travel.
        NotLinked => ApiError {
            code: ErrorCode::Conflict,
            ..ApiError::field("link", Reason::NotAllowed)
        },
        Body(m) => {
            tracing::warn!("hand-over: {m}");
            ApiError::new(ErrorCode::Internal)
        }
        Store(e) => e.into(),
    }
}

fn path_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(ApiError::not_found)
}

#[derive(Deserialize, ToSchema)]
pub struct HandoverRequest {
    /// The linked locality's code (`79`, `LA-VT`).
    to: Option<String>,
    /// Why (a transfer to a facility there, a move): required.
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedHandover {
    id: i64,
}

/// Hands a case over to a linked locality: the case's FHIR Bundle (person, case, tests,
/// doses, stays) travels as an offer; the hand-over is pending until the locality answers.
/// 404 outside the caller's jurisdiction; 400 naming `to`, `reason` or `case` (already
/// handed over or pending: duplicate); 409 `link` when this installation is not linked.
#[utoipa::path(post, path = "/api/v1/cases/{id}/handover", params(("id" = i64, Path)), request_body = HandoverRequest, responses(
    (status = 201, body = CreatedHandover),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn hand_over(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<HandoverRequest>,
) -> Result<(StatusCode, Json<CreatedHandover>), ApiError> {
    let id = path_id(&id)?;
    let to = match r.to.as_deref() {
        None | Some("") => return Err(ApiError::field("to", Reason::Required)),
        Some(t) => {
            LocalityCode::parse(t).map_err(|_| ApiError::field("to", Reason::UnknownValue))?
        }
    };
    let made = state
        .hand_over(&auth.0, CaseId(id), &to, r.reason.as_deref().unwrap_or(""))
        .await
        .map_err(handover_error)?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(CreatedHandover { id: made })))
}

#[derive(Deserialize, IntoParams)]
pub struct HandoverQuery {
    /// `in` (offered to us) or `out` (ours); absent: both.
    direction: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HandoverItem {
    id: i64,
    /// `in` or `out`.
    direction: &'static str,
    /// The other locality's code.
    peer: String,
    record: String,
    /// `out`: our case; `in`: the case taken in, once accepted.
    case_id: Option<i64>,
    /// `pending`, `accepted`, `rejected` or `withdrawn`.
    status: &'static str,
    reason: String,
    answer_reason: Option<String>,
    created_at_s: i64,
    answered_at_s: Option<i64>,
}

impl From<Handover> for HandoverItem {
    fn from(h: Handover) -> Self {
        HandoverItem {
            id: h.id,
            direction: h.direction.as_str(),
            peer: h.peer,
            record: h.record_key,
            case_id: h.case_id,
            status: h.status.as_str(),
            reason: h.reason,
            answer_reason: h.answer_reason,
            created_at_s: h.created_at_s,
            answered_at_s: h.answered_at_s,
        }
    }
}

/// The hand-overs, newest first (at most 500): offered to us (`in`) and ours (`out`).
#[utoipa::path(get, path = "/api/v1/handovers", params(HandoverQuery), responses(
    (status = 200, body = ListResponse<HandoverItem>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<HandoverQuery>,
) -> Result<Json<ListResponse<HandoverItem>>, ApiError> {
    let direction = match q.direction.as_deref() {
        None | Some("") => None,
        Some("in") => Some(HandoverDirection::In),
        Some("out") => Some(HandoverDirection::Out),
        Some(_) => return Err(ApiError::field("direction", Reason::UnknownValue)),
    };
    let items = state
        .handovers(&auth.0, direction)
        .await
        .map_err(handover_error)?;
    Ok(Json(ListResponse {
        items: items.into_iter().map(HandoverItem::from).collect(),
        next_cursor: None,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// True: take the case in (it is ours from then on); false: keep nothing of it.
    accept: Option<bool>,
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Answered {
    /// Accepted: the case as it is recorded here.
    case_id: Option<i64>,
}

/// Answers a hand-over offered to us. 404: no such offer; 400 `handover` not allowed: it is
/// answered or withdrawn; an accepted Bundle that does not hold names its fields (the offer
/// stays pending).
#[utoipa::path(post, path = "/api/v1/handovers/{id}/answer", params(("id" = i64, Path)), request_body = AnswerRequest, responses(
    (status = 200, body = Answered),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn answer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<AnswerRequest>,
) -> Result<Json<Answered>, ApiError> {
    let id = path_id(&id)?;
    let accept = r
        .accept
        .ok_or_else(|| ApiError::field("accept", Reason::Required))?;
    let found = state
        .store
        .handover(id)
        .await?
        .filter(|h| h.direction == HandoverDirection::In);
    if found.is_none() {
        return Err(ApiError::not_found());
    }
    let case_id = state
        .answer_handover(&auth.0, id, accept, r.reason.as_deref())
        .await
        .map_err(handover_error)?;
    Ok(Json(Answered { case_id }))
}

/// Withdraws our pending hand-over. 404: no such hand-over of ours; 400 `handover` not
/// allowed: it is no longer pending (an acceptance made there before the withdrawal
/// arrives stands).
#[utoipa::path(post, path = "/api/v1/handovers/{id}/withdraw", params(("id" = i64, Path)), responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    match state
        .withdraw_handover(&auth.0, id)
        .await
        .map_err(handover_error)?
    {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found()),
    }
}
