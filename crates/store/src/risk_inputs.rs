//! The case counts behind risk levels: per unit of record, for one week. Risk levels are
//! published figures about places, not people, so these counts are not scoped.

use domain::Structure;
use sqlx::Row;

use crate::sql::{Sql, Val};
use crate::{Result, Store};

/// One unit's cases in a week `[from_s, to_s)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekCases {
    pub unit_code: String,
    /// Confirmed in the week.
    pub total: i64,
    /// Of those, found in the community (not in quarantine or a locked-down zone).
    pub community: i64,
    /// Of those, severe or critical now: the cases that need oxygen or more.
    pub oxygen: i64,
    /// Deaths in the week, whenever the case was confirmed.
    pub deaths: i64,
}

impl Store {
    /// Every unit's cases in `[from_s, to_s)`, one indexed pass over the week's cases.
    pub async fn week_cases_by_unit(
        &self,
        structure: Structure,
        from_s: i64,
        to_s: i64,
    ) -> Result<Vec<WeekCases>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT unit_code, SUM(CASE WHEN confirmed_at_s >= ",
        );
        let in_week = |sql: &mut Sql, col: &str| {
            sql.push(col).push(" >= ").bind(Val::Int(from_s));
            sql.push(" AND ").push(col).push(" < ").bind(Val::Int(to_s));
        };
        sql.bind(Val::Int(from_s));
        sql.push(" AND confirmed_at_s < ").bind(Val::Int(to_s));
        sql.push(" THEN 1 ELSE 0 END), SUM(CASE WHEN community = 1 AND ");
        in_week(&mut sql, "confirmed_at_s");
        sql.push(" THEN 1 ELSE 0 END), SUM(CASE WHEN severity IN ('severe', 'critical') AND ");
        in_week(&mut sql, "confirmed_at_s");
        sql.push(" THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'died' AND ");
        in_week(&mut sql, "outcome_at_s");
        sql.push(" THEN 1 ELSE 0 END) FROM cases WHERE structure = ")
            .bind(Val::Text(structure.as_str().into()));
        sql.push(" AND ((");
        in_week(&mut sql, "confirmed_at_s");
        sql.push(") OR (");
        in_week(&mut sql, "outcome_at_s");
        sql.push(")) GROUP BY unit_code");
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let n =
                    |i: usize| -> Result<i64> { Ok(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0)) };
                Ok(WeekCases {
                    unit_code: r.try_get(0)?,
                    total: n(1)?,
                    community: n(2)?,
                    oxygen: n(3)?,
                    deaths: n(4)?,
                })
            })
            .collect()
    }
}
