//! Care of F0 as data (`data/policies/care.toml`): isolation durations, severity classes
//! (4689/QĐ-BYT), treatment tier models (the national 3 tiers; HCMC's 5), and the variant
//! parameters forecasts need — the discretised serial interval and the severity shares. All
//! looked up by date or by name, never hard-coded.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::overrides::{self, Override, OverrideRecord};
use crate::policy::{check_periods, in_force, Period, PolicyError, Value};

const FILE: &str = "care.toml";
const CARE: &str = include_str!("../../../data/policies/care.toml");

/// Most tiers in a model.
pub const MAX_TIERS: usize = 8;
/// Longest stay accepted, in days.
pub const MAX_LOS_DAYS: u32 = 120;
/// Longest serial interval, in days.
pub const MAX_SERIAL_INTERVAL_DAYS: usize = 60;

/// Severity classes of 4689/QĐ-BYT, from least to most severe.
pub use crate::epi::Severity;

/// The kind of bed a tier provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BedType {
    Home,
    Isolation,
    Oxygen,
    Icu,
}

/// Isolation of F0 over a period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsolationRule {
    pub document: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub home_care_min_spo2_pct: Value<u8>,
    pub home_care_max_resp_rate_per_min: Value<u16>,
    /// Share of tier-1 F0 cared for at home: the prior of the projections' home care.
    pub home_care_share: Value<f64>,
    pub release_with_negative_test_day: Value<u32>,
    pub days_vaccinated: Value<u32>,
    pub days_unvaccinated: Value<u32>,
}

impl IsolationRule {
    /// Days of isolation: `release_with_negative_test_day` if a test then is negative,
    /// otherwise by vaccination status.
    pub fn isolation_days(&self, negative_test_on_release_day: bool, vaccinated: bool) -> u32 {
        match (negative_test_on_release_day, vaccinated) {
            (true, _) => self.release_with_negative_test_day.value,
            (false, true) => self.days_vaccinated.value,
            (false, false) => self.days_unvaccinated.value,
        }
    }
}

/// Severity thresholds over a period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityRule {
    pub document: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub mild_min_spo2_pct: Value<u8>,
    pub mild_max_resp_rate_per_min: Value<u16>,
    pub moderate_min_spo2_pct: Value<u8>,
    pub moderate_max_resp_rate_per_min: Value<u16>,
}

/// What a clinician measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClinicalSigns {
    pub symptomatic: bool,
    pub spo2_pct: u8,
    pub resp_rate_per_min: u16,
    /// Needs ventilation, or in shock, or with organ failure.
    pub critical_signs: bool,
}

impl SeverityRule {
    pub fn classify(&self, s: ClinicalSigns) -> Severity {
        if s.critical_signs {
            Severity::Critical
        } else if s.spo2_pct < self.moderate_min_spo2_pct.value
            || s.resp_rate_per_min > self.moderate_max_resp_rate_per_min.value
        {
            Severity::Severe
        } else if s.spo2_pct < self.mild_min_spo2_pct.value
            || s.resp_rate_per_min > self.mild_max_resp_rate_per_min.value
        {
            Severity::Moderate
        } else if s.symptomatic {
            Severity::Mild
        } else {
            Severity::Asymptomatic
        }
    }
}

/// Shares of notified F0 by severity (sum 1).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityShares {
    pub asymptomatic: f64,
    pub mild: f64,
    pub moderate: f64,
    pub severe: f64,
    pub critical: f64,
}

impl SeverityShares {
    pub fn get(&self, s: Severity) -> f64 {
        match s {
            Severity::Asymptomatic => self.asymptomatic,
            Severity::Mild => self.mild,
            Severity::Moderate => self.moderate,
            Severity::Severe => self.severe,
            Severity::Critical => self.critical,
        }
    }
}

