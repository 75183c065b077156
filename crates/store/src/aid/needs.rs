//! Needs posted by localities, and the facts an offer is matched on: each needing
//! locality's recent cases and where it lies.

use chrono::NaiveDate;
use sqlx::Row;

use domain::aid::{Item, NeedSituation, NeedStatus};
use domain::{FieldError, NeedId, Reason, UnitCode, UnitPath};

use super::{audit_entry, STRUCTURE};
use crate::audit::{self, AuditAction};
use crate::link::LinkTx;
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// Open needs considered per match or list: a country has hundreds, not millions.
const NEEDS_MAX: i64 = 1000;

#[derive(Debug, Clone)]
pub struct NewNeed {
    pub unit: UnitCode,
    pub item: &'static Item,
    pub quantity: i64,
    pub by_date: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    pub id: NeedId,
    pub unit_code: String,
    pub unit_name: String,
    pub item: String,
    pub quantity: i64,
    pub unit: String,
    pub by_date: String,
    pub note: Option<String>,
    pub status: NeedStatus,
    /// Set by `match_needs`.
    pub situation: Option<NeedSituation>,
    /// The linked locality that published it (its code), when it was not posted here.
    pub from_locality: Option<String>,
}

/// A need as a linked locality's message tells it.
#[derive(Debug, Clone)]
pub struct RemoteNeed {
    pub unit_code: String,
    pub item: &'static Item,
    pub quantity: i64,
    pub by_date: NaiveDate,
    pub note: Option<String>,
    pub status: NeedStatus,
}

const NEED_COLUMNS: &str =
    "id, unit_code, unit_name, item, quantity, unit, by_date, note, status, link_from";

fn need_from_row(r: &sqlx::any::AnyRow) -> Result<Need> {
    let status: String = r.try_get(8)?;
    Ok(Need {
        id: NeedId::new(r.try_get(0)?),
        unit_code: r.try_get(1)?,
        unit_name: r.try_get(2)?,
        item: r.try_get(3)?,
        quantity: r.try_get(4)?,
        unit: r.try_get(5)?,
        by_date: r.try_get(6)?,
        note: r.try_get(7)?,
        status: status
            .parse()
            .map_err(|_| StoreError::Corrupt("aid_needs.status".into()))?,
        situation: None,
        from_locality: r.try_get(9)?,
    })
}

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

