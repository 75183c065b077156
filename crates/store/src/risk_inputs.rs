//! The case counts behind risk levels: per unit of record, for one week. Risk levels are
//! published figures about places, not people, so these counts are not scoped.

use domain::risk::PublishedInput;
use domain::{Structure, UnitLevel};
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

/// A published risk level: one unit, one assessed week.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedLevel {
    pub structure: Structure,
    pub unit_code: String,
    /// Commune, district or province.
    pub unit_level: UnitLevel,
    pub week_end: chrono::NaiveDate,
    pub level: u8,
    pub policy: String,
    pub population: i64,
    pub cases: i64,
    /// The inputs with their bands (`risk_levels.inputs`, JSON).
    pub inputs: Vec<PublishedInput>,
    pub reason_vi: String,
    pub reason_en: String,
    pub published_at_s: i64,
    pub published_by: String,
}

impl Store {
    /// Publishes a week's levels: replaces whatever was published for the same units and
    /// week, in one transaction.
    pub async fn publish_risk_levels(&self, rows: &[PublishedLevel]) -> Result<u64> {
        // Built before the first await: a borrowing iterator held across it would not be Send.
        let values: Vec<Vec<Val>> = rows.iter().map(published_values).collect::<Result<_>>()?;
        let mut tx = self.pool.begin().await?;
        for r in rows {
            sqlx::query(
                "DELETE FROM risk_levels WHERE structure = $1 AND unit_code = $2 AND week_end = $3",
            )
            .bind(r.structure.as_str())
            .bind(&r.unit_code)
            .bind(r.week_end.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let n = crate::sql::insert_rows(
            &mut tx,
            self.dialect,
            "risk_levels",
            &[
                "structure",
                "unit_code",
                "unit_level",
                "week_end",
                "level",
                "policy",
                "population",
                "cases",
                "inputs",
                "reason_vi",
                "reason_en",
                "published_at_s",
                "published_by",
            ],
            values,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The latest week published in `structure`, if any: the weekly job continues the
    /// locality's cadence from it.
    pub async fn last_published_week(
        &self,
        structure: Structure,
    ) -> Result<Option<chrono::NaiveDate>> {
        let week: Option<String> =
            sqlx::query("SELECT MAX(week_end) FROM risk_levels WHERE structure = $1")
                .bind(structure.as_str())
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
        week.map(|w| {
            w.parse()
                .map_err(|_| crate::StoreError::Corrupt("risk_levels.week_end".into()))
        })
        .transpose()
    }

    /// A unit's published levels, newest week first (at most `limit`).
    pub async fn risk_history(
        &self,
        structure: Structure,
        unit_code: &str,
        limit: i64,
    ) -> Result<Vec<PublishedLevel>> {
        sqlx::query(
            "SELECT structure, unit_code, unit_level, week_end, level, policy, population, cases,
                    inputs, reason_vi, reason_en, published_at_s, published_by
             FROM risk_levels WHERE structure = $1 AND unit_code = $2
             ORDER BY week_end DESC LIMIT $3",
        )
        .bind(structure.as_str())
        .bind(unit_code)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(published_row)
        .collect()
    }
}

/// The columns `risk_history` and `published_week` select, as a published level.
fn published_row(r: &sqlx::any::AnyRow) -> Result<PublishedLevel> {
    let structure: String = r.try_get(0)?;
    let week: String = r.try_get(3)?;
    let level: i64 = r.try_get(4)?;
    Ok(PublishedLevel {
        structure: structure
            .parse()
            .map_err(|_| crate::StoreError::Corrupt("risk_levels.structure".into()))?,
        unit_code: r.try_get(1)?,
        unit_level: crate::typed::slug(r, 2, "risk_levels.unit_level")?,
        week_end: week
            .parse()
            .map_err(|_| crate::StoreError::Corrupt("risk_levels.week_end".into()))?,
        level: u8::try_from(level)
            .map_err(|_| crate::StoreError::Corrupt("risk_levels.level".into()))?,
        policy: r.try_get(5)?,
        population: r.try_get(6)?,
        cases: r.try_get(7)?,
        inputs: crate::typed::json(r, 8, "risk_levels.inputs")?,
        reason_vi: r.try_get(9)?,
        reason_en: r.try_get(10)?,
        published_at_s: r.try_get(11)?,
        published_by: r.try_get(12)?,
    })
}

fn published_values(r: &PublishedLevel) -> Result<Vec<Val>> {
    Ok(vec![
        Val::Text(r.structure.as_str().into()),
        Val::Text(r.unit_code.clone()),
        Val::Text(r.unit_level.as_str().into()),
        Val::Text(r.week_end.to_string()),
        Val::Int(i64::from(r.level)),
        Val::Text(r.policy.clone()),
        Val::Int(r.population),
        Val::Int(r.cases),
        Val::Text(crate::typed::to_json(&r.inputs, "risk_levels.inputs")?),
        Val::Text(r.reason_vi.clone()),
        Val::Text(r.reason_en.clone()),
        Val::Int(r.published_at_s),
        Val::Text(r.published_by.clone()),
    ])
}

impl Store {
    /// Every unit's published level of `unit_level` for the week ending `week_end`, in code
    /// order: what the public was shown.
    pub async fn published_week(
        &self,
        structure: Structure,
        unit_level: UnitLevel,
        week_end: chrono::NaiveDate,
    ) -> Result<Vec<PublishedLevel>> {
        sqlx::query(
            "SELECT structure, unit_code, unit_level, week_end, level, policy, population, cases,
                    inputs, reason_vi, reason_en, published_at_s, published_by
             FROM risk_levels WHERE structure = $1 AND unit_level = $2 AND week_end = $3
             ORDER BY unit_code",
        )
        .bind(structure.as_str())
        .bind(unit_level.as_str())
        .bind(week_end.to_string())
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(published_row)
        .collect()
    }

    /// The levels of the latest published week ending on or before `date`, for units of
    /// `unit_level`: the week and (unit code, level).
    pub async fn latest_published_levels(
        &self,
        structure: Structure,
        unit_level: UnitLevel,
        date: chrono::NaiveDate,
    ) -> Result<Option<(chrono::NaiveDate, Vec<(String, i64)>)>> {
        let week: Option<String> = sqlx::query(
            "SELECT MAX(week_end) FROM risk_levels
             WHERE structure = $1 AND unit_level = $2 AND week_end <= $3",
        )
        .bind(structure.as_str())
        .bind(unit_level.as_str())
        .bind(date.to_string())
        .fetch_one(&self.reader)
        .await?
        .try_get(0)?;
        let Some(week) = week else { return Ok(None) };
        let mut sql = Sql::new(
            self.dialect,
            "SELECT unit_code, level FROM risk_levels WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push(" AND week_end = ").bind(Val::Text(week.clone()));
        sql.push(" AND unit_level = ")
            .bind(Val::Text(unit_level.as_str().into()));
        let rows = sql.fetch_pairs(&self.reader).await?;
        let week = week
            .parse()
            .map_err(|_| crate::StoreError::Corrupt("risk_levels.week_end".into()))?;
        Ok(Some((week, rows)))
    }
}
