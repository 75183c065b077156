//! `GET /api/v1/forecast`: R(t) and the projection of cases and beds for a unit.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use domain::Reason;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::opt_param;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiQuery, Auth};
use crate::forecast::{forecast_for, Forecast, ForecastFailure};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct RtDto {
    date: String,
    mean: f64,
    /// 2.5% and 97.5% quantiles of the posterior.
    lower: f64,
    upper: f64,
}

#[derive(Serialize, ToSchema)]
pub struct BedDto {
    date: String,
    /// 1 = tier 1 (isolation, home care), 2 = oxygen, 3 = intensive care.
    tier: usize,
    demand_mean: f64,
    demand_lower: f64,
    demand_upper: f64,
    /// Beds of that tier on record in the unit; null where none are recorded.
    capacity: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertDto {
    tier: usize,
    capacity: u32,
    /// First day the mean projected demand exceeds the beds.
    first_date_over_mean: Option<String>,
    /// First day the upper band does (the earlier warning).
    first_date_over_upper: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastDto {
    unit: Option<String>,
    as_of: String,
    /// The rule whose serial interval and severity shares were used.
    basis: String,
    rt: Vec<RtDto>,
    cases: Vec<RtDto>,
    beds: Vec<BedDto>,
    alerts: Vec<AlertDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct ForecastQuery {
    /// A unit code (2021 structure) within the caller's jurisdiction; default: all of it.
    unit: Option<String>,
    /// The last observed day, YYYY-MM-DD (default and latest: yesterday in the locality, the
    /// last day whose cases are complete).
    date: Option<String>,
}

/// R(t) (Cori et al. 2013, 7-day windows) over 90 days, and 28 days of projected cases and
/// bed demand per tier with 95% bands against the beds on record.
#[utoipa::path(get, path = "/api/v1/forecast", params(ForecastQuery), responses(
    (status = 200, body = ForecastDto),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(q): ApiQuery<ForecastQuery>,
) -> Result<Json<ForecastDto>, ApiError> {
    let asked = opt_param("date", q.date.as_deref(), app::input::date)?;
    let as_of = app::forecast::complete_through(&state, asked);
    let (scope, unit) = app::forecast::scope_of(&caller, q.unit.as_deref())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let capacity = crate::forecast::capacity(&state, &scope).await?;
    let f = forecast_for(&state, &scope, as_of, &capacity)
        .await
        .map_err(|e| match e {
            ForecastFailure::NoPolicy(_) => ApiError::field("date", Reason::OutOfRange),
            other => {
                tracing::error!("forecast: {other}");
                ApiError::new(ErrorCode::Internal)
            }
        })?;
    Ok(Json(dto(unit, &f)))
}

fn dto(unit: Option<String>, f: &Forecast) -> ForecastDto {
    let band = |date: NaiveDate, mean, lower, upper| RtDto {
        date: date.to_string(),
        mean,
        lower,
        upper,
    };
    ForecastDto {
        unit,
        as_of: f.as_of.to_string(),
        basis: f.basis.clone(),
        rt: f
            .rt
            .iter()
            .map(|p| band(p.date, p.mean, p.lower, p.upper))
            .collect(),
        cases: f
            .cases
            .iter()
            .map(|p| band(p.date, p.mean, p.lower, p.upper))
            .collect(),
        beds: f
            .tiers
            .iter()
            .flat_map(|t| {
                t.demand.iter().map(|p| BedDto {
                    date: p.date.to_string(),
                    tier: t.tier,
                    demand_mean: p.mean,
                    demand_lower: p.lower,
                    demand_upper: p.upper,
                    capacity: t.capacity,
                })
            })
            .collect(),
        alerts: f
            .tiers
            .iter()
            .filter_map(|t| {
                let capacity = t.capacity?;
                (t.over_mean.is_some() || t.over_upper.is_some()).then(|| AlertDto {
                    tier: t.tier,
                    capacity,
                    first_date_over_mean: t.over_mean.map(|d| d.to_string()),
                    first_date_over_upper: t.over_upper.map(|d| d.to_string()),
                })
            })
            .collect(),
    }
}
