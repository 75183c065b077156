//! How long audit rows are kept: `data/policies/audit.toml`, looked up by date like every
//! other rule (issue #12, item 15).

use chrono::NaiveDate;
use serde::Deserialize;

use crate::policy::{check_periods, in_force, Period, PolicyError, Value};

const AUDIT: &str = include_str!("../../../data/policies/audit.toml");

/// The retention of the audit log over a period.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditRule {
    pub document: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub retention_days: Value<i64>,
}

impl Period for AuditRule {
    fn from(&self) -> NaiveDate {
        self.from
    }
    fn to(&self) -> Option<NaiveDate> {
        self.to
    }
}

#[derive(Debug, Deserialize)]
struct AuditFile {
    audit: Vec<AuditRule>,
}

/// Every audit retention period, checked once.
#[derive(Debug, Clone)]
pub struct AuditPolicies {
    rules: Vec<AuditRule>,
}

impl AuditPolicies {
    /// The policies compiled into the binary.
    pub fn embedded() -> Result<AuditPolicies, PolicyError> {
        AuditPolicies::parse(AUDIT)
    }

    fn parse(toml_text: &str) -> Result<AuditPolicies, PolicyError> {
        let invalid = |message: String| PolicyError::Invalid {
            file: "audit.toml",
            message,
        };
        let mut file: AuditFile = toml::from_str(toml_text).map_err(|e| invalid(e.to_string()))?;
        check_periods("audit", &mut file.audit).map_err(invalid)?;
        if file.audit.is_empty() {
            return Err(invalid("no [[audit]] rule".into()));
        }
        if let Some(r) = file.audit.iter().find(|r| r.retention_days.value < 1) {
            return Err(invalid(format!(
                "retention_days of {} must be at least 1",
                r.document
            )));
        }
        Ok(AuditPolicies { rules: file.audit })
    }

    /// The rule in force on `date`, else the nearest: the first for a date before any rule
    /// (a demo of 2021 keeps its log as the first rule says), the last after a gap.
    pub fn on(&self, date: NaiveDate) -> &AuditRule {
        in_force(&self.rules, date)
            .or_else(|| self.rules.iter().rev().find(|p| p.from() <= date))
            .unwrap_or(&self.rules[0])
    }

    /// Seconds an audit row is kept on `date`.
    pub fn retention_s(&self, date: NaiveDate) -> i64 {
        self.on(date).retention_days.value.saturating_mul(86_400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Status;

    #[test]
    fn embedded_retention_is_data_with_its_basis() {
        let p = AuditPolicies::embedded().unwrap();
        let day = NaiveDate::from_ymd_opt(2021, 8, 1).unwrap();
        let rule = p.on(day);
        assert_eq!(rule.document, "13/2023/NĐ-CP");
        assert_eq!(rule.retention_days.status, Status::Assumed);
        assert_eq!(p.retention_s(day), rule.retention_days.value * 86_400);
    }

    #[test]
    fn refuses_a_retention_under_a_day() {
        let text = "[[audit]]\ndocument = \"x\"\ntitle = \"x\"\nfrom = \"2021-01-01\"\n\
                    retention_days = { value = 0, status = \"assumed\" }\n";
        assert!(AuditPolicies::parse(text).is_err());
    }
}
