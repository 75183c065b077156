//! Facilities, their beds and the stays of people in them (or at home): admissions,
//! transfers and discharges, occupancy now and over time, and the per-unit figures the risk
//! levels read.
//!
//! Occupancy is counted in one place, `facility_beds.occupied`, changed only in the
//! transaction that opens or closes a stay: an admission raises it with
//! `UPDATE ... WHERE occupied < capacity` and is refused when no row was changed, so
//! concurrent admissions racing for the last bed can never overfill it (PostgreSQL re-checks
//! the condition on the row a concurrent transaction committed; SQLite runs one writer).

mod admissions;
mod bulk;
mod occupancy;
mod registry;
mod stays;
mod weekly;

use sqlx::any::AnyRow;
use sqlx::Row;

use domain::facility::{BedType, DischargeReason, FacilityKind, Place};
use domain::{
    CaseId, FacilityId, FieldError, PersonId, Reason, Scope, StayId, Structure, UnitCode, UnitPath,
};

use crate::audit::{AuditAction, AuditEntry};
use crate::users::Caller;
use crate::vaccination::entry;
use crate::{Result, StoreError};

/// Most beds of one type a facility may declare (the largest field hospitals of 2021 had
/// a few thousand beds in all).
pub const CAPACITY_MAX: i64 = 20_000;
/// Most days an occupancy series may span.
pub const SERIES_DAYS_MAX: i64 = 400;

#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    pub id: FacilityId,
    pub name: String,
    pub kind: FacilityKind,
    pub structure: Structure,
    pub unit_code: UnitCode,
    pub unit_path: UnitPath,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Beds {
    pub bed_type: BedType,
    pub capacity: i64,
    pub occupied: i64,
}

/// A facility with its beds by type.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityBeds {
    pub facility: Facility,
    pub beds: Vec<Beds>,
}

#[derive(Debug, Clone)]
pub struct NewFacility {
    pub name: String,
    pub kind: FacilityKind,
    pub structure: Structure,
    pub unit_code: UnitCode,
    pub address: Option<String>,
    pub beds: Vec<(BedType, i64)>,
}

/// Who a stay is for: an F0 case, or a traced contact (an F1 in quarantine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occupant {
    Case(CaseId),
    Contact(i64),
}

/// A stay in a bed of a facility or at home, with its times.
#[derive(Debug, Clone, PartialEq)]
pub struct Stay {
    pub id: StayId,
    pub person_id: PersonId,
    pub case_id: Option<CaseId>,
    pub contact_id: Option<i64>,
    pub place: Place,
    pub facility_id: Option<FacilityId>,
    pub bed_type: Option<BedType>,
    pub from_s: i64,
    pub until_s: Option<i64>,
    pub discharge_reason: Option<DischargeReason>,
    pub transferred_from: Option<StayId>,
    pub note: Option<String>,
    /// The facility's unit (home: the person's).
    pub unit_code: UnitCode,
}

/// An admission (or a placement at home when `to` is None).
#[derive(Debug, Clone)]
pub struct Admission {
    pub occupant: Occupant,
    /// The facility and bed type; None: at home (home care of an F0, home quarantine of an F1).
    pub to: Option<(FacilityId, BedType)>,
    pub at_s: i64,
    pub note: Option<String>,
}

/// Occupied beds of one facility and bed type at the end of a local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OccupancyPoint {
    /// Days since 1970-01-01, local.
    pub day: i64,
    pub facility_id: FacilityId,
    pub bed_type: BedType,
    pub occupied: i64,
}

/// Beds of one unit (facilities in its subtree) and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitBeds {
    pub unit_code: String,
    pub bed_type: BedType,
    pub capacity: i64,
    pub occupied: i64,
}

/// F0 in care at a time, of one severity and in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CasesInCare {
    pub severity: domain::epi::Severity,
    /// The bed they hold; `None`: at home.
    pub bed_type: Option<BedType>,
    pub n: i64,
}

/// Cases of one unit in one week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyCases {
    pub unit_code: String,
    /// The Monday the week starts on, as days since 1970-01-01 (local).
    pub week_start_day: i64,
    /// Cases confirmed in the week.
    pub cases: i64,
    /// Of which community cases (`cases.community`: not found in quarantine or a locked-down zone).
    pub community: i64,
    /// Of which moderate or worse (severity recorded on the case): the cases assumed [A] to
    /// need oxygen (Decision 4689: moderate means SpO2 94–96 %, oxygen therapy).
    pub oxygen: i64,
    /// Deaths in the week (by the date of the outcome).
    pub deaths: i64,
}

