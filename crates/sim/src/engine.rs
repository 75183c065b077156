//! The day loop.
//!
//! Each day, in this order: vaccinate; take the day's samples and publish the day's test
//! results (new F0s, isolated); generate everyone's visits (recorded ones become
//! check-ins); trace today's F0s through recorded check-ins and households (F1s are
//! quarantined from tomorrow); transmit in households and venues from the overlap of that
//! day's actual visits; give each new infection its course and, if symptomatic, its test;
//! draw tomorrow's community screening. A day only reads state that earlier days or
//! earlier steps wrote, so the order of people within a step never matters, and every
//! random number comes from a counter-based stream keyed by what it decides.
//!
//! Only one day of visits is held at a time; recorded check-ins are kept for the tracing
//! look-back and for the outcome's `keep_checkin_days`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use chrono::{Datelike, NaiveDate, NaiveTime};
use rayon::prelude::*;

use crate::outcome::{
    CheckIns, Course, CourseEnd, DayStats, Detection, Dose, Infection, Outcome, Place, ScanMode,
    Severity, TestKind, Visits, PRODUCTS,
};
use crate::params::{Params, SimError};
use crate::population::{self, Households, Occupation, People};
use crate::rng::{Rng, Stream};
use crate::schedule::{self, DayCtx, Visit, INFECTIOUS, MODE_MASK, SELF_SCAN, STAFF_SCAN};
use crate::tables::{
    band10, P_CRITICAL, P_DEATH, P_MODERATE, P_SEVERE, P_SYMPTOMATIC, REL_SUSCEPTIBILITY,
};
use crate::venues::{self, Finder, Venues};
use crate::Stage;

pub(crate) const NEVER: i32 = i32::MAX;
pub(crate) const NO_INFECTION: u32 = u32::MAX;
const DAY: i32 = 1440;
const HOUR: i32 = 60;

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
/// Asymptomatic infections transmit less (Covasim's `asymp_factor` is 1.0; the literature
/// ranges 0.3–0.7); breakthrough infections a little less again.
const ASYMPTOMATIC_FACTOR: f32 = 0.5;
const BREAKTHROUGH_FACTOR: f32 = 0.8;
/// Relative susceptibility with 0/1/2 effective doses (Delta, months after the dose).
const VACCINE_SUSCEPTIBILITY: [f64; 3] = [1.0, 0.7, 0.45];
/// Chance that a dose turns a moderate-or-worse course into a mild one.
const VACCINE_SEVERITY_PROTECTION: [f64; 3] = [0.0, 0.6, 0.85];
/// A dose counts from 14 days after it is given.
const DOSE_EFFECT_DAYS: i32 = 14;
/// F0 isolation lasts until treatment ends: ~14 days in late 2021.
const ISOLATION_DAYS: i32 = 14;
/// RULES.md: the F1 definition asks for ≥ 15 minutes in the same closed space.
const CONTACT_OVERLAP_MIN: i32 = 15;
/// Days of recorded check-ins the tracer can look back (an F0's window opens 2 days before
/// onset; detection follows onset by up to ~10 days).
const TRACE_LOOKBACK_DAYS: u32 = 15;
/// Share of the venue contacts found in check-ins whom the tracers reach (calls, the app's
/// notices, ward announcements) (assumed); households are always told.
const VENUE_CONTACT_REACH: f64 = 0.5;
/// Mild cases retest after a negative result at most this many times.
const SYMPTOM_RETESTS: u8 = 2;
/// Doses 1 → 2 interval per product, days (Vietnam 2021: AstraZeneca 8–12 weeks, Pfizer
/// 3–4 weeks, Moderna 4 weeks, Vero Cell 3–4 weeks).
const DOSE_INTERVAL_DAYS: [i32; 4] = [56, 21, 28, 28];
/// Share of unvaccinated adults who will not take a vaccine (assumed).
const REFUSAL: f64 = 0.3;
const NO_DOSE: i16 = i16::MAX;

