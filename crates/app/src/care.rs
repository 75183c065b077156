//! Care use cases shared by the API and the pages: admitting a case or an F1 to a bed or
//! home, transferring and discharging, who a bed request is for, and the bed a patient is
//! suggested.

use domain::epi::{CaseStatus, Severity};
use domain::facility::{triage, BedType, DischargeReason, FacilityKind};
use domain::{CaseId, FacilityId, FieldError, Reason, StayId, Structure};
use store::{Admission, Caller, Occupant, StoreError};

use crate::input::{past_time, required, slug, unit};
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
        if facility.is_some() {
            check_place(who, bed, &mut errors);
        }
        invalid_unless_empty(errors)?;
        if let Some(case) = r.case_id {
            // A case handed over to another locality is read-only here.
            self.check_case_changeable(CaseId(case)).await?;
        }
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
        let stay = match (&self.link, facility) {
            // A stay in a facility of a linked locality may travel (a resident of another).
            (Some(setup), Some(_)) => {
                crate::care_away::admit_linked(self, setup, caller, &a).await?
            }
            _ => self.store.admit(caller, &a, now_s).await?,
        };
        Ok(stay.map(|stay| Admitted {
            stay,
            bed: to.map(|(_, b)| b),
        }))
    }

    /// What a transfer would do, checked without writing (the page's confirmation step and
    /// the transfer itself): the stay, the destination and its bed type. `None`: the stay is
    /// not the caller's. A destination is required (never a default), and a case (F0) is
    /// never moved into an F1 quarantine place (`bed_type`: not allowed).
    pub async fn check_transfer(
        &self,
        caller: &Caller,
        stay: StayId,
        r: &TransferInput,
    ) -> Result<Option<Transfer>, CareError> {
        let now_s = self.now_s();
        let mut errors = Vec::new();
        let facility = required("facility_id", r.facility_id.filter(|&f| f > 0), &mut errors)
            .map(FacilityId::new);
        let bed = slug::<BedType>("bed_type", r.bed_type.as_deref(), &mut errors);
        let at_s = at(r.at.as_deref(), now_s, &mut errors);
        let note = note(r.note.as_deref(), &mut errors);
        let Some(from) = self.store.stay_for(caller, stay).await? else {
            return Ok(None);
        };
        // A destination elsewhere answers as one that does not exist (the store checks it
        // again when it moves the patient).
        if let Some(f) = facility {
            if self.store.get_facility(&caller.scope, f).await?.is_none() {
                return Ok(None);
            }
        }
        check_place(occupant_of(&from), bed, &mut errors);
        if from.facility_id.is_some() && from.facility_id == facility && from.bed_type == bed {
            // Where the patient already is: not a move.
            errors.push(FieldError::new("facility_id", Reason::Duplicate));
        }
        let (Some(facility), Some(bed)) = (facility, bed) else {
            return Err(CareError::Invalid(errors));
        };
        invalid_unless_empty(errors)?;
        Ok(Some(Transfer {
            from,
            to: (facility, bed),
            at_s,
            note,
        }))
    }

    /// Moves a patient to a bed of another facility; the old stay ends as transferred.
    /// `None`: the stay or the destination is not the caller's. The checks are
    /// [`App::check_transfer`]'s.
    pub async fn transfer(
        &self,
        caller: &Caller,
        stay: StayId,
        r: &TransferInput,
    ) -> Result<Option<Admitted>, CareError> {
        let Some(t) = self.check_transfer(caller, stay, r).await? else {
            return Ok(None);
        };
        if let Some(case) = t.from.case_id {
            self.check_case_changeable(case).await?;
        }
        let moved = self
            .store
            .transfer(caller, stay, t.to, t.at_s, t.note, self.now_s())
            .await?;
        Ok(moved.map(|stay| Admitted {
            stay,
            bed: Some(t.to.1),
        }))
    }

    /// What a discharge would do, checked without writing (the page's confirmation step):
    /// the stay, why it ends, and the outcome it records for a case. `None`: the stay is not
    /// the caller's.
    pub async fn check_discharge(
        &self,
        caller: &Caller,
        stay: StayId,
        r: &DischargeInput,
    ) -> Result<Option<Discharge>, CareError> {
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
        let Some(stay) = self.store.stay_for(caller, stay).await? else {
            return Ok(None);
        };
        Ok(Some(Discharge {
            outcome: stay.case_id.and(outcome(reason)),
            stay,
            reason,
            at_s,
            note,
        }))
    }

    /// Ends a stay (recovered, died, released) and frees its bed. A case's stay ended as
    /// recovered or died records that outcome as the case's status at the same time, with
    /// its history line (the rules of [`App::update_case_status`]), in the same transaction:
    /// a case the status rules refuse keeps its stay open. `false`: the stay is not the
    /// caller's; a stay that has ended is refused by the store (`stay`, out of range).
    pub async fn discharge(
        &self,
        caller: &Caller,
        stay: StayId,
        r: &DischargeInput,
    ) -> Result<bool, CareError> {
        let Some(d) = self.check_discharge(caller, stay, r).await? else {
            return Ok(false);
        };
        if let Some(case) = d.stay.case_id {
            self.check_case_changeable(case).await?;
        }
        if let Some(setup) = &self.link {
            if d.stay.facility_id.is_some() {
                return Ok(
                    crate::care_away::discharge_linked(self, setup, caller, stay, &d).await?,
                );
            }
        }
        Ok(self
            .store
            .discharge(
                caller,
                stay,
                d.reason,
                d.outcome,
                d.at_s,
                d.note,
                self.now_s(),
            )
            .await?)
    }
}

