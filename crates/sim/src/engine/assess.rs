//! The weekly risk-level assessment of each district (Resolution 128/NQ-CP).
//!
//! The rules are data: the Ministry of Health decision in force on the assessed week's last
//! day, from `data/policies/risk_levels.toml` through `domain::risk` (4800/QĐ-BYT until
//! 26 Jan 2022, then 218/QĐ-BYT). The simulation only measures each district's week and
//! asks the rule for a level; it holds no matrix or cut-off of its own.
//!
//! What the simulation can measure, per district and week: residents; detected cases, all
//! and those found outside quarantine ("community"); detected cases whose course is severe
//! or critical (these need oxygen under 4689/QĐ-BYT; moderate ones may, and are not counted);
//! deaths (every death in the simulation is taken as reported); adults with a first dose;
//! residents fully vaccinated; and people aged 50+ fully vaccinated, which stands in for
//! 218's "high-risk people" because the simulation has no comorbidities. It does not model
//! treatment capacity, so commune readiness, free beds and ICU beds are left unknown and the
//! rule's `missing` setting decides what is assumed for them.

use chrono::NaiveDate;
use domain::risk::{RiskLevel, RiskPolicies, RiskRule, Share, UnitWeek};

use super::{Engine, DAY};
use crate::outcome::Severity;

/// Age from which a person counts as high-risk (218/QĐ-BYT: 50 and over, or with
/// comorbidities, which the simulation does not have).
const HIGH_RISK_AGE: u8 = 50;

/// The rule for the week ending on `date`: the one in force then, else the last one begun
/// before it, else the first (a simulation may run before Resolution 128, as the quarantine
/// rules do). `None` only with no rule at all.
pub(super) fn rule_for(policies: &RiskPolicies, date: NaiveDate) -> Option<&RiskRule> {
    let rules = policies.rules();
    policies
        .on(date)
        .ok()
        .or_else(|| rules.iter().rev().find(|r| r.from <= date))
        .or_else(|| rules.first())
}

/// A district's level (1..=4) for its week under `rule`. A district without residents has
/// nothing to assess and stays at level 1.
pub(super) fn level_of(rule: &RiskRule, week: &UnitWeek) -> u8 {
    rule.assess(week)
        .map_or(RiskLevel::Low, |a| a.level)
        .number()
}

/// Counts of one district over the assessed week.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    residents: u32,
    adults: u32,
    adults_first_dose: u32,
    fully_vaccinated: u32,
    high_risk: u32,
    high_risk_fully_vaccinated: u32,
    cases_community: u32,
    cases_total: u32,
    oxygen_cases: u32,
    deaths: u32,
}

impl Tally {
    fn week(&self) -> UnitWeek {
        let share = |n: u32, of: u32| {
            if of == 0 {
                None
            } else {
                Share::new(f64::from(n) / f64::from(of))
            }
        };
        UnitWeek {
            population: self.residents,
            cases_community: self.cases_community,
            cases_total: self.cases_total,
            oxygen_cases: Some(self.oxygen_cases),
            deaths: Some(self.deaths),
            adult_first_dose_share: share(self.adults_first_dose, self.adults),
            fully_vaccinated_share: share(self.fully_vaccinated, self.residents),
            high_risk_fully_vaccinated_share: share(
                self.high_risk_fully_vaccinated,
                self.high_risk,
            ),
            free_beds_per_100k: None,
            icu_beds_per_100k: None,
            commune_ready: None,
        }
    }
}

impl Engine<'_> {
    /// Assesses every district on the week before day `d` and gives its communes that level
    /// for the coming week.
    pub(super) fn assess_levels(&mut self, d: u32) {
        let last_day = self.p.start_date + chrono::Days::new(u64::from(d.saturating_sub(1)));
        let Some(rule) = rule_for(self.risk, last_day) else {
            return;
        };
        let level: Vec<u8> = self
            .district_weeks(d)
            .iter()
            .map(|week| level_of(rule, week))
            .collect();
        for (c, &dist) in self.district_of.iter().enumerate() {
            self.level[c] = level[dist as usize];
        }
    }

    /// Each district's inputs for the 7 days before day `d`.
    fn district_weeks(&self, d: u32) -> Vec<UnitWeek> {
        let (ws, we) = ((d as i32 - 7) * DAY, d as i32 * DAY);
        let since = self.secs(ws);
        let mut tally = vec![Tally::default(); self.districts];
        let district = |p: u32| self.district_of[self.people.commune(p) as usize] as usize;
        // Cases are published in time order: the week's are at the end.
        for c in self.cases.iter().rev() {
            if c.result_s < since {
                break;
            }
            let t = &mut tally[district(c.person)];
            t.cases_total += 1;
            if c.community {
                t.cases_community += 1;
            }
            if c.severity >= Severity::Severe {
                t.oxygen_cases += 1;
            }
        }
        for c in &self.courses {
            if c.died && (ws..we).contains(&c.end) {
                tally[district(c.person)].deaths += 1;
            }
        }
        // A dose given before day `d` counts, whether or not it has taken effect.
        let given = |dose: i16| i32::from(dose) < d as i32;
        for p in 0..self.people.len() as u32 {
            let t = &mut tally[district(p)];
            let age = self.people.age[p as usize];
            let [first, second] = self.vax.day[p as usize];
            let full = given(second);
            t.residents += 1;
            t.fully_vaccinated += u32::from(full);
            if age >= 18 {
                t.adults += 1;
                t.adults_first_dose += u32::from(given(first));
            }
            if age >= HIGH_RISK_AGE {
                t.high_risk += 1;
                t.high_risk_fully_vaccinated += u32::from(full);
            }
        }
        tally.iter().map(Tally::week).collect()
    }
}
