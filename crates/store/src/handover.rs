//! Hand-over of a case between linked localities (issue #17, "What travels" 2): the store's
//! part. The `handovers` table (migration 0041) keeps one row per hand-over on each side:
//! `out` at the sender, `in` at the receiver. The writes that go with a message take the
//! caller's transaction (`Store::enqueue_in` writes the message in it; `Store::receive`
//! applies a received one in it); on SQLite that transaction holds the one writing
//! connection, so nothing here that takes a transaction reads through the pool.

use sqlx::Row;

use domain::CaseId;

use crate::audit::{self, AuditAction, AuditEntry};
use crate::link::LinkTx;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// Which side of a hand-over a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverDirection {
    /// We handed our case over.
    Out,
    /// A case was offered to us.
    In,
}

impl HandoverDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverDirection::Out => "out",
            HandoverDirection::In => "in",
        }
    }
}

/// Where a hand-over stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverStatus {
    Pending,
    Accepted,
    Rejected,
    Withdrawn,
}

impl HandoverStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverStatus::Pending => "pending",
            HandoverStatus::Accepted => "accepted",
            HandoverStatus::Rejected => "rejected",
            HandoverStatus::Withdrawn => "withdrawn",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => HandoverStatus::Pending,
            "accepted" => HandoverStatus::Accepted,
            "rejected" => HandoverStatus::Rejected,
            "withdrawn" => HandoverStatus::Withdrawn,
            _ => return Err(StoreError::Corrupt(format!("handovers.status {s:?}"))),
        })
    }
}

/// A stored hand-over.
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    pub id: i64,
    pub direction: HandoverDirection,
    /// The other locality's code.
    pub peer: String,
    /// `in`: the sender's hand-over id.
    pub remote_id: Option<i64>,
    /// The sender's record key, `case:<code>:<case id>`.
    pub record_key: String,
    /// `out`: our case handed over; `in`: the case the accepted Bundle became here.
    pub case_id: Option<i64>,
    pub status: HandoverStatus,
    pub reason: String,
    pub answer_reason: Option<String>,
    /// `in`, not rejected nor withdrawn: the FHIR Bundle offered (JSON).
    pub bundle: Option<String>,
    pub created_at_s: i64,
    pub answered_at_s: Option<i64>,
}

const COLUMNS: &str = "id, direction, peer, remote_id, record_key, case_id, status, reason,
     answer_reason, bundle, created_at_s, answered_at_s";

fn row_of(r: &sqlx::any::AnyRow) -> Result<Handover> {
    let direction: String = r.try_get(1)?;
    let status: String = r.try_get(6)?;
    Ok(Handover {
        id: r.try_get(0)?,
        direction: match direction.as_str() {
            "out" => HandoverDirection::Out,
            "in" => HandoverDirection::In,
            d => return Err(StoreError::Corrupt(format!("handovers.direction {d:?}"))),
        },
        peer: r.try_get(2)?,
        remote_id: r.try_get(3)?,
        record_key: r.try_get(4)?,
        case_id: r.try_get(5)?,
        status: HandoverStatus::parse(&status)?,
        reason: r.try_get(7)?,
        answer_reason: r.try_get(8)?,
        bundle: r.try_get(9)?,
        created_at_s: r.try_get(10)?,
        answered_at_s: r.try_get(11)?,
    })
}

async fn audit_in(
    store: &Store,
    tx: &mut LinkTx,
    caller: &Caller,
    action: AuditAction,
    id: i64,
    detail: String,
    now_s: i64,
) -> Result<()> {
    audit::append(
        tx,
        store.dialect,
        [AuditEntry {
            user: (caller.user.id.0 > 0).then_some(caller.user.id),
            actor: caller.user.username.clone(),
            action,
            entity: "handover",
            entity_id: id.to_string(),
            detail: Some(detail),
        }],
        now_s,
    )
    .await?;
    Ok(())
}

