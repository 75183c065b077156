//! Aid between localities (the ledger, its totals and the thank-you letters) and relief of
//! lockdown zones. Gifts are scoped by both ends: a caller sees a gift when the donor or the
//! recipient lies in its jurisdiction.

mod cooperation;
mod ledger;
mod letters;
mod needs;
mod relief;

pub use cooperation::{
    Activity, Agreement, Campaign, CampaignTask, Commendation, Commitment, NewActivity,
    NewAgreement, NewCampaign,
};
pub use ledger::{
    path_has, Advance, AidFilter, AidTotals, Donation, DonationDetail, Flow, GoodsRow,
    IncomingGift, LinkedGift, NewDonation, NewOrg, Party, PartyRef, PartySel, PreparedDonation,
    Receipt, RemoteParty, RemoteReceipt, StatusStep, GOODS_LINES_MAX,
};
pub use letters::LetterSent;
pub use needs::{Need, NewNeed, RemoteNeed};
pub use relief::{NewRound, NewZone, RoundProgress, ZoneProgress, ZoneUnit};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Dialect, Result};

/// Aid and cooperation are recorded in the structure of the COVID-19 years; foreign partners
/// are units of both structures.
pub(crate) const STRUCTURE: domain::Structure = domain::Structure::S2021;

/// `AND <t>structure = 2021 AND (<t>a in scope OR <t>b in scope)`: a record between two
/// parties is seen from either side.
pub(crate) fn push_either(sql: &mut Sql, caller: &Caller, t: &str, a: &str, b: &str) {
    sql.push(&format!(" AND {t}structure = "))
        .bind(Val::Text(STRUCTURE.as_str().into()));
    if caller.scope.is_everything() {
        return;
    }
    sql.push(" AND ((1 = 1");
    sql.push_scope(&format!("{t}{a}"), &caller.scope, STRUCTURE);
    sql.push(") OR (1 = 1");
    sql.push_scope(&format!("{t}{b}"), &caller.scope, STRUCTURE);
    sql.push("))");
}

/// Three columns that sum `col` over the rows whose value lies in 1..=`max` without any
/// possible overflow, and count the rows beyond (as an older version could have stored):
/// `SUM(col / 10^9)`, `SUM(col % 10^9)` and the count. A plain `SUM` of BIGINTs overflows
/// (SQLite raises "integer overflow", PostgreSQL's cast back to BIGINT fails) and one extreme
/// row would break every page that shows a total; the halves stay far inside a BIGINT for
/// billions of rows and are added in i128 by [`read_sum`]. `max` is a constant of
/// `domain::aid`, never input.
pub(crate) fn sum_sql(col: &str, max: i64) -> String {
    let ok = format!("{col} BETWEEN 1 AND {max}");
    format!(
        "CAST(SUM(CASE WHEN {ok} THEN {col} / 1000000000 END) AS BIGINT), \
         CAST(SUM(CASE WHEN {ok} THEN {col} % 1000000000 END) AS BIGINT), \
         CAST(SUM(CASE WHEN {col} IS NULL OR {ok} THEN 0 ELSE 1 END) AS BIGINT)"
    )
}

/// A sum read from the three columns of [`sum_sql`] starting at `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Summed {
    /// None when no row was in bounds, or the sum passes an i64 (`overflow`).
    pub sum: Option<i64>,
    /// Rows left out: beyond the bounds.
    pub left_out: i64,
    /// The rows in bounds sum past an i64: the sum cannot be given.
    pub overflow: bool,
}

impl Summed {
    /// Of `rows` summed, how many the sum leaves out: those beyond the bounds, or every row
    /// when the sum cannot be given.
    pub fn rows_left_out(&self, rows: i64) -> i64 {
        if self.overflow {
            rows
        } else {
            self.left_out
        }
    }
}

pub(crate) fn read_sum(r: &sqlx::any::AnyRow, first: usize) -> Result<Summed> {
    use sqlx::Row;
    let hi: Option<i64> = r.try_get(first)?;
    let lo: Option<i64> = r.try_get(first + 1)?;
    let left_out: Option<i64> = r.try_get(first + 2)?;
    let total = hi
        .zip(lo)
        .map(|(h, l)| i128::from(h) * 1_000_000_000 + i128::from(l));
    let sum = total.and_then(|t| i64::try_from(t).ok());
    Ok(Summed {
        sum,
        left_out: left_out.unwrap_or(0),
        overflow: total.is_some() && sum.is_none(),
    })
}

/// Appends the change's audit row in its transaction, then commits both.
pub(crate) async fn commit_audited(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    dialect: Dialect,
    entry: AuditEntry,
    now_s: i64,
) -> Result<()> {
    audit::append(&mut tx, dialect, [entry], now_s).await?;
    tx.commit().await?;
    Ok(())
}

/// A change the record's current state does not allow; the store changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The household already has this round's package (one per household per round).
    PackageAlreadyGiven,
    /// A gift's status may only move one step forward (pledged → dispatched → received →
    /// acknowledged).
    StatusStep,
    /// A case's status may not make this move (`CaseStatus::can_move_to`: only an active case
    /// changes; recovered and died are final).
    CaseStatus,
    /// A case's status change is dated before `not_before_s`: the latest entry of its
    /// history, or its confirmation, onset or outcome when later. The history is read in
    /// time order and the case's status is its last entry, so a change is never slipped in
    /// before one already recorded.
    CaseStatusTime { not_before_s: i64 },
}

pub(crate) fn audit_entry(
    caller: &Caller,
    action: AuditAction,
    entity: &'static str,
    id: impl std::fmt::Display,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        user: (caller.user.id.0 != 0).then_some(caller.user.id),
        actor: caller.user.username.clone(),
        action,
        entity,
        entity_id: id.to_string(),
        detail,
    }
}