#[derive(Debug, Clone)]
pub(crate) struct CourseI {
    pub person: u32,
    pub t_inf: i32,
    pub inf_from: i32,
    pub inf_to: i32,
    pub onset: i32,
    pub hosp: i32,
    /// Recovery or death.
    pub end: i32,
    pub died: bool,
    pub severity: Severity,
    pub inf_factor: f32,
    pub doses: u8,
    pub iso: i32,
    pub iso_end: i32,
    pub detected: bool,
}

#[derive(Debug, Clone, Copy)]
enum Route {
    Symptoms(u8),
    Screening,
    Quarantine,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    t: i32,
    person: u32,
    kind: TestKind,
    route: Route,
}

#[derive(Debug, Clone, Copy)]
struct Positive {
    result_t: i32,
    person: u32,
    sample_t: i32,
    kind: TestKind,
    ct: Option<f32>,
}

/// A recorded check-in of a retained day: times in minutes after that day's midnight, the
/// scan mode in the top bits of `t_out`.
#[derive(Debug, Clone, Copy)]
struct Rec {
    venue: u32,
    person: u32,
    t_in: u16,
    t_out_mode: u16,
}

impl Rec {
    const MODE_SHIFT: u16 = 13;
    fn t_out(self) -> u16 {
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

struct DayLog {
    day: u32,
    /// Sorted by (venue, t_in, person).
    recs: Vec<Rec>,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    infectee: u32,
    t: i32,
    infector: u32,
    place: Place,
}

struct Vax {
    /// Day (relative to the start) each dose was given, `NO_DOSE` if not.
    day: Vec<[i16; 2]>,
    product: Vec<u8>,
    first_queue: Vec<u32>,
    cursor: usize,
    second_queue: BinaryHeap<Reverse<(i32, u32)>>,
    carry: f64,
}

impl Vax {
    fn level(&self, p: u32, day: i32) -> u8 {
        let d = self.day[p as usize];
        u8::from(i32::from(d[0]) + DOSE_EFFECT_DAYS <= day)
            + u8::from(i32::from(d[1]) + DOSE_EFFECT_DAYS <= day)
    }
}

struct Engine<'a> {
    p: &'a Params,
    people: &'a People,
    hh: &'a Households,
    venues: &'a Venues,
    finder: &'a Finder,
    urban: Vec<bool>,
    district_of: Vec<u32>,
    districts: usize,
    /// Risk level in force in each commune (its district's), 1..=4.
    level: Vec<u8>,
    inf_id: Vec<u32>,
    infections: Vec<(i32, u32, Option<u32>, Place)>,
    courses: Vec<CourseI>,
    cases: Vec<Detection>,
    q_from: Vec<u16>,
    q_to: Vec<u16>,
    vax: Vax,
    doses: Vec<Dose>,
    samples: Vec<Vec<Sample>>,
    positives: Vec<Vec<Positive>>,
    log: VecDeque<DayLog>,
    active: Vec<u32>,
    daily: Vec<DayStats>,
    visits: Visits,
    t0_s: i64,
}

fn day_of(t: i32) -> i32 {
    t.div_euclid(DAY)
}

fn minutes(x_days: f64) -> i32 {
    (x_days * f64::from(DAY)).round() as i32
}

pub(crate) fn t0_s(start: NaiveDate) -> i64 {
    // Local midnight in Vietnam (UTC+7, no daylight saving).
    start.and_time(NaiveTime::MIN).and_utc().timestamp() - 7 * 3600
}

pub(crate) fn simulate(
    params: &Params,
    progress: &(dyn Fn(Stage, u64, u64) + Sync),
) -> Result<Outcome, SimError> {
    progress(Stage::Population, 0, 1);
    let mut geo = population::geography(params)?;
    let mut pop = population::build(params, &mut geo);
    progress(Stage::Population, 1, 1);
    progress(Stage::Venues, 0, 1);
    let built = venues::build(
        params.seed,
        &geo.communes,
        &geo.district_of,
        geo.districts,
        &mut pop,
    );
    progress(Stage::Venues, 1, 1);
    let urban: Vec<bool> = geo.communes.iter().map(|c| c.urban).collect();
    let n = pop.people.len();
    let days = params.days as usize;
    let mut e = Engine {
        p: params,
        people: &pop.people,
        hh: &pop.households,
        venues: &built.venues,
        finder: &built.finder,
        urban,
        district_of: geo.district_of.clone(),
        districts: geo.districts,
        level: vec![1; geo.communes.len()],
        inf_id: vec![NO_INFECTION; n],
        infections: Vec::new(),
        courses: Vec::new(),
        cases: Vec::new(),
        q_from: vec![0; n],
        q_to: vec![0; n],
        vax: Vax {
            day: vec![[NO_DOSE; 2]; n],
            product: vec![0; n],
            first_queue: Vec::new(),
            cursor: 0,
            second_queue: BinaryHeap::new(),
            carry: 0.0,
        },
        doses: Vec::new(),
        samples: vec![Vec::new(); days + 1],
        positives: vec![Vec::new(); days + 1],
        log: VecDeque::new(),
        active: Vec::new(),
        daily: Vec::with_capacity(days),
        visits: Visits::default(),
        t0_s: t0_s(params.start_date),
    };
    if params.vaccination {
        e.vaccinate_before_start();
    }
    e.seed_infections();
    for d in 0..params.days {
        e.day(d);
        progress(Stage::Day(d), u64::from(d) + 1, u64::from(params.days));
    }
    let checkins = e.kept_checkins();
    let Engine {
        infections,
        courses,
        cases,
        mut doses,
        daily,
        visits,
        t0_s,
        ..
    } = e;
    doses.par_sort_unstable_by_key(|d| (d.t_s, d.person, d.dose_no));
    let end = i32::try_from(params.days).unwrap_or(0) * DAY;
    let secs = |t: i32| t0_s + i64::from(t) * 60;
    let within = |t: i32| (t < end).then(|| secs(t));
    let out_courses = courses
        .iter()
        .map(|c| Course {
            person: c.person,
            infectious_from_s: secs(c.inf_from),
            infectious_to_s: secs(c.inf_to),
            onset_s: if c.onset == NEVER {
                None
            } else {
                within(c.onset)
            },
            severity: c.severity,
            hospitalized_s: if c.hosp == NEVER {
                None
            } else {
                within(c.hosp)
            },
            outcome: match (c.end < end, c.died) {
                (true, true) => CourseEnd::Died { t_s: secs(c.end) },
                (true, false) => CourseEnd::Recovered { t_s: secs(c.end) },
                (false, _) => CourseEnd::Ongoing,
            },
            vaccine_doses: c.doses,
        })
        .collect();
    let out_infections = infections
        .into_iter()
        .map(|(t, infectee, infector, place)| Infection {
            infectee,
            infector,
            place,
            t_s: secs(t),
        })
        .collect();
    drop(built.finder);
    Ok(Outcome {
        params: params.clone(),
        t0_s,
        communes: geo.communes,
        households: pop.households,
        people: pop.people,
        venues: built.venues,
        checkins,
        visits,
        infections: out_infections,
        courses: out_courses,
        cases,
        doses,
        daily,
    })
}

impl Engine<'_> {
    fn secs(&self, t: i32) -> i64 {
        self.t0_s + i64::from(t) * 60
    }

