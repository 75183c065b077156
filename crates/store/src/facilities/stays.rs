//! Stays: their reads, and the steps on one stay that admissions, transfers and discharges share.

use sqlx::Row;

use domain::epi::CaseStatus;
use domain::facility::{DischargeReason, Place};
use domain::{CaseId, FacilityId, PersonId, Reason, StayId};

use super::{invalid, stay_from_row, visible, Admission, Occupant, Resolved, Stay, STAY_COLUMNS};
use crate::audit::{self, AuditAction};
use crate::users::Caller;
use crate::vaccination::{entry, row_in_scope};
use crate::{Result, Store};

impl Store {
    /// The people in a facility now (open stays), for a caller who sees the facility;
    /// None when it does not. Every listed stay is audited.
    pub async fn facility_stays(
        &self,
        caller: &Caller,
        facility_id: FacilityId,
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
        .bind(facility_id.get())
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
            stays.iter().map(|s| s.id.get()).collect(),
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
            // A case's stays are read as one: the row names the case, not a stay.
            [entry(
                caller,
                AuditAction::Read,
                "stay",
                case.0,
                Some("case".into()),
            )],
            now_s,
        )
        .await?;
        Ok(Some(stays))
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
        // The reader: an import asks this while its transaction holds SQLite's writer.
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.is_some())
    }

    /// The facility of a stay the caller may act on; None when not visible or at home.
    pub async fn stay_facility(
        &self,
        caller: &Caller,
        stay_id: StayId,
    ) -> Result<Option<FacilityId>> {
        let mut conn = self.pool.acquire().await?;
        Ok(Self::open_stay_for(&mut conn, caller, stay_id)
            .await?
            .and_then(|(s, _)| s.facility_id))
    }

    /// A stay the caller may act on (see `open_stay_for`), ended or not; None otherwise.
    pub async fn stay_for(&self, caller: &Caller, stay_id: StayId) -> Result<Option<Stay>> {
        let mut conn = self.pool.acquire().await?;
        Ok(Self::open_stay_for(&mut conn, caller, stay_id)
            .await?
            .map(|(s, _)| s))
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

    /// The case or contact when it exists in the caller's scope; None alike when it does not
    /// exist and when it lies elsewhere (the one check every bed action starts with).
    pub(super) async fn occupant_in_scope(
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        occupant: Occupant,
    ) -> Result<Option<(Resolved, Option<CaseStatus>)>> {
        Ok(Self::resolve_occupant(conn, occupant)
            .await?
            .filter(|(who, _)| visible(&caller.scope, &who.structure, &who.unit_path)))
    }

    /// A stay the caller may act on: it sees the case or contact AND the stay's facility (or
    /// home unit). None otherwise, alike for a stay that does not exist.
    pub(super) async fn open_stay_for(
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        id: StayId,
    ) -> Result<Option<(Stay, Resolved)>> {
        let row = sqlx::query(&format!(
            "SELECT {STAY_COLUMNS}, s.structure, s.unit_path FROM stays s WHERE s.id = $1"
        ))
        .bind(id.get())
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

    pub(super) async fn insert_stay(
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        who: &Resolved,
        a: &Admission,
        transferred_from: Option<StayId>,
        unit: &(String, String, String),
        now_s: i64,
    ) -> Result<StayId> {
        let place = if a.to.is_some() {
            Place::Facility
        } else {
            Place::Home
        };
        Ok(StayId::new(
            sqlx::query(
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
            .bind(a.to.map(|t| t.0.get()))
            .bind(a.to.map(|t| t.1.as_str()))
            .bind(a.at_s)
            .bind(transferred_from.map(StayId::get))
            .bind(a.note.clone())
            .bind(&unit.0)
            .bind(&unit.1)
            .bind(&unit.2)
            .bind(now_s)
            .bind((caller.user.id.0 != 0).then_some(caller.user.id.0))
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?,
        ))
    }

    pub(super) async fn close_stay(
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
        .bind(stay.id.get())
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

    /// ` FOR UPDATE` on PostgreSQL; nothing on SQLite, whose one connection runs a
    /// transaction alone.
    pub(super) fn for_update(&self) -> &'static str {
        match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        }
    }
}
