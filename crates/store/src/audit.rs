//! The audit log: who read or changed which personal record, and when. Rows are only ever
//! appended, in the same transaction as the change (or right after the read) they record,
//! so data never leaves the store without its trace.
//!
//! Each row has a place (issue #12, item 11): where its record lies (a person's residence, a
//! case's unit), for a list the deepest unit holding every listed record, else the acting
//! account's one unit. An administrator reads the rows whose place lies in their scope, so
//! a commune sees who touched its residents and what its own accounts did there; rows
//! without a place (older rows, the system's own actions, accounts of several units) are
//! read only with a country-wide scope. A list writes one row naming every record it
//! showed (item 15), and a record's trail finds those rows too.

use chrono::{DateTime, Utc};
use sqlx::Row;

use domain::{Scope, Structure, UnitPath, UserId};

use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Read,
    /// The record appeared in a list the caller received.
    List,
    Create,
    Update,
    Delete,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Read => "read",
            AuditAction::List => "list",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }
}

/// One audit row to append.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// None when the system itself acted (a CLI command, a retention job).
    pub user: Option<UserId>,
    pub actor: String,
    pub action: AuditAction,
    pub entity: &'static str,
    pub entity_id: String,
    pub detail: Option<String>,
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user: Option<UserId>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: Option<String>,
    /// For a list: the kind of the records it showed, and their ids.
    pub item_entity: Option<String>,
    pub item_ids: Vec<i64>,
}

/// Where an audited record lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub structure: Structure,
    pub path: UnitPath,
}

impl Place {
    pub fn new(structure: Structure, path: &UnitPath) -> Place {
        Place {
            structure,
            path: path.clone(),
        }
    }

    /// The deepest unit holding every given place; `None` for no places or places in
    /// different structures.
    pub fn enclosing<'a>(
        places: impl IntoIterator<Item = (Structure, &'a UnitPath)>,
    ) -> Option<Place> {
        let mut places = places.into_iter();
        let (structure, first) = places.next()?;
        let mut common: &str = first.as_str();
        for (s, p) in places {
            if s != structure {
                return None;
            }
            let shared = common
                .bytes()
                .zip(p.as_str().bytes())
                .take_while(|(a, b)| a == b)
                .count();
            // Cut back to a whole segment: '/01/001/' and '/01/002/' share '/01/'.
            let cut = common[..shared].rfind('/').map_or(0, |i| i + 1);
            common = &common[..cut];
        }
        Some(Place {
            structure,
            path: UnitPath::from_stored(common)?,
        })
    }
}

/// One audit row for a whole list: what kind of list, of what, and every record it showed.
#[derive(Debug, Clone)]
pub struct AuditList {
    pub user: Option<UserId>,
    pub actor: String,
    /// The list's kind, stored as the row's entity (e.g. `persons`, `case_contacts`).
    pub list: &'static str,
    /// What the list is of (a case id), or empty for a list over the caller's scope.
    pub subject: String,
    /// The kind of the listed records (e.g. `person`).
    pub item_entity: &'static str,
    pub items: Vec<i64>,
    pub detail: Option<String>,
    /// Where the listed records lie (`Place::enclosing`).
    pub place: Option<Place>,
}

impl AuditList {
    pub fn new(
        caller: &Caller,
        list: &'static str,
        subject: impl Into<String>,
        item_entity: &'static str,
        items: Vec<i64>,
        place: Option<Place>,
    ) -> AuditList {
        AuditList {
            user: Some(caller.user.id),
            actor: caller.user.username.clone(),
            list,
            subject: subject.into(),
            item_entity,
            items,
            detail: None,
            place,
        }
    }
}

/// The table holding an entity's place, for rows about one record.
fn place_table(entity: &str) -> Option<&'static str> {
    match entity {
        "person" => Some("persons"),
        "case" => Some("cases"),
        "contact" => Some("contacts"),
        "venue" => Some("venues"),
        "exposure_place" => Some("exposure_places"),
        "declaration" => Some("declarations"),
        _ => None,
    }
}

