//! Clusters (ổ dịch): groups of cases linked by contact or by a shared venue.

use crate::{CaseQuery, PersonIdx, Reason, Traced, VenueIdx};

/// \[A\] (assumed) Two cases infectious at one venue within a day of each other are taken as one
/// cluster: the venue, or someone untraced who works there, links them. The published rules
/// give no figure; [`clusters_with`] takes another.
pub const DEFAULT_VENUE_GAP_S: i64 = 86_400;

/// A connected group of cases (at least two).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The cases, ascending.
    pub members: Vec<PersonIdx>,
    /// Venues that link members (a contact between two members there, or two members
    /// infectious there within the gap), ascending.
    pub venues: Vec<VenueIdx>,
    /// The transmission graph: `(from, to, best reason)` for each pair of members where one
    /// is the other's F1, directed from the case whose infectious window opened first (the
    /// likelier source; ties: lower number), sorted by `(from, to)`.
    pub edges: Vec<(PersonIdx, PersonIdx, Reason)>,
}

/// [`clusters_with`] and [`DEFAULT_VENUE_GAP_S`].
pub fn clusters(cases: &[CaseQuery], traced: &[Traced]) -> Vec<Cluster> {
    clusters_with(cases, traced, DEFAULT_VENUE_GAP_S)
}

/// Groups `cases` (with `traced[i]` the answer for `cases[i]`; extra items of the longer
/// slice are ignored) into clusters, largest first (ties: lowest member).
///
/// Two cases are linked when one is an F1 of the other, or when both exposed someone at the
/// same venue at times at most `venue_gap_s` apart (the venue visits seen are those in the
/// F1 reasons, which are what places a case at a venue while infectious). F2 links are not
/// used: an untraced F1 between two cases is a guess, not a link.
pub fn clusters_with(cases: &[CaseQuery], traced: &[Traced], venue_gap_s: i64) -> Vec<Cluster> {
    let mut people: Vec<PersonIdx> = cases.iter().map(|c| c.person).collect();
    people.sort_unstable();
    people.dedup();
    let case_of = |p: PersonIdx| people.binary_search(&p).ok();
    let mut opened_s = vec![i64::MAX; people.len()];
    for q in cases {
        if let Some(c) = case_of(q.person) {
            opened_s[c] = opened_s[c].min(q.infectious_from_s);
        }
    }

    let mut sets = UnionFind::new(people.len());
    // (from, to, traced by `from`? 0 : 1, reason): the source's own trace is preferred.
    let mut edges: Vec<(usize, usize, u8, Reason)> = Vec::new();
    // (venue, from_s, to_s, case)
    let mut presence: Vec<(VenueIdx, i64, i64, usize)> = Vec::new();
    let mut linking_venues: Vec<(VenueIdx, usize)> = Vec::new();
    for (q, t) in cases.iter().zip(traced) {
        let Some(a) = case_of(q.person) else {
            continue;
        };
        for c in t.degree(1) {
            for r in &c.reasons {
                if let Reason::Venue {
                    venue,
                    from_s,
                    to_s,
                    ..
                } = *r
                {
                    presence.push((venue, from_s, to_s, a));
                }
            }
            let (Some(b), Some(&best)) = (case_of(c.person), c.reasons.first()) else {
                continue;
            };
            if a == b {
                continue;
            }
            sets.union(a, b);
            if let Reason::Venue { venue, .. } = best {
                linking_venues.push((venue, a));
            }
            let a_first = (opened_s[a], people[a]) <= (opened_s[b], people[b]);
            let (from, to) = if a_first { (a, b) } else { (b, a) };
            edges.push((from, to, u8::from(!a_first), best));
        }
    }

    presence.sort_unstable();
    let mut run: Option<(VenueIdx, i64, usize)> = None;
    for &(venue, from_s, to_s, case) in &presence {
        match run {
            Some((v, end_s, other))
                if v == venue && from_s <= end_s.saturating_add(venue_gap_s) =>
            {
                if other != case {
                    sets.union(other, case);
                    linking_venues.push((venue, case));
                    linking_venues.push((venue, other));
                }
                run = Some((venue, end_s.max(to_s), case));
            }
            _ => run = Some((venue, to_s, case)),
        }
    }

    let n = people.len();
    let root: Vec<usize> = (0..n).map(|c| sets.find(c)).collect();
    let mut slot = vec![usize::MAX; n];
    let mut out: Vec<Cluster> = Vec::new();
    for c in 0..n {
        let r = root[c];
        if sets.size[r] < 2 {
            continue;
        }
        if slot[r] == usize::MAX {
            slot[r] = out.len();
            out.push(Cluster {
                members: Vec::new(),
                venues: Vec::new(),
                edges: Vec::new(),
            });
        }
        out[slot[r]].members.push(people[c]);
    }
    for (venue, case) in linking_venues {
        out[slot[root[case]]].venues.push(venue);
    }
    edges.sort_unstable_by(|x, y| {
        (x.0, x.1, x.2)
            .cmp(&(y.0, y.1, y.2))
            .then_with(|| x.3.best_first(&y.3))
    });
    edges.dedup_by_key(|e| (e.0, e.1));
    for (from, to, _, reason) in edges {
        out[slot[root[from]]]
            .edges
            .push((people[from], people[to], reason));
    }
    for cluster in &mut out {
        cluster.venues.sort_unstable();
        cluster.venues.dedup();
    }
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members.cmp(&b.members))
    });
    out
}

