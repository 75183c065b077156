//! The forecast of a unit: R(t) by the method of Cori et al. over its daily cases, and the
//! projection of cases and bed demand by treatment tier against the beds it has, with the
//! first day demand would exceed them (`crates/forecast`, rules from `data/policies/care.toml`).
//!
//! The projection uses the locality's own records where it has them: the severity mix of
//! its recent cases and the share of tier-1 F0 it cares for at home, each blended with the
//! policy's value as a prior (`forecast::shares`, weights in `[[estimation]]`); home care is
//! projected apart from beds; and a tier with beds on record starts from the beds occupied
//! on the last observed day, so the curve starts where the facilities are.

use chrono::NaiveDate;
use domain::care::{BedType as Care, EstimationRule, TierModel};
use domain::epi::Severity;
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
    /// Beds of the tier's kind occupied on the last observed day, where beds are on record.
    pub occupied: Option<u32>,
    /// Beds of the tier's kind planned (`store::capacity`) and in force on the last observed
    /// day, on top of `capacity`.
    pub planned: Option<u32>,
    /// Changes of the plan within the horizon: from each date on, the planned beds in force
    /// (None: none). The alerts count them from their date, never before.
    pub planned_changes: Vec<(NaiveDate, Option<u32>)>,
    /// Share of new cases that take a bed of this tier (home care left out).
    pub share: f64,
    /// Beds needed from the last observed day (day 0: `occupied` where known) to the horizon.
    pub demand: Vec<DatedBand>,
    /// The first day mean (upper) demand exceeds the beds: registered and, from its date,
    /// planned.
    pub over_mean: Option<NaiveDate>,
    pub over_upper: Option<NaiveDate>,
}

impl TierForecast {
    /// Planned beds in force on `date` (from the last observed day on).
    pub fn planned_on(&self, date: NaiveDate) -> Option<u32> {
        self.planned_changes
            .iter()
            .rev()
            .find(|(d, _)| *d <= date)
            .map_or(self.planned, |(_, n)| *n)
    }

    /// The beds demand is compared with on `date`: registered plus planned in force then.
    pub fn beds_on(&self, date: NaiveDate) -> u32 {
        self.capacity
            .unwrap_or(0)
            .saturating_add(self.planned_on(date).unwrap_or(0))
    }
}

/// Tier-1 F0 cared for at home, projected apart from beds.
pub struct HomeForecast {
    /// Share of new cases cared for at home.
    pub share: f64,
    /// F0 in home care on the last observed day, where the locality records care.
    pub now: Option<u32>,
    /// From the last observed day to the horizon.
    pub demand: Vec<DatedBand>,
}

/// One severity's share of new cases: the one used, the policy's, and the recent cases'.
pub struct SeverityShare {
    pub severity: Severity,
    pub used: f64,
    pub prior: f64,
    pub observed: Option<f64>,
}

/// The shares the projection used and where they came from.
pub struct SharesUsed {
    pub severities: Vec<SeverityShare>,
    /// Cases confirmed from `from` to `through` whose severity was counted.
    pub cases: u64,
    pub from: NaiveDate,
    pub through: NaiveDate,
    /// Weight of the recent cases in the shares used (0 to 1).
    pub cases_weight: f64,
    /// Share of tier-1 F0 cared for at home: used, the policy's, observed.
    pub home_used: f64,
    pub home_prior: f64,
    pub home_observed: Option<f64>,
    /// Tier-1 F0 in care on the last observed day that the observed share counts, and of
    /// them those at home.
    pub home_stays: u64,
    pub home_at_home: u64,
    pub home_weight: f64,
    /// The rule of the weights.
    pub rule: String,
}