    fn susceptibility(&self, p: u32, day: i32) -> f64 {
        REL_SUSCEPTIBILITY[band10(self.people.age[p as usize])]
            * VACCINE_SUSCEPTIBILITY[usize::from(self.vax.level(p, day))]
    }

    fn push_sample(&mut self, s: Sample) {
        let d = day_of(s.t);
        if d >= 0 && (d as usize) < self.p.days as usize {
            self.samples[d as usize].push(s);
        }
    }

    // ---- vaccination ----------------------------------------------------------------

    fn pick_product(&self, p: u32, rng: &mut Rng) -> u8 {
        if self.people.age[p as usize] < 18 {
            // Teenagers got Pfizer-BioNTech from late October 2021.
            return 1;
        }
        // Hà Nội's 2021 mix (assumed): much AstraZeneca and Vero Cell, Pfizer and some Moderna.
        match rng.f64() {
            u if u < 0.3 => 0,
            u if u < 0.6 => 1,
            u if u < 0.7 => 2,
            _ => 3,
        }
    }

    fn record_dose(&mut self, p: u32, dose_no: u8, day: i32, rng: &mut Rng) {
        let t = day * DAY + 450 + rng.range(0, 570);
        let product = self.vax.product[p as usize];
        self.vax.day[p as usize][usize::from(dose_no - 1)] = day as i16;
        self.doses.push(Dose {
            person: p,
            dose_no,
            t_s: self.secs(t),
            product: PRODUCTS[usize::from(product)],
            commune: self.people.commune(p),
        });
    }

