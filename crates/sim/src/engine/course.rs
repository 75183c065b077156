//! Infections: the seeds and each infection's natural history (course) and symptomatic test.

use super::detect::{Route, Sample};
use super::{day_of, minutes, CourseI, Engine, DAY, HOUR, NEVER, NO_INFECTION};
use crate::outcome::{Place, Severity, TestKind};
use crate::rng::{Rng, Stream};
use crate::tables::{band10, P_CRITICAL, P_DEATH, P_MODERATE, P_SEVERE, P_SYMPTOMATIC};

/// Asymptomatic infections transmit less (Covasim's `asymp_factor` is 1.0; the literature
/// ranges 0.3–0.7); breakthrough infections a little less again.
const ASYMPTOMATIC_FACTOR: f32 = 0.5;
const BREAKTHROUGH_FACTOR: f32 = 0.8;
/// Chance that a dose turns a moderate-or-worse course into a mild one.
const VACCINE_SEVERITY_PROTECTION: [f64; 3] = [0.0, 0.6, 0.85];

impl Engine<'_> {
    pub(super) fn seed_infections(&mut self) {
        let n = self.people.len() as u32;
        let mut rng = Rng::new(self.p.seed, Stream::Seeds, 0, 0);
        let mut seeds: Vec<(i32, u32)> = Vec::new();
        let want = self.p.initial_infections as usize;
        let mut tries = 0;
        // The wave starts among working-age people in the wards.
        while seeds.len() < want && tries < 1000 * want.max(1) {
            tries += 1;
            let p = rng.below(n);
            let age = self.people.age[p as usize];
            let urban = self.urban[self.people.commune(p) as usize];
            if !(15..70).contains(&age) || (!urban && !rng.chance(0.3)) {
                continue;
            }
            if seeds.iter().any(|&(_, q)| q == p) {
                continue;
            }
            seeds.push((-1 - rng.range(0, 4 * DAY - 1), p));
        }
        seeds.sort_unstable();
        for (t, p) in seeds {
            self.infect(p, t, None, Place::Seed);
        }
    }

    /// Records an infection and draws its course and, if symptomatic, its test.
    pub(super) fn infect(&mut self, p: u32, t: i32, infector: Option<u32>, place: Place) {
        debug_assert_eq!(self.inf_id[p as usize], NO_INFECTION);
        let id = self.courses.len() as u32;
        self.inf_id[p as usize] = id;
        self.infections.push((t, p, infector, place));
        let mut r = Rng::new(self.p.seed, Stream::Course, u64::from(p), 0);
        let band = band10(self.people.age[p as usize]);
        let doses = self.vax.level(p, day_of(t));
        // Delta: latent ~3.7 days, incubation ~4.4 (Li et al. 2021, Guangdong).
        let inf_from = t + minutes(r.lognormal(3.7, 1.2).max(1.0));
        let u = r.f64();
        let mut severity = if u >= P_SYMPTOMATIC[band] {
            Severity::Asymptomatic
        } else if u < P_CRITICAL[band] {
            Severity::Critical
        } else if u < P_SEVERE[band] {
            Severity::Severe
        } else if u < P_SEVERE[band] + P_MODERATE[band] {
            Severity::Moderate
        } else {
            Severity::Mild
        };
        if severity >= Severity::Moderate
            && r.chance(VACCINE_SEVERITY_PROTECTION[usize::from(doses)])
        {
            severity = Severity::Mild;
        }
        let symptomatic = severity != Severity::Asymptomatic;
        let onset = if symptomatic {
            inf_from + minutes(r.lognormal(1.8, 0.8).max(0.1))
        } else {
            NEVER
        };
        let mean_infectious = if symptomatic { 8.0 } else { 7.0 };
        let mut inf_to = inf_from + minutes(r.lognormal(mean_infectious, 2.0).max(3.0));
        let hosp = match severity {
            Severity::Severe | Severity::Critical => {
                onset + minutes(r.lognormal(4.0, 2.0).max(0.5))
            }
            Severity::Moderate if r.chance(0.5) => onset + minutes(r.lognormal(5.0, 2.0).max(0.5)),
            _ => NEVER,
        };
        let died =
            severity == Severity::Critical && r.chance((P_DEATH[band] / P_CRITICAL[band]).min(1.0));
        let end = if died {
            (onset + minutes(r.lognormal(14.0, 5.0).max(3.0))).max(hosp.saturating_add(DAY))
        } else {
            match severity {
                Severity::Asymptomatic => inf_to,
                Severity::Mild => inf_to.max(onset + minutes(r.lognormal(10.0, 3.0))),
                Severity::Moderate => onset + minutes(r.lognormal(14.0, 4.0)),
                Severity::Severe => onset + minutes(r.lognormal(20.0, 6.0)),
                Severity::Critical => onset + minutes(r.lognormal(24.0, 8.0)),
            }
            .max(inf_to)
            .max(if hosp == NEVER { 0 } else { hosp + DAY })
        };
        if died {
            inf_to = inf_to.min(end);
        }
        let mut inf_factor = if symptomatic {
            1.0
        } else {
            ASYMPTOMATIC_FACTOR
        };
        if doses > 0 {
            inf_factor *= BREAKTHROUGH_FACTOR;
        }
        self.courses.push(CourseI {
            person: p,
            t_inf: t,
            inf_from,
            inf_to,
            onset,
            hosp,
            end,
            died,
            severity,
            inf_factor,
            doses,
            iso: NEVER,
            iso_end: NEVER,
            detected: false,
        });
        self.active.push(id);
        if symptomatic {
            let p_test = if severity == Severity::Mild {
                self.p.symptomatic_testing
            } else {
                1.0
            };
            if r.chance(p_test) {
                let delay = match severity {
                    Severity::Mild => r.lognormal(2.0, 1.2),
                    Severity::Moderate => r.lognormal(1.5, 0.8),
                    _ => r.lognormal(1.0, 0.5),
                };
                let mut t_sample = onset + minutes(delay);
                if hosp != NEVER {
                    t_sample = t_sample.min(hosp);
                }
                // Samples are taken in working hours, never before the first simulated day.
                let day = day_of(t_sample).max(0);
                let t = day * DAY + 7 * HOUR + r.range(0, 10 * HOUR);
                let kind = if severity == Severity::Mild && r.chance(0.5) {
                    TestKind::Antigen
                } else {
                    TestKind::Pcr
                };
                self.push_sample(Sample {
                    t,
                    person: p,
                    kind,
                    route: Route::Symptoms(0),
                });
            }
        }
    }
}
