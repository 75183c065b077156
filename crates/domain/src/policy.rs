//! Rules as data: the periods of `data/policies/*.toml`, looked up by the date they apply to.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::epi::VenueKind;
use crate::slug_enum;

const TRACING: &str = include_str!("../../../data/policies/tracing.toml");

slug_enum!(
    /// How sure we are of a value: the status of each `{ value, status }` item of the policy
    /// files, and of the value an override replaced (`policy_overrides.old_status`).
    Status {
        Verified = "verified",
        Partly = "partly",
        Assumed = "assumed",
        /// Set by the locality over the published value (see `overrides::OverrideRecord`).
        Local = "local",
    }
);

/// A value of a rule with its status.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Value<T> {
    pub value: T,
    pub status: Status,
}

/// The contact-tracing rule in force over a period.
#[derive(Debug, Clone, Deserialize)]
pub struct TracingRule {
    pub document: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub infectious_before_onset_days: Value<i64>,
    pub infectious_before_sample_days: Value<i64>,
    pub min_overlap_min: Value<i64>,
    pub checkin_retention_days: Value<i64>,
    pub default_stay_min: Value<i64>,
    pub f1_isolation_after_exposure_days: Value<i64>,
    /// The incubation window, from an exposure to the exposed case's onset (or sample):
    /// which case-to-case links are transmissions (`trace::clusters_by_incubation`).
    pub incubation_min_days: Value<i64>,
    pub incubation_max_days: Value<i64>,
    /// The typical incubation, which ranks a case's possible sources.
    pub incubation_typical_days: Value<i64>,
    /// Days without a new case after which a cluster is proposed for closing (never closed
    /// without a person): at least the longest incubation, or a chain still going would be
    /// proposed.
    pub cluster_close_after_days: Value<i64>,
    #[serde(default)]
    min_overlap_min_by_kind: HashMap<String, Value<i64>>,
}

impl TracingRule {
    /// The minimum co-presence for an F1 at a venue of this kind.
    pub fn min_overlap_min(&self, kind: VenueKind) -> i64 {
        self.min_overlap_min_by_kind
            .get(kind.as_str())
            .map_or(self.min_overlap_min.value, |v| v.value)
    }

    /// The start of an F0's infectious period: before onset if symptomatic, else before the
    /// first positive sample. Times in Unix seconds.
    pub fn infectious_from_s(&self, onset_s: Option<i64>, first_sample_s: i64) -> i64 {
        match onset_s {
            Some(t) => t - self.infectious_before_onset_days.value * 86_400,
            None => first_sample_s - self.infectious_before_sample_days.value * 86_400,
        }
    }
}

/// Where the F1 spends quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuarantinePlace {
    Facility,
    Home,
    None,
}

/// F1 quarantine over a period.
#[derive(Debug, Clone, Deserialize)]
pub struct QuarantineRule {
    pub document: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub f1_days_vaccinated: Value<i64>,
    pub f1_days_unvaccinated: Value<i64>,
    /// Days of quarantine on which an F1 is tested (day 1 is the day after the exposure),
    /// for the fully vaccinated and for the others.
    pub f1_test_days_vaccinated: Value<Vec<i64>>,
    pub f1_test_days_unvaccinated: Value<Vec<i64>>,
    /// Days the F1 monitors its own health after quarantine ends (or, with no quarantine,
    /// after the exposure): part of its follow-up.
    pub f1_self_monitor_days_vaccinated: Value<i64>,
    pub f1_self_monitor_days_unvaccinated: Value<i64>,
    pub f1_place: Value<QuarantinePlace>,
    /// Who counts as fully vaccinated for the `…_vaccinated` values; absent where the rule
    /// treats everyone alike.
    #[serde(default)]
    pub fully_vaccinated: Option<FullyVaccinated>,
}

/// What one F1 gets under a quarantine rule, by its vaccination status at the exposure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct F1Quarantine<'a> {
    /// Days of quarantine counted from the last exposure (0: none).
    pub days: i64,
    /// Days of quarantine with a test due.
    pub test_days: &'a [i64],
    /// Days of self-monitoring after the quarantine.
    pub self_monitor_days: i64,
}

impl F1Quarantine<'_> {
    /// Quarantine and self-monitoring: how long after the last exposure the follow-up ends.
    pub fn follow_up_days(&self) -> i64 {
        self.days + self.self_monitor_days
    }
}

