//! Epidemic risk levels (Resolution 128/NQ-CP) from a unit's week of data, under the
//! Ministry of Health decision in force on the week's last day (`data/policies/risk_levels.toml`:
//! 4800/QĐ-BYT until 26 Jan 2022, then 218/QĐ-BYT). Communes are assessed from their own
//! inputs; districts and provinces by the configured roll-up. Every assessment names its
//! document, each indicator's value and band, what was missing and what was assumed, and says
//! why in Vietnamese and English.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::overrides::{self, Override, OverrideRecord};
use crate::policy::{check_periods, in_force, Period, PolicyError, Status, Value};

const FILE: &str = "risk_levels.toml";
const RISK_LEVELS: &str = include_str!("../../../data/policies/risk_levels.toml");

/// The four levels of Resolution 128/NQ-CP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskLevel {
    /// Cấp 1, nguy cơ thấp ("bình thường mới"), green.
    Low = 1,
    /// Cấp 2, nguy cơ trung bình, yellow.
    Medium = 2,
    /// Cấp 3, nguy cơ cao, orange.
    High = 3,
    /// Cấp 4, nguy cơ rất cao, red.
    VeryHigh = 4,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::VeryHigh,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: u8) -> Option<RiskLevel> {
        RiskLevel::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// One level up, at most very high.
    pub fn raised(self) -> RiskLevel {
        RiskLevel::from_number(self.number() + 1).unwrap_or(RiskLevel::VeryHigh)
    }

    pub fn colour(self) -> &'static str {
        ["green", "yellow", "orange", "red"][self as usize - 1]
    }
}

/// Transmission band of criterion 1 (the matrix's rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransmissionBand {
    Low = 0,
    Medium = 1,
    High = 2,
    VeryHigh = 3,
}

impl TransmissionBand {
    const ALL: [TransmissionBand; 4] = [
        TransmissionBand::Low,
        TransmissionBand::Medium,
        TransmissionBand::High,
        TransmissionBand::VeryHigh,
    ];
}

/// Capacity band (the matrix's columns); declared from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CapacityBand {
    High,
    Medium,
    Low,
}

/// The inputs a decision may use, per unit and week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Indicator {
    CasesPer100kWeek,
    OxygenPer100kWeek,
    DeathsPer100kWeek,
    AdultFirstDoseShare,
    FullyVaccinatedShare,
    HighRiskFullyVaccinatedShare,
    CommuneReady,
    FreeBedsPer100k,
    IcuBedsPer100k,
}

const N_INDICATORS: usize = 9;

impl Indicator {
    pub const ALL: [Indicator; N_INDICATORS] = [
        Indicator::CasesPer100kWeek,
        Indicator::OxygenPer100kWeek,
        Indicator::DeathsPer100kWeek,
        Indicator::AdultFirstDoseShare,
        Indicator::FullyVaccinatedShare,
        Indicator::HighRiskFullyVaccinatedShare,
        Indicator::CommuneReady,
        Indicator::FreeBedsPer100k,
        Indicator::IcuBedsPer100k,
    ];

