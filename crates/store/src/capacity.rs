//! Planned capacity: a locality's bed plan by bed type and the date it applies from (Hà Nội's
//! 2021 plan: 70,000 F1 quarantine places, 30,000 F0 beds), entered before its facilities
//! exist and counted on top of the beds registered in facilities.
//!
//! The plan in force at a date is, for each unit and bed type, the latest entry dated on or
//! before it (ties: the one entered last); the scope's plan sums these over its units. We chose
//! "latest per unit and type" over "sum of every entry" because plans are revised, not
//! stacked: when a city raises its target from 20,000 to 30,000 F0 beds, the second entry
//! replaces the first from its date, and the first stays as history. A plan entered for a
//! district and one for its province add up: each unit plans its own beds.

use chrono::NaiveDate;
use sqlx::Row;

use domain::facility::BedType;
use domain::{FieldError, Reason, Scope, Structure, UnitCode, UnitPath};

use crate::audit::{self, AuditAction};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::vaccination::entry;
use crate::{Result, Store, StoreError};

/// Most beds one plan entry may plan (Hồ Chí Minh City planned some 100,000 F0 beds in
/// 2021; ten times that bounds a typo, not a plan).
pub const PLANNED_BEDS_MAX: i64 = 1_000_000;

/// A plan entry to record (checked by `app::capacity`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlanEntry {
    pub structure: Structure,
    pub unit_code: UnitCode,
    pub bed_type: BedType,
    /// 1..=[`PLANNED_BEDS_MAX`].
    pub beds: i64,
    /// The first day the planned beds count.
    pub from: NaiveDate,
    /// Where the plan comes from (a decision's number), free text.
    pub note: Option<String>,
}

/// A recorded plan entry.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanEntry {
    pub id: i64,
    pub structure: Structure,
    pub unit_code: UnitCode,
    pub unit_path: UnitPath,
    pub bed_type: BedType,
    pub beds: i64,
    pub from: NaiveDate,
    pub note: Option<String>,
    pub created_at_s: i64,
    /// The account that entered it (None: the system, or a deleted account).
    pub created_by: Option<String>,
}

/// Planned beds of one type in force at a date, summed over the units of the entries given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedBeds {
    pub bed_type: BedType,
    pub beds: i64,
}

/// The plan in force on `on` among `entries`: per unit and bed type the latest entry dated on
/// or before `on` (ties: the highest id, entered last), summed per bed type, in the order of
/// `BedType::ALL`. Types with nothing planned are left out.
pub fn in_force(entries: &[PlanEntry], on: NaiveDate) -> Vec<PlannedBeds> {
    let mut latest: Vec<&PlanEntry> = Vec::new();
    for e in entries.iter().filter(|e| e.from <= on) {
        let same = |l: &&PlanEntry| {
            l.structure == e.structure && l.unit_path == e.unit_path && l.bed_type == e.bed_type
        };
        match latest.iter_mut().find(|l| same(l)) {
            Some(l) if (e.from, e.id) > (l.from, l.id) => *l = e,
            Some(_) => {}
            None => latest.push(e),
        }
    }
    BedType::ALL
        .iter()
        .filter_map(|t| {
            let beds: i64 = latest
                .iter()
                .filter(|e| e.bed_type == *t)
                .map(|e| e.beds)
                .fold(0i64, i64::saturating_add);
            (beds > 0).then_some(PlannedBeds { bed_type: *t, beds })
        })
        .collect()
}

fn invalid_field(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("capacity_plans.{what}"))
}

