use chrono::NaiveDate;

use super::policies::RISK_LEVELS;
use super::reading::number;
use super::*;
use crate::overrides::Override;
use crate::policy::Status;
use crate::UserId;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn share(x: f64) -> Option<Share> {
    Share::new(x)
}

/// 100,000 people, so that counts are per 100k.
fn unit() -> UnitWeek {
    UnitWeek {
        population: 100_000,
        cases_community: 30,
        cases_total: 120,
        adult_first_dose_share: share(0.65),
        fully_vaccinated_share: share(0.80),
        high_risk_fully_vaccinated_share: share(0.95),
        free_beds_per_100k: Some(40.0),
        commune_ready: Some(true),
        ..UnitWeek::default()
    }
}

fn ov(document: &str, key: &str, value: &str) -> Override {
    Override {
        document: document.into(),
        key: key.into(),
        value: value.into(),
        by: UserId(7),
        at_s: 1_640_000_000,
    }
}

#[test]
fn the_rule_switches_on_27_january_2022() {
    let p = RiskPolicies::embedded().unwrap();
    assert!(p.on(d(2021, 10, 11)).is_err());
    let before = p.on(d(2022, 1, 26)).unwrap();
    let after = p.on(d(2022, 1, 27)).unwrap();
    assert_eq!(before.document, "4800/QĐ-BYT");
    assert_eq!(after.document, "218/QĐ-BYT");
    // Same week, two answers: 4800 counts 30 community cases and 65% first doses (level 2);
    // 218 counts all 120 cases against high capacity (level 1).
    let a = before.assess(&unit()).unwrap();
    assert_eq!(a.level, RiskLevel::Medium);
    assert_eq!(
        a.reason(Lang::Vi),
        "30,0 ca/100.000 dân/tuần (20–<50) và 65\u{a0}% người ≥18 tuổi tiêm ≥1 mũi (<70\u{a0}%) → cấp 2 (4800/QĐ-BYT)"
    );
    assert_eq!(
        a.reason(Lang::En),
        "30.0 cases/100,000/week (20–<50) and 65% of people 18+ with ≥1 dose (<70%) → level 2 (4800/QĐ-BYT)"
    );
    let b = after.assess(&unit()).unwrap();
    assert_eq!(b.level, RiskLevel::Low);
    assert_eq!(b.transmission, TransmissionBand::Medium);
    assert_eq!(b.capacity, CapacityBand::High);
    assert!(b
        .reason(Lang::Vi)
        .contains("120,0 ca/100.000 dân/tuần (50–<150)"));
    assert!(b
        .reason(Lang::Vi)
        .contains("40,0 giường trống/100.000 dân (>30)"));
    assert!(b
        .reason(Lang::Vi)
        .contains("xã sẵn sàng chăm sóc F0 tại nhà"));
}

#[test]
fn band_edges() {
    let p = RiskPolicies::embedded().unwrap();
    let r4800 = p.on(d(2021, 12, 1)).unwrap();
    let band = |rule: &RiskRule, community: u32, total: u32| {
        let u = UnitWeek {
            cases_community: community,
            cases_total: total,
            ..unit()
        };
        rule.assess(&u).unwrap().transmission
    };
    use TransmissionBand::*;
    assert_eq!(band(r4800, 19, 0), Low);
    assert_eq!(band(r4800, 20, 0), Medium);
    assert_eq!(band(r4800, 49, 0), Medium);
    assert_eq!(band(r4800, 50, 0), High);
    assert_eq!(band(r4800, 149, 999), High);
    assert_eq!(band(r4800, 150, 0), VeryHigh);
    let r218 = p.on(d(2022, 3, 1)).unwrap();
    assert_eq!(band(r218, 999, 49), Low);
    assert_eq!(band(r218, 0, 50), Medium);
    assert_eq!(band(r218, 0, 150), High);
    // "Very high" needs more than 600.
    assert_eq!(band(r218, 0, 600), High);
    assert_eq!(band(r218, 0, 601), VeryHigh);
    let a = r218
        .assess(&UnitWeek {
            cases_total: 601,
            ..unit()
        })
        .unwrap();
    assert!(a
        .reason(Lang::En)
        .contains("601.0 cases/100,000/week (>600)"));
    // Coverage: 70% is enough under 4800; free beds: 30 is medium, above 30 high.
    let cov = |x: f64| {
        r4800
            .assess(&UnitWeek {
                adult_first_dose_share: share(x),
                ..unit()
            })
            .unwrap()
            .capacity
    };
    assert_eq!(cov(0.6999), CapacityBand::Low);
    assert_eq!(cov(0.70), CapacityBand::High);
    let beds = |n: u32| {
        let u = UnitWeek {
            free_beds_per_100k: Some(f64::from(n)),
            fully_vaccinated_share: None,
            high_risk_fully_vaccinated_share: None,
            commune_ready: None,
            ..unit()
        };
        // Fully vaccinated missing is assumed low; beds decide the median of (low, beds).
        r218.assess(&u)
            .unwrap()
            .indicators()
            .find(|(i, _)| *i == Indicator::FreeBedsPer100k)
    };
    let band_of = |n| beds(n).and_then(|(_, r)| r.band());
    assert_eq!(band_of(30), Some(Band::Capacity(CapacityBand::Medium)));
    assert_eq!(band_of(31), Some(Band::Capacity(CapacityBand::High)));
    assert_eq!(band_of(10), Some(Band::Capacity(CapacityBand::Medium)));
    assert_eq!(band_of(9), Some(Band::Capacity(CapacityBand::Low)));
}

