//! Check-in ingestion (idempotent on the device's id, answered per item) and retention.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use domain::epi::ScanMode;
use domain::{FieldError, Reason, Structure, UnitPath};

use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store};

/// Who checked in: a person id, or the payload of a personal QR code (a chip ID card's QR
/// starts with the 12-digit number: `001090012345|…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonRef {
    Id(i64),
    Qr(String),
}

/// Where: a venue id or the payload of the venue's QR poster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueRef {
    Id(i64),
    Qr(String),
}

/// One check-in of a batch, already checked for form by the edge.
#[derive(Debug, Clone)]
pub struct CheckinItem {
    pub client_id: String,
    pub person: PersonRef,
    pub venue: VenueRef,
    pub t_in_s: i64,
    /// None: the venue's staff did not scan the exit; the policy's default stay applies.
    pub t_out_s: Option<i64>,
    pub mode: ScanMode,
}

/// What a batch did: one outcome per item, and the visits stored now (for the index).
#[derive(Debug, Clone, Default)]
pub struct Ingested {
    pub outcomes: Vec<ItemOutcome>,
    pub stored: Vec<crate::VisitRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    /// Stored now.
    Accepted,
    /// Stored before (a retried batch): not stored twice.
    Duplicate,
    Rejected(Vec<FieldError>),
}

/// Most items a batch may carry.
pub const BATCH_MAX: usize = 10_000;
/// Ids per look-up statement: a whole batch in one (SQLite takes 32,766 parameters).
const LOOKUP_CHUNK: usize = 10_000;

/// A batch decided, not yet written: the answers so far (an item to insert is `Duplicate`
/// until its insert says it is new), the rows for `checkins` and `unresolved_checkins` (item
/// index, values), and the visits of the rows of registered persons by item index.
struct Plan {
    outcomes: Vec<ItemOutcome>,
    rows: Vec<(usize, Vec<Val>)>,
    visitors: Vec<(usize, Vec<Val>)>,
    visits: HashMap<usize, crate::VisitRow>,
}

/// Who an item names.
enum Who {
    Person(i64),
    /// A national ID no person here has (yet).
    Visitor(String),
}

/// The national ID a personal QR code carries (`domain::person::NationalId`, the one check).
fn national_id_of(qr: &str) -> Option<String> {
    domain::person::NationalId::from_qr(qr).map(|id| id.as_str().to_string())
}

impl Store {
    /// Stores the valid items of a batch in one transaction and answers each item.
    /// `default_stay_s` gives the stay for an item without a time out.
    pub async fn ingest_checkins(
        &self,
        caller: &Caller,
        items: &[CheckinItem],
        default_stay_s: impl Fn(i64) -> i64,
        now_s: i64,
    ) -> Result<Ingested> {
        let mut conn = self.pool.acquire().await?;
        let plan = self
            .plan_checkins(&mut conn, caller, items, default_stay_s, now_s)
            .await?;
        // One transaction: either every accepted item is durable, or none is acknowledged.
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let ingested = self
            .insert_checkins(&mut tx, caller, items, plan, now_s)
            .await?;
        tx.commit().await?;
        Ok(ingested)
    }

    /// Several callers' batches in ONE transaction (group commit of single check-ins sent
    /// by many phones): each batch is planned for its own caller (its scope, its submitter,
    /// its audit row) as [`Store::ingest_checkins`] plans it, then every batch is written and
    /// committed once. One answer per batch, in order; an error fails the whole group (the
    /// caller may then retry the batches one by one). The batches together hold at most
    /// [`BATCH_MAX`] items.
    pub async fn ingest_checkin_groups(
        &self,
        batches: &[(&Caller, &[CheckinItem])],
        default_stay_s: impl Fn(i64) -> i64,
        now_s: i64,
    ) -> Result<Vec<Ingested>> {
        let mut conn = self.pool.acquire().await?;
        let mut plans = Vec::with_capacity(batches.len());
        // Planned before the transaction, as for one batch: the reads take no write lock.
        for (caller, items) in batches {
            plans.push(
                self.plan_checkins(&mut conn, caller, items, &default_stay_s, now_s)
                    .await?,
            );
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let mut done = Vec::with_capacity(batches.len());
        for ((caller, items), plan) in batches.iter().zip(plans) {
            done.push(
                self.insert_checkins(&mut tx, caller, items, plan, now_s)
                    .await?,
            );
        }
        tx.commit().await?;
        Ok(done)
    }

    /// [`Store::ingest_checkins`] in the caller's transaction (an import's: its check-ins
    /// are written with the import's record, or none). The items are at most [`BATCH_MAX`].
    pub async fn ingest_checkins_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        items: &[CheckinItem],
        default_stay_s: impl Fn(i64) -> i64,
        now_s: i64,
    ) -> Result<Ingested> {
        let plan = self
            .plan_checkins(tx, caller, items, default_stay_s, now_s)
            .await?;
        self.insert_checkins(tx, caller, items, plan, now_s).await
    }