pub struct Forecast {
    pub as_of: NaiveDate,
    /// The variant rule whose serial interval and prior severity shares were used.
    pub basis: String,
    pub observed: Vec<(NaiveDate, u32)>,
    pub rt: Vec<DatedBand>,
    pub cases: Vec<DatedBand>,
    pub tiers: Vec<TierForecast>,
    /// Home care, where the model has a tier that may be cared for at home.
    pub home: Option<HomeForecast>,
    /// `None` for R(t) alone.
    pub shares: Option<SharesUsed>,
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
/// caller's), as of the day `as_of`, against the beds on record in the scope.
pub async fn forecast_for(
    state: &App,
    scope: &domain::Scope,
    as_of: NaiveDate,
) -> Result<Forecast, ForecastFailure> {
    forecast_with(state, scope, as_of, true).await
}

/// R(t) alone (no projection), for the dashboard.
pub async fn rt_for(
    state: &App,
    scope: &domain::Scope,
    as_of: NaiveDate,
) -> Result<Vec<DatedBand>, ForecastFailure> {
    Ok(forecast_with(state, scope, as_of, false).await?.rt)
}

/// The share of a tier's F0 cared for at home: all of a home tier, a part of an isolation
/// tier (4038/QĐ-BYT's home care of asymptomatic and mild F0), none of a hospital tier.
fn home_part(bed: Care, home_share: f64) -> f64 {
    match bed {
        Care::Home => 1.0,
        Care::Isolation => home_share,
        Care::Oxygen | Care::Icu => 0.0,
    }
}

/// The severity and home-care shares to project with: the locality's recent cases and its
/// F0 in care on `as_of`, each with the policy's value as the prior.
async fn shares_used(
    state: &App,
    scope: &domain::Scope,
    as_of: NaiveDate,
    model: &TierModel,
    prior: &domain::care::SeverityShares,
    rule: &EstimationRule,
) -> Result<SharesUsed, ForecastFailure> {
    let care = state.rules.care();
    let from = as_of - chrono::Days::new(u64::from(rule.recent_days.value.max(1)) - 1);
    let counted = state
        .store
        .severity_counts(scope, domain::Structure::S2021, from, as_of)
        .await?;
    let count_of = |s: Severity| {
        counted
            .iter()
            .filter(|(k, _)| *k == s)
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum::<u64>()
    };
    let priors: Vec<f64> = Severity::ALL.iter().map(|s| prior.get(*s)).collect();
    let counts: Vec<u64> = Severity::ALL.iter().map(|s| count_of(*s)).collect();
    let sev = forecast::blend(&priors, rule.severity_prior_cases.value, &counts)?;

    // Before 4038/QĐ-BYT no rule cared for F0 at home: the prior is none.
    let home_prior = care
        .isolation_on(as_of)
        .map_or(0.0, |r| r.home_care_share.value);
    let at_s = state.now_s().min(crate::local_time::day_end_s(as_of));
    let in_care = state
        .store
        .cases_in_care(scope, domain::Structure::S2021, at_s)
        .await?;
    // Those whose severity goes to a tier that may be cared for at home or in a bed.
    let homeable = |s: Severity| model.tiers[model.tier_of(s)].bed.value == Care::Isolation;
    let (mut home, mut all) = (0u64, 0u64);
    for c in in_care.iter().filter(|c| homeable(c.severity)) {
        let n = u64::try_from(c.n).unwrap_or(0);
        all += n;
        if c.bed_type.is_none() {
            home += n;
        }
    }
    let h = forecast::blend(
        &[home_prior, 1.0 - home_prior],
        rule.home_care_prior_stays.value,
        &[home, all - home],
    )?;
    Ok(SharesUsed {
        severities: Severity::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| SeverityShare {
                severity: *s,
                used: sev.shares[i],
                prior: priors[i],
                observed: sev.observed.as_ref().map(|o| o[i]),
            })
            .collect(),
        cases: sev.n,
        from,
        through: as_of,
        cases_weight: sev.observed_weight,
        home_used: h.shares[0],
        home_prior,
        home_observed: h.observed.as_ref().map(|o| o[0]),
        home_stays: h.n,
        home_at_home: home,
        home_weight: h.observed_weight,
        rule: rule.document.clone(),
    })
}

