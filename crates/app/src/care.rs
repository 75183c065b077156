//! Care use cases shared by the API and the pages: who a bed request is for, and the bed a
//! patient is suggested.

use domain::epi::Severity;
use domain::facility::{triage, BedType};
use domain::{CaseId, FieldError, Reason};
use store::{Caller, Occupant, StoreError};

use crate::App;

/// The case or the F1 contact a request names (exactly one of them), or the field at fault.
pub fn occupant(
    case_id: Option<i64>,
    contact_id: Option<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<Occupant> {
    match (case_id.filter(|&c| c > 0), contact_id.filter(|&c| c > 0)) {
        (Some(c), None) => Some(Occupant::Case(CaseId::new(c))),
        (None, Some(c)) => Some(Occupant::Contact(c)),
        (Some(_), Some(_)) => {
            errors.push(FieldError::new("contact_id", Reason::OutOfRange));
            None
        }
        (None, None) => {
            if !errors.iter().any(|e| e.field == "case_id") {
                errors.push(FieldError::new("case_id", Reason::Required));
            }
            None
        }
    }
}

/// The bed a case of its severity is suggested (`domain::facility::triage`), or quarantine
/// for a contact. A case the caller cannot see is suggested a mild case's bed: the
/// admission itself then refuses it.
pub async fn suggested_bed(
    app: &App,
    caller: &Caller,
    who: Occupant,
) -> Result<BedType, StoreError> {
    match who {
        Occupant::Contact(_) => Ok(BedType::Quarantine),
        Occupant::Case(c) => {
            let severity = app
                .store
                .get_case(caller, c, app.now_s())
                .await?
                .map_or(Severity::Mild, |d| d.case.severity);
            Ok(triage(severity).1)
        }
    }
}