/// Appends one row per entry. Each row's place is looked up in the same statement: the
/// record's (persons, cases), else the acting account's unit when it has exactly one.
pub(crate) async fn append(
    conn: &mut sqlx::AnyConnection,
    dialect: crate::Dialect,
    entries: impl IntoIterator<Item = AuditEntry>,
    now_s: i64,
) -> Result<u64> {
    const HEAD: &str = "INSERT INTO audit_log (at_s, user_id, actor, action, entity, entity_id, detail, structure, unit_path) VALUES ";
    // Each row binds at most 9 values; stay far below SQLite's bound per statement.
    const ROWS_PER_STMT: usize = 500;
    let mut inserted = 0;
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let mut sql = Sql::new(dialect, HEAD);
        for (i, e) in entries.by_ref().take(ROWS_PER_STMT).enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(Val::Int(now_s)).push(", ");
            sql.bind(Val::OptInt(e.user.map(|u| u.0))).push(", ");
            sql.bind(Val::Text(e.actor)).push(", ");
            sql.bind(Val::Text(e.action.as_str().into())).push(", ");
            sql.bind(Val::Text(e.entity.into())).push(", ");
            let record = place_table(e.entity).zip(e.entity_id.parse::<i64>().ok());
            sql.bind(Val::Text(e.entity_id)).push(", ");
            sql.bind(Val::OptText(e.detail));
            for col in ["structure", "path"] {
                sql.push(", COALESCE(");
                if let Some((table, id)) = record {
                    let col = if col == "path" { "unit_path" } else { col };
                    sql.push(&format!("(SELECT {col} FROM {table} WHERE id = "))
                        .bind(Val::Int(id))
                        .push("), ");
                }
                push_account_place(&mut sql, col, e.user);
                sql.push(", NULL)");
            }
            sql.push(")");
        }
        inserted += sql.query().execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

/// The acting account's place as a scalar subquery: its one unit (none for several units,
/// for the whole country, or for the system). `col` is `structure` or `path`.
fn push_account_place(sql: &mut Sql, col: &str, user: Option<UserId>) {
    sql.push(&format!(
        "(SELECT CASE WHEN COUNT(*) = 1 THEN MIN(u.{col}) END FROM user_units uu \
         JOIN units u ON u.structure = uu.structure AND u.code = uu.code \
         WHERE uu.user_id = "
    ))
    .bind(Val::OptInt(user.map(|u| u.0)))
    .push(")");
}

/// Appends one row for a list (nothing for an empty list: it showed no one).
pub(crate) async fn append_list(
    conn: &mut sqlx::AnyConnection,
    dialect: crate::Dialect,
    list: AuditList,
    now_s: i64,
) -> Result<u64> {
    if list.items.is_empty() {
        return Ok(0);
    }
    let mut ids = String::with_capacity(list.items.len() * 8 + 1);
    ids.push(',');
    for id in &list.items {
        ids.push_str(&id.to_string());
        ids.push(',');
    }
    let mut sql = Sql::new(
        dialect,
        "INSERT INTO audit_log (at_s, user_id, actor, action, entity, entity_id, detail, structure, unit_path, item_entity, item_ids) VALUES (",
    );
    sql.bind(Val::Int(now_s)).push(", ");
    sql.bind(Val::OptInt(list.user.map(|u| u.0))).push(", ");
    sql.bind(Val::Text(list.actor)).push(", ");
    sql.bind(Val::Text(AuditAction::List.as_str().into()))
        .push(", ");
    sql.bind(Val::Text(list.list.into())).push(", ");
    sql.bind(Val::Text(list.subject)).push(", ");
    sql.bind(Val::OptText(list.detail)).push(", ");
    // Records of no known place: the list is placed where the account works.
    match &list.place {
        Some(p) => {
            sql.bind(Val::Text(p.structure.as_str().into())).push(", ");
            sql.bind(Val::Text(p.path.as_str().into())).push(", ");
        }
        None => {
            push_account_place(&mut sql, "structure", list.user);
            sql.push(", ");
            push_account_place(&mut sql, "path", list.user);
            sql.push(", ");
        }
    }
    sql.bind(Val::Text(list.item_entity.into())).push(", ");
    sql.bind(Val::Text(ids)).push(")");
    Ok(sql.query().execute(&mut *conn).await?.rows_affected())
}

