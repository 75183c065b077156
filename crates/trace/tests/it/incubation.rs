//! Clusters by transmission: an F1 exposure followed by the exposed case's onset within the
//! incubation window (`trace::clusters_by_incubation`).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use trace::{
    clusters, clusters_by_incubation, CaseOnset, CaseQuery, Contact, LinkRule, Reason, Traced,
};

const DAY: i64 = 86_400;

/// The 2–14 days of `data/policies/tracing.toml`, with every F1 venue co-presence allowed.
const RULE: LinkRule = LinkRule {
    incubation_min_s: 2 * DAY,
    incubation_max_s: 14 * DAY,
    venue_min_overlap_s: 0,
    incubation_typical_s: None,
};

/// A case with onset at `onset_s` and the window [onset − 2 d, onset + 5 d].
fn case(person: u32, onset_s: i64) -> CaseOnset {
    CaseOnset {
        query: CaseQuery {
            person,
            infectious_from_s: onset_s - 2 * DAY,
            infectious_to_s: onset_s + 5 * DAY,
            depth: 1,
        },
        onset_s,
    }
}

fn contact(person: u32, via: u32, reasons: Vec<Reason>) -> Contact {
    Contact {
        person,
        degree: 1,
        via,
        n_reasons: reasons.len() as u32,
        reasons,
        exposure_s: 1,
        first_exposure_s: 0,
        also_via: Vec::new(),
    }
}

fn venue(venue: u32, from_s: i64, overlap_s: i64) -> Reason {
    Reason::Venue {
        venue,
        from_s,
        to_s: from_s + overlap_s,
        overlap_s,
    }
}

fn tr(contacts: Vec<Contact>) -> Traced {
    Traced {
        contacts,
        truncated: false,
    }
}

fn members(c: &[trace::Cluster]) -> Vec<Vec<u32>> {
    c.iter().map(|c| c.members.clone()).collect()
}

#[test]
fn an_f1_is_linked_only_when_its_onset_follows_the_exposure_within_the_incubation() {
    // Case 1 (onset day 10) met 2, 3, 4 and 5 at venue 7 on day 9 for an hour. 2's onset is
    // 3 days later (inside 2..14), 3's a day later (too soon), 4's 20 days later (too late),
    // 5's exactly 2 and 14 days after the ends of the exposure (the bounds count).
    let t = 9 * DAY;
    let cases = [
        case(1, 10 * DAY),
        case(2, t + 3 * DAY),
        case(3, t + DAY),
        case(4, t + 20 * DAY),
        case(5, t + 3_600 + 14 * DAY),
        case(6, t + 2 * DAY),
    ];
    let at = venue(7, t, 3_600);
    let traced = [
        tr(vec![
            contact(2, 1, vec![at]),
            contact(3, 1, vec![at]),
            contact(4, 1, vec![at]),
            contact(5, 1, vec![at]),
            contact(6, 1, vec![at]),
        ]),
        tr(vec![]),
        tr(vec![]),
        tr(vec![]),
        tr(vec![]),
        tr(vec![]),
    ];
    let got = clusters_by_incubation(&cases, &traced, &RULE);
    assert_eq!(members(&got), vec![vec![1, 2, 5, 6]]);
    assert_eq!(got[0].venues, vec![7]);
    assert_eq!(
        got[0].edges.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        vec![(1, 2), (1, 5), (1, 6)]
    );
    // One second beyond either bound is out.
    let late = [case(1, 10 * DAY), case(2, t + 3_600 + 14 * DAY + 1)];
    let early = [case(1, 10 * DAY), case(2, t + 2 * DAY - 1)];
    let one = [tr(vec![contact(2, 1, vec![at])]), tr(vec![])];
    assert!(clusters_by_incubation(&late, &one, &RULE).is_empty());
    assert!(clusters_by_incubation(&early, &one, &RULE).is_empty());
    // The old rule links all of them.
    let old: Vec<CaseQuery> = cases.iter().map(|c| c.query).collect();
    assert_eq!(
        members(&clusters(&old, &traced)),
        vec![vec![1, 2, 3, 4, 5, 6]]
    );
}

