//! Plausible dates and times. Every date or time the edges take (API bodies, page forms) is
//! parsed once and checked here, so "a zone from 0001-01-01 to 9999-12-31" or a status change
//! in the year 9999 cannot reach the store, and the bounds are one edit.
//!
//! The bounds are relative to the locality's clock (`today`, `now_s`), which a demo of a past
//! outbreak sets in the past: a 2021 demo refuses what would be the future in 2021.

use chrono::{Days, NaiveDate};

use crate::validation::Reason;

/// Vietnam's offset from UTC, in seconds: UTC+7 all year, with no daylight saving, since 13
/// June 1975 (the south kept UTC+8 until then). The one statement of the locality's time
/// zone: local dates (`app::local_time`), the store's local day numbers (the tallies of
/// migration 0012 hold the same number in SQL), the simulator's midnights.
pub const UTC_OFFSET_S: i64 = 7 * 3600;

/// No record of this system is older than COVID-19: its first cases were recognised in Wuhan
/// in December 2019 (WHO, Disease Outbreak News, 5 January 2020).
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2019, 12, 1).expect("a valid date");

/// The first second of [`FIRST_DAY`] in UTC (2019-12-01T00:00:00Z): no time before it is
/// plausible.
pub const FIRST_TIME_S: i64 = 1_575_158_400;

/// How far a device's clock may run ahead of the locality's when it stamps an event "now".
pub const CLOCK_SKEW_S: i64 = 300;

/// How far ahead a planned date may lie (a zone's end, a need's deadline, a round's start):
/// a year and a day, so a plan made today for the same day next year is accepted.
pub const PLAN_AHEAD_DAYS: u64 = 366;

/// An inclusive range of plausible dates for one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
}

impl Dates {
    /// Something that has happened: from [`FIRST_DAY`] to today.
    pub fn past(today: NaiveDate) -> Dates {
        Dates {
            earliest: FIRST_DAY,
            latest: today,
        }
    }

    /// Something planned: from [`FIRST_DAY`] to [`PLAN_AHEAD_DAYS`] after today.
    pub fn planned(today: NaiveDate) -> Dates {
        Dates::ahead(today, PLAN_AHEAD_DAYS)
    }

    /// From [`FIRST_DAY`] to `days` after today.
    pub fn ahead(today: NaiveDate, days: u64) -> Dates {
        Dates {
            earliest: FIRST_DAY,
            latest: today.checked_add_days(Days::new(days)).unwrap_or(today),
        }
    }

    /// Any date of four-digit year: a filter's bound, which only selects what is stored.
    pub fn any() -> Dates {
        Dates {
            earliest: NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN),
            latest: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
        }
    }

    /// The same range starting no earlier than `earliest` (e.g. the first vaccination day).
    pub fn not_before(self, earliest: NaiveDate) -> Dates {
        Dates {
            earliest: self.earliest.max(earliest),
            ..self
        }
    }

    /// The same range ending no later than `latest`.
    pub fn not_after(self, latest: NaiveDate) -> Dates {
        Dates {
            latest: self.latest.min(latest),
            ..self
        }
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        (self.earliest..=self.latest).contains(&d)
    }

    /// `d` if it lies in the range, else `OutOfRange`.
    pub fn check(self, d: NaiveDate) -> Result<NaiveDate, Reason> {
        if self.contains(d) {
            Ok(d)
        } else {
            Err(Reason::OutOfRange)
        }
    }
}

/// A date written `YYYY-MM-DD` (exactly: four-digit year), checked against `range`.
pub fn parse_date(s: &str, range: Dates) -> Result<NaiveDate, Reason> {
    let s = s.trim();
    // chrono accepts a sign and more than four digits of year ("+10000-01-01"); a form never
    // sends them, and a fixed shape keeps the parser's surprises out.
    if s.len() != 10 || !s.is_ascii() {
        return Err(Reason::InvalidFormat);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Reason::InvalidFormat)?;
    range.check(d)
}

/// A moment (UTC seconds) that has happened: from [`FIRST_TIME_S`] to `now_s` plus the
/// allowed clock skew.
pub fn check_past_time(t_s: i64, now_s: i64) -> Result<i64, Reason> {
    if (FIRST_TIME_S..=now_s.saturating_add(CLOCK_SKEW_S)).contains(&t_s) {
        Ok(t_s)
    } else {
        Err(Reason::OutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_first_time_is_the_first_day() {
        assert_eq!(
            FIRST_DAY
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp(),
            FIRST_TIME_S
        );
    }

    #[test]
    fn dates_outside_the_plausible_range_are_refused() {
        let today = d("2021-11-20");
        let past = Dates::past(today);
        assert_eq!(parse_date("2021-11-20", past), Ok(today));
        assert_eq!(parse_date("2021-11-21", past), Err(Reason::OutOfRange));
        assert_eq!(parse_date("2019-11-30", past), Err(Reason::OutOfRange));
        assert_eq!(parse_date("9999-12-31", past), Err(Reason::OutOfRange));
        assert_eq!(parse_date("0001-01-01", past), Err(Reason::OutOfRange));
        assert_eq!(parse_date("+10000-01-01", past), Err(Reason::InvalidFormat));
        assert_eq!(parse_date("2021-2-3", past), Err(Reason::InvalidFormat));
        assert_eq!(parse_date("2021-02-30", past), Err(Reason::InvalidFormat));
        assert_eq!(parse_date("ngày 1", past), Err(Reason::InvalidFormat));
        let planned = Dates::planned(today);
        assert_eq!(parse_date("2022-11-21", planned), Ok(d("2022-11-21")));
        assert_eq!(parse_date("2022-11-22", planned), Err(Reason::OutOfRange));
        let vaccines = past.not_before(d("2021-03-08"));
        assert!(!vaccines.contains(d("2021-03-07")));
        assert!(vaccines.contains(d("2021-03-08")));
    }

    #[test]
    fn times_may_not_lie_in_the_future_beyond_the_skew() {
        let now = 1_637_377_200;
        assert_eq!(check_past_time(now, now), Ok(now));
        assert_eq!(check_past_time(now + 300, now), Ok(now + 300));
        assert_eq!(check_past_time(now + 301, now), Err(Reason::OutOfRange));
        // 9999-12-31 and 1000-01-01.
        assert!(check_past_time(253_402_214_400, now).is_err());
        assert!(check_past_time(-30_610_224_000, now).is_err());
        assert!(check_past_time(i64::MAX, now).is_err());
    }
}
