//! The forecast of a unit: R(t) by the method of Cori et al. over its daily cases, and the
//! projection of cases and bed demand by treatment tier against the beds it has, with the
//! first day demand would exceed them (`crates/forecast`, rules from `data/policies/care.toml`).

use chrono::NaiveDate;
use forecast::{estimate_rt, project, CoriConfig, ProjectionConfig, SerialInterval, TierDemand};

use crate::App;

/// Days of history R(t) is estimated over.
pub const HISTORY_DAYS: u64 = 90;
/// Days projected.
pub const HORIZON_DAYS: usize = 28;

/// A day's estimate with its 95% band (R, cases or occupied beds).
pub struct DatedBand {
    pub date: NaiveDate,
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
}

pub struct TierForecast {
    pub tier: usize,
    pub name_vi: String,
    pub name_en: String,
    /// Beds of the tier's kind in the unit, if its facilities are on record.
    pub capacity: Option<u32>,
    pub demand: Vec<DatedBand>,
    /// The first day mean (upper) demand exceeds the beds.
    pub over_mean: Option<NaiveDate>,
    pub over_upper: Option<NaiveDate>,
}

pub struct Forecast {
    pub as_of: NaiveDate,
    /// The variant rule whose serial interval and severity shares were used.
    pub basis: String,
    pub observed: Vec<(NaiveDate, u32)>,
    pub rt: Vec<DatedBand>,
    pub cases: Vec<DatedBand>,
    pub tiers: Vec<TierForecast>,
}

