//! The locality's time zone, applied at the edges only: the store keeps UTC seconds.
//! One place, so that a locality elsewhere (or a rule change) is one edit.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeZone};

/// Vietnam's one time zone, UTC+7 (`domain::time::UTC_OFFSET_S`).
pub fn tz() -> FixedOffset {
    FixedOffset::east_opt(domain::time::UTC_OFFSET_S as i32)
        .unwrap_or(FixedOffset::east_opt(0).expect("UTC"))
}

/// A UTC time in the locality.
pub fn local_time(t_s: i64) -> DateTime<FixedOffset> {
    DateTime::from_timestamp(t_s, 0)
        .unwrap_or_default()
        .with_timezone(&tz())
}

/// The locality's calendar date at a UTC time.
pub fn local_date(t_s: i64) -> NaiveDate {
    local_time(t_s).date_naive()
}

/// The first second of a local date, in UTC seconds.
pub fn day_start_s(d: NaiveDate) -> i64 {
    tz().from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or(0, |t| t.timestamp())
}

/// The last second of a local date, in UTC seconds.
pub fn day_end_s(d: NaiveDate) -> i64 {
    d.checked_add_days(Days::new(1))
        .map_or(i64::MAX / 2, day_start_s)
        - 1
}

/// "HH:MM"; a day's end (1440) is "24:00", so a venue open all day reads 00:00–24:00.
pub fn hhmm(min: i64) -> String {
    if min >= 1440 {
        return "24:00".into();
    }
    format!("{:02}:{:02}", min.div_euclid(60), min.rem_euclid(60))
}

/// A time as RFC 3339 in UTC to the second ("2021-11-20T03:00:00Z"): how the API, the CLI
/// and stored contact reasons write times.
pub fn iso(t_s: i64) -> String {
    chrono::DateTime::from_timestamp(t_s, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stores_day_numbers_are_this_time_zones_days() {
        // One fixed offset (domain::time::UTC_OFFSET_S) stands for the time zone database's
        // Asia/Ho_Chi_Minh since 13 June 1975 (the south kept UTC+8 until then); the
        // tallies' SQL writes the same offset as a literal.
        for t in [
            200_000_000_i64,
            1_637_377_200,
            1_640_537_999,
            1_640_538_000,
            1_900_000_000,
        ] {
            let zoned = DateTime::from_timestamp(t, 0)
                .unwrap()
                .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
            let offset = chrono::Offset::fix(zoned.offset()).local_minus_utc();
            assert_eq!(i64::from(offset), domain::time::UTC_OFFSET_S, "at {t}");
            assert_eq!(local_time(t).naive_local(), zoned.naive_local());
            assert_eq!(store::local_day(t), store::day_number(local_date(t)));
            assert_eq!(
                store::local_day_start_s(store::local_day(t)),
                day_start_s(local_date(t))
            );
        }
    }

    #[test]
    fn days_are_vietnamese_days() {
        let d = NaiveDate::from_ymd_opt(2021, 11, 20).unwrap();
        // 2021-11-20T00:00 in Hà Nội is 2021-11-19T17:00Z.
        assert_eq!(day_start_s(d), 1_637_341_200);
        assert_eq!(day_end_s(d), 1_637_341_200 + 86_400 - 1);
        assert_eq!(local_date(1_637_341_200), d);
        assert_eq!(local_date(1_637_341_199), d.pred_opt().unwrap());
    }
}