    /// Each item decided (its person and venue looked up on `conn`), nothing written: the
    /// rows to insert and the answers so far.
    async fn plan_checkins(
        &self,
        conn: &mut sqlx::AnyConnection,
        caller: &Caller,
        items: &[CheckinItem],
        default_stay_s: impl Fn(i64) -> i64,
        now_s: i64,
    ) -> Result<Plan> {
        debug_assert!(items.len() <= BATCH_MAX);

        // Resolve people: ids that exist, and national ids of personal QR codes.
        let ids: Vec<i64> = items
            .iter()
            .filter_map(|i| match i.person {
                PersonRef::Id(id) => Some(id),
                PersonRef::Qr(_) => None,
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut known_persons: HashSet<i64> = HashSet::new();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            let mut sql = Sql::new(self.dialect, "SELECT id FROM persons WHERE id IN (");
            push_list(&mut sql, chunk.iter().map(|&i| Val::Int(i)));
            for r in sql.query().fetch_all(&mut *conn).await? {
                known_persons.insert(r.try_get(0)?);
            }
        }
        let nids: Vec<String> = items
            .iter()
            .filter_map(|i| match &i.person {
                PersonRef::Qr(q) => national_id_of(q),
                PersonRef::Id(_) => None,
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut by_nid: HashMap<String, i64> = HashMap::new();
        for chunk in nids.chunks(LOOKUP_CHUNK) {
            let mut sql = Sql::new(
                self.dialect,
                "SELECT national_id, MIN(id) AS id FROM persons WHERE national_id IN (",
            );
            push_list(&mut sql, chunk.iter().map(|s| Val::Text(s.clone())));
            sql.push(" GROUP BY national_id");
            for r in sql.query().fetch_all(&mut *conn).await? {
                by_nid.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }

        // Resolve venues, with their unit for the scope check.
        let mut venue_ids: HashSet<i64> = HashSet::new();
        let mut venue_qrs: HashSet<String> = HashSet::new();
        for i in items {
            match &i.venue {
                VenueRef::Id(id) => venue_ids.insert(*id),
                VenueRef::Qr(q) => venue_qrs.insert(q.clone()),
            };
        }
        let mut venues_by_id: HashMap<i64, (Structure, UnitPath)> = HashMap::new();
        let mut venues_by_qr: HashMap<String, i64> = HashMap::new();
        let venue_ids: Vec<i64> = venue_ids.into_iter().collect();
        let venue_qrs: Vec<String> = venue_qrs.into_iter().collect();
        for (col, vals) in [
            (
                "id",
                venue_ids.iter().map(|&i| Val::Int(i)).collect::<Vec<_>>(),
            ),
            (
                "qr_payload",
                venue_qrs.iter().map(|q| Val::Text(q.clone())).collect(),
            ),
        ] {
            for chunk in vals.chunks(LOOKUP_CHUNK) {
                let mut sql = Sql::new(
                    self.dialect,
                    &format!(
                        "SELECT id, qr_payload, structure, unit_path FROM venues WHERE {col} IN ("
                    ),
                );
                push_list(&mut sql, chunk.iter().cloned());
                for r in sql.query().fetch_all(&mut *conn).await? {
                    let id: i64 = r.try_get(0)?;
                    let structure: String = r.try_get(2)?;
                    let path: String = r.try_get(3)?;
                    let (Ok(structure), Some(path)) =
                        (structure.parse::<Structure>(), UnitPath::from_stored(&path))
                    else {
                        return Err(crate::StoreError::Corrupt(format!("venue {id}")));
                    };
                    venues_by_qr.insert(r.try_get(1)?, id);
                    venues_by_id.insert(id, (structure, path));
                }
            }
        }

        // Decide each item; collect the rows to insert. A personal QR whose national ID no
        // person here has is stored as an unresolved visitor and answered like any other
        // check-in: the answer never tells whether someone is registered.
        let submitter = Val::OptInt((caller.user.id.0 > 0).then_some(caller.user.id.0));
        let mut outcomes = Vec::with_capacity(items.len());
        let mut rows: Vec<(usize, Vec<Val>)> = Vec::new();
        let mut visitors: Vec<(usize, Vec<Val>)> = Vec::new();
        let mut visits: HashMap<usize, crate::VisitRow> = HashMap::new();
        let mut seen_in_batch: HashMap<&str, usize> = HashMap::new();
        for (idx, item) in items.iter().enumerate() {
            let person: std::result::Result<Who, Reason> = match &item.person {
                PersonRef::Id(id) => known_persons
                    .contains(id)
                    .then_some(Who::Person(*id))
                    .ok_or(Reason::NotFound),
                PersonRef::Qr(q) => match national_id_of(q) {
                    Some(n) => Ok(match by_nid.get(&n) {
                        Some(id) => Who::Person(*id),
                        None => Who::Visitor(n),
                    }),
                    None => Err(Reason::InvalidFormat),
                },
            };
            let venue = match &item.venue {
                VenueRef::Id(id) => Some(*id),
                VenueRef::Qr(q) => venues_by_qr.get(q).copied(),
            }
            .and_then(|id| venues_by_id.get(&id).map(|v| (id, v)));
            if let Some(first) = seen_in_batch.get(item.client_id.as_str()) {
                // The same id twice in one batch: the later one is a retry of the earlier.
                outcomes.push(match &outcomes[*first] {
                    ItemOutcome::Rejected(_) => {
                        ItemOutcome::Rejected(vec![FieldError::new("id", Reason::Duplicate)])
                    }
                    _ => ItemOutcome::Duplicate,
                });
                continue;
            }
            seen_in_batch.insert(&item.client_id, idx);
            let (person, venue) = match (person, venue) {
                (Ok(who), Some((v, (s, path)))) if caller.scope.contains(*s, path) => (who, v),
                (person, venue) => {
                    let mut errors = Vec::new();
                    if let Err(reason) = person {
                        errors.push(FieldError::new("person", reason));
                    }
                    match venue {
                        None => errors.push(FieldError::new("venue", Reason::NotFound)),
                        Some((_, (s, path))) if !caller.scope.contains(*s, path) => {
                            errors.push(FieldError::new("venue", Reason::OutOfScope))
                        }
                        Some(_) => {}
                    }
                    outcomes.push(ItemOutcome::Rejected(errors));
                    continue;
                }
            };
            let t_out_s = item
                .t_out_s
                .unwrap_or_else(|| item.t_in_s + default_stay_s(item.t_in_s));
            outcomes.push(ItemOutcome::Duplicate); // until the insert says it is new
            let times = [
                Val::Int(venue),
                Val::Int(item.t_in_s),
                Val::Int(t_out_s),
                Val::Int(i64::from(item.t_out_s.is_none())),
                Val::Text(item.mode.as_str().into()),
                Val::Int(now_s),
            ];
            let head = [Val::Text(item.client_id.clone()), submitter.clone()];
            match person {
                Who::Person(person) => {
                    visits.insert(
                        idx,
                        crate::VisitRow {
                            person_id: person,
                            venue_id: venue,
                            t_in_s: item.t_in_s,
                            t_out_s,
                        },
                    );
                    let mut row = head.to_vec();
                    row.push(Val::Int(person));
                    row.extend(times);
                    rows.push((idx, row));
                }
                Who::Visitor(nid) => {
                    let mut row = head.to_vec();
                    row.push(Val::Text(nid));
                    row.extend(times);
                    visitors.push((idx, row));
                }
            }
        }

        Ok(Plan {
            outcomes,
            rows,
            visitors,
            visits,
        })
    }

    /// Inserts a plan's rows on `tx` (in a transaction) and audits the batch.
    async fn insert_checkins(
        &self,
        tx: &mut sqlx::AnyConnection,
        caller: &Caller,
        items: &[CheckinItem],
        plan: Plan,
        now_s: i64,
    ) -> Result<Ingested> {
        let Plan {
            mut outcomes,
            rows,
            visitors,
            visits,
        } = plan;
        let mut stored = Vec::new();
        let mut accepted = 0usize;
        for (table, person_col, batch) in [
            ("checkins", "person_id", &rows),
            ("unresolved_checkins", "national_id", &visitors),
        ] {
            let index_of: HashMap<String, usize> = batch
                .iter()
                .map(|(idx, _)| (items[*idx].client_id.clone(), *idx))
                .collect();
            // 9 columns × 3,500 rows = 31,500 parameters: under SQLite's 32,766 and
            // PostgreSQL's 65,535; fewer, larger statements cost less per row.
            for chunk in batch.chunks(3_500) {
                let mut sql = Sql::new(
                    self.dialect,
                    &format!(
                        "INSERT INTO {table} (client_id, submitted_by, {person_col}, venue_id, t_in_s, t_out_s, t_out_default, mode, received_at_s) VALUES "
                    ),
                );
                for (i, (_, vals)) in chunk.iter().enumerate() {
                    sql.push(if i == 0 { "(" } else { ", (" });
                    for (j, v) in vals.iter().enumerate() {
                        if j > 0 {
                            sql.push(", ");
                        }
                        sql.bind(v.clone());
                    }
                    sql.push(")");
                }
                sql.push(" ON CONFLICT (submitted_by, client_id) DO NOTHING RETURNING client_id");
                for r in sql.query().fetch_all(&mut *tx).await? {
                    let cid: String = r.try_get(0)?;
                    if let Some(&idx) = index_of.get(&cid) {
                        outcomes[idx] = ItemOutcome::Accepted;
                        accepted += 1;
                        stored.extend(visits.get(&idx).copied());
                    }
                }
            }
        }
        // Check-ins are personal data: every batch leaves one audit row (who sent how many,
        // at which venues), written in the batch's transaction.
        if !items.is_empty() {
            let venues: std::collections::BTreeSet<i64> = rows
                .iter()
                .chain(&visitors)
                .filter_map(|(_, v)| match v.get(3) {
                    Some(Val::Int(id)) => Some(*id),
                    _ => None,
                })
                .collect();
            crate::audit::append(
                &mut *tx,
                self.dialect,
                [crate::audit::AuditEntry {
                    user: (caller.user.id.0 > 0).then_some(caller.user.id),
                    actor: caller.user.username.clone(),
                    action: crate::audit::AuditAction::Create,
                    entity: "checkin_batch",
                    entity_id: format!("{}", items.len()),
                    detail: Some(format!(
                        "items {}, accepted {accepted}, venues {}",
                        items.len(),
                        venues
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(",")
                    )),
                }],
                now_s,
            )
            .await?;
        }
        Ok(Ingested { outcomes, stored })
    }

    /// Moves the check-ins of unresolved visitors carrying `national_id` to `person_id` (a
    /// person with that ID was just added) and returns them for the tracing index.
    pub async fn resolve_visitors(
        &self,
        person_id: i64,
        national_id: &str,
    ) -> Result<Vec<crate::VisitRow>> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "INSERT INTO checkins (client_id, submitted_by, person_id, venue_id, t_in_s, t_out_s, t_out_default, mode, received_at_s)
             SELECT client_id, submitted_by, CAST($1 AS BIGINT), venue_id, t_in_s, t_out_s, t_out_default, mode, received_at_s
               FROM unresolved_checkins WHERE national_id = $2
             ON CONFLICT (submitted_by, client_id) DO NOTHING
             RETURNING venue_id, t_in_s, t_out_s",
        )
        .bind(person_id)
        .bind(national_id)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM unresolved_checkins WHERE national_id = $1")
            .bind(national_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        moved
            .iter()
            .map(|r| {
                Ok(crate::VisitRow {
                    person_id,
                    venue_id: r.try_get(0)?,
                    t_in_s: r.try_get(1)?,
                    t_out_s: r.try_get(2)?,
                })
            })
            .collect()
    }

    /// How many check-ins wait for their person to be registered.
    pub async fn count_unresolved_checkins(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM unresolved_checkins")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Deletes check-ins that entered before `before_s`; returns how many.
    pub async fn purge_checkins_before(&self, before_s: i64) -> Result<u64> {
        // Unresolved visitors' check-ins are kept no longer than anyone's.
        sqlx::query("DELETE FROM unresolved_checkins WHERE t_in_s < $1")
            .bind(before_s)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query("DELETE FROM checkins WHERE t_in_s < $1")
            .bind(before_s)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    pub async fn count_checkins(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM checkins")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}

fn push_list(sql: &mut Sql, vals: impl Iterator<Item = Val>) {
    for (i, v) in vals.enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(v);
    }
    sql.push(")");
}