/// The parameters of the dominant variant over a period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantRule {
    pub document: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub serial_interval_mean_days: Value<f64>,
    pub serial_interval_sd_days: Value<f64>,
    /// Probabilities of lags 1, 2, … days.
    pub serial_interval: Value<Vec<f64>>,
    pub severity_shares: Value<SeverityShares>,
}

/// Longest look-back for the locality's own severity mix, in days.
pub const MAX_RECENT_DAYS: u32 = 365;
/// Largest prior weight, in cases or stays (as `forecast::shares`).
pub const MAX_PRIOR_WEIGHT: f64 = 1e6;

/// How projections learn the locality's own severity mix and home care, over a period:
/// the policy's shares are a prior worth a number of the locality's own records.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimationRule {
    pub document: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    /// Cases confirmed in these last days give the observed severity shares.
    pub recent_days: Value<u32>,
    /// Weight of the variant's severity shares, in cases.
    pub severity_prior_cases: Value<f64>,
    /// Weight of the isolation rule's home-care share, in stays.
    pub home_care_prior_stays: Value<f64>,
}

/// One tier of a model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name_vi: String,
    pub name_en: String,
    pub severities: Value<Vec<Severity>>,
    pub bed: Value<BedType>,
    pub los_days: Value<u32>,
}

/// A treatment tier model: each severity goes to exactly one tier.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierModel {
    pub document: String,
    pub name: String,
    pub default: bool,
    pub tiers: Vec<Tier>,
}

/// A tier's part of the bed demand: the share of new F0 it admits, and for how long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierDemandShare {
    /// Index of the tier in its model (0 = tier 1).
    pub tier: usize,
    pub share: f64,
    pub los_days: u32,
    pub bed: BedType,
}

impl TierModel {
    /// The tier (0-based index) a severity goes to.
    pub fn tier_of(&self, s: Severity) -> usize {
        self.tiers
            .iter()
            .position(|t| t.severities.value.contains(&s))
            .unwrap_or(self.tiers.len() - 1)
    }

    /// Each tier's share of new F0 under `shares`, with its stay.
    pub fn demand(&self, shares: &SeverityShares) -> Vec<TierDemandShare> {
        self.tiers
            .iter()
            .enumerate()
            .map(|(i, t)| TierDemandShare {
                tier: i,
                share: t.severities.value.iter().map(|s| shares.get(*s)).sum(),
                los_days: t.los_days.value,
                bed: t.bed.value,
            })
            .collect()
    }

    fn check(&self) -> Result<(), String> {
        let name = &self.name;
        if self.tiers.is_empty() || self.tiers.len() > MAX_TIERS {
            return Err(format!("{name}: 1 to {MAX_TIERS} tiers"));
        }
        for s in Severity::ALL {
            let n = self
                .tiers
                .iter()
                .filter(|t| t.severities.value.contains(s))
                .count();
            if n != 1 {
                return Err(format!("{name}: {s:?} is in {n} tiers, not 1"));
            }
        }
        if let Some(t) = self
            .tiers
            .iter()
            .find(|t| t.los_days.value == 0 || t.los_days.value > MAX_LOS_DAYS)
        {
            return Err(format!(
                "{name}: {}: stay must be 1 to {MAX_LOS_DAYS} days",
                t.name_en
            ));
        }
        Ok(())
    }
}

macro_rules! period {
    ($($t:ty),*) => {$(
        impl Period for $t {
            fn from(&self) -> NaiveDate {
                self.from
            }
            fn to(&self) -> Option<NaiveDate> {
                self.to
            }
        }
    )*};
}
period!(IsolationRule, SeverityRule, VariantRule, EstimationRule);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CareFile {
    isolation: Vec<IsolationRule>,
    severity: Vec<SeverityRule>,
    variant: Vec<VariantRule>,
    estimation: Vec<EstimationRule>,
    tier_model: Vec<TierModel>,
}

/// Every care rule, checked once, and the local overrides applied to them.
#[derive(Debug, Clone)]
pub struct CarePolicies {
    raw: toml::Table,
    file: CareFile,
    overrides: Vec<OverrideRecord>,
}

