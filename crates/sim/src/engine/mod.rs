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
//!
//! The steps live in submodules named after what they do: `vaccinate`, `course` (an
//! infection's natural history), `detect` (samples, results, screening), `checkins` (the
//! recorded log), `trace`, `transmit` and `assess` (weekly risk levels). This module holds
//! the state they share and the order of a day.

mod assess;
mod checkins;
mod course;
mod detect;
mod trace;
mod transmit;
mod vaccinate;

use std::collections::VecDeque;

use chrono::{Datelike, NaiveDate, NaiveTime};
use domain::risk::RiskPolicies;
use rayon::prelude::*;

use crate::outcome::{
    Course, CourseEnd, DayStats, Detection, Dose, Infection, Outcome, Place, Severity, Visits,
};
use crate::params::{Params, SimError};
use crate::population::{self, Households, People};
use crate::schedule::{self, DayCtx, Visit, MODE_MASK};
use crate::venues::{self, Finder, Venues};
use crate::Stage;

use self::checkins::DayLog;
use self::detect::{Positive, Sample};
use self::trace::TRACE_LOOKBACK_DAYS;
use self::vaccinate::Vax;

pub use self::trace::quarantine_days;

pub(crate) const NEVER: i32 = i32::MAX;
pub(crate) const NO_INFECTION: u32 = u32::MAX;
const DAY: i32 = 1440;
const HOUR: i32 = 60;

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

struct Engine<'a> {
    p: &'a Params,
    people: &'a People,
    hh: &'a Households,
    venues: &'a Venues,
    finder: &'a Finder,
    urban: Vec<bool>,
    district_of: Vec<u32>,
    districts: usize,
    /// The risk-level rules the weekly assessment applies.
    risk: &'a RiskPolicies,
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
    // Local midnight in Vietnam.
    start.and_time(NaiveTime::MIN).and_utc().timestamp() - domain::time::UTC_OFFSET_S
}

pub(crate) fn simulate(
    params: &Params,
    progress: &(dyn Fn(Stage, u64, u64) + Sync),
) -> Result<Outcome, SimError> {
    // Parsed once per run; a failure is a defect of the compiled-in data, reported as such.
    let risk = RiskPolicies::embedded().map_err(|e| SimError::RefData(e.to_string()))?;
    simulate_with(params, &risk, progress)
}

/// `simulate` under the given risk-level rules (tests pass locally overridden ones).
pub(crate) fn simulate_with(
    params: &Params,
    risk: &RiskPolicies,
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
        risk,
        level: vec![1; geo.communes.len()],
        inf_id: vec![NO_INFECTION; n],
        infections: Vec::new(),
        courses: Vec::new(),
        cases: Vec::new(),
        q_from: vec![0; n],
        q_to: vec![0; n],
        vax: Vax::new(n),
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
}

#[cfg(test)]
mod tests;
