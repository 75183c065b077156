//! The tallies the triggers keep (migration 0012) agree with a plain count of the rows, after
//! bulk loads, status changes and traced contacts, on both databases and within a scope.

use std::collections::{BTreeMap, HashMap};

use domain::contact::ContactStatus;
use domain::epi::{CaseStatus, Severity};
use domain::{CaseId, Role, Scope, Structure};
use store::{both_databases, CaseRow, ContactRow, Residence, StatusUpdate, Store};

use crate::{caller, persons, unit, NOW};

/// Persons 1..=n, each in the unit and with the birth date their id is given.
/// A case as the test knows it: (unit index, status, severity, confirmed at).
type Truth = (usize, CaseStatus, Severity, i64);

const SEVERITIES: [Severity; 3] = [Severity::Mild, Severity::Moderate, Severity::Severe];

async fn tallies_agree_with_the_rows(store: Store) {
    let units = [unit(&store, "00001").await, unit(&store, "00004").await];
    let persons = persons(40, |i| units[(i % 2) as usize].clone(), |_| None);
    store.bulk_persons(&persons, NOW).await.unwrap();
    // 30 cases over 12 days, in both communes, of several statuses and severities; some
    // confirmed just before and after a local midnight.
    let today = store::local_day(NOW);
    let cases: Vec<CaseRow> = (1..=30)
        .map(|i: i64| {
            let confirmed = store::local_day_start_s(today - i % 12) + (i * 3_517) % 86_400;
            CaseRow {
                id: i,
                person_id: i,
                unit: units[(i % 2) as usize].clone(),
                status: match i % 5 {
                    0 => CaseStatus::Recovered,
                    1 if i > 20 => CaseStatus::Died,
                    _ => CaseStatus::Active,
                },
                severity: SEVERITIES[(i % 3) as usize],
                onset_s: None,
                first_sample_s: confirmed - 3_600,
                confirmed_at_s: confirmed.min(NOW),
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }
        })
        .collect();
    store.bulk_cases(&cases, NOW).await.unwrap();
    let mut truth: HashMap<i64, Truth> = cases
        .iter()
        .map(|c| {
            (
                c.id,
                ((c.id % 2) as usize, c.status, c.severity, c.confirmed_at_s),
            )
        })
        .collect();

    // Status and severity changes move cases between tallies.
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    for (id, status, severity) in [
        (2, CaseStatus::Recovered, Severity::Mild),
        (3, CaseStatus::Active, Severity::Critical),
        (4, CaseStatus::Died, Severity::Critical),
        (6, CaseStatus::Active, Severity::Mild),
    ] {
        let change = StatusUpdate {
            status,
            severity,
            isolation_s: None,
            note: None,
            at_s: NOW,
        };
        assert!(store
            .update_case_status(&admin, CaseId(id), &change, NOW)
            .await
            .unwrap());
        let t = truth.get_mut(&id).unwrap();
        t.1 = status;
        t.2 = severity;
    }

    // Contacts of case 1: in quarantine until earlier today, later today, later days; one
    // under monitoring only.
    let residences: HashMap<i64, Residence> = (31..=40)
        .map(|p| {
            let u = &units[(p % 2) as usize];
            (
                p,
                Residence {
                    structure: u.structure,
                    unit_code: u.code.to_string(),
                    unit_path: u.path.clone(),
                },
            )
        })
        .collect();
    let until = [
        Some(NOW - 60),
        Some(NOW + 60),
        Some(store::local_day_start_s(today + 1) - 1),
        Some(store::local_day_start_s(today + 1)),
        Some(NOW + 3 * 86_400),
        Some(NOW + 9 * 86_400),
        None,
        Some(NOW + 86_400),
        Some(NOW + 2 * 86_400),
        Some(NOW + 5),
    ];
    let rows: Vec<ContactRow> = (31..=40)
        .zip(until)
        .map(|(p, until)| ContactRow {
            person_id: p,
            degree: 1,
            via_person_id: 1,
            first_exposure_s: NOW - 86_400,
            exposure_s: 3_600,
            reasons: Vec::new(),
            status: if p == 38 {
                ContactStatus::Monitor
            } else {
                ContactStatus::Quarantine
            },
            quarantine_from_s: until.map(|_| NOW - 86_400),
            quarantine_until_s: until,
            follow_up_until_s: until,
            test_days: "1,7".into(),
            policy: "test".into(),
        })
        .collect();
    store
        .persist_contacts(&admin, CaseId(1), &rows, &residences, NOW)
        .await
        .unwrap();

    for (scope, units_in) in [
        (Scope::everything(), vec![0, 1]),
        (
            Scope::of([(Structure::S2021, units[1].path.clone())]),
            vec![1],
        ),
    ] {
        let counts = store
            .case_counts(&scope, Structure::S2021, NOW)
            .await
            .unwrap();
        let mine: Vec<_> = truth.values().filter(|t| units_in.contains(&t.0)).collect();
        let count = |f: &dyn Fn(&&&Truth) -> bool| mine.iter().filter(f).count() as i64;
        assert_eq!(counts.active, count(&|t| t.1 == CaseStatus::Active));
        assert_eq!(counts.recovered, count(&|t| t.1 == CaseStatus::Recovered));
        assert_eq!(counts.died, count(&|t| t.1 == CaseStatus::Died));
        assert_eq!(counts.new_today, count(&|t| store::local_day(t.3) == today));
        assert_eq!(counts.new_7d, count(&|t| store::local_day(t.3) > today - 7));
        let mut by_severity: BTreeMap<String, i64> = BTreeMap::new();
        for t in mine.iter().filter(|t| t.1 == CaseStatus::Active) {
            *by_severity.entry(t.2.as_str().to_string()).or_default() += 1;
        }
        let got: BTreeMap<String, i64> = counts.active_by_severity.iter().cloned().collect();
        assert_eq!(got, by_severity);
        let quarantined = rows
            .iter()
            .filter(|r| {
                r.status == ContactStatus::Quarantine
                    && r.quarantine_until_s.is_some_and(|u| u > NOW)
                    && units_in.contains(&((r.person_id % 2) as usize))
            })
            .count() as i64;
        assert_eq!(counts.f1_in_quarantine, quarantined);

        // The curve and the map: per day and per unit over the last 12 days.
        let first =
            chrono::DateTime::UNIX_EPOCH.date_naive() + chrono::Days::new((today - 11) as u64);
        let last = chrono::DateTime::UNIX_EPOCH.date_naive() + chrono::Days::new(today as u64);
        let daily = store
            .daily_case_counts(&scope, Structure::S2021, first, last)
            .await
            .unwrap();
        let mut want = vec![0_i64; 12];
        for t in &mine {
            want[(store::local_day(t.3) - (today - 11)) as usize] += 1;
        }
        assert_eq!(daily, want);
        let mut by_unit = store
            .cases_by_unit(&scope, Structure::S2021, first, last)
            .await
            .unwrap();
        by_unit.sort();
        let mut want: BTreeMap<String, i64> = BTreeMap::new();
        for t in &mine {
            *want.entry(units[t.0].code.to_string()).or_default() += 1;
        }
        assert_eq!(by_unit, want.into_iter().collect::<Vec<_>>());
    }
}