#[test]
fn a_household_is_exposed_all_along_the_window_and_the_timing_gives_the_direction() {
    // 1 (onset day 10, window days 8..15) and 2 (onset day 14) share a household; each trace
    // lists the other. 2 can have caught it from 1 (exposure day 8..12); 1 cannot have caught
    // it from 2 (2's window opens on day 12, after 1's onset minus 2 days).
    let cases = [case(2, 14 * DAY), case(1, 10 * DAY)];
    let traced = [
        tr(vec![contact(1, 2, vec![Reason::Household])]),
        tr(vec![contact(2, 1, vec![Reason::Household])]),
    ];
    let got = clusters_by_incubation(&cases, &traced, &RULE);
    assert_eq!(members(&got), vec![vec![1, 2]]);
    assert_eq!(got[0].edges, vec![(1, 2, Reason::Household)]);
    assert!(got[0].venues.is_empty());
    // Onsets a day apart: neither can be the other's infection (incubation ≥ 2 days)...
    let close = [case(1, 10 * DAY), case(2, 11 * DAY)];
    let both = [
        tr(vec![contact(2, 1, vec![Reason::Household])]),
        tr(vec![contact(1, 2, vec![Reason::Household])]),
    ];
    // ... except that 1's window opened 2 days before its onset: day 8 to day 11 is 3 days.
    let got = clusters_by_incubation(&close, &both, &RULE);
    assert_eq!(got[0].edges, vec![(1, 2, Reason::Household)]);
    // A declared contact is one moment.
    let declared = Reason::Declared {
        t_s: 10 * DAY,
        setting: 0,
    };
    let d = [tr(vec![contact(2, 1, vec![declared])]), tr(vec![])];
    assert!(clusters_by_incubation(&close, &d, &RULE).is_empty());
    let later = [case(1, 10 * DAY), case(2, 13 * DAY)];
    assert_eq!(clusters_by_incubation(&later, &d, &RULE).len(), 1);
}

#[test]
fn sharing_a_venue_without_an_f1_relation_does_not_link() {
    // 1 and 2 were both infectious at venue 9 half a day apart, each exposing others (90, 91),
    // never each other: one cluster for the old rule, none for the new.
    let cases = [case(1, 10 * DAY), case(2, 13 * DAY)];
    let traced = [
        tr(vec![contact(90, 1, vec![venue(9, 9 * DAY, 3_600)])]),
        tr(vec![contact(
            91,
            2,
            vec![venue(9, 9 * DAY + 43_200, 3_600)],
        )]),
    ];
    let old: Vec<CaseQuery> = cases.iter().map(|c| c.query).collect();
    assert_eq!(members(&clusters(&old, &traced)), vec![vec![1, 2]]);
    assert!(clusters_by_incubation(&cases, &traced, &RULE).is_empty());
}

#[test]
fn venue_links_can_require_a_longer_overlap_or_be_left_out() {
    let cases = [case(1, 10 * DAY), case(2, 13 * DAY), case(3, 13 * DAY)];
    let traced = [
        tr(vec![
            contact(2, 1, vec![venue(7, 9 * DAY, 1_800)]),
            contact(3, 1, vec![venue(7, 9 * DAY, 1_800), Reason::Household]),
        ]),
        tr(vec![]),
        tr(vec![]),
    ];
    let long = LinkRule {
        venue_min_overlap_s: 3_600,
        ..RULE
    };
    let got = clusters_by_incubation(&cases, &traced, &long);
    assert_eq!(members(&got), vec![vec![1, 3]]);
    assert_eq!(got[0].edges, vec![(1, 3, Reason::Household)]);
    let none = LinkRule {
        venue_min_overlap_s: i64::MAX,
        ..RULE
    };
    assert_eq!(
        members(&clusters_by_incubation(&cases, &traced, &none)),
        vec![vec![1, 3]]
    );
    assert_eq!(
        members(&clusters_by_incubation(&cases, &traced, &RULE)),
        vec![vec![1, 2, 3]]
    );
}