    /// The key in `risk_levels.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Indicator::CasesPer100kWeek => "cases_per_100k_week",
            Indicator::OxygenPer100kWeek => "oxygen_per_100k_week",
            Indicator::DeathsPer100kWeek => "deaths_per_100k_week",
            Indicator::AdultFirstDoseShare => "adult_first_dose_share",
            Indicator::FullyVaccinatedShare => "fully_vaccinated_share",
            Indicator::HighRiskFullyVaccinatedShare => "high_risk_fully_vaccinated_share",
            Indicator::CommuneReady => "commune_ready",
            Indicator::FreeBedsPer100k => "free_beds_per_100k",
            Indicator::IcuBedsPer100k => "icu_beds_per_100k",
        }
    }

    /// What the value measures, after the number: (Vietnamese, English).
    fn unit(self) -> (&'static str, &'static str) {
        match self {
            Indicator::CasesPer100kWeek => ("ca/100.000 dân/tuần", "cases/100,000/week"),
            Indicator::OxygenPer100kWeek => (
                "ca cần thở oxy/100.000 dân/tuần",
                "cases needing oxygen/100,000/week",
            ),
            Indicator::DeathsPer100kWeek => ("ca tử vong/100.000 dân/tuần", "deaths/100,000/week"),
            Indicator::AdultFirstDoseShare => {
                ("người ≥18 tuổi tiêm ≥1 mũi", "of people 18+ with ≥1 dose")
            }
            Indicator::FullyVaccinatedShare => {
                ("dân số tiêm đủ liều", "of people fully vaccinated")
            }
            Indicator::HighRiskFullyVaccinatedShare => (
                "người nguy cơ cao tiêm đủ liều",
                "of high-risk people fully vaccinated",
            ),
            Indicator::CommuneReady => (
                "xã sẵn sàng chăm sóc F0 tại nhà",
                "commune ready to care for F0 at home",
            ),
            Indicator::FreeBedsPer100k => ("giường trống/100.000 dân", "free beds/100,000"),
            Indicator::IcuBedsPer100k => ("giường hồi sức/100.000 dân", "ICU beds/100,000"),
        }
    }

    fn is_share(self) -> bool {
        matches!(
            self,
            Indicator::AdultFirstDoseShare
                | Indicator::FullyVaccinatedShare
                | Indicator::HighRiskFullyVaccinatedShare
        )
    }
}

impl FromStr for Indicator {
    type Err = String;
    fn from_str(s: &str) -> Result<Indicator, String> {
        Indicator::ALL
            .into_iter()
            .find(|i| i.key() == s)
            .ok_or_else(|| format!("unknown indicator {s:?}"))
    }
}

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
    pub free_beds: Option<u32>,
    pub icu_beds: Option<u32>,
    pub commune_ready: Option<bool>,
}

impl UnitWeek {
    fn value(&self, indicator: Indicator, counted: CasesCounted) -> Option<f64> {
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
            Indicator::FreeBedsPer100k => self.free_beds.map(per_100k),
            Indicator::IcuBedsPer100k => self.icu_beds.map(per_100k),
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
        free_beds: sum_opt(|c| c.free_beds),
        icu_beds: sum_opt(|c| c.icu_beds),
        commune_ready: children
            .iter()
            .filter_map(|c| c.commune_ready)
            .reduce(|a, b| a && b),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CasesCounted {
    Community,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    Worst,
    Median,
}

/// The effect of a commune not ready to treat (4800's criterion 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessFailed {
    Unchanged,
    RaiseOne,
}

/// What is assumed when an optional input is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    Skip,
    Worst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollupMethod {
    Pooled,
    PopulationShare,
}

/// A band edge: reached when value ≥ edge, or value > edge if `strict`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct CutOff {
    pub value: f64,
    pub status: Status,
    #[serde(default)]
    pub strict: bool,
}

