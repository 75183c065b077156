//! Exchange rates: recorded with their date and source.

use chrono::NaiveDate;
use domain::aid::{self, Currency, FxRate};
use domain::role::Permission;
use domain::time::Dates;
use domain::{FieldError, Reason};

use crate::input::{req_date, required, slug, text};

/// A rate as given.
#[derive(Debug, Clone, Default)]
pub struct RateInput {
    pub base: Option<String>,
    pub quote: Option<String>,
    /// Units of `quote` per unit of `base`, a decimal string with at most 6 decimals.
    pub rate: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    pub assumed: bool,
}

/// Exchange rates are recorded by command centres and administrators.
pub fn may_record_rates(role: domain::Role) -> bool {
    role.can(Permission::RecordRates)
}

/// A rate from its input: every field checked, every error reported at once.
pub fn new_rate(r: &RateInput, today: NaiveDate) -> Result<FxRate, Vec<FieldError>> {
    let mut errors = Vec::new();
    let base = slug::<Currency>("base", r.base.as_deref(), &mut errors);
    let quote = slug::<Currency>("quote", r.quote.as_deref(), &mut errors);
    let rate_micro = match r.rate.as_deref() {
        None | Some("") => required::<i64>("rate", None, &mut errors),
        Some(s) => parse_micro(s)
            .and_then(|v| {
                Some(v)
                    .filter(|v| (1..=aid::MAX_RATE_MICRO).contains(v))
                    .ok_or(Reason::OutOfRange)
            })
            .map_err(|e| errors.push(FieldError::new("rate", e)))
            .ok(),
    };
    let on_date = req_date("date", r.date.as_deref(), Dates::past(today), &mut errors);
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    if base.is_some() && base == quote {
        errors.push(FieldError::new("quote", Reason::Duplicate));
    }
    let (Some(base), Some(quote), Some(rate_micro), Some(on_date), Some(source), true) =
        (base, quote, rate_micro, on_date, source, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(FxRate {
        base,
        quote,
        rate_micro,
        on_date,
        source,
        assumed: r.assumed,
    })
}

/// "23000" or "0.000043" in millionths; digits beyond an i64 are out of range.
pub fn parse_micro(s: &str) -> Result<i64, Reason> {
    let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if int.is_empty()
        || frac.len() > 6
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(Reason::InvalidFormat);
    }
    let int: i64 = int.parse().map_err(|_| Reason::OutOfRange)?;
    let frac: i64 = format!("{frac:0<6}")
        .parse()
        .map_err(|_| Reason::InvalidFormat)?;
    int.checked_mul(1_000_000)
        .and_then(|v| v.checked_add(frac))
        .ok_or(Reason::OutOfRange)
}

/// 23000000000 → "23000"; 1234567 → "1.234567" (a sign first, should a stored rate have one).
pub fn decimal_micro(v: i64) -> String {
    let a = v.unsigned_abs();
    let s = format!("{}.{:06}", a / 1_000_000, a % 1_000_000);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if v < 0 {
        format!("-{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_units_round_trip() {
        assert_eq!(decimal_micro(23_000_000_000), "23000");
        assert_eq!(decimal_micro(1_500_000), "1.5");
        assert_eq!(decimal_micro(-1_234_567), "-1.234567");
        assert_eq!(parse_micro("23000"), Ok(23_000_000_000));
        assert_eq!(parse_micro("0.000043"), Ok(43));
        assert_eq!(parse_micro("1.0000001"), Err(Reason::InvalidFormat));
        assert_eq!(parse_micro("99999999999999999999"), Err(Reason::OutOfRange));
    }
}
