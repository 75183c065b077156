//! Tracing: from a case (F0) and its infectious window to its F1 and F2 contacts.

use std::cell::RefCell;
use std::cmp::Ordering;

use rayon::prelude::*;

use crate::{Adjacency, Declared, Index, Isolation, PersonIdx, VenueIdx};

/// F2 is as far as the rules go (Decision 3638/QĐ-BYT defines F1 and F2 only); a deeper ring
/// is most of a city within a few hops.
pub const MAX_DEPTH: u8 = 2;
/// Reasons kept per contact (the best ones); [`Contact::n_reasons`] counts them all.
pub const MAX_REASONS: usize = 16;
/// Other F1s through which an F2 is also reachable, kept per F2 (the most exposed ones).
pub const MAX_ALSO_VIA: usize = 8;

/// The policy a trace applies. Every field has a default ([`Rules::default`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Minimum co-presence at a venue for a contact, unless the venue's kind overrides it.
    /// Any value below 1 s means "any overlap": touching check-ins are never a contact.
    pub min_overlap_s: i64,
    /// Per venue kind (indexed by kind id); kinds beyond the end use `min_overlap_s`.
    pub min_overlap_by_kind: Vec<i64>,
    /// Per venue (indexed by venue); venues beyond the end use `min_overlap_s`.
    pub venue_kind: Vec<u8>,
    /// An F1 whose isolation time the caller does not give is taken as isolated this long
    /// after its first exposure to the F0.
    pub f1_isolation_default_s: i64,
    /// At most this many F1s (the most exposed) are traced onward to F2.
    pub max_frontier: usize,
    /// At most this many contacts are returned (F1 first).
    pub max_rows: usize,
    /// At most this many check-ins and links are examined per query: the bound on work.
    pub max_scanned: usize,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            // "same closed space for ≥ 15 minutes" (F1 definition, Ministry of Health).
            min_overlap_s: 15 * 60,
            min_overlap_by_kind: Vec::new(),
            venue_kind: Vec::new(),
            // [A] F1s are typically isolated within a few days of their exposure, once the
            // F0 is confirmed and traced; a locality with better data passes real times.
            f1_isolation_default_s: 3 * 86_400,
            max_frontier: 10_000,
            max_rows: 100_000,
            // Hits cost 64 B each: 5 M visits scanned is at most ~320 MB and ~0.5 s for
            // the worst query, while a typical F2 list scans a few thousand.
            max_scanned: 5_000_000,
        }
    }
}

impl Rules {
    /// The minimum overlap in force at `venue`.
    #[inline]
    pub fn min_overlap_at(&self, venue: VenueIdx) -> i64 {
        self.venue_kind
            .get(venue as usize)
            .and_then(|&kind| self.min_overlap_by_kind.get(usize::from(kind)))
            .copied()
            .unwrap_or(self.min_overlap_s)
    }
}

/// One case to trace: its infectious window `[infectious_from_s, infectious_to_s]` and how
/// many rings (1: F1, 2: F1 and F2; more is treated as 2, 0 as nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CaseQuery {
    pub person: PersonIdx,
    pub infectious_from_s: i64,
    pub infectious_to_s: i64,
    pub depth: u8,
}

/// Why a person is a contact of its `via`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Both checked in at `venue`, together during `[from_s, to_s]` (inside the window).
    Venue {
        venue: VenueIdx,
        from_s: i64,
        to_s: i64,
        overlap_s: i64,
    },
    /// Same household.
    Household,
    /// A declared contact at `t_s` in the caller's `setting`.
    Declared { t_s: i64, setting: u8 },
}

impl Reason {
    /// Best first: household (continuous exposure), then declared contacts (earliest
    /// first), then venues by longest overlap, then earliest.
    pub(crate) fn best_first(&self, other: &Reason) -> Ordering {
        fn class(r: &Reason) -> u8 {
            match r {
                Reason::Household => 0,
                Reason::Declared { .. } => 1,
                Reason::Venue { .. } => 2,
            }
        }
        match (self, other) {
            (
                Reason::Venue {
                    venue: v1,
                    from_s: f1,
                    to_s: t1,
                    overlap_s: o1,
                },
                Reason::Venue {
                    venue: v2,
                    from_s: f2,
                    to_s: t2,
                    overlap_s: o2,
                },
            ) => o2
                .cmp(o1)
                .then(f1.cmp(f2))
                .then(t1.cmp(t2))
                .then(v1.cmp(v2)),
            (
                Reason::Declared {
                    t_s: t1,
                    setting: s1,
                },
                Reason::Declared {
                    t_s: t2,
                    setting: s2,
                },
            ) => t1.cmp(t2).then(s1.cmp(s2)),
            _ => class(self).cmp(&class(other)),
        }
    }
}

