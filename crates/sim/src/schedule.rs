//! A person's day: which venues they visit, when, and whether the visit is recorded.
//!
//! Schedules follow age and occupation (school and work on weekdays, a shift for shop and
//! health staff, markets in the morning for people at home, cafés and dinners in the
//! evening, pagodas on Sundays…). Isolation, quarantine, hospital and death cut a day short;
//! symptoms make errands less likely. Each (person, day) draws from its own random stream.

use crate::engine::{CourseI, NO_INFECTION};
use crate::outcome::Severity;
use crate::params::Params;
use crate::population::{Households, Occupation, People, Sex, NO_VENUE};
use crate::rng::{self, Rng, Stream};
use crate::venues::{pool_of, Finder, VenueKind, Venues};

/// One visit of one day. Times are minutes after local midnight; `t_out` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Visit {
    pub venue: u32,
    pub person: u32,
    pub t_in: u16,
    pub t_out: u16,
    pub flags: u8,
}

pub(crate) const SELF_SCAN: u8 = 1;
pub(crate) const STAFF_SCAN: u8 = 2;
pub(crate) const MODE_MASK: u8 = 3;
/// The visitor was infectious during part of the visit.
pub(crate) const INFECTIOUS: u8 = 4;

/// A person makes at most this many visits a day (the longest day: errands, breakfast,
/// work split by lunch, evening errands, two lobby passes).
const MAX_VISITS: usize = 16;

pub(crate) struct DayCtx<'a> {
    pub params: &'a Params,
    pub day: u32,
    /// Sim minute of local midnight.
    pub ds: i32,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u32,
    pub people: &'a People,
    pub households: &'a Households,
    pub venues: &'a Venues,
    pub finder: &'a Finder,
    pub urban: &'a [bool],
    /// Risk level (1..=4) in force in each commune's district.
    pub level: &'a [u8],
    pub inf_id: &'a [u32],
    pub courses: &'a [CourseI],
    pub q_from: &'a [u16],
    pub q_to: &'a [u16],
}

struct Plan {
    visits: [Visit; MAX_VISITS],
    n: usize,
    /// Earliest minute the next visit may start (after travel).
    cur: i32,
    /// The person cannot be out from this minute on (isolation, admission, death).
    cutoff: i32,
    person: u32,
}

impl Plan {
    fn add(&mut self, venues: &Venues, rng: &mut Rng, venue: u32, start: i32, dur: i32) {
        if self.n >= MAX_VISITS - 1 {
            return;
        }
        let v = venue as usize;
        let t_in = start.max(self.cur).max(i32::from(venues.open_min[v]));
        let t_out = (t_in + dur)
            .min(i32::from(venues.close_min[v]))
            .min(self.cutoff);
        if t_out - t_in < 5 {
            return;
        }
        self.visits[self.n] = Visit {
            venue,
            person: self.person,
            t_in: t_in as u16,
            t_out: t_out as u16,
            flags: 0,
        };
        self.n += 1;
        self.cur = t_out + rng.range(5, 20);
    }
}

/// How much of the usual errand traffic a kind of venue keeps at a risk level (assumed), after
/// Hà Nội's late-2021 measures: level 2 limits dining in and gatherings; level 3 allows
/// restaurants and cafés takeaway only and closes places of worship to crowds; level 4
/// shuts them and thins markets.
fn restriction(level: u8, kind: VenueKind) -> f64 {
    use VenueKind as K;
    match (level, kind) {
        (2, K::Restaurant | K::Cafe | K::Pagoda | K::Church) => 0.7,
        (3, K::Restaurant | K::Cafe | K::Pagoda | K::Church) => 0.3,
        (3, K::Market | K::Supermarket) => 0.85,
        (4, K::Restaurant | K::Cafe) => 0.1,
        (4, K::Pagoda | K::Church) => 0.0,
        (4, K::Market) => 0.6,
        (4, K::Supermarket) => 0.8,
        _ => 1.0,
    }
}

/// Whether an F1 keeps a quarantine that started on `from`: most do; some go on with
/// their lives (they are still tested).
pub(crate) fn complies(seed: u64, p: u32, from: u16) -> bool {
    rng::hash(
        seed,
        Stream::Tracing,
        u64::from(p),
        u64::from(from) | 1 << 40,
    ) % 100
        < QUARANTINE_COMPLIANCE_PCT
}

