use domain::overrides::Override;
use domain::risk::{RiskPolicies, UnitWeek};
use domain::UserId;

use super::assess::{level_of, rule_for};
use super::*;

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

/// The embedded risk rules with one value of `document` set locally.
fn overridden(document: &str, key: &str, value: &str) -> RiskPolicies {
    let ov = Override {
        document: document.into(),
        key: key.into(),
        value: value.into(),
        by: UserId(1),
        at_s: 0,
    };
    RiskPolicies::embedded()
        .unwrap()
        .with_override(&ov)
        .unwrap()
        .0
}

#[test]
fn quarantine_follows_the_date_rules() {
    assert_eq!(quarantine_days(d(2021, 11, 1), true), 14);
    assert_eq!(quarantine_days(d(2021, 12, 16), true), 7);
    assert_eq!(quarantine_days(d(2021, 12, 16), false), 14);
    assert_eq!(quarantine_days(d(2022, 3, 1), true), 5);
    assert_eq!(quarantine_days(d(2022, 3, 1), false), 7);
    assert_eq!(quarantine_days(d(2022, 4, 15), false), 0);
    // Before the first rule (Decision 5599, 14 Jul 2021): that rule's days.
    assert_eq!(quarantine_days(d(2021, 5, 1), false), 14);
}

#[test]
fn time_zero_is_local_midnight() {
    let t0 = t0_s(NaiveDate::from_ymd_opt(2021, 11, 1).unwrap());
    // 2021-10-31T17:00:00Z
    assert_eq!(t0, 1_635_699_600);
}

#[test]
fn the_risk_rule_follows_the_date() {
    let p = RiskPolicies::embedded().unwrap();
    let doc = |date| rule_for(&p, date).unwrap().document.clone();
    assert_eq!(doc(d(2021, 11, 7)), "4800/QĐ-BYT");
    assert_eq!(doc(d(2022, 1, 26)), "4800/QĐ-BYT");
    assert_eq!(doc(d(2022, 1, 27)), "218/QĐ-BYT");
    // Before Resolution 128 (a scenario may start in mid-2021): the first rule.
    assert_eq!(doc(d(2021, 7, 1)), "4800/QĐ-BYT");
}

#[test]
fn a_district_level_comes_from_the_rule_data() {
    // 60 community cases per 100,000 in a week, 80% of adults with a first dose.
    let week = UnitWeek {
        population: 100_000,
        cases_community: 60,
        cases_total: 60,
        adult_first_dose_share: domain::risk::Share::new(0.8),
        ..UnitWeek::default()
    };
    let date = d(2021, 11, 7);
    let embedded = RiskPolicies::embedded().unwrap();
    assert_eq!(level_of(rule_for(&embedded, date).unwrap(), &week), 2);
    // A locality that sets the third cut-off to 60 puts the district in the top band.
    let key = "risk.transmission.cases_per_100k_week.cut_offs.2";
    let local = overridden("4800/QĐ-BYT", key, "60.0");
    assert_eq!(level_of(rule_for(&local, date).unwrap(), &week), 3);
    // And a different matrix gives its own level.
    let local = overridden(
        "4800/QĐ-BYT",
        "risk.matrix",
        "[[1, 2], [1, 2], [1, 3], [3, 4]]",
    );
    assert_eq!(level_of(rule_for(&local, date).unwrap(), &week), 1);
    // A district without residents has nothing to assess.
    let empty = UnitWeek::default();
    assert_eq!(level_of(rule_for(&embedded, date).unwrap(), &empty), 1);
}

#[test]
fn the_simulation_assesses_levels_with_the_rules_it_is_given() {
    let params = Params {
        people: 3_000,
        days: 8,
        keep_checkin_days: 0,
        ..Params::default()
    };
    let quiet = |_: Stage, _: u64, _: u64| {};
    let levels = |risk: &RiskPolicies| {
        let o = simulate_with(&params, risk, &quiet).unwrap();
        o.daily[7].districts_by_level
    };
    // Day 7 is the first assessment: with ~95% of adults covered and few cases, most
    // districts are at level 1 under the published rule.
    let published = levels(&RiskPolicies::embedded().unwrap());
    assert!(published[0] > 0, "{published:?}");
    // Requiring every adult to have a dose moves every district to the low-capacity column.
    let key = "risk.capacity.adult_first_dose_share.high";
    let strict = levels(&overridden("4800/QĐ-BYT", key, "1.0"));
    assert_eq!(strict[0], 0, "{strict:?}");
    assert_eq!(strict.iter().sum::<u32>(), published.iter().sum::<u32>());
}
