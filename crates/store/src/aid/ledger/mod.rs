//! The aid ledger: organisations, gifts of money and goods, their status history, exchange
//! rates, totals and donor → recipient flows.

mod fx;
mod gifts;
mod link;
mod parties;
mod reads;
mod totals;

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::aid::{AidStatus, GoodsLine, Money, PartyKind};
use domain::{DonationId, FieldError, OrgId, Reason, UnitCode, UnitPath};

use crate::{Result, StoreError};

pub use gifts::{Advance, PreparedDonation};
pub use link::{path_has, IncomingGift, LinkedGift, RemoteParty, RemoteReceipt};

/// Goods lines per gift, and flows on the summary: bounded like every list.
pub const GOODS_LINES_MAX: usize = 50;
const FLOWS_MAX: i64 = 500;

/// A donor or recipient as shown: kind, the unit code or organisation id, and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub kind: PartyKind,
    pub code_or_id: String,
    pub name: String,
}

/// A donor or recipient as given in input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyRef {
    pub kind: PartyKind,
    /// A unit code for a locality, an organisation id otherwise.
    pub code_or_id: String,
}

/// A filter on one end of gifts: a unit and everything in it (organisations of that
/// locality included), or one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartySel {
    Unit(UnitCode),
    Org(OrgId),
}

#[derive(Debug, Clone, Default)]
pub struct AidFilter {
    pub donor: Option<PartySel>,
    pub recipient: Option<PartySel>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodsRow {
    pub item: String,
    pub quantity: i64,
    pub unit: String,
    pub received_quantity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Donation {
    pub id: DonationId,
    pub donor: Party,
    pub recipient: Party,
    pub status: AidStatus,
    pub money: Option<Money>,
    pub received_money_minor: Option<i64>,
    pub goods: Vec<GoodsRow>,
    pub on_date: NaiveDate,
    pub source: String,
    pub source_quote: Option<String>,
    pub note: Option<String>,
}

impl Donation {
    /// Money pledged but not confirmed received (0 when all arrived), once received.
    pub fn money_shortfall_minor(&self) -> Option<i64> {
        self.money?
            .amount_minor
            .checked_sub(self.received_money_minor?)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusStep {
    pub at_s: i64,
    pub status: AidStatus,
    pub actor: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonationDetail {
    pub donation: Donation,
    pub history: Vec<StatusStep>,
    pub letters: Vec<super::LetterSent>,
}

#[derive(Debug, Clone)]
pub struct NewDonation {
    pub donor: PartyRef,
    pub recipient: PartyRef,
    pub money: Option<Money>,
    pub goods: Vec<GoodsLine>,
    pub on_date: NaiveDate,
    /// Recording a gift already on its way or delivered writes every step up to it.
    pub status: AidStatus,
    pub source: String,
    pub source_quote: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewOrg {
    pub kind: PartyKind,
    pub name: String,
    pub unit: UnitCode,
}

/// What the recipient confirms on receipt: the money and the quantities that arrived
/// (absent: all of it).
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    pub money_minor: Option<i64>,
    /// (item slug, quantity received).
    pub goods: Vec<(String, i64)>,
}

/// Sums in scope: per currency, per item, and the number of gifts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AidTotals {
    pub donations: i64,
    pub money: Vec<Money>,
    /// (item, unit, quantity).
    pub goods: Vec<(String, String, i64)>,
    /// Amounts and goods lines left out of the sums: beyond the bounds of `domain::aid` (as
    /// an older version could store), or a sum past an i64. Not zero: the sums are incomplete
    /// and must say so.
    pub left_out: i64,
}

/// Gifts from one donor to the localities of one province or partner country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub donor: Party,
    /// The first unit of the recipients' paths: a province, or a partner country.
    pub recipient_root: UnitCode,
    pub recipient_root_name: String,
    pub recipients: i64,
    pub donations: i64,
    pub money: Vec<Money>,
    pub goods: Vec<(String, String, i64)>,
    /// Amounts and goods lines left out of the sums (see `AidTotals::left_out`).
    pub left_out: i64,
}

/// A resolved end of a gift: what is stored about it.
struct Resolved {
    party: Party,
    path: UnitPath,
    root: String,
}

const DONATION_COLUMNS: &str = "id, donor_kind, donor_ref, donor_name, recipient_kind, \
     recipient_ref, recipient_name, status, money_minor, money_currency, received_money_minor, \
     on_date, source, source_quote, note";

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

fn root_of(path: &UnitPath) -> String {
    path.as_str()
        .split('/')
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_string()
}

pub(crate) fn parse_date(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(what.into()))
}

fn money(currency: &str, amount_minor: i64) -> Result<Money> {
    Ok(Money {
        amount_minor,
        currency: currency
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("currency {currency:?}")))?,
    })
}

fn donation_from_row(r: &AnyRow) -> Result<Donation> {
    let corrupt = |w: &str| StoreError::Corrupt(format!("aid_donations.{w}"));
    let party = |k: &str, rf: &str, n: &str| -> Result<Party> {
        let kind: String = r.try_get(k)?;
        Ok(Party {
            kind: kind.parse().map_err(|_| corrupt(k))?,
            code_or_id: r.try_get(rf)?,
            name: r.try_get(n)?,
        })
    };
    let status: String = r.try_get("status")?;
    let m: Option<i64> = r.try_get("money_minor")?;
    let c: Option<String> = r.try_get("money_currency")?;
    Ok(Donation {
        id: DonationId::new(r.try_get("id")?),
        donor: party("donor_kind", "donor_ref", "donor_name")?,
        recipient: party("recipient_kind", "recipient_ref", "recipient_name")?,
        status: status.parse().map_err(|_| corrupt("status"))?,
        money: match (m, c) {
            (Some(m), Some(c)) => Some(money(&c, m)?),
            _ => None,
        },
        received_money_minor: r.try_get("received_money_minor")?,
        goods: Vec::new(),
        on_date: parse_date(&r.try_get::<String, _>("on_date")?, "aid_donations.on_date")?,
        source: r.try_get("source")?,
        source_quote: r.try_get("source_quote")?,
        note: r.try_get("note")?,
    })
}