fn invalid(e: impl std::fmt::Display) -> PolicyError {
    PolicyError::Invalid {
        file: FILE,
        message: e.to_string(),
    }
}

fn check_variant(v: &VariantRule) -> Result<(), String> {
    let si = &v.serial_interval.value;
    let doc = &v.document;
    if si.is_empty() || si.len() > MAX_SERIAL_INTERVAL_DAYS {
        return Err(format!("{doc}: serial interval needs 1 to 60 lags"));
    }
    if si.iter().any(|p| !(p.is_finite() && *p >= 0.0))
        || (si.iter().sum::<f64>() - 1.0).abs() > 1e-6
    {
        return Err(format!(
            "{doc}: serial interval must be probabilities summing to 1"
        ));
    }
    let shares = v.severity_shares.value;
    let all: Vec<f64> = Severity::ALL.iter().map(|s| shares.get(*s)).collect();
    if all.iter().any(|p| !(0.0..=1.0).contains(p)) || (all.iter().sum::<f64>() - 1.0).abs() > 1e-6
    {
        return Err(format!(
            "{doc}: severity shares must be in 0..=1 and sum to 1"
        ));
    }
    Ok(())
}

fn check_isolation(r: &IsolationRule) -> Result<(), String> {
    if !(0.0..=1.0).contains(&r.home_care_share.value) {
        return Err(format!("{}: home care share must be in 0..=1", r.document));
    }
    Ok(())
}

fn check_estimation(e: &EstimationRule) -> Result<(), String> {
    let doc = &e.document;
    if e.recent_days.value == 0 || e.recent_days.value > MAX_RECENT_DAYS {
        return Err(format!("{doc}: recent days must be 1 to {MAX_RECENT_DAYS}"));
    }
    let weight = |w: f64| (0.0..=MAX_PRIOR_WEIGHT).contains(&w);
    if !weight(e.severity_prior_cases.value) || !weight(e.home_care_prior_stays.value) {
        return Err(format!(
            "{doc}: prior weights must be 0 to {MAX_PRIOR_WEIGHT}"
        ));
    }
    Ok(())
}

impl CarePolicies {
    /// The rules compiled into the binary.
    pub fn embedded() -> Result<CarePolicies, PolicyError> {
        let raw: toml::Table = CARE.parse().map_err(|e: toml::de::Error| invalid(e))?;
        CarePolicies::from_table(raw, Vec::new())
    }

    fn from_table(
        raw: toml::Table,
        overrides: Vec<OverrideRecord>,
    ) -> Result<CarePolicies, PolicyError> {
        let mut file: CareFile = toml::Value::Table(raw.clone())
            .try_into()
            .map_err(invalid)?;
        check_periods("isolation", &mut file.isolation).map_err(invalid)?;
        check_periods("severity", &mut file.severity).map_err(invalid)?;
        check_periods("variant", &mut file.variant).map_err(invalid)?;
        check_periods("estimation", &mut file.estimation).map_err(invalid)?;
        for v in &file.variant {
            check_variant(v).map_err(invalid)?;
        }
        for r in &file.isolation {
            check_isolation(r).map_err(invalid)?;
        }
        for e in &file.estimation {
            check_estimation(e).map_err(invalid)?;
        }
        for m in &file.tier_model {
            m.check().map_err(invalid)?;
        }
        if file.tier_model.iter().filter(|m| m.default).count() != 1 {
            return Err(invalid("exactly one tier model must be the default"));
        }
        Ok(CarePolicies {
            raw,
            file,
            overrides,
        })
    }

    pub fn isolation_on(&self, date: NaiveDate) -> Result<&IsolationRule, PolicyError> {
        in_force(&self.file.isolation, date).ok_or(PolicyError::NoneInForce {
            family: "isolation",
            date,
        })
    }

    pub fn severity_on(&self, date: NaiveDate) -> Result<&SeverityRule, PolicyError> {
        in_force(&self.file.severity, date).ok_or(PolicyError::NoneInForce {
            family: "severity",
            date,
        })
    }