#[test]
fn matrix_cells_are_the_published_ones() {
    let p = RiskPolicies::embedded().unwrap();
    let r4800 = p.on(d(2021, 12, 1)).unwrap();
    let r218 = p.on(d(2022, 3, 1)).unwrap();
    use CapacityBand as C;
    let expect_4800 = [[1, 2], [1, 2], [2, 3], [3, 4]];
    let expect_218 = [[1, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 4]];
    for (t, band) in TransmissionBand::ALL.into_iter().enumerate() {
        for (c, col) in [C::High, C::Low].into_iter().enumerate() {
            assert_eq!(
                r4800.matrix(band, col).map(RiskLevel::number),
                Some(expect_4800[t][c])
            );
        }
        assert_eq!(r4800.matrix(band, C::Medium), None);
        for (c, col) in [C::High, C::Medium, C::Low].into_iter().enumerate() {
            assert_eq!(
                r218.matrix(band, col).map(RiskLevel::number),
                Some(expect_218[t][c])
            );
        }
    }
    // Through assess: ≥150 community cases and <70% first doses is level 4 under 4800.
    let u = UnitWeek {
        cases_community: 150,
        ..unit()
    };
    assert_eq!(r4800.assess(&u).unwrap().level, RiskLevel::VeryHigh);
    // 218, very high transmission, medium capacity (median of high, medium, low): level 4.
    let u = UnitWeek {
        cases_total: 700,
        fully_vaccinated_share: share(0.5),
        high_risk_fully_vaccinated_share: share(0.95),
        free_beds_per_100k: Some(20.0),
        commune_ready: None,
        ..unit()
    };
    let a = r218.assess(&u).unwrap();
    assert_eq!((a.capacity, a.level), (C::Medium, RiskLevel::VeryHigh));
}

#[test]
fn missing_inputs_are_said_and_assumed_as_the_policy_says() {
    let p = RiskPolicies::embedded().unwrap();
    let r4800 = p.on(d(2021, 12, 1)).unwrap();
    let u = UnitWeek {
        adult_first_dose_share: None,
        cases_community: 5,
        ..unit()
    };
    let a = r4800.assess(&u).unwrap();
    // Coverage unknown: assumed below 70%.
    assert_eq!(a.level, RiskLevel::Medium);
    let missing: Vec<_> = a.missing().collect();
    assert_eq!(
        missing,
        [(
            Indicator::AdultFirstDoseShare,
            Reading::AssumedWorst {
                band: Band::Capacity(CapacityBand::Low)
            }
        )]
    );
    assert!(a
        .reason(Lang::Vi)
        .contains("thiếu số liệu người ≥18 tuổi tiêm ≥1 mũi: giả định <70\u{a0}%"));
    // 218 with cases only: oxygen and deaths left out, full vaccination assumed low.
    let r218 = p.on(d(2022, 3, 1)).unwrap();
    let bare = UnitWeek {
        population: 100_000,
        cases_total: 10,
        ..UnitWeek::default()
    };
    let a = r218.assess(&bare).unwrap();
    assert_eq!(a.level, RiskLevel::Medium);
    assert_eq!(a.missing().count(), 7);
    let en = a.reason(Lang::En);
    assert!(
        en.contains("cases needing oxygen/100,000/week: missing, not used"),
        "{en}"
    );
    assert!(
        en.contains("of people fully vaccinated: missing, assumed <75%"),
        "{en}"
    );
    assert_eq!(
        r218.assess(&UnitWeek::default()).unwrap_err(),
        RiskError::ZeroPopulation
    );
}