both_databases!(tallies_agree_with_the_rows);

/// Migration 0012 on a database that already holds cases and contacts: the tallies start
/// from what is there.
async fn tallies_start_from_the_rows_already_there(db: store::testing::TestDb) {
    let store = &db.store;
    let units = [unit(store, "00001").await, unit(store, "00004").await];
    let persons = persons(6, |i| units[(i % 2) as usize].clone(), |_| None);
    // As the schema before migration 0024 holds them.
    crate::persons_before_0024(store, &persons).await;
    let today = store::local_day(NOW);
    let cases: Vec<CaseRow> = (1..=5)
        .map(|i: i64| CaseRow {
            id: i,
            person_id: i,
            unit: units[(i % 2) as usize].clone(),
            status: if i == 5 {
                CaseStatus::Recovered
            } else {
                CaseStatus::Active
            },
            severity: Severity::Mild,
            onset_s: None,
            first_sample_s: NOW - i * 86_400 - 60,
            confirmed_at_s: NOW - i * 86_400,
            isolation_s: None,
            community: true,
            outcome_at_s: None,
        })
        .collect();
    // Written as rows of the schema of migration 11: `bulk_cases` also counts the change in
    // `data_versions`, a later table.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for c in &cases {
        sqlx::query(
            "INSERT INTO cases (id, person_id, structure, unit_code, unit_path, status, severity,
                                onset_s, first_sample_s, confirmed_at_s, isolation_s, community,
                                outcome_at_s, created_at_s, updated_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, NULL, $10, NULL, $11, $11)",
        )
        .bind(c.id)
        .bind(c.person_id)
        .bind(c.unit.structure.as_str())
        .bind(c.unit.code.as_str())
        .bind(c.unit.path.as_str())
        .bind(c.status.as_str())
        .bind(c.severity.as_str())
        .bind(c.first_sample_s)
        .bind(c.confirmed_at_s)
        .bind(i64::from(c.community))
        .bind(NOW)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(&format!(
        "INSERT INTO contacts (case_id, person_id, degree, via_person_id, first_exposure_s,
                               exposure_s, reasons, status, quarantine_from_s, quarantine_until_s,
                               test_days, policy, structure, unit_code, unit_path, created_at_s)
         VALUES (1, 6, 1, 1, 0, 60, '[]', 'quarantine', 0, {}, '', 'x', '2021', '00004', '{}', 0)",
        NOW + 3 * 86_400,
        units[0].path.as_str()
    ))
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let report = store.migrate().await.unwrap();
    assert_eq!(
        report.applied.first().map(String::as_str),
        Some("0012_tallies")
    );
    let counts = store
        .case_counts(&Scope::everything(), Structure::S2021, NOW)
        .await
        .unwrap();
    assert_eq!((counts.active, counts.recovered), (4, 1));
    assert_eq!(counts.new_7d, 5);
    assert_eq!(counts.new_today, 0);
    assert_eq!(counts.f1_in_quarantine, 1);
    let first = chrono::DateTime::UNIX_EPOCH.date_naive() + chrono::Days::new((today - 2) as u64);
    let daily = store
        .daily_case_counts(&Scope::everything(), Structure::S2021, first, first)
        .await
        .unwrap();
    assert_eq!(daily, vec![1]);

    // Deletions are counted out too.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for sql in [
        "DELETE FROM contacts",
        "DELETE FROM case_status_history WHERE case_id = 5",
        "DELETE FROM cases WHERE id = 5",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let counts = store
        .case_counts(&Scope::everything(), Structure::S2021, NOW)
        .await
        .unwrap();
    assert_eq!((counts.active, counts.recovered, counts.new_7d), (4, 0, 4));
    assert_eq!(counts.f1_in_quarantine, 0);
}

