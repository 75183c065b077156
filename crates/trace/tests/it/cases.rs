//! Hand-made cases for the edges of the definitions, and input errors.

use trace::{
    Adjacency, CaseQuery, Declared, DeclaredContact, Index, Isolation, Reason, Rules, TraceError,
    Traced, Tracer, Visit, MAX_VISIT_S,
};

use crate::world::{MIN_S, T0_S};

fn at(min: i64) -> i64 {
    T0_S + min * MIN_S
}

fn v(person: u32, venue: u32, in_min: i64, out_min: i64) -> Visit {
    Visit {
        person,
        venue,
        t_in_s: at(in_min),
        t_out_s: at(out_min),
    }
}

fn q(person: u32, from_min: i64, to_min: i64, depth: u8) -> CaseQuery {
    CaseQuery {
        person,
        infectious_from_s: at(from_min),
        infectious_to_s: at(to_min),
        depth,
    }
}

fn run(visits: &[Visit], rules: &Rules, q: &CaseQuery) -> Traced {
    let index = Index::build(visits, 100, 10).unwrap();
    trace::trace(&index, rules, &Adjacency::empty(), &Declared::empty(), q)
}

fn people(t: &Traced, degree: u8) -> Vec<u32> {
    let mut p: Vec<u32> = t.degree(degree).map(|c| c.person).collect();
    p.sort_unstable();
    p
}

fn any_overlap() -> Rules {
    Rules {
        min_overlap_s: 0,
        ..Rules::default()
    }
}

#[test]
fn touching_check_ins_are_not_contacts_even_without_a_minimum() {
    let visits = [
        v(0, 0, 60, 120),
        v(1, 0, 120, 180),
        v(2, 0, 0, 60),
        v(3, 0, 119, 180),
    ];
    let t = run(&visits, &any_overlap(), &q(0, 0, 1000, 1));
    assert_eq!(people(&t, 1), [3]);
    assert_eq!(t.contacts[0].exposure_s, 60);
}

#[test]
fn overlap_is_counted_inside_the_infectious_window_only() {
    // Person 1 arrived long before the window opened; only the part inside counts.
    let visits = [v(1, 0, 0, 600), v(0, 0, 300, 330)];
    let t = run(&visits, &Rules::default(), &q(0, 310, 2000, 1));
    assert_eq!(
        t.contacts[0].reasons,
        [Reason::Venue {
            venue: 0,
            from_s: at(310),
            to_s: at(330),
            overlap_s: 20 * MIN_S,
        }]
    );
    assert_eq!(t.contacts[0].first_exposure_s, at(310));
    // 10 minutes inside the window is under the 15-minute minimum.
    let t = run(&visits, &Rules::default(), &q(0, 320, 2000, 1));
    assert!(t.contacts.is_empty());
}

#[test]
fn a_long_visit_is_found_behind_many_short_ones() {
    let mut visits = vec![v(1, 0, 0, 23 * 60), v(0, 0, 22 * 60, 22 * 60 + 30)];
    // Short visits of others all day, none near the F0, so that the long one is far back.
    visits.extend((0..600).map(|i| v(2 + (i % 90) as u32, 0, i, i + 5)));
    let t = run(&visits, &Rules::default(), &q(0, 0, 2000, 1));
    assert_eq!(people(&t, 1), [1]);
    assert_eq!(t.contacts[0].exposure_s, 30 * MIN_S);
}

#[test]
fn two_visits_of_the_f0_at_one_venue_give_two_reasons_judged_separately() {
    let visits = [v(0, 0, 60, 90), v(0, 0, 120, 150), v(1, 0, 0, 200)];
    let t = run(&visits, &Rules::default(), &q(0, 0, 1000, 1));
    let c = &t.contacts[0];
    assert_eq!((c.person, c.via, c.n_reasons), (1, 0, 2));
    assert_eq!(c.exposure_s, 60 * MIN_S);
    assert_eq!(c.first_exposure_s, at(60));
    // Each encounter is judged on its own: two 10-minute ones are not a 15-minute contact.
    let visits = [v(0, 0, 60, 70), v(0, 0, 120, 130), v(1, 0, 0, 200)];
    assert!(run(&visits, &Rules::default(), &q(0, 0, 1000, 1))
        .contacts
        .is_empty());
}

/// Issue #14: the same visit scanned twice (two devices) is one stay, so a contact with it
/// is one 35-minute encounter, not 30 + 30 minutes.
#[test]
fn a_visit_scanned_twice_is_one_stay() {
    // 10:00 is minute 600. The F0 (0) is there 10:00–11:00; person 1's two scans overlap.
    let visits = [v(0, 0, 600, 660), v(1, 0, 600, 630), v(1, 0, 605, 635)];
    let t = run(&visits, &Rules::default(), &q(0, 0, 2000, 1));
    let c = &t.contacts[0];
    assert_eq!((c.person, c.n_reasons), (1, 1));
    assert_eq!(
        c.exposure_s,
        35 * MIN_S,
        "one 35-minute visit, not 60 minutes"
    );
    assert_eq!(
        c.reasons,
        [Reason::Venue {
            venue: 0,
            from_s: at(600),
            to_s: at(635),
            overlap_s: 35 * MIN_S,
        }]
    );
    // The F0 scanned twice as well: still one encounter of 35 minutes.
    let visits = [
        v(0, 0, 600, 630),
        v(0, 0, 605, 635),
        v(1, 0, 600, 630),
        v(1, 0, 605, 635),
    ];
    let t = run(&visits, &Rules::default(), &q(0, 0, 2000, 1));
    assert_eq!(t.contacts[0].exposure_s, 35 * MIN_S);
    assert_eq!(t.contacts[0].n_reasons, 1);
}

