//! Donors and recipients on the wire, and the organisations that give or receive aid.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Created;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct PartyDto {
    /// `locality`, `party_committee`, `peoples_committee`, `police`, `fatherland_front`,
    /// `trade_union`, `enterprise`, `religious_group` or `individual`.
    pub kind: String,
    /// A unit code for a locality ("01", "LA-VT"), an organisation id otherwise.
    pub code_or_id: String,
    /// Ignored in requests.
    #[serde(default)]
    pub name: String,
}

pub(super) fn party_dto(p: &store::aid::Party) -> PartyDto {
    PartyDto {
        kind: p.kind.as_str().into(),
        code_or_id: p.code_or_id.clone(),
        name: p.name.clone(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct OrgRequest {
    pub kind: Option<String>,
    pub name: Option<String>,
    /// The organisation's locality (unit code).
    pub unit: Option<String>,
}

/// Registers an organisation that gives or receives aid (or returns the existing one).
#[utoipa::path(post, path = "/api/v1/aid/organisations", request_body = OrgRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_org(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<OrgRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new = app::aid::new_org(&app::aid::OrgInput {
        kind: r.kind,
        name: r.name,
        unit: r.unit,
    })
    .map_err(ApiError::invalid)?;
    let id = state
        .store
        .add_aid_org(&auth.0, &new, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}
