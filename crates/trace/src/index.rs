//! The venue-time index: check-ins sorted by venue then time (structure of arrays, CSR
//! offsets), and for each person the positions of its check-ins.
//!
//! An [`Index`] is an immutable snapshot made of a few *levels* (a log-structured merge):
//! adding check-ins builds a small level from them alone, and a level is merged into the one
//! below it once it reaches a quarter of that one's size. Adding is therefore amortised
//! `O(log n)` sorting work per check-in, a query visits at most `log4(n)` levels, and a
//! snapshot shares every untouched level with its predecessor through `Arc`.

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use crate::{PersonIdx, TraceError, VenueIdx, Visit};

/// The longest check-in the index accepts. A venue's longest visit bounds how far back a
/// query looks in that venue's time-sorted run, so a forgotten check-out would make every
/// query at that venue scan days of visits; the caller clamps missing check-outs first.
pub const MAX_VISIT_S: i64 = 24 * 3600;
/// Earliest accepted time (1970-01-01T00:00:00Z).
pub const T_MIN_S: i64 = 0;
/// Latest accepted time (2100-01-01T00:00:00Z). The whole range fits in the `u32` seconds
/// each level stores relative to its earliest check-in, so merging levels cannot overflow.
pub const T_MAX_S: i64 = 4_102_444_800;
/// Positions and offsets are `u32`: 4 B instead of 8 per check-in.
pub const MAX_VISITS: usize = u32::MAX as usize - 1;

/// A level is merged into the one below it once it is more than `1/FAN` of that one's size.
const FAN: usize = 4;

/// Maps an id (person or venue) to a slot and the slot to its run in a level's arrays.
#[derive(Debug)]
struct Dir {
    /// Slot = id, `offsets` has one entry per possible id. Otherwise `keys` lists the ids
    /// present, sorted, and slot = position in `keys`: a small level must not pay 4 B for
    /// each of ten million people it does not mention.
    dense: bool,
    keys: Vec<u32>,
    /// `offsets[slot]..offsets[slot + 1]`; always at least one entry.
    offsets: Vec<u32>,
}

impl Dir {
    fn n_slots(&self) -> usize {
        self.offsets.len() - 1
    }

    #[inline]
    fn slot(&self, id: u32) -> Option<usize> {
        if self.dense {
            let slot = id as usize;
            (slot < self.n_slots()).then_some(slot)
        } else {
            self.keys.binary_search(&id).ok()
        }
    }

    #[inline]
    fn range(&self, slot: usize) -> Range<usize> {
        self.offsets[slot] as usize..self.offsets[slot + 1] as usize
    }

    fn id(&self, slot: usize) -> u32 {
        if self.dense {
            slot as u32
        } else {
            self.keys[slot]
        }
    }

    fn bytes(&self) -> usize {
        (self.keys.capacity() + self.offsets.capacity()) * 4
    }

    /// Counts the ids (`ids` is called twice at most) into a directory: dense when that
    /// costs at most about what a sparse one would (8 B per id present).
    fn build<I: Iterator<Item = u32>>(n_ids: u32, m: usize, ids: impl Fn() -> I) -> Dir {
        let n = n_ids as usize;
        if n <= 4 * m + 1024 {
            let mut counts = vec![0u32; n];
            for id in ids() {
                counts[id as usize] += 1;
            }
            let distinct = counts.iter().filter(|&&c| c != 0).count();
            if n < 2 * distinct + 1024 {
                let mut offsets = Vec::with_capacity(n + 1);
                let mut acc = 0u32;
                offsets.push(0);
                for c in counts {
                    acc += c;
                    offsets.push(acc);
                }
                return Dir {
                    dense: true,
                    keys: Vec::new(),
                    offsets,
                };
            }
            let mut keys = Vec::with_capacity(distinct);
            let mut offsets = Vec::with_capacity(distinct + 1);
            let mut acc = 0u32;
            offsets.push(0);
            for (id, &c) in counts.iter().enumerate() {
                if c != 0 {
                    keys.push(id as u32);
                    acc += c;
                    offsets.push(acc);
                }
            }
            return Dir {
                dense: false,
                keys,
                offsets,
            };
        }
        let mut all: Vec<u32> = ids().collect();
        all.sort_unstable();
        let mut keys = Vec::new();
        let mut offsets = vec![0u32];
        for (i, &id) in all.iter().enumerate() {
            if keys.last() != Some(&id) {
                if i > 0 {
                    offsets.push(i as u32);
                }
                keys.push(id);
            }
        }
        offsets.push(all.len() as u32);
        if keys.is_empty() {
            offsets = vec![0];
        }
        Dir {
            dense: false,
            keys,
            offsets,
        }
    }
}