#[test]
fn the_minimum_is_judged_on_the_whole_stay() {
    // Two overlapping scans of 10 and 11 minutes are one 16-minute stay: a contact.
    let visits = [v(0, 0, 600, 660), v(1, 0, 600, 610), v(1, 0, 605, 616)];
    let t = run(&visits, &Rules::default(), &q(0, 0, 2000, 1));
    assert_eq!(people(&t, 1), [1]);
    assert_eq!(t.contacts[0].exposure_s, 16 * MIN_S);
    // So are two touching ones (a check-out and a new check-in at the same minute), on
    // either side.
    let visits = [v(0, 0, 600, 608), v(0, 0, 608, 660), v(1, 0, 600, 616)];
    let t = run(&visits, &Rules::default(), &q(0, 0, 2000, 1));
    assert_eq!(people(&t, 1), [1]);
    assert_eq!(t.contacts[0].exposure_s, 16 * MIN_S);
    // Apart by a minute, they are two 8-minute encounters: none is a contact.
    let visits = [v(0, 0, 600, 660), v(1, 0, 600, 608), v(1, 0, 609, 617)];
    assert!(run(&visits, &Rules::default(), &q(0, 0, 2000, 1))
        .contacts
        .is_empty());
}

#[test]
fn a_venue_kind_overrides_the_minimum() {
    // Venue 0 is a restaurant (kind 1: unmasked, any overlap), venue 1 a shop (default).
    let rules = Rules {
        min_overlap_by_kind: vec![15 * MIN_S, 0],
        venue_kind: vec![1, 0],
        ..Rules::default()
    };
    let visits = [
        v(0, 0, 0, 5),
        v(1, 0, 0, 5),
        v(0, 1, 10, 15),
        v(2, 1, 10, 15),
    ];
    let t = run(&visits, &rules, &q(0, 0, 100, 1));
    assert_eq!(people(&t, 1), [1]);
}

#[test]
fn f2_runs_from_the_f1s_first_exposure_to_its_isolation() {
    let visits = [
        v(0, 0, 100, 160), // F0 meets 1 at venue 0
        v(1, 0, 100, 160),
        v(1, 1, 50, 90), // before 1's exposure: 2 is not an F2
        v(2, 1, 50, 90),
        v(1, 2, 300, 360), // after: 3 is an F2
        v(3, 2, 300, 360),
        v(1, 3, 3000, 3060), // after the default isolation (1 day): 4 is not
        v(4, 3, 3000, 3060),
        v(1, 4, 400, 460), // the F0 again with 1: never its own contact
        v(0, 4, 400, 460),
    ];
    let rules = Rules {
        f1_isolation_default_s: 1440 * MIN_S,
        ..Rules::default()
    };
    let index = Index::build(&visits, 10, 10).unwrap();
    let (h, d) = (Adjacency::empty(), Declared::empty());
    let t = trace::trace(&index, &rules, &h, &d, &q(0, 0, 200, 2));
    assert_eq!((people(&t, 1), people(&t, 2)), (vec![1], vec![3]));
    assert_eq!(t.contacts[1].via, 1);
    // Isolated at minute 330: the F2 contact at 300..360 is cut to 30 minutes.
    let isolation = Isolation::new(vec![(1, at(330))]);
    let t = Tracer::new(&index, &rules, &h, &d)
        .with_isolation(&isolation)
        .trace(&q(0, 0, 200, 2));
    assert_eq!(t.contacts[1].exposure_s, 30 * MIN_S);
    // Isolated before its exposure ended: nothing onward.
    let isolation = Isolation::new(vec![(1, at(100))]);
    let t = Tracer::new(&index, &rules, &h, &d)
        .with_isolation(&isolation)
        .trace(&q(0, 0, 200, 2));
    assert_eq!(people(&t, 2), Vec::<u32>::new());
}

#[test]
fn an_f1_is_not_repeated_as_f2_and_an_f2_keeps_its_best_via() {
    let visits = [
        v(0, 0, 0, 60),
        v(1, 0, 0, 60),
        v(2, 0, 0, 20), // 2 is an F1 (20 min) and also met 1 later: stays an F1
        v(1, 1, 100, 200),
        v(2, 1, 100, 200),
        v(5, 1, 100, 130), // 5 met 1 for 30 min, 2 for 30 + 90 min: via 2
        v(5, 2, 300, 390),
        v(2, 2, 300, 390),
    ];
    let t = run(&visits, &Rules::default(), &q(0, 0, 60, 2));
    assert_eq!((people(&t, 1), people(&t, 2)), (vec![1, 2], vec![5]));
    let f2 = t.degree(2).next().unwrap();
    assert_eq!(
        (f2.via, f2.exposure_s, f2.also_via.clone()),
        (2, 120 * MIN_S, vec![1])
    );
}

