//! Facilities, their beds and the stays of people in them (or at home): admissions,
//! transfers and discharges, occupancy now and over time, and the per-unit figures the risk
//! levels read.
//!
//! Occupancy is counted in one place, `facility_beds.occupied`, changed only in the
//! transaction that opens or closes a stay: an admission raises it with
//! `UPDATE ... WHERE occupied < capacity` and is refused when no row was changed, so
//! concurrent admissions racing for the last bed can never overfill it (PostgreSQL re-checks
//! the condition on the row a concurrent transaction committed; SQLite runs one writer).

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::Row;

use domain::epi::{CaseStatus, Severity};
use domain::facility::{BedType, DischargeReason, FacilityKind, Place};
use domain::{
    CaseId, FieldError, PersonId, Reason, Scope, Structure, UnitCode, UnitLevel, UnitPath,
};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::sql::{insert_rows, Sql, Val};
use crate::users::Caller;
use crate::vaccination::{code_of_path, count, entry, path_len, row_in_scope};
use crate::{Result, Store, StoreError};

/// Most beds of one type a facility may declare (the largest field hospitals of 2021 had
/// a few thousand beds in all).
pub const CAPACITY_MAX: i64 = 20_000;
/// Most days an occupancy series may span.
pub const SERIES_DAYS_MAX: i64 = 400;

#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    pub id: i64,
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
    pub id: i64,
    pub person_id: PersonId,
    pub case_id: Option<CaseId>,
    pub contact_id: Option<i64>,
    pub place: Place,
    pub facility_id: Option<i64>,
    pub bed_type: Option<BedType>,
    pub from_s: i64,
    pub until_s: Option<i64>,
    pub discharge_reason: Option<DischargeReason>,
    pub transferred_from: Option<i64>,
    pub note: Option<String>,
    /// The facility's unit (home: the person's).
    pub unit_code: UnitCode,
}

/// An admission (or a placement at home when `to` is None).
#[derive(Debug, Clone)]
pub struct Admission {
    pub occupant: Occupant,
    /// The facility and bed type; None: at home (home care of an F0, home quarantine of an F1).
    pub to: Option<(i64, BedType)>,
    pub at_s: i64,
    pub note: Option<String>,
}

/// Occupied beds of one facility and bed type at the end of a local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OccupancyPoint {
    /// Days since 1970-01-01, local.
    pub day: i64,
    pub facility_id: i64,
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
    pub id: i64,
    pub name: String,
    pub kind: FacilityKind,
    pub unit: crate::UnitRef,
    pub beds: Vec<(BedType, i64)>,
}

/// A stay row of the bulk path; `recount_occupancy` then sets the counters.
#[derive(Debug, Clone)]
pub struct StayRow {
    pub id: i64,
    pub person_id: i64,
    pub case_id: Option<i64>,
    pub place: Place,
    pub facility_id: Option<i64>,
    pub bed_type: Option<BedType>,
    pub from_s: i64,
    pub until_s: Option<i64>,
    pub discharge_reason: Option<DischargeReason>,
    pub transferred_from: Option<i64>,
    pub note: Option<String>,
    pub unit: crate::UnitRef,
}

const FACILITY_COLUMNS: &str =
    "f.id, f.name, f.kind, f.structure, f.unit_code, f.unit_path, f.address";
const STAY_COLUMNS: &str = "s.id, s.person_id, s.case_id, s.contact_id, s.place, s.facility_id, \
     s.bed_type, s.from_s, s.until_s, s.discharge_reason, s.transferred_from, s.note, s.unit_code";
/// Bed types that give oxygen (for `WeeklyCases::oxygen`'s severity proxy, see there).
const OXYGEN_SEVERITIES: [Severity; 3] = [Severity::Moderate, Severity::Severe, Severity::Critical];

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
        id: r.try_get(0)?,
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
        id: r.try_get(0)?,
        person_id: PersonId(r.try_get(1)?),
        case_id: r.try_get::<Option<i64>, _>(2)?.map(CaseId),
        contact_id: r.try_get(3)?,
        place: place.parse().map_err(|_| corrupt("stays.place"))?,
        facility_id: r.try_get(5)?,
        bed_type: bed
            .map(|b| b.parse().map_err(|_| corrupt("stays.bed_type")))
            .transpose()?,
        from_s: r.try_get(7)?,
        until_s: r.try_get(8)?,
        discharge_reason: reason
            .map(|b| b.parse().map_err(|_| corrupt("stays.discharge_reason")))
            .transpose()?,
        transferred_from: r.try_get(10)?,
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