async fn forecast_with(
    state: &App,
    scope: &domain::Scope,
    as_of: NaiveDate,
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
    let observed = history
        .iter()
        .enumerate()
        .map(|(i, n)| (date_of(i), *n))
        .collect();
    let mut f = Forecast {
        as_of,
        basis: variant.document.clone(),
        observed,
        rt,
        cases: Vec::new(),
        tiers: Vec::new(),
        home: None,
        shares: None,
    };
    let Some(last) = estimates.last().filter(|_| projected) else {
        return Ok(f);
    };
    let rule = care
        .estimation_on(as_of)
        .map_err(|_| ForecastFailure::NoPolicy(as_of))?;
    let used = shares_used(
        state,
        scope,
        as_of,
        model,
        &variant.severity_shares.value,
        rule,
    )
    .await?;
    let mut mix = variant.severity_shares.value;
    for s in &used.severities {
        match s.severity {
            Severity::Asymptomatic => mix.asymptomatic = s.used,
            Severity::Mild => mix.mild = s.used,
            Severity::Moderate => mix.moderate = s.used,
            Severity::Severe => mix.severe = s.used,
            Severity::Critical => mix.critical = s.used,
        }
    }
    let beds = beds(state, scope, as_of).await?;
    let plan = state
        .store
        .capacity_plan(scope, domain::Structure::S2021)
        .await?;
    let demand = model.demand(&mix);
    // Per tier and day 0..=horizon: the planned beds in force, and the beds the alerts
    // compare demand with (registered + planned; None: neither, no limit).
    let days = 0..=HORIZON_DAYS;
    let planned: Vec<Vec<Option<u32>>> = demand
        .iter()
        .map(|t| {
            days.clone()
                .map(|d| planned_on(&plan, t.bed, as_of + chrono::Days::new(d as u64)))
                .collect()
        })
        .collect();
    let limit = |i: usize, d: usize| -> Option<u32> {
        let registered = beds.get(i).and_then(|b| b.capacity);
        let p = planned.get(i).and_then(|p| p[d]);
        match (registered, p) {
            (None, None) => None,
            (r, p) => Some(r.unwrap_or(0).saturating_add(p.unwrap_or(0))),
        }
    };
    // Beds per tier, then home care as one more series.
    let mut tiers_in: Vec<TierDemand> = demand
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let b = beds.get(i).copied().unwrap_or_default();
            let on = |d: usize| limit(i, d).unwrap_or(u32::MAX);
            TierDemand {
                share: t.share * (1.0 - home_part(t.bed, used.home_used)),
                los_days: t.los_days,
                beds: on(0),
                beds_from: (1..=HORIZON_DAYS)
                    .filter(|&d| on(d) != on(d - 1))
                    .map(|d| (d, on(d)))
                    .collect(),
                occupied: b.capacity.map(|_| f64::from(b.occupied)),
            }
        })
        .collect();
    let home_share: f64 = demand
        .iter()
        .map(|t| t.share * home_part(t.bed, used.home_used))
        .sum();
    let home_los = demand
        .iter()
        .find(|t| home_part(t.bed, 1.0) > 0.0)
        .map(|t| t.los_days);
    // F0 at home on day 0, where the locality records its F0's care at all.
    let home_now =
        (used.home_stays > 0).then(|| u32::try_from(used.home_at_home).unwrap_or(u32::MAX));
    if let Some(los_days) = home_los {
        tiers_in.push(TierDemand {
            share: home_share,
            los_days,
            beds: u32::MAX,
            beds_from: Vec::new(),
            occupied: home_now.map(f64::from),
        });
    }
    let cfg = ProjectionConfig {
        horizon_days: HORIZON_DAYS,
        ..ProjectionConfig::default()
    };
    let p = project(&history, &si, last.posterior(), &tiers_in, &cfg)?;
    let on = |d: usize| as_of + chrono::Days::new(d as u64);
    let bands = |v: &[forecast::Band]| -> Vec<DatedBand> {
        v.iter()
            .enumerate()
            .map(|(i, b)| DatedBand {
                date: on(i + 1),
                mean: b.mean,
                lower: b.lower,
                upper: b.upper,
            })
            .collect()
    };
    // Day 0, then the projected days.
    let series = |t: &forecast::TierProjection| -> Vec<DatedBand> {
        let day0 = DatedBand {
            date: as_of,
            mean: t.now,
            lower: t.now,
            upper: t.now,
        };
        std::iter::once(day0).chain(bands(&t.occupancy)).collect()
    };
    f.cases = bands(&p.cases);
    f.tiers = demand
        .iter()
        .zip(&p.tiers)
        .enumerate()
        .map(|(i, (d, t))| {
            let b = beds.get(i).copied().unwrap_or_default();
            let tier = &model.tiers[d.tier];
            let limited = days.clone().any(|d| limit(i, d).is_some());
            let p = &planned[i];
            TierForecast {
                tier: i + 1,
                name_vi: tier.name_vi.clone(),
                name_en: tier.name_en.clone(),
                capacity: b.capacity,
                occupied: b.capacity.map(|_| b.occupied),
                planned: p[0],
                planned_changes: (1..=HORIZON_DAYS)
                    .filter(|&d| p[d] != p[d - 1])
                    .map(|d| (on(d), p[d]))
                    .collect(),
                share: tiers_in[i].share,
                demand: series(t),
                over_mean: t.first_day_over_mean.filter(|_| limited).map(on),
                over_upper: t.first_day_over_upper.filter(|_| limited).map(on),
            }
        })
        .collect();
    f.home = p.tiers.get(demand.len()).map(|t| HomeForecast {
        share: home_share,
        now: home_now,
        demand: series(t),
    });
    f.shares = Some(used);
    Ok(f)
}

