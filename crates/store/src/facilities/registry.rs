//! Facilities and their beds: registering, reading, and taking or freeing one bed.

use sqlx::Row;

use domain::facility::BedType;
use domain::{FacilityId, Reason, Scope, Structure};

use super::{
    corrupt, facility_from_row, invalid, visible, Beds, FacilityBeds, NewFacility, FACILITY_COLUMNS,
};
use crate::sql::{insert_rows, Sql, Val};
use crate::users::Caller;
use crate::{Result, Store};

impl Store {
    /// Registers a facility with its beds, in a unit of the caller's scope.
    pub async fn create_facility(
        &self,
        caller: &Caller,
        new: &NewFacility,
        now_s: i64,
    ) -> Result<FacilityId> {
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
        Ok(FacilityId::new(id))
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
            let id = FacilityId::new(r.try_get(0)?);
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
    pub async fn get_facility(
        &self,
        scope: &Scope,
        id: FacilityId,
    ) -> Result<Option<FacilityBeds>> {
        let rows = sqlx::query(&format!(
            "SELECT {FACILITY_COLUMNS}, b.bed_type, b.capacity, b.occupied FROM facilities f
             LEFT JOIN facility_beds b ON b.facility_id = f.id WHERE f.id = $1 ORDER BY b.bed_type"
        ))
        .bind(id.get())
        .fetch_all(&self.pool)
        .await?;
        let fb = facility_beds(&rows)?;
        Ok(fb.filter(|fb| scope.contains(fb.facility.structure, &fb.facility.unit_path)))
    }

    /// A facility with its beds, read in the caller's transaction (to write it into a
    /// message of the same transaction; the caller checked the scope when it wrote).
    pub async fn facility_in(
        &self,
        tx: &mut crate::link::LinkTx,
        id: FacilityId,
    ) -> Result<Option<FacilityBeds>> {
        let rows = sqlx::query(&format!(
            "SELECT {FACILITY_COLUMNS}, b.bed_type, b.capacity, b.occupied FROM facilities f
             LEFT JOIN facility_beds b ON b.facility_id = f.id WHERE f.id = $1 ORDER BY b.bed_type"
        ))
        .bind(id.get())
        .fetch_all(&mut **tx)
        .await?;
        facility_beds(&rows)
    }

    /// The facility's unit, when it exists: (structure, code, path).
    async fn facility_unit(
        conn: &mut sqlx::AnyConnection,
        facility_id: FacilityId,
    ) -> Result<Option<(String, String, String)>> {
        let r = sqlx::query("SELECT structure, unit_code, unit_path FROM facilities WHERE id = $1")
            .bind(facility_id.get())
            .fetch_optional(&mut *conn)
            .await?;
        r.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }

    /// A facility's unit when the facility exists in the caller's scope; None alike when it
    /// does not exist and when it lies elsewhere.
    pub(super) async fn facility_in_scope(
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        facility_id: FacilityId,
    ) -> Result<Option<(String, String, String)>> {
        Ok(Self::facility_unit(conn, facility_id)
            .await?
            .filter(|(s, _, p)| visible(&caller.scope, s, p)))
    }

    /// Takes one bed of `bed_type` in `facility_id` within the transaction, or says why not.
    pub(super) async fn take_bed(
        conn: &mut sqlx::AnyConnection,
        facility_id: FacilityId,
        bed_type: BedType,
    ) -> Result<()> {
        let taken = sqlx::query(
            "UPDATE facility_beds SET occupied = occupied + 1
             WHERE facility_id = $1 AND bed_type = $2 AND occupied < capacity",
        )
        .bind(facility_id.get())
        .bind(bed_type.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if taken == 1 {
            return Ok(());
        }
        let exists =
            sqlx::query("SELECT 1 FROM facility_beds WHERE facility_id = $1 AND bed_type = $2")
                .bind(facility_id.get())
                .bind(bed_type.as_str())
                .fetch_optional(&mut *conn)
                .await?;
        Err(match exists {
            Some(_) => invalid("bed_type", Reason::NoCapacity),
            None => invalid("bed_type", Reason::NotFound),
        })
    }

    pub(super) async fn free_bed(
        conn: &mut sqlx::AnyConnection,
        facility_id: FacilityId,
        bed_type: BedType,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE facility_beds SET occupied = occupied - 1
             WHERE facility_id = $1 AND bed_type = $2 AND occupied > 0",
        )
        .bind(facility_id.get())
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
}

/// A facility and its beds from its rows (one per bed type; none: no such facility).
fn facility_beds(rows: &[sqlx::any::AnyRow]) -> Result<Option<FacilityBeds>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let facility = facility_from_row(first)?;
    let mut beds = Vec::new();
    for r in rows {
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