/// A traced contact: `person` is a contact of degree `degree` through `via` (the F0 for an
/// F1, an F1 for an F2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub person: PersonIdx,
    pub degree: u8,
    pub via: PersonIdx,
    /// The reasons linking `person` to `via`, best first, at most [`MAX_REASONS`].
    pub reasons: Vec<Reason>,
    /// How many reasons there were in all.
    pub n_reasons: u32,
    /// Total exposure to `via`, for ranking: the sum of venue overlaps, plus the whole
    /// window for a household member, plus `min_overlap_s` per declared contact (whose
    /// duration is not known, only that it qualified).
    pub exposure_s: i64,
    /// The earliest moment of exposure to `via`; for an F1, where its own F2 window starts.
    pub first_exposure_s: i64,
    /// For an F2, other F1s it is also a contact of (most exposed first, at most
    /// [`MAX_ALSO_VIA`]); `via` is the one with the largest exposure (ties: lowest number).
    pub also_via: Vec<PersonIdx>,
}

/// The answer to one [`CaseQuery`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Traced {
    /// F1s, then F2s, each ranked by exposure (largest first) then person.
    pub contacts: Vec<Contact>,
    /// A bound (rows, frontier or work) cut the answer short.
    pub truncated: bool,
}

impl Traced {
    /// The contacts of one degree (1: F1, 2: F2), in rank order.
    pub fn degree(&self, degree: u8) -> impl Iterator<Item = &Contact> + '_ {
        self.contacts.iter().filter(move |c| c.degree == degree)
    }
}

/// Everything a trace reads, borrowed for the duration of one or many queries.
#[derive(Clone, Copy)]
pub struct Tracer<'a> {
    index: &'a Index,
    rules: &'a Rules,
    households: &'a Adjacency,
    declared: &'a Declared,
    isolation: &'a Isolation,
}

/// Traces one case.
pub fn trace(
    index: &Index,
    rules: &Rules,
    households: &Adjacency,
    declared: &Declared,
    q: &CaseQuery,
) -> Traced {
    Tracer::new(index, rules, households, declared).trace(q)
}

/// Traces many cases in parallel; the answers are those [`trace`] gives, in order.
pub fn trace_batch(
    index: &Index,
    rules: &Rules,
    households: &Adjacency,
    declared: &Declared,
    qs: &[CaseQuery],
) -> Vec<Traced> {
    Tracer::new(index, rules, households, declared).trace_batch(qs)
}

#[derive(Clone, Copy, Debug)]
struct Hit {
    person: PersonIdx,
    via: PersonIdx,
    exposure_s: i64,
    start_s: i64,
    reason: Reason,
}

/// A `(person, via)` run of sorted hits.
#[derive(Clone, Copy, Debug)]
struct Group {
    via: PersonIdx,
    exposure_s: i64,
    first_s: i64,
    start: usize,
    end: usize,
}

/// Buffers reused across the queries of one thread, so that the scans allocate nothing.
#[derive(Default)]
struct Scratch {
    hits: Vec<Hit>,
    excluded: Excluded,
    groups: Vec<Group>,
    stays: Stays,
}

/// The buffers of [`Tracer::collect`]: the source's stays, and the pieces of others' stays
/// found inside one of them.
#[derive(Default)]
struct Stays {
    own: Vec<(VenueIdx, i64, i64)>,
    pieces: Vec<(PersonIdx, i64, i64)>,
}

/// Merges overlapping or touching intervals of the same key into their union, in place.
/// `runs` holds `(key, from_s, to_s)`; it ends sorted by key then time, one entry per stay.
///
/// This is why a visit scanned twice counts once: two devices scanning one person into one
/// venue at 10:00–10:30 and 10:05–10:35 record two check-ins, but the person was there once,
/// 10:00–10:35. Co-presence is therefore measured between *stays* (a person's check-ins at a
/// venue, overlapping or touching ones merged), never between raw check-ins, and the
/// venue's minimum is judged on each pair of stays: 35 minutes, not 30 + 30.
fn merge_stays<K: Copy + Ord>(runs: &mut Vec<(K, i64, i64)>) {
    runs.sort_unstable();
    let mut kept = 0;
    for i in 0..runs.len() {
        let (key, from_s, to_s) = runs[i];
        if kept > 0 {
            let last = &mut runs[kept - 1];
            if last.0 == key && from_s <= last.2 {
                last.2 = last.2.max(to_s);
                continue;
            }
        }
        runs[kept] = (key, from_s, to_s);
        kept += 1;
    }
    runs.truncate(kept);
}

/// The persons a scan must not report (the F0, and the F1s when looking for F2s), checked
/// once per visit scanned: a bit per person (1.25 MB for ten million people) answers in
/// one load where a binary search over thousands of F1s cost half the F2 time.
#[derive(Default)]
struct Excluded {
    bits: Vec<u64>,
    listed: Vec<PersonIdx>,
}