impl QuarantineRule {
    /// What an F1 fully vaccinated (or not) at the exposure gets under this rule.
    pub fn f1(&self, fully_vaccinated: bool) -> F1Quarantine<'_> {
        if fully_vaccinated {
            F1Quarantine {
                days: self.f1_days_vaccinated.value,
                test_days: &self.f1_test_days_vaccinated.value,
                self_monitor_days: self.f1_self_monitor_days_vaccinated.value,
            }
        } else {
            F1Quarantine {
                days: self.f1_days_unvaccinated.value,
                test_days: &self.f1_test_days_unvaccinated.value,
                self_monitor_days: self.f1_self_monitor_days_unvaccinated.value,
            }
        }
    }

    /// Whether the rule treats the fully vaccinated differently in anything.
    fn differs_by_status(&self) -> bool {
        self.f1(true) != self.f1(false)
    }

    /// Why the rule's values cannot be applied as they stand, if they cannot.
    fn inconsistency(&self) -> Option<String> {
        // Without a definition everyone would be read as not fully vaccinated, and the
        // rule's values for the vaccinated would never apply.
        if self.differs_by_status() && self.fully_vaccinated.is_none() {
            return Some(
                "its values for the fully vaccinated differ from the others', so \
                 [quarantine.fully_vaccinated] must define who is fully vaccinated"
                    .into(),
            );
        }
        for (who, f1) in [
            ("vaccinated", self.f1(true)),
            ("unvaccinated", self.f1(false)),
        ] {
            if f1.days < 0 || f1.self_monitor_days < 0 {
                return Some(format!("negative days for the {who}"));
            }
            // A test is due on a day of the quarantine, in order, each day once.
            let in_quarantine = f1.test_days.iter().all(|d| (1..=f1.days).contains(d));
            if !in_quarantine || !f1.test_days.windows(2).all(|w| w[0] < w[1]) {
                return Some(format!(
                    "f1_test_days_{who} {:?} must be increasing days within its {} days of \
                     quarantine",
                    f1.test_days, f1.days
                ));
            }
        }
        None
    }
}

/// "Fully vaccinated" (tiêm đủ liều) as a quarantine rule defines it: the last dose of the
/// primary series at least `after_last_dose_days` and at most `within_days` before the
/// exposure, or recovered from COVID-19 at most `recovered_within_days` before it.
#[derive(Debug, Clone, Deserialize)]
pub struct FullyVaccinated {
    pub after_last_dose_days: Value<i64>,
    pub within_days: Value<i64>,
    pub recovered_within_days: Value<i64>,
}

impl FullyVaccinated {
    /// Whether a person whose primary series was completed on `primary_done` (if ever) and
    /// who last recovered on `recovered` (if ever) counts as fully vaccinated when exposed
    /// on `exposure`. A dose or a recovery after the exposure does not count.
    pub fn holds(
        &self,
        primary_done: Option<NaiveDate>,
        recovered: Option<NaiveDate>,
        exposure: NaiveDate,
    ) -> bool {
        let days_before = |d: NaiveDate| (exposure - d).num_days();
        let dosed = primary_done.map(days_before).is_some_and(|n| {
            (self.after_last_dose_days.value..=self.within_days.value).contains(&n)
        });
        let recovered = recovered
            .map(days_before)
            .is_some_and(|n| (0..=self.recovered_within_days.value).contains(&n));
        dosed || recovered
    }
}

#[derive(Debug, Deserialize)]
struct TracingFile {
    tracing: Vec<TracingRule>,
    quarantine: Vec<QuarantineRule>,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("data/policies/{file}: {message}")]
    Invalid { file: &'static str, message: String },
    #[error("data/policies/{file}: override of {key}: {message}")]
    Override {
        file: &'static str,
        key: String,
        message: String,
    },
    #[error("no {family} rule is in force on {date}")]
    NoneInForce {
        family: &'static str,
        date: NaiveDate,
    },
}

/// Every policy period, checked once: sorted, without overlaps or gaps.
#[derive(Debug, Clone)]
pub struct Policies {
    tracing: Vec<TracingRule>,
    quarantine: Vec<QuarantineRule>,
}

/// A rule in force over a period of dates (inclusive; no end: still in force).
pub(crate) trait Period {
    fn from(&self) -> NaiveDate;
    fn to(&self) -> Option<NaiveDate>;
}

impl Period for TracingRule {
    fn from(&self) -> NaiveDate {
        self.from
    }
    fn to(&self) -> Option<NaiveDate> {
        self.to
    }
}

