//! Clusters: union-find over contact links and shared venues.

use trace::{clusters, clusters_with, CaseQuery, Contact, Reason, Traced};

fn case(person: u32, from_s: i64) -> CaseQuery {
    CaseQuery {
        person,
        infectious_from_s: from_s,
        infectious_to_s: from_s + 100_000,
        depth: 1,
    }
}

fn contact(person: u32, via: u32, reason: Reason) -> Contact {
    Contact {
        person,
        degree: 1,
        via,
        reasons: vec![reason],
        n_reasons: 1,
        exposure_s: 1,
        first_exposure_s: 0,
        also_via: Vec::new(),
    }
}

fn venue(venue: u32, from_s: i64) -> Reason {
    Reason::Venue {
        venue,
        from_s,
        to_s: from_s + 1_000,
        overlap_s: 1_000,
    }
}

fn traced(contacts: Vec<Contact>) -> Traced {
    Traced {
        contacts,
        truncated: false,
    }
}

#[test]
fn cases_linked_by_contacts_or_a_shared_venue_form_clusters() {
    // 10 infected 11 at venue 7; 12 is 11's household member; 13 and 14 were infectious at
    // venue 9 half a day apart (each exposing someone else); 15 alone; 16 is only an F2.
    let cases = [
        case(10, 0),
        case(11, 50),
        case(12, 70),
        case(13, 0),
        case(14, 0),
        case(15, 0),
    ];
    let traced = [
        traced(vec![
            contact(11, 10, venue(7, 100)),
            contact(90, 10, venue(3, 100)),
        ]),
        traced(vec![
            contact(12, 11, Reason::Household),
            contact(10, 11, venue(7, 100)),
        ]),
        traced(vec![contact(11, 12, Reason::Household)]),
        traced(vec![contact(91, 13, venue(9, 0))]),
        traced(vec![contact(92, 14, venue(9, 43_200))]),
        traced(vec![
            contact(93, 15, venue(3, 900_000)),
            Contact {
                degree: 2,
                ..contact(16, 93, venue(4, 0))
            },
        ]),
    ];
    let got = clusters(&cases, &traced);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].members, [10, 11, 12]);
    assert_eq!(got[0].venues, [7]);
    assert_eq!(
        got[0].edges,
        [(10, 11, venue(7, 100)), (11, 12, Reason::Household)]
    );
    assert_eq!(got[1].members, [13, 14]);
    assert_eq!(got[1].venues, [9]);
    assert!(got[1].edges.is_empty());
    // With no tolerance, 13 and 14 were never at venue 9 together.
    let strict = clusters_with(&cases, &traced, 0);
    assert_eq!(strict.len(), 1);
    assert_eq!(strict[0].members, [10, 11, 12]);
}

#[test]
fn union_find_joins_chains_in_any_order() {
    // Links 0-1, 2-3, 1-2 (joining the first two groups), 5-6; 4 alone.
    let links = [(0, 1), (2, 3), (1, 2), (5, 6)];
    let cases: Vec<_> = (0..7).map(|p| case(p, i64::from(p))).collect();
    let mut traced: Vec<Traced> = (0..7).map(|_| Traced::default()).collect();
    for (a, b) in links {
        traced[b as usize]
            .contacts
            .push(contact(a, b, Reason::Household));
    }
    let got = clusters(&cases, &traced);
    let members: Vec<_> = got.iter().map(|c| c.members.clone()).collect();
    assert_eq!(members, [vec![0, 1, 2, 3], vec![5, 6]]);
    // Edges point from the case whose window opened first, whoever traced whom.
    assert_eq!(
        got[0].edges.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        [(0, 1), (1, 2), (2, 3)]
    );
}

#[test]
fn clusters_from_real_traces() {
    use trace::{Adjacency, Declared, Index, Rules, Visit};
    let v = |person, venue, t_in_s, t_out_s| Visit {
        person,
        venue,
        t_in_s,
        t_out_s,
    };
    let visits = [
        v(0, 0, 1_000, 5_000),
        v(1, 0, 2_000, 6_000),
        v(2, 1, 1_000, 9_000),
    ];
    let index = Index::build(&visits, 3, 2).unwrap();
    let cases: Vec<_> = (0..3).map(|p| case(p, 0)).collect();
    let (h, d) = (Adjacency::empty(), Declared::empty());
    let traced = trace::trace_batch(&index, &Rules::default(), &h, &d, &cases);
    let got = clusters(&cases, &traced);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].members, [0, 1]);
    assert_eq!(got[0].venues, [0]);
}
