//! Lockdown zones, relief rounds and the packages handed to households: at most one per
//! household per round, enforced by the database (`UNIQUE (round_id, household_id)`).
//!
//! A zone is a set of units, each with its subtree, optionally narrowed to address lines;
//! `domain::zone` states which households it covers, and `ZONE_HOUSEHOLDS` applies that rule
//! to the stored keys.
//!
//! Jurisdiction: a zone is declared, and its rounds opened, by a caller whose jurisdiction
//! holds every unit of it. A zone is listed to a caller whose jurisdiction touches it (one of
//! its units lies in the jurisdiction, or the jurisdiction lies in one of its units), with
//! its units, addresses, declared figures and counts (households in the zone, packages per
//! round), never a household; such a caller hands packages to households of its own
//! jurisdiction that are in the zone.

use chrono::NaiveDate;
use sqlx::Row;

use domain::aid::ReliefKind;
use domain::{
    zone, FieldError, Reason, RoundId, Scope, Structure, Unit, UnitCode, UnitPath, ZoneId,
};

use super::{audit_entry, commit_audited, Refusal};
use crate::audit::AuditAction;
use crate::sql::{insert_rows, Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone)]
pub struct NewZone {
    pub name: String,
    pub structure: Structure,
    /// One to `zone::UNITS_MAX` units of the structure, each with its subtree: distinct, none
    /// inside another, all in the caller's jurisdiction.
    pub units: Vec<UnitCode>,
    /// Address lines narrowing the zone (`domain::zone`); empty: every household of the units.
    pub addresses: Vec<String>,
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
    pub id: RoundId,
    pub name: String,
    pub kind: String,
    pub starts_on: String,
    /// Packages handed out.
    pub given: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneUnit {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneProgress {
    pub id: ZoneId,
    pub name: String,
    /// In the order they were declared.
    pub units: Vec<ZoneUnit>,
    /// Address lines as declared; empty when the zone is its units whole.
    pub addresses: Vec<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    /// Population and households affected, as declared.
    pub population: i64,
    pub households: i64,
    /// Households in the zone now, counted by its units and addresses: the rounds' target.
    pub households_in_zone: i64,
    pub rounds: Vec<RoundProgress>,
}

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

/// Zones listed per call: a locality has tens, not thousands.
const ZONES_MAX: i64 = 500;

/// `FROM` and `WHERE` of the households of zone `$1`: under one of its units and, when it
/// lists addresses, with an address key containing one of theirs (`domain::zone`; keys hold
/// no `%` or `_`). A zone's units never nest, so each household appears once.
const ZONE_HOUSEHOLDS: &str = "relief_zone_units u
     JOIN households h ON h.structure = u.structure
                      AND h.unit_path >= u.unit_path AND h.unit_path < u.path_end
     WHERE u.zone_id = $1
       AND (NOT EXISTS (SELECT 1 FROM relief_zone_addresses a WHERE a.zone_id = u.zone_id)
            OR EXISTS (SELECT 1 FROM relief_zone_addresses a
                       WHERE a.zone_id = u.zone_id
                         AND h.address_key LIKE ('%' || a.address_key || '%')))";

/// How much of a zone a jurisdiction holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    Nothing,
    /// Part of it: a unit of the zone in the jurisdiction, or the jurisdiction in a unit.
    Touches,
    /// Every unit of it.
    Whole,
}

fn reach(scope: &Scope, structure: Structure, units: &[UnitPath]) -> Reach {
    if units.iter().all(|p| scope.contains(structure, p)) {
        Reach::Whole
    } else if units
        .iter()
        .any(|p| scope.contains(structure, p) || scope.roots_in(structure).any(|r| p.contains(r)))
    {
        Reach::Touches
    } else {
        Reach::Nothing
    }
}

/// "/01/001/00001/" → "/01/", "/01/001/": the paths of a unit's ancestors.
fn ancestors(path: &UnitPath) -> impl Iterator<Item = String> + '_ {
    let p = path.as_str();
    p.char_indices()
        .filter(move |&(i, c)| c == '/' && i > 0 && i + 1 < p.len())
        .map(move |(i, _)| p[..=i].to_string())
}