#[derive(Debug, thiserror::Error)]
pub enum ForecastFailure {
    #[error("no care policy in force on {0}")]
    NoPolicy(NaiveDate),
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    #[error("forecast: {0}")]
    Model(#[from] forecast::ForecastError),
}

/// The last day whose cases are complete: yesterday on the locality's clock. Today's count
/// grows until midnight, so a day counted while it runs reads as a fall in R(t) and in the
/// projection; estimates stop at the last complete day, and a requested later day is taken
/// back to it.
pub fn complete_through(app: &App, requested: Option<NaiveDate>) -> NaiveDate {
    let last = app.today() - chrono::Days::new(1);
    requested.map_or(last, |d| d.min(last))
}

/// The forecast for the cases within `scope` (a unit's subtree intersected with the
/// caller's), as of the day `as_of`; `capacity` gives the beds per tier where known.
pub async fn forecast_for(
    state: &App,
    scope: &domain::Scope,
    as_of: NaiveDate,
    capacity: &[Option<u32>],
) -> Result<Forecast, ForecastFailure> {
    forecast_with(state, scope, as_of, capacity, true).await
}

/// R(t) alone (no projection), for the dashboard.
pub async fn rt_for(
    state: &App,
    scope: &domain::Scope,
    as_of: NaiveDate,
) -> Result<Vec<DatedBand>, ForecastFailure> {
    Ok(forecast_with(state, scope, as_of, &[], false).await?.rt)
}

async fn forecast_with(
    state: &App,
    scope: &domain::Scope,
    as_of: NaiveDate,
    capacity: &[Option<u32>],
    projected: bool,
) -> Result<Forecast, ForecastFailure> {
    let care = state.rules.care();
    let variant = care
        .variant_on(as_of)
        .map_err(|_| ForecastFailure::NoPolicy(as_of))?;
    let model = care
        .tier_model(None)
        .ok_or(ForecastFailure::NoPolicy(as_of))?;
    let first = as_of - chrono::Days::new(HISTORY_DAYS - 1);
    let daily = state
        .store
        .daily_case_counts(scope, domain::Structure::S2021, first, as_of)
        .await?;
    let history: Vec<u32> = daily
        .iter()
        .map(|&n| u32::try_from(n).unwrap_or(u32::MAX))
        .collect();
    let date_of = |i: usize| first + chrono::Days::new(i as u64);
    let si = SerialInterval::new(variant.serial_interval.value.clone())?;
    let estimates = estimate_rt(&history, &si, &CoriConfig::default())?;
    // A window with too little infectiousness says only what the prior says: left out.
    let rt: Vec<DatedBand> = estimates
        .iter()
        .filter(|e| e.infectiousness >= 12.0)
        .map(|e| DatedBand {
            date: date_of(e.end_day),
            mean: e.mean,
            lower: e.lower,
            upper: e.upper,
        })
        .collect();
    let shares = model.demand(&variant.severity_shares.value);
    let tiers_in: Vec<TierDemand> = shares
        .iter()
        .enumerate()
        .map(|(i, t)| TierDemand {
            share: t.share,
            los_days: t.los_days,
            beds: capacity.get(i).copied().flatten().unwrap_or(u32::MAX),
        })
        .collect();
    let (cases, tiers) = match estimates.last().filter(|_| projected) {
        Some(last) => {
            let cfg = ProjectionConfig {
                horizon_days: HORIZON_DAYS,
                ..ProjectionConfig::default()
            };
            let p = project(&history, &si, last.posterior(), &tiers_in, &cfg)?;
            let ahead = |i: usize| as_of + chrono::Days::new(i as u64 + 1);
            let bands = |v: &[forecast::Band]| -> Vec<DatedBand> {
                v.iter()
                    .enumerate()
                    .map(|(i, b)| DatedBand {
                        date: ahead(i),
                        mean: b.mean,
                        lower: b.lower,
                        upper: b.upper,
                    })
                    .collect()
            };
            let tiers = p
                .tiers
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let cap = capacity.get(i).copied().flatten();
                    let tier = &model.tiers[shares[i].tier];
                    TierForecast {
                        tier: i + 1,
                        name_vi: tier.name_vi.clone(),
                        name_en: tier.name_en.clone(),
                        capacity: cap,
                        demand: bands(&t.occupancy),
                        over_mean: cap.and(t.first_day_over_mean).map(|d| ahead(d - 1)),
                        over_upper: cap.and(t.first_day_over_upper).map(|d| ahead(d - 1)),
                    }
                })
                .collect();
            (bands(&p.cases), tiers)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(Forecast {
        as_of,
        basis: variant.document.clone(),
        observed: history
            .iter()
            .enumerate()
            .map(|(i, n)| (date_of(i), *n))
            .collect(),
        rt,
        cases,
        tiers,
    })
}

/// Beds per tier of the default model within `scope`, from the facilities on record: a
/// tier cared for at home has no bed limit (`None`), as has a tier with no beds recorded.
pub async fn capacity(
    state: &App,
    scope: &domain::Scope,
) -> Result<Vec<Option<u32>>, store::StoreError> {
    use domain::care::BedType as Care;
    use domain::facility::BedType as Bed;
    let care = state.rules.care();
    let Some(model) = care.tier_model(None) else {
        return Ok(Vec::new());
    };
    let beds = state
        .store
        .beds_by_unit(
            scope,
            domain::Structure::S2021,
            domain::UnitLevel::Province,
            state.now_s(),
        )
        .await?;
    let total = |kinds: &[Bed]| -> Option<u32> {
        let n: i64 = beds
            .iter()
            .filter(|b| kinds.contains(&b.bed_type))
            .map(|b| b.capacity)
            .sum();
        (n > 0).then(|| u32::try_from(n).unwrap_or(u32::MAX))
    };
    Ok(model
        .tiers
        .iter()
        .map(|t| match t.bed.value {
            Care::Home => None,
            Care::Isolation => total(&[Bed::F0Tier1]),
            Care::Oxygen => total(&[Bed::Oxygen, Bed::HighFlow]),
            Care::Icu => total(&[Bed::Ventilator, Bed::Icu]),
        })
        .collect())
}

/// The scope a forecast covers: the caller's, or one unit of it (`unit`, a 2021 code) with
/// that code; `None` when the unit is unknown or outside the caller's scope.
pub fn scope_of(
    caller: &store::Caller,
    unit: Option<&str>,
) -> Option<(domain::Scope, Option<String>)> {
    use domain::Structure;
    match unit.map(str::trim).filter(|u| !u.is_empty()) {
        None => Some((caller.scope.clone(), None)),
        Some(code) => {
            let u = crate::registry::Registry::of(Structure::S2021)
                .get(code)
                .filter(|u| caller.scope.contains(Structure::S2021, &u.path))?;
            Some((
                domain::Scope::of([(Structure::S2021, u.path.clone())]),
                Some(code.to_string()),
            ))
        }
    }
}
