//! Lockdown zones, relief rounds and the packages handed to households: at most one per
//! household per round, enforced by the database (`UNIQUE (round_id, household_id)`).

use chrono::NaiveDate;
use sqlx::Row;

use domain::aid::ReliefKind;
use domain::{FieldError, Reason, Structure, UnitCode, UnitPath};

use super::{audit_entry, commit_audited, Refusal};
use crate::audit::AuditAction;
use crate::sql::{insert_rows, Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone)]
pub struct NewZone {
    pub name: String,
    pub structure: Structure,
    pub unit: UnitCode,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub population: i64,
    pub households: i64,
}

#[derive(Debug, Clone)]
pub struct NewRound {
    pub name: String,
    pub kind: ReliefKind,
    pub starts_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundProgress {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub starts_on: String,
    /// Packages handed out.
    pub given: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneProgress {
    pub id: i64,
    pub name: String,
    pub unit_code: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub population: i64,
    pub households: i64,
    pub rounds: Vec<RoundProgress>,
}

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

/// Zones listed per call: a locality has tens, not thousands.
const ZONES_MAX: i64 = 500;

impl Store {
    /// Declares a lockdown zone over a unit of the caller's jurisdiction.
    pub async fn create_zone(&self, caller: &Caller, new: &NewZone, now_s: i64) -> Result<i64> {
        let unit = self
            .get_unit(&caller.scope, new.structure, &new.unit)
            .await?
            .ok_or_else(|| invalid("unit", Reason::NotFound))?;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO relief_zones (name, structure, unit_code, unit_path, starts_on, ends_on,
                                       population, households, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&new.name)
        .bind(new.structure.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(new.starts_on.to_string())
        .bind(new.ends_on.map(|d| d.to_string()))
        .bind(new.population)
        .bind(new.households)
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "relief_zone", id, None),
            now_s,
        )
        .await?;
        Ok(id)
    }

    /// The zone's structure and path, if the zone exists and is in scope.
    async fn zone_in_scope(
        &self,
        caller: &Caller,
        zone_id: i64,
    ) -> Result<Option<(Structure, UnitPath)>> {
        let row = sqlx::query("SELECT structure, unit_path FROM relief_zones WHERE id = $1")
            .bind(zone_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let s: String = row.try_get(0)?;
        let p: String = row.try_get(1)?;
        let (Ok(s), Some(p)) = (s.parse::<Structure>(), UnitPath::from_stored(&p)) else {
            return Err(StoreError::Corrupt("relief_zones.unit".into()));
        };
        Ok(caller.scope.contains(s, &p).then_some((s, p)))
    }

    /// Opens a relief round in a zone. None when the zone is not in scope.
    pub async fn create_round(
        &self,
        caller: &Caller,
        zone_id: i64,
        new: &NewRound,
        now_s: i64,
    ) -> Result<Option<i64>> {
        if self.zone_in_scope(caller, zone_id).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO relief_rounds (zone_id, name, kind, starts_on, created_at_s)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(zone_id)
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(new.starts_on.to_string())
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "relief_round", id, None),
            now_s,
        )
        .await?;
        Ok(Some(id))
    }

