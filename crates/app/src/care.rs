//! Care use cases shared by the API and the pages: admitting a case or an F1 to a bed or
//! home, transferring and discharging, who a bed request is for, and the bed a patient is
//! suggested.

use domain::epi::Severity;
use domain::facility::{triage, BedType, DischargeReason};
use domain::{CaseId, FacilityId, FieldError, Reason, StayId};
use store::{Admission, Caller, Occupant, StoreError};

use crate::input::{past_time, required, slug};
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

/// Notes on a stay: a sentence or two, bounded.
pub const NOTE_MAX_CHARS: usize = 1000;

/// Why a care command was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum CareError {
    /// Fields at fault, every one named; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An admission (or a home stay) as given.
#[derive(Debug, Clone, Default)]
pub struct AdmitInput {
    pub case_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// A bed type's slug; absent: the bed the case's severity is suggested.
    pub bed_type: Option<String>,
    /// RFC 3339; absent: now.
    pub at: Option<String>,
    pub note: Option<String>,
}

/// A transfer as given.
#[derive(Debug, Clone, Default)]
pub struct TransferInput {
    pub facility_id: Option<i64>,
    pub bed_type: Option<String>,
    pub at: Option<String>,
    pub note: Option<String>,
}

/// A discharge as given.
#[derive(Debug, Clone, Default)]
pub struct DischargeInput {
    /// `recovered`, `died` or `released` (a transfer is its own command).
    pub reason: Option<String>,
    pub at: Option<String>,
    pub note: Option<String>,
}

/// A stay begun: its id, and the bed it takes (None at home).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    pub stay: StayId,
    pub bed: Option<BedType>,
}

fn note(n: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let n = n.map(str::trim).filter(|n| !n.is_empty())?;
    if n.chars().count() > NOTE_MAX_CHARS {
        errors.push(FieldError::new("note", Reason::TooLong));
    }
    Some(n.to_string())
}

/// The time of a care event: given (something that has happened), or now.
fn at(given: Option<&str>, now_s: i64, errors: &mut Vec<FieldError>) -> i64 {
    past_time("at", given, now_s, errors).unwrap_or(now_s)
}

fn invalid_unless_empty(errors: Vec<FieldError>) -> Result<(), CareError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CareError::Invalid(errors))
    }
}

impl App {
    /// Admits a case (or an F1 contact) to a bed of `facility`, or, with no facility, places
    /// it at home (home care, home quarantine). `None`: the case, contact or facility is not
    /// in the caller's jurisdiction (or does not exist). A full bed type and a person already
    /// in care are the store's refusals; nothing is written then.
    pub async fn admit(
        &self,
        caller: &Caller,
        facility: Option<FacilityId>,
        r: &AdmitInput,
    ) -> Result<Option<Admitted>, CareError> {
        let now_s = self.now_s();
        let mut errors = Vec::new();
        let who = occupant(r.case_id, r.contact_id, &mut errors);
        let bed = match r.bed_type.as_deref() {
            None | Some("") => None,
            b => slug::<BedType>("bed_type", b, &mut errors),
        };
        let at_s = at(r.at.as_deref(), now_s, &mut errors);
        let note = note(r.note.as_deref(), &mut errors);
        let Some(who) = who else {
            return Err(CareError::Invalid(errors));
        };
        invalid_unless_empty(errors)?;
        let to = match facility {
            None => None,
            Some(f) => Some((
                f,
                match bed {
                    Some(b) => b,
                    None => suggested_bed(self, caller, who).await?,
                },
            )),
        };
        let a = Admission {
            occupant: who,
            to,
            at_s,
            note,
        };
        let stay = self.store.admit(caller, &a, now_s).await?;
        Ok(stay.map(|stay| Admitted {
            stay,
            bed: to.map(|(_, b)| b),
        }))
    }

    /// Moves a patient to a bed of another facility; the old stay ends as transferred.
    /// `None`: the stay or the destination is not the caller's.
    pub async fn transfer(
        &self,
        caller: &Caller,
        stay: StayId,
        r: &TransferInput,
    ) -> Result<Option<Admitted>, CareError> {
        let now_s = self.now_s();
        let mut errors = Vec::new();
        let facility = required("facility_id", r.facility_id.filter(|&f| f > 0), &mut errors)
            .map(FacilityId::new);
        let bed = slug::<BedType>("bed_type", r.bed_type.as_deref(), &mut errors);
        let at_s = at(r.at.as_deref(), now_s, &mut errors);
        let note = note(r.note.as_deref(), &mut errors);
        let (Some(facility), Some(bed)) = (facility, bed) else {
            return Err(CareError::Invalid(errors));
        };
        invalid_unless_empty(errors)?;
        let stay = self
            .store
            .transfer(caller, stay, (facility, bed), at_s, note, now_s)
            .await?;
        Ok(stay.map(|stay| Admitted {
            stay,
            bed: Some(bed),
        }))
    }

    /// Ends a stay (recovered, died, released) and frees its bed. `false`: the stay is not
    /// the caller's; a stay that has ended is refused by the store (`stay`, out of range).
    pub async fn discharge(
        &self,
        caller: &Caller,
        stay: StayId,
        r: &DischargeInput,
    ) -> Result<bool, CareError> {
        let now_s = self.now_s();
        let mut errors = Vec::new();
        let reason = slug::<DischargeReason>("reason", r.reason.as_deref(), &mut errors);
        if reason == Some(DischargeReason::Transferred) {
            // A transfer names where to; it is its own command.
            errors.push(FieldError::new("reason", Reason::UnknownValue));
        }
        let at_s = at(r.at.as_deref(), now_s, &mut errors);
        let note = note(r.note.as_deref(), &mut errors);
        let Some(reason) = reason else {
            return Err(CareError::Invalid(errors));
        };
        invalid_unless_empty(errors)?;
        Ok(self
            .store
            .discharge(caller, stay, reason, at_s, note, now_s)
            .await?)
    }
}