/// One immutable run of check-ins.
#[derive(Debug)]
pub(crate) struct Level {
    /// Times are stored as `u32` seconds after this (the level's earliest check-in).
    base_s: i64,
    venues: Dir,
    /// Per venue slot, the longest visit: the look-back bound of a scan.
    max_dur: Vec<u32>,
    // Venue side, sorted by (venue, t_in, t_out, person).
    person: Vec<PersonIdx>,
    t_in: Vec<u32>,
    t_out: Vec<u32>,
    people: Dir,
    // Person side, sorted by (person, t_in, position): a position in the venue arrays and
    // the venue, kept here so a query never searches for a position's venue.
    refs: Vec<u32>,
    ref_venue: Vec<VenueIdx>,
}

impl Level {
    /// `visits` are validated and non-empty; ids are below `n_people`/`n_venues`.
    fn build(visits: &[Visit], n_people: u32, n_venues: u32) -> Level {
        let m = visits.len();
        let base_s = visits.iter().map(|v| v.t_in_s).min().unwrap_or(0);
        let rel = |t_s: i64| (t_s - base_s) as u32;

        let venues = Dir::build(n_venues, m, || visits.iter().map(|v| v.venue));
        let mut cursor = venues.offsets[..venues.n_slots()].to_vec();
        let mut by_venue = vec![(0u32, 0u32, 0u32); m];
        for v in visits {
            let slot = venues.slot(v.venue).expect("every venue was counted");
            let at = &mut cursor[slot];
            by_venue[*at as usize] = (rel(v.t_in_s), rel(v.t_out_s), v.person);
            *at += 1;
        }
        for_each_segment(&mut by_venue, &venues.offsets, |run| run.sort_unstable());
        let t_in: Vec<u32> = by_venue.iter().map(|x| x.0).collect();
        let t_out: Vec<u32> = by_venue.iter().map(|x| x.1).collect();
        let person: Vec<PersonIdx> = by_venue.iter().map(|x| x.2).collect();
        drop(by_venue);
        let max_dur = (0..venues.n_slots())
            .map(|slot| {
                let r = venues.range(slot);
                t_in[r.clone()]
                    .iter()
                    .zip(&t_out[r])
                    .map(|(a, b)| b - a)
                    .max()
                    .unwrap_or(0)
            })
            .collect();

        let people = Dir::build(n_people, m, || person.iter().copied());
        let mut cursor = people.offsets[..people.n_slots()].to_vec();
        let mut by_person = vec![(0u32, 0u32, 0u32); m];
        for slot in 0..venues.n_slots() {
            let venue = venues.id(slot);
            for pos in venues.range(slot) {
                let p_slot = people.slot(person[pos]).expect("every person was counted");
                let at = &mut cursor[p_slot];
                by_person[*at as usize] = (t_in[pos], pos as u32, venue);
                *at += 1;
            }
        }
        for_each_segment(&mut by_person, &people.offsets, |run| run.sort_unstable());
        let refs = by_person.iter().map(|x| x.1).collect();
        let ref_venue = by_person.iter().map(|x| x.2).collect();

        Level {
            base_s,
            venues,
            max_dur,
            person,
            t_in,
            t_out,
            people,
            refs,
            ref_venue,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.person.len()
    }

    fn bytes(&self) -> usize {
        std::mem::size_of::<Level>()
            + self.venues.bytes()
            + self.people.bytes()
            + 4 * (self.max_dur.capacity()
                + self.person.capacity()
                + self.t_in.capacity()
                + self.t_out.capacity()
                + self.refs.capacity()
                + self.ref_venue.capacity())
    }

    fn visits(&self) -> impl Iterator<Item = Visit> + '_ {
        (0..self.venues.n_slots()).flat_map(move |slot| {
            let venue = self.venues.id(slot);
            self.venues.range(slot).map(move |pos| Visit {
                person: self.person[pos],
                venue,
                t_in_s: self.base_s + i64::from(self.t_in[pos]),
                t_out_s: self.base_s + i64::from(self.t_out[pos]),
            })
        })
    }

