//! Fields of a command as an edge received them (text of a form, a JSON value, a spreadsheet
//! cell), parsed once into domain types. Each parser names its field in the error and pushes
//! it to the command's list, so that every bad field is reported at once; the command is
//! built only when the list is empty.

use chrono::{DateTime, NaiveDate};
use domain::time::Dates;
use domain::{FieldError, Reason, UnitCode};

/// Free-text fields: long enough for a quoted sentence, bounded.
pub const TEXT_MAX_CHARS: usize = 2000;

/// `v`, or a `Required` error for `field` unless `field` already has an error (a malformed
/// value is not also reported missing).
pub fn required<T>(field: &str, v: Option<T>, errors: &mut Vec<FieldError>) -> Option<T> {
    if v.is_none() && !errors.iter().any(|e| e.field == field) {
        errors.push(FieldError::new(field, Reason::Required));
    }
    v
}

/// A required field holding one of an enum's slugs.
pub fn slug<T: std::str::FromStr<Err = Reason>>(
    field: &str,
    s: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match s {
        None | Some("") => required::<T>(field, None, errors),
        Some(s) => s
            .parse::<T>()
            .map_err(|e| errors.push(FieldError::new(field, e)))
            .ok(),
    }
}

/// An optional text, trimmed; empty is absent; at most `TEXT_MAX_CHARS` characters.
pub fn text(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = v.map(str::trim).filter(|s| !s.is_empty())?;
    if v.chars().count() > TEXT_MAX_CHARS {
        errors.push(FieldError::new(field, Reason::TooLong));
        return None;
    }
    Some(v.to_string())
}

/// An optional YYYY-MM-DD field within its plausible range (`domain::time::parse_date`, the
/// one date parser).
pub fn opt_date(
    field: &str,
    v: Option<&str>,
    range: Dates,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match v {
        None | Some("") => None,
        Some(d) => domain::time::parse_date(d, range)
            .map_err(|e| errors.push(FieldError::new(field, e)))
            .ok(),
    }
}

/// A required YYYY-MM-DD field within its plausible range.
pub fn req_date(
    field: &str,
    v: Option<&str>,
    range: Dates,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let d = opt_date(field, v, range, errors);
    required(field, d, errors)
}

/// A YYYY-MM-DD date with no range of its own (a filter's bound, a page's day), as Unix
/// days are not involved: the format alone.
pub fn date(s: &str) -> Result<NaiveDate, Reason> {
    domain::time::parse_date(s, Dates::any())
}

/// A required whole number within `range`.
pub fn in_range(
    field: &str,
    v: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    match v {
        Some(n) if range.contains(&n) => Some(n),
        Some(_) => {
            errors.push(FieldError::new(field, Reason::OutOfRange));
            None
        }
        None => required(field, None, errors),
    }
}

/// A required unit code.
pub fn unit(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<UnitCode> {
    match v {
        None | Some("") => required(field, None, errors),
        Some(u) => UnitCode::parse(u)
            .map_err(|e| errors.push(FieldError::new(field, e)))
            .ok(),
    }
}

/// An optional RFC 3339 time, as Unix seconds (the one time parser).
pub fn time(field: &str, s: Option<&str>, errors: &mut Vec<FieldError>) -> Option<i64> {
    match s {
        None | Some("") => None,
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.timestamp()),
            Err(_) => {
                errors.push(FieldError::new(field, Reason::InvalidFormat));
                None
            }
        },
    }
}

/// An optional RFC 3339 time of something that has happened: not before COVID-19, not in the
/// future of the locality's clock beyond a device's skew (`domain::time::check_past_time`).
pub fn past_time(
    field: &str,
    s: Option<&str>,
    now_s: i64,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    time(field, s, errors).and_then(|t| {
        domain::time::check_past_time(t, now_s)
            .map_err(|r| errors.push(FieldError::new(field, r)))
            .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_field_is_not_also_missing() {
        let mut errors = Vec::new();
        let d = req_date("on", Some("2021-13-01"), Dates::any(), &mut errors);
        assert_eq!(d, None);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].reason, Reason::InvalidFormat);
        let mut errors = Vec::new();
        assert_eq!(req_date("on", None, Dates::any(), &mut errors), None);
        assert_eq!(errors[0].reason, Reason::Required);
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        let mut errors = Vec::new();
        assert_eq!(text("t", Some("  a "), &mut errors).as_deref(), Some("a"));
        assert_eq!(text("t", Some("   "), &mut errors), None);
        assert!(errors.is_empty());
        let long = "x".repeat(TEXT_MAX_CHARS + 1);
        assert_eq!(text("t", Some(&long), &mut errors), None);
        assert_eq!(errors[0].reason, Reason::TooLong);
    }

    #[test]
    fn numbers_outside_their_range_are_refused() {
        let mut errors = Vec::new();
        assert_eq!(in_range("n", Some(101), 0..=100, &mut errors), None);
        assert_eq!(in_range("n", Some(100), 0..=100, &mut errors), Some(100));
        assert_eq!(errors.len(), 1);
    }
}