#[test]
fn clusters_do_not_depend_on_the_order_of_the_cases() {
    for seed in 0..300u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let n: u32 = rng.gen_range(2..25);
        let cases: Vec<CaseOnset> = (0..n)
            .map(|p| case(p, rng.gen_range(0..30) * DAY + rng.gen_range(0..DAY)))
            .collect();
        let traced: Vec<Traced> = cases
            .iter()
            .map(|c| {
                let k = rng.gen_range(0..5);
                tr((0..k)
                    .map(|_| {
                        let other = rng.gen_range(0..n + 3);
                        let reason = match rng.gen_range(0..3) {
                            0 => Reason::Household,
                            1 => Reason::Declared {
                                t_s: c.onset_s + rng.gen_range(-2 * DAY..5 * DAY),
                                setting: 0,
                            },
                            // Inside the window, as the trace gives it.
                            _ => venue(
                                rng.gen_range(0..4),
                                c.onset_s + rng.gen_range(-2 * DAY..5 * DAY - 7_200),
                                rng.gen_range(0..7_200),
                            ),
                        };
                        contact(other, c.query.person, vec![reason])
                    })
                    .collect())
            })
            .collect();
        let one = LinkRule {
            incubation_typical_s: Some(5 * DAY),
            ..RULE
        };
        let want = clusters_by_incubation(&cases, &traced, &RULE);
        let want_one = clusters_by_incubation(&cases, &traced, &one);
        let mut pairs: Vec<(CaseOnset, Traced)> = cases.into_iter().zip(traced).collect();
        pairs.shuffle(&mut rng);
        let (cases, traced): (Vec<CaseOnset>, Vec<Traced>) = pairs.into_iter().unzip();
        let got = clusters_by_incubation(&cases, &traced, &RULE);
        assert_eq!(got, want, "seed {seed}");
        let got_one = clusters_by_incubation(&cases, &traced, &one);
        assert_eq!(got_one, want_one, "seed {seed}");
        // One source per case: a forest, each case the target of at most one edge.
        let mut targets: Vec<u32> = got_one
            .iter()
            .flat_map(|c| c.edges.iter().map(|e| e.1))
            .collect();
        let n_edges = targets.len();
        targets.sort_unstable();
        targets.dedup();
        assert_eq!(targets.len(), n_edges, "seed {seed}");
        for c in &got_one {
            assert_eq!(c.edges.len() + 1, c.members.len(), "seed {seed}: a tree");
        }
        // Every edge joins two members of its cluster and points forward in the timing the
        // rule allows: the target's onset within the incubation after the source's window
        // opened.
        for c in &got {
            for &(from, to, _) in &c.edges {
                assert!(c.members.binary_search(&from).is_ok());
                assert!(c.members.binary_search(&to).is_ok());
                let (src, dst) = (
                    cases.iter().find(|x| x.query.person == from).unwrap(),
                    cases.iter().find(|x| x.query.person == to).unwrap(),
                );
                assert!(dst.onset_s - src.query.infectious_to_s <= RULE.incubation_max_s);
                assert!(dst.onset_s - src.query.infectious_from_s >= RULE.incubation_min_s);
            }
        }
    }
}

#[test]
fn one_source_per_case_keeps_the_likeliest() {
    // 4 (onset day 12) could have caught it from 1 (household), from 2 (venue, day 9: 3 days
    // before) or from 3 (venue, day 4: 8 days before). With one source per case: 1. Without
    // the household: 2, whose exposure is nearer the typical 5 days (|3 − 5| < |8 − 5|).
    let one = LinkRule {
        incubation_typical_s: Some(5 * DAY),
        ..RULE
    };
    let cases = [
        case(1, 10 * DAY),
        case(2, 10 * DAY),
        case(3, 6 * DAY),
        case(4, 12 * DAY),
    ];
    let with_household = [
        tr(vec![contact(4, 1, vec![Reason::Household])]),
        tr(vec![contact(4, 2, vec![venue(7, 9 * DAY, 3_600)])]),
        tr(vec![contact(4, 3, vec![venue(8, 4 * DAY - 3_600, 3_600)])]),
        tr(vec![]),
    ];
    let got = clusters_by_incubation(&cases, &with_household, &one);
    assert_eq!(members(&got), vec![vec![1, 4]]);
    assert_eq!(got[0].edges, vec![(1, 4, Reason::Household)]);
    let venues_only = [
        tr(vec![]),
        with_household[1].clone(),
        with_household[2].clone(),
        tr(vec![]),
    ];
    let got = clusters_by_incubation(&cases, &venues_only, &one);
    assert_eq!(members(&got), vec![vec![2, 4]]);
    assert_eq!(got[0].venues, vec![7]);
    // Every fitting link: all of them.
    assert_eq!(
        members(&clusters_by_incubation(&cases, &with_household, &RULE)),
        vec![vec![1, 2, 3, 4]]
    );
}
