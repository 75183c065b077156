//! What a run returns: the synthetic city, the recorded check-ins, and the ground truth
//! (who infected whom, where and when; every course of illness; every detection; every
//! dose), plus CSV writers for the truth and the check-ins.

use std::io::{self, Write};

use chrono::NaiveDate;

use crate::params::Params;
use crate::population::{Commune, Households, People};
use crate::venues::Venues;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanMode {
    /// The visitor scanned the venue's QR code with their phone.
    SelfScan,
    /// Staff scanned the visitor's personal QR (PC-Covid, VNeID or chip ID card).
    StaffScan,
}

impl ScanMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanMode::SelfScan => "self_scan",
            ScanMode::StaffScan => "staff_scan",
        }
    }
}

/// Recorded check-ins, sorted by (t_in_s, person, venue).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckIns {
    pub person: Vec<u32>,
    pub venue: Vec<u32>,
    pub t_in_s: Vec<i64>,
    pub t_out_s: Vec<i64>,
    pub mode: Vec<ScanMode>,
}

impl CheckIns {
    pub fn len(&self) -> usize {
        self.person.len()
    }

    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
    }
}

/// Every visit, recorded or not (only with `Params::keep_visits`), sorted by
/// (t_in_s, person, venue).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visits {
    pub person: Vec<u32>,
    pub venue: Vec<u32>,
    pub t_in_s: Vec<i64>,
    pub t_out_s: Vec<i64>,
    pub mode: Vec<Option<ScanMode>>,
}

impl Visits {
    pub fn len(&self) -> usize {
        self.person.len()
    }

    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// Infected before the start, from outside the simulated city.
    Seed,
    Household(u32),
    Venue(u32),
}

/// Every `*_s` time in the outcome is Unix seconds (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Infection {
    pub infectee: u32,
    pub infector: Option<u32>,
    pub place: Place,
    pub t_s: i64,
}

/// Vietnam's clinical classes (4689/QĐ-BYT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Asymptomatic,
    Mild,
    Moderate,
    Severe,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Asymptomatic,
        Severity::Mild,
        Severity::Moderate,
        Severity::Severe,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Asymptomatic => "asymptomatic",
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseEnd {
    Recovered {
        t_s: i64,
    },
    Died {
        t_s: i64,
    },
    /// Still ill (or infectious) at the end of the run.
    Ongoing,
}

/// The natural history of one infection. Times after the end of the run are planned, not
/// observed: `onset_s` and `hospitalized_s` are only given when they fall inside the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Course {
    pub person: u32,
    pub infectious_from_s: i64,
    pub infectious_to_s: i64,
    pub onset_s: Option<i64>,
    pub severity: Severity,
    /// Admitted to a treatment facility (moderate, severe, critical).
    pub hospitalized_s: Option<i64>,
    pub outcome: CourseEnd,
    /// Effective vaccine doses (given ≥ 14 days before) at infection.
    pub vaccine_doses: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestKind {
    Pcr,
    Antigen,
}

impl TestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Pcr => "pcr",
            TestKind::Antigen => "antigen",
        }
    }
}

/// A detected case (F0): the first positive test of an infected person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub person: u32,
    pub test: TestKind,
    pub sample_s: i64,
    pub result_s: i64,
    /// Cycle threshold, PCR only.
    pub ct: Option<f32>,
    /// Symptom onset, when it came before the result (a case found before symptoms has
    /// none: its infectious window starts 2 days before the sample).
    pub onset_s: Option<i64>,
    pub severity: Severity,
    /// When the case was isolated (applied only with `Params::response`).
    pub isolation_s: i64,
    /// Found outside quarantine (the "community case" of Decision 4800).
    pub community: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dose {
    pub person: u32,
    pub dose_no: u8,
    pub t_s: i64,
    pub product: &'static str,
    pub commune: u32,
}