store::through_migration!(
    tallies_migration,
    11,
    tallies_start_from_the_rows_already_there
);

/// Migration 0030 counts the contacts already there by follow-up status, and stops counting
/// in quarantine those whose follow-up already ended.
async fn follow_tallies_start_from_the_contacts_there(db: store::testing::TestDb) {
    use store::testing::{execute, scalar};
    let store = &db.store;
    let u = unit(store, "00001").await;
    store
        .bulk_persons(&persons(4, |_| u.clone(), |_| None), NOW)
        .await
        .unwrap();
    let case = CaseRow {
        id: 1,
        person_id: 1,
        unit: u.clone(),
        status: CaseStatus::Active,
        severity: Severity::Mild,
        onset_s: None,
        first_sample_s: NOW - 86_400,
        confirmed_at_s: NOW - 86_400,
        isolation_s: None,
        community: true,
        outcome_at_s: None,
    };
    store.bulk_cases(&[case], NOW).await.unwrap();
    for (person, follow) in [(2, "in_quarantine"), (3, "released"), (4, "became_case")] {
        execute(
            store,
            &format!(
                "INSERT INTO contacts (case_id, person_id, degree, via_person_id, first_exposure_s,
                                       exposure_s, reasons, status, quarantine_from_s,
                                       quarantine_until_s, test_days, policy, structure, unit_code,
                                       unit_path, created_at_s, follow_status)
                 VALUES (1, {person}, 1, 1, {from}, 900, '[]', 'quarantine', {from}, {until},
                         '1,7', '5599/BYT-MT', '2021', '{code}', '{path}', {NOW}, '{follow}')",
                from = NOW - 86_400,
                until = NOW + 6 * 86_400,
                code = u.code.as_str(),
                path = u.path.as_str(),
            ),
        )
        .await;
    }
    let tallied = "SELECT CAST(SUM(n) AS BIGINT) FROM quarantine_ends";
    assert_eq!(
        scalar(store, tallied).await,
        3,
        "before: every quarantine counted"
    );
    store.migrate().await.unwrap();
    assert_eq!(scalar(store, tallied).await, 1);
    let counts = store
        .case_counts(&Scope::everything(), Structure::S2021, NOW)
        .await
        .unwrap();
    assert_eq!(counts.f1_in_quarantine, 1);
    let follow: Vec<(i64, &str, i64)> = store
        .follow_counts(&Scope::everything(), Structure::S2021)
        .await
        .unwrap()
        .iter()
        .map(|c| (c.degree, c.status.as_str(), c.n))
        .collect();
    assert_eq!(
        follow,
        [
            (1, "became_case", 1),
            (1, "in_quarantine", 1),
            (1, "released", 1)
        ]
    );
}

store::through_migration!(
    follow_tallies_migration,
    26,
    follow_tallies_start_from_the_contacts_there
);

