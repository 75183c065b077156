//! Aid between localities (the ledger, its totals and the thank-you letters) and relief of
//! lockdown zones. Gifts are scoped by both ends: a caller sees a gift when the donor or the
//! recipient lies in its jurisdiction.

mod ledger;
mod letters;
mod relief;

pub use ledger::{
    AidFilter, AidTotals, Donation, DonationDetail, Flow, GoodsRow, NewDonation, NewOrg, Party,
    PartyRef, PartySel, Receipt, StatusStep, GOODS_LINES_MAX,
};
pub use letters::LetterSent;
pub use relief::{NewRound, NewZone, RoundProgress, ZoneProgress};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::users::Caller;
use crate::{Dialect, Result};

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
}

pub(crate) fn audit_entry(
    caller: &Caller,
    action: AuditAction,
    entity: &'static str,
    id: i64,
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