    /// Coverage at the start, from the parameters: doses spread over the 150 days before,
    /// second doses one product interval after the first; people who had one dose get
    /// their second during the run when it falls due.
    fn vaccinate_before_start(&mut self) {
        let n = self.people.len() as u32;
        let (c1, c2) = (self.p.dose1_coverage_start, self.p.dose2_coverage_start);
        let mut first_queue: Vec<(Reverse<u8>, u64, u32)> = Vec::new();
        for p in 0..n {
            let age = self.people.age[p as usize];
            if age < 12 {
                continue;
            }
            let mut rng = Rng::new(self.p.seed, Stream::Vaccination, u64::from(p), 0);
            let u = rng.f64();
            let product = self.pick_product(p, &mut rng);
            self.vax.product[p as usize] = product;
            let interval = DOSE_INTERVAL_DAYS[usize::from(product)];
            if age >= 18 && u < c2 {
                let first = -(interval + 1 + rng.range(0, (149 - interval).max(0)));
                self.record_dose(p, 1, first, &mut rng);
                self.record_dose(p, 2, first + interval, &mut rng);
            } else if age >= 18 && u < c1 {
                let first = -rng.range(1, interval);
                self.record_dose(p, 1, first, &mut rng);
                self.vax.second_queue.push(Reverse((first + interval, p)));
            } else if age < 18 || !rng.chance(REFUSAL) {
                first_queue.push((Reverse(age), rng.next_u64(), p));
            }
        }
        // Older people first.
        first_queue.sort_unstable();
        self.vax.first_queue = first_queue.into_iter().map(|(_, _, p)| p).collect();
    }

    fn vaccinate(&mut self, d: u32) -> u32 {
        let day = d as i32;
        self.vax.carry += self.p.doses_per_day_per_1000 * self.people.len() as f64 / 1000.0;
        let capacity = self.vax.carry.floor();
        self.vax.carry -= capacity;
        let mut given = 0u32;
        let mut rng = Rng::new(self.p.seed, Stream::Vaccination, u64::MAX, u64::from(d));
        while f64::from(given) < capacity {
            // The dead and the isolated are not vaccinated today.
            let alive = |e: &Self, p: u32| {
                let id = e.inf_id[p as usize];
                let now = day * DAY;
                id == NO_INFECTION || {
                    let c = &e.courses[id as usize];
                    let dead = c.died && c.end <= now;
                    let isolated = c.iso <= now && now < c.iso_end;
                    !dead && !isolated
                }
            };
            if let Some(&Reverse((due, p))) = self.vax.second_queue.peek() {
                if due <= day {
                    self.vax.second_queue.pop();
                    if alive(self, p) {
                        self.record_dose(p, 2, day, &mut rng);
                        given += 1;
                    } else {
                        // Ill or isolated: back in the queue a week later.
                        self.vax.second_queue.push(Reverse((day + 7, p)));
                    }
                    continue;
                }
            }
            let Some(&p) = self.vax.first_queue.get(self.vax.cursor) else {
                break;
            };
            self.vax.cursor += 1;
            if alive(self, p) {
                self.record_dose(p, 1, day, &mut rng);
                let interval = DOSE_INTERVAL_DAYS[usize::from(self.vax.product[p as usize])];
                self.vax.second_queue.push(Reverse((day + interval, p)));
                given += 1;
            }
        }
        given
    }

    // ---- infections -----------------------------------------------------------------