    /// A person's check-ins in this level as `(venue, t_in_s, t_out_s)`, by check-in time.
    #[inline]
    pub(crate) fn person_visits(
        &self,
        person: PersonIdx,
    ) -> impl Iterator<Item = (VenueIdx, i64, i64)> + '_ {
        let r = match self.people.slot(person) {
            Some(slot) => self.people.range(slot),
            None => 0..0,
        };
        r.map(move |i| {
            let pos = self.refs[i] as usize;
            (
                self.ref_venue[i],
                self.base_s + i64::from(self.t_in[pos]),
                self.base_s + i64::from(self.t_out[pos]),
            )
        })
    }

    /// Calls `hit(person, from_s, to_s)` for every check-in at `venue` whose overlap with
    /// `[lo_s, hi_s]` is at least `min_s` (`>= 1`), `from_s..to_s` being that overlap.
    /// Each check-in examined costs one unit of `budget`; returns `false` if the budget ran
    /// out before the scan finished.
    #[inline]
    pub(crate) fn scan_venue(
        &self,
        venue: VenueIdx,
        lo_s: i64,
        hi_s: i64,
        min_s: i64,
        budget: &mut usize,
        mut hit: impl FnMut(PersonIdx, i64, i64),
    ) -> bool {
        debug_assert!(min_s >= 1);
        let Some(slot) = self.venues.slot(venue) else {
            return true;
        };
        let r = self.venues.range(slot);
        let t_in = &self.t_in[r.clone()];
        let t_out = &self.t_out[r.clone()];
        let person = &self.person[r];
        // A visit overlapping [lo, hi] by min_s ends at or after lo + min_s, so it started
        // no earlier than that minus the venue's longest visit; and it started by hi - min_s.
        let first_key = lo_s
            .saturating_add(min_s)
            .saturating_sub(i64::from(self.max_dur[slot]))
            .saturating_sub(self.base_s);
        let last_key = hi_s.saturating_sub(min_s).saturating_sub(self.base_s);
        if last_key < 0 {
            return true;
        }
        let first = t_in.partition_point(|&t| i64::from(t) < first_key);
        for i in first..t_in.len() {
            let t_in_s = i64::from(t_in[i]);
            if t_in_s > last_key {
                break;
            }
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            let from_s = (t_in_s + self.base_s).max(lo_s);
            let to_s = (i64::from(t_out[i]) + self.base_s).min(hi_s);
            if to_s - from_s >= min_s {
                hit(person[i], from_s, to_s);
            }
        }
        true
    }
}