/// The vaccine products used in Vietnam in 2021, as `Dose::product` spells them.
pub const PRODUCTS: [&str; 4] = [
    "AstraZeneca",
    "Pfizer-BioNTech",
    "Moderna",
    "Sinopharm (Vero Cell)",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayStats {
    pub date: NaiveDate,
    pub new_infections: u32,
    pub new_cases: u32,
    /// Infected and not yet recovered or dead at the end of the day.
    pub active_infections: u32,
    pub deaths: u32,
    pub doses: u32,
    pub checkins_recorded: u64,
    pub visits: u64,
    /// People in quarantine (F1) during the day.
    pub quarantined: u32,
    /// Districts at risk level 1, 2, 3, 4 during the day (all at 1 without restrictions).
    pub districts_by_level: [u32; 4],
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub params: Params,
    /// Unix seconds (UTC) of sim time 0: local midnight (UTC+7) of the start date.
    pub t0_s: i64,
    pub communes: Vec<Commune>,
    pub households: Households,
    pub people: People,
    pub venues: Venues,
    /// Recorded check-ins of the last `keep_checkin_days` days.
    pub checkins: CheckIns,
    /// All visits, only with `Params::keep_visits`.
    pub visits: Visits,
    /// Sorted by (t_s, infectee); seeds first (they are infected before time 0).
    pub infections: Vec<Infection>,
    /// One per infection, in the same order.
    pub courses: Vec<Course>,
    /// Sorted by (result_s, person).
    pub cases: Vec<Detection>,
    /// Sorted by (t_s, person); doses given before the start have t_s < t0_s.
    pub doses: Vec<Dose>,
    pub daily: Vec<DayStats>,
}

/// Appends "2021-11-03T08:15:00Z".
fn push_iso(buf: &mut Vec<u8>, t_s: i64) {
    let days = t_s.div_euclid(86_400);
    let secs = t_s.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's algorithm): chrono's formatter is ~10× slower per row, and the writers
/// emit millions.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `infector_id,infectee_id,venue_id_or_household,t`: ids are person index + 1 and venue
/// index + 1 (the database ids); a household is "household:<index + 1>"; a seed has an
/// empty infector and an empty place. Times are UTC ISO-8601.
pub fn write_truth_csv<W: Write>(o: &Outcome, w: W) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    w.write_all(b"infector_id,infectee_id,venue_id_or_household,t\n")?;
    let mut line = Vec::with_capacity(96);
    for inf in &o.infections {
        line.clear();
        if let Some(p) = inf.infector {
            let _ = write!(line, "{}", u64::from(p) + 1);
        }
        let _ = write!(line, ",{},", u64::from(inf.infectee) + 1);
        match inf.place {
            Place::Seed => {}
            Place::Household(h) => {
                let _ = write!(line, "household:{}", u64::from(h) + 1);
            }
            Place::Venue(v) => {
                let _ = write!(line, "{}", u64::from(v) + 1);
            }
        }
        line.push(b',');
        push_iso(&mut line, inf.t_s);
        line.push(b'\n');
        w.write_all(&line)?;
    }
    w.flush()
}

/// `person_id,venue_id,t_in,t_out`: ids are index + 1, times UTC ISO-8601.
pub fn write_checkins_csv<W: Write>(o: &Outcome, w: W) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    w.write_all(b"person_id,venue_id,t_in,t_out\n")?;
    let c = &o.checkins;
    let mut line = Vec::with_capacity(96);
    for i in 0..c.len() {
        line.clear();
        let _ = write!(
            line,
            "{},{},",
            u64::from(c.person[i]) + 1,
            u64::from(c.venue[i]) + 1
        );
        push_iso(&mut line, c.t_in_s[i]);
        line.push(b',');
        push_iso(&mut line, c.t_out_s[i]);
        line.push(b'\n');
        w.write_all(&line)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn iso_formatting_matches_chrono() {
        for t in [
            0i64,
            1_635_699_600,
            1_635_786_000 + 29_700,
            951_782_400,
            -86_400,
            4_102_444_799,
        ] {
            let mut buf = Vec::new();
            push_iso(&mut buf, t);
            let expected = DateTime::from_timestamp(t, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }
}