/// A facility row of the bulk path (ids given by the caller).
#[derive(Debug, Clone)]
pub struct FacilityRow {
    pub id: FacilityId,
    pub name: String,
    pub kind: FacilityKind,
    pub unit: crate::UnitRef,
    pub beds: Vec<(BedType, i64)>,
}

/// A stay row of the bulk path; `recount_occupancy` then sets the counters.
#[derive(Debug, Clone)]
pub struct StayRow {
    pub id: StayId,
    pub person_id: i64,
    pub case_id: Option<i64>,
    pub place: Place,
    pub facility_id: Option<FacilityId>,
    pub bed_type: Option<BedType>,
    pub from_s: i64,
    pub until_s: Option<i64>,
    pub discharge_reason: Option<DischargeReason>,
    pub transferred_from: Option<StayId>,
    pub note: Option<String>,
    pub unit: crate::UnitRef,
}

const FACILITY_COLUMNS: &str =
    "f.id, f.name, f.kind, f.structure, f.unit_code, f.unit_path, f.address";
const STAY_COLUMNS: &str = "s.id, s.person_id, s.case_id, s.contact_id, s.place, s.facility_id, \
     s.bed_type, s.from_s, s.until_s, s.discharge_reason, s.transferred_from, s.note, s.unit_code";

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn facility_from_row(r: &AnyRow) -> Result<Facility> {
    let kind: String = r.try_get(2)?;
    let structure: String = r.try_get(3)?;
    let path: String = r.try_get(5)?;
    Ok(Facility {
        id: FacilityId::new(r.try_get(0)?),
        name: r.try_get(1)?,
        kind: kind.parse().map_err(|_| corrupt("facilities.kind"))?,
        structure: structure
            .parse()
            .map_err(|_| corrupt("facilities.structure"))?,
        unit_code: crate::units::code_col(r, "unit_code")?,
        unit_path: UnitPath::from_stored(&path).ok_or_else(|| corrupt("facilities.unit_path"))?,
        address: r.try_get(6)?,
    })
}

fn stay_from_row(r: &AnyRow) -> Result<Stay> {
    let place: String = r.try_get(4)?;
    let bed: Option<String> = r.try_get(6)?;
    let reason: Option<String> = r.try_get(9)?;
    Ok(Stay {
        id: StayId::new(r.try_get(0)?),
        person_id: PersonId(r.try_get(1)?),
        case_id: r.try_get::<Option<i64>, _>(2)?.map(CaseId),
        contact_id: r.try_get(3)?,
        place: place.parse().map_err(|_| corrupt("stays.place"))?,
        facility_id: r.try_get::<Option<i64>, _>(5)?.map(FacilityId::new),
        bed_type: bed
            .map(|b| b.parse().map_err(|_| corrupt("stays.bed_type")))
            .transpose()?,
        from_s: r.try_get(7)?,
        until_s: r.try_get(8)?,
        discharge_reason: reason
            .map(|b| b.parse().map_err(|_| corrupt("stays.discharge_reason")))
            .transpose()?,
        transferred_from: r.try_get::<Option<i64>, _>(10)?.map(StayId::new),
        note: r.try_get(11)?,
        unit_code: crate::units::code_col(r, "unit_code")?,
    })
}

fn visible(scope: &Scope, structure: &str, path: &str) -> bool {
    structure
        .parse::<Structure>()
        .ok()
        .zip(UnitPath::from_stored(path))
        .is_some_and(|(s, p)| scope.contains(s, &p))
}

fn audit_stay(
    caller: &Caller,
    action: AuditAction,
    id: StayId,
    detail: Option<String>,
) -> AuditEntry {
    entry(caller, action, "stay", id.get(), detail)
}

/// What an occupant resolves to: (person, case, contact, structure, unit code, unit path).
struct Resolved {
    person_id: i64,
    case_id: Option<i64>,
    contact_id: Option<i64>,
    structure: String,
    unit_code: String,
    unit_path: String,
}
