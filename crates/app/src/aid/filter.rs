//! Which gifts a list, a total or an export covers.

use domain::FieldError;
use store::aid::AidFilter;

use super::party_sel;
use crate::input::date;

/// A filter as given: each bound optional, empty meaning absent.
#[derive(Debug, Clone, Default)]
pub struct AidFilterInput {
    /// A unit code (the unit and its organisations) or `org:ID`.
    pub donor: Option<String>,
    pub recipient: Option<String>,
    /// Gifts dated on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Gifts dated on or before (YYYY-MM-DD).
    pub to: Option<String>,
}

/// The filter from its input, every bad bound named at once.
pub fn aid_filter(q: &AidFilterInput) -> Result<AidFilter, Vec<FieldError>> {
    fn opt<T>(
        field: &str,
        v: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, domain::Reason>,
        errors: &mut Vec<FieldError>,
    ) -> Option<T> {
        match v {
            None | Some("") => None,
            Some(v) => parse(v)
                .map_err(|r| errors.push(FieldError::new(field, r)))
                .ok(),
        }
    }
    let mut errors = Vec::new();
    let filter = AidFilter {
        donor: opt("donor", q.donor.as_deref(), party_sel, &mut errors),
        recipient: opt("recipient", q.recipient.as_deref(), party_sel, &mut errors),
        from: opt("from", q.from.as_deref(), date, &mut errors),
        to: opt("to", q.to.as_deref(), date, &mut errors),
    };
    if errors.is_empty() {
        Ok(filter)
    } else {
        Err(errors)
    }
}
