//! Transmission in venues (from the overlap of actual visits) and in households.

use rayon::prelude::*;

use super::checkins::group_by_venue;
use super::{Engine, DAY, NO_INFECTION};
use crate::outcome::Place;
use crate::rng::{Rng, Stream};
use crate::schedule::{Visit, INFECTIOUS};
use crate::tables::{band10, REL_SUSCEPTIBILITY};

/// Transmission per day between an infectious person and a household member (before
/// susceptibility and infectiousness factors): over ~8 infectious days a symptomatic case
/// infects ~55% of unvaccinated adult members and ~30% of those with two doses if not
/// isolated; Delta's reported household attack rates span ~20–60%. The venue and household
/// rates together are calibrated so that the default scenario (100,000 people, Hà Nội,
/// 1 Nov 2021, 56 days) gives a wave of a few thousand infections that turns within the
/// run, and an unmitigated reproduction number near 2.
const BETA_HOUSEHOLD_PER_DAY: f64 = 0.1;
/// An isolated case (facility or strict home isolation) still exposes the household a
/// little; a hospitalised one hardly at all.
const ISOLATED_HOUSEHOLD_FACTOR: f64 = 0.25;
const HOSPITAL_HOUSEHOLD_FACTOR: f64 = 0.05;
/// Relative susceptibility with 0/1/2 effective doses (Delta, months after the dose).
const VACCINE_SUSCEPTIBILITY: [f64; 3] = [1.0, 0.7, 0.45];

#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub(super) infectee: u32,
    pub(super) t: i32,
    pub(super) infector: u32,
    pub(super) place: Place,
}

impl Engine<'_> {
    fn susceptibility(&self, p: u32, day: i32) -> f64 {
        REL_SUSCEPTIBILITY[band10(self.people.age[p as usize])]
            * VACCINE_SUSCEPTIBILITY[usize::from(self.vax.level(p, day))]
    }

    pub(super) fn venue_transmission(&self, d: u32, visits: Vec<Visit>) -> Vec<Candidate> {
        let ds = d as i32 * DAY;
        let mut hot = vec![false; self.venues.len()];
        let mut any = false;
        for v in visits.iter().filter(|v| v.flags & INFECTIOUS != 0) {
            hot[v.venue as usize] = true;
            any = true;
        }
        if !any {
            return Vec::new();
        }
        let at_hot: Vec<Visit> = visits
            .into_par_iter()
            .filter(|v| hot[v.venue as usize])
            .collect();
        let at_hot = group_by_venue(
            at_hot,
            self.venues.len(),
            |v| v.venue,
            |v| u64::from(v.t_in) << 32 | u64::from(v.person),
        );
        let spreaders: Vec<usize> = (0..at_hot.len())
            .filter(|&k| at_hot[k].flags & INFECTIOUS != 0)
            .collect();
        let scale = self.p.transmission_scale;
        let found: Vec<Vec<Candidate>> = spreaders
            .par_iter()
            .map(|&k| {
                let src = at_hot[k];
                let c = &self.courses[self.inf_id[src.person as usize] as usize];
                let (from, to) = (c.inf_from - ds, c.inf_to - ds);
                let beta = f64::from(self.venues.beta_per_min[src.venue as usize])
                    * f64::from(c.inf_factor)
                    * scale;
                let mut out = Vec::new();
                let lo = at_hot.partition_point(|x| x.venue < src.venue);
                for x in &at_hot[lo..] {
                    if x.venue != src.venue || x.t_in >= src.t_out {
                        break;
                    }
                    if x.person == src.person || self.inf_id[x.person as usize] != NO_INFECTION {
                        continue;
                    }
                    let a = i32::from(src.t_in.max(x.t_in)).max(from);
                    let b = i32::from(src.t_out.min(x.t_out)).min(to);
                    if b <= a {
                        continue;
                    }
                    let p = 1.0
                        - (-beta * f64::from(b - a) * self.susceptibility(x.person, d as i32))
                            .exp();
                    let mut r = Rng::new(
                        self.p.seed,
                        Stream::VenueTx,
                        u64::from(d) << 32 | u64::from(src.person),
                        u64::from(x.person) << 22 | u64::from(src.t_in) << 11 | u64::from(x.t_in),
                    );
                    if r.chance(p) {
                        out.push(Candidate {
                            infectee: x.person,
                            t: ds + a + r.below((b - a) as u32) as i32,
                            infector: src.person,
                            place: Place::Venue(src.venue),
                        });
                    }
                }
                out
            })
            .collect();
        found.into_iter().flatten().collect()
    }

    pub(super) fn household_transmission(&self, d: u32) -> Vec<Candidate> {
        let ds = d as i32 * DAY;
        let de = ds + DAY;
        let beta = BETA_HOUSEHOLD_PER_DAY * self.p.transmission_scale;
        let mut out = Vec::new();
        for &id in &self.active {
            let c = &self.courses[id as usize];
            let a = c.inf_from.max(ds);
            let mut b = c.inf_to.min(de);
            if c.died {
                b = b.min(c.end);
            }
            if b <= a {
                continue;
            }
            let mut factor = f64::from(c.inf_factor) * f64::from(b - a) / f64::from(DAY);
            if c.hosp <= a && a < c.end {
                factor *= HOSPITAL_HOUSEHOLD_FACTOR;
            } else if self.p.response && c.iso <= a && a < c.iso_end {
                factor *= ISOLATED_HOUSEHOLD_FACTOR;
            }
            let h = self.people.household[c.person as usize];
            for m in self.hh.members(h) {
                if m == c.person || self.inf_id[m as usize] != NO_INFECTION {
                    continue;
                }
                let p = 1.0 - (-beta * factor * self.susceptibility(m, d as i32)).exp();
                let mut r = Rng::new(
                    self.p.seed,
                    Stream::HouseholdTx,
                    u64::from(d) << 32 | u64::from(c.person),
                    u64::from(m),
                );
                if r.chance(p) {
                    out.push(Candidate {
                        infectee: m,
                        t: a + r.below((b - a) as u32) as i32,
                        infector: c.person,
                        place: Place::Household(h),
                    });
                }
            }
        }
        out
    }
}
