//! Local overrides of policy values. Many published values are only *assumed* (the legal text
//! was not available); a locality that knows better sets its own. An override replaces one
//! `{ value, status }` of one period of a policy file, marks it `local`, re-checks the whole
//! file, and returns a record of what changed for the caller to persist (the store keeps
//! overrides; the domain only computes their effect).

use crate::policy::{PolicyError, Status};
use crate::UserId;

/// Longest new value accepted, in bytes (a matrix is ~60).
const MAX_VALUE_LEN: usize = 1024;

/// A requested change: in the period of `key`'s family whose `document` is `document`, set
/// the value at `key` (dotted; numbers index arrays) to `value`, a TOML literal.
///
/// Example: document `4800/QĐ-BYT`, key `risk.transmission.cases_per_100k_week.cut_offs.1`,
/// value `40.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub document: String,
    pub key: String,
    pub value: String,
    pub by: UserId,
    pub at_s: i64,
}

/// What an override changed, to be stored beside the effective rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRecord {
    pub file: &'static str,
    pub document: String,
    pub key: String,
    /// The replaced value and its status, as TOML.
    pub old_value: String,
    pub old_status: Status,
    pub new_value: String,
    pub by: UserId,
    pub at_s: i64,
}

/// Applies `ov` to the raw table of `file`, returning the changed table and the record.
pub(crate) fn apply(
    file: &'static str,
    raw: &toml::Table,
    ov: &Override,
) -> Result<(toml::Table, OverrideRecord), PolicyError> {
    let invalid = |message: String| PolicyError::Override {
        file,
        key: ov.key.clone(),
        message,
    };
    if ov.value.len() > MAX_VALUE_LEN {
        return Err(invalid(format!("value longer than {MAX_VALUE_LEN} bytes")));
    }
    let mut parsed: toml::Table = format!("v = {}", ov.value)
        .parse()
        .map_err(|e: toml::de::Error| invalid(format!("value is not TOML: {}", e.message())))?;
    let new_value = match (parsed.len(), parsed.remove("v")) {
        (1, Some(v)) => v,
        _ => return Err(invalid("value must be a single TOML value".into())),
    };
    let mut table = raw.clone();
    let mut segments = ov.key.split('.');
    let family = segments.next().unwrap_or_default();
    let periods = match table.get_mut(family) {
        Some(toml::Value::Array(periods)) => periods,
        _ => return Err(invalid(format!("no family {family:?} in this file"))),
    };
    let entry = periods
        .iter_mut()
        .find(|p| p.get("document").and_then(|d| d.as_str()) == Some(ov.document.as_str()))
        .ok_or_else(|| invalid(format!("no {family} period of document {:?}", ov.document)))?;
    let mut node = entry;
    for seg in segments {
        node = match node {
            toml::Value::Table(t) => t.get_mut(seg),
            toml::Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| invalid(format!("no value at {seg:?}")))?;
    }
    let target = match node {
        toml::Value::Table(t) if t.contains_key("value") && t.contains_key("status") => t,
        _ => return Err(invalid("not a { value, status } entry".into())),
    };
    let old = target
        .get("value")
        .cloned()
        .unwrap_or(toml::Value::Boolean(false));
    if old.type_str() != new_value.type_str() {
        return Err(invalid(format!(
            "expected a {}, got a {}",
            old.type_str(),
            new_value.type_str()
        )));
    }
    let old_status: Status = target
        .get("status")
        .and_then(|s| s.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("the entry's status is not one of the policy statuses".into()))?;
    let record = OverrideRecord {
        file,
        document: ov.document.clone(),
        key: ov.key.clone(),
        old_value: old.to_string(),
        old_status,
        new_value: new_value.to_string(),
        by: ov.by,
        at_s: ov.at_s,
    };
    target.insert("value".into(), new_value);
    target.insert(
        "status".into(),
        toml::Value::String(Status::Local.as_str().into()),
    );
    Ok((table, record))
}

/// Applies `ov` over `raw` and rebuilds the policies with `parse`, which checks them as it
/// checks the published file: an override that breaks a rule is refused.
pub(crate) fn rebuild<T>(
    file: &'static str,
    raw: &toml::Table,
    applied: &[OverrideRecord],
    ov: &Override,
    parse: impl FnOnce(toml::Table, Vec<OverrideRecord>) -> Result<T, PolicyError>,
) -> Result<(T, OverrideRecord), PolicyError> {
    let (table, record) = apply(file, raw, ov)?;
    let mut records = applied.to_vec();
    records.push(record.clone());
    let policies = parse(table, records).map_err(|e| PolicyError::Override {
        file,
        key: ov.key.clone(),
        message: e.to_string(),
    })?;
    Ok((policies, record))
}