/// Rows whose place lies in `scope`: every row for a country-wide scope, else the rows
/// placed in one of its subtrees (a row without a place is in none).
fn push_audit_scope(sql: &mut Sql, scope: &Scope) {
    if scope.is_everything() {
        return;
    }
    sql.push(" AND (1 = 0");
    for structure in Structure::ALL {
        if scope.roots_in(structure).next().is_none() {
            continue;
        }
        sql.push(" OR (structure = ")
            .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(")");
    }
    sql.push(")");
}

impl Store {
    /// Newest first, the rows placed in the caller's scope; optionally only one record's
    /// trail (`entity`, `entity_id`): its own rows and the lists that showed it.
    pub async fn list_audit(
        &self,
        caller: &Caller,
        record: Option<(&str, &str)>,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT id, at_s, user_id, actor, action, entity, entity_id, detail, item_entity, item_ids FROM audit_log WHERE 1 = 1",
        );
        push_audit_scope(&mut sql, &caller.scope);
        if let Some((entity, id)) = record {
            sql.push(" AND ((entity = ").bind(Val::Text(entity.into()));
            sql.push(" AND entity_id = ").bind(Val::Text(id.into()));
            sql.push(")");
            // Lists name their records as ",12,57,": a plain id is matched whole.
            if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                sql.push(" OR (item_entity = ")
                    .bind(Val::Text(entity.into()));
                sql.push(" AND item_ids LIKE ")
                    .bind(Val::Text(format!("%,{id},%")));
                sql.push(")");
            }
            sql.push(")");
        }
        if let Some(after) = &page.after {
            let [id] = after.expect(1)? else {
                return Err(StoreError::BadCursor);
            };
            let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND id < ").bind(Val::Int(id));
        }
        let limit = page.limit();
        sql.push(" ORDER BY id DESC LIMIT ")
            .bind(Val::Int(limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(AuditRecord {
                    id: r.try_get("id")?,
                    at: DateTime::from_timestamp(r.try_get("at_s")?, 0).unwrap_or_default(),
                    user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    entity: r.try_get("entity")?,
                    entity_id: r.try_get("entity_id")?,
                    detail: r.try_get("detail")?,
                    item_entity: r.try_get("item_entity")?,
                    item_ids: r
                        .try_get::<Option<String>, _>("item_ids")?
                        .map(|ids| ids.split(',').filter_map(|i| i.parse().ok()).collect())
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |a| {
            Cursor::new(vec![a.id.to_string()])
        }))
    }
}

impl Store {
    /// Appends one audit row for a list computed outside the store (a case's F1/F2 from the
    /// tracing index, clusters, an export); nothing for an empty list.
    pub async fn audit_list(&self, list: AuditList, now_s: i64) -> Result<u64> {
        if list.items.is_empty() {
            return Ok(0);
        }
        let conn = self.reader.acquire().await?;
        self.audit_read(conn, now_s, Pending::List(list)).await?;
        Ok(1)
    }

    /// Records an export of personal data (one row: what, how much, where to), by the
    /// system account `actor` (exports are CLI commands on the server).
    pub async fn audit_export(
        &self,
        actor: &str,
        what: &str,
        detail: String,
        now_s: i64,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        append(
            &mut conn,
            self.dialect,
            [AuditEntry {
                user: None,
                actor: actor.into(),
                action: AuditAction::Read,
                entity: "export",
                entity_id: what.into(),
                detail: Some(detail),
            }],
            now_s,
        )
        .await?;
        Ok(())
    }

