//! Needs posted by localities and the matching of an offer to them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::aid::{self, NeedStatus};
use domain::{FieldError, Reason, UnitCode};
use serde::{Deserialize, Serialize};
use store::aid::Need;
use utoipa::{IntoParams, ToSchema};

use super::{id_of, opt_param, today, Created};
use crate::api::casework::{required, slug};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
pub struct NeedRequest {
    /// The needing locality (a unit of the caller's jurisdiction).
    pub unit: Option<String>,
    /// A catalogue item.
    pub item: Option<String>,
    pub quantity: Option<i64>,
    /// YYYY-MM-DD.
    pub by_date: Option<String>,
    pub note: Option<String>,
}

/// Posts a need (item, quantity, by when) of a locality of the caller's.
#[utoipa::path(post, path = "/api/v1/aid/needs", request_body = NeedRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn post_need(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<NeedRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new = app::aid::new_need(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    // Through the application: a need of ours is published to linked localities with it.
    let id = app::gift::post_need(&state.app, &auth.0, &new).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Deserialize, ToSchema)]
pub struct NeedStatusRequest {
    /// `met` or `withdrawn`.
    pub status: Option<String>,
}

/// Closes a need of the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/aid/needs/{id}/status", params(("id" = i64, Path)), request_body = NeedStatusRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn close_need(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<NeedStatusRequest>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id)?;
    let mut errors = Vec::new();
    let status = slug::<NeedStatus>("status", r.status.as_deref(), &mut errors)
        .filter(|s| *s != NeedStatus::Open)
        .or_else(|| {
            if errors.is_empty() {
                errors.push(FieldError::new("status", Reason::UnknownValue));
            }
            None
        });
    let Some(status) = status else {
        return Err(ApiError::invalid(errors));
    };
    if app::gift::close_need(&state.app, &auth.0, id, status).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

#[derive(Serialize, ToSchema)]
pub struct SituationDto {
    pub cases_7d: i64,
    pub cases_prev_7d: i64,
    /// Week-on-week growth, (c7 + 1) / (prev + 1), rounded to 2 decimals.
    pub growth: f64,
    pub distance_km: Option<f64>,
    /// The locality's latest published risk level (1–4).
    pub risk_level: Option<u8>,
    /// Free F0 treatment beds in its territory, where facilities are on record.
    pub free_beds: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NeedDto {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub item: String,
    pub quantity: i64,
    pub unit: String,
    pub by_date: String,
    pub note: Option<String>,
    pub status: String,
    /// With matches: what the rank is based on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub situation: Option<SituationDto>,
}

pub(crate) fn need_dto(n: Need) -> NeedDto {
    NeedDto {
        id: n.id.get(),
        unit_code: n.unit_code,
        unit_name: n.unit_name,
        item: n.item,
        quantity: n.quantity,
        unit: n.unit,
        by_date: n.by_date,
        note: n.note,
        status: n.status.as_str().into(),
        situation: n.situation.map(|s| SituationDto {
            growth: (s.growth() * 100.0).round() / 100.0,
            cases_7d: s.cases_7d,
            cases_prev_7d: s.cases_prev_7d,
            distance_km: s.distance_km.map(|d| d.round()),
            risk_level: s.risk_level,
            free_beds: s.free_beds,
        }),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct NeedsQuery {
    pub item: Option<String>,
}

/// Unmet (open) needs of every locality, earliest deadline first: donors look for them.
#[utoipa::path(get, path = "/api/v1/aid/needs", params(NeedsQuery), responses(
    (status = 200, body = Vec<NeedDto>)
), security(("bearer" = [])))]
pub async fn list_needs(
    State(state): State<AppState>,
    _auth: Auth,
    ApiQuery(q): ApiQuery<NeedsQuery>,
) -> Result<Json<Vec<NeedDto>>, ApiError> {
    let item = opt_param("item", q.item.as_deref(), |i| {
        aid::item(i).map(|i| i.slug).ok_or(Reason::UnknownValue)
    })?;
    let needs = state.store.open_needs(item).await?;
    Ok(Json(needs.into_iter().map(need_dto).collect()))
}

#[derive(Deserialize, IntoParams)]
pub struct MatchQuery {
    /// The item offered.
    pub item: Option<String>,
    /// The offering locality (unit code), for distance.
    pub from: Option<String>,
}

/// The open needs an offer of `item` could meet, most urgent first: most cases in the last
/// 7 days, then fastest week-on-week growth, then nearest to `from`.
#[utoipa::path(get, path = "/api/v1/aid/needs/matches", params(MatchQuery), responses(
    (status = 200, body = Vec<NeedDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn match_needs(
    State(state): State<AppState>,
    _auth: Auth,
    ApiQuery(q): ApiQuery<MatchQuery>,
) -> Result<Json<Vec<NeedDto>>, ApiError> {
    let mut errors = Vec::new();
    let item = match q.item.as_deref() {
        None | Some("") => required("item", None, &mut errors),
        Some(i) => aid::item(i).or_else(|| {
            errors.push(FieldError::new("item", Reason::UnknownValue));
            None
        }),
    };
    let from = match q.from.as_deref() {
        None | Some("") => None,
        Some(u) => UnitCode::parse(u)
            .map_err(|e| errors.push(FieldError::new("from", e)))
            .ok(),
    };
    let (Some(item), true) = (item, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let needs = state
        .store
        .match_needs(item.slug, from.as_ref(), state.now_s())
        .await?;
    Ok(Json(needs.into_iter().map(need_dto).collect()))
}

impl From<NeedRequest> for app::aid::NeedInput {
    fn from(r: NeedRequest) -> Self {
        app::aid::NeedInput {
            unit: r.unit,
            item: r.item,
            quantity: r.quantity,
            by_date: r.by_date,
            note: r.note,
        }
    }
}
