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
use crate::forecast::{forecast_for, Forecast, ForecastFailure, SharesUsed};
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
    /// From `as_of` (day 0: the beds occupied then, where beds are on record) to the horizon.
    date: String,
    /// 1 = tier 1 (isolation facilities), 2 = oxygen, 3 = intensive care (with high flow).
    tier: usize,
    demand_mean: f64,
    demand_lower: f64,
    demand_upper: f64,
    /// Beds of that tier on record in the unit; null where none are recorded.
    capacity: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct TierDto {
    tier: usize,
    name: String,
    /// Share of new cases that take a bed of this tier (home care left out).
    share: f64,
    capacity: Option<u32>,
    /// Beds occupied on `as_of`, where beds are on record: the projection's day 0.
    occupied: Option<u32>,
    /// Beds planned (`/api/v1/capacity/plan`) in force on `as_of`, on top of `capacity`.
    planned: Option<u32>,
    /// Changes of the plan within the horizon: from `date` on, `planned` beds are in force.
    planned_changes: Vec<PlannedChangeDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PlannedChangeDto {
    date: String,
    planned: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct HomeDto {
    /// Share of new cases cared for at home.
    share: f64,
    /// F0 in home care on `as_of`, where the locality records care.
    now: Option<u32>,
    /// F0 in home care from `as_of` to the horizon (not beds).
    demand: Vec<RtDto>,
}

#[derive(Serialize, ToSchema)]
pub struct SeverityShareDto {
    /// asymptomatic, mild, moderate, severe, critical.
    severity: String,
    /// The share projected with.
    used: f64,
    /// The policy's share (the prior).
    prior: f64,
    /// The share among the recent cases; null without any.
    observed: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct SharesDto {
    severities: Vec<SeverityShareDto>,
    /// Cases confirmed from `from` to `through` whose recorded severity was counted.
    cases: u64,
    from: String,
    through: String,
    /// Weight of those cases against the prior: n / (n + prior weight).
    cases_weight: f64,
    /// Share of tier-1 F0 cared for at home: used, the policy's, observed.
    home_used: f64,
    home_prior: f64,
    home_observed: Option<f64>,
    /// Tier-1 F0 in care on `as_of` (at home or in a bed) that the observed share counts.
    home_stays: u64,
    home_weight: f64,
    /// The rule that sets the look-back and the prior weights.
    rule: String,
}

#[derive(Serialize, ToSchema)]
pub struct AlertDto {
    tier: usize,
    /// Beds registered (0 where none are, and the alert comes from planned beds).
    capacity: u32,
    /// Beds planned and in force on `as_of`; planned beds count from their date on.
    planned: Option<u32>,
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
    tiers: Vec<TierDto>,
    home_care: Option<HomeDto>,
    /// The severity and home-care shares the projection used; null without a projection.
    shares: Option<SharesDto>,
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
    let f = forecast_for(&state, &scope, as_of)
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
        tiers: f
            .tiers
            .iter()
            .map(|t| TierDto {
                tier: t.tier,
                name: t.name_en.clone(),
                share: t.share,
                capacity: t.capacity,
                occupied: t.occupied,
                planned: t.planned,
                planned_changes: t
                    .planned_changes
                    .iter()
                    .map(|(d, n)| PlannedChangeDto {
                        date: d.to_string(),
                        planned: *n,
                    })
                    .collect(),
            })
            .collect(),
        home_care: f.home.as_ref().map(|h| HomeDto {
            share: h.share,
            now: h.now,
            demand: h
                .demand
                .iter()
                .map(|p| band(p.date, p.mean, p.lower, p.upper))
                .collect(),
        }),
        shares: f.shares.as_ref().map(shares_dto),
        alerts: f
            .tiers
            .iter()
            .filter(|t| t.over_mean.is_some() || t.over_upper.is_some())
            .map(|t| AlertDto {
                tier: t.tier,
                capacity: t.capacity.unwrap_or(0),
                planned: t.planned,
                first_date_over_mean: t.over_mean.map(|d| d.to_string()),
                first_date_over_upper: t.over_upper.map(|d| d.to_string()),
            })
            .collect(),
    }
}

fn shares_dto(s: &SharesUsed) -> SharesDto {
    SharesDto {
        severities: s
            .severities
            .iter()
            .map(|x| SeverityShareDto {
                severity: x.severity.as_str().to_string(),
                used: x.used,
                prior: x.prior,
                observed: x.observed,
            })
            .collect(),
        cases: s.cases,
        from: s.from.to_string(),
        through: s.through.to_string(),
        cases_weight: s.cases_weight,
        home_used: s.home_used,
        home_prior: s.home_prior,
        home_observed: s.home_observed,
        home_stays: s.home_stays,
        home_weight: s.home_weight,
        rule: s.rule.clone(),
    }
}
