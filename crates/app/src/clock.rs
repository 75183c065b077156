//! The two clocks, by type, so that no code reads one for the other.
//!
//! - [`LocalityClock`]: the epidemiological "now" — today's cases, quarantine ends, the
//!   tracing window, the week being assessed. It is the real time in production; a demo of
//!   a 2021 outbreak runs it from the end of the simulated period.
//! - [`WallClock`]: the machine's time — when a session expires, a rate limit's window, when
//!   an audit record or a row was written.
//!
//! Conversions to the locality's calendar are in `local_time` only.

use chrono::NaiveDate;

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock;

impl WallClock {
    /// Unix seconds now.
    pub fn now_s() -> i64 {
        chrono::Utc::now().timestamp()
    }
}

/// The locality's clock: the wall clock moved by a fixed offset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalityClock {
    offset_s: i64,
}

impl LocalityClock {
    /// The real time (production).
    pub fn real() -> LocalityClock {
        LocalityClock { offset_s: 0 }
    }

    /// A clock that reads `now_s` now and runs on from there (a past outbreak's locality, a
    /// test's fixed moment).
    pub fn reading(now_s: i64) -> LocalityClock {
        LocalityClock {
            offset_s: now_s - WallClock::now_s(),
        }
    }

    /// Unix seconds now, on the locality's clock.
    pub fn now_s(&self) -> i64 {
        WallClock::now_s() + self.offset_s
    }

    /// The locality's date now.
    pub fn today(&self) -> NaiveDate {
        crate::local_time::local_date(self.now_s())
    }

    /// How far the locality's clock is from the wall clock, in seconds.
    pub fn offset_s(&self) -> i64 {
        self.offset_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locality_clock_reads_what_it_was_set_to_and_runs_on() {
        let c = LocalityClock::reading(1_637_377_200);
        let t = c.now_s();
        assert!((1_637_377_200..1_637_377_200 + 5).contains(&t));
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2021, 11, 20).unwrap());
        let real = LocalityClock::real();
        assert!((real.now_s() - WallClock::now_s()).abs() <= 1);
    }
}
