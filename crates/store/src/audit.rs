//! The audit log: who read or changed which personal record, and when. Rows are only ever
//! appended, in the same transaction as the change (or right after the read) they record,
//! so data never leaves the store without its trace.

use chrono::{DateTime, Utc};
use sqlx::Row;

use domain::UserId;

use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{insert_rows, Sql, Val};
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
}

pub(crate) async fn append(
    conn: &mut sqlx::AnyConnection,
    dialect: crate::Dialect,
    entries: impl IntoIterator<Item = AuditEntry>,
    now_s: i64,
) -> Result<u64> {
    Ok(insert_rows(
        conn,
        dialect,
        "audit_log",
        &[
            "at_s",
            "user_id",
            "actor",
            "action",
            "entity",
            "entity_id",
            "detail",
        ],
        entries.into_iter().map(|e| {
            vec![
                Val::Int(now_s),
                Val::OptInt(e.user.map(|u| u.0)),
                Val::Text(e.actor),
                Val::Text(e.action.as_str().into()),
                Val::Text(e.entity.into()),
                Val::Text(e.entity_id),
                Val::OptText(e.detail),
            ]
        }),
    )
    .await?)
}

impl Store {
    /// Newest first; optionally only one record's trail (`entity`, `entity_id`).
    pub async fn list_audit(
        &self,
        record: Option<(&str, &str)>,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT id, at_s, user_id, actor, action, entity, entity_id, detail FROM audit_log WHERE 1 = 1",
        );
        if let Some((entity, id)) = record {
            sql.push(" AND entity = ").bind(Val::Text(entity.into()));
            sql.push(" AND entity_id = ").bind(Val::Text(id.into()));
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
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |a| {
            Cursor::new(vec![a.id.to_string()])
        }))
    }
}