/// Runs `f` on every run `offsets[k]..offsets[k + 1]` of `data`, in parallel over chunks of
/// whole runs (a few per thread, so one huge venue does not serialise the rest).
fn for_each_segment<T: Send>(data: &mut [T], offsets: &[u32], f: impl Fn(&mut [T]) + Sync) {
    let n_slots = offsets.len().saturating_sub(1);
    let target = (data.len() / (rayon::current_num_threads() * 8)).max(4096);
    let mut jobs: Vec<(&mut [T], usize, usize)> = Vec::new();
    let mut rest = data;
    let mut slot = 0;
    while slot < n_slots {
        let start = offsets[slot] as usize;
        let mut end_slot = slot + 1;
        while end_slot < n_slots && (offsets[end_slot] as usize - start) < target {
            end_slot += 1;
        }
        let end = offsets[end_slot] as usize;
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(end - start);
        rest = tail;
        jobs.push((head, slot, end_slot));
        slot = end_slot;
    }
    jobs.into_par_iter().for_each(|(chunk, first, last)| {
        let base = offsets[first] as usize;
        for s in first..last {
            let run = &mut chunk[offsets[s] as usize - base..offsets[s + 1] as usize - base];
            if run.len() > 1 {
                f(run);
            }
        }
    });
}

fn check(visits: &[Visit], n_people: u32, n_venues: u32) -> Result<(), TraceError> {
    for (at, v) in visits.iter().enumerate() {
        check_visit(v, n_people, n_venues).map_err(|e| e.at(at))?;
    }
    Ok(())
}

/// Whether the index can hold one visit: its person and venue within the counts, its times
/// within [`T_MIN_S`]`..=`[`T_MAX_S`], its check-out after its check-in and at most
/// [`MAX_VISIT_S`] later. Callers that load stored rows use it to skip (and report) a row the
/// index cannot hold instead of failing the whole build on it; the error's position is 0.
pub fn check_visit(v: &Visit, n_people: u32, n_venues: u32) -> Result<(), TraceError> {
    let at = 0;
    if v.person >= n_people {
        return Err(TraceError::PersonOutOfRange {
            at,
            person: v.person,
            n_people,
        });
    }
    if v.venue >= n_venues {
        return Err(TraceError::VenueOutOfRange {
            at,
            venue: v.venue,
            n_venues,
        });
    }
    for t_s in [v.t_in_s, v.t_out_s] {
        if !(T_MIN_S..=T_MAX_S).contains(&t_s) {
            return Err(TraceError::TimeOutOfRange {
                at,
                t_s,
                min_s: T_MIN_S,
                max_s: T_MAX_S,
            });
        }
    }
    if v.t_out_s <= v.t_in_s {
        return Err(TraceError::NotAfter {
            at,
            t_in_s: v.t_in_s,
            t_out_s: v.t_out_s,
        });
    }
    if v.t_out_s - v.t_in_s > MAX_VISIT_S {
        return Err(TraceError::TooLong {
            at,
            dur_s: v.t_out_s - v.t_in_s,
            max_s: MAX_VISIT_S,
        });
    }
    Ok(())
}

/// An immutable snapshot of all indexed check-ins. Cloning is cheap (it shares the levels).
#[derive(Debug, Clone, Default)]
pub struct Index {
    levels: Vec<Arc<Level>>,
    n_people: u32,
    n_venues: u32,
    len: usize,
}

impl Index {
    /// Indexes `visits` at once. Persons must be below `n_people` and venues below
    /// `n_venues`; every visit must end after it starts, last at most [`MAX_VISIT_S`] and lie
    /// within [`T_MIN_S`]..=[`T_MAX_S`].
    pub fn build(visits: &[Visit], n_people: u32, n_venues: u32) -> Result<Index, TraceError> {
        if visits.len() > MAX_VISITS {
            return Err(TraceError::TooMany {
                len: visits.len(),
                max: MAX_VISITS,
            });
        }
        check(visits, n_people, n_venues)?;
        let levels = if visits.is_empty() {
            Vec::new()
        } else {
            vec![Arc::new(Level::build(visits, n_people, n_venues))]
        };
        Ok(Index {
            levels,
            n_people,
            n_venues,
            len: visits.len(),
        })
    }

