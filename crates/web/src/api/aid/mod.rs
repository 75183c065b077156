//! Aid between localities (gifts, totals converted at recorded rates, exchange rates,
//! organisations) and relief of lockdown zones (zones, rounds, one package per household
//! per round).

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

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

pub(crate) use app::input::{date, text};

/// The locality's date now: the reference of every date range.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    crate::local_time::local_date(state.now_s())
}

/// A record's id from a path segment: anything but a positive whole number names no record.
fn id_of<I: std::str::FromStr>(s: &str) -> Result<I, ApiError> {
    s.parse::<I>().map_err(|_| ApiError::not_found())
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}