    /// Deletes the audit rows older than `before_s` and records that it did (one row, no
    /// place: a country-wide administrator reads it). Returns how many rows went.
    pub async fn purge_audit_before(&self, before_s: i64, now_s: i64) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM audit_log WHERE at_s < $1")
            .bind(before_s)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n > 0 {
            append(
                &mut tx,
                self.dialect,
                [AuditEntry {
                    user: None,
                    actor: "retention".into(),
                    action: AuditAction::Delete,
                    entity: "audit_log",
                    entity_id: String::new(),
                    detail: Some(format!("{n} rows recorded before {before_s}")),
                }],
                now_s,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> UnitPath {
        UnitPath::from_stored(s).unwrap()
    }

    #[test]
    fn a_list_is_placed_at_the_deepest_unit_holding_all_its_records() {
        let s = Structure::S2021;
        let (a, b, c) = (
            path("/01/001/00001/"),
            path("/01/001/00004/"),
            path("/01/002/00040/"),
        );
        let place = |ps: &[&UnitPath]| Place::enclosing(ps.iter().map(|p| (s, *p)));
        assert_eq!(place(&[&a]), Some(Place::new(s, &a)));
        assert_eq!(place(&[&a, &a]), Some(Place::new(s, &a)));
        assert_eq!(place(&[&a, &b]), Some(Place::new(s, &path("/01/001/"))));
        assert_eq!(place(&[&a, &b, &c]), Some(Place::new(s, &path("/01/"))));
        // '/01/001/00001/' and '/01/001/00010/' share the bytes '/01/001/000' but only the
        // district as a unit.
        let d = path("/01/001/00010/");
        assert_eq!(place(&[&a, &d]), Some(Place::new(s, &path("/01/001/"))));
        assert_eq!(place(&[]), None);
        let other = [(s, &a), (Structure::S2025, &a)];
        assert_eq!(Place::enclosing(other), None);
    }
}

/// What a read leaves in the audit log, waiting to be written.
pub(crate) enum Pending {
    Rows(Vec<AuditEntry>),
    List(AuditList),
}

struct Job {
    at_s: i64,
    pending: Pending,
    done: tokio::sync::oneshot::Sender<std::result::Result<(), String>>,
}

/// The audit rows of reads, written in groups (group commit). A read still returns its data
/// only after its row is committed, but the rows of every read waiting at that moment share
/// one transaction: on SQLite's one writer, with `synchronous = FULL`, a commit per read
/// would cap every audited list at the disk's flushes per second.
#[derive(Clone)]
pub(crate) struct Sink {
    jobs: tokio::sync::mpsc::UnboundedSender<Job>,
}

/// Most reads' rows in one transaction.
const GROUP_MAX: usize = 512;

impl Sink {
    /// Starts the writer task on the current runtime.
    pub(crate) fn start(pool: sqlx::AnyPool, dialect: crate::Dialect) -> Sink {
        let (jobs, mut queue) = tokio::sync::mpsc::unbounded_channel::<Job>();
        tokio::spawn(async move {
            while let Some(first) = queue.recv().await {
                let mut group = vec![first];
                while group.len() < GROUP_MAX {
                    match queue.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                let (done, work): (Vec<_>, Vec<_>) = group
                    .into_iter()
                    .map(|j| (j.done, (j.at_s, j.pending)))
                    .unzip();
                let result = write_group(&pool, dialect, work)
                    .await
                    .map_err(|e| e.to_string());
                for d in done {
                    let _ = d.send(result.clone());
                }
            }
        });
        Sink { jobs }
    }

    /// Writes a read's rows; returns once they are committed.
    pub(crate) async fn write(&self, at_s: i64, pending: Pending) -> Result<()> {
        let (done, committed) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job {
                at_s,
                pending,
                done,
            })
            .map_err(|_| StoreError::Audit("the audit writer has stopped".into()))?;
        committed
            .await
            .map_err(|_| StoreError::Audit("the audit writer has stopped".into()))?
            .map_err(StoreError::Audit)
    }
}

async fn write_group(
    pool: &sqlx::AnyPool,
    dialect: crate::Dialect,
    work: Vec<(i64, Pending)>,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    for (at_s, pending) in work {
        match pending {
            Pending::Rows(rows) => append(&mut tx, dialect, rows, at_s).await?,
            Pending::List(list) => append_list(&mut tx, dialect, list, at_s).await?,
        };
    }
    tx.commit().await?;
    Ok(())
}
