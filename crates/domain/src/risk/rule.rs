//! The risk-level rule of one decision: its settings, band cut-offs and matrix, checked from
//! the published file, and the assessment of a unit (or of a parent from its children) under it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::indicator::{Indicator, N_INDICATORS};
use super::level::{Band, CapacityBand, RiskLevel, TransmissionBand};
use super::reading::{Assessment, Reading, RollupNote};
use super::unit_week::{pool, UnitWeek};
use crate::policy::{Period, Status, Value};

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
    pub(super) fn reached(&self, x: f64) -> bool {
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
pub(super) struct RawRisk {
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
    pub(super) fn from_raw(raw: RawRisk) -> Result<RiskRule, String> {
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
    /// levels already assessed for them, in the same order, under the rule's roll-up. The
    /// parent's own inputs are pooled from its children's ([`pool`]); where the counts
    /// behind the shares are known, [`RiskRule::assess_parent_on`] measures them exactly.
    pub fn assess_parent(
        &self,
        children: &[UnitWeek],
        child_levels: &[RiskLevel],
    ) -> Result<Assessment<'_>, RiskError> {
        self.assess_parent_on(&pool(children), children, child_levels)
    }

    /// Assesses a district (province) whose own week, `parent`, was counted over its whole
    /// area (its shares from its own adults and doses, not averaged over its children),
    /// under the rule's roll-up: "pooled" assesses `parent`; "population_share" takes the
    /// level from the children's levels and populations.
    pub fn assess_parent_on(
        &self,
        parent: &UnitWeek,
        children: &[UnitWeek],
        child_levels: &[RiskLevel],
    ) -> Result<Assessment<'_>, RiskError> {
        if children.len() != child_levels.len() {
            return Err(RiskError::ChildrenMismatch);
        }
        let mut a = self.assess(parent)?;
        if self.rollup.method.value == RollupMethod::PopulationShare {
            let total: f64 = children.iter().map(|c| f64::from(c.population)).sum();
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

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskError {
    #[error("a unit's population must be positive")]
    ZeroPopulation,
    #[error("as many child levels as child units are needed")]
    ChildrenMismatch,
    #[error("{document}: the matrix has no cell for this capacity")]
    NoMatrixCell { document: String },
}
