//! Needs posted by localities, and the facts an offer is matched on: each needing
//! locality's recent cases and where it lies.

use chrono::NaiveDate;
use sqlx::Row;

use domain::aid::{Item, NeedSituation, NeedStatus};
use domain::{FieldError, NeedId, Reason, UnitCode, UnitPath};

use super::{audit_entry, commit_audited, STRUCTURE};
use crate::audit::AuditAction;
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
}

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

impl Store {
    /// Posts a need of a locality in the caller's jurisdiction.
    pub async fn post_need(&self, caller: &Caller, new: &NewNeed, now_s: i64) -> Result<NeedId> {
        let unit = self
            .get_unit(&caller.scope, STRUCTURE, &new.unit)
            .await?
            .ok_or_else(|| invalid("unit", Reason::NotFound))?;
        let mut tx = self.pool.begin().await?;
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
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "aid_need", id, None),
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
        let mut sql = Sql::new(self.dialect, "SELECT unit_path FROM aid_needs WHERE id = ");
        sql.bind(Val::Int(id.get()));
        let Some(row) = sql.query().fetch_optional(&self.pool).await? else {
            return Ok(false);
        };
        let path: String = row.try_get(0)?;
        let path = UnitPath::from_stored(&path)
            .ok_or_else(|| StoreError::Corrupt("aid_needs.unit_path".into()))?;
        if !caller.scope.contains(STRUCTURE, &path) {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE aid_needs SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        let entry = audit_entry(
            caller,
            AuditAction::Update,
            "aid_need",
            id,
            Some(status.as_str().into()),
        );
        commit_audited(tx, self.dialect, entry, now_s).await?;
        Ok(true)
    }

    /// Open needs, earliest deadline first, optionally of one item.
    pub async fn open_needs(&self, item: Option<&str>) -> Result<Vec<Need>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT id, unit_code, unit_name, item, quantity, unit, by_date, note, status
             FROM aid_needs WHERE status = 'open'",
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
            .map(|r| {
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
                })
            })
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
