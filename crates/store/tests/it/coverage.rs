//! Vaccination coverage counts persons with their age on the date asked, for the numerators
//! as for the denominators, and fully vaccinated never exceeds at least one dose, nor that
//! the population, in any unit (issue #14, item 6).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use domain::vaccination::Product;
use domain::{PersonId, Role, Scope, Structure, UnitCode, UnitLevel};
use store::{both_databases, Coverage, DoseItem, DoseRow, ItemOutcome, Store};

use crate::{caller, persons, unit, NOW};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dose(id: &str, person: i64, product: Product, dose_no: u8, on: NaiveDate) -> DoseItem {
    DoseItem {
        client_id: id.into(),
        person_id: PersonId(person),
        product,
        dose_no,
        given_on: on,
        place: UnitCode::parse("00001").unwrap(),
        lot: None,
    }
}

async fn coverage(store: &Store, as_of: NaiveDate) -> Vec<Coverage> {
    store
        .coverage_by_unit(
            &Scope::everything(),
            Structure::S2021,
            UnitLevel::Commune,
            as_of,
        )
        .await
        .unwrap()
}

/// (adults, at least one dose, fully, 50+, 50+ fully)
fn figures(c: &Coverage) -> (i64, i64, i64, i64, i64) {
    (
        c.adults,
        c.adults_1dose,
        c.adults_full,
        c.high_risk,
        c.high_risk_full,
    )
}

async fn a_birthday_between_doses_counts_once_at_the_age_on_the_date(store: Store) {
    let births = [
        // 1: 17 at the first dose, 18 at the second.
        "2003-09-10",
        // 2: 49 at both doses, 50 on the date asked.
        "1971-10-10",
        // 3: an adult whose first dose was given elsewhere: only the second is recorded.
        "1990-05-05",
        // 4: 17 at both doses and on 15 October 2021; 18 on 2 January 2022.
        "2004-01-01",
    ];
    let u = unit(&store, "00001").await;
    store
        .bulk_persons(
            &persons(4, |_| u.clone(), |i| Some(day(births[i as usize - 1]))),
            NOW,
        )
        .await
        .unwrap();
    let officer = caller(&store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let (sept, oct) = (day("2021-09-01"), day("2021-10-01"));
    let doses = [
        dose("1a", 1, Product::Pfizer, 1, sept),
        dose("1b", 1, Product::Pfizer, 2, oct),
        dose("2a", 2, Product::AstraZeneca, 1, sept),
        dose("2b", 2, Product::AstraZeneca, 2, oct),
        dose("3b", 3, Product::Moderna, 2, oct),
        dose("4a", 4, Product::Pfizer, 1, sept),
        dose("4b", 4, Product::Pfizer, 2, oct),
    ];
    let out = store.record_doses(&officer, &doses, NOW).await.unwrap();
    assert_eq!(out, vec![ItemOutcome::Accepted; doses.len()]);
    for recounted in [false, true] {
        if recounted {
            // The bulk path's recount gives the same figures as the per-dose updates.
            store.recount_vaccinations().await.unwrap();
        }
        let got = coverage(&store, day("2021-10-15")).await;
        // Adults on 15 October: 1, 2 and 3, each with a dose and the full series; 2 is 50.
        assert_eq!(figures(&got[0]), (3, 3, 3, 1, 1), "recounted: {recounted}");
        // On 2 January 2022, person 4 is 18.
        let got = coverage(&store, day("2022-01-02")).await;
        assert_eq!(figures(&got[0]), (4, 4, 4, 1, 1), "recounted: {recounted}");
        // Before the second doses: 1 (18 by then) and 2 had a first dose, 3 none recorded.
        let got = coverage(&store, day("2021-09-20")).await;
        assert_eq!(figures(&got[0]), (3, 2, 0, 0, 0), "recounted: {recounted}");
    }
}

/// A small deterministic generator (the test must not depend on a seed source).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as i64
    }
}

fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    on.year() - birth.year() - i32::from((on.month(), on.day()) < (birth.month(), birth.day()))
}