impl CutOff {
    fn reached(&self, x: f64) -> bool {
        if self.strict {
            x > self.value
        } else {
            x >= self.value
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransmission {
    cut_offs: Vec<CutOff>,
    missing: Value<Missing>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapacity {
    high: CutOff,
    medium: Option<CutOff>,
    missing: Value<Missing>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rollup {
    pub method: Value<RollupMethod>,
    pub max_share_above: Value<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRisk {
    document: String,
    title: String,
    from: NaiveDate,
    to: Option<NaiveDate>,
    cases_counted: Value<CasesCounted>,
    capacity_columns: Vec<CapacityBand>,
    capacity_combine: Value<Combine>,
    readiness_failed: Value<ReadinessFailed>,
    matrix: Value<Vec<Vec<u8>>>,
    transmission: BTreeMap<String, RawTransmission>,
    capacity: BTreeMap<String, RawCapacity>,
    rollup: Rollup,
}

#[derive(Debug, Deserialize)]
struct RawFile {
    risk: Vec<RawRisk>,
}

/// A transmission indicator of a rule: four bands from three cut-offs.
#[derive(Debug, Clone, PartialEq)]
pub struct TransmissionRule {
    pub indicator: Indicator,
    pub cut_offs: [CutOff; 3],
    pub missing: Value<Missing>,
}

impl TransmissionRule {
    fn band(&self, x: f64) -> TransmissionBand {
        let reached = self.cut_offs.iter().filter(|c| c.reached(x)).count();
        TransmissionBand::ALL[reached]
    }
}

/// A capacity indicator of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityRule {
    pub indicator: Indicator,
    pub high: CutOff,
    pub medium: Option<CutOff>,
    pub missing: Value<Missing>,
}

impl CapacityRule {
    fn band(&self, x: f64) -> CapacityBand {
        if self.high.reached(x) {
            CapacityBand::High
        } else if self.medium.is_some_and(|m| m.reached(x)) {
            CapacityBand::Medium
        } else {
            CapacityBand::Low
        }
    }
}

/// The risk-level rule of one decision, over its period.
#[derive(Debug, Clone)]
pub struct RiskRule {
    pub document: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub cases_counted: Value<CasesCounted>,
    pub capacity_combine: Value<Combine>,
    pub readiness_failed: Value<ReadinessFailed>,
    pub matrix_status: Status,
    /// Level by transmission band (row) and capacity band (High, Medium, Low); `None` where
    /// the decision has no such column.
    matrix: [[Option<RiskLevel>; 3]; 4],
    pub transmission: Vec<TransmissionRule>,
    pub capacity: Vec<CapacityRule>,
    pub rollup: Rollup,
}

impl Period for RiskRule {
    fn from(&self) -> NaiveDate {
        self.from
    }
    fn to(&self) -> Option<NaiveDate> {
        self.to
    }
}

impl RiskRule {
    fn from_raw(raw: RawRisk) -> Result<RiskRule, String> {
        let doc = &raw.document;
        let mut matrix = [[None; 3]; 4];
        if raw.matrix.value.len() != 4 {
            return Err(format!("{doc}: the matrix needs 4 rows"));
        }
        for (r, row) in raw.matrix.value.iter().enumerate() {
            if row.len() != raw.capacity_columns.len() {
                return Err(format!("{doc}: matrix row {r} needs one level per column"));
            }
            for (col, n) in raw.capacity_columns.iter().zip(row) {
                let level = RiskLevel::from_number(*n)
                    .ok_or_else(|| format!("{doc}: level {n} is not 1–4"))?;
                matrix[r][*col as usize] = Some(level);
            }
        }
        let mut transmission = Vec::new();
        for (key, t) in raw.transmission {
            let indicator: Indicator = key.parse()?;
            let cut_offs: [CutOff; 3] = t
                .cut_offs
                .try_into()
                .map_err(|_| format!("{doc}: {key} needs exactly 3 cut-offs"))?;
            if !cut_offs.windows(2).all(|w| w[0].value < w[1].value) {
                return Err(format!("{doc}: {key} cut-offs must increase"));
            }
            transmission.push(TransmissionRule {
                indicator,
                cut_offs,
                missing: t.missing,
            });
        }
        if !transmission
            .iter()
            .any(|t| t.indicator == Indicator::CasesPer100kWeek)
        {
            return Err(format!("{doc}: cases_per_100k_week is required"));
        }
        let mut capacity = Vec::new();
        for (key, c) in raw.capacity {
            let indicator: Indicator = key.parse()?;
            let rule = CapacityRule {
                indicator,
                high: c.high,
                medium: c.medium,
                missing: c.missing,
            };
            if rule.medium.is_some_and(|m| m.value > rule.high.value) {
                return Err(format!("{doc}: {key}: medium above high"));
            }
            // Every band the indicator can give must be a column of the matrix.
            for band in [CapacityBand::High, CapacityBand::Low]
                .into_iter()
                .chain(rule.medium.map(|_| CapacityBand::Medium))
            {
                if !raw.capacity_columns.contains(&band) {
                    return Err(format!("{doc}: {key} gives {band:?}, not a column"));
                }
            }
            capacity.push(rule);
        }
        if !(0.0..=1.0).contains(&raw.rollup.max_share_above.value) {
            return Err(format!("{doc}: max_share_above must be in 0..=1"));
        }
        transmission.sort_by_key(|t| t.indicator);
        capacity.sort_by_key(|c| c.indicator);
        Ok(RiskRule {
            document: raw.document,
            title: raw.title,
            from: raw.from,
            to: raw.to,
            cases_counted: raw.cases_counted,
            capacity_combine: raw.capacity_combine,
            readiness_failed: raw.readiness_failed,
            matrix_status: raw.matrix.status,
            matrix,
            transmission,
            capacity,
            rollup: raw.rollup,
        })
    }

    /// The matrix's level for a transmission and capacity band (`None`: no such column).
    pub fn matrix(&self, t: TransmissionBand, c: CapacityBand) -> Option<RiskLevel> {
        self.matrix[t as usize][c as usize]
    }

    /// The worst capacity column of this rule.
    fn worst_column(&self) -> CapacityBand {
        [CapacityBand::Low, CapacityBand::Medium, CapacityBand::High]
            .into_iter()
            .find(|c| self.matrix[0][*c as usize].is_some())
            .unwrap_or(CapacityBand::Low)
    }

    /// Assesses one unit from its own inputs.
    pub fn assess(&self, u: &UnitWeek) -> Result<Assessment<'_>, RiskError> {
        if u.population == 0 {
            return Err(RiskError::ZeroPopulation);
        }
        let counted = self.cases_counted.value;
        let mut readings = [None; N_INDICATORS];
        let mut transmission = TransmissionBand::Low;
        for t in &self.transmission {
            let reading = Reading::of(
                u.value(t.indicator, counted),
                t.missing.value,
                |x| Band::Transmission(t.band(x)),
                Band::Transmission(TransmissionBand::VeryHigh),
            );
            if let Some(Band::Transmission(b)) = reading.band() {
                transmission = transmission.max(b);
            }
            readings[t.indicator as usize] = Some(reading);
        }
        let mut bands = [CapacityBand::High; N_INDICATORS];
        let mut n = 0;
        for c in &self.capacity {
            let reading = Reading::of(
                u.value(c.indicator, counted),
                c.missing.value,
                |x| Band::Capacity(c.band(x)),
                Band::Capacity(CapacityBand::Low),
            );
            if let Some(Band::Capacity(b)) = reading.band() {
                bands[n] = b;
                n += 1;
            }
            readings[c.indicator as usize] = Some(reading);
        }
        let capacity_unknown = n == 0;
        let capacity = if capacity_unknown {
            self.worst_column()
        } else {
            let known = &mut bands[..n];
            match self.capacity_combine.value {
                Combine::Worst => known.iter().copied().max().unwrap_or(CapacityBand::Low),
                Combine::Median => {
                    known.sort_unstable();
                    known[n / 2]
                }
            }
        };
        let mut level = self
            .matrix(transmission, capacity)
            .ok_or(RiskError::NoMatrixCell {
                document: self.document.clone(),
            })?;
        let readiness_raised = self.readiness_failed.value == ReadinessFailed::RaiseOne
            && u.commune_ready == Some(false)
            && level < RiskLevel::VeryHigh;
        if readiness_raised {
            level = level.raised();
        }
        Ok(Assessment {
            rule: self,
            level,
            transmission,
            capacity,
            capacity_unknown,
            readiness_raised,
            readings,
            rollup: None,
        })
    }

    /// Assesses a district (province) from its communes (districts): their inputs and the
    /// levels already assessed for them, in the same order, under the rule's roll-up.
    pub fn assess_parent(
        &self,
        children: &[UnitWeek],
        child_levels: &[RiskLevel],
    ) -> Result<Assessment<'_>, RiskError> {
        if children.len() != child_levels.len() {
            return Err(RiskError::ChildrenMismatch);
        }
        let pooled = pool(children);
        let mut a = self.assess(&pooled)?;
        if self.rollup.method.value == RollupMethod::PopulationShare {
            let total = f64::from(pooled.population);
            let max_share = self.rollup.max_share_above.value;
            let share_above = |level: RiskLevel| {
                children
                    .iter()
                    .zip(child_levels)
                    .filter(|(_, l)| **l > level)
                    .map(|(c, _)| f64::from(c.population))
                    .sum::<f64>()
                    / total
            };
            let level = RiskLevel::ALL
                .into_iter()
                .find(|l| share_above(*l) <= max_share)
                .unwrap_or(RiskLevel::VeryHigh);
            a.level = level;
            a.readiness_raised = false;
            a.rollup = Some(RollupNote {
                max_share_above: max_share,
                share_above: share_above(level),
            });
        }
        Ok(a)
    }
}

/// A band of either kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Transmission(TransmissionBand),
    Capacity(CapacityBand),
}

/// How an indicator entered the assessment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    Measured {
        value: f64,
        band: Band,
    },
    /// The input was missing; the policy assumes its worst band.
    AssumedWorst {
        band: Band,
    },
    /// The input was missing; the policy leaves the indicator out.
    Skipped,
}

