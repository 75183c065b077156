//! The bulk path (imports, the demo): facilities, and stays with the bed counters recounted.

use domain::{FacilityId, StayId};

use super::{FacilityRow, StayRow};
use crate::sql::{insert_rows, Val};
use crate::{Result, Store};

impl Store {
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
                    Val::Int(r.id.get()),
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
                        Val::Int(r.id.get()),
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
                    Val::Int(r.id.get()),
                    Val::Int(r.person_id),
                    Val::OptInt(r.case_id),
                    Val::Text(r.place.as_str().into()),
                    Val::OptInt(r.facility_id.map(FacilityId::get)),
                    Val::OptText(r.bed_type.map(|b| b.as_str().into())),
                    Val::Int(r.from_s),
                    Val::OptInt(r.until_s),
                    Val::OptText(r.discharge_reason.map(|b| b.as_str().into())),
                    Val::OptInt(r.transferred_from.map(StayId::get)),
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
