//! Records shared for view between linked localities (issue #17, "What travels" 3): the
//! store's part (migration 0043). `shares` are the cases we shared out; `shared_in` the
//! copies others shared with us, kept apart from our own persons and cases (they are not our
//! records). The writes take the caller's transaction: a share is written with its message
//! (`Store::enqueue_in`), a received one in the transaction that records its receipt
//! (`Store::receive`).

use sqlx::any::AnyRow;
use sqlx::Row;

use domain::share::Pseudonymisation;
use domain::CaseId;

use crate::audit::{self, AuditAction, AuditEntry};
use crate::link::LinkTx;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// A case we shared out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareOut {
    pub id: i64,
    pub case_id: CaseId,
    pub to_locality: String,
    pub choices: Pseudonymisation,
    pub created_at_s: i64,
    pub created_by: String,
    pub revoked_at_s: Option<i64>,
    pub revoked_by: Option<String>,
}

/// A copy another locality shared with us. `body` is `None` once revoked.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedIn {
    pub id: i64,
    pub from_locality: String,
    pub share_id: i64,
    pub body: Option<serde_json::Value>,
    pub received_at_s: i64,
    pub revoked_at_s: Option<i64>,
    pub revoked_by: Option<String>,
}

fn share_from_row(r: &AnyRow) -> Result<ShareOut> {
    let choices: String = r.try_get("choices")?;
    Ok(ShareOut {
        id: r.try_get("id")?,
        case_id: CaseId(r.try_get("case_id")?),
        to_locality: r.try_get("to_locality")?,
        choices: Pseudonymisation::from_text(&choices)
            .map_err(|_| StoreError::Corrupt("shares.choices".into()))?,
        created_at_s: r.try_get("created_at_s")?,
        created_by: r.try_get("created_by")?,
        revoked_at_s: r.try_get("revoked_at_s")?,
        revoked_by: r.try_get("revoked_by")?,
    })
}

fn shared_in_from_row(r: &AnyRow) -> Result<SharedIn> {
    let body: Option<String> = r.try_get("body")?;
    Ok(SharedIn {
        id: r.try_get("id")?,
        from_locality: r.try_get("from_locality")?,
        share_id: r.try_get("share_id")?,
        body: body
            .map(|b| serde_json::from_str(&b))
            .transpose()
            .map_err(|_| StoreError::Corrupt("shared_in.body".into()))?,
        received_at_s: r.try_get("received_at_s")?,
        revoked_at_s: r.try_get("revoked_at_s")?,
        revoked_by: r.try_get("revoked_by")?,
    })
}

const SHARE_COLUMNS: &str =
    "id, case_id, to_locality, choices, created_at_s, created_by, revoked_at_s, revoked_by";
const SHARED_IN_COLUMNS: &str =
    "id, from_locality, share_id, body, received_at_s, revoked_at_s, revoked_by";

fn entry(
    caller: &Caller,
    action: AuditAction,
    entity: &'static str,
    id: i64,
    detail: String,
) -> AuditEntry {
    AuditEntry {
        user: (caller.user.id.0 > 0).then_some(caller.user.id),
        actor: caller.user.username.clone(),
        action,
        entity,
        entity_id: id.to_string(),
        detail: Some(detail),
    }
}

