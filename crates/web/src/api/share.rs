//! Sharing a case for view with a linked locality, and the copies shared with us (issue #17,
//! "What travels" 3). The use cases are `app::share`; who may call is the route table's
//! (`ReadPersonal`), the same check the app makes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::share::Pseudonymisation;
use domain::{CaseId, Reason};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cases::iso;
use super::ListResponse;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
pub struct ShareRequest {
    /// The partner locality's code (its registry entry), e.g. `79`.
    to: Option<String>,
    /// No name, national ID or phone: the person travels as an opaque token.
    #[serde(default)]
    no_identifiers: bool,
    /// The birth date cut to its year.
    #[serde(default)]
    birth_year_only: bool,
    /// No address: the residence only to the commune or ward.
    #[serde(default)]
    commune_only: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedShare {
    id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SharedCopyDto {
    id: i64,
    /// The locality that shared it.
    from_locality: String,
    /// Its id there.
    share_id: i64,
    received_at: String,
    /// Set once revoked: nothing of the case is left here.
    revoked_at: Option<String>,
    revoked_by: Option<String>,
    /// The case as shared (`app::share::SharedCase`, v1, see docs/ARCHITECTURE.md).
    #[schema(value_type = Option<Object>)]
    case: Option<serde_json::Value>,
}

fn copy_dto(c: app::share::SharedCopy) -> Result<SharedCopyDto, ApiError> {
    let case = c
        .case
        .map(serde_json::to_value)
        .transpose()
        .map_err(|_| ApiError::new(ErrorCode::Internal))?;
    Ok(SharedCopyDto {
        id: c.id,
        from_locality: c.from_locality,
        share_id: c.share_id,
        received_at: iso(c.received_at_s),
        revoked_at: c.revoked_at_s.map(iso),
        revoked_by: c.revoked_by,
        case,
    })
}

fn share_error(e: app::share::ShareError) -> ApiError {
    use app::share::ShareError::*;
    match e {
        Forbidden => ApiError::new(ErrorCode::Forbidden),
        NotFound => ApiError::not_found(),
        UnknownPartner(_) => ApiError::field("to", Reason::NotFound),
        Store(e) => e.into(),
    }
}

/// Shares case `id` for view with a linked locality, pseudonymised as chosen (what is not
/// shared never leaves). 400 on `to` when it is not a partner of the registry.
#[utoipa::path(post, path = "/api/v1/cases/{id}/share", params(("id" = i64, Path)), request_body = ShareRequest, responses(
    (status = 201, body = CreatedShare),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn share_case(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ShareRequest>,
) -> Result<(StatusCode, Json<CreatedShare>), ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let to = match r.to.as_deref() {
        None | Some("") => return Err(ApiError::field("to", Reason::Required)),
        Some(t) => link::LocalityCode::parse(t)
            .map_err(|_| ApiError::field("to", Reason::InvalidFormat))?,
    };
    let choices = Pseudonymisation {
        no_identifiers: r.no_identifiers,
        birth_year_only: r.birth_year_only,
        commune_only: r.commune_only,
    };
    let share = state
        .share_case(&auth.0, CaseId(id), &to, choices)
        .await
        .map_err(share_error)?;
    Ok((StatusCode::CREATED, Json(CreatedShare { id: share })))
}

/// Revokes share `id`: the partner deletes its copy. 204 also when it was revoked already.
#[utoipa::path(post, path = "/api/v1/shares/{id}/revoke", params(("id" = i64, Path)), responses(
    (status = 204),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    state.revoke_share(&auth.0, id).await.map_err(share_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The copies other localities shared with us, newest first (revoked ones without case).
#[utoipa::path(get, path = "/api/v1/shared", responses(
    (status = 200, body = ListResponse<SharedCopyDto>)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<ListResponse<SharedCopyDto>>, ApiError> {
    let items = state
        .shared_with_us(&auth.0)
        .await
        .map_err(share_error)?
        .into_iter()
        .map(copy_dto)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(ListResponse {
        items,
        next_cursor: None,
    }))
}

/// One copy shared with us; 404 when there is none or it was revoked.
#[utoipa::path(get, path = "/api/v1/shared/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = SharedCopyDto),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<SharedCopyDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let copy = state
        .shared_case(&auth.0, id)
        .await
        .map_err(share_error)?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(copy_dto(copy)?))
}
