//! Contact tracing through households and recorded check-ins, and F1 quarantine.

use std::cmp::Reverse;

use chrono::NaiveDate;
use rayon::prelude::*;

use super::checkins::Rec;
use super::detect::{Route, Sample};
use super::{day_of, Engine, DAY, HOUR, NO_INFECTION};
use crate::outcome::TestKind;
use crate::rng::{Rng, Stream};

/// RULES.md: the F1 definition asks for ≥ 15 minutes in the same closed space.
const CONTACT_OVERLAP_MIN: i32 = 15;
/// Days of recorded check-ins the tracer can look back (an F0's window opens 2 days before
/// onset; detection follows onset by up to ~10 days).
pub(super) const TRACE_LOOKBACK_DAYS: u32 = 15;
/// Share of the venue contacts found in check-ins whom the tracers reach (calls, the app's
/// notices, ward announcements) (assumed); households are always told.
const VENUE_CONTACT_REACH: f64 = 0.5;

impl Engine<'_> {
    /// Quarantines today's F0s' household members and the people whose recorded
    /// check-ins overlap an F0's recorded check-in by ≥ 15 minutes inside the F0's
    /// infectious window (RULES.md: from 2 days before onset, or before the sample if
    /// asymptomatic, to isolation). Returns how many were newly quarantined.
    pub(super) fn trace(&mut self, d: u32, f0: &[(u32, i32)]) -> u32 {
        if f0.is_empty() {
            return 0;
        }
        let de = (d as i32 + 1) * DAY;
        // (person, household member): households are told at once, venue contacts when
        // the tracers reach them.
        let mut contacts: Vec<(u32, bool)> = Vec::new();
        // (person, window start, window end), sorted by person for lookups.
        let mut windows: Vec<(u32, i32, i32)> = Vec::with_capacity(f0.len());
        for &(id, sample) in f0 {
            let c = &self.courses[id as usize];
            let start = if c.onset <= sample { c.onset } else { sample } - 2 * DAY;
            windows.push((c.person, start, c.iso.min(de)));
            let h = self.people.household[c.person as usize];
            contacts.extend(
                self.hh
                    .members(h)
                    .filter(|&m| m != c.person)
                    .map(|m| (m, true)),
            );
        }
        windows.sort_unstable();
        let first_day = windows
            .iter()
            .map(|w| day_of(w.1))
            .min()
            .unwrap_or(d as i32);
        let mut is_f0 = vec![0u64; self.people.len().div_ceil(64)];
        for w in &windows {
            is_f0[w.0 as usize / 64] |= 1 << (w.0 % 64);
        }
        // The tracer sees TRACE_LOOKBACK_DAYS whatever the outcome keeps, so that
        // `keep_checkin_days` never changes the epidemic.
        let oldest = (d + 1).saturating_sub(TRACE_LOOKBACK_DAYS) as i32;
        for log in self
            .log
            .iter()
            .filter(|l| l.day as i32 >= first_day.max(oldest))
        {
            let base = log.day as i32 * DAY;
            let recs = &log.recs;
            let own: Vec<Rec> = recs
                .par_iter()
                .filter(|r| is_f0[r.person as usize / 64] & (1 << (r.person % 64)) != 0)
                .copied()
                .collect();
            let found: Vec<Vec<(u32, bool)>> = own
                .par_iter()
                .map(|r| {
                    let mut out = Vec::new();
                    let Ok(k) = windows.binary_search_by_key(&r.person, |w| w.0) else {
                        return out;
                    };
                    let (_, ws, we) = windows[k];
                    let a = (base + i32::from(r.t_in)).max(ws);
                    let b = (base + i32::from(r.t_out())).min(we);
                    if b - a < CONTACT_OVERLAP_MIN {
                        return out;
                    }
                    let lo = recs.partition_point(|x| x.venue < r.venue);
                    for x in &recs[lo..] {
                        let x_in = base + i32::from(x.t_in);
                        if x.venue != r.venue || x_in >= b {
                            break;
                        }
                        let overlap = (base + i32::from(x.t_out())).min(b) - x_in.max(a);
                        if x.person != r.person && overlap >= CONTACT_OVERLAP_MIN {
                            out.push((x.person, false));
                        }
                    }
                    out
                })
                .collect();
            contacts.extend(found.into_iter().flatten());
        }
        // A household member listed twice sorts first (true > false after Reverse).
        contacts.sort_unstable_by_key(|&(p, h)| (p, Reverse(h)));
        contacts.dedup_by_key(|c| c.0);
        let mut newly = 0;
        for (p, household) in contacts {
            let i = p as usize;
            let mut r = Rng::new(self.p.seed, Stream::Tracing, u64::from(p), u64::from(d));
            if !household && !r.chance(VENUE_CONTACT_REACH) {
                continue;
            }
            let start = d + 1 + if household { 0 } else { r.below(2) };
            if start >= self.p.days {
                continue;
            }
            let date = self.p.start_date + chrono::Days::new(u64::from(start));
            let id = self.inf_id[i];
            if id != NO_INFECTION {
                let c = &self.courses[id as usize];
                if c.detected || (c.died && c.end <= de) {
                    continue;
                }
            }
            let fully = self.vax.level(p, start as i32) >= 2;
            let len = quarantine_days(date, fully);
            if len == 0 {
                continue;
            }
            let until = (start + len).min(u32::from(u16::MAX)) as u16;
            if u32::from(self.q_to[i]) > start {
                self.q_to[i] = self.q_to[i].max(until);
                continue;
            }
            self.q_from[i] = start as u16;
            self.q_to[i] = until;
            newly += 1;
            // Tests on the first day, on day 7 and on the last day of quarantine.
            let mut offsets = vec![0, 6, len - 1];
            offsets.retain(|&o| o < len);
            offsets.dedup();
            for o in offsets {
                let t = (start + o) as i32 * DAY + 8 * HOUR + r.range(0, 3 * HOUR);
                self.push_sample(Sample {
                    t,
                    person: p,
                    kind: TestKind::Pcr,
                    route: Route::Quarantine,
                });
            }
        }
        newly
    }
}

/// F1 quarantine length in days on `date` under the quarantine rule in force then
/// (`data/policies/tracing.toml`: Decision 5599, Official Letter 10696, the BYT letter of
/// 21 Feb 2022, Official Letter 1909), the nearest rule outside every rule's period; 0 where
/// the rule quarantines no F1.
pub fn quarantine_days(date: NaiveDate, fully_vaccinated: bool) -> u32 {
    let Some(rule) = policies().quarantine_nearest(date) else {
        return 0;
    };
    if rule.f1_place.value == domain::policy::QuarantinePlace::None {
        return 0;
    }
    let days = if fully_vaccinated {
        rule.f1_days_vaccinated.value
    } else {
        rule.f1_days_unvaccinated.value
    };
    u32::try_from(days).unwrap_or(0)
}

/// The embedded rules, parsed once. They are compiled in and checked by `domain`'s tests, so
/// a failure here is a build defect, not an input.
fn policies() -> &'static domain::policy::Policies {
    static POLICIES: std::sync::OnceLock<domain::policy::Policies> = std::sync::OnceLock::new();
    POLICIES.get_or_init(|| {
        domain::policy::Policies::embedded().expect("the embedded data/policies parse")
    })
}
