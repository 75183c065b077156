//! Real unit boundaries supplied by a locality (`unit_boundaries`): GeoJSON geometries the
//! map draws instead of the cells it builds from centroids. The store keeps the text as
//! given; checking that it is a polygon near the unit is the caller's (`web::boundaries`).

use domain::{Structure, UnitPath};
use sqlx::Row;

use crate::sql::{Sql, Val};
use crate::{Result, Store, UnitRef};

/// One unit's boundary to store.
#[derive(Debug, Clone)]
pub struct BoundaryRow {
    pub unit: UnitRef,
    /// A GeoJSON Polygon or MultiPolygon geometry.
    pub geometry: String,
    /// Where the boundary comes from (the locality's survey, a ministry's dataset).
    pub source: String,
    pub imported_at_s: i64,
    pub imported_by: String,
}

/// What identifies the boundaries under a unit as they stand: changes whenever one of them
/// is imported again, so a map drawn from them can be kept until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BoundaryStamp {
    pub count: i64,
    pub last_imported_at_s: i64,
    pub total_bytes: i64,
}

/// A stored boundary with its provenance.
#[derive(Debug, Clone)]
pub struct StoredBoundary {
    pub unit_code: String,
    pub geometry: String,
    pub source: String,
    pub imported_at_s: i64,
    pub imported_by: String,
}

impl Store {
    /// Stores the boundaries, replacing any earlier boundary of the same units, all in one
    /// transaction: an import lands whole or not at all.
    pub async fn put_boundaries(&self, rows: &[BoundaryRow]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        for r in rows {
            sqlx::query("DELETE FROM unit_boundaries WHERE structure = $1 AND unit_code = $2")
                .bind(r.unit.structure.as_str())
                .bind(r.unit.code.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let values: Vec<Vec<Val>> = rows
            .iter()
            .map(|r| {
                vec![
                    Val::Text(r.unit.structure.as_str().into()),
                    Val::Text(r.unit.code.as_str().into()),
                    Val::Text(r.unit.path.as_str().into()),
                    Val::Text(r.geometry.clone()),
                    Val::Text(r.source.clone()),
                    Val::Int(r.imported_at_s),
                    Val::Text(r.imported_by.clone()),
                ]
            })
            .collect();
        let n = crate::sql::insert_rows(
            &mut tx,
            self.dialect,
            "unit_boundaries",
            &[
                "structure",
                "unit_code",
                "unit_path",
                "geometry",
                "source",
                "imported_at_s",
                "imported_by",
            ],
            values,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The boundaries of `under` and every unit below it, in code order.
    pub async fn boundaries_under(
        &self,
        structure: Structure,
        under: &UnitPath,
    ) -> Result<Vec<StoredBoundary>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT unit_code, geometry, source, imported_at_s, imported_by
             FROM unit_boundaries WHERE structure = ",
        );
        subtree(&mut sql, structure, under);
        sql.push(" ORDER BY unit_code");
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(StoredBoundary {
                    unit_code: r.try_get(0)?,
                    geometry: r.try_get(1)?,
                    source: r.try_get(2)?,
                    imported_at_s: r.try_get(3)?,
                    imported_by: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The [`BoundaryStamp`] of the boundaries under `under`: one indexed aggregate, cheap
    /// enough to ask on every map.
    pub async fn boundary_stamp(
        &self,
        structure: Structure,
        under: &UnitPath,
    ) -> Result<BoundaryStamp> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT COUNT(*), COALESCE(MAX(imported_at_s), 0),
                    CAST(COALESCE(SUM(LENGTH(geometry)), 0) AS BIGINT)
             FROM unit_boundaries WHERE structure = ",
        );
        subtree(&mut sql, structure, under);
        let row = sql.query().fetch_one(&self.pool).await?;
        Ok(BoundaryStamp {
            count: row.try_get(0)?,
            last_imported_at_s: row.try_get(1)?,
            total_bytes: row.try_get(2)?,
        })
    }
}

fn subtree(sql: &mut Sql, structure: Structure, under: &UnitPath) {
    sql.bind(Val::Text(structure.as_str().into()));
    sql.push(" AND unit_path >= ")
        .bind(Val::Text(under.as_str().into()));
    sql.push(" AND unit_path < ")
        .bind(Val::Text(under.subtree_upper_bound()));
}
