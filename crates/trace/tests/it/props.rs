//! Properties on random worlds. Each case is a seed: a failure names it, and
//! `TRACE_SEED=<seed>` reruns just that one.

use std::collections::BTreeSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use trace::{Index, Live, Rules, Traced};

use crate::naive;
use crate::world::World;

const CASES: u64 = 1500;
const QUERIES: usize = 8;

fn seeds() -> Vec<u64> {
    match std::env::var("TRACE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (0..CASES).collect(),
    }
}

/// Builds the same check-ins as a series of additions to an empty index.
fn incremental(w: &World, rng: &mut StdRng) -> Index {
    let mut index = Index::build(&[], 0, 0).unwrap();
    let mut rest = &w.visits[..];
    while !rest.is_empty() {
        let n = rng.gen_range(1..=rest.len().min(40));
        index = index.with_added(&rest[..n]).unwrap();
        rest = &rest[n..];
    }
    index
}

#[test]
fn engine_equals_the_definition() {
    let mut nonempty = 0;
    for seed in seeds() {
        let mut rng = StdRng::seed_from_u64(seed);
        let w = World::random(&mut rng);
        let mut built = w.links();
        let mut piecewise = w.links();
        piecewise.index = incremental(&w, &mut rng);
        assert_eq!(piecewise.index.len(), w.visits.len());
        for _ in 0..QUERIES {
            let q = w.query(&mut rng);
            let want = naive::trace(&w, &q, usize::MAX);
            let got = built.trace(&w.rules, &q);
            assert_eq!(got, want, "seed {seed}, {q:?}, rules {:?}", w.rules);
            let got = piecewise.trace(&w.rules, &q);
            assert_eq!(got, want, "seed {seed} (added piecewise), {q:?}");
            nonempty += usize::from(!want.contacts.is_empty());
        }
        built.index = Index::default();
        drop(built);
    }
    // A generator that never produced contacts would make this test vacuous.
    if std::env::var("TRACE_SEED").is_err() {
        assert!(nonempty > (CASES as usize * QUERIES) / 3, "{nonempty}");
    }
}

#[test]
fn batch_equals_sequential() {
    for seed in seeds().into_iter().take(100) {
        let mut rng = StdRng::seed_from_u64(seed);
        let w = World::random(&mut rng);
        let b = w.links();
        let qs: Vec<_> = (0..50).map(|_| w.query(&mut rng)).collect();
        let one_by_one: Vec<Traced> = qs
            .iter()
            .map(|q| trace::trace(&b.index, &w.rules, &b.households, &b.declared, q))
            .collect();
        let batch = trace::trace_batch(&b.index, &w.rules, &b.households, &b.declared, &qs);
        assert_eq!(batch, one_by_one, "seed {seed}");
    }
}

#[test]
fn max_rows_keeps_the_best_rows_and_says_so() {
    for seed in seeds().into_iter().take(200) {
        let mut rng = StdRng::seed_from_u64(seed);
        let w = World::random(&mut rng);
        let b = w.links();
        for _ in 0..QUERIES {
            let q = w.query(&mut rng);
            let full = b.trace(&w.rules, &q);
            if full.contacts.is_empty() {
                continue;
            }
            let max_rows = rng.gen_range(0..full.contacts.len());
            let rules = Rules {
                max_rows,
                ..w.rules.clone()
            };
            let cut = b.trace(&rules, &q);
            assert!(cut.truncated, "seed {seed}");
            assert_eq!(
                cut.contacts[..],
                full.contacts[..max_rows],
                "seed {seed}, {q:?}"
            );
            let exact = Rules {
                max_rows: full.contacts.len(),
                ..w.rules.clone()
            };
            assert_eq!(
                b.trace(&exact, &q),
                full,
                "seed {seed}: exactly enough rows"
            );
        }
    }
}

#[test]
fn max_frontier_traces_the_most_exposed_f1s_onward() {
    let mut cut_seen = 0;
    for seed in seeds().into_iter().take(200) {
        let mut rng = StdRng::seed_from_u64(seed);
        let w = World::random(&mut rng);
        let b = w.links();
        for _ in 0..QUERIES {
            let mut q = w.query(&mut rng);
            q.depth = 2;
            let frontier = rng.gen_range(0..4);
            let rules = Rules {
                max_frontier: frontier,
                ..w.rules.clone()
            };
            let want = naive::trace(&w, &q, frontier);
            assert_eq!(b.trace(&rules, &q), want, "seed {seed}, {q:?}");
            cut_seen += usize::from(want.truncated);
        }
    }
    assert!(
        cut_seen > 50 || std::env::var("TRACE_SEED").is_ok(),
        "{cut_seen}"
    );
}