impl Store {
    /// Records a plan entry for a unit of the caller's scope (else `unit` not found, alike
    /// whether it exists), with its audit row in the same transaction.
    pub async fn add_capacity_plan(
        &self,
        caller: &Caller,
        new: &NewPlanEntry,
        now_s: i64,
    ) -> Result<i64> {
        if !(1..=PLANNED_BEDS_MAX).contains(&new.beds) {
            return Err(invalid_field("beds", Reason::OutOfRange));
        }
        let unit = self
            .get_unit(&caller.scope, new.structure, &new.unit_code)
            .await?
            .ok_or_else(|| invalid_field("unit", Reason::NotFound))?;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO capacity_plans (structure, unit_code, unit_path, bed_type, beds,
                                         from_date, note, created_at_s, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.structure.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(new.bed_type.as_str())
        .bind(new.beds)
        .bind(new.from.to_string())
        .bind(new.note.clone())
        .bind(now_s)
        .bind((caller.user.id.0 != 0).then_some(caller.user.id.0))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let detail = format!(
            "{} {} {} from {}",
            unit.code,
            new.bed_type.as_str(),
            new.beds,
            new.from
        );
        let e = entry(
            caller,
            AuditAction::Create,
            "capacity_plan",
            id,
            Some(detail),
        );
        audit::append(&mut tx, self.dialect, [e], now_s).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every plan entry of the units in `scope`, by date then unit then id: the history a
    /// page lists, and what [`in_force`] reads.
    pub async fn capacity_plan(
        &self,
        scope: &Scope,
        structure: Structure,
    ) -> Result<Vec<PlanEntry>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT p.id, p.structure, p.unit_code, p.unit_path, p.bed_type, p.beds, p.from_date,
                    p.note, p.created_at_s, u.username
             FROM capacity_plans p LEFT JOIN users u ON u.id = p.created_by
             WHERE p.structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("p.unit_path", scope, structure);
        sql.push(" ORDER BY p.from_date, p.unit_path, p.id");
        sql.query()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| {
                let s: String = r.try_get(1)?;
                let path: String = r.try_get(3)?;
                let bed: String = r.try_get(4)?;
                let from: String = r.try_get(6)?;
                Ok(PlanEntry {
                    id: r.try_get(0)?,
                    structure: s.parse().map_err(|_| corrupt("structure"))?,
                    unit_code: crate::units::code_col(r, "unit_code")?,
                    unit_path: UnitPath::from_stored(&path).ok_or_else(|| corrupt("unit_path"))?,
                    bed_type: bed.parse().map_err(|_| corrupt("bed_type"))?,
                    beds: r.try_get(5)?,
                    from: from.parse().map_err(|_| corrupt("from_date"))?,
                    note: r.try_get(7)?,
                    created_at_s: r.try_get(8)?,
                    created_by: r.try_get(9)?,
                })
            })
            .collect()
    }

    /// The plan in force on `on` in `scope` ([`in_force`] over [`Store::capacity_plan`]).
    pub async fn capacity_plan_in_force(
        &self,
        scope: &Scope,
        structure: Structure,
        on: NaiveDate,
    ) -> Result<Vec<PlannedBeds>> {
        Ok(in_force(&self.capacity_plan(scope, structure).await?, on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: i64, path: &str, bed_type: BedType, beds: i64, from: &str) -> PlanEntry {
        PlanEntry {
            id,
            structure: Structure::S2021,
            unit_code: UnitCode::parse("01").expect("code"),
            unit_path: UnitPath::from_stored(path).expect("path"),
            bed_type,
            beds,
            from: from.parse().expect("date"),
            note: None,
            created_at_s: 0,
            created_by: None,
        }
    }

    #[test]
    fn a_revision_replaces_the_plan_from_its_date_and_units_add_up() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let plan = [
            e(1, "/01/", BedType::F0Tier1, 20_000, "2021-08-01"),
            e(2, "/01/", BedType::F0Tier1, 30_000, "2021-09-01"),
            e(3, "/01/001/", BedType::F0Tier1, 500, "2021-08-15"),
            e(4, "/01/", BedType::Quarantine, 70_000, "2021-09-01"),
        ];
        assert_eq!(in_force(&plan, d("2021-07-31")), vec![]);
        assert_eq!(
            in_force(&plan, d("2021-08-20")),
            vec![PlannedBeds {
                bed_type: BedType::F0Tier1,
                beds: 20_500
            }]
        );
        assert_eq!(
            in_force(&plan, d("2021-09-01")),
            vec![
                PlannedBeds {
                    bed_type: BedType::Quarantine,
                    beds: 70_000
                },
                PlannedBeds {
                    bed_type: BedType::F0Tier1,
                    beds: 30_500
                },
            ]
        );
    }
}