/// The incubation rule's values (from the tracing policy: `incubation_min_days`,
/// `incubation_max_days` and `incubation_typical_days` in `data/policies/tracing.toml`), in
/// seconds, and which kinds of exposure may link two cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkRule {
    /// The shortest time from an exposure to the exposed case's onset (or sample).
    pub incubation_min_s: i64,
    /// The longest.
    pub incubation_max_s: i64,
    /// Venue co-presence links only with at least this overlap (`0`: any F1 co-presence,
    /// which already met the venue's minimum; `i64::MAX`: venues never link). Household and
    /// declared contacts always may.
    pub venue_min_overlap_s: i64,
    /// `Some(typical incubation)`: keep for each case only its likeliest source (household,
    /// then declared, then venue; then the exposure nearest this long before its onset), so
    /// that the clusters are trees of one infector per case; `None`: every fitting link.
    pub incubation_typical_s: Option<i64>,
}

fn class(r: &Reason) -> u8 {
    match r {
        Reason::Household => 0,
        Reason::Declared { .. } => 1,
        Reason::Venue { .. } => 2,
    }
}

/// One case's times for [`clusters_by_incubation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseOnset {
    /// The case's query (its person and infectious window, as traced).
    pub query: CaseQuery,
    /// When its illness became visible: symptom onset when known, else the first positive
    /// sample.
    pub onset_s: i64,
}

/// The exposure interval a reason stands for, inside the source's window `[from_s, to_s]`.
fn exposure(r: &Reason, from_s: i64, to_s: i64) -> (i64, i64) {
    match *r {
        // A household member is exposed all along the window.
        Reason::Household => (from_s, to_s),
        Reason::Declared { t_s, .. } => (t_s, t_s),
        Reason::Venue { from_s, to_s, .. } => (from_s, to_s),
    }
}