#[test]
fn households_and_declared_contacts_are_reasons_too() {
    let visits = [v(0, 0, 0, 60), v(1, 0, 0, 60)];
    let index = Index::build(&visits, 10, 10).unwrap();
    let households = Adjacency::from_groups(10, &[vec![0, 1, 2]]).unwrap();
    let declared = Declared::from_contacts(
        10,
        &[
            DeclaredContact {
                a: 3,
                b: 0,
                t_s: at(30),
                setting: 7,
            },
            DeclaredContact {
                a: 0,
                b: 4,
                t_s: at(5000),
                setting: 1,
            }, // outside the window
        ],
    )
    .unwrap();
    let t = trace::trace(
        &index,
        &Rules::default(),
        &households,
        &declared,
        &q(0, 0, 100, 1),
    );
    assert_eq!(people(&t, 1), [1, 2, 3]);
    let one = t.contacts.iter().find(|c| c.person == 1).unwrap();
    assert_eq!(one.reasons[0], Reason::Household);
    assert!(matches!(one.reasons[1], Reason::Venue { venue: 0, .. }));
    // A household member was exposed for the whole window, the most of anyone.
    assert_eq!(t.contacts[0].person, 1);
    assert_eq!(t.contacts[1].exposure_s, 100 * MIN_S);
    let three = t.contacts.iter().find(|c| c.person == 3).unwrap();
    assert_eq!(
        three.reasons,
        [Reason::Declared {
            t_s: at(30),
            setting: 7
        }]
    );
}

#[test]
fn bad_check_ins_are_refused_and_change_nothing() {
    let ok = v(0, 0, 0, 10);
    let cases = [
        (v(0, 0, 10, 10), "not after"),
        (v(5, 0, 0, 10), "person"),
        (v(0, 5, 0, 10), "venue"),
        (
            Visit {
                t_out_s: ok.t_in_s + MAX_VISIT_S + 1,
                ..ok
            },
            "too long",
        ),
        (
            Visit {
                t_in_s: -10,
                t_out_s: 10,
                ..ok
            },
            "time",
        ),
    ];
    for (bad, what) in cases {
        let err = Index::build(&[ok, bad], 5, 5).unwrap_err();
        let expected = match err {
            TraceError::NotAfter { at: 1, .. } => "not after",
            TraceError::PersonOutOfRange { at: 1, .. } => "person",
            TraceError::VenueOutOfRange { at: 1, .. } => "venue",
            TraceError::TooLong { at: 1, .. } => "too long",
            TraceError::TimeOutOfRange { at: 1, .. } => "time",
            ref other => panic!("{other:?}"),
        };
        assert_eq!(expected, what, "{err}");
    }
    let index = Index::build(&[ok], 5, 5).unwrap();
    assert!(index.with_added(&[ok, v(0, 0, 10, 5)]).is_err());
    // New people and venues may arrive with new check-ins.
    let grown = index.with_added(&[v(70, 80, 0, 10)]).unwrap();
    assert_eq!(
        (grown.len(), grown.n_people(), grown.n_venues()),
        (2, 71, 81)
    );
    assert_eq!(index.len(), 1);
    assert!(Adjacency::from_pairs(3, &[(0, 3)]).is_err());
    assert!(Adjacency::from_groups(5000, &[(0..2000).collect::<Vec<u32>>()]).is_err());
}

#[test]
fn bounds_on_depth_and_empty_windows() {
    let visits = [v(0, 0, 0, 60), v(1, 0, 0, 60)];
    assert!(run(&visits, &Rules::default(), &q(0, 0, 60, 0))
        .contacts
        .is_empty());
    assert!(run(&visits, &Rules::default(), &q(0, 60, 0, 1))
        .contacts
        .is_empty());
    assert_eq!(
        run(&visits, &Rules::default(), &q(0, 0, 60, 9))
            .contacts
            .len(),
        1
    );
}

#[test]
fn the_index_stays_under_24_bytes_per_check_in() {
    // Shaped like the target: 5 check-ins per person, 100 per venue.
    let n = 200_000u32;
    let visits: Vec<Visit> = (0..n)
        .map(|i| {
            let t = i64::from(i.wrapping_mul(2_654_435_761) % 30_000);
            v(i.wrapping_mul(7_919) % (n / 5), i % (n / 100), t, t + 45)
        })
        .collect();
    let index = Index::build(&visits, n / 5, n / 100).unwrap();
    let per = index.bytes() as f64 / f64::from(n);
    assert!(per <= 24.0, "{per} B per check-in");
    // Additions keep small levels sparse rather than paying for every person.
    let grown = index.with_added(&visits[..100]).unwrap();
    assert!(
        grown.bytes() - index.bytes() < 100 * 64,
        "{}",
        grown.bytes() - index.bytes()
    );
}