impl Reading {
    fn of(
        value: Option<f64>,
        missing: Missing,
        band: impl Fn(f64) -> Band,
        worst: Band,
    ) -> Reading {
        match (value, missing) {
            (Some(value), _) => Reading::Measured {
                value,
                band: band(value),
            },
            (None, Missing::Worst) => Reading::AssumedWorst { band: worst },
            (None, Missing::Skip) => Reading::Skipped,
        }
    }

    pub fn band(&self) -> Option<Band> {
        match self {
            Reading::Measured { band, .. } | Reading::AssumedWorst { band } => Some(*band),
            Reading::Skipped => None,
        }
    }
}

/// How a population-share roll-up decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollupNote {
    pub max_share_above: f64,
    /// Share of the population in child units above the level given.
    pub share_above: f64,
}

/// A unit's level for a week, with its grounds.
#[derive(Debug, Clone)]
pub struct Assessment<'r> {
    pub rule: &'r RiskRule,
    pub level: RiskLevel,
    pub transmission: TransmissionBand,
    pub capacity: CapacityBand,
    /// No capacity indicator was known: the worst column was assumed.
    pub capacity_unknown: bool,
    /// The commune was not ready to treat and the rule raises the level for it.
    pub readiness_raised: bool,
    readings: [Option<Reading>; N_INDICATORS],
    pub rollup: Option<RollupNote>,
}

