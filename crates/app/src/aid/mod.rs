//! Aid between localities and relief of lockdown zones: each command as an edge received it
//! (`…Input`, text and numbers as given) and its parser into the store's new record, every
//! bad field named at once. The JSON API and the aid pages' forms both call these.

mod cooperation;
mod filter;
mod fx;
mod gifts;
mod needs;
mod relief;
mod totals;

pub use cooperation::*;
pub use filter::*;
pub use fx::*;
pub use gifts::*;
pub use needs::*;
pub use relief::*;
pub use totals::*;

use domain::{FieldError, Reason};

/// Fields, commitments, tasks, units and linked gifts per record: bounded like every list.
pub const LINES_MAX: usize = 50;

fn bounded<T>(field: &str, v: &[T], errors: &mut Vec<FieldError>) {
    if v.len() > LINES_MAX {
        errors.push(FieldError::new(field, Reason::TooLong));
    }
}
