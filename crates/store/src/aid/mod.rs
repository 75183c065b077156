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
    AidFilter, AidTotals, Donation, DonationDetail, Flow, GoodsRow, NewDonation, NewOrg, Party,
    PartyRef, PartySel, Receipt, StatusStep, GOODS_LINES_MAX,
};
pub use letters::LetterSent;
pub use needs::{Need, NewNeed};
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