    fn seed_infections(&mut self) {
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
    fn infect(&mut self, p: u32, t: i32, infector: Option<u32>, place: Place) {
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

    // ---- testing --------------------------------------------------------------------

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

    fn take_samples(&mut self, d: u32) {
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
    fn publish_results(&mut self, d: u32) -> Vec<(u32, i32)> {
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

    // ---- the day --------------------------------------------------------------------

    fn day(&mut self, d: u32) {
        let ds = d as i32 * DAY;
        let de = ds + DAY;
        let doses = if self.p.vaccination {
            self.vaccinate(d)
        } else {
            0
        };
        if self.p.restrictions && d > 0 && d % 7 == 0 {
            self.assess_levels(d);
        }
        self.take_samples(d);
        let f0 = self.publish_results(d);

        let visits = self.visits_of(d);
        let n_visits = visits.len() as u64;
        let recorded = visits.iter().filter(|v| v.flags & MODE_MASK != 0).count() as u64;
        self.log_checkins(d, &visits);
        if self.p.keep_visits {
            self.keep_visits(d, &visits);
        }
        if self.p.tracing {
            self.trace(d, &f0);
        }

        let mut cands = self.venue_transmission(d, visits);
        cands.extend(self.household_transmission(d));
        cands.sort_unstable_by_key(|c| (c.infectee, c.t, c.infector, c.place));
        cands.dedup_by_key(|c| c.infectee);
        cands.sort_unstable_by_key(|c| (c.t, c.infectee));
        let new_infections = cands.len() as u32;
        for c in cands {
            debug_assert!(c.t >= ds && c.t < de);
            self.infect(c.infectee, c.t, Some(c.infector), c.place);
        }

        self.screen(d);

        let mut deaths = 0;
        let mut active_infections = 0;
        for &id in &self.active {
            let c = &self.courses[id as usize];
            if c.died && (ds..de).contains(&c.end) {
                deaths += 1;
            }
            if c.t_inf < de && c.end >= de {
                active_infections += 1;
            }
        }
        let courses = &self.courses;
        self.active.retain(|&id| {
            let c = &courses[id as usize];
            c.end.max(c.inf_to + 14 * DAY) >= de
        });
        let day = d as u16;
        let quarantined = self
            .q_from
            .par_iter()
            .zip(&self.q_to)
            .filter(|(&a, &b)| a <= day && day < b)
            .count() as u32;
        let date = self.p.start_date + chrono::Days::new(u64::from(d));
        let mut districts_by_level = [0u32; 4];
        let mut seen = vec![false; self.districts];
        for (c, &dist) in self.district_of.iter().enumerate() {
            if !std::mem::replace(&mut seen[dist as usize], true) {
                districts_by_level[usize::from(self.level[c] - 1)] += 1;
            }
        }
        self.daily.push(DayStats {
            date,
            new_infections,
            new_cases: f0.len() as u32,
            active_infections,
            deaths,
            doses,
            checkins_recorded: recorded,
            visits: n_visits,
            quarantined,
            districts_by_level,
        });
        // Keep a day while the tracer may still look at it or the outcome will return it.
        let lookback = if self.p.tracing {
            TRACE_LOOKBACK_DAYS
        } else {
            0
        };
        let first_kept = self.p.days.saturating_sub(self.p.keep_checkin_days);
        while self
            .log
            .front()
            .is_some_and(|l| l.day + lookback <= d && l.day < first_kept)
        {
            self.log.pop_front();
        }
    }

    /// The weekly assessment (Decision 4800/QĐ-BYT, matrix in RULES.md): community cases
    /// per 100,000 residents over the last 7 days, and whether ≥ 70% of adults have a first
    /// dose, give each district its level for the coming week.
    fn assess_levels(&mut self, d: u32) {
        let since = self.secs((d as i32 - 7) * DAY);
        let mut cases = vec![0u32; self.districts];
        for c in self.cases.iter().rev() {
            if c.result_s < since {
                break;
            }
            if c.community {
                let commune = self.people.commune(c.person) as usize;
                cases[self.district_of[commune] as usize] += 1;
            }
        }
        let mut residents = vec![0u32; self.districts];
        let mut adults = vec![0u32; self.districts];
        let mut covered = vec![0u32; self.districts];
        for p in 0..self.people.len() as u32 {
            let dist = self.district_of[self.people.commune(p) as usize] as usize;
            residents[dist] += 1;
            if self.people.age[p as usize] >= 18 {
                adults[dist] += 1;
                if i32::from(self.vax.day[p as usize][0]) < d as i32 {
                    covered[dist] += 1;
                }
            }
        }
        let level: Vec<u8> = (0..self.districts)
            .map(|k| {
                let per_100k = f64::from(cases[k]) * 100_000.0 / f64::from(residents[k].max(1));
                let high_coverage = f64::from(covered[k]) >= 0.7 * f64::from(adults[k]);
                let band = match per_100k {
                    x if x < 20.0 => 0,
                    x if x < 50.0 => 1,
                    x if x < 150.0 => 2,
                    _ => 3,
                };
                let matrix: [[u8; 2]; 4] = [[1, 2], [1, 2], [2, 3], [3, 4]];
                matrix[band][usize::from(!high_coverage)]
            })
            .collect();
        for (c, &dist) in self.district_of.iter().enumerate() {
            self.level[c] = level[dist as usize];
        }
    }

    fn visits_of(&self, d: u32) -> Vec<Visit> {
        let weekday = (self.p.start_date + chrono::Days::new(u64::from(d)))
            .weekday()
            .num_days_from_monday();
        let ctx = DayCtx {
            params: self.p,
            day: d,
            ds: d as i32 * DAY,
            weekday,
            people: self.people,
            households: self.hh,
            venues: self.venues,
            finder: self.finder,
            urban: &self.urban,
            level: &self.level,
            inf_id: &self.inf_id,
            courses: &self.courses,
            q_from: &self.q_from,
            q_to: &self.q_to,
        };
        const CHUNK: u32 = 8192;
        let n = self.people.len() as u32;
        let chunks: Vec<Vec<Visit>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|k| {
                let mut out = Vec::with_capacity(CHUNK as usize * 3);
                for p in k * CHUNK..((k + 1) * CHUNK).min(n) {
                    schedule::person_day(&ctx, p, &mut out);
                }
                out
            })
            .collect();
        chunks.concat()
    }

    fn log_checkins(&mut self, d: u32, visits: &[Visit]) {
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

    fn keep_visits(&mut self, d: u32, visits: &[Visit]) {
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

    /// Quarantines today's F0s' household members and the people whose recorded
    /// check-ins overlap an F0's recorded check-in by ≥ 15 minutes inside the F0's
    /// infectious window (RULES.md: from 2 days before onset, or before the sample if
    /// asymptomatic, to isolation). Returns how many were newly quarantined.
    fn trace(&mut self, d: u32, f0: &[(u32, i32)]) -> u32 {
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

    fn venue_transmission(&self, d: u32, visits: Vec<Visit>) -> Vec<Candidate> {
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

    fn household_transmission(&self, d: u32) -> Vec<Candidate> {
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

    /// Community screening (market traders, health staff and hotspots are tested more)
    /// samples infected people tomorrow. Only the infected are drawn: a negative test of
    /// an uninfected person changes nothing in the simulation.
    fn screen(&mut self, d: u32) {
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

    /// The recorded check-ins of the last `keep_checkin_days` days, sorted by
    /// (t_in, person, venue).
    fn kept_checkins(&mut self) -> CheckIns {
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
fn group_by_venue<T: Copy + Send>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarantine_follows_the_date_rules() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(quarantine_days(d(2021, 11, 1), true), 14);
        assert_eq!(quarantine_days(d(2021, 12, 16), true), 7);
        assert_eq!(quarantine_days(d(2021, 12, 16), false), 14);
        assert_eq!(quarantine_days(d(2022, 3, 1), true), 5);
        assert_eq!(quarantine_days(d(2022, 3, 1), false), 7);
        assert_eq!(quarantine_days(d(2022, 4, 15), false), 0);
        // Before the first rule (Decision 5599, 14 Jul 2021): that rule's days.
        assert_eq!(quarantine_days(d(2021, 5, 1), false), 14);
    }

    #[test]
    fn time_zero_is_local_midnight() {
        let t0 = t0_s(NaiveDate::from_ymd_opt(2021, 11, 1).unwrap());
        // 2021-10-31T17:00:00Z
        assert_eq!(t0, 1_635_699_600);
    }
}