impl Excluded {
    fn clear(&mut self) {
        for &p in &self.listed {
            self.bits[p as usize / 64] = 0;
        }
        self.listed.clear();
    }

    fn insert(&mut self, p: PersonIdx) {
        let word = p as usize / 64;
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (p % 64);
        self.listed.push(p);
    }

    #[inline]
    fn contains(&self, p: PersonIdx) -> bool {
        self.bits
            .get(p as usize / 64)
            .is_some_and(|w| w & (1 << (p % 64)) != 0)
    }
}

impl Scratch {
    /// Hits kept between queries (4 MB): one huge query must not pin its buffer forever.
    const KEEP_HITS: usize = 1 << 16;

    fn trim(&mut self) {
        if self.hits.capacity() > Self::KEEP_HITS {
            self.hits = Vec::new();
        }
        if self.groups.capacity() > Self::KEEP_HITS {
            self.groups = Vec::new();
        }
        if self.stays.pieces.capacity() > Self::KEEP_HITS {
            self.stays = Stays::default();
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's buffers (fresh ones if they are somehow in use).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let r = f(&mut s);
            s.trim();
            r
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

struct Budget {
    left: usize,
    exhausted: bool,
}

impl Budget {
    #[inline]
    fn take(&mut self) -> bool {
        if self.left == 0 {
            self.exhausted = true;
            return false;
        }
        self.left -= 1;
        true
    }
}

impl<'a> Tracer<'a> {
    pub fn new(
        index: &'a Index,
        rules: &'a Rules,
        households: &'a Adjacency,
        declared: &'a Declared,
    ) -> Tracer<'a> {
        Tracer {
            index,
            rules,
            households,
            declared,
            isolation: Isolation::none_ref(),
        }
    }

    /// Uses known F1 isolation times instead of [`Rules::f1_isolation_default_s`].
    pub fn with_isolation(self, isolation: &'a Isolation) -> Tracer<'a> {
        Tracer { isolation, ..self }
    }

    pub fn trace(&self, q: &CaseQuery) -> Traced {
        with_scratch(|s| self.trace_with(s, q))
    }

    /// Parallel over queries; each query runs sequentially, so answers do not depend on the
    /// number of threads.
    pub fn trace_batch(&self, qs: &[CaseQuery]) -> Vec<Traced> {
        qs.par_iter()
            .map(|q| with_scratch(|s| self.trace_with(s, q)))
            .collect()
    }

    fn trace_with(&self, s: &mut Scratch, q: &CaseQuery) -> Traced {
        let depth = q.depth.min(MAX_DEPTH);
        let (from_s, to_s) = (q.infectious_from_s, q.infectious_to_s);
        if depth == 0 || to_s <= from_s {
            return Traced::default();
        }
        let mut budget = Budget {
            left: self.rules.max_scanned,
            exhausted: false,
        };
        let mut truncated = false;
        s.hits.clear();
        s.excluded.clear();
        s.excluded.insert(q.person);
        self.collect(
            q.person,
            from_s,
            to_s,
            &s.excluded,
            &mut s.hits,
            &mut s.stays,
            &mut budget,
        );
        let mut contacts = aggregate(&mut s.hits, 1, &mut s.groups);
        let max_rows = self.rules.max_rows;
        if contacts.len() > max_rows {
            contacts.truncate(max_rows);
            truncated = true;
        } else if depth >= 2 && !budget.exhausted {
            let n_f1 = contacts.len();
            let frontier = n_f1.min(self.rules.max_frontier);
            truncated |= frontier < n_f1;
            // An F1 is not listed again as F2, nor the F0 (it was with its F1s, of course).
            for c in &contacts {
                s.excluded.insert(c.person);
            }
            s.hits.clear();
            for c in &contacts[..frontier] {
                let isolated_s = self.isolation.get(c.person).unwrap_or_else(|| {
                    c.first_exposure_s
                        .saturating_add(self.rules.f1_isolation_default_s)
                });
                if isolated_s > c.first_exposure_s {
                    self.collect(
                        c.person,
                        c.first_exposure_s,
                        isolated_s,
                        &s.excluded,
                        &mut s.hits,
                        &mut s.stays,
                        &mut budget,
                    );
                }
                if budget.exhausted {
                    break;
                }
            }
            let f2 = aggregate(&mut s.hits, 2, &mut s.groups);
            let room = max_rows - n_f1;
            truncated |= f2.len() > room;
            contacts.extend(f2.into_iter().take(room));
        }
        truncated |= budget.exhausted;
        Traced {
            contacts,
            truncated,
        }
    }

    /// Appends a hit for every link of `source` during `[lo_s, hi_s]` (`lo_s < hi_s`) to a
    /// person not in `excluded`. Venue links are between stays ([`merge_stays`]): the
    /// source's check-ins inside the window merged per venue, then every other person's
    /// check-ins inside each such stay merged per person.
    #[allow(clippy::too_many_arguments)]
    fn collect(
        &self,
        source: PersonIdx,
        lo_s: i64,
        hi_s: i64,
        excluded: &Excluded,
        hits: &mut Vec<Hit>,
        stays: &mut Stays,
        budget: &mut Budget,
    ) {
        let counts = |p: PersonIdx| p != source && !excluded.contains(p);
        let levels = self.index.level_list();
        // Clipping to the window before merging gives the same stays as merging first: the
        // window is one interval, and intersection distributes over union.
        stays.own.clear();
        for level in levels {
            for (venue, t_in_s, t_out_s) in level.person_visits(source) {
                if t_in_s >= hi_s {
                    break;
                }
                let a_s = t_in_s.max(lo_s);
                let b_s = t_out_s.min(hi_s);
                if b_s > a_s {
                    stays.own.push((venue, a_s, b_s));
                }
            }
        }
        merge_stays(&mut stays.own);
        for &(venue, a_s, b_s) in &stays.own {
            let min_s = self.rules.min_overlap_at(venue).max(1);
            if b_s - a_s < min_s {
                continue;
            }
            // Every check-in overlapping the stay at all: two short ones of the same person
            // may make one long enough stay.
            stays.pieces.clear();
            for level in levels {
                let pieces = &mut stays.pieces;
                let complete = level.scan_venue(venue, a_s, b_s, 1, &mut budget.left, |p, f, t| {
                    if counts(p) {
                        pieces.push((p, f, t));
                    }
                });
                if !complete {
                    budget.exhausted = true;
                    return;
                }
            }
            merge_stays(&mut stays.pieces);
            for &(p, f, t) in &stays.pieces {
                if t - f >= min_s {
                    hits.push(Hit {
                        person: p,
                        via: source,
                        exposure_s: t - f,
                        start_s: f,
                        reason: Reason::Venue {
                            venue,
                            from_s: f,
                            to_s: t,
                            overlap_s: t - f,
                        },
                    });
                }
            }
        }
        for &p in self.households.row(source) {
            if !budget.take() {
                return;
            }
            if counts(p) {
                hits.push(Hit {
                    person: p,
                    via: source,
                    exposure_s: hi_s - lo_s,
                    start_s: lo_s,
                    reason: Reason::Household,
                });
            }
        }
        let row = self.declared.row(source);
        let first = row.partition_point(|e| e.t_s < lo_s);
        for e in &row[first..] {
            if e.t_s > hi_s || !budget.take() {
                return;
            }
            if counts(e.person) {
                hits.push(Hit {
                    person: e.person,
                    via: source,
                    exposure_s: self.rules.min_overlap_s.max(0),
                    start_s: e.t_s,
                    reason: Reason::Declared {
                        t_s: e.t_s,
                        setting: e.setting,
                    },
                });
            }
        }
    }
}

/// Folds hits into one contact per person, ranked.
fn aggregate(hits: &mut [Hit], degree: u8, groups: &mut Vec<Group>) -> Vec<Contact> {
    hits.sort_unstable_by(|x, y| {
        x.person
            .cmp(&y.person)
            .then(x.via.cmp(&y.via))
            .then_with(|| x.reason.best_first(&y.reason))
    });
    let mut out = Vec::new();
    let mut i = 0;
    while i < hits.len() {
        let person = hits[i].person;
        groups.clear();
        let mut k = i;
        while k < hits.len() && hits[k].person == person {
            let via = hits[k].via;
            let start = k;
            let mut exposure_s = 0i64;
            let mut first_s = i64::MAX;
            while k < hits.len() && hits[k].person == person && hits[k].via == via {
                exposure_s = exposure_s.saturating_add(hits[k].exposure_s);
                first_s = first_s.min(hits[k].start_s);
                k += 1;
            }
            groups.push(Group {
                via,
                exposure_s,
                first_s,
                start,
                end: k,
            });
        }
        groups.sort_unstable_by(|a, b| b.exposure_s.cmp(&a.exposure_s).then(a.via.cmp(&b.via)));
        let best = groups[0];
        out.push(Contact {
            person,
            degree,
            via: best.via,
            reasons: hits[best.start..best.end]
                .iter()
                .take(MAX_REASONS)
                .map(|h| h.reason)
                .collect(),
            n_reasons: (best.end - best.start) as u32,
            exposure_s: best.exposure_s,
            first_exposure_s: best.first_s,
            also_via: groups[1..]
                .iter()
                .take(MAX_ALSO_VIA)
                .map(|g| g.via)
                .collect(),
        });
        i = k;
    }
    out.sort_unstable_by(|a, b| {
        b.exposure_s
            .cmp(&a.exposure_s)
            .then(a.person.cmp(&b.person))
    });
    out
}
