//! One unit's week of inputs, and the pooling of child units into their parent's.

use super::indicator::Indicator;
use super::rule::CasesCounted;

/// A share in 0..=1 (vaccination coverage).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Share(f64);

impl Share {
    pub fn new(x: f64) -> Option<Share> {
        (0.0..=1.0).contains(&x).then_some(Share(x))
    }
    pub fn get(self) -> f64 {
        self.0
    }
}

/// One unit's inputs for the week ending on the assessment date. Counts are of that week.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UnitWeek {
    pub population: u32,
    /// New cases found outside quarantine facilities and locked-down zones.
    pub cases_community: u32,
    pub cases_total: u32,
    pub oxygen_cases: Option<u32>,
    pub deaths: Option<u32>,
    pub adult_first_dose_share: Option<Share>,
    pub fully_vaccinated_share: Option<Share>,
    pub high_risk_fully_vaccinated_share: Option<Share>,
    /// Free treatment beds per 100,000 residents, measured where Decision 218 counts them:
    /// a commune carries its district's rate (the district's free beds over the district's
    /// population), not a share of beds of its own.
    pub free_beds_per_100k: Option<f64>,
    /// Staffed ICU beds per 100,000 residents of the province, carried by each of its units.
    pub icu_beds_per_100k: Option<f64>,
    pub commune_ready: Option<bool>,
}

impl UnitWeek {
    pub(super) fn value(&self, indicator: Indicator, counted: CasesCounted) -> Option<f64> {
        let per_100k = |n: u32| f64::from(n) * 100_000.0 / f64::from(self.population);
        match indicator {
            Indicator::CasesPer100kWeek => Some(per_100k(match counted {
                CasesCounted::Community => self.cases_community,
                CasesCounted::All => self.cases_total,
            })),
            Indicator::OxygenPer100kWeek => self.oxygen_cases.map(per_100k),
            Indicator::DeathsPer100kWeek => self.deaths.map(per_100k),
            Indicator::AdultFirstDoseShare => self.adult_first_dose_share.map(Share::get),
            Indicator::FullyVaccinatedShare => self.fully_vaccinated_share.map(Share::get),
            Indicator::HighRiskFullyVaccinatedShare => {
                self.high_risk_fully_vaccinated_share.map(Share::get)
            }
            Indicator::CommuneReady => self.commune_ready.map(|r| if r { 1.0 } else { 0.0 }),
            Indicator::FreeBedsPer100k => self.free_beds_per_100k,
            Indicator::IcuBedsPer100k => self.icu_beds_per_100k,
        }
    }
}

/// Pools the inputs of child units into their parent's: counts summed; shares weighted by
/// population over the children that report them; beds summed over the children that report
/// them (absent if none does); the parent is ready only if every child that reports is.
pub fn pool(children: &[UnitWeek]) -> UnitWeek {
    let sum_opt = |f: fn(&UnitWeek) -> Option<u32>| {
        children
            .iter()
            .filter_map(f)
            .fold(None, |acc: Option<u32>, n| {
                Some(acc.unwrap_or(0).saturating_add(n))
            })
    };
    let share = |f: fn(&UnitWeek) -> Option<Share>| {
        let (num, den) = children
            .iter()
            .fold((0.0, 0.0), |(num, den), c| match f(c) {
                Some(s) => (
                    num + s.0 * f64::from(c.population),
                    den + f64::from(c.population),
                ),
                None => (num, den),
            });
        (den > 0.0).then(|| Share((num / den).clamp(0.0, 1.0)))
    };
    let rate = |f: fn(&UnitWeek) -> Option<f64>| {
        let (num, den) = children
            .iter()
            .fold((0.0, 0.0), |(num, den), c| match f(c) {
                Some(r) => (
                    num + r * f64::from(c.population),
                    den + f64::from(c.population),
                ),
                None => (num, den),
            });
        (den > 0.0).then(|| num / den)
    };
    let sum = |f: fn(&UnitWeek) -> u32| children.iter().map(f).fold(0u32, u32::saturating_add);
    UnitWeek {
        population: sum(|c| c.population),
        cases_community: sum(|c| c.cases_community),
        cases_total: sum(|c| c.cases_total),
        oxygen_cases: sum_opt(|c| c.oxygen_cases),
        deaths: sum_opt(|c| c.deaths),
        adult_first_dose_share: share(|c| c.adult_first_dose_share),
        fully_vaccinated_share: share(|c| c.fully_vaccinated_share),
        high_risk_fully_vaccinated_share: share(|c| c.high_risk_fully_vaccinated_share),
        // A rate per resident pools as a population-weighted mean: the district's own rate
        // when its communes all carry it, the province's (Σ beds / Σ residents) over districts.
        free_beds_per_100k: rate(|c| c.free_beds_per_100k),
        icu_beds_per_100k: rate(|c| c.icu_beds_per_100k),
        commune_ready: children
            .iter()
            .filter_map(|c| c.commune_ready)
            .reduce(|a, b| a && b),
    }
}