impl Store {
    /// Declares a lockdown zone over units of the caller's jurisdiction. Every bad unit or
    /// address line is reported (`units`, `units[i]`, `addresses`, `addresses[i]`) and nothing
    /// is written: a unit unknown (`not_found`), outside the jurisdiction (`out_of_scope`),
    /// given twice or inside another unit of the zone (`duplicate`).
    pub async fn create_zone(&self, caller: &Caller, new: &NewZone, now_s: i64) -> Result<ZoneId> {
        let mut errors = zone::check_units(&new.units);
        let addresses = zone::zone_addresses(&new.addresses).unwrap_or_else(|e| {
            errors.extend(e);
            Vec::new()
        });
        let mut units: Vec<Unit> = Vec::new();
        if new.units.len() <= zone::UNITS_MAX {
            for (i, code) in new.units.iter().enumerate() {
                if new.units[..i].contains(code) {
                    continue; // reported by check_units
                }
                let field = format!("units[{i}]");
                match self.unit_unscoped(new.structure, code).await? {
                    None => errors.push(FieldError::new(field, Reason::NotFound)),
                    Some(u) if !caller.scope.contains(new.structure, &u.path) => {
                        errors.push(FieldError::new(field, Reason::OutOfScope));
                    }
                    Some(u) => {
                        if units
                            .iter()
                            .any(|k| k.path.contains(&u.path) || u.path.contains(&k.path))
                        {
                            errors.push(FieldError::new(field, Reason::Duplicate));
                        }
                        units.push(u);
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        // Rows collected before the first await that holds them (the handler's future must
        // be Send).
        let mut unit_rows: Vec<Vec<Val>> = units
            .iter()
            .zip(1..)
            .map(|(u, no)| {
                vec![
                    Val::Int(no),
                    Val::Text(new.structure.as_str().into()),
                    Val::Text(u.code.as_str().into()),
                    Val::Text(u.name.clone()),
                    Val::Text(u.path.as_str().into()),
                    Val::Text(u.path.subtree_upper_bound()),
                ]
            })
            .collect();
        let mut address_rows: Vec<Vec<Val>> = addresses
            .iter()
            .zip(1..)
            .map(|(a, no)| {
                vec![
                    Val::Int(no),
                    Val::Text(a.text.clone()),
                    Val::Text(a.key.clone()),
                ]
            })
            .collect();
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO relief_zones (name, structure, starts_on, ends_on, population,
                                       households, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&new.name)
        .bind(new.structure.as_str())
        .bind(new.starts_on.to_string())
        .bind(new.ends_on.map(|d| d.to_string()))
        .bind(new.population)
        .bind(new.households)
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        for row in unit_rows.iter_mut().chain(address_rows.iter_mut()) {
            row.insert(0, Val::Int(id));
        }
        insert_rows(
            &mut tx,
            self.dialect,
            "relief_zone_units",
            &[
                "zone_id",
                "unit_no",
                "structure",
                "unit_code",
                "unit_name",
                "unit_path",
                "path_end",
            ],
            unit_rows,
        )
        .await?;
        insert_rows(
            &mut tx,
            self.dialect,
            "relief_zone_addresses",
            &["zone_id", "line_no", "address", "address_key"],
            address_rows,
        )
        .await?;
        let codes: Vec<&str> = units.iter().map(|u| u.code.as_str()).collect();
        commit_audited(
            tx,
            self.dialect,
            audit_entry(
                caller,
                AuditAction::Create,
                "relief_zone",
                id,
                Some(format!(
                    "units {}; {} address lines",
                    codes.join(","),
                    addresses.len()
                )),
            ),
            now_s,
        )
        .await?;
        Ok(ZoneId::new(id))
    }

    /// The zone's structure and unit paths; None when there is no such zone.
    async fn zone_units(&self, zone_id: ZoneId) -> Result<Option<(Structure, Vec<UnitPath>)>> {
        let rows = sqlx::query(
            "SELECT structure, unit_path FROM relief_zone_units WHERE zone_id = $1
             ORDER BY unit_no",
        )
        .bind(zone_id.get())
        .fetch_all(&self.pool)
        .await?;
        let mut structure = None;
        let mut paths = Vec::with_capacity(rows.len());
        for r in &rows {
            let s: String = r.try_get(0)?;
            let p: String = r.try_get(1)?;
            let (Ok(s), Some(p)) = (s.parse::<Structure>(), UnitPath::from_stored(&p)) else {
                return Err(StoreError::Corrupt("relief_zone_units.unit".into()));
            };
            structure = Some(s);
            paths.push(p);
        }
        Ok(structure.map(|s| (s, paths)))
    }

    /// Opens a relief round in a zone. None when the zone is not wholly in scope.
    pub async fn create_round(
        &self,
        caller: &Caller,
        zone_id: ZoneId,
        new: &NewRound,
        now_s: i64,
    ) -> Result<Option<RoundId>> {
        match self.zone_units(zone_id).await? {
            Some((s, paths)) if reach(&caller.scope, s, &paths) == Reach::Whole => {}
            _ => return Ok(None),
        }
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO relief_rounds (zone_id, name, kind, starts_on, created_at_s)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(zone_id.get())
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
        Ok(Some(RoundId::new(id)))
    }

    /// Hands a household its package of a round. None when the round's zone does not touch
    /// the caller's jurisdiction; `Invalid(household_id: not_found)` when the household is
    /// unknown or outside the jurisdiction, `Invalid(household_id: outside_zone)` when it is
    /// outside the zone's units or addresses; `Refused(PackageAlreadyGiven)` for a second
    /// package, also when two requests race (the UNIQUE constraint decides; nothing is
    /// written).
    pub async fn give_package(
        &self,
        caller: &Caller,
        round_id: RoundId,
        household_id: i64,
        now_s: i64,
    ) -> Result<Option<i64>> {
        let zone: Option<ZoneId> = sqlx::query("SELECT zone_id FROM relief_rounds WHERE id = $1")
            .bind(round_id.get())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0).map(ZoneId::new))
            .transpose()?;
        let Some(zone_id) = zone else { return Ok(None) };
        match self.zone_units(zone_id).await? {
            Some((s, paths)) if reach(&caller.scope, s, &paths) != Reach::Nothing => {}
            _ => return Ok(None),
        }
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
        let in_zone: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {ZONE_HOUSEHOLDS} AND h.id = $2"
        ))
        .bind(zone_id.get())
        .bind(household_id)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        if in_zone == 0 {
            return Err(invalid("household_id", Reason::OutsideZone));
        }
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query(
            "INSERT INTO relief_packages (round_id, household_id, given_at_s, given_by, actor)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (round_id, household_id) DO NOTHING RETURNING id",
        )
        .bind(round_id.get())
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
    pub async fn bulk_packages(
        &self,
        round_id: RoundId,
        households: &[i64],
        at_s: i64,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = insert_rows(
            &mut tx,
            self.dialect,
            "relief_packages",
            &["round_id", "household_id", "given_at_s", "actor"],
            households.iter().map(|h| {
                vec![
                    Val::Int(round_id.get()),
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

    /// Households of a zone (ids, ascending), at most `limit`: for the demo's distribution,
    /// not for callers (no scope).
    pub async fn zone_household_ids(&self, zone_id: ZoneId, limit: i64) -> Result<Vec<i64>> {
        sqlx::query(&format!(
            "SELECT h.id FROM {ZONE_HOUSEHOLDS} ORDER BY h.id LIMIT $2"
        ))
        .bind(zone_id.get())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
    }

    /// Zones touching the caller's jurisdiction, in both structures, with the households in
    /// each and each round's packages handed out (the gap is the rest).
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
            "SELECT id, name, starts_on, ends_on, population, households
             FROM relief_zones WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        if !caller.scope.is_everything() {
            // A unit of the zone in the jurisdiction, or one holding a root of it.
            sql.push(" AND id IN (SELECT zone_id FROM relief_zone_units WHERE structure = ")
                .bind(Val::Text(structure.as_str().into()));
            sql.push(" AND ((1 = 1");
            sql.push_scope("unit_path", &caller.scope, structure);
            sql.push(")");
            let mut above: Vec<String> = caller
                .scope
                .roots_in(structure)
                .flat_map(ancestors)
                .collect();
            above.sort();
            above.dedup();
            if !above.is_empty() {
                sql.push(" OR unit_path IN (");
                for (i, p) in above.into_iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.bind(Val::Text(p));
                }
                sql.push(")");
            }
            sql.push("))");
        }
        sql.push(" ORDER BY starts_on DESC, id DESC LIMIT ")
            .bind(Val::Int(ZONES_MAX));
        let mut zones = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            zones.push(ZoneProgress {
                id: ZoneId::new(r.try_get(0)?),
                name: r.try_get(1)?,
                units: Vec::new(),
                addresses: Vec::new(),
                starts_on: r.try_get(2)?,
                ends_on: r.try_get(3)?,
                population: r.try_get(4)?,
                households: r.try_get(5)?,
                households_in_zone: 0,
                rounds: Vec::new(),
            });
        }
        for z in &mut zones {
            z.units = self
                .children_as(
                    "SELECT unit_code, unit_name FROM relief_zone_units WHERE zone_id = $1
                     ORDER BY unit_no",
                    z.id.get(),
                    |r| {
                        Ok(ZoneUnit {
                            code: r.try_get(0)?,
                            name: r.try_get(1)?,
                        })
                    },
                )
                .await?;
            z.addresses = self
                .children_as(
                    "SELECT address FROM relief_zone_addresses WHERE zone_id = $1
                     ORDER BY line_no",
                    z.id.get(),
                    |r| Ok(r.try_get(0)?),
                )
                .await?;
            z.households_in_zone = self
                .children_as(
                    &format!("SELECT COUNT(*) FROM {ZONE_HOUSEHOLDS}"),
                    z.id.get(),
                    |r| Ok(r.try_get(0)?),
                )
                .await?
                .pop()
                .unwrap_or(0);
            z.rounds = self
                .children_as(
                    "SELECT r.id, r.name, r.kind, r.starts_on,
                            (SELECT COUNT(*) FROM relief_packages p WHERE p.round_id = r.id)
                     FROM relief_rounds r WHERE r.zone_id = $1 ORDER BY r.starts_on, r.id",
                    z.id.get(),
                    |r| {
                        Ok(RoundProgress {
                            id: RoundId::new(r.try_get(0)?),
                            name: r.try_get(1)?,
                            kind: r.try_get(2)?,
                            starts_on: r.try_get(3)?,
                            given: r.try_get(4)?,
                        })
                    },
                )
                .await?;
        }
        Ok(zones)
    }
}
