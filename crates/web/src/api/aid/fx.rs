//! Exchange rates: recorded with their date and source, and read back.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::aid::FxRate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::today;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct RateDto {
    pub base: String,
    pub quote: String,
    /// Units of `quote` for one unit of `base`, as a decimal string.
    pub rate: String,
    pub rate_micro: i64,
    pub date: String,
    pub source: String,
    /// Not from an official table: shown as *assumed*.
    pub assumed: bool,
}

pub(crate) fn rate_dto(r: &FxRate) -> RateDto {
    RateDto {
        base: r.base.code().into(),
        quote: r.quote.code().into(),
        rate: app::aid::decimal_micro(r.rate_micro),
        rate_micro: r.rate_micro,
        date: r.on_date.to_string(),
        source: r.source.clone(),
        assumed: r.assumed,
    }
}

/// The recorded exchange rates.
#[utoipa::path(get, path = "/api/v1/aid/rates", responses(
    (status = 200, body = Vec<RateDto>)
), security(("bearer" = [])))]
pub async fn list_rates(
    State(state): State<AppState>,
    _auth: Auth,
) -> Result<Json<Vec<RateDto>>, ApiError> {
    Ok(Json(
        state.store.fx_rates().await?.iter().map(rate_dto).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RateRequest {
    pub base: Option<String>,
    pub quote: Option<String>,
    /// Units of `quote` per unit of `base`, a decimal string with at most 6 decimals.
    pub rate: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub assumed: bool,
}

/// Records an exchange rate with its date and source (command centres and administrators).
#[utoipa::path(post, path = "/api/v1/aid/rates", request_body = RateRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn put_rate(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<RateRequest>,
) -> Result<StatusCode, ApiError> {
    let rate = app::aid::new_rate(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    state
        .store
        .put_fx_rate(&auth.0, &rate, state.now_s())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

impl From<RateRequest> for app::aid::RateInput {
    fn from(r: RateRequest) -> Self {
        app::aid::RateInput {
            base: r.base,
            quote: r.quote,
            rate: r.rate,
            date: r.date,
            source: r.source,
            assumed: r.assumed,
        }
    }
}