/// Status changes racing in opposite directions between the same tallies all succeed (no
/// deadlock on PostgreSQL) and leave the tallies equal to the rows.
async fn racing_status_changes_keep_the_tallies(store: Store) {
    let unit = unit(&store, "00001").await;
    let persons = persons(16, |_| unit.clone(), |_| None);
    store.bulk_persons(&persons, NOW).await.unwrap();
    let cases: Vec<CaseRow> = (1..=16)
        .map(|i: i64| CaseRow {
            id: i,
            person_id: i,
            unit: unit.clone(),
            status: CaseStatus::Active,
            severity: if i % 2 == 0 {
                Severity::Mild
            } else {
                Severity::Severe
            },
            onset_s: None,
            first_sample_s: NOW - 7_200,
            confirmed_at_s: NOW - 3_600,
            isolation_s: None,
            community: true,
            outcome_at_s: None,
        })
        .collect();
    store.bulk_cases(&cases, NOW).await.unwrap();
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    // Each round swaps every case's severity: mild ↔ severe, all at once.
    for round in 0..3 {
        let tasks: Vec<_> = (1..=16_i64)
            .map(|i| {
                let (store, admin) = (store.clone(), admin.clone());
                let severity = if (i + round) % 2 == 0 {
                    Severity::Severe
                } else {
                    Severity::Mild
                };
                tokio::spawn(async move {
                    let change = StatusUpdate {
                        status: CaseStatus::Active,
                        severity,
                        isolation_s: None,
                        note: None,
                        at_s: NOW,
                    };
                    store
                        .update_case_status(&admin, CaseId(i), &change, NOW)
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().expect("no change fails"));
        }
        let counts = store
            .case_counts(&Scope::everything(), Structure::S2021, NOW)
            .await
            .unwrap();
        let by: BTreeMap<String, i64> = counts.active_by_severity.into_iter().collect();
        assert_eq!(by.get("mild"), Some(&8), "round {round}: {by:?}");
        assert_eq!(by.get("severe"), Some(&8), "round {round}: {by:?}");
        assert_eq!(counts.active, 16);
    }
}

both_databases!(racing_status_changes_keep_the_tallies);

/// Coverage's denominators (adults, 50 and over) from the birth tallies and the straddling
/// year equal a plain count of the residents, on dates around the cut, after merges and a
/// move.
async fn adults_are_counted_right_around_the_cut(db: store::testing::TestDb) {
    use chrono::{Datelike, NaiveDate};
    let store = &db.store;
    let units = [unit(store, "00001").await, unit(store, "00004").await];
    let first = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap();
    // Every 23 days from 1940 to 2012: each year's days before and after any cut.
    let births: Vec<NaiveDate> = (0..1_150)
        .map(|k| first + chrono::Days::new(23 * k))
        .collect();
    let persons = persons(
        births.len() as i64,
        |i| units[((i - 1) % 2) as usize].clone(),
        |i| Some(births[(i - 1) as usize]),
    );
    store.bulk_persons(&persons, NOW).await.unwrap();
    // Every tenth person merged into another record; person 2 moves to the other commune.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE persons SET merged_into = id - 1 WHERE id % 10 = 0")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE persons SET unit_code = $1, unit_path = $2 WHERE id = 2")
        .bind(units[0].code.as_str())
        .bind(units[0].path.as_str())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let unit_of = |k: usize| if k == 1 { 0 } else { k % 2 };
    let cut = |as_of: NaiveDate, years: i32| {
        as_of
            .with_year(as_of.year() - years)
            .unwrap_or_else(|| as_of - chrono::Days::new(365 * years as u64))
    };
    for as_of in [
        "2021-11-20",
        "2021-01-01",
        "2021-12-31",
        "2024-02-29",
        "1990-06-15",
    ] {
        let as_of: NaiveDate = as_of.parse().unwrap();
        let got = store
            .coverage_by_unit(
                &Scope::everything(),
                Structure::S2021,
                domain::UnitLevel::Commune,
                as_of,
            )
            .await
            .unwrap();
        for (u, unit) in units.iter().enumerate() {
            let alive: Vec<&NaiveDate> = births
                .iter()
                .enumerate()
                .filter(|(k, _)| (k + 1) % 10 != 0 && unit_of(*k) == u)
                .map(|(_, b)| b)
                .collect();
            let adults = alive.iter().filter(|b| ***b <= cut(as_of, 18)).count() as i64;
            let older = alive.iter().filter(|b| ***b <= cut(as_of, 50)).count() as i64;
            let c = got
                .iter()
                .find(|c| c.unit_code == unit.code.as_str())
                .unwrap_or_else(|| panic!("{} on {as_of}", unit.code));
            assert_eq!(
                (c.adults, c.high_risk),
                (adults, older),
                "{} on {as_of}",
                unit.code
            );
        }
    }
}

mod birth_tallies {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::adults_are_counted_right_around_the_cut(store::testing::sqlite().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(db) = store::testing::postgres().await else {
            return;
        };
        super::adults_are_counted_right_around_the_cut(db).await;
    }
}