impl Store {
    /// Posts a need of a locality in the caller's jurisdiction.
    pub async fn post_need(&self, caller: &Caller, new: &NewNeed, now_s: i64) -> Result<NeedId> {
        let mut tx = self.pool.begin().await?;
        let id = self.post_need_in(&mut tx, caller, new, now_s).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// [`Store::post_need`] in the caller's transaction (a message to linked localities is
    /// written with it).
    pub async fn post_need_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        new: &NewNeed,
        now_s: i64,
    ) -> Result<NeedId> {
        let unit = Store::unit_unscoped_on(tx, STRUCTURE, &new.unit)
            .await?
            .filter(|u| caller.scope.contains(STRUCTURE, &u.path))
            .ok_or_else(|| invalid("unit", Reason::NotFound))?;
        let id: i64 = sqlx::query(
            "INSERT INTO aid_needs (structure, unit_code, unit_name, unit_path, item, quantity, unit,
                                    by_date, note, status, created_at_s, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11) RETURNING id",
        )
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(&unit.name)
        .bind(unit.path.as_str())
        .bind(new.item.slug)
        .bind(new.quantity)
        .bind(new.item.unit)
        .bind(new.by_date.to_string())
        .bind(new.note.clone())
        .bind(now_s)
        .bind((caller.user.id.0 != 0).then_some(caller.user.id.0))
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        audit::append(
            tx,
            self.dialect,
            [audit_entry(
                caller,
                AuditAction::Create,
                "aid_need",
                id,
                None,
            )],
            now_s,
        )
        .await?;
        Ok(NeedId::new(id))
    }

    /// Closes a need of the caller's jurisdiction (met or withdrawn). False when not in scope.
    pub async fn close_need(
        &self,
        caller: &Caller,
        id: NeedId,
        status: NeedStatus,
        now_s: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let closed = self
            .close_need_in(&mut tx, caller, id, status, now_s)
            .await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// [`Store::close_need`] in the caller's transaction. A need taken in from a linked
    /// locality is closed only by its messages (false here).
    pub async fn close_need_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        id: NeedId,
        status: NeedStatus,
        now_s: i64,
    ) -> Result<bool> {
        let Some(row) = sqlx::query("SELECT unit_path, link_from FROM aid_needs WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut **tx)
            .await?
        else {
            return Ok(false);
        };
        let path: String = row.try_get(0)?;
        let link_from: Option<String> = row.try_get(1)?;
        let path = UnitPath::from_stored(&path)
            .ok_or_else(|| StoreError::Corrupt("aid_needs.unit_path".into()))?;
        if !caller.scope.contains(STRUCTURE, &path) || link_from.is_some() {
            return Ok(false);
        }
        self.set_need_status_in(tx, caller, id.get(), status, now_s)
            .await?;
        Ok(true)
    }

    async fn set_need_status_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        id: i64,
        status: NeedStatus,
        now_s: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE aid_needs SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        let entry = audit_entry(
            caller,
            AuditAction::Update,
            "aid_need",
            id,
            Some(status.as_str().into()),
        );
        audit::append(tx, self.dialect, [entry], now_s).await?;
        Ok(())
    }

    /// A need with its unit's path, read in the transaction (for a message about it).
    pub async fn need_for_link_in(
        &self,
        tx: &mut LinkTx,
        id: NeedId,
    ) -> Result<Option<(Need, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {NEED_COLUMNS}, unit_path FROM aid_needs WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| Ok((need_from_row(&r)?, r.try_get("unit_path")?)))
            .transpose()
    }

    /// Takes in a need a linked locality published (`from`, its record key `record`): the
    /// first time recorded among the open needs, at the unit of its code if that lies in the
    /// sender's locality (else the sender's own unit), marked with the sender; later, its
    /// status (closing) and amounts as now sent.
    pub async fn take_in_need_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        from: &str,
        record: &str,
        n: &RemoteNeed,
        now_s: i64,
    ) -> Result<NeedId> {
        let known = sqlx::query("SELECT id FROM aid_needs WHERE link_from = $1 AND link_ref = $2")
            .bind(from)
            .bind(record)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(known) = known {
            let id: i64 = known.try_get(0)?;
            sqlx::query(
                "UPDATE aid_needs SET item = $1, quantity = $2, unit = $3, by_date = $4,
                     note = $5 WHERE id = $6",
            )
            .bind(n.item.slug)
            .bind(n.quantity)
            .bind(n.item.unit)
            .bind(n.by_date.to_string())
            .bind(n.note.clone())
            .bind(id)
            .execute(&mut **tx)
            .await?;
            self.set_need_status_in(tx, caller, id, n.status, now_s)
                .await?;
            return Ok(NeedId::new(id));
        }
        let mut unit = None;
        if let Ok(code) = UnitCode::parse(&n.unit_code) {
            unit = Store::unit_unscoped_on(tx, STRUCTURE, &code)
                .await?
                .filter(|u| crate::aid::path_has(u.path.as_str(), from));
        }
        if unit.is_none() {
            if let Ok(code) = UnitCode::parse(from) {
                unit = Store::unit_unscoped_on(tx, STRUCTURE, &code).await?;
            }
        }
        let unit = unit.ok_or_else(|| invalid("unit", Reason::NotFound))?;
        let id: i64 = sqlx::query(
            "INSERT INTO aid_needs (structure, unit_code, unit_name, unit_path, item, quantity, unit,
                                    by_date, note, status, created_at_s, created_by, link_from,
                                    link_ref)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13) RETURNING id",
        )
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(&unit.name)
        .bind(unit.path.as_str())
        .bind(n.item.slug)
        .bind(n.quantity)
        .bind(n.item.unit)
        .bind(n.by_date.to_string())
        .bind(n.note.clone())
        .bind(n.status.as_str())
        .bind(now_s)
        .bind(from)
        .bind(record)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        let entry = audit_entry(
            caller,
            AuditAction::Create,
            "aid_need",
            id,
            Some(format!("published by {from} as {record}")),
        );
        audit::append(tx, self.dialect, [entry], now_s).await?;
        Ok(NeedId::new(id))
    }

    /// Open needs, earliest deadline first, optionally of one item.
    pub async fn open_needs(&self, item: Option<&str>) -> Result<Vec<Need>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {NEED_COLUMNS} FROM aid_needs WHERE status = 'open'"),
        );
        if let Some(i) = item {
            sql.push(" AND item = ").bind(Val::Text(i.into()));
        }
        sql.push(" ORDER BY by_date, id LIMIT ")
            .bind(Val::Int(NEEDS_MAX));
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(need_from_row)
            .collect()
    }

    /// Open needs for `item`, each with its locality's cases in the 7 days before `now_s` and
    /// the 7 before those, and its distance from `from` (the offering locality), ranked by
    /// `domain::aid::rank_needs`.
    pub async fn match_needs(
        &self,
        item: &str,
        from: Option<&UnitCode>,
        now_s: i64,
    ) -> Result<Vec<Need>> {
        let origin = match from {
            Some(c) => Some(
                self.unit_unscoped(STRUCTURE, c)
                    .await?
                    .ok_or_else(|| invalid("from", Reason::NotFound))?,
            ),
            None => None,
        };
        let mut needs = self.open_needs(Some(item)).await?;
        for n in &mut needs {
            let code = UnitCode::parse(&n.unit_code)
                .map_err(|_| StoreError::Corrupt("aid_needs.unit_code".into()))?;
            let Some(unit) = self.unit_unscoped(STRUCTURE, &code).await? else {
                continue;
            };
            let counts = sqlx::query(
                "SELECT SUM(CASE WHEN confirmed_at_s >= $1 THEN 1 ELSE 0 END),
                        SUM(CASE WHEN confirmed_at_s < $1 THEN 1 ELSE 0 END)
                 FROM cases WHERE structure = $2 AND unit_path >= $3 AND unit_path < $4
                   AND confirmed_at_s >= $5 AND confirmed_at_s < $6",
            )
            .bind(now_s - 7 * 86_400)
            .bind(STRUCTURE.as_str())
            .bind(unit.path.as_str())
            .bind(unit.path.subtree_upper_bound())
            .bind(now_s - 14 * 86_400)
            .bind(now_s)
            .fetch_one(&self.pool)
            .await?;
            let distance_km =
                origin
                    .as_ref()
                    .and_then(|o| match (o.lat, o.lon, unit.lat, unit.lon) {
                        (Some(a), Some(b), Some(c), Some(d)) => {
                            Some(domain::aid::distance_km((a, b), (c, d)))
                        }
                        _ => None,
                    });
            // The latest published level, and the free treatment beds (not F1 quarantine).
            let risk_level: Option<i64> = sqlx::query(
                "SELECT level FROM risk_levels WHERE structure = $1 AND unit_code = $2
                   AND published_at_s <= $3 ORDER BY week_end DESC LIMIT 1",
            )
            .bind(STRUCTURE.as_str())
            .bind(unit.code.as_str())
            .bind(now_s)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
            let beds = sqlx::query(
                "SELECT COUNT(*), CAST(SUM(b.capacity - b.occupied) AS BIGINT) FROM facility_beds b
                 JOIN facilities f ON f.id = b.facility_id
                 WHERE f.structure = $1 AND f.unit_path >= $2 AND f.unit_path < $3
                   AND b.bed_type <> 'quarantine'",
            )
            .bind(STRUCTURE.as_str())
            .bind(unit.path.as_str())
            .bind(unit.path.subtree_upper_bound())
            .fetch_one(&self.pool)
            .await?;
            let bed_rows: i64 = beds.try_get(0)?;
            let free_beds = if bed_rows > 0 {
                beds.try_get::<Option<i64>, _>(1)?
            } else {
                None
            };
            n.situation = Some(NeedSituation {
                cases_7d: counts.try_get::<Option<i64>, _>(0)?.unwrap_or(0),
                cases_prev_7d: counts.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
                distance_km,
                risk_level: risk_level.and_then(|l| u8::try_from(l).ok()),
                free_beds,
            });
        }
        let situations: Vec<NeedSituation> = needs
            .iter()
            .map(|n| {
                n.situation.clone().unwrap_or(NeedSituation {
                    cases_7d: 0,
                    cases_prev_7d: 0,
                    distance_km: None,
                    risk_level: None,
                    free_beds: None,
                })
            })
            .collect();
        let order = domain::aid::rank_needs(&situations);
        let mut slots: Vec<Option<Need>> = needs.into_iter().map(Some).collect();
        Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
    }
}
