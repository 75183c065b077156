//! Emulation campaigns: their key tasks and progress, and commendations.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::{id_of, today, Created};
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct TaskDto {
    /// Set by the server.
    #[serde(default)]
    pub no: i64,
    pub title: String,
    pub indicator: Option<String>,
    pub target: Option<i64>,
    pub progress: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct CampaignRequest {
    pub name: Option<String>,
    pub launched_on: Option<String>,
    pub launched_by: Option<String>,
    /// The launching jurisdiction (a unit code of the caller's).
    pub unit: Option<String>,
    #[serde(default)]
    pub tasks: Vec<TaskDto>,
    /// Units taking part.
    #[serde(default)]
    pub units: Vec<String>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// Launches an emulation campaign with its key tasks.
#[utoipa::path(post, path = "/api/v1/campaigns", request_body = CampaignRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_campaign(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<CampaignRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new = app::aid::new_campaign(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    let id = state
        .store
        .create_campaign(&auth.0, &new, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Deserialize, ToSchema)]
pub struct ProgressRequest {
    pub progress: Option<i64>,
}

/// Reports the progress of a campaign's key task (in the task's indicator).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tasks/{no}/progress", params(("id" = i64, Path), ("no" = i64, Path)), request_body = ProgressRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn report_progress(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, no)): Path<(String, String)>,
    ApiJson(r): ApiJson<ProgressRequest>,
) -> Result<StatusCode, ApiError> {
    let (id, no) = (id_of(&id)?, id_of::<i64>(&no)?);
    let progress = app::aid::task_progress(r.progress).map_err(ApiError::invalid)?;
    if state
        .store
        .report_task_progress(&auth.0, id, no, progress, state.now_s())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommendationDto {
    pub recipient: String,
    pub collective: bool,
    pub reason: String,
    pub on_date: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignDto {
    pub id: i64,
    pub name: String,
    pub launched_on: String,
    pub launched_by: String,
    pub unit_code: String,
    pub tasks: Vec<TaskDto>,
    pub units: Vec<String>,
    pub commendations: Vec<CommendationDto>,
    pub source: String,
    pub source_quote: Option<String>,
}

/// Campaigns launched in the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/campaigns", responses(
    (status = 200, body = Vec<CampaignDto>)
), security(("bearer" = [])))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<CampaignDto>>, ApiError> {
    let campaigns = state.store.list_campaigns(&auth.0).await?;
    Ok(Json(
        campaigns
            .into_iter()
            .map(|c| CampaignDto {
                id: c.id.get(),
                name: c.name,
                launched_on: c.launched_on,
                launched_by: c.launched_by,
                unit_code: c.unit_code,
                tasks: c
                    .tasks
                    .into_iter()
                    .map(|t| TaskDto {
                        no: t.no,
                        title: t.title,
                        indicator: t.indicator,
                        target: t.target,
                        progress: t.progress,
                    })
                    .collect(),
                units: c.units.into_iter().map(|(code, _)| code).collect(),
                commendations: c
                    .commendations
                    .into_iter()
                    .map(|m| CommendationDto {
                        recipient: m.recipient,
                        collective: m.collective,
                        reason: m.reason,
                        on_date: m.on_date,
                    })
                    .collect(),
                source: c.source,
                source_quote: c.source_quote,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CommendationRequest {
    pub recipient: Option<String>,
    /// A collective (unit, team) rather than a person.
    #[serde(default)]
    pub collective: bool,
    pub reason: Option<String>,
    pub on_date: Option<String>,
}

/// Commends an individual or a collective in a campaign of the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/commendations", params(("id" = i64, Path)), request_body = CommendationRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn commend(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CommendationRequest>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id)?;
    let c = app::aid::new_commendation(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    if state
        .store
        .add_commendation(&auth.0, id, &c, state.now_s())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// A commendation from its request (the API and the campaigns page's form share it).
impl From<CampaignRequest> for app::aid::CampaignInput {
    fn from(r: CampaignRequest) -> Self {
        app::aid::CampaignInput {
            name: r.name,
            launched_on: r.launched_on,
            launched_by: r.launched_by,
            unit: r.unit,
            tasks: r
                .tasks
                .into_iter()
                .map(|t| app::aid::TaskInput {
                    title: t.title,
                    indicator: t.indicator,
                    target: t.target,
                    progress: t.progress,
                })
                .collect(),
            units: r.units,
            source: r.source,
            source_quote: r.source_quote,
        }
    }
}

impl From<CommendationRequest> for app::aid::CommendationInput {
    fn from(r: CommendationRequest) -> Self {
        app::aid::CommendationInput {
            recipient: r.recipient,
            collective: r.collective,
            reason: r.reason,
            on_date: r.on_date,
        }
    }
}