/// A transfer checked by [`App::check_transfer`].
#[derive(Debug, Clone)]
pub struct Transfer {
    pub from: store::Stay,
    pub to: (FacilityId, BedType),
    pub at_s: i64,
    pub note: Option<String>,
}

/// A discharge checked by [`App::check_discharge`].
#[derive(Debug, Clone)]
pub struct Discharge {
    pub stay: store::Stay,
    pub reason: DischargeReason,
    /// The case's status the discharge records (a case's stay ended as recovered or died).
    pub outcome: Option<CaseStatus>,
    pub at_s: i64,
    pub note: Option<String>,
}

/// The case's outcome a discharge reason is: recovered, died; none for a release.
pub fn outcome(reason: DischargeReason) -> Option<CaseStatus> {
    match reason {
        DischargeReason::Recovered => Some(CaseStatus::Recovered),
        DischargeReason::Died => Some(CaseStatus::Died),
        DischargeReason::Released | DischargeReason::Transferred => None,
    }
}

/// Who a stay is for.
fn occupant_of(s: &store::Stay) -> Occupant {
    match (s.case_id, s.contact_id) {
        (Some(c), _) => Occupant::Case(c),
        (None, c) => Occupant::Contact(c.unwrap_or_default()),
    }
}

/// Whether a bed type may take this person: an F0 is never put in an F1 quarantine place
/// (a positive case among quarantined contacts infects them). Pushes `bed_type`'s refusal.
pub fn check_place(who: Occupant, bed: Option<BedType>, errors: &mut Vec<FieldError>) {
    if matches!(who, Occupant::Case(_)) && bed == Some(BedType::Quarantine) {
        errors.push(FieldError::new("bed_type", Reason::NotAllowed));
    }
}

/// A facility's name: as long as a Vietnamese official name gets, bounded.
pub const FACILITY_NAME_MAX_CHARS: usize = 200;
/// A facility's address, bounded.
pub const ADDRESS_MAX_CHARS: usize = 500;

/// A bed type and its capacity as given.
#[derive(Debug, Clone, Default)]
pub struct BedsInput {
    pub bed_type: Option<String>,
    pub capacity: Option<i64>,
}

