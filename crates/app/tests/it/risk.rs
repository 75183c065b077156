//! Decision 218's bed indicators measured where the decision counts them: 3b is the
//! district's free treatment beds per 100,000 of the district's residents, shared by its
//! communes; 3c the province's ICU beds per 100,000 of the province's residents.

use std::collections::HashMap;

use app::risk::{levels, UnitRisk};
use chrono::NaiveDate;
use domain::epi::{CaseStatus, Severity};
use domain::facility::{BedType, FacilityKind};
use domain::person::Sex;
use domain::risk::Indicator;
use domain::{Scope, Structure, UnitCode, UnitLevel};
use store::{both_databases, Caller, CaseRow, NewFacility, PersonRow, Store};

use crate::unit;

/// 2022-02-07 10:00 in Hà Nội: Decision 218 is in force.
const NOW_218: i64 = 1_644_202_800;

fn reading(u: &UnitRisk, ind: Indicator) -> Option<f64> {
    u.inputs
        .iter()
        .find(|i| i.indicator == ind)
        .and_then(|i| i.value)
}

/// The district 002 of the report: 3 free beds for 2,780 residents is 107.9 per
/// 100,000, which the old share-of-beds rounding read as 0.0 in every commune.
async fn bed_rates_come_from_the_district_and_the_province(store: Store) {
    // Residents: district 001 (Ba Đình) 300 + 100, district 002 (Hoàn Kiếm) 2,700 + 80.
    let homes = [
        ("00001", 300),
        ("00004", 100),
        ("00037", 2_700),
        ("00040", 80),
    ];
    let mut persons = Vec::new();
    for (code, n) in homes {
        let u = unit(&store, code).await;
        for _ in 0..n {
            persons.push(PersonRow {
                id: persons.len() as i64 + 1,
                full_name: "Người".into(),
                national_id: None,
                phone: None,
                birth_date: None,
                sex: Sex::Unknown,
                unit: u.clone(),
                household_id: None,
                synthetic: true,
            });
        }
    }
    store.bulk_persons(&persons, 0).await.unwrap();
    // One patient, of commune 00037, confirmed the week before.
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 500,
                unit: unit(&store, "00037").await,
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: NOW_218 - 5 * 86_400,
                confirmed_at_s: NOW_218 - 5 * 86_400,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }],
            0,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
    let mut app = app::App::new(store.clone()).unwrap();
    app.clock = app::clock::LocalityClock::reading(NOW_218);
    let system = Caller::system("test");
    let facility = |name: &str, code: &str, kind, beds: Vec<(BedType, i64)>| NewFacility {
        name: name.into(),
        kind,
        structure: Structure::S2021,
        unit_code: UnitCode::parse(code).unwrap(),
        address: None,
        beds,
    };
    // District 002: 4 tier-1 beds (one taken below) and 50 quarantine beds (for F1s: not
    // treatment beds). District 001: one ICU bed, free.
    let tier1 = store
        .create_facility(
            &system,
            &facility(
                "Khu thu dung Hoàn Kiếm",
                "00037",
                FacilityKind::F0Isolation,
                vec![(BedType::F0Tier1, 4), (BedType::Quarantine, 50)],
            ),
            NOW_218,
        )
        .await
        .unwrap();
    store
        .create_facility(
            &system,
            &facility(
                "Bệnh viện",
                "00001",
                FacilityKind::Hospital,
                vec![(BedType::Icu, 1)],
            ),
            NOW_218,
        )
        .await
        .unwrap();
    let admit = app::care::AdmitInput {
        case_id: Some(1),
        at: Some(app::local_time::iso(NOW_218 - 4 * 86_400)),
        ..app::care::AdmitInput::default()
    };
    app.admit(&system, Some(tier1), &admit)
        .await
        .unwrap()
        .unwrap();

    // The plain computation, from what the store holds at district and province level.
    let everything = Scope::everything();
    let week_end = NaiveDate::from_ymd_opt(2022, 2, 6).unwrap();
    let at_s = app::local_time::day_end_s(week_end);
    let residents: HashMap<String, i64> = store
        .residents_by_unit(&everything, Structure::S2021)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let registry = app::registry::Registry::of(Structure::S2021);
    let mut district_residents: HashMap<String, i64> = HashMap::new();
    for (code, n) in &residents {
        let d = registry.ancestor_at(code, UnitLevel::District).unwrap();
        *district_residents.entry(d.code.to_string()).or_default() += n;
    }
    let province_residents: i64 = residents.values().sum();
    let mut free: HashMap<String, i64> = HashMap::new();
    let mut icu = 0;
    for b in store
        .beds_by_unit(&everything, Structure::S2021, UnitLevel::District, at_s)
        .await
        .unwrap()
    {
        if b.bed_type != BedType::Quarantine {
            *free.entry(b.unit_code.clone()).or_default() += b.capacity - b.occupied;
        }
        if matches!(b.bed_type, BedType::Icu | BedType::Ventilator) {
            icu += b.capacity;
        }
    }
    assert_eq!(
        (free["002"], free["001"], icu),
        (3, 1, 1),
        "the stored beds"
    );
    let rate = |beds: i64, people: i64| beds as f64 * 100_000.0 / people as f64;
    let icu_rate = rate(icu, province_residents);

    let communes = levels(&app, Structure::S2021, week_end, UnitLevel::Commune)
        .await
        .unwrap();
    assert_eq!(communes.len(), 4);
    for u in &communes {
        let d = registry
            .ancestor_at(&u.unit_code, UnitLevel::District)
            .unwrap();
        let want = rate(free[d.code.as_str()], district_residents[d.code.as_str()]);
        let got = reading(u, Indicator::FreeBedsPer100k).unwrap();
        assert!((got - want).abs() < 1e-9, "{}: {got} ≠ {want}", u.unit_code);
        let got = reading(u, Indicator::IcuBedsPer100k).unwrap();
        assert!(
            (got - icu_rate).abs() < 1e-9,
            "{}: {got} ≠ {icu_rate}",
            u.unit_code
        );
    }
    let c37 = communes.iter().find(|u| u.unit_code == "00037").unwrap();
    let r = reading(c37, Indicator::FreeBedsPer100k).unwrap();
    assert!(
        (r - 107.913_669).abs() < 1e-3,
        "3 free beds for 2,780 people: {r}"
    );
    for level in [UnitLevel::District, UnitLevel::Province] {
        for u in levels(&app, Structure::S2021, week_end, level)
            .await
            .unwrap()
        {
            let want = match level {
                UnitLevel::District => rate(
                    free[u.unit_code.as_str()],
                    district_residents[u.unit_code.as_str()],
                ),
                _ => rate(free.values().sum(), province_residents),
            };
            let got = reading(&u, Indicator::FreeBedsPer100k).unwrap();
            assert!((got - want).abs() < 1e-9, "{}: {got} ≠ {want}", u.unit_code);
            let got = reading(&u, Indicator::IcuBedsPer100k).unwrap();
            assert!((got - icu_rate).abs() < 1e-9, "{}: {got}", u.unit_code);
        }
    }
}

both_databases!(bed_rates_come_from_the_district_and_the_province);
