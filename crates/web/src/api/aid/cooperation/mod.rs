//! Cooperation agreements and activities between localities, and emulation campaigns.

mod agreements;
mod campaigns;
pub use agreements::*;
pub use campaigns::*;

use chrono::NaiveDate;
use domain::time::Dates;
use domain::{FieldError, Reason, UnitCode};

use crate::api::casework::required;

/// The dates of agreements and their activities: from 2019-12 to ten years after today.
/// Agreements run for years; and they are facts of cooperation rather than of the outbreak,
/// so a locality whose clock is set in a past outbreak (a 2021 demo) still records one signed
/// later (the Hà Nội – Hồ Chí Minh City MoU of 2023) and its meetings.
fn cooperation_dates(today: NaiveDate) -> Dates {
    Dates::ahead(today, 3_653)
}

/// Fields, commitments, tasks and linked gifts per record: bounded like every list.
const LINES_MAX: usize = 50;

fn unit(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<UnitCode> {
    match v {
        None | Some("") => required(field, None, errors),
        Some(u) => UnitCode::parse(u)
            .map_err(|e| errors.push(FieldError::new(field, e)))
            .ok(),
    }
}

fn bounded<T>(field: &str, v: &[T], errors: &mut Vec<FieldError>) {
    if v.len() > LINES_MAX {
        errors.push(FieldError::new(field, Reason::TooLong));
    }
}