/// The facility tier (`BedType::tier`) whose beds a model tier of bed kind `bed` uses; None
/// for home care, which takes no bed.
fn facility_tier(bed: Care) -> Option<u8> {
    match bed {
        Care::Home => None,
        Care::Isolation => Some(1),
        Care::Oxygen => Some(2),
        Care::Icu => Some(3),
    }
}

/// Beds planned for a model tier of bed kind `bed` in force on `on` (None: none planned).
fn planned_on(plan: &[store::PlanEntry], bed: Care, on: NaiveDate) -> Option<u32> {
    let tier = facility_tier(bed)?;
    let n: i64 = store::in_force(plan, on)
        .iter()
        .filter(|p| p.bed_type.tier() == tier)
        .map(|p| p.beds)
        .sum();
    (n > 0).then(|| u32::try_from(n).unwrap_or(u32::MAX))
}

/// Beds of one tier: the capacity on record (`None`: none recorded, or cared for at home)
/// and those occupied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TierBeds {
    pub capacity: Option<u32>,
    pub occupied: u32,
}

/// Beds per tier of the default model within `scope`, from the facilities on record, and
/// those occupied at the end of `as_of` (or now, if earlier). A bed type belongs to the tier
/// `BedType::tier` says (high-flow oxygen with intensive care, where severe F0 are treated),
/// so occupancy and demand count the same patients. A tier cared for at home has no bed
/// limit, as has a tier with no beds recorded.
pub async fn beds(
    state: &App,
    scope: &domain::Scope,
    as_of: NaiveDate,
) -> Result<Vec<TierBeds>, store::StoreError> {
    let care = state.rules.care();
    let Some(model) = care.tier_model(None) else {
        return Ok(Vec::new());
    };
    let at_s = state.now_s().min(crate::local_time::day_end_s(as_of));
    let beds = state
        .store
        .beds_by_unit(
            scope,
            domain::Structure::S2021,
            domain::UnitLevel::Province,
            at_s,
        )
        .await?;
    let of_tier = |tier: u8| -> TierBeds {
        let (mut cap, mut occ) = (0i64, 0i64);
        for b in beds.iter().filter(|b| b.bed_type.tier() == tier) {
            cap += b.capacity;
            occ += b.occupied;
        }
        TierBeds {
            capacity: (cap > 0).then(|| u32::try_from(cap).unwrap_or(u32::MAX)),
            occupied: u32::try_from(occ.max(0)).unwrap_or(u32::MAX),
        }
    };
    // The facilities' tiers are the national model's; a model's tier takes the facility
    // tier of its bed kind.
    Ok(model
        .tiers
        .iter()
        .map(|t| facility_tier(t.bed.value).map_or_else(TierBeds::default, of_tier))
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