#[test]
fn max_scanned_bounds_the_work_and_says_so() {
    let mut cut_seen = 0;
    for seed in seeds().into_iter().take(200) {
        let mut rng = StdRng::seed_from_u64(seed);
        let w = World::random(&mut rng);
        let b = w.links();
        for _ in 0..QUERIES {
            let q = w.query(&mut rng);
            let full = b.trace(&w.rules, &q);
            let rules = Rules {
                max_scanned: rng.gen_range(0..20),
                ..w.rules.clone()
            };
            let cut = b.trace(&rules, &q);
            if cut == full {
                continue;
            }
            cut_seen += 1;
            assert!(cut.truncated, "seed {seed}, {q:?}");
            let everyone: BTreeSet<_> = full.contacts.iter().map(|c| c.person).collect();
            assert!(cut.contacts.iter().all(|c| everyone.contains(&c.person)));
            assert!(cut.contacts.len() <= full.contacts.len());
        }
    }
    assert!(
        cut_seen > 50 || std::env::var("TRACE_SEED").is_ok(),
        "{cut_seen}"
    );
}

#[test]
fn live_snapshots_keep_their_answers_and_additions_equal_a_fresh_build() {
    for seed in seeds().into_iter().take(100) {
        let mut rng = StdRng::seed_from_u64(seed);
        let w = World::random(&mut rng);
        let b = w.links();
        let split = rng.gen_range(0..=w.visits.len());
        let first = World {
            visits: w.visits[..split].to_vec(),
            ..w.clone()
        };
        let live = Live::new(Index::build(&first.visits, w.n_people, w.n_venues).unwrap());
        let before = live.snapshot();
        let mut rest = &w.visits[split..];
        while !rest.is_empty() {
            let n = rng.gen_range(1..=rest.len());
            live.add(&rest[..n]).unwrap();
            rest = &rest[n..];
        }
        let after = live.snapshot();
        assert_eq!(after.len(), w.visits.len());
        assert_eq!(before.len(), split);
        for _ in 0..QUERIES {
            let q = w.query(&mut rng);
            let tracer = |index: &Index| {
                trace::Tracer::new(index, &w.rules, &b.households, &b.declared)
                    .with_isolation(&b.isolation)
                    .trace(&q)
            };
            assert_eq!(tracer(&after), b.trace(&w.rules, &q), "seed {seed}");
            assert_eq!(
                tracer(&before),
                naive::trace(&first, &q, usize::MAX),
                "seed {seed}"
            );
        }
        for p in 0..w.n_people {
            let mut want: Vec<_> = w.visits.iter().filter(|v| v.person == p).copied().collect();
            want.sort_by_key(|v| (v.t_in_s, v.t_out_s, v.venue));
            assert_eq!(after.visits_of(p).collect::<Vec<_>>(), want, "seed {seed}");
        }
    }
}

/// Moving one person's check-ins to another (a merged duplicate) answers as an index built
/// afresh from the moved check-ins, whatever levels the additions left.
#[test]
fn a_merged_persons_checkins_move_as_a_fresh_build_would_have_them() {
    for seed in seeds().into_iter().take(200) {
        let mut rng = StdRng::seed_from_u64(seed);
        let w = World::random(&mut rng);
        if w.n_people < 2 {
            continue;
        }
        let from = rng.gen_range(0..w.n_people);
        let to = rng.gen_range(0..w.n_people);
        let live = Live::new(incremental(&w, &mut rng));
        live.move_person(from, to).unwrap();
        let moved = World {
            visits: w
                .visits
                .iter()
                .map(|v| {
                    let mut v = *v;
                    if v.person == from {
                        v.person = to;
                    }
                    v
                })
                .collect(),
            ..w.clone()
        };
        let after = live.snapshot();
        assert_eq!(after.len(), w.visits.len(), "seed {seed}");
        if from != to {
            assert_eq!(after.visits_of(from).count(), 0, "seed {seed}");
        }
        let b = moved.links();
        for _ in 0..QUERIES {
            let q = moved.query(&mut rng);
            let got = trace::Tracer::new(&after, &moved.rules, &b.households, &b.declared)
                .with_isolation(&b.isolation)
                .trace(&q);
            assert_eq!(got, naive::trace(&moved, &q, usize::MAX), "seed {seed}");
        }
    }
}