/// Share of F1s who keep their quarantine, percent (assumed).
const QUARANTINE_COMPLIANCE_PCT: u64 = 85;

/// Appends person `p`'s visits of the day to `out`, in time order.
pub(crate) fn person_day(ctx: &DayCtx<'_>, p: u32, out: &mut Vec<Visit>) {
    let i = p as usize;
    let day = ctx.day as u16;
    if ctx.q_from[i] <= day && day < ctx.q_to[i] && complies(ctx.params.seed, p, ctx.q_from[i]) {
        return;
    }
    let ds = ctx.ds;
    let mut cutoff = 1440;
    let mut sick = false;
    let mut infectious: Option<(i32, i32)> = None;
    let id = ctx.inf_id[i];
    if id != NO_INFECTION {
        let c = &ctx.courses[id as usize];
        if c.died && c.end <= ds {
            return;
        }
        if ctx.params.response && c.iso_end > ds {
            cutoff = cutoff.min(c.iso.saturating_sub(ds));
        }
        if c.hosp < c.end && c.end > ds {
            cutoff = cutoff.min(c.hosp.saturating_sub(ds));
        }
        if c.died {
            cutoff = cutoff.min(c.end - ds);
        }
        if cutoff <= 0 {
            return;
        }
        sick = c.severity >= Severity::Mild && c.onset <= ds + 720 && c.end > ds;
        if c.inf_from < ds + 1440 && c.inf_to > ds {
            infectious = Some((c.inf_from - ds, c.inf_to - ds));
        }
    }

    let seed = ctx.params.seed;
    let people = ctx.people;
    let venues = ctx.venues;
    let mut rng = Rng::new(seed, Stream::Visits, u64::from(p), u64::from(ctx.day));
    let mut plan = Plan {
        visits: [Visit {
            venue: 0,
            person: p,
            t_in: 0,
            t_out: 0,
            flags: 0,
        }; MAX_VISITS],
        n: 0,
        cur: 0,
        cutoff,
        person: p,
    };
    let age = people.age[i];
    let occ = people.occupation[i];
    let commune = people.commune(p);
    let urban = ctx.urban[commune as usize];
    let wd = ctx.weekday;
    let weekend = wd >= 5;
    let sunday = wd == 6;
    let adult = age >= 18;
    let elder = age >= 60;
    let errands = if sick { 0.5 } else { 1.0 };
    let level = ctx.level[commune as usize];
    let open = |kind: VenueKind| restriction(level, kind);
    let near = |rng: &mut Rng, kind: VenueKind, pc: f64, pd: f64| {
        ctx.finder.choose(pool_of(kind, None), commune, rng, pc, pd)
    };

    let work = people.workplace[i];
    // Shop and health staff work six days a week; the day off is the person's own.
    let day_off = (rng::hash(seed, Stream::Visits, u64::from(p), u64::MAX) % 7) as u32;
    let (scheduled, attendance) = match occ {
        Occupation::Pupil => (!weekend && ctx.params.schools_open, 0.95),
        Occupation::Student => (!weekend, 0.85),
        Occupation::OfficeWorker => (!weekend, 0.9),
        Occupation::FactoryWorker => (wd < 6, 0.95),
        Occupation::ShopWorker => (wd != day_off, 0.97),
        Occupation::HealthWorker => (wd != day_off, 0.98),
        _ => (false, 0.0),
    };
    let work_level = if work == NO_VENUE {
        1
    } else {
        ctx.level[venues.commune[work as usize] as usize]
    };
    let closed = match occ {
        // Level 3 and 4: schools teach online.
        Occupation::Pupil | Occupation::Student => work_level >= 3,
        _ => false,
    };
    let home_office = if occ == Occupation::OfficeWorker && work_level >= 4 {
        0.5
    } else {
        1.0
    };
    let works = work != NO_VENUE
        && scheduled
        && !closed
        && rng.chance(attendance * home_office)
        && !(sick && rng.chance(0.3));

    // Morning.
    if adult && !works {
        let p_market = match occ {
            Occupation::AtHome | Occupation::Retired => {
                if urban {
                    0.45
                } else {
                    0.3
                }
            }
            _ if weekend => 0.25,
            _ => 0.1,
        };
        if rng.chance(p_market * errands * open(VenueKind::Market)) {
            if let Some(v) = near(&mut rng, VenueKind::Market, 0.75, 0.2) {
                let (t, d) = (rng.range(330, 540), rng.range(20, 60));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
        let p_pagoda = if elder {
            if sunday {
                0.2
            } else {
                0.04
            }
        } else if weekend {
            0.03
        } else {
            0.0
        };
        if rng.chance(p_pagoda * errands * open(VenueKind::Pagoda)) {
            if let Some(v) = near(&mut rng, VenueKind::Pagoda, 0.6, 0.35) {
                let (t, d) = (rng.range(420, 600), rng.range(45, 120));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
        if elder && people.sex[i] == Sex::Male && rng.chance(0.12 * errands * open(VenueKind::Cafe))
        {
            if let Some(v) = near(&mut rng, VenueKind::Cafe, 0.8, 0.15) {
                let (t, d) = (rng.range(420, 540), rng.range(40, 100));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
    }
    let (p_clinic, p_hospital) = match age {
        0..=4 => (0.01, 0.002),
        5..=59 => (0.005, 0.002),
        _ => (0.025, 0.008),
    };
    if !works && rng.chance(p_clinic) {
        if let Some(v) = near(&mut rng, VenueKind::Clinic, 0.7, 0.25) {
            let (t, d) = (rng.range(450, 660), rng.range(30, 120));
            plan.add(venues, &mut rng, v, t, d);
        }
    }
    if !works && rng.chance(p_hospital) {
        if let Some(v) = near(&mut rng, VenueKind::Hospital, 0.2, 0.5) {
            let (t, d) = (rng.range(450, 660), rng.range(60, 240));
            plan.add(venues, &mut rng, v, t, d);
        }
    }
    if works
        && matches!(
            occ,
            Occupation::OfficeWorker | Occupation::FactoryWorker | Occupation::Student
        )
        && rng.chance(0.12 * errands * open(VenueKind::Restaurant))
    {
        if let Some(v) = near(&mut rng, VenueKind::Restaurant, 0.7, 0.25) {
            let (t, d) = (rng.range(375, 420), rng.range(15, 30));
            plan.add(venues, &mut rng, v, t, d);
        }
    }

    // School or work.
    if works {
        let w = work as usize;
        match occ {
            Occupation::Pupil => {
                let t = rng.range(400, 435);
                let end = if age <= 5 {
                    rng.range(990, 1050)
                } else {
                    rng.range(960, 1030)
                };
                plan.add(venues, &mut rng, work, t, end - t);
            }
            Occupation::Student => {
                let (t, d) = (rng.range(450, 570), rng.range(240, 480));
                plan.add(venues, &mut rng, work, t, d);
            }
            Occupation::OfficeWorker => {
                let t = rng.range(465, 510);
                let lunch = if rng.chance(0.35 * errands * open(VenueKind::Restaurant)) {
                    let office_commune = venues.commune[w];
                    ctx.finder.choose(
                        pool_of(VenueKind::Restaurant, None),
                        office_commune,
                        &mut rng,
                        0.8,
                        0.2,
                    )
                } else {
                    None
                };
                let home_time = rng.range(1020, 1080);
                match lunch {
                    Some(l) => {
                        let noon = rng.range(705, 720);
                        plan.add(venues, &mut rng, work, t, noon - t);
                        let d = rng.range(35, 60);
                        plan.add(venues, &mut rng, l, noon, d);
                        let back = plan.cur;
                        plan.add(venues, &mut rng, work, back, home_time - back);
                    }
                    None => plan.add(venues, &mut rng, work, t, home_time - t),
                }
            }
            Occupation::FactoryWorker => {
                let t = rng.range(420, 450);
                let end = rng.range(990, 1140);
                plan.add(venues, &mut rng, work, t, end - t);
            }
            Occupation::ShopWorker => {
                let (open, close) = (
                    i32::from(venues.open_min[w]),
                    i32::from(venues.close_min[w]),
                );
                let shift = 480.min(close - open);
                let t = if rng.chance(0.5) { open } else { close - shift };
                plan.add(venues, &mut rng, work, t, shift);
            }
            Occupation::HealthWorker => {
                if venues.kind[w] == VenueKind::Hospital && rng.chance(0.3) {
                    plan.add(venues, &mut rng, work, 780, 510);
                } else {
                    plan.add(venues, &mut rng, work, 420, 600);
                }
            }
            _ => {}
        }
    }

    // Evening.
    let reach = if urban { 1.0 } else { 0.5 };
    if age >= 15 {
        let p_cafe = match (age < 35, weekend) {
            (true, true) => 0.4,
            (true, false) => 0.25,
            (false, true) => 0.15,
            (false, false) => 0.07,
        };
        if rng.chance(p_cafe * reach * errands * open(VenueKind::Cafe)) {
            if let Some(v) = near(&mut rng, VenueKind::Cafe, 0.6, 0.3) {
                let (t, d) = (rng.range(1080, 1260), rng.range(40, 120));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
        let p_dinner = if weekend { 0.18 } else { 0.07 };
        if rng.chance(p_dinner * (0.4 + 0.6 * reach) * errands * open(VenueKind::Restaurant)) {
            if let Some(v) = near(&mut rng, VenueKind::Restaurant, 0.6, 0.3) {
                let (t, d) = (rng.range(1080, 1200), rng.range(45, 100));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
        if adult
            && rng.chance(if urban { 0.15 } else { 0.06 } * errands * open(VenueKind::Supermarket))
        {
            if let Some(v) = near(&mut rng, VenueKind::Supermarket, 0.7, 0.25) {
                let (t, d) = (rng.range(1050, 1230), rng.range(15, 40));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
        if adult && age < 65 && rng.chance(0.005) {
            if let Some(v) = near(&mut rng, VenueKind::BusStation, 0.0, 0.5) {
                let (t, d) = (rng.range(480, 1080), rng.range(20, 60));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
    } else if age >= 3 && weekend {
        if rng.chance(0.1 * errands * open(VenueKind::Supermarket)) {
            if let Some(v) = near(&mut rng, VenueKind::Supermarket, 0.7, 0.25) {
                let (t, d) = (rng.range(960, 1200), rng.range(20, 45));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
        if rng.chance(0.08 * errands * open(VenueKind::Restaurant)) {
            if let Some(v) = near(&mut rng, VenueKind::Restaurant, 0.6, 0.3) {
                let (t, d) = (rng.range(1080, 1170), rng.range(45, 90));
                plan.add(venues, &mut rng, v, t, d);
            }
        }
    }
    // About 6% of Hà Nội's households are Catholic (assumed); Sunday evening mass.
    let household = people.household[i];
    if sunday
        && rng::hash(seed, Stream::Visits, u64::from(household), u64::MAX - 1) % 100 < 6
        && rng.chance(0.7 * errands * open(VenueKind::Church))
    {
        if let Some(v) = near(&mut rng, VenueKind::Church, 0.8, 0.2) {
            let d = rng.range(60, 90);
            plan.add(venues, &mut rng, v, 1050, d);
        }
    }

    let n = plan.n;
    if n == 0 {
        return;
    }
    // Apartment dwellers pass the lobby on the way out and back in.
    let lobby = ctx.households.lobby[household as usize];
    let start = out.len();
    if lobby != NO_VENUE {
        let first = i32::from(plan.visits[0].t_in);
        let d = rng.range(3, 10);
        if first - d > 0 {
            out.push(Visit {
                venue: lobby,
                person: p,
                t_in: (first - d - 1) as u16,
                t_out: (first - 1) as u16,
                flags: 0,
            });
        }
    }
    out.extend_from_slice(&plan.visits[..n]);
    if lobby != NO_VENUE {
        let last = i32::from(plan.visits[n - 1].t_out) + 1;
        let end = (last + rng.range(3, 10)).min(1440).min(plan.cutoff);
        if end - last >= 1 {
            out.push(Visit {
                venue: lobby,
                person: p,
                t_in: last as u16,
                t_out: end as u16,
                flags: 0,
            });
        }
    }
    let has_phone = people.has_phone[i];
    let (self_p, staff_p) = (
        ctx.params.checkin_compliance,
        ctx.params.staff_scan_compliance,
    );
    for v in &mut out[start..] {
        v.flags = if has_phone {
            if rng.chance(self_p) {
                SELF_SCAN
            } else {
                0
            }
        } else if rng.chance(staff_p) {
            STAFF_SCAN
        } else {
            0
        };
        if let Some((a, b)) = infectious {
            if a < i32::from(v.t_out) && b > i32::from(v.t_in) {
                v.flags |= INFECTIOUS;
            }
        }
    }
}
