//! Every risk-level rule of `data/policies/risk_levels.toml`, checked once, with the local
//! overrides applied to them.

use chrono::NaiveDate;
use serde::Deserialize;

use super::rule::{RawRisk, RiskRule};
use crate::overrides::{self, Override, OverrideRecord};
use crate::policy::{check_periods, in_force, PolicyError};

const FILE: &str = "risk_levels.toml";
pub(super) const RISK_LEVELS: &str = include_str!("../../../../data/policies/risk_levels.toml");

#[derive(Debug, Deserialize)]
struct RawFile {
    risk: Vec<RawRisk>,
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

    pub(super) fn from_table(
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