/// A facility as given.
#[derive(Debug, Clone, Default)]
pub struct FacilityInput {
    pub name: Option<String>,
    /// A facility kind's slug.
    pub kind: Option<String>,
    /// Unit code, in `structure` (2021 unless `2025`).
    pub unit: Option<String>,
    pub structure: Option<String>,
    pub address: Option<String>,
    pub beds: Vec<BedsInput>,
}

/// A facility from its input: every field checked, every error named at once; a bed type
/// at most once, each capacity within [`store::CAPACITY_MAX`].
pub fn new_facility(r: &FacilityInput) -> Result<store::NewFacility, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = r.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let name = required("name", name, &mut errors);
    if name.is_some_and(|n| n.chars().count() > FACILITY_NAME_MAX_CHARS) {
        errors.push(FieldError::new("name", Reason::TooLong));
    }
    let kind = slug::<FacilityKind>("kind", r.kind.as_deref(), &mut errors);
    let structure = match r.structure.as_deref() {
        None | Some("") => Some(Structure::S2021),
        s => slug::<Structure>("structure", s, &mut errors),
    };
    let unit = unit("unit", r.unit.as_deref(), &mut errors);
    let mut beds = Vec::new();
    for (i, b) in r.beds.iter().enumerate() {
        let bed = slug::<BedType>(
            &format!("beds[{i}].bed_type"),
            b.bed_type.as_deref(),
            &mut errors,
        );
        let cap = b.capacity.filter(|c| (0..=store::CAPACITY_MAX).contains(c));
        if cap.is_none() {
            errors.push(FieldError::new(
                format!("beds[{i}].capacity"),
                Reason::OutOfRange,
            ));
        }
        if bed.is_some_and(|t| beds.iter().any(|(x, _)| *x == t)) {
            errors.push(FieldError::new(
                format!("beds[{i}].bed_type"),
                Reason::Duplicate,
            ));
        }
        if let (Some(bed), Some(cap)) = (bed, cap) {
            beds.push((bed, cap));
        }
    }
    if r.address
        .as_deref()
        .is_some_and(|a| a.chars().count() > ADDRESS_MAX_CHARS)
    {
        errors.push(FieldError::new("address", Reason::TooLong));
    }
    let (Some(name), Some(kind), Some(structure), Some(unit_code), true) =
        (name, kind, structure, unit, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(store::NewFacility {
        name: name.to_string(),
        kind,
        structure,
        unit_code,
        address: r.address.clone(),
        beds,
    })
}

impl App {
    /// Registers a facility with its beds in a unit of the caller's jurisdiction.
    pub async fn register_facility(
        &self,
        caller: &Caller,
        r: &FacilityInput,
    ) -> Result<FacilityId, CareError> {
        let new = new_facility(r).map_err(CareError::Invalid)?;
        Ok(self
            .store
            .create_facility(caller, &new, self.now_s())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_facility_names_every_bad_field() {
        let bed = |t: &str, c: i64| BedsInput {
            bed_type: Some(t.into()),
            capacity: Some(c),
        };
        let r = FacilityInput {
            name: Some("x".repeat(FACILITY_NAME_MAX_CHARS + 1)),
            kind: Some("spa".into()),
            unit: Some("00001".into()),
            structure: Some("2030".into()),
            address: None,
            beds: vec![
                bed("icu", 4),
                bed("icu", 2),
                bed("oxygen", store::CAPACITY_MAX + 1),
            ],
        };
        let fields: Vec<String> = new_facility(&r)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "kind",
                "structure",
                "beds[1].bed_type",
                "beds[2].capacity"
            ]
        );
        let good = FacilityInput {
            name: Some(" Bệnh viện dã chiến số 2 ".into()),
            kind: Some("field_hospital".into()),
            structure: None,
            beds: vec![bed("oxygen", 300), bed("icu", 20)],
            ..r
        };
        let f = new_facility(&good).unwrap();
        assert_eq!(f.name, "Bệnh viện dã chiến số 2");
        assert_eq!(f.structure, Structure::S2021);
        assert_eq!(f.beds, vec![(BedType::Oxygen, 300), (BedType::Icu, 20)]);
    }
}