#[test]
fn districts_roll_up_from_communes() {
    let p = RiskPolicies::embedded().unwrap();
    let r4800 = p.on(d(2021, 12, 1)).unwrap();
    // A small commune with an outbreak, a large one without.
    let hot = UnitWeek {
        population: 10_000,
        cases_community: 20,
        cases_total: 20,
        adult_first_dose_share: share(0.5),
        ..UnitWeek::default()
    };
    let calm = UnitWeek {
        population: 90_000,
        cases_community: 0,
        cases_total: 0,
        adult_first_dose_share: share(0.9),
        ..UnitWeek::default()
    };
    let levels = [
        r4800.assess(&hot).unwrap().level,
        r4800.assess(&calm).unwrap().level,
    ];
    assert_eq!(levels, [RiskLevel::VeryHigh, RiskLevel::Low]);
    let pooled = pool(&[hot, calm]);
    assert_eq!(pooled.population, 100_000);
    assert_eq!(pooled.cases_community, 20);
    assert!((pooled.adult_first_dose_share.unwrap().get() - 0.86).abs() < 1e-12);
    assert_eq!(pooled.free_beds_per_100k, None);
    // Pooled: 20/100k and 86% coverage: level 1.
    let a = r4800.assess_parent(&[hot, calm], &levels).unwrap();
    assert_eq!(a.level, RiskLevel::Low);
    // Population share, worst-of (no one may live above the level): level 4.
    let (p2, _) = p
        .with_override(&ov(
            "4800/QĐ-BYT",
            "risk.rollup.method",
            "\"population_share\"",
        ))
        .unwrap();
    let (p3, _) = p2
        .with_override(&ov("4800/QĐ-BYT", "risk.rollup.max_share_above", "0.0"))
        .unwrap();
    let r = p3.on(d(2021, 12, 1)).unwrap();
    let a = r.assess_parent(&[hot, calm], &levels).unwrap();
    assert_eq!(a.level, RiskLevel::VeryHigh);
    // With half the population allowed above: level 1 (only 10% live above it).
    let r = p2.on(d(2021, 12, 1)).unwrap();
    let a = r.assess_parent(&[hot, calm], &levels).unwrap();
    assert_eq!(a.level, RiskLevel::Low);
    assert!(a
        .reason(Lang::Vi)
        .contains("10\u{a0}% dân số ở cấp cao hơn (tối đa 50\u{a0}%)"));
    assert!(r.assess_parent(&[hot], &levels).is_err());
}

#[test]
fn overrides_change_the_rule_and_are_recorded() {
    let p = RiskPolicies::embedded().unwrap();
    let key = "risk.transmission.cases_per_100k_week.cut_offs.1";
    let (local, record) = p.with_override(&ov("4800/QĐ-BYT", key, "40.0")).unwrap();
    assert_eq!(record.old_value, "50.0");
    assert_eq!(record.old_status, Status::Assumed);
    assert_eq!(record.new_value, "40.0");
    assert_eq!(record.by, UserId(7));
    assert_eq!(local.overrides(), [record]);
    let rule = local.on(d(2021, 12, 1)).unwrap();
    assert_eq!(rule.transmission[0].cut_offs[1].status, Status::Local);
    let u = UnitWeek {
        cases_community: 45,
        ..unit()
    };
    assert_eq!(
        rule.assess(&u).unwrap().transmission,
        TransmissionBand::High
    );
    // The published rules are untouched, and 218 too.
    assert_eq!(
        p.on(d(2021, 12, 1))
            .unwrap()
            .assess(&u)
            .unwrap()
            .transmission,
        TransmissionBand::Medium
    );
    // Readiness raising a level.
    let (raise, _) = p
        .with_override(&ov("4800/QĐ-BYT", "risk.readiness_failed", "\"raise_one\""))
        .unwrap();
    let u = UnitWeek {
        commune_ready: Some(false),
        ..unit()
    };
    let a = raise.on(d(2021, 12, 1)).unwrap().assess(&u).unwrap();
    assert_eq!(a.level, RiskLevel::High);
    assert!(a
        .reason(Lang::En)
        .contains("not ready to treat: one level up"));
    // Refused: wrong type, broken matrix, unknown document or key, smuggled keys, not a value.
    for (doc, key, value) in [
        ("4800/QĐ-BYT", key, "\"forty\""),
        (
            "4800/QĐ-BYT",
            "risk.matrix",
            "[[1, 2], [1, 2], [2, 3], [3, 5]]",
        ),
        ("4800/QĐ-BYT", "risk.matrix", "[[1, 2]]"),
        ("4800/QĐ-BYT", key, "160.0"),
        ("9999/QĐ-BYT", key, "40.0"),
        ("4800/QĐ-BYT", "risk.nothing", "1"),
        ("4800/QĐ-BYT", key, "40.0\nx = 1"),
        ("4800/QĐ-BYT", "risk.title", "\"x\""),
        ("4800/QĐ-BYT", "risk.capacity_combine", "\"best\""),
    ] {
        assert!(
            p.with_override(&ov(doc, key, value)).is_err(),
            "{key} = {value}"
        );
    }
}

#[test]
fn numbers_in_both_languages() {
    use Indicator::{CasesPer100kWeek as Cases, FullyVaccinatedShare as Vax};
    for (ind, x, lang, text) in [
        (Cases, 1234.56, Lang::Vi, "1.234,6"),
        (Cases, 1234.56, Lang::En, "1,234.6"),
        (Cases, 42.1, Lang::Vi, "42,1"),
        (Vax, 0.655, Lang::En, "65.5%"),
        (Vax, 0.7, Lang::Vi, "70\u{a0}%"),
    ] {
        assert_eq!(number(ind, x, lang), text);
    }
}

#[test]
fn periods_may_not_overlap() {
    let text = RISK_LEVELS.replace("to = \"2022-01-26\"", "to = \"2022-01-27\"");
    let raw: toml::Table = text.parse().unwrap();
    assert!(RiskPolicies::from_table(raw, Vec::new()).is_err());
}