/// The language of a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Assessment<'_> {
    /// The indicators the rule uses, in a fixed order, with how each was read.
    pub fn indicators(&self) -> impl Iterator<Item = (Indicator, Reading)> + '_ {
        Indicator::ALL
            .into_iter()
            .filter_map(|i| self.readings[i as usize].map(|r| (i, r)))
    }

    /// The inputs that were missing, and what was assumed for each.
    pub fn missing(&self) -> impl Iterator<Item = (Indicator, Reading)> + '_ {
        self.indicators()
            .filter(|(_, r)| !matches!(r, Reading::Measured { .. }))
    }

    /// Why this level, e.g. "42,1 ca/100.000 dân/tuần (20–<50) và 65% người ≥18 tuổi tiêm
    /// ≥1 mũi (<70%) → cấp 2 (4800/QĐ-BYT)".
    pub fn reason(&self, lang: Lang) -> String {
        let vi = lang == Lang::Vi;
        let mut s = String::with_capacity(256);
        for (n, (ind, reading)) in self.indicators().enumerate() {
            if n > 0 {
                s.push_str(if vi { " và " } else { " and " });
            }
            let (unit_vi, unit_en) = ind.unit();
            let unit = if vi { unit_vi } else { unit_en };
            let label = |band: Band| self.band_label(ind, band, lang);
            let _ = match (reading, vi) {
                (Reading::Measured { value, .. }, _) if ind == Indicator::CommuneReady => {
                    s.push_str(match (vi, value > 0.0) {
                        (true, true) => "xã sẵn sàng chăm sóc F0 tại nhà",
                        (true, false) => "xã chưa sẵn sàng chăm sóc F0 tại nhà",
                        (false, true) => "commune ready to care for F0 at home",
                        (false, false) => "commune not ready to care for F0 at home",
                    });
                    Ok(())
                }
                (Reading::Measured { value, band }, _) => {
                    write!(s, "{} {unit} ({})", number(ind, value, lang), label(band))
                }
                (Reading::AssumedWorst { band }, true) => {
                    write!(s, "thiếu số liệu {unit}: giả định {}", label(band))
                }
                (Reading::AssumedWorst { band }, false) => {
                    write!(s, "{unit}: missing, assumed {}", label(band))
                }
                (Reading::Skipped, true) => write!(s, "thiếu số liệu {unit}: không tính"),
                (Reading::Skipped, false) => write!(s, "{unit}: missing, not used"),
            };
        }
        if self.capacity_unknown {
            s.push_str(if vi {
                "; không có chỉ số năng lực: giả định thấp"
            } else {
                "; no capacity indicator known: assumed low"
            });
        }
        if self.readiness_raised {
            s.push_str(if vi {
                "; xã chưa sẵn sàng điều trị: tăng 1 cấp"
            } else {
                "; not ready to treat: one level up"
            });
        }
        if let Some(note) = self.rollup {
            let pct = |x: f64| number(Indicator::AdultFirstDoseShare, x, lang);
            let _ = if vi {
                write!(
                    s,
                    "; theo dân số các đơn vị trực thuộc: {} dân số ở cấp cao hơn (tối đa {})",
                    pct(note.share_above),
                    pct(note.max_share_above)
                )
            } else {
                write!(
                    s,
                    "; by population of the units within: {} of people at a higher level (at most {})",
                    pct(note.share_above),
                    pct(note.max_share_above)
                )
            };
        }
        let level = self.level.number();
        let doc = &self.rule.document;
        let _ = if vi {
            write!(s, " → cấp {level} ({doc})")
        } else {
            write!(s, " → level {level} ({doc})")
        };
        s
    }

    pub fn band_label(&self, ind: Indicator, band: Band, lang: Lang) -> String {
        // Cut-offs are shown as written: "20", not "20,0".
        let num = |c: &CutOff| {
            if ind.is_share() || c.value.fract() != 0.0 {
                number(ind, c.value, lang)
            } else {
                decimal(c.value, 0, lang)
            }
        };
        match band {
            Band::Transmission(b) => {
                let Some(t) = self.rule.transmission.iter().find(|t| t.indicator == ind) else {
                    return String::new();
                };
                let lower = |c: &CutOff| {
                    if c.strict {
                        format!(">{}", num(c))
                    } else {
                        num(c)
                    }
                };
                let upper = |c: &CutOff| {
                    if c.strict {
                        format!("≤{}", num(c))
                    } else {
                        format!("<{}", num(c))
                    }
                };
                let c = &t.cut_offs;
                match b {
                    TransmissionBand::Low => upper(&c[0]),
                    TransmissionBand::Medium => format!("{}–{}", lower(&c[0]), upper(&c[1])),
                    TransmissionBand::High => format!("{}–{}", lower(&c[1]), upper(&c[2])),
                    TransmissionBand::VeryHigh => {
                        let l = lower(&c[2]);
                        if c[2].strict {
                            l
                        } else {
                            format!("≥{l}")
                        }
                    }
                }
            }
            Band::Capacity(b) => {
                let Some(r) = self.rule.capacity.iter().find(|c| c.indicator == ind) else {
                    return String::new();
                };
                let reach = |c: &CutOff| format!("{}{}", if c.strict { ">" } else { "≥" }, num(c));
                let below = |c: &CutOff| format!("{}{}", if c.strict { "≤" } else { "<" }, num(c));
                match (b, r.medium) {
                    (CapacityBand::High, _) => reach(&r.high),
                    (CapacityBand::Medium, Some(m)) => format!("{}–{}", num(&m), num(&r.high)),
                    (CapacityBand::Low, Some(m)) => below(&m),
                    (_, None) => below(&r.high),
                }
            }
        }
    }
}