impl Store {
    /// Hand-over `id`, either side.
    pub async fn handover(&self, id: i64) -> Result<Option<Handover>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM handovers WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_of).transpose()
    }

    /// [`Store::handover`] in the caller's transaction.
    pub async fn handover_in(&self, tx: &mut LinkTx, id: i64) -> Result<Option<Handover>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM handovers WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        row.as_ref().map(row_of).transpose()
    }

    /// The hand-overs of one side (or both), newest first, at most `limit`.
    pub async fn handovers(
        &self,
        direction: Option<HandoverDirection>,
        limit: i64,
    ) -> Result<Vec<Handover>> {
        // Both sides: a direction no row has, negated (no NULL parameter to type).
        let (op, d) = match direction {
            Some(d) => ("=", d.as_str()),
            None => ("<>", "none"),
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM handovers WHERE direction {op} $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(d)
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_of).collect()
    }

    /// The open hand-over of our case `case` (pending or accepted), if any: a case with one
    /// is not handed over again.
    pub async fn open_handover_of(&self, case: CaseId) -> Result<Option<Handover>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM handovers
             WHERE direction = 'out' AND case_id = $1 AND status IN ('pending', 'accepted')"
        ))
        .bind(case.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_of).transpose()
    }

    /// The locality our case `case` was handed over to, once accepted there: the case is
    /// read-only here from then on.
    pub async fn case_handed_over_to(&self, case: CaseId) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT peer FROM handovers
             WHERE direction = 'out' AND case_id = $1 AND status = 'accepted'",
        )
        .bind(case.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Records our hand-over of `case` to `to` (pending) in the caller's transaction, where
    /// its offer is enqueued; audited. `Conflict`-free: a case with an open hand-over is
    /// refused by the unique index (`Invalid` on `case`).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_handover_out_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        case: CaseId,
        to: &str,
        record_key: &str,
        reason: &str,
        now_s: i64,
    ) -> Result<i64> {
        let open = sqlx::query(
            "SELECT id FROM handovers
             WHERE direction = 'out' AND case_id = $1 AND status IN ('pending', 'accepted')",
        )
        .bind(case.0)
        .fetch_optional(&mut **tx)
        .await?;
        if open.is_some() {
            return Err(StoreError::Invalid(vec![domain::FieldError::new(
                "case",
                domain::Reason::Duplicate,
            )]));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO handovers (direction, peer, record_key, case_id, status, reason,
                 created_at_s, created_by)
             VALUES ('out', $1, $2, $3, 'pending', $4, $5, $6) RETURNING id",
        )
        .bind(to)
        .bind(record_key)
        .bind(case.0)
        .bind(reason)
        .bind(now_s)
        .bind((caller.user.id.0 > 0).then_some(caller.user.id.0))
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        audit_in(
            self,
            tx,
            caller,
            AuditAction::Create,
            id,
            format!("case {} handed over to {to}: {reason}", case.0),
            now_s,
        )
        .await?;
        Ok(id)
    }

    /// An offer received from `from` (its hand-over `remote_id`), kept pending with its
    /// Bundle; audited. False: that offer was taken in before (nothing changes).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_handover_in_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        from: &str,
        remote_id: i64,
        record_key: &str,
        reason: &str,
        bundle: &str,
        now_s: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "INSERT INTO handovers (direction, peer, remote_id, record_key, status, reason,
                 bundle, created_at_s)
             VALUES ('in', $1, $2, $3, 'pending', $4, $5, $6)
             ON CONFLICT (peer, remote_id) WHERE direction = 'in' DO NOTHING
             RETURNING id",
        )
        .bind(from)
        .bind(remote_id)
        .bind(record_key)
        .bind(reason)
        .bind(bundle)
        .bind(now_s)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let id: i64 = row.try_get(0)?;
        audit_in(
            self,
            tx,
            caller,
            AuditAction::Create,
            id,
            format!("offered by {from} as {record_key}: {reason}"),
            now_s,
        )
        .await?;
        Ok(true)
    }

    /// The received offer `remote_id` of `from` withdrawn, if still pending (its Bundle
    /// dropped); audited. None: no such offer; Some(status): where it stands now (an offer
    /// accepted before the withdrawal came stays accepted).
    pub async fn withdraw_handover_in_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        from: &str,
        remote_id: i64,
        now_s: i64,
    ) -> Result<Option<HandoverStatus>> {
        let n = sqlx::query(
            "UPDATE handovers SET status = 'withdrawn', bundle = NULL, answered_at_s = $1
             WHERE direction = 'in' AND peer = $2 AND remote_id = $3 AND status = 'pending'",
        )
        .bind(now_s)
        .bind(from)
        .bind(remote_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        let row = sqlx::query(
            "SELECT id, status FROM handovers WHERE direction = 'in' AND peer = $1 AND remote_id = $2",
        )
        .bind(from)
        .bind(remote_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (id, status): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
        if n > 0 {
            audit_in(
                self,
                tx,
                caller,
                AuditAction::Update,
                id,
                format!("withdrawn by {from}"),
                now_s,
            )
            .await?;
        }
        Ok(Some(HandoverStatus::parse(&status)?))
    }

    /// Moves hand-over `id` from `from` to `to` in the caller's transaction, with the
    /// answer's reason and (accepted here) the case taken in; a rejection drops the Bundle.
    /// Audited. False: it was not in `from` (nothing written).
    #[allow(clippy::too_many_arguments)]
    pub async fn set_handover_status_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        id: i64,
        from: HandoverStatus,
        to: HandoverStatus,
        answer_reason: Option<&str>,
        case_id: Option<i64>,
        now_s: i64,
    ) -> Result<bool> {
        let keep_bundle = to == HandoverStatus::Accepted;
        let n = sqlx::query(
            "UPDATE handovers SET status = $1, answer_reason = $2,
                 case_id = COALESCE($3, case_id), answered_at_s = $4,
                 bundle = CASE WHEN $5 THEN bundle ELSE NULL END
             WHERE id = $6 AND status = $7",
        )
        .bind(to.as_str())
        .bind(answer_reason)
        .bind(case_id)
        .bind(now_s)
        .bind(keep_bundle)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        audit_in(
            self,
            tx,
            caller,
            AuditAction::Update,
            id,
            format!(
                "{} → {}{}",
                from.as_str(),
                to.as_str(),
                answer_reason.map(|r| format!(": {r}")).unwrap_or_default()
            ),
            now_s,
        )
        .await?;
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    /// The answer of `from` to our hand-over `id` (about `record_key`), in the receiving transaction: accepted
    /// stands whatever the row's state (an acceptance made before our withdrawal arrived
    /// there stands); rejected closes a pending one (a withdrawn one stays withdrawn).
    /// False: no such hand-over of ours to `from` (nothing written).
    pub async fn answer_handover_out_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        from: &str,
        record_key: &str,
        id: i64,
        accepted: bool,
        reason: Option<&str>,
        now_s: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT status FROM handovers
             WHERE id = $1 AND direction = 'out' AND peer = $2 AND record_key = $3",
        )
        .bind(id)
        .bind(from)
        .bind(record_key)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let status = HandoverStatus::parse(&row.try_get::<String, _>(0)?)?;
        let to = match (accepted, status) {
            (true, HandoverStatus::Accepted) | (false, HandoverStatus::Rejected) => {
                return Ok(true)
            }
            (true, _) => HandoverStatus::Accepted,
            (false, HandoverStatus::Pending) => HandoverStatus::Rejected,
            // A rejection of an offer we withdrew (or one accepted before: not possible
            // from one receiver, whose answers are in order) changes nothing.
            (false, _) => return Ok(true),
        };
        self.set_handover_status_in(tx, caller, id, status, to, reason, None, now_s)
            .await
    }
}
