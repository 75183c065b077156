//! Detection: symptomatic, screening and quarantine samples, test results, new F0s.

use super::{day_of, minutes, CourseI, Engine, DAY, HOUR, NO_INFECTION};
use crate::outcome::{Detection, TestKind};
use crate::population::Occupation;
use crate::rng::{Rng, Stream};

/// F0 isolation lasts until treatment ends: ~14 days in late 2021.
const ISOLATION_DAYS: i32 = 14;
/// Mild cases retest after a negative result at most this many times.
const SYMPTOM_RETESTS: u8 = 2;

#[derive(Debug, Clone, Copy)]
pub(super) enum Route {
    Symptoms(u8),
    Screening,
    Quarantine,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub(super) t: i32,
    pub(super) person: u32,
    pub(super) kind: TestKind,
    pub(super) route: Route,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Positive {
    result_t: i32,
    person: u32,
    sample_t: i32,
    kind: TestKind,
    ct: Option<f32>,
}

impl Engine<'_> {
    pub(super) fn push_sample(&mut self, s: Sample) {
        let d = day_of(s.t);
        if d >= 0 && (d as usize) < self.p.days as usize {
            self.samples[d as usize].push(s);
        }
    }

    fn sensitivity(c: &CourseI, t: i32, kind: TestKind) -> f64 {
        let pcr = kind == TestKind::Pcr;
        if t <= c.t_inf {
            0.0
        } else if t < c.inf_from - DAY {
            if pcr {
                0.3
            } else {
                0.05
            }
        } else if t < c.inf_from {
            if pcr {
                0.7
            } else {
                0.3
            }
        } else if t < c.inf_to {
            match (pcr, c.onset <= t) {
                (true, _) => 0.95,
                (false, true) => 0.8,
                (false, false) => 0.65,
            }
        } else if t < c.inf_to + 14 * DAY {
            // RNA outlasts infectiousness; antigen does not.
            if pcr {
                0.85 - 0.04 * f64::from(t - c.inf_to) / f64::from(DAY)
            } else {
                0.1
            }
        } else {
            0.0
        }
    }

    /// Cycle threshold: lowest (most virus) around symptom onset, rising after.
    fn ct(c: &CourseI, t: i32, r: &mut Rng) -> f32 {
        let peak = c.inf_from + minutes(1.5);
        let days = f64::from(t - peak) / f64::from(DAY);
        let slope = if days < 0.0 { -3.0 } else { 1.4 };
        let ct = (17.0 + slope * days + 2.0 * r.normal()).clamp(12.0, 39.5);
        ((ct * 10.0).round() / 10.0) as f32
    }

    pub(super) fn take_samples(&mut self, d: u32) {
        let samples = std::mem::take(&mut self.samples[d as usize]);
        for s in samples {
            let id = self.inf_id[s.person as usize];
            if id == NO_INFECTION {
                continue;
            }
            let c = &self.courses[id as usize];
            if c.detected || (c.died && c.end <= s.t) {
                continue;
            }
            let route_key = match s.route {
                Route::Symptoms(a) => u64::from(a),
                Route::Screening => 10,
                Route::Quarantine => 11,
            };
            let mut r = Rng::new(
                self.p.seed,
                Stream::Testing,
                u64::from(s.person),
                (s.t as u32 as u64) << 8 | route_key,
            );
            if r.chance(Self::sensitivity(c, s.t, s.kind)) {
                let (result_t, ct) = match s.kind {
                    TestKind::Pcr => (
                        s.t + r.range(8 * HOUR, 30 * HOUR),
                        Some(Self::ct(c, s.t, &mut r)),
                    ),
                    TestKind::Antigen => (s.t + r.range(15, 40), None),
                };
                let rd = day_of(result_t) as usize;
                if rd < self.p.days as usize {
                    self.positives[rd].push(Positive {
                        result_t,
                        person: s.person,
                        sample_t: s.t,
                        kind: s.kind,
                        ct,
                    });
                }
            } else if let Route::Symptoms(a) = s.route {
                if a < SYMPTOM_RETESTS {
                    self.push_sample(Sample {
                        t: s.t + 2 * DAY,
                        person: s.person,
                        kind: TestKind::Pcr,
                        route: Route::Symptoms(a + 1),
                    });
                }
            }
        }
    }

    /// Today's first positive results become cases; returns (infection id, sample time).
    pub(super) fn publish_results(&mut self, d: u32) -> Vec<(u32, i32)> {
        let mut today = std::mem::take(&mut self.positives[d as usize]);
        today.sort_unstable_by_key(|x| (x.result_t, x.person, x.sample_t));
        let mut f0 = Vec::new();
        for x in today {
            let id = self.inf_id[x.person as usize];
            let c = &mut self.courses[id as usize];
            if c.detected {
                continue;
            }
            c.detected = true;
            let mut r = Rng::new(self.p.seed, Stream::Testing, u64::from(x.person), u64::MAX);
            let iso = x.result_t
                + match x.kind {
                    TestKind::Pcr => r.range(HOUR, 6 * HOUR),
                    TestKind::Antigen => r.range(10, 60),
                };
            c.iso = iso;
            c.iso_end = iso + ISOLATION_DAYS * DAY;
            let sample_day = day_of(x.sample_t);
            let i = x.person as usize;
            let quarantined =
                i32::from(self.q_from[i]) <= sample_day && sample_day < i32::from(self.q_to[i]);
            let onset = (c.onset <= x.result_t).then_some(c.onset);
            let severity = c.severity;
            self.cases.push(Detection {
                person: x.person,
                test: x.kind,
                sample_s: self.secs(x.sample_t),
                result_s: self.secs(x.result_t),
                ct: x.ct,
                onset_s: onset.map(|t| self.secs(t)),
                severity,
                isolation_s: self.secs(iso),
                community: !quarantined,
            });
            f0.push((id, x.sample_t));
        }
        f0
    }

    /// Community screening (market traders, health staff and hotspots are tested more)
    /// samples infected people tomorrow. Only the infected are drawn: a negative test of
    /// an uninfected person changes nothing in the simulation.
    pub(super) fn screen(&mut self, d: u32) {
        let next = d + 1;
        if next >= self.p.days {
            return;
        }
        let de = (d as i32 + 1) * DAY;
        let mut new = Vec::new();
        for &id in &self.active {
            let c = &self.courses[id as usize];
            if c.detected || c.t_inf >= de || (c.died && c.end <= de) {
                continue;
            }
            let occ = self.people.occupation[c.person as usize];
            let factor = match occ {
                Occupation::ShopWorker | Occupation::HealthWorker => 3.0,
                _ => 1.0,
            };
            let mut r = Rng::new(
                self.p.seed,
                Stream::Screening,
                u64::from(c.person),
                u64::from(d),
            );
            if r.chance(self.p.community_screening * factor) {
                let kind = if r.chance(0.5) {
                    TestKind::Pcr
                } else {
                    TestKind::Antigen
                };
                new.push(Sample {
                    t: next as i32 * DAY + 7 * HOUR + r.range(0, 10 * HOUR),
                    person: c.person,
                    kind,
                    route: Route::Screening,
                });
            }
        }
        for s in new {
            self.push_sample(s);
        }
    }
}