    /// The variant parameters (serial interval, severity shares) for a date.
    pub fn variant_on(&self, date: NaiveDate) -> Result<&VariantRule, PolicyError> {
        in_force(&self.file.variant, date).ok_or(PolicyError::NoneInForce {
            family: "variant",
            date,
        })
    }

    /// How projections learn the locality's own mix on a date.
    pub fn estimation_on(&self, date: NaiveDate) -> Result<&EstimationRule, PolicyError> {
        in_force(&self.file.estimation, date).ok_or(PolicyError::NoneInForce {
            family: "estimation",
            date,
        })
    }

    /// The tier model of this name, or the default model for `None`.
    pub fn tier_model(&self, name: Option<&str>) -> Option<&TierModel> {
        self.file.tier_model.iter().find(|m| match name {
            Some(n) => m.name == n,
            None => m.default,
        })
    }

    pub fn tier_models(&self) -> &[TierModel] {
        &self.file.tier_model
    }

    pub fn overrides(&self) -> &[OverrideRecord] {
        &self.overrides
    }

    /// The rules with one more local override, and its record (see [`Override`]).
    pub fn with_override(
        &self,
        ov: &Override,
    ) -> Result<(CarePolicies, OverrideRecord), PolicyError> {
        overrides::rebuild(
            FILE,
            &self.raw,
            &self.overrides,
            ov,
            CarePolicies::from_table,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Status;
    use crate::UserId;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_period_is_found_by_date() {
        let p = CarePolicies::embedded().unwrap();
        let old = p.isolation_on(d(2022, 1, 27)).unwrap();
        let new = p.isolation_on(d(2022, 1, 28)).unwrap();
        assert_eq!(old.document, "4038/QĐ-BYT");
        assert_eq!(new.document, "250/QĐ-BYT");
        assert_eq!(new.isolation_days(true, false), 7);
        assert_eq!(new.isolation_days(false, true), 10);
        assert_eq!(new.isolation_days(false, false), 14);
        assert_eq!(new.days_vaccinated.status, Status::Verified);
        assert!(p.isolation_on(d(2021, 8, 20)).is_err());
        let delta = p.variant_on(d(2021, 9, 1)).unwrap();
        let omicron = p.variant_on(d(2022, 3, 1)).unwrap();
        assert!(delta.document.starts_with("Delta"));
        assert!(omicron.document.starts_with("Omicron"));
        // The discretised vectors keep the means they were made from (within the cut tail).
        let mean = |v: &VariantRule| {
            v.serial_interval
                .value
                .iter()
                .enumerate()
                .map(|(i, p)| (i + 1) as f64 * p)
                .sum::<f64>()
        };
        assert!((mean(delta) - 4.7).abs() < 0.15, "{}", mean(delta));
        assert!((mean(omicron) - 3.5).abs() < 0.15, "{}", mean(omicron));
    }

    #[test]
    fn severity_by_the_4689_thresholds() {
        let p = CarePolicies::embedded().unwrap();
        let rule = p.severity_on(d(2021, 11, 1)).unwrap();
        let s = |spo2_pct, rr| ClinicalSigns {
            symptomatic: true,
            spo2_pct,
            resp_rate_per_min: rr,
            critical_signs: false,
        };
        assert_eq!(rule.classify(s(97, 19)), Severity::Mild);
        assert_eq!(rule.classify(s(96, 19)), Severity::Moderate);
        assert_eq!(rule.classify(s(97, 20)), Severity::Moderate);
        assert_eq!(rule.classify(s(94, 25)), Severity::Moderate);
        assert_eq!(rule.classify(s(93, 18)), Severity::Severe);
        assert_eq!(rule.classify(s(98, 26)), Severity::Severe);
        let quiet = ClinicalSigns {
            symptomatic: false,
            ..s(98, 16)
        };
        assert_eq!(rule.classify(quiet), Severity::Asymptomatic);
        let shock = ClinicalSigns {
            critical_signs: true,
            ..s(98, 16)
        };
        assert_eq!(rule.classify(shock), Severity::Critical);
    }

    #[test]
    fn tier_models_cover_every_severity_once() {
        let p = CarePolicies::embedded().unwrap();
        let national = p.tier_model(None).unwrap();
        assert_eq!(national.name, "national-3");
        assert_eq!(national.tiers.len(), 3);
        assert_eq!(national.tier_of(Severity::Moderate), 1);
        assert_eq!(national.tiers[2].bed.value, BedType::Icu);
        let hcmc = p.tier_model(Some("hcmc-5")).unwrap();
        assert_eq!(hcmc.tier_of(Severity::Critical), 4);
        assert!(p.tier_model(Some("x")).is_none());
        let shares = p.variant_on(d(2021, 9, 1)).unwrap().severity_shares.value;
        let demand = national.demand(&shares);
        assert!((demand.iter().map(|t| t.share).sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((demand[2].share - 0.05).abs() < 1e-12);
    }

    #[test]
    fn overrides_are_checked_and_recorded() {
        let p = CarePolicies::embedded().unwrap();
        let ov = |document: &str, key: &str, value: &str| Override {
            document: document.into(),
            key: key.into(),
            value: value.into(),
            by: UserId(3),
            at_s: 0,
        };
        let doc = "BYT: mô hình tháp 3 tầng điều trị";
        let (local, rec) = p
            .with_override(&ov(doc, "tier_model.tiers.2.los_days", "21"))
            .unwrap();
        assert_eq!(
            (rec.old_value.as_str(), rec.new_value.as_str()),
            ("16", "21")
        );
        let t = &local.tier_model(None).unwrap().tiers[2];
        assert_eq!((t.los_days.value, t.los_days.status), (21, Status::Local));
        // A severity in two tiers, shares not summing to 1, a zero stay: refused.
        assert!(p
            .with_override(&ov(
                doc,
                "tier_model.tiers.0.severities",
                "[\"mild\", \"moderate\"]"
            ))
            .is_err());
        assert!(p
            .with_override(&ov(
                "Delta (B.1.617.2)",
                "variant.severity_shares",
                "{ asymptomatic = 0.5, mild = 0.5, moderate = 0.1, severe = 0.0, critical = 0.0 }"
            ))
            .is_err());
        assert!(p
            .with_override(&ov(doc, "tier_model.tiers.0.los_days", "0"))
            .is_err());
        // The estimation's weights and the home-care prior are checked too.
        let est = "chongdich: tỷ lệ từ ca bệnh của địa phương";
        let (local, _) = p
            .with_override(&ov(est, "estimation.severity_prior_cases", "50.0"))
            .unwrap();
        let e = local.estimation_on(d(2021, 9, 1)).unwrap();
        assert_eq!(e.severity_prior_cases.value, 50.0);
        assert!(p
            .with_override(&ov(est, "estimation.recent_days", "0"))
            .is_err());
        assert!(p
            .with_override(&ov("4038/QĐ-BYT", "isolation.home_care_share", "1.5"))
            .is_err());
    }

    #[test]
    fn the_projections_priors_are_data() {
        let p = CarePolicies::embedded().unwrap();
        let e = p.estimation_on(d(2021, 9, 1)).unwrap();
        assert_eq!(e.recent_days.value, 28);
        assert_eq!(e.severity_prior_cases.status, Status::Assumed);
        assert!(e.home_care_prior_stays.value > 0.0);
        assert_eq!(p.estimation_on(d(2022, 3, 1)).unwrap().document, e.document);
        let home = |y, m, day| {
            p.isolation_on(d(y, m, day))
                .unwrap()
                .home_care_share
                .clone()
        };
        assert_eq!(home(2021, 9, 1).status, Status::Assumed);
        assert!(home(2022, 3, 1).value >= home(2021, 9, 1).value);
    }
}