impl Store {
    /// Records that `case` is shared with `to` under `choices`, in the caller's transaction
    /// (the one its message is enqueued in); audited on the case. Answers the share's id.
    pub async fn insert_share_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        case: CaseId,
        to: &str,
        choices: Pseudonymisation,
        now_s: i64,
    ) -> Result<i64> {
        let id: i64 = sqlx::query(
            "INSERT INTO shares (case_id, to_locality, choices, created_at_s, created_by)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(case.0)
        .bind(to)
        .bind(choices.to_text())
        .bind(now_s)
        .bind(&caller.user.username)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        let detail = format!(
            "shared for view with {to} as share {id} ({})",
            choices.to_text()
        );
        audit::append(
            tx,
            self.dialect,
            [entry(caller, AuditAction::Update, "case", case.0, detail)],
            now_s,
        )
        .await?;
        Ok(id)
    }

    /// Share `id` as recorded (whoever asks: the app checks the case's scope).
    pub async fn share_out(&self, id: i64) -> Result<Option<ShareOut>> {
        sqlx::query(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .as_ref()
            .map(share_from_row)
            .transpose()
    }

    /// The shares of `case`, oldest first.
    pub async fn shares_of_case(&self, case: CaseId) -> Result<Vec<ShareOut>> {
        sqlx::query(&format!(
            "SELECT {SHARE_COLUMNS} FROM shares WHERE case_id = $1 ORDER BY id"
        ))
        .bind(case.0)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(share_from_row)
        .collect()
    }

    /// Marks share `id` revoked in the caller's transaction (with its message); audited on
    /// the case. False: already revoked (nothing written).
    pub async fn revoke_share_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        share: &ShareOut,
        now_s: i64,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE shares SET revoked_at_s = $1, revoked_by = $2
             WHERE id = $3 AND revoked_at_s IS NULL",
        )
        .bind(now_s)
        .bind(&caller.user.username)
        .bind(share.id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        let detail = format!("share {} with {} revoked", share.id, share.to_locality);
        audit::append(
            tx,
            self.dialect,
            [entry(
                caller,
                AuditAction::Update,
                "case",
                share.case_id.0,
                detail,
            )],
            now_s,
        )
        .await?;
        Ok(true)
    }

    /// Keeps the copy `from` shared as its share `share_id` (replacing an earlier version of
    /// it), in the receiving transaction. A copy revoked stays revoked (the link's seqs
    /// already make a later update stale; this holds even without them).
    pub async fn put_shared_in_in(
        &self,
        tx: &mut LinkTx,
        from: &str,
        share_id: i64,
        body: &serde_json::Value,
        now_s: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO shared_in (from_locality, share_id, body, received_at_s)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (from_locality, share_id) DO UPDATE
                 SET body = excluded.body, received_at_s = excluded.received_at_s
                 WHERE shared_in.revoked_at_s IS NULL",
        )
        .bind(from)
        .bind(share_id)
        .bind(body.to_string())
        .bind(now_s)
        .execute(&mut **tx)
        .await?;
        audit::append(
            tx,
            self.dialect,
            [AuditEntry {
                user: None,
                actor: format!("link:{from}"),
                action: AuditAction::Create,
                entity: "shared_in",
                entity_id: format!("{from}:{share_id}"),
                detail: None,
            }],
            now_s,
        )
        .await?;
        Ok(())
    }

    /// Deletes the copy of `from`'s share `share_id`, keeping only that it was revoked, when
    /// and by whom (`by`); a revoke of a share never received is kept the same way.
    pub async fn revoke_shared_in_in(
        &self,
        tx: &mut LinkTx,
        from: &str,
        share_id: i64,
        by: &str,
        now_s: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO shared_in (from_locality, share_id, body, received_at_s, revoked_at_s,
                                    revoked_by)
             VALUES ($1, $2, NULL, $3, $3, $4)
             ON CONFLICT (from_locality, share_id) DO UPDATE
                 SET body = NULL, revoked_at_s = excluded.revoked_at_s,
                     revoked_by = excluded.revoked_by
                 WHERE shared_in.revoked_at_s IS NULL",
        )
        .bind(from)
        .bind(share_id)
        .bind(now_s)
        .bind(by)
        .execute(&mut **tx)
        .await?;
        audit::append(
            tx,
            self.dialect,
            [AuditEntry {
                user: None,
                actor: format!("link:{from}"),
                action: AuditAction::Delete,
                entity: "shared_in",
                entity_id: format!("{from}:{share_id}"),
                detail: Some(format!("revoked by {by}")),
            }],
            now_s,
        )
        .await?;
        Ok(())
    }

    /// The copies shared with us, newest first, revoked ones included (without body); each
    /// listed copy is audited (the app checks the caller may read cases).
    ///
    /// Only the copies `visible` keeps are returned and audited: the caller's scope is the
    /// app's to judge from the copy's residence.
    pub async fn shared_in_list(
        &self,
        caller: &Caller,
        now_s: i64,
        visible: impl Fn(&SharedIn) -> bool,
    ) -> Result<Vec<SharedIn>> {
        let mut conn = self.reader.acquire().await?;
        let items = sqlx::query(&format!(
            "SELECT {SHARED_IN_COLUMNS} FROM shared_in ORDER BY received_at_s DESC, id DESC"
        ))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(shared_in_from_row)
        .filter(|s| s.as_ref().map_or(true, &visible))
        .collect::<Result<Vec<_>>>()?;
        let entries: Vec<AuditEntry> = items
            .iter()
            .filter(|s| s.body.is_some())
            .map(|s| {
                entry(
                    caller,
                    AuditAction::List,
                    "shared_in",
                    s.id,
                    s.from_locality.clone(),
                )
            })
            .collect();
        if !entries.is_empty() {
            self.audit_read(conn, now_s, audit::Pending::Rows(entries))
                .await?;
        }
        Ok(items)
    }

    /// Copy `id` shared with us (revoked: without body), audited as read; `None` also when
    /// `visible` does not keep it (not in the caller's scope).
    pub async fn shared_in_get(
        &self,
        caller: &Caller,
        id: i64,
        now_s: i64,
        visible: impl Fn(&SharedIn) -> bool,
    ) -> Result<Option<SharedIn>> {
        let mut conn = self.reader.acquire().await?;
        let found = sqlx::query(&format!(
            "SELECT {SHARED_IN_COLUMNS} FROM shared_in WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(shared_in_from_row)
        .transpose()?
        .filter(&visible);
        if let Some(s) = found.as_ref().filter(|s| s.body.is_some()) {
            let e = entry(
                caller,
                AuditAction::Read,
                "shared_in",
                s.id,
                s.from_locality.clone(),
            );
            self.audit_read(conn, now_s, audit::Pending::Rows(vec![e]))
                .await?;
        }
        Ok(found)
    }
}
