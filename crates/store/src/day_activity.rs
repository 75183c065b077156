//! A day's tests and doses per unit, for the daily report: counted where the persons live
//! (as coverage counts them), grouped by the unit's path prefix at the level asked.

use sqlx::Row;

use domain::{Scope, Structure, UnitLevel};

use crate::sql::{Sql, Val};
use crate::vaccination::{code_of_path, count, path_len};
use crate::{Result, Store};

/// Tests sampled and doses given on one local day in one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayActivity {
    pub unit_code: String,
    pub tests: i64,
    pub doses: i64,
}

impl Store {
    /// Tests sampled and doses given on local day `day` by persons living in each unit of
    /// `level` within the scope, in one query (indexed by day, migration 0036). Units with
    /// neither are absent.
    pub async fn day_activity_by_unit(
        &self,
        scope: &Scope,
        structure: Structure,
        level: UnitLevel,
        day: chrono::NaiveDate,
    ) -> Result<Vec<DayActivity>> {
        let Some(len) = path_len(structure, level) else {
            return Ok(Vec::new());
        };
        let n = crate::day_number(day);
        let (from_s, to_s) = (crate::local_day_start_s(n), crate::local_day_start_s(n + 1));
        // `len` is ours, a small integer. PostgreSQL sums BIGINT as NUMERIC, hence the casts.
        let pre = format!("SUBSTR(p.unit_path, 1, {len})");
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT pre, CAST(SUM(t) AS BIGINT), CAST(SUM(d) AS BIGINT) FROM (
                 SELECT {pre} AS pre, COUNT(*) AS t, 0 AS d
                 FROM tests x JOIN persons p ON p.id = x.person_id WHERE x.sample_s >= "
            ),
        );
        sql.bind(Val::Int(from_s));
        sql.push(" AND x.sample_s < ").bind(Val::Int(to_s));
        sql.push(" AND p.structure = ")
            .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("p.unit_path", scope, structure);
        sql.push(&format!(
            " GROUP BY {pre} UNION ALL SELECT {pre} AS pre, 0, COUNT(*)
             FROM vaccinations v JOIN persons p ON p.id = v.person_id WHERE v.given_on = "
        ))
        .bind(Val::Text(day.format("%Y-%m-%d").to_string()));
        sql.push(" AND p.structure = ")
            .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("p.unit_path", scope, structure);
        sql.push(&format!(" GROUP BY {pre}) a GROUP BY pre ORDER BY pre"));
        sql.query()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| {
                let pre: String = r.try_get(0)?;
                Ok(DayActivity {
                    unit_code: code_of_path(&pre),
                    tests: count(r, 1)?,
                    doses: count(r, 2)?,
                })
            })
            .collect()
    }
}
