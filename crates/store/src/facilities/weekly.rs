//! Weekly cases, community cases, oxygen cases and deaths per unit, as the risk levels read them.

use sqlx::Row;

use domain::epi::Severity;
use domain::{Scope, Structure, UnitLevel};

use super::WeeklyCases;
use crate::sql::{Sql, Val};
use crate::vaccination::{code_of_path, count, path_len};
use crate::{Result, Store};

/// Bed types that give oxygen (for `WeeklyCases::oxygen`'s severity proxy, see there).
const OXYGEN_SEVERITIES: [Severity; 3] = [Severity::Moderate, Severity::Severe, Severity::Critical];

impl Store {
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
}