fn audit_stay(caller: &Caller, action: AuditAction, id: i64, detail: Option<String>) -> AuditEntry {
    entry(caller, action, "stay", id, detail)
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

impl Store {
    /// Registers a facility with its beds, in a unit of the caller's scope.
    pub async fn create_facility(
        &self,
        caller: &Caller,
        new: &NewFacility,
        now_s: i64,
    ) -> Result<i64> {
        let unit = self
            .get_unit(&caller.scope, new.structure, &new.unit_code)
            .await?
            .ok_or_else(|| invalid("unit", Reason::NotFound))?;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO facilities (name, kind, structure, unit_code, unit_path, address,
                                     created_at_s, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(new.structure.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(new.address.clone())
        .bind(now_s)
        .bind((caller.user.id.0 != 0).then_some(caller.user.id.0))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        insert_rows(
            &mut tx,
            self.dialect,
            "facility_beds",
            &["facility_id", "bed_type", "capacity", "occupied"],
            new.beds
                .iter()
                .map(|(b, c)| {
                    vec![
                        Val::Int(id),
                        Val::Text(b.as_str().into()),
                        Val::Int(*c),
                        Val::Int(0),
                    ]
                })
                .collect::<Vec<_>>(),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Facilities in the scope with their beds, by unit path then name.
    pub async fn list_facilities(
        &self,
        scope: &Scope,
        structure: Structure,
    ) -> Result<Vec<FacilityBeds>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT {FACILITY_COLUMNS}, b.bed_type, b.capacity, b.occupied FROM facilities f
                 LEFT JOIN facility_beds b ON b.facility_id = f.id WHERE f.structure = "
            ),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("f.unit_path", scope, structure);
        sql.push(" ORDER BY f.unit_path, f.name, f.id, b.bed_type");
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut out: Vec<FacilityBeds> = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            if out.last().map(|f| f.facility.id) != Some(id) {
                out.push(FacilityBeds {
                    facility: facility_from_row(r)?,
                    beds: Vec::new(),
                });
            }
            let bed: Option<String> = r.try_get(7)?;
            if let (Some(bed), Some(last)) = (bed, out.last_mut()) {
                last.beds.push(Beds {
                    bed_type: bed.parse().map_err(|_| corrupt("facility_beds.bed_type"))?,
                    capacity: r.try_get(8)?,
                    occupied: r.try_get(9)?,
                });
            }
        }
        Ok(out)
    }

    /// A facility in the scope with its beds, or None.
    pub async fn get_facility(&self, scope: &Scope, id: i64) -> Result<Option<FacilityBeds>> {
        let rows = sqlx::query(&format!(
            "SELECT {FACILITY_COLUMNS}, b.bed_type, b.capacity, b.occupied FROM facilities f
             LEFT JOIN facility_beds b ON b.facility_id = f.id WHERE f.id = $1 ORDER BY b.bed_type"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let facility = facility_from_row(first)?;
        if !scope.contains(facility.structure, &facility.unit_path) {
            return Ok(None);
        }
        let mut beds = Vec::new();
        for r in &rows {
            if let Some(bed) = r.try_get::<Option<String>, _>(7)? {
                beds.push(Beds {
                    bed_type: bed.parse().map_err(|_| corrupt("facility_beds.bed_type"))?,
                    capacity: r.try_get(8)?,
                    occupied: r.try_get(9)?,
                });
            }
        }
        Ok(Some(FacilityBeds { facility, beds }))
    }

    /// The people in a facility now (open stays), for a caller who sees the facility;
    /// None when it does not. Every listed stay is audited.
    pub async fn facility_stays(
        &self,
        caller: &Caller,
        facility_id: i64,
        now_s: i64,
    ) -> Result<Option<Vec<Stay>>> {
        if self
            .get_facility(&caller.scope, facility_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let mut conn = self.pool.acquire().await?;
        let stays = sqlx::query(&format!(
            "SELECT {STAY_COLUMNS} FROM stays s
             WHERE s.facility_id = $1 AND s.until_s IS NULL ORDER BY s.from_s, s.id LIMIT 5000"
        ))
        .bind(facility_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(stay_from_row)
        .collect::<Result<Vec<_>>>()?;
        // One row for the list, naming every stay on it (issue #12, item 15).
        let list = audit::AuditList::new(
            caller,
            "facility_stays",
            facility_id.to_string(),
            "stay",
            stays.iter().map(|s| s.id).collect(),
            None,
        );
        audit::append_list(&mut conn, self.dialect, list, now_s).await?;
        Ok(Some(stays))
    }

    /// Every stay of a case, oldest first (a transfer shows as two stays), or None when the
    /// case is not in the caller's scope. Audited as a read.
    pub async fn case_stays(
        &self,
        caller: &Caller,
        case: CaseId,
        now_s: i64,
    ) -> Result<Option<Vec<Stay>>> {
        let mut conn = self.pool.acquire().await?;
        if !row_in_scope(&mut conn, "cases", case.0, &caller.scope).await? {
            return Ok(None);
        }
        let stays = sqlx::query(&format!(
            "SELECT {STAY_COLUMNS} FROM stays s WHERE s.case_id = $1 ORDER BY s.from_s, s.id"
        ))
        .bind(case.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(stay_from_row)
        .collect::<Result<Vec<_>>>()?;
        audit::append(
            &mut conn,
            self.dialect,
            [audit_stay(
                caller,
                AuditAction::Read,
                case.0,
                Some("case".into()),
            )],
            now_s,
        )
        .await?;
        Ok(Some(stays))
    }

    async fn resolve_occupant(
        conn: &mut sqlx::AnyConnection,
        occupant: Occupant,
    ) -> Result<Option<(Resolved, Option<CaseStatus>)>> {
        let (sql, id) = match occupant {
            Occupant::Case(c) => (
                "SELECT person_id, structure, unit_code, unit_path, status FROM cases WHERE id = $1",
                c.0,
            ),
            Occupant::Contact(c) => (
                "SELECT person_id, structure, unit_code, unit_path, NULL FROM contacts WHERE id = $1",
                c,
            ),
        };
        let Some(r) = sqlx::query(sql).bind(id).fetch_optional(&mut *conn).await? else {
            return Ok(None);
        };
        let status: Option<String> = r.try_get(4)?;
        Ok(Some((
            Resolved {
                person_id: r.try_get(0)?,
                case_id: matches!(occupant, Occupant::Case(_)).then_some(id),
                contact_id: matches!(occupant, Occupant::Contact(_)).then_some(id),
                structure: r.try_get(1)?,
                unit_code: r.try_get(2)?,
                unit_path: r.try_get(3)?,
            },
            status.and_then(|s| s.parse().ok()),
        )))
    }

    /// Takes one bed of `bed_type` in `facility_id` within the transaction, or says why not.
    async fn take_bed(
        conn: &mut sqlx::AnyConnection,
        facility_id: i64,
        bed_type: BedType,
    ) -> Result<()> {
        let taken = sqlx::query(
            "UPDATE facility_beds SET occupied = occupied + 1
             WHERE facility_id = $1 AND bed_type = $2 AND occupied < capacity",
        )
        .bind(facility_id)
        .bind(bed_type.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if taken == 1 {
            return Ok(());
        }
        let exists =
            sqlx::query("SELECT 1 FROM facility_beds WHERE facility_id = $1 AND bed_type = $2")
                .bind(facility_id)
                .bind(bed_type.as_str())
                .fetch_optional(&mut *conn)
                .await?;
        Err(match exists {
            Some(_) => invalid("bed_type", Reason::NoCapacity),
            None => invalid("bed_type", Reason::NotFound),
        })
    }

    async fn free_bed(
        conn: &mut sqlx::AnyConnection,
        facility_id: i64,
        bed_type: BedType,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE facility_beds SET occupied = occupied - 1
             WHERE facility_id = $1 AND bed_type = $2 AND occupied > 0",
        )
        .bind(facility_id)
        .bind(bed_type.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(corrupt("facility_beds.occupied below its open stays"))
        }
    }

    /// The facility's unit, when it exists: (structure, code, path).
    async fn facility_unit(
        conn: &mut sqlx::AnyConnection,
        facility_id: i64,
    ) -> Result<Option<(String, String, String)>> {
        let r = sqlx::query("SELECT structure, unit_code, unit_path FROM facilities WHERE id = $1")
            .bind(facility_id)
            .fetch_optional(&mut *conn)
            .await?;
        r.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }

    /// Admits a case (or an F1 contact) to a bed, or places it at home. None — before any
    /// other check, so that nothing tells a record elsewhere from no record — when the case
    /// or contact is not in the caller's scope, or the facility is not. A person at home is
    /// moved (the home stay ends as `transferred`); a person already in a facility must be
    /// transferred instead (`Duplicate`, 409). A full bed type is refused with
    /// `bed_type: no_capacity` and nothing is written. The API and the page both come here.
    pub async fn admit(&self, caller: &Caller, a: &Admission, now_s: i64) -> Result<Option<i64>> {
        crate::conflict::retrying(|| self.admit_once(caller, a, now_s)).await
    }

    async fn admit_once(&self, caller: &Caller, a: &Admission, now_s: i64) -> Result<Option<i64>> {
        let occupant_field = match a.occupant {
            Occupant::Case(_) => "case_id",
            Occupant::Contact(_) => "contact_id",
        };
        let mut tx = self.pool.begin().await?;
        let Some((who, status)) = Self::occupant_in_scope(&mut tx, caller, a.occupant).await?
        else {
            return Ok(None);
        };
        let unit = match a.to {
            Some((f, _)) => match Self::facility_in_scope(&mut tx, caller, f).await? {
                Some(u) => u,
                None => return Ok(None),
            },
            None => (
                who.structure.clone(),
                who.unit_code.clone(),
                who.unit_path.clone(),
            ),
        };
        if status.is_some_and(|s| s != CaseStatus::Active) {
            return Err(invalid(occupant_field, Reason::OutOfRange));
        }
        // Locked (PostgreSQL): a concurrent admission moving the same person from home waits
        // here, then finds the home stay ended and loses on `stays_open_by_person`.
        let open = sqlx::query(&format!(
            "SELECT id, place FROM stays WHERE person_id = $1 AND until_s IS NULL{}",
            self.for_update()
        ))
        .bind(who.person_id)
        .fetch_optional(&mut *tx)
        .await?;
        let already = StoreError::Duplicate {
            field: occupant_field,
            existing: None,
        };
        let mut from_home = None;
        if let Some(o) = open {
            let place: String = o.try_get(1)?;
            if place != Place::Home.as_str() || a.to.is_none() {
                return Err(already);
            }
            let home_id: i64 = o.try_get(0)?;
            let n = sqlx::query(
                "UPDATE stays SET until_s = $1, discharge_reason = $2
                 WHERE id = $3 AND until_s IS NULL",
            )
            .bind(a.at_s)
            .bind(DischargeReason::Transferred.as_str())
            .bind(home_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(already);
            }
            from_home = Some(home_id);
        }
        if let Some((f, bed)) = a.to {
            Self::take_bed(&mut tx, f, bed).await?;
        }
        let id = Self::insert_stay(&mut tx, caller, &who, a, from_home, &unit, now_s).await?;
        audit::append(
            &mut tx,
            self.dialect,
            [audit_stay(caller, AuditAction::Create, id, None)],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// ` FOR UPDATE` on PostgreSQL; nothing on SQLite, whose one connection runs a
    /// transaction alone.
    fn for_update(&self) -> &'static str {
        match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        }
    }

    /// The case or contact when it exists in the caller's scope; None alike when it does not
    /// exist and when it lies elsewhere (the one check every bed action starts with).
    async fn occupant_in_scope(
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        occupant: Occupant,
    ) -> Result<Option<(Resolved, Option<CaseStatus>)>> {
        Ok(Self::resolve_occupant(conn, occupant)
            .await?
            .filter(|(who, _)| visible(&caller.scope, &who.structure, &who.unit_path)))
    }

    /// A facility's unit when the facility exists in the caller's scope; None alike when it
    /// does not exist and when it lies elsewhere.
    async fn facility_in_scope(
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        facility_id: i64,
    ) -> Result<Option<(String, String, String)>> {
        Ok(Self::facility_unit(conn, facility_id)
            .await?
            .filter(|(s, _, p)| visible(&caller.scope, s, p)))
    }

    async fn insert_stay(
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        who: &Resolved,
        a: &Admission,
        transferred_from: Option<i64>,
        unit: &(String, String, String),
        now_s: i64,
    ) -> Result<i64> {
        let place = if a.to.is_some() {
            Place::Facility
        } else {
            Place::Home
        };
        Ok(sqlx::query(
            "INSERT INTO stays (person_id, case_id, contact_id, place, facility_id, bed_type,
                                from_s, until_s, discharge_reason, transferred_from, note,
                                structure, unit_code, unit_path, created_at_s, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, $11, $12, $13, $14)
             RETURNING id",
        )
        .bind(who.person_id)
        .bind(who.case_id)
        .bind(who.contact_id)
        .bind(place.as_str())
        .bind(a.to.map(|t| t.0))
        .bind(a.to.map(|t| t.1.as_str()))
        .bind(a.at_s)
        .bind(transferred_from)
        .bind(a.note.clone())
        .bind(&unit.0)
        .bind(&unit.1)
        .bind(&unit.2)
        .bind(now_s)
        .bind((caller.user.id.0 != 0).then_some(caller.user.id.0))
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?)
    }

    /// A stay the caller may act on: it sees the case or contact AND the stay's facility (or
    /// home unit). None otherwise, alike for a stay that does not exist.
    async fn open_stay_for(
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        id: i64,
    ) -> Result<Option<(Stay, Resolved)>> {
        let row = sqlx::query(&format!(
            "SELECT {STAY_COLUMNS}, s.structure, s.unit_path FROM stays s WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stay = stay_from_row(&row)?;
        let (s, p): (String, String) = (row.try_get(13)?, row.try_get(14)?);
        let occupant = match (stay.case_id, stay.contact_id) {
            (Some(c), _) => Occupant::Case(c),
            (None, Some(c)) => Occupant::Contact(c),
            (None, None) => return Ok(None),
        };
        let Some((who, _)) = Self::occupant_in_scope(conn, caller, occupant).await? else {
            return Ok(None);
        };
        Ok(visible(&caller.scope, &s, &p).then_some((stay, who)))
    }

    /// Whether the person was a known contact in quarantine (a stay of a contact, in a
    /// facility or at home) at `at_s`: a case confirmed then is not a community case
    /// (Decision 4800: community cases are found outside quarantine). [A] for home quarantine.
    pub async fn quarantined_at(&self, person: PersonId, at_s: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM stays WHERE person_id = $1 AND contact_id IS NOT NULL
               AND from_s <= $2 AND (until_s IS NULL OR until_s > $2) LIMIT 1",
        )
        .bind(person.0)
        .bind(at_s)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// The facility of a stay the caller may act on; None when not visible or at home.
    pub async fn stay_facility(&self, caller: &Caller, stay_id: i64) -> Result<Option<i64>> {
        let mut conn = self.pool.acquire().await?;
        Ok(Self::open_stay_for(&mut conn, caller, stay_id)
            .await?
            .and_then(|(s, _)| s.facility_id))
    }

    /// Ends an open stay (and frees its bed). False when the stay is not visible (see
    /// `open_stay_for`). A closed stay answers `stay: out_of_range`.
    pub async fn discharge(
        &self,
        caller: &Caller,
        stay_id: i64,
        reason: DischargeReason,
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<bool> {
        crate::conflict::retrying(|| {
            self.discharge_once(caller, stay_id, reason, at_s, note.clone(), now_s)
        })
        .await
    }

    async fn discharge_once(
        &self,
        caller: &Caller,
        stay_id: i64,
        reason: DischargeReason,
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let Some((stay, _)) = Self::open_stay_for(&mut tx, caller, stay_id).await? else {
            return Ok(false);
        };
        if stay.until_s.is_some() {
            return Err(invalid("stay", Reason::OutOfRange));
        }
        if at_s < stay.from_s {
            return Err(invalid("at", Reason::OutOfRange));
        }
        Self::close_stay(&mut tx, &stay, reason, at_s, note).await?;
        audit::append(
            &mut tx,
            self.dialect,
            [audit_stay(
                caller,
                AuditAction::Update,
                stay_id,
                Some(reason.as_str().into()),
            )],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn close_stay(
        conn: &mut sqlx::AnyConnection,
        stay: &Stay,
        reason: DischargeReason,
        at_s: i64,
        note: Option<String>,
    ) -> Result<()> {
        // `until_s IS NULL` makes two concurrent discharges of one stay free one bed only.
        let n = sqlx::query(
            "UPDATE stays SET until_s = $1, discharge_reason = $2, note = COALESCE($3, note)
             WHERE id = $4 AND until_s IS NULL",
        )
        .bind(at_s)
        .bind(reason.as_str())
        .bind(note)
        .bind(stay.id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(invalid("stay", Reason::OutOfRange));
        }
        if let (Some(f), Some(b)) = (stay.facility_id, stay.bed_type) {
            Self::free_bed(conn, f, b).await?;
        }
        Ok(())
    }

    /// Moves the person of an open stay to a bed of another facility: the stay ends as
    /// `transferred` and a new one starts that points back at it. None when the stay is not
    /// visible (see `open_stay_for`) or the destination is not in the caller's scope: a
    /// transfer between two jurisdictions needs an account holding both (a transfer offered
    /// by one locality and accepted by the other is not built). A full destination is
    /// refused like an admission.
    pub async fn transfer(
        &self,
        caller: &Caller,
        stay_id: i64,
        to: (i64, BedType),
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<Option<i64>> {
        crate::conflict::retrying(|| {
            self.transfer_once(caller, stay_id, to, at_s, note.clone(), now_s)
        })
        .await
    }

    async fn transfer_once(
        &self,
        caller: &Caller,
        stay_id: i64,
        to: (i64, BedType),
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let Some((stay, who)) = Self::open_stay_for(&mut tx, caller, stay_id).await? else {
            return Ok(None);
        };
        let Some(unit) = Self::facility_in_scope(&mut tx, caller, to.0).await? else {
            return Ok(None);
        };
        if stay.until_s.is_some() {
            return Err(invalid("stay", Reason::OutOfRange));
        }
        if at_s < stay.from_s {
            return Err(invalid("at", Reason::OutOfRange));
        }
        Self::close_stay(&mut tx, &stay, DischargeReason::Transferred, at_s, None).await?;
        Self::take_bed(&mut tx, to.0, to.1).await?;
        let a = Admission {
            occupant: match stay.case_id {
                Some(c) => Occupant::Case(c),
                None => Occupant::Contact(stay.contact_id.unwrap_or_default()),
            },
            to: Some(to),
            at_s,
            note,
        };
        let id = Self::insert_stay(&mut tx, caller, &who, &a, Some(stay.id), &unit, now_s).await?;
        audit::append(
            &mut tx,
            self.dialect,
            [
                audit_stay(
                    caller,
                    AuditAction::Update,
                    stay.id,
                    Some("transferred".into()),
                ),
                audit_stay(caller, AuditAction::Create, id, None),
            ],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Occupied beds at the end of each local day of `[from_day, from_day + days)` for every
    /// facility in the scope (optionally one), by bed type: one read of the stays that
    /// overlap the period, then a sweep. Days since 1970-01-01 in a locality `utc_offset_s`
    /// ahead of UTC.
    pub async fn occupancy_series(
        &self,
        scope: &Scope,
        structure: Structure,
        facility_id: Option<i64>,
        from_day: i64,
        days: i64,
        utc_offset_s: i64,
    ) -> Result<Vec<OccupancyPoint>> {
        let days = days.clamp(0, SERIES_DAYS_MAX);
        let end_of = |day: i64| (day + 1) * 86_400 - utc_offset_s;
        let (start_s, end_s) = (end_of(from_day - 1), end_of(from_day + days - 1));
        let mut sql = Sql::new(
            self.dialect,
            "SELECT facility_id, bed_type, from_s, until_s FROM stays WHERE place = 'facility' AND structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        if let Some(f) = facility_id {
            sql.push(" AND facility_id = ").bind(Val::Int(f));
        }
        sql.push(" AND from_s < ").bind(Val::Int(end_s));
        sql.push(" AND (until_s IS NULL OR until_s >= ")
            .bind(Val::Int(start_s));
        sql.push(")");
        // Per (facility, bed): +1 on the day a stay starts, -1 the day after its last night.
        let mut deltas: BTreeMap<(i64, BedType), Vec<i64>> = BTreeMap::new();
        let day_of = |t: i64| (t + utc_offset_s).div_euclid(86_400);
        for r in sql.query().fetch_all(&self.pool).await? {
            let bed: String = r.try_get(1)?;
            let bed: BedType = bed.parse().map_err(|_| corrupt("stays.bed_type"))?;
            let key = (r.try_get::<i64, _>(0)?, bed);
            let d = deltas
                .entry(key)
                .or_insert_with(|| vec![0; days as usize + 1]);
            // Counted on a day when still there at its end.
            let first = (day_of(r.try_get(2)?) - from_day).max(0);
            let gone = r
                .try_get::<Option<i64>, _>(3)?
                .map_or(days, |u: i64| (day_of(u) - from_day).clamp(0, days));
            if first < gone {
                d[first as usize] += 1;
                d[gone as usize] -= 1;
            }
        }
        let mut out = Vec::new();
        for ((facility_id, bed_type), d) in deltas {
            let mut n = 0;
            for (i, delta) in d.iter().take(days as usize).enumerate() {
                n += delta;
                out.push(OccupancyPoint {
                    day: from_day + i as i64,
                    facility_id,
                    bed_type,
                    occupied: n,
                });
            }
        }
        Ok(out)
    }

    /// Capacity and beds occupied at `at_s` for every unit of `level` in the scope and bed
    /// type, in one query. Capacity is the facilities' current one (its history is not
    /// kept); occupied counts the stays open at `at_s`.
    pub async fn beds_by_unit(
        &self,
        scope: &Scope,
        structure: Structure,
        level: UnitLevel,
        at_s: i64,
    ) -> Result<Vec<UnitBeds>> {
        let Some(len) = path_len(structure, level) else {
            return Ok(Vec::new());
        };
        let pre = |t: &str| format!("SUBSTR({t}.unit_path, 1, {len})");
        let (pf, ps) = (pre("f"), pre("s"));
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT pre, bed_type, CAST(SUM(cap) AS BIGINT), CAST(SUM(occ) AS BIGINT) FROM (
                 SELECT {pf} AS pre, b.bed_type, SUM(b.capacity) AS cap, 0 AS occ
                 FROM facilities f JOIN facility_beds b ON b.facility_id = f.id WHERE f.structure = "
            ),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("f.unit_path", scope, structure);
        sql.push(&format!(
            " GROUP BY {pf}, b.bed_type UNION ALL SELECT {ps} AS pre, s.bed_type, 0, COUNT(*)
             FROM stays s WHERE s.place = 'facility' AND s.structure = "
        ))
        .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("s.unit_path", scope, structure);
        sql.push(" AND s.from_s <= ").bind(Val::Int(at_s));
        sql.push(" AND (s.until_s IS NULL OR s.until_s > ")
            .bind(Val::Int(at_s));
        sql.push(&format!(
            ") GROUP BY {ps}, s.bed_type) t GROUP BY pre, bed_type ORDER BY pre, bed_type"
        ));
        sql.query()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| {
                let pre: String = r.try_get(0)?;
                let bed: String = r.try_get(1)?;
                Ok(UnitBeds {
                    unit_code: code_of_path(&pre),
                    bed_type: bed.parse().map_err(|_| corrupt("beds.bed_type"))?,
                    capacity: count(r, 2)?,
                    occupied: count(r, 3)?,
                })
            })
            .collect()
    }

    /// Cases, community cases, cases needing oxygen and deaths per unit of `level` in the
    /// scope and local week (Monday to Sunday) within `[from_s, to_s)`, in one query.
    pub async fn weekly_cases_by_unit(
        &self,
        scope: &Scope,
        structure: Structure,
        level: UnitLevel,
        from_s: i64,
        to_s: i64,
        utc_offset_s: i64,
    ) -> Result<Vec<WeeklyCases>> {
        let Some(len) = path_len(structure, level) else {
            return Ok(Vec::new());
        };
        // Day 4 since 1970-01-01 was a Monday; integer division floors for these positive times.
        let week = |col: &str| format!("((({col} + {utc_offset_s}) / 86400 - 4) / 7)");
        let (wc, wo) = (week("confirmed_at_s"), week("outcome_at_s"));
        let pre = format!("SUBSTR(unit_path, 1, {len})");
        let oxygen = OXYGEN_SEVERITIES
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT pre, wk, CAST(SUM(n) AS BIGINT), CAST(SUM(comm) AS BIGINT),
                        CAST(SUM(oxy) AS BIGINT), CAST(SUM(dead) AS BIGINT) FROM (
                 SELECT {pre} AS pre, {wc} AS wk, COUNT(*) AS n, SUM(community) AS comm,
                        SUM(CASE WHEN severity IN ({oxygen}) THEN 1 ELSE 0 END) AS oxy, 0 AS dead
                 FROM cases WHERE structure = "
            ),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(" AND confirmed_at_s >= ").bind(Val::Int(from_s));
        sql.push(" AND confirmed_at_s < ").bind(Val::Int(to_s));
        sql.push(&format!(
            " GROUP BY {pre}, {wc} UNION ALL SELECT {pre}, {wo}, 0, 0, 0, COUNT(*)
             FROM cases WHERE status = 'died' AND structure = "
        ))
        .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(" AND outcome_at_s >= ").bind(Val::Int(from_s));
        sql.push(" AND outcome_at_s < ").bind(Val::Int(to_s));
        sql.push(&format!(
            " GROUP BY {pre}, {wo}) t GROUP BY pre, wk ORDER BY pre, wk"
        ));
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let pre: String = r.try_get(0)?;
                let n = |i: usize| count(r, i);
                Ok(WeeklyCases {
                    unit_code: code_of_path(&pre),
                    week_start_day: r.try_get::<i64, _>(1)? * 7 + 4,
                    cases: n(2)?,
                    community: n(3)?,
                    oxygen: n(4)?,
                    deaths: n(5)?,
                })
            })
            .collect()
    }

    /// Bulk path (imports, the demo): facilities with their beds, empty.
    pub async fn bulk_facilities(&self, rows: &[FacilityRow], now_s: i64) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = insert_rows(
            &mut tx,
            self.dialect,
            "facilities",
            &[
                "id",
                "name",
                "kind",
                "structure",
                "unit_code",
                "unit_path",
                "created_at_s",
            ],
            rows.iter().map(|r| {
                vec![
                    Val::Int(r.id),
                    Val::Text(r.name.clone()),
                    Val::Text(r.kind.as_str().into()),
                    Val::Text(r.unit.structure.as_str().into()),
                    Val::Text(r.unit.code.as_str().into()),
                    Val::Text(r.unit.path.as_str().into()),
                    Val::Int(now_s),
                ]
            }),
        )
        .await?;
        insert_rows(
            &mut tx,
            self.dialect,
            "facility_beds",
            &["facility_id", "bed_type", "capacity", "occupied"],
            rows.iter().flat_map(|r| {
                r.beds.iter().map(|(b, c)| {
                    vec![
                        Val::Int(r.id),
                        Val::Text(b.as_str().into()),
                        Val::Int(*c),
                        Val::Int(0),
                    ]
                })
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Bulk path: stays as given (the caller keeps within capacity), then the counters are
    /// recounted from the open stays in the same transaction. Call `sync_id_sequences` after.
    pub async fn bulk_stays(&self, rows: &[StayRow], now_s: i64) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = insert_rows(
            &mut tx,
            self.dialect,
            "stays",
            &[
                "id",
                "person_id",
                "case_id",
                "place",
                "facility_id",
                "bed_type",
                "from_s",
                "until_s",
                "discharge_reason",
                "transferred_from",
                "note",
                "structure",
                "unit_code",
                "unit_path",
                "created_at_s",
            ],
            rows.iter().map(|r| {
                vec![
                    Val::Int(r.id),
                    Val::Int(r.person_id),
                    Val::OptInt(r.case_id),
                    Val::Text(r.place.as_str().into()),
                    Val::OptInt(r.facility_id),
                    Val::OptText(r.bed_type.map(|b| b.as_str().into())),
                    Val::Int(r.from_s),
                    Val::OptInt(r.until_s),
                    Val::OptText(r.discharge_reason.map(|b| b.as_str().into())),
                    Val::OptInt(r.transferred_from),
                    Val::OptText(r.note.clone()),
                    Val::Text(r.unit.structure.as_str().into()),
                    Val::Text(r.unit.code.as_str().into()),
                    Val::Text(r.unit.path.as_str().into()),
                    Val::Int(now_s),
                ]
            }),
        )
        .await?;
        sqlx::query(
            "UPDATE facility_beds SET occupied = (SELECT COUNT(*) FROM stays s
                WHERE s.facility_id = facility_beds.facility_id
                  AND s.bed_type = facility_beds.bed_type AND s.until_s IS NULL)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}
