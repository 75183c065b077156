//! The F1 definitions written in SQL (`Store::f1_by_sql`, the engine's checked peer, and
//! `Store::bench_f1`, the benchmark's): co-presence is between stays, a person's check-ins
//! at one venue with overlapping or touching ones merged (issue #14, item 6).

use domain::epi::{ScanMode, VenueKind};
use store::{both_databases, CheckinRow, Store, VenueRow};

use crate::{persons, unit, NOW};

const MIN: i64 = 60;
/// 10:00 on some day, the visits' reference.
const T10: i64 = NOW - NOW % 86_400 + 3 * 3600;
const MIN_OVERLAP: i64 = 15 * MIN;

fn at(min: i64) -> i64 {
    T10 + min * MIN
}

fn checkin(person_id: i64, venue_id: i64, from_min: i64, to_min: i64) -> CheckinRow {
    CheckinRow {
        client_id: None,
        person_id,
        venue_id,
        t_in_s: at(from_min),
        t_out_s: at(to_min),
        t_out_default: false,
        mode: ScanMode::SelfScan,
    }
}

async fn seed(store: &Store, n_persons: i64, n_venues: i64, checkins: &[CheckinRow]) {
    let u = unit(store, "00001").await;
    store
        .bulk_persons(&persons(n_persons, |_| u.clone(), |_| None), NOW)
        .await
        .unwrap();
    let venues: Vec<VenueRow> = (1..=n_venues)
        .map(|id| VenueRow {
            id,
            name: format!("Chợ {id}"),
            kind: VenueKind::Market,
            unit: u.clone(),
            address: None,
            capacity: None,
            open_min: 0,
            close_min: 1440,
            qr_payload: format!("CDV1:V:{id}"),
            synthetic: true,
        })
        .collect();
    store.bulk_venues(&venues, NOW).await.unwrap();
    store.bulk_checkins(checkins, NOW).await.unwrap();
}

/// The same rows in the benchmark's table.
async fn bench_copy(store: &Store, checkins: &[CheckinRow]) {
    store.bench_reset().await.unwrap();
    let rows: Vec<_> = checkins
        .iter()
        .map(|c| (c.person_id, c.venue_id, c.t_in_s, c.t_out_s))
        .collect();
    store.bench_load(&rows).await.unwrap();
    store.bench_index().await.unwrap();
}

async fn a_visit_scanned_twice_is_one_stay_in_sql(store: Store) {
    // The case (1) is at the market 10:00–11:00.
    let rows = [
        checkin(1, 1, 0, 60),
        // 2: two devices scanned one visit, 10 and 11 minutes: one 16-minute stay.
        checkin(2, 1, 0, 10),
        checkin(2, 1, 5, 16),
        // 3: two 8-minute visits a minute apart: two stays, neither long enough.
        checkin(3, 1, 0, 8),
        checkin(3, 1, 9, 17),
        // 4: a check-out and a new check-in at the same minute: one 16-minute stay.
        checkin(4, 1, 20, 28),
        checkin(4, 1, 28, 36),
        // 5: 10:00–10:30 and 10:05–10:35, the example, at another venue where the
        // case was scanned twice too (10:00–10:08 and 10:08–10:20): 20 minutes together.
        checkin(1, 2, 0, 8),
        checkin(1, 2, 8, 20),
        checkin(5, 2, 0, 30),
        checkin(5, 2, 5, 35),
    ];
    seed(&store, 5, 2, &rows).await;
    let want = vec![(2, at(0)), (4, at(20)), (5, at(0))];
    let got = store
        .f1_by_sql(1, at(-60), at(120), MIN_OVERLAP, &[])
        .await
        .unwrap();
    assert_eq!(got, want);
    bench_copy(&store, &rows).await;
    let got = store
        .bench_f1(1, at(-60), at(120), 86_400, MIN_OVERLAP)
        .await
        .unwrap();
    assert_eq!(got, want);
    // The window cuts stays before they are judged: from 10:05, person 2 has 11 minutes.
    let got = store
        .f1_by_sql(1, at(5), at(120), MIN_OVERLAP, &[])
        .await
        .unwrap();
    assert_eq!(got, vec![(4, at(20)), (5, at(5))]);
    store.bench_reset().await.unwrap();
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

/// The definition (every person's stays in the window, paired) and the engine's order of
/// work (the person's stays, then others' check-ins inside each) agree, on check-ins of
/// which many are scanned twice or touch the same person's previous one.
async fn the_two_sql_definitions_agree_on_duplicated_scans(store: Store) {
    let (people, venues) = (12, 3);
    let mut rng = Lcg(11);
    let mut rows: Vec<CheckinRow> = Vec::new();
    for _ in 0..300 {
        let person = 1 + rng.next(people);
        let venue = 1 + rng.next(venues);
        let from = rng.next(24 * 60 / 5) * 5;
        let mut row = checkin(person, venue, from, from + 5 + rng.next(60));
        if let (0..=2, Some(prev)) = (rng.next(10), rows.last()) {
            // The same visit scanned again, shifted, or the next one touching it.
            row.person_id = prev.person_id;
            row.venue_id = prev.venue_id;
            row.t_in_s = match rng.next(3) {
                0 => prev.t_out_s,
                _ => prev.t_in_s + rng.next(prev.t_out_s - prev.t_in_s),
            };
            row.t_out_s = row.t_in_s + MIN * (1 + rng.next(40));
        }
        rows.push(row);
    }
    seed(&store, people, venues, &rows).await;
    bench_copy(&store, &rows).await;
    let mut found = 0;
    for person in 1..=people {
        for (lo, hi) in [
            (-60, 25 * 60),
            (3 * 60, 9 * 60 + 7),
            (12 * 60, 12 * 60 + 20),
        ] {
            for min_s in [0, 10 * MIN, MIN_OVERLAP] {
                let defined = store
                    .f1_by_sql(person, at(lo), at(hi), min_s, &[])
                    .await
                    .unwrap();
                let engine_like = store
                    .bench_f1(person, at(lo), at(hi), 86_400, min_s)
                    .await
                    .unwrap();
                assert_eq!(
                    defined, engine_like,
                    "person {person}, [{lo}, {hi}], {min_s}"
                );
                found += defined.len();
            }
        }
    }
    assert!(found > 100, "too sparse to compare: {found}");
    store.bench_reset().await.unwrap();
}

both_databases!(
    a_visit_scanned_twice_is_one_stay_in_sql,
    the_two_sql_definitions_agree_on_duplicated_scans,
);
