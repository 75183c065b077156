//! Aid between localities (gifts, totals converted at recorded rates, exchange rates,
//! organisations) and relief of lockdown zones (zones, rounds, one package per household
//! per round).

use chrono::NaiveDate;
use domain::time::Dates;
use domain::{FieldError, Reason};
use serde::Serialize;
use utoipa::ToSchema;

use super::casework::required;
use super::opt_param;
use crate::error::ApiError;
use crate::AppState;

mod cooperation;
mod export;
#[cfg(test)]
mod fuzz;
mod fx;
mod gifts;
pub(crate) mod needs;
mod parties;
mod reads;
mod relief;
mod totals;
pub use cooperation::*;
pub use export::*;
pub use fx::*;
pub use gifts::*;
pub use needs::*;
pub use parties::*;
pub use reads::*;
pub use relief::*;
pub use totals::*;

/// Text fields of a gift: long enough for a quoted sentence, bounded.
const TEXT_MAX_CHARS: usize = 2000;

fn date(s: &str) -> Result<NaiveDate, Reason> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Reason::InvalidFormat)
}

/// An optional YYYY-MM-DD field within its plausible range (`domain::time`).
pub(crate) fn opt_date(
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
pub(crate) fn req_date(
    field: &str,
    v: Option<&str>,
    range: Dates,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let d = opt_date(field, v, range, errors);
    required(field, d, errors)
}

/// The locality's date now: the reference of every date range.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    crate::local_time::local_date(state.now_s())
}

fn id_of(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().map_err(|_| ApiError::not_found())
}

/// A required whole number within `range`.
pub(crate) fn in_range(
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

fn text(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = v.map(str::trim).filter(|s| !s.is_empty())?;
    if v.chars().count() > TEXT_MAX_CHARS {
        errors.push(FieldError::new(field, Reason::TooLong));
        return None;
    }
    Some(v.to_string())
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}