/// A number as the reason shows it: per-100k values with one decimal, shares as percent;
/// Vietnamese uses a decimal comma and dots between thousands.
fn number(ind: Indicator, x: f64, lang: Lang) -> String {
    let (x, suffix) = if ind.is_share() {
        (x * 100.0, "%")
    } else {
        (x, "")
    };
    let decimals = if ind.is_share() && (x - x.round()).abs() < 0.05 {
        0
    } else {
        1
    };
    let mut s = decimal(x, decimals, lang);
    s.push_str(suffix);
    s
}

/// `x` with `decimals` decimals; Vietnamese: 1.234,5, English: 1,234.5.
fn decimal(x: f64, decimals: usize, lang: Lang) -> String {
    let s = format!("{x:.decimals$}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (sep, dec) = match lang {
        Lang::Vi => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::with_capacity(s.len() + 4);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 && ch.is_ascii_digit() {
            grouped.push(sep);
        }
        grouped.push(ch);
    }
    if !frac.is_empty() {
        grouped.push(dec);
        grouped.push_str(frac);
    }
    grouped
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskError {
    #[error("a unit's population must be positive")]
    ZeroPopulation,
    #[error("as many child levels as child units are needed")]
    ChildrenMismatch,
    #[error("{document}: the matrix has no cell for this capacity")]
    NoMatrixCell { document: String },
}

/// Every risk-level rule, checked once, and the local overrides applied to them.
#[derive(Debug, Clone)]
pub struct RiskPolicies {
    raw: toml::Table,
    rules: Vec<RiskRule>,
    overrides: Vec<OverrideRecord>,
}

impl RiskPolicies {
    /// The rules compiled into the binary.
    pub fn embedded() -> Result<RiskPolicies, PolicyError> {
        let raw: toml::Table = RISK_LEVELS
            .parse()
            .map_err(|e: toml::de::Error| invalid(e))?;
        RiskPolicies::from_table(raw, Vec::new())
    }

    fn from_table(
        raw: toml::Table,
        overrides: Vec<OverrideRecord>,
    ) -> Result<RiskPolicies, PolicyError> {
        let file: RawFile = toml::Value::Table(raw.clone())
            .try_into()
            .map_err(invalid)?;
        let mut rules = file
            .risk
            .into_iter()
            .map(RiskRule::from_raw)
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        check_periods("risk", &mut rules).map_err(invalid)?;
        Ok(RiskPolicies {
            raw,
            rules,
            overrides,
        })
    }

    /// The rule in force on `date` (the last day of the assessed week).
    pub fn on(&self, date: NaiveDate) -> Result<&RiskRule, PolicyError> {
        in_force(&self.rules, date).ok_or(PolicyError::NoneInForce {
            family: "risk",
            date,
        })
    }

    pub fn rules(&self) -> &[RiskRule] {
        &self.rules
    }

    /// The overrides applied so far, oldest first.
    pub fn overrides(&self) -> &[OverrideRecord] {
        &self.overrides
    }

    /// The rules with one more local override, and its record. The result is checked like
    /// the published file: an override that breaks a rule is refused.
    pub fn with_override(
        &self,
        ov: &Override,
    ) -> Result<(RiskPolicies, OverrideRecord), PolicyError> {
        overrides::rebuild(
            FILE,
            &self.raw,
            &self.overrides,
            ov,
            RiskPolicies::from_table,
        )
    }
}

fn invalid(e: impl std::fmt::Display) -> PolicyError {
    PolicyError::Invalid {
        file: FILE,
        message: e.to_string(),
    }
}

#[cfg(test)]
#[path = "risk_tests.rs"]
mod tests;