impl Period for QuarantineRule {
    fn from(&self) -> NaiveDate {
        self.from
    }
    fn to(&self) -> Option<NaiveDate> {
        self.to
    }
}

pub(crate) fn check_periods<P: Period>(family: &str, periods: &mut [P]) -> Result<(), String> {
    periods.sort_by_key(|p| p.from());
    for (i, p) in periods.iter().enumerate() {
        if p.to().is_some_and(|to| to < p.from()) {
            return Err(format!(
                "{family} period starting {} ends before it starts",
                p.from()
            ));
        }
        if let Some(next) = periods.get(i + 1) {
            match p.to() {
                None => {
                    return Err(format!(
                        "{family} period starting {} never ends but is followed",
                        p.from()
                    ))
                }
                Some(to) if to.succ_opt() != Some(next.from()) => {
                    return Err(format!(
                        "{family} periods {}..{} and {}.. leave a gap or overlap",
                        p.from(),
                        to,
                        next.from()
                    ))
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

pub(crate) fn in_force<P: Period>(periods: &[P], date: NaiveDate) -> Option<&P> {
    periods
        .iter()
        .rev()
        .find(|p| p.from() <= date && p.to().is_none_or(|to| date <= to))
}

impl Policies {
    /// The policies compiled into the binary.
    pub fn embedded() -> Result<Policies, PolicyError> {
        Policies::parse(TRACING)
    }

    fn parse(tracing_toml: &str) -> Result<Policies, PolicyError> {
        let invalid = |message: String| PolicyError::Invalid {
            file: "tracing.toml",
            message,
        };
        let mut file: TracingFile =
            toml::from_str(tracing_toml).map_err(|e| invalid(e.to_string()))?;
        check_periods("tracing", &mut file.tracing).map_err(invalid)?;
        check_periods("quarantine", &mut file.quarantine).map_err(invalid)?;
        for rule in &file.tracing {
            if let Some(kind) = rule
                .min_overlap_min_by_kind
                .keys()
                .find(|k| k.parse::<VenueKind>().is_err())
            {
                return Err(invalid(format!("unknown venue kind {kind:?}")));
            }
        }
        for rule in &file.tracing {
            let (min, max) = (
                rule.incubation_min_days.value,
                rule.incubation_max_days.value,
            );
            let typical = rule.incubation_typical_days.value;
            if !(0 <= min && min <= typical && typical <= max) {
                return Err(invalid(format!(
                    "{}: incubation {min}..{max} days around {typical} is not a range",
                    rule.document
                )));
            }
            let close = rule.cluster_close_after_days.value;
            if !(max..=365).contains(&close) {
                return Err(invalid(format!(
                    "{}: cluster_close_after_days {close} is not between the longest \
                     incubation ({max}) and a year",
                    rule.document
                )));
            }
        }
        for q in &file.quarantine {
            if let Some(why) = q.inconsistency() {
                return Err(invalid(format!("{}: {why}", q.document)));
            }
        }
        Ok(Policies {
            tracing: file.tracing,
            quarantine: file.quarantine,
        })
    }

    pub fn tracing_on(&self, date: NaiveDate) -> Result<&TracingRule, PolicyError> {
        in_force(&self.tracing, date).ok_or(PolicyError::NoneInForce {
            family: "tracing",
            date,
        })
    }

    /// The tracing rule in force on `date`, else the nearest one: the first rule for a date
    /// before any rule, the last for a date after a gap. A value the system needs on every
    /// date (how long check-ins are kept, a check-in's default stay) comes from the rules'
    /// files this way rather than from a constant in code. `None` only with no rule at all.
    pub fn tracing_nearest(&self, date: NaiveDate) -> Option<&TracingRule> {
        in_force(&self.tracing, date)
            .or_else(|| self.tracing.iter().rev().find(|p| p.from() <= date))
            .or_else(|| self.tracing.first())
    }

    pub fn quarantine_on(&self, date: NaiveDate) -> Result<&QuarantineRule, PolicyError> {
        in_force(&self.quarantine, date).ok_or(PolicyError::NoneInForce {
            family: "quarantine",
            date,
        })
    }

    /// The quarantine rule in force on `date`, else the last one begun before it, else the
    /// first: for a simulation that runs outside every rule's period.
    pub fn quarantine_nearest(&self, date: NaiveDate) -> Option<&QuarantineRule> {
        in_force(&self.quarantine, date)
            .or_else(|| self.quarantine.iter().rev().find(|p| p.from() <= date))
            .or_else(|| self.quarantine.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn embedded_policies_are_consistent_and_found_by_date() {
        let p = Policies::embedded().unwrap();
        let t = p.tracing_on(d(2021, 11, 15)).unwrap();
        assert_eq!(t.document, "3638/QĐ-BYT");
        assert_eq!(t.min_overlap_min.value, 15);
        assert_eq!(t.min_overlap_min(VenueKind::Restaurant), 0);
        assert_eq!(t.min_overlap_min(VenueKind::Market), 15);
        assert_eq!(t.infectious_from_s(Some(10 * 86_400), 0), 8 * 86_400);
        // 3638: an asymptomatic F0 from 3 days before its positive sample (partly verified).
        assert_eq!(t.infectious_from_s(None, 10 * 86_400), 7 * 86_400);
        assert_eq!(t.infectious_before_sample_days.status, Status::Partly);
        let later = p.tracing_on(d(2022, 4, 15)).unwrap();
        assert_eq!(later.infectious_from_s(None, 10 * 86_400), 8 * 86_400);
        assert!(p.tracing_on(d(2021, 7, 29)).is_err());
        assert_eq!(
            p.quarantine_on(d(2021, 11, 15))
                .unwrap()
                .f1_days_vaccinated
                .value,
            14
        );
        let dec = p.quarantine_on(d(2021, 12, 16)).unwrap();
        assert_eq!(dec.document, "10696/BYT-MT");
        assert_eq!(dec.f1_days_vaccinated.value, 7);
        assert_eq!(dec.f1_days_unvaccinated.status, Status::Assumed);
        assert_eq!(
            p.quarantine_on(d(2022, 4, 15)).unwrap().f1_place.value,
            QuarantinePlace::None
        );
        assert_eq!(
            p.quarantine_on(d(2026, 11, 23))
                .unwrap()
                .f1_days_vaccinated
                .value,
            0
        );
    }

    #[test]
    fn gaps_overlaps_and_unknown_kinds_are_refused() {
        let rule = |from: &str, to: &str, extra: &str| {
            format!(
                "[[tracing]]\ndocument = \"x\"\ntitle = \"x\"\nfrom = \"{from}\"\n{to}\n\
                 infectious_before_onset_days = {{ value = 2, status = \"verified\" }}\n\
                 infectious_before_sample_days = {{ value = 2, status = \"verified\" }}\n\
                 min_overlap_min = {{ value = 15, status = \"verified\" }}\n\
                 checkin_retention_days = {{ value = 21, status = \"assumed\" }}\n\
                 default_stay_min = {{ value = 60, status = \"assumed\" }}\n\
                 f1_isolation_after_exposure_days = {{ value = 2, status = \"assumed\" }}\n\
                 incubation_min_days = {{ value = 2, status = \"assumed\" }}\n\
                 incubation_max_days = {{ value = 14, status = \"assumed\" }}\n\
                 incubation_typical_days = {{ value = 5, status = \"assumed\" }}\n\
                 cluster_close_after_days = {{ value = 28, status = \"assumed\" }}\n{extra}\n"
            )
        };
        let q = "[[quarantine]]\ndocument = \"q\"\ntitle = \"q\"\nfrom = \"2021-01-01\"\n\
                 f1_days_vaccinated = { value = 7, status = \"verified\" }\n\
                 f1_days_unvaccinated = { value = 7, status = \"verified\" }\n\
                 f1_test_days_vaccinated = { value = [7], status = \"verified\" }\n\
                 f1_test_days_unvaccinated = { value = [7], status = \"verified\" }\n\
                 f1_self_monitor_days_vaccinated = { value = 3, status = \"verified\" }\n\
                 f1_self_monitor_days_unvaccinated = { value = 3, status = \"verified\" }\n\
                 f1_place = { value = \"home\", status = \"verified\" }\n";
        let ok = format!(
            "{}{}{q}",
            rule("2021-01-01", "to = \"2021-06-30\"", ""),
            rule("2021-07-01", "", "")
        );
        assert!(Policies::parse(&ok).is_ok());
        // The incubation window must be a range around its typical value.
        for (from, to) in [
            (
                "incubation_min_days = { value = 2",
                "incubation_min_days = { value = 6",
            ),
            (
                "incubation_max_days = { value = 14",
                "incubation_max_days = { value = 4",
            ),
            (
                "incubation_min_days = { value = 2",
                "incubation_min_days = { value = -1",
            ),
            // Closing a cluster sooner than the longest incubation, or never.
            (
                "cluster_close_after_days = { value = 28",
                "cluster_close_after_days = { value = 13",
            ),
            (
                "cluster_close_after_days = { value = 28",
                "cluster_close_after_days = { value = 366",
            ),
        ] {
            let bad = ok.replacen(from, to, 1);
            assert_ne!(bad, ok);
            assert!(
                Policies::parse(&bad)
                    .unwrap_err()
                    .to_string()
                    .contains("incubation"),
                "{to}"
            );
        }
        let embedded = Policies::embedded().unwrap();
        let r = embedded.tracing_on(d(2021, 11, 1)).unwrap();
        assert_eq!(
            (
                r.incubation_min_days.value,
                r.incubation_typical_days.value,
                r.incubation_max_days.value
            ),
            (2, 5, 14)
        );
        // Both periods propose closing a cluster after 28 days without a case (assumed).
        for day in [d(2021, 11, 1), d(2022, 6, 1)] {
            let v = &embedded.tracing_on(day).unwrap().cluster_close_after_days;
            assert_eq!((v.value, v.status), (28, Status::Assumed));
        }
        let gap = format!(
            "{}{}{q}",
            rule("2021-01-01", "to = \"2021-06-29\"", ""),
            rule("2021-07-01", "", "")
        );
        assert!(Policies::parse(&gap).is_err());
        let overlap = format!(
            "{}{}{q}",
            rule("2021-01-01", "to = \"2021-07-01\"", ""),
            rule("2021-07-01", "", "")
        );
        assert!(Policies::parse(&overlap).is_err());
        let kind = format!(
            "{}{q}",
            rule(
                "2021-01-01",
                "",
                "[tracing.min_overlap_min_by_kind]\nkaraoke = { value = 0, status = \"assumed\" }"
            )
        );
        assert!(Policies::parse(&kind).is_err());
        let bad_status = ok.replacen("\"verified\"", "\"maybe\"", 1);
        assert!(Policies::parse(&bad_status).is_err());
    }

    #[test]
    fn fully_vaccinated_is_a_window_after_the_last_primary_dose_or_a_recent_recovery() {
        let p = Policies::embedded().unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let exposure = d(2022, 1, 10);
        let rule = p.quarantine_on(exposure).unwrap();
        let fv = rule.fully_vaccinated.as_ref().expect("10696 defines it");
        // The three F1s: a second dose 4 days before, 7 months before, and after.
        assert!(!fv.holds(Some(d(2022, 1, 6)), None, exposure));
        assert!(!fv.holds(Some(d(2021, 6, 10)), None, exposure));
        assert!(!fv.holds(Some(d(2022, 1, 12)), None, exposure));
        assert!(fv.holds(Some(d(2021, 12, 1)), None, exposure));
        assert!(
            fv.holds(None, Some(d(2021, 9, 1)), exposure),
            "recovered 4 months before"
        );
        assert!(
            !fv.holds(None, Some(d(2021, 6, 1)), exposure),
            "recovered 7 months before"
        );
        // From about 21 Feb 2022, recovered within 3 months only.
        let later = d(2022, 3, 1);
        let fv = p
            .quarantine_on(later)
            .unwrap()
            .fully_vaccinated
            .clone()
            .unwrap();
        assert!(!fv.holds(None, Some(d(2021, 11, 1)), later));
        assert!(fv.holds(None, Some(d(2022, 1, 1)), later));
    }

    #[test]
    fn different_days_for_the_vaccinated_need_a_definition_of_them() {
        let embedded = TRACING;
        assert!(Policies::parse(embedded).is_ok());
        // 10696 without its definition of fully vaccinated is refused.
        let start = embedded.find("[quarantine.fully_vaccinated]").unwrap();
        let end = embedded[start..].find("recovered_within_days").unwrap() + start;
        let end = embedded[end..].find('\n').unwrap() + end;
        let without = format!("{}{}", &embedded[..start], &embedded[end..]);
        let err = Policies::parse(&without).unwrap_err().to_string();
        assert!(
            err.contains("10696/BYT-MT") && err.contains("fully_vaccinated"),
            "{err}"
        );
    }

    #[test]
    fn an_f1_gets_days_tests_and_self_monitoring_by_date_and_vaccination_status() {
        let p = Policies::embedded().unwrap();
        let f1 = |y, m, day, vaccinated| {
            let r = p.quarantine_on(d(y, m, day)).unwrap();
            let f = r.f1(vaccinated);
            (
                r.document.as_str(),
                f.days,
                f.test_days.to_vec(),
                f.self_monitor_days,
            )
        };
        // 5599: 14 days in a facility, 14 at home, whatever the status.
        assert_eq!(
            f1(2021, 11, 1, false),
            ("5599/BYT-MT", 14, vec![1, 7, 14], 14)
        );
        assert_eq!(f1(2021, 11, 1, true), f1(2021, 11, 1, false));
        // 10696, to its last day.
        assert_eq!(f1(2022, 2, 20, true), ("10696/BYT-MT", 7, vec![1, 7], 7));
        assert_eq!(
            f1(2022, 2, 20, false),
            ("10696/BYT-MT", 14, vec![1, 7, 14], 7)
        );
        // From 21 Feb 2022: 5 days, test day 5, 5 days of self-monitoring; the others 7,
        // test day 7, 3 days.
        assert_eq!(f1(2022, 2, 21, true), ("BYT (21/2/2022)", 5, vec![5], 5));
        assert_eq!(f1(2022, 2, 21, false), ("BYT (21/2/2022)", 7, vec![7], 3));
        let feb = p.quarantine_on(d(2022, 3, 1)).unwrap();
        assert_eq!(feb.f1(false).follow_up_days(), 10);
        assert_eq!(feb.f1_test_days_unvaccinated.status, Status::Verified);
        assert_eq!(
            feb.f1_self_monitor_days_unvaccinated.status,
            Status::Verified
        );
        // 1909: no quarantine, no test; self-monitoring only (its length assumed).
        assert_eq!(f1(2022, 4, 15, false), ("1909/BYT-DP", 0, vec![], 5));
        let apr = p.quarantine_on(d(2022, 4, 15)).unwrap();
        assert_eq!(
            apr.f1_self_monitor_days_unvaccinated.status,
            Status::Assumed
        );
    }

    #[test]
    fn test_days_and_self_monitoring_must_fit_the_rule() {
        let embedded = TRACING;
        let feb = embedded.find("document = \"BYT (21/2/2022)\"").unwrap();
        let edit = |from: &str, to: &str| {
            let at = embedded[feb..].find(from).expect(from) + feb;
            format!("{}{to}{}", &embedded[..at], &embedded[at + from.len()..])
        };
        let refused = |toml: String, what: &str| {
            let err = Policies::parse(&toml).unwrap_err().to_string();
            assert!(
                err.contains("BYT (21/2/2022)") && err.contains(what),
                "{err}"
            );
        };
        // Per-status test days and self-monitoring without a definition of who is fully
        // vaccinated (the days alike, so only they differ).
        let undefined = |toml: &str| {
            let start = feb + toml[feb..].find("[quarantine.fully_vaccinated]").unwrap();
            let end = start + toml[start..].find("recovered_within_days").unwrap();
            let end = end + toml[end..].find('\n').unwrap();
            format!("{}{}", &toml[..start], &toml[end..])
        };
        let days_alike = edit(
            "f1_days_unvaccinated = { value = 7,",
            "f1_days_unvaccinated = { value = 5,",
        );
        refused(undefined(&days_alike), "fully_vaccinated");
        let tests_alike = days_alike.replace(
            "f1_test_days_unvaccinated = { value = [7]",
            "f1_test_days_unvaccinated = { value = [5]",
        );
        refused(undefined(&tests_alike), "fully_vaccinated");
        // Everything alike needs no definition.
        let all_alike = tests_alike.replace(
            "f1_self_monitor_days_unvaccinated = { value = 3",
            "f1_self_monitor_days_unvaccinated = { value = 5",
        );
        assert!(Policies::parse(&undefined(&all_alike)).is_ok());
        // A test after the quarantine's end, or out of order.
        refused(
            edit(
                "f1_test_days_vaccinated = { value = [5]",
                "f1_test_days_vaccinated = { value = [6]",
            ),
            "f1_test_days_vaccinated",
        );
        refused(
            edit(
                "f1_test_days_unvaccinated = { value = [7]",
                "f1_test_days_unvaccinated = { value = [7, 1]",
            ),
            "f1_test_days_unvaccinated",
        );
        refused(
            edit(
                "f1_self_monitor_days_unvaccinated = { value = 3",
                "f1_self_monitor_days_unvaccinated = { value = -3",
            ),
            "negative",
        );
        // A rule without the values at all.
        assert!(Policies::parse(&edit(
            "f1_self_monitor_days_vaccinated = { value = 5, status = \"verified\" }\n",
            ""
        ))
        .is_err());
    }
}
