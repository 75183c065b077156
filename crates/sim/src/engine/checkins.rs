//! Recorded check-ins: the per-day log the tracer reads, and what the outcome keeps.

use rayon::prelude::*;

use super::{Engine, DAY};
use crate::outcome::{CheckIns, ScanMode};
use crate::schedule::{Visit, MODE_MASK, SELF_SCAN, STAFF_SCAN};

/// A recorded check-in of a retained day: times in minutes after that day's midnight, the
/// scan mode in the top bits of `t_out`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rec {
    pub(super) venue: u32,
    pub(super) person: u32,
    pub(super) t_in: u16,
    t_out_mode: u16,
}

impl Rec {
    const MODE_SHIFT: u16 = 13;
    pub(super) fn t_out(self) -> u16 {
        self.t_out_mode & ((1 << Self::MODE_SHIFT) - 1)
    }
    fn mode(self) -> ScanMode {
        if (self.t_out_mode >> Self::MODE_SHIFT) == u16::from(STAFF_SCAN) {
            ScanMode::StaffScan
        } else {
            ScanMode::SelfScan
        }
    }
}

pub(super) struct DayLog {
    pub(super) day: u32,
    /// Sorted by (venue, t_in, person).
    pub(super) recs: Vec<Rec>,
}

impl Engine<'_> {
    pub(super) fn log_checkins(&mut self, d: u32, visits: &[Visit]) {
        let recs: Vec<Rec> = visits
            .par_iter()
            .filter(|v| v.flags & MODE_MASK != 0)
            .map(|v| Rec {
                venue: v.venue,
                person: v.person,
                t_in: v.t_in,
                t_out_mode: v.t_out | (u16::from(v.flags & MODE_MASK) << Rec::MODE_SHIFT),
            })
            .collect();
        let recs = group_by_venue(
            recs,
            self.venues.len(),
            |r| r.venue,
            |r| u64::from(r.t_in) << 32 | u64::from(r.person),
        );
        self.log.push_back(DayLog { day: d, recs });
    }

    pub(super) fn keep_visits(&mut self, d: u32, visits: &[Visit]) {
        let mut sorted = visits.to_vec();
        sorted.sort_unstable_by_key(|v| u64::from(v.t_in) << 32 | u64::from(v.person));
        let base = self.secs(d as i32 * DAY);
        for v in sorted {
            self.visits.person.push(v.person);
            self.visits.venue.push(v.venue);
            self.visits.t_in_s.push(base + i64::from(v.t_in) * 60);
            self.visits.t_out_s.push(base + i64::from(v.t_out) * 60);
            self.visits.mode.push(match v.flags & MODE_MASK {
                SELF_SCAN => Some(ScanMode::SelfScan),
                STAFF_SCAN => Some(ScanMode::StaffScan),
                _ => None,
            });
        }
    }

    /// The recorded check-ins of the last `keep_checkin_days` days, sorted by
    /// (t_in, person, venue).
    pub(super) fn kept_checkins(&mut self) -> CheckIns {
        let first = self.p.days.saturating_sub(self.p.keep_checkin_days);
        let total: usize = self
            .log
            .iter()
            .filter(|l| l.day >= first)
            .map(|l| l.recs.len())
            .sum();
        // Zeroed allocations are mapped lazily, so filling them day by day while each day's
        // log is freed keeps the peak near the size of the output.
        let mut out = CheckIns {
            person: vec![0; total],
            venue: vec![0; total],
            t_in_s: vec![0; total],
            t_out_s: vec![0; total],
            mode: vec![ScanMode::SelfScan; total],
        };
        let mut at = 0;
        while let Some(mut log) = self.log.pop_front() {
            if log.day < first {
                continue;
            }
            // (t_in, person) is unique: a person starts one visit at a time.
            log.recs
                .par_sort_unstable_by_key(|r| u64::from(r.t_in) << 32 | u64::from(r.person));
            let base = self.secs(log.day as i32 * DAY);
            let range = at..at + log.recs.len();
            at = range.end;
            (
                &mut out.person[range.clone()],
                &mut out.venue[range.clone()],
                &mut out.t_in_s[range.clone()],
                &mut out.t_out_s[range.clone()],
                &mut out.mode[range],
            )
                .into_par_iter()
                .zip(log.recs.par_iter())
                .for_each(|((person, venue, t_in, t_out, mode), r)| {
                    *person = r.person;
                    *venue = r.venue;
                    *t_in = base + i64::from(r.t_in) * 60;
                    *t_out = base + i64::from(r.t_out()) * 60;
                    *mode = r.mode();
                });
        }
        debug_assert_eq!(at, total);
        out
    }
}

/// Stable counting sort by venue, then each venue's run sorted by `minor`: O(n + venues)
/// and small independent sorts instead of one comparison sort of the whole day.
pub(super) fn group_by_venue<T: Copy + Send>(
    items: Vec<T>,
    venues: usize,
    venue: impl Fn(&T) -> u32,
    minor: impl Fn(&T) -> u64 + Sync,
) -> Vec<T> {
    let Some(&first) = items.first() else {
        return items;
    };
    let mut start = vec![0usize; venues + 1];
    for it in &items {
        start[venue(it) as usize + 1] += 1;
    }
    for v in 0..venues {
        start[v + 1] += start[v];
    }
    let mut next = start.clone();
    let mut out = vec![first; items.len()];
    for it in items {
        let slot = &mut next[venue(&it) as usize];
        out[*slot] = it;
        *slot += 1;
    }
    let mut runs: Vec<&mut [T]> = Vec::new();
    let mut rest: &mut [T] = &mut out;
    for v in 0..venues {
        let len = start[v + 1] - start[v];
        let (run, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        if len > 1 {
            runs.push(run);
        }
    }
    runs.into_par_iter()
        .for_each(|run| run.sort_unstable_by_key(&minor));
    out
}
