//! Cooperation agreements between localities: their commitments and progress, and activities.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::{AgreementId, DonationId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::{id_of, today, Created};
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct CommitmentDto {
    /// Set by the server.
    #[serde(default)]
    pub id: i64,
    pub text: String,
    pub owner: String,
    /// 0–100.
    #[serde(default)]
    pub progress_pct: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct AgreementRequest {
    pub title: Option<String>,
    /// Unit codes of the two parties.
    pub party_a: Option<String>,
    pub party_b: Option<String>,
    pub signed_on: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// Default: the nine fields of the 2023 Hà Nội – HCMC MoU.
    pub fields: Option<Vec<String>>,
    #[serde(default)]
    pub commitments: Vec<CommitmentDto>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// Records a cooperation agreement between two localities, one of them the caller's.
#[utoipa::path(post, path = "/api/v1/cooperation/agreements", request_body = AgreementRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_agreement(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<AgreementRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new = app::aid::new_agreement(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    let id = state
        .store
        .create_agreement(&auth.0, &new, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Deserialize, ToSchema)]
pub struct ActivityRequest {
    pub agreement_id: Option<i64>,
    /// `delegation_visit`, `online_talks` or `conference`.
    pub kind: Option<String>,
    pub date: Option<String>,
    /// Unit codes: who received the delegation, and who came.
    pub host: Option<String>,
    pub guest: Option<String>,
    pub title: Option<String>,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    /// Gifts the activity carried or announced.
    #[serde(default)]
    pub donation_ids: Vec<i64>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// Records a delegation visit, online talks or a conference between two localities.
#[utoipa::path(post, path = "/api/v1/cooperation/activities", request_body = ActivityRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_activity(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<ActivityRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new = app::aid::new_activity(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    let id = state
        .store
        .add_activity(&auth.0, &new, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Serialize, ToSchema)]
pub struct AgreementDto {
    pub id: i64,
    pub title: String,
    pub parties: [String; 2],
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub fields: Vec<String>,
    pub commitments: Vec<CommitmentDto>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    pub agreement_id: Option<i64>,
    pub kind: String,
    pub date: String,
    pub host: String,
    pub guest: String,
    pub title: String,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    pub donation_ids: Vec<i64>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CooperationDto {
    pub agreements: Vec<AgreementDto>,
    pub activities: Vec<ActivityDto>,
}

/// Agreements and activities where either party is in the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/cooperation", responses(
    (status = 200, body = CooperationDto)
), security(("bearer" = [])))]
pub async fn list_cooperation(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CooperationDto>, ApiError> {
    let (agreements, activities) = state.store.list_cooperation(&auth.0).await?;
    Ok(Json(CooperationDto {
        agreements: agreements
            .into_iter()
            .map(|a| AgreementDto {
                id: a.id.get(),
                title: a.title,
                parties: [a.party_a, a.party_b],
                signed_on: a.signed_on,
                starts_on: a.starts_on,
                ends_on: a.ends_on,
                fields: a.fields,
                commitments: a
                    .commitments
                    .into_iter()
                    .map(|c| CommitmentDto {
                        id: c.id.get(),
                        text: c.text,
                        owner: c.owner,
                        progress_pct: c.progress_pct,
                    })
                    .collect(),
                source: a.source,
                source_quote: a.source_quote,
            })
            .collect(),
        activities: activities
            .into_iter()
            .map(|a| ActivityDto {
                id: a.id.get(),
                agreement_id: a.agreement_id.map(AgreementId::get),
                kind: a.kind,
                date: a.on_date,
                host: a.host,
                guest: a.guest,
                title: a.title,
                participants: a.participants,
                outcome: a.outcome,
                donation_ids: a.donation_ids.into_iter().map(DonationId::get).collect(),
                source: a.source,
                source_quote: a.source_quote,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CommitmentProgressRequest {
    /// 0–100.
    pub progress_pct: Option<i64>,
}

/// Reports how far a commitment of an agreement has come.
#[utoipa::path(post, path = "/api/v1/cooperation/commitments/{id}/progress", params(("id" = i64, Path)), request_body = CommitmentProgressRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn report_commitment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CommitmentProgressRequest>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id)?;
    let pct = app::aid::commitment_progress(r.progress_pct).map_err(ApiError::invalid)?;
    if state
        .store
        .report_commitment(&auth.0, id, pct, state.now_s())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

impl From<AgreementRequest> for app::aid::AgreementInput {
    fn from(r: AgreementRequest) -> Self {
        app::aid::AgreementInput {
            title: r.title,
            party_a: r.party_a,
            party_b: r.party_b,
            signed_on: r.signed_on,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            fields: r.fields,
            commitments: r
                .commitments
                .into_iter()
                .map(|c| app::aid::CommitmentInput {
                    text: c.text,
                    owner: c.owner,
                    progress_pct: c.progress_pct,
                })
                .collect(),
            source: r.source,
            source_quote: r.source_quote,
        }
    }
}

impl From<ActivityRequest> for app::aid::ActivityInput {
    fn from(r: ActivityRequest) -> Self {
        app::aid::ActivityInput {
            agreement_id: r.agreement_id.map(AgreementId::new),
            kind: r.kind,
            date: r.date,
            host: r.host,
            guest: r.guest,
            title: r.title,
            participants: r.participants,
            outcome: r.outcome,
            donation_ids: r.donation_ids.into_iter().map(DonationId::new).collect(),
            source: r.source,
            source_quote: r.source_quote,
        }
    }
}