    /// Hands a household its package of a round. None when the round is not in scope;
    /// `Invalid(household_id)` when the household is unknown, outside the caller's
    /// jurisdiction or outside the zone; `Refused(PackageAlreadyGiven)` for a second package,
    /// also when two requests race (the UNIQUE constraint decides; nothing is written).
    pub async fn give_package(
        &self,
        caller: &Caller,
        round_id: i64,
        household_id: i64,
        now_s: i64,
    ) -> Result<Option<i64>> {
        let zone: Option<i64> = sqlx::query("SELECT zone_id FROM relief_rounds WHERE id = $1")
            .bind(round_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let Some(zone_id) = zone else { return Ok(None) };
        let Some((zs, zp)) = self.zone_in_scope(caller, zone_id).await? else {
            return Ok(None);
        };
        let hh = sqlx::query("SELECT structure, unit_path FROM households WHERE id = $1")
            .bind(household_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(hh) = hh else {
            return Err(invalid("household_id", Reason::NotFound));
        };
        let hs: String = hh.try_get(0)?;
        let hp: String = hh.try_get(1)?;
        let (Ok(hs), Some(hp)) = (hs.parse::<Structure>(), UnitPath::from_stored(&hp)) else {
            return Err(StoreError::Corrupt("households.unit".into()));
        };
        if !caller.scope.contains(hs, &hp) {
            return Err(invalid("household_id", Reason::NotFound));
        }
        if hs != zs || !zp.contains(&hp) {
            return Err(invalid("household_id", Reason::OutOfScope));
        }
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query(
            "INSERT INTO relief_packages (round_id, household_id, given_at_s, given_by, actor)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (round_id, household_id) DO NOTHING RETURNING id",
        )
        .bind(round_id)
        .bind(household_id)
        .bind(now_s)
        .bind((caller.user.id.0 != 0).then_some(caller.user.id.0))
        .bind(&caller.user.username)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        let Some(id) = id else {
            return Err(StoreError::Refused(Refusal::PackageAlreadyGiven));
        };
        commit_audited(
            tx,
            self.dialect,
            audit_entry(
                caller,
                AuditAction::Create,
                "relief_package",
                id,
                Some(format!("round {round_id} household {household_id}")),
            ),
            now_s,
        )
        .await?;
        Ok(Some(id))
    }

    /// Packages of a new round written in bulk (the demo's simulated distribution); the
    /// households must be new to the round.
    pub async fn bulk_packages(&self, round_id: i64, households: &[i64], at_s: i64) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = insert_rows(
            &mut tx,
            self.dialect,
            "relief_packages",
            &["round_id", "household_id", "given_at_s", "actor"],
            households.iter().map(|h| {
                vec![
                    Val::Int(round_id),
                    Val::Int(*h),
                    Val::Int(at_s),
                    Val::Text("demo".into()),
                ]
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Households of a unit's subtree (ids, ascending), at most `limit`.
    pub async fn household_ids_in(
        &self,
        structure: Structure,
        path: &UnitPath,
        limit: i64,
    ) -> Result<Vec<i64>> {
        sqlx::query(
            "SELECT id FROM households WHERE structure = $1 AND unit_path >= $2 AND unit_path < $3
             ORDER BY id LIMIT $4",
        )
        .bind(structure.as_str())
        .bind(path.as_str())
        .bind(path.subtree_upper_bound())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
    }

    /// Zones in scope, in both structures, with each round's packages handed out (progress
    /// against the zone's households; the gap is the rest).
    pub async fn relief_progress(&self, caller: &Caller) -> Result<Vec<ZoneProgress>> {
        let mut zones = Vec::new();
        for structure in Structure::ALL {
            zones.extend(self.zones_of(caller, structure).await?);
        }
        Ok(zones)
    }

    async fn zones_of(&self, caller: &Caller, structure: Structure) -> Result<Vec<ZoneProgress>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT id, name, unit_code, starts_on, ends_on, population, households
             FROM relief_zones WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", &caller.scope, structure);
        sql.push(" ORDER BY starts_on DESC, id DESC LIMIT ")
            .bind(Val::Int(ZONES_MAX));
        let mut zones = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            zones.push(ZoneProgress {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                unit_code: r.try_get(2)?,
                starts_on: r.try_get(3)?,
                ends_on: r.try_get(4)?,
                population: r.try_get(5)?,
                households: r.try_get(6)?,
                rounds: Vec::new(),
            });
        }
        for z in &mut zones {
            z.rounds = sqlx::query(
                "SELECT r.id, r.name, r.kind, r.starts_on,
                        (SELECT COUNT(*) FROM relief_packages p WHERE p.round_id = r.id)
                 FROM relief_rounds r WHERE r.zone_id = $1 ORDER BY r.starts_on, r.id",
            )
            .bind(z.id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(RoundProgress {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    starts_on: r.try_get(3)?,
                    given: r.try_get(4)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        }
        Ok(zones)
    }
}