    /// A new snapshot with `visits` added. Person and venue numbers may exceed the current
    /// ones (new people, new venues); `self` is unchanged and still answers as before.
    pub fn with_added(&self, visits: &[Visit]) -> Result<Index, TraceError> {
        let len = self.len.saturating_add(visits.len());
        if len > MAX_VISITS {
            return Err(TraceError::TooMany {
                len,
                max: MAX_VISITS,
            });
        }
        // u32::MAX stays free so that a count of ids still fits in u32.
        check(visits, u32::MAX, u32::MAX)?;
        if visits.is_empty() {
            return Ok(self.clone());
        }
        let n_people = visits
            .iter()
            .map(|v| v.person + 1)
            .max()
            .unwrap_or(0)
            .max(self.n_people);
        let n_venues = visits
            .iter()
            .map(|v| v.venue + 1)
            .max()
            .unwrap_or(0)
            .max(self.n_venues);
        let mut levels = self.levels.clone();
        levels.push(Arc::new(Level::build(visits, n_people, n_venues)));
        while let [.., below, top] = levels.as_slice() {
            if below.len() >= FAN * top.len() {
                break;
            }
            let mut both = Vec::with_capacity(below.len() + top.len());
            both.extend(below.visits());
            both.extend(top.visits());
            levels.truncate(levels.len() - 2);
            levels.push(Arc::new(Level::build(&both, n_people, n_venues)));
        }
        Ok(Index {
            levels,
            n_people,
            n_venues,
            len,
        })
    }

    /// A new snapshot with `from`'s check-ins made `to`'s (a duplicate person merged into
    /// the one kept). Only the levels holding a check-in of `from` are rebuilt: a merge costs
    /// a sort of those levels, not a read of every check-in from the database. `self` is
    /// unchanged.
    pub fn with_person_moved(&self, from: PersonIdx, to: PersonIdx) -> Result<Index, TraceError> {
        // u32::MAX stays free so that a count of ids still fits in u32.
        if to == u32::MAX {
            return Err(TraceError::PersonOutOfRange {
                at: 0,
                person: to,
                n_people: u32::MAX,
            });
        }
        let n_people = self.n_people.max(to + 1);
        let levels = self
            .levels
            .iter()
            .map(|l| {
                if l.person_visits(from).next().is_none() && n_people == self.n_people {
                    return Arc::clone(l);
                }
                let moved: Vec<Visit> = l
                    .visits()
                    .map(|v| {
                        if v.person == from {
                            Visit { person: to, ..v }
                        } else {
                            v
                        }
                    })
                    .collect();
                Arc::new(Level::build(&moved, n_people, self.n_venues))
            })
            .collect();
        Ok(Index {
            levels,
            n_people,
            n_venues: self.n_venues,
            len: self.len,
        })
    }

    /// Number of check-ins indexed.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Memory held by the index, in bytes.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Index>()
            + self.levels.capacity() * std::mem::size_of::<Arc<Level>>()
            + self.levels.iter().map(|l| l.bytes()).sum::<usize>()
    }

    /// One more than the largest person number the index may hold.
    pub fn n_people(&self) -> u32 {
        self.n_people
    }

    /// One more than the largest venue number the index may hold.
    pub fn n_venues(&self) -> u32 {
        self.n_venues
    }

    /// How many levels a query visits (diagnostics; at most about `log4(len)`).
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// A person's check-ins, ordered by (t_in_s, t_out_s, venue).
    pub fn visits_of(&self, person: PersonIdx) -> impl Iterator<Item = Visit> + '_ {
        let mut out: Vec<Visit> = self
            .levels
            .iter()
            .flat_map(|l| {
                l.person_visits(person)
                    .map(move |(venue, t_in_s, t_out_s)| Visit {
                        person,
                        venue,
                        t_in_s,
                        t_out_s,
                    })
            })
            .collect();
        out.sort_unstable_by_key(|v| (v.t_in_s, v.t_out_s, v.venue));
        out.into_iter()
    }

    /// Every check-in, in no particular order (for rebuilding and tests).
    pub fn visits(&self) -> impl Iterator<Item = Visit> + '_ {
        self.levels.iter().flat_map(|l| l.visits())
    }

    pub(crate) fn level_list(&self) -> &[Arc<Level>] {
        &self.levels
    }
}