/// Clusters by transmission: case B is linked to case A when B is an F1 of A in A's trace
/// (so exposed to A inside A's infectious window: household, declared contact, or venue
/// co-presence meeting the venue's minimum) and some moment `e` of that exposure lies
/// `incubation_min_s..=incubation_max_s` before B's onset (or sample). The link is directed
/// A → B; when both directions fit, the case with the earlier onset is the source (ties: lower
/// number). Unlike [`clusters_with`], sharing a venue without a qualifying F1 relation never
/// links: a venue visited by two cases days apart is a place, not a chain of infection.
///
/// With [`LinkRule::incubation_typical_s`] set, each case keeps only its likeliest source and
/// the edges form a forest (one infector per case): on the simulator this is what gives
/// clusters a meaning (`docs/BENCHMARKS.md`, "Cluster quality"); without it, the timing alone
/// still joins most cases of a busy district into one cluster.
///
/// `traced[i]` is the answer for `cases[i]` (extra items of the longer slice are ignored). A
/// person listed twice keeps its earliest onset; each entry's window bounds its own trace's
/// household exposure. Only a contact's first
/// [`crate::MAX_REASONS`] reasons are seen. The result does not depend on the order of the
/// input. `Cluster::venues` are the venues of the qualifying venue reasons.
pub fn clusters_by_incubation(
    cases: &[CaseOnset],
    traced: &[Traced],
    rule: &LinkRule,
) -> Vec<Cluster> {
    let mut people: Vec<PersonIdx> = cases.iter().map(|c| c.query.person).collect();
    people.sort_unstable();
    people.dedup();
    let case_of = |p: PersonIdx| people.binary_search(&p).ok();
    let mut onset_s = vec![i64::MAX; people.len()];
    for c in cases {
        if let Some(k) = case_of(c.query.person) {
            onset_s[k] = onset_s[k].min(c.onset_s);
        }
    }

    // (target, its fit: (reason class, distance from the typical incubation), source,
    // reason); both orders of a pair may appear and are resolved below.
    let mut links: Vec<(usize, (u8, i64), usize, Reason)> = Vec::new();
    for (c, t) in cases.iter().zip(traced) {
        let Some(a) = case_of(c.query.person) else {
            continue;
        };
        let (from_s, to_s) = (c.query.infectious_from_s, c.query.infectious_to_s);
        for contact in t.degree(1) {
            let Some(b) = case_of(contact.person) else {
                continue;
            };
            if a == b {
                continue;
            }
            // B's onset minus the incubation bounds: the exposures that fit.
            let fit_lo = onset_s[b].saturating_sub(rule.incubation_max_s);
            let fit_hi = onset_s[b].saturating_sub(rule.incubation_min_s);
            // The moment the typical incubation points to, for ranking sources.
            let aim = onset_s[b].saturating_sub(rule.incubation_typical_s.unwrap_or(0));
            let best = contact
                .reasons
                .iter()
                .filter(|r| match r {
                    Reason::Venue { overlap_s, .. } => *overlap_s >= rule.venue_min_overlap_s,
                    _ => true,
                })
                .filter_map(|r| {
                    let (lo, hi) = exposure(r, from_s, to_s);
                    let (lo, hi) = (lo.max(fit_lo), hi.min(fit_hi));
                    (lo <= hi).then(|| {
                        let off = aim.clamp(lo, hi).abs_diff(aim);
                        ((class(r), i64::try_from(off).unwrap_or(i64::MAX)), r)
                    })
                })
                .min_by(|x, y| x.0.cmp(&y.0).then_with(|| x.1.best_first(y.1)));
            if let Some((fit, &best)) = best {
                links.push((b, fit, a, best));
            }
        }
    }
    if rule.incubation_typical_s.is_some() {
        // One source per case: a case was infected once. The best fit: household, then
        // declared, then venue; then the exposure nearest the typical incubation before its
        // onset; then the better reason; then the lower number.
        links.sort_unstable_by(|x, y| {
            (x.0, x.1)
                .cmp(&(y.0, y.1))
                .then_with(|| x.3.best_first(&y.3))
                .then((people[x.2]).cmp(&people[y.2]))
        });
        links.dedup_by_key(|l| l.0);
    }
    let one_source = rule.incubation_typical_s.is_some();
    let mut sets = UnionFind::new(people.len());
    // With one source per case, a link closing a cycle (possible when onsets are close: each
    // may fit as the other's source) is dropped, so the edges are a forest; the links are
    // sorted by target, so which one is dropped does not depend on the input order.
    links.retain(|&(b, _, a, _)| {
        let joined = sets.find(a) != sets.find(b);
        sets.union(a, b);
        joined || !one_source
    });
    let links: Vec<(usize, usize, Reason)> =
        links.into_iter().map(|(b, _, a, r)| (a, b, r)).collect();

    let n = people.len();
    let root: Vec<usize> = (0..n).map(|c| sets.find(c)).collect();
    let mut slot = vec![usize::MAX; n];
    let mut out: Vec<Cluster> = Vec::new();
    for c in 0..n {
        let r = root[c];
        if sets.size[r] < 2 {
            continue;
        }
        if slot[r] == usize::MAX {
            slot[r] = out.len();
            out.push(Cluster {
                members: Vec::new(),
                venues: Vec::new(),
                edges: Vec::new(),
            });
        }
        out[slot[r]].members.push(people[c]);
    }
    // One edge per pair, in the direction it was found in; when both directions fit, the
    // one from the earlier onset.
    let source_first = |a: usize, b: usize| (onset_s[a], people[a]) <= (onset_s[b], people[b]);
    // ((lower, higher) of the pair, 0 if the direction agrees with the onsets, from, to, why)
    type Keyed = ((usize, usize), u8, usize, usize, Reason);
    let mut keyed: Vec<Keyed> = links
        .into_iter()
        .map(|(a, b, r)| ((a.min(b), a.max(b)), u8::from(!source_first(a, b)), a, b, r))
        .collect();
    keyed.sort_unstable_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then_with(|| x.4.best_first(&y.4))
    });
    keyed.dedup_by_key(|e| e.0);
    let mut edges: Vec<(usize, usize, Reason)> =
        keyed.into_iter().map(|(_, _, a, b, r)| (a, b, r)).collect();
    edges.sort_unstable_by_key(|e| (people[e.0], people[e.1]));
    for (from, to, reason) in edges {
        let k = slot[root[from]];
        if let Reason::Venue { venue, .. } = reason {
            out[k].venues.push(venue);
        }
        out[k].edges.push((people[from], people[to], reason));
    }
    for cluster in &mut out {
        cluster.venues.sort_unstable();
        cluster.venues.dedup();
    }
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members.cmp(&b.members))
    });
    out
}

/// Disjoint sets of `0..n` (union by size, path halving): the clusters' grouping, also the
/// application's after tracers' corrections of the links.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    /// The representative of `x`'s set.
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    pub fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}