/// Persons born around the age cuts, in two communes, with doses of every product, some
/// missing their first, some merged into another record afterwards: the coverage on many
/// dates equals a plain count of persons, and fully ≤ at least one dose ≤ population.
async fn coverage_equals_a_plain_count_of_persons(store: Store) {
    let units = [unit(&store, "00001").await, unit(&store, "00004").await];
    let mut rng = Lcg(5);
    let n = 240;
    let born: Vec<Option<NaiveDate>> = (0..n)
        .map(|_| {
            let cut = if rng.next(2) == 0 { 2003 } else { 1971 };
            (rng.next(12) != 0).then(|| {
                day(&format!("{cut}-01-01")) + chrono::Days::new(rng.next(3 * 365) as u64)
                    - chrono::Days::new(365)
            })
        })
        .collect();
    let rows = persons(
        n,
        |i| units[(i % 2) as usize].clone(),
        |i| born[i as usize - 1],
    );
    store.bulk_persons(&rows, NOW).await.unwrap();
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let products = [
        Product::Pfizer,
        Product::AstraZeneca,
        Product::Janssen,
        Product::Abdala,
    ];
    // person -> dose number -> (product, day)
    let mut doses: BTreeMap<i64, BTreeMap<u8, (Product, NaiveDate)>> = BTreeMap::new();
    let mut items = Vec::new();
    for p in 1..=n {
        let product = products[rng.next(4) as usize];
        let mut on = day("2021-06-01") + chrono::Days::new(rng.next(200) as u64);
        let skip_first = rng.next(6) == 0;
        for dose_no in 1..=rng.next(4) as u8 {
            if !(skip_first && dose_no == 1) {
                items.push(dose(&format!("{p}-{dose_no}"), p, product, dose_no, on));
                doses.entry(p).or_default().insert(dose_no, (product, on));
            }
            on = on + chrono::Days::new(20 + rng.next(60) as u64);
        }
    }
    for chunk in items.chunks(100) {
        let out = store.record_doses(&admin, chunk, NOW).await.unwrap();
        assert!(out.iter().all(|o| *o == ItemOutcome::Accepted), "{out:?}");
    }
    // Every twentieth person merged into the next: its doses move unless the kept person
    // has that dose number; the kept record takes its birth date if it had none.
    let mut merged = std::collections::BTreeSet::new();
    let mut birth: BTreeMap<i64, Option<NaiveDate>> =
        (1..=n).map(|p| (p, born[p as usize - 1])).collect();
    for d in (20..n).step_by(20) {
        let k = d + 1;
        store
            .merge_persons(&admin, PersonId(d), PersonId(k), NOW)
            .await
            .unwrap();
        merged.insert(d);
        let moved = doses.remove(&d).unwrap_or_default();
        let kept = doses.entry(k).or_default();
        for (no, x) in moved {
            kept.entry(no).or_insert(x);
        }
        let b = birth[&d];
        birth.entry(k).and_modify(|x| *x = x.or(b));
    }
    let unit_of = |p: i64| units[(p % 2) as usize].code.as_str().to_string();
    for recounted in [false, true] {
        if recounted {
            store.recount_vaccinations().await.unwrap();
        }
        for as_of in [
            "2021-06-15",
            "2021-08-01",
            "2021-10-15",
            "2022-01-01",
            "2022-03-31",
            "2023-06-30",
        ] {
            let as_of = day(as_of);
            let mut want: BTreeMap<String, (i64, i64, i64, i64, i64)> = BTreeMap::new();
            for p in (1..=n).filter(|p| !merged.contains(p)) {
                let Some(b) = birth[&p] else { continue };
                let age = age_on(b, as_of);
                let given = doses.get(&p).cloned().unwrap_or_default();
                let any = given.values().any(|(_, on)| *on <= as_of);
                let full = given
                    .iter()
                    .any(|(no, (pr, on))| *on <= as_of && *no == pr.primary_doses());
                let w = want.entry(unit_of(p)).or_default();
                if age >= 18 {
                    w.0 += 1;
                    w.1 += i64::from(any);
                    w.2 += i64::from(full);
                }
                if age >= 50 {
                    w.3 += 1;
                    w.4 += i64::from(full);
                }
            }
            let got: BTreeMap<String, (i64, i64, i64, i64, i64)> = coverage(&store, as_of)
                .await
                .iter()
                .map(|c| (c.unit_code.clone(), figures(c)))
                .collect();
            let want: BTreeMap<_, _> = want.into_iter().filter(|(_, w)| w.0 > 0).collect();
            assert_eq!(got, want, "on {as_of}, recounted: {recounted}");
            for (u, c) in &got {
                assert!(
                    c.2 <= c.1 && c.1 <= c.0 && c.4 <= c.3,
                    "{u} on {as_of}: {c:?}"
                );
            }
        }
    }
}

both_databases!(
    a_birthday_between_doses_counts_once_at_the_age_on_the_date,
    coverage_equals_a_plain_count_of_persons,
);

/// Doses stored before migration 0022 are counted by it as persons at their age on the date
/// asked, as a recount would.
async fn the_migration_counts_the_doses_already_there(db: store::testing::TestDb) {
    let store = &db.store;
    let u = unit(store, "00001").await;
    // 1: 17 at the first dose, 18 at the second; 2: only a second dose recorded.
    let births = ["2003-09-10", "1990-05-05"];
    // As the schema before migration 0024 holds them.
    crate::persons_before_0024(
        store,
        &persons(2, |_| u.clone(), |i| Some(day(births[i as usize - 1]))),
    )
    .await;
    let row = |person_id: i64, dose_no: i64, on: &str| DoseRow {
        person_id,
        dose_no,
        product: Product::Pfizer.as_str().into(),
        given_on: day(on),
        structure: Structure::S2021,
        unit_code: UnitCode::parse("00001").unwrap(),
    };
    let rows = [
        row(1, 1, "2021-09-01"),
        row(1, 2, "2021-10-01"),
        row(2, 2, "2021-10-01"),
    ];
    store.bulk_doses(&rows, NOW).await.unwrap();
    let report = store.migrate().await.unwrap();
    assert!(report
        .applied
        .iter()
        .any(|m| m == "0022_vaccinated_by_birth_year"));
    let got = coverage(store, day("2021-10-15")).await;
    assert_eq!(figures(&got[0]), (2, 2, 2, 0, 0));
    store.recount_vaccinations().await.unwrap();
    assert_eq!(coverage(store, day("2021-10-15")).await, got);
}

store::through_migration!(
    migration_0022,
    21,
    the_migration_counts_the_doses_already_there
);
