//! The aid ledger: organisations, gifts of money and goods, their status history, exchange
//! rates, totals and donor → recipient flows.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::aid::{
    AidStatus, Currency, FxRate, GoodsLine, Money, PartyKind, MAX_AMOUNT_MINOR, MAX_QUANTITY,
};
use domain::{FieldError, Reason, UnitCode, UnitPath};

use super::{
    audit_entry, commit_audited, push_either, read_sum, sum_sql, Refusal, Summed, STRUCTURE,
};
use crate::audit::{self, AuditAction};
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{insert_rows, Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

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
    Org(i64),
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
    pub id: i64,
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

/// Logs what a sum left out, once per query, so that an operator can find the rows.
fn log_left_out(what: &str, key: &str, s: &Summed) {
    if s.left_out > 0 {
        tracing::warn!(
            "aid sums: {} {what} row(s) of {key} lie beyond the bounds of domain::aid and are left out",
            s.left_out
        );
    }
    if s.overflow {
        tracing::warn!("aid sums: the {what} of {key} pass an i64 and are left out");
    }
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

impl Store {
    /// Registers an organisation of a locality (or returns the one with the same kind,
    /// locality and name).
    pub async fn add_aid_org(&self, caller: &Caller, new: &NewOrg, now_s: i64) -> Result<i64> {
        if new.kind == PartyKind::Locality {
            return Err(invalid("kind", Reason::UnknownValue));
        }
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("name", Reason::OutOfRange));
        }
        let unit = self
            .unit_unscoped(STRUCTURE, &new.unit)
            .await?
            .ok_or_else(|| invalid("unit", Reason::NotFound))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO aid_orgs (kind, name, structure, unit_code, unit_path, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (kind, structure, unit_code, name) DO NOTHING",
        )
        .bind(new.kind.as_str())
        .bind(name)
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(now_s)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query(
            "SELECT id FROM aid_orgs WHERE kind = $1 AND structure = $2 AND unit_code = $3 AND name = $4",
        )
        .bind(new.kind.as_str())
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(name)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "aid_org", id, None),
            now_s,
        )
        .await?;
        Ok(id)
    }

    async fn resolve_party(&self, field: &str, r: &PartyRef) -> Result<Resolved> {
        let not_found = || invalid(&format!("{field}.code_or_id"), Reason::NotFound);
        if r.kind == PartyKind::Locality {
            let code = UnitCode::parse(&r.code_or_id)
                .map_err(|e| invalid(&format!("{field}.code_or_id"), e))?;
            let unit = self
                .unit_unscoped(STRUCTURE, &code)
                .await?
                .ok_or_else(not_found)?;
            return Ok(Resolved {
                root: root_of(&unit.path),
                party: Party {
                    kind: r.kind,
                    code_or_id: unit.code.as_str().to_string(),
                    name: unit.name,
                },
                path: unit.path,
            });
        }
        let id: i64 = r.code_or_id.parse().map_err(|_| not_found())?;
        let row = sqlx::query("SELECT kind, name, unit_path FROM aid_orgs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(not_found)?;
        let kind: String = row.try_get(0)?;
        if kind != r.kind.as_str() {
            return Err(invalid(&format!("{field}.kind"), Reason::UnknownValue));
        }
        let path: String = row.try_get(2)?;
        let path =
            UnitPath::from_stored(&path).ok_or_else(|| StoreError::Corrupt("aid_orgs".into()))?;
        Ok(Resolved {
            root: root_of(&path),
            party: Party {
                kind: r.kind,
                code_or_id: id.to_string(),
                name: row.try_get(1)?,
            },
            path,
        })
    }

    /// Records a gift. The caller's jurisdiction must hold the donor or the recipient.
    pub async fn create_donation(
        &self,
        caller: &Caller,
        new: &NewDonation,
        now_s: i64,
    ) -> Result<i64> {
        let mut errors = Vec::new();
        if new.goods.len() > GOODS_LINES_MAX {
            errors.push(FieldError::new("goods", Reason::TooLong));
        }
        if new.money.is_none() && new.goods.is_empty() {
            errors.push(FieldError::new("money", Reason::Required));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let donor = self.resolve_party("donor", &new.donor).await;
        let recipient = self.resolve_party("recipient", &new.recipient).await;
        let (donor, recipient) = match (donor, recipient) {
            (Ok(d), Ok(r)) => (d, r),
            (d, r) => {
                for e in [d.err(), r.err()].into_iter().flatten() {
                    match e {
                        StoreError::Invalid(f) => errors.extend(f),
                        other => return Err(other),
                    }
                }
                return Err(StoreError::Invalid(errors));
            }
        };
        if donor.path == recipient.path && donor.party == recipient.party {
            return Err(invalid("recipient", Reason::Duplicate));
        }
        if !caller.scope.contains(STRUCTURE, &donor.path)
            && !caller.scope.contains(STRUCTURE, &recipient.path)
        {
            return Err(invalid("donor", Reason::OutOfScope));
        }
        let mut tx = self.pool.begin().await?;
        let created_by = (caller.user.id.0 != 0).then_some(caller.user.id.0);
        let id: i64 = sqlx::query(
            "INSERT INTO aid_donations (structure, donor_kind, donor_ref, donor_name, donor_path,
                 donor_root, recipient_kind, recipient_ref, recipient_name, recipient_path,
                 recipient_root, status, money_minor, money_currency, received_money_minor,
                 on_date, source, source_quote, note, created_at_s, created_by, updated_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $21, $20) RETURNING id",
        )
        .bind(STRUCTURE.as_str())
        .bind(donor.party.kind.as_str())
        .bind(&donor.party.code_or_id)
        .bind(&donor.party.name)
        .bind(donor.path.as_str())
        .bind(&donor.root)
        .bind(recipient.party.kind.as_str())
        .bind(&recipient.party.code_or_id)
        .bind(&recipient.party.name)
        .bind(recipient.path.as_str())
        .bind(&recipient.root)
        .bind(new.status.as_str())
        .bind(new.money.map(|m| m.amount_minor))
        .bind(new.money.map(|m| m.currency.code().to_string()))
        // Recorded as already received: everything arrived unless a receipt says otherwise.
        .bind(
            new.money
                .filter(|_| new.status >= AidStatus::Received)
                .map(|m| m.amount_minor),
        )
        .bind(new.on_date.to_string())
        .bind(&new.source)
        .bind(new.source_quote.clone())
        .bind(new.note.clone())
        .bind(now_s)
        .bind(created_by)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let received = new.status >= AidStatus::Received;
        // Rows are built before the insert: a borrowing iterator held across the await makes
        // the future not `Send` for every lifetime (axum handlers need that).
        let goods: Vec<Vec<Val>> = new
            .goods
            .iter()
            .enumerate()
            .map(|(i, g)| {
                vec![
                    Val::Int(id),
                    Val::Int(i as i64 + 1),
                    Val::Text(g.item.slug.into()),
                    Val::Int(g.quantity),
                    Val::Text(g.item.unit.into()),
                    Val::OptInt(received.then_some(g.quantity)),
                ]
            })
            .collect();
        let steps: Vec<Vec<Val>> = new
            .status
            .path()
            .map(|s| {
                vec![
                    Val::Int(id),
                    Val::Int(now_s),
                    Val::Text(s.as_str().into()),
                    Val::Text(caller.user.username.clone()),
                    Val::OptText((s == new.status).then(|| "recorded".to_string())),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            self.dialect,
            "aid_goods",
            &[
                "donation_id",
                "line_no",
                "item",
                "quantity",
                "unit",
                "received_quantity",
            ],
            goods,
        )
        .await?;
        insert_rows(
            &mut tx,
            self.dialect,
            "aid_status_history",
            &["donation_id", "at_s", "status", "actor", "note"],
            steps,
        )
        .await?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "aid_donation", id, None),
            now_s,
        )
        .await?;
        Ok(id)
    }

    /// Resolves a filter's unit codes to paths and appends it (with the caller's scope on
    /// either end) to `sql`; `t` is the donations table's alias.
    async fn push_aid_filter(
        &self,
        sql: &mut Sql,
        t: &str,
        caller: &Caller,
        f: &AidFilter,
    ) -> Result<()> {
        push_either(
            sql,
            caller,
            &format!("{t}."),
            "donor_path",
            "recipient_path",
        );
        for (field, end, sel) in [
            ("donor", "donor", &f.donor),
            ("recipient", "recipient", &f.recipient),
        ] {
            match sel {
                None => {}
                Some(PartySel::Org(id)) => {
                    sql.push(&format!(
                        " AND {t}.{end}_kind <> 'locality' AND {t}.{end}_ref = "
                    ))
                    .bind(Val::Text(id.to_string()));
                }
                Some(PartySel::Unit(code)) => {
                    let unit = self
                        .unit_unscoped(STRUCTURE, code)
                        .await?
                        .ok_or_else(|| invalid(field, Reason::NotFound))?;
                    sql.push(&format!(" AND {t}.{end}_path >= "))
                        .bind(Val::Text(unit.path.as_str().into()));
                    sql.push(&format!(" AND {t}.{end}_path < "))
                        .bind(Val::Text(unit.path.subtree_upper_bound()));
                }
            }
        }
        if let Some(d) = f.from {
            sql.push(&format!(" AND {t}.on_date >= "))
                .bind(Val::Text(d.to_string()));
        }
        if let Some(d) = f.to {
            sql.push(&format!(" AND {t}.on_date <= "))
                .bind(Val::Text(d.to_string()));
        }
        Ok(())
    }

    /// Newest gifts first, in the caller's scope.
    pub async fn list_donations(
        &self,
        caller: &Caller,
        filter: &AidFilter,
        page: &PageRequest,
    ) -> Result<Page<Donation>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {DONATION_COLUMNS} FROM aid_donations d WHERE 1 = 1"),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        if let Some(after) = &page.after {
            let [date, id] = after.expect(2)? else {
                return Err(StoreError::BadCursor);
            };
            NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| StoreError::BadCursor)?;
            let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND (d.on_date < ").bind(Val::Text(date.clone()));
            sql.push(" OR (d.on_date = ").bind(Val::Text(date.clone()));
            sql.push(" AND d.id < ").bind(Val::Int(id)).push("))");
        }
        let limit = page.limit();
        sql.push(" ORDER BY d.on_date DESC, d.id DESC LIMIT ")
            .bind(Val::Int(limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(donation_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.attach_goods(&mut items).await?;
        let page = Page::from_overfetch(items, limit, |d| {
            Cursor::new(vec![d.on_date.to_string(), d.id.to_string()])
        });
        // One row for the page, naming its gifts from or to individuals (issue #12, item 15).
        let individuals: Vec<i64> = page
            .items
            .iter()
            .filter(|d| {
                d.donor.kind == PartyKind::Individual || d.recipient.kind == PartyKind::Individual
            })
            .map(|d| d.id)
            .collect();
        let list = audit::AuditList::new(
            caller,
            "aid_donations",
            "",
            "aid_donation",
            individuals,
            None,
        );
        let mut conn = self.pool.acquire().await?;
        audit::append_list(&mut conn, self.dialect, list, crate::now_s()).await?;
        Ok(page)
    }

    /// A gift from or to an individual is personal data: its reads and listings are audited
    /// like a person's (at the system clock: these reads take no locality time).
    async fn audit_individuals(
        &self,
        caller: &Caller,
        action: AuditAction,
        items: &[Donation],
    ) -> Result<()> {
        let entries: Vec<_> = items
            .iter()
            .filter(|d| {
                d.donor.kind == PartyKind::Individual || d.recipient.kind == PartyKind::Individual
            })
            .map(|d| audit_entry(caller, action, "aid_donation", d.id, None))
            .collect();
        if !entries.is_empty() {
            let mut conn = self.pool.acquire().await?;
            audit::append(&mut conn, self.dialect, entries, crate::now_s()).await?;
        }
        Ok(())
    }

    async fn attach_goods(&self, items: &mut [Donation]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new(
            self.dialect,
            "SELECT donation_id, item, quantity, unit, received_quantity FROM aid_goods
             WHERE donation_id IN (",
        );
        for (i, d) in items.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Val::Int(d.id));
        }
        sql.push(") ORDER BY donation_id, line_no");
        let mut by_id: BTreeMap<i64, Vec<GoodsRow>> = BTreeMap::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            by_id.entry(r.try_get(0)?).or_default().push(GoodsRow {
                item: r.try_get(1)?,
                quantity: r.try_get(2)?,
                unit: r.try_get(3)?,
                received_quantity: r.try_get(4)?,
            });
        }
        for d in items {
            d.goods = by_id.remove(&d.id).unwrap_or_default();
        }
        Ok(())
    }

    /// A gift in scope with its history and letters, or None.
    pub async fn get_donation(&self, caller: &Caller, id: i64) -> Result<Option<DonationDetail>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {DONATION_COLUMNS} FROM aid_donations d WHERE d.id = "),
        );
        sql.bind(Val::Int(id));
        self.push_aid_filter(&mut sql, "d", caller, &AidFilter::default())
            .await?;
        let Some(row) = sql.query().fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let mut donation = [donation_from_row(&row)?];
        self.attach_goods(&mut donation).await?;
        self.audit_individuals(caller, AuditAction::Read, &donation)
            .await?;
        let [donation] = donation;
        let history = sqlx::query(
            "SELECT at_s, status, actor, note FROM aid_status_history
             WHERE donation_id = $1 ORDER BY at_s, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let status: String = r.try_get(1)?;
            Ok(StatusStep {
                at_s: r.try_get(0)?,
                status: status
                    .parse()
                    .map_err(|_| StoreError::Corrupt("aid_status_history.status".into()))?,
                actor: r.try_get(2)?,
                note: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let letters = self.letters_of(id).await?;
        Ok(Some(DonationDetail {
            donation,
            history,
            letters,
        }))
    }

    /// Moves a gift one step along its life. Only the donor's side dispatches; only the
    /// recipient's side confirms receipt (with what arrived) and acknowledges. None when the
    /// gift is not in scope; `Refused(StatusStep)` when the step is not the next one (also
    /// when another request moved it first).
    pub async fn advance_donation(
        &self,
        caller: &Caller,
        id: i64,
        to: AidStatus,
        receipt: Option<&Receipt>,
        note: Option<&str>,
        now_s: i64,
    ) -> Result<Option<AidStatus>> {
        let Some(detail) = self.get_donation(caller, id).await? else {
            return Ok(None);
        };
        let d = &detail.donation;
        if !d.status.can_move_to(to) {
            return Err(StoreError::Refused(Refusal::StatusStep));
        }
        // The side that takes the step must be in the caller's jurisdiction.
        let path_col = if to.taken_by_recipient() {
            "recipient_path"
        } else {
            "donor_path"
        };
        let path: String = sqlx::query(&format!(
            "SELECT {path_col} FROM aid_donations WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        let side = UnitPath::from_stored(&path)
            .ok_or_else(|| StoreError::Corrupt("aid_donations.path".into()))?;
        if !caller.scope.contains(STRUCTURE, &side) {
            return Err(invalid("status", Reason::OutOfScope));
        }
        let receipt = receipt.cloned().unwrap_or_default();
        if to != AidStatus::Received && (receipt.money_minor.is_some() || !receipt.goods.is_empty())
        {
            return Err(invalid("received", Reason::UnknownValue));
        }
        let mut errors = Vec::new();
        if let Some(m) = receipt.money_minor {
            if d.money.is_none_or(|p| m < 0 || m > p.amount_minor) {
                errors.push(FieldError::new("received.money_minor", Reason::OutOfRange));
            }
        }
        for (item, q) in &receipt.goods {
            match d.goods.iter().find(|g| &g.item == item) {
                Some(g) if (0..=g.quantity).contains(q) => {}
                Some(_) => errors.push(FieldError::new("received.goods", Reason::OutOfRange)),
                None => errors.push(FieldError::new("received.goods", Reason::NotFound)),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE aid_donations SET status = $1, updated_at_s = $2,
                 received_money_minor = CASE WHEN $1 = 'received' THEN COALESCE($3, money_minor)
                                             ELSE received_money_minor END
             WHERE id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(now_s)
        .bind(receipt.money_minor)
        .bind(id)
        .bind(d.status.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(StoreError::Refused(Refusal::StatusStep));
        }
        if to == AidStatus::Received {
            sqlx::query("UPDATE aid_goods SET received_quantity = quantity WHERE donation_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (item, q) in &receipt.goods {
                sqlx::query(
                    "UPDATE aid_goods SET received_quantity = $1 WHERE donation_id = $2 AND item = $3",
                )
                .bind(*q)
                .bind(id)
                .bind(item)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query(
            "INSERT INTO aid_status_history (donation_id, at_s, status, actor, note)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(now_s)
        .bind(to.as_str())
        .bind(&caller.user.username)
        .bind(note.map(str::to_string))
        .execute(&mut *tx)
        .await?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(
                caller,
                AuditAction::Update,
                "aid_donation",
                id,
                Some(format!("status {} -> {}", d.status.as_str(), to.as_str())),
            ),
            now_s,
        )
        .await?;
        Ok(Some(to))
    }

    /// Sums of the gifts a filter selects, in the caller's scope. A row beyond the bounds of
    /// `domain::aid` is left out (logged, and counted in `left_out`), never an error.
    pub async fn aid_totals(&self, caller: &Caller, filter: &AidFilter) -> Result<AidTotals> {
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT d.money_currency, {}, COUNT(*) FROM aid_donations d WHERE 1 = 1",
                sum_sql("d.money_minor", MAX_AMOUNT_MINOR)
            ),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(" GROUP BY d.money_currency ORDER BY d.money_currency");
        let mut totals = AidTotals::default();
        for r in sql.query().fetch_all(&self.pool).await? {
            let n: i64 = r.try_get(4)?;
            totals.donations += n;
            let Some(c) = r.try_get::<Option<String>, _>(0)? else {
                continue;
            };
            let s = read_sum(&r, 1)?;
            log_left_out("money", &c, &s);
            totals.left_out += s.rows_left_out(n);
            if let Some(sum) = s.sum {
                totals.money.push(money(&c, sum)?);
            }
        }
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT g.item, g.unit, {}, COUNT(*)
                 FROM aid_goods g JOIN aid_donations d ON d.id = g.donation_id WHERE 1 = 1",
                sum_sql("g.quantity", MAX_QUANTITY)
            ),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(" GROUP BY g.item, g.unit ORDER BY g.item, g.unit");
        for r in sql.query().fetch_all(&self.pool).await? {
            let item: String = r.try_get(0)?;
            let s = read_sum(&r, 2)?;
            log_left_out("goods", &item, &s);
            let n: i64 = r.try_get(5)?;
            totals.left_out += s.rows_left_out(n);
            if let Some(q) = s.sum {
                totals.goods.push((item, r.try_get(1)?, q));
            }
        }
        Ok(totals)
    }

    /// Gifts grouped by donor and the province or country of the recipients, largest
    /// number of gifts first.
    pub async fn aid_flows(&self, caller: &Caller, filter: &AidFilter) -> Result<Vec<Flow>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT d.donor_kind, d.donor_ref, d.donor_name, d.recipient_root,
                    COUNT(DISTINCT d.recipient_ref), COUNT(*)
             FROM aid_donations d WHERE 1 = 1",
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(
            " GROUP BY d.donor_kind, d.donor_ref, d.donor_name, d.recipient_root
              ORDER BY COUNT(*) DESC, d.donor_name, d.recipient_root LIMIT ",
        )
        .bind(Val::Int(FLOWS_MAX));
        let mut flows = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let kind: String = r.try_get(0)?;
            let root: String = r.try_get(3)?;
            let root = UnitCode::parse(&root)
                .map_err(|_| StoreError::Corrupt("aid_donations.recipient_root".into()))?;
            let root_name = self
                .unit_unscoped(STRUCTURE, &root)
                .await?
                .map_or_else(|| root.to_string(), |u| u.name);
            flows.push(Flow {
                donor: Party {
                    kind: kind
                        .parse()
                        .map_err(|_| StoreError::Corrupt("aid_donations.donor_kind".into()))?,
                    code_or_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                },
                recipient_root: root,
                recipient_root_name: root_name,
                recipients: r.try_get(4)?,
                donations: r.try_get(5)?,
                money: Vec::new(),
                goods: Vec::new(),
                left_out: 0,
            });
        }
        let key = |kind: &str, r: &str, root: &str| format!("{kind}\u{1f}{r}\u{1f}{root}");
        let index: BTreeMap<String, usize> = flows
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    key(
                        f.donor.kind.as_str(),
                        &f.donor.code_or_id,
                        f.recipient_root.as_str(),
                    ),
                    i,
                )
            })
            .collect();
        // The first three columns of the next two queries are a flow's key.
        let row_key = |r: &AnyRow| -> Result<String> {
            Ok(key(
                &r.try_get::<String, _>(0)?,
                &r.try_get::<String, _>(1)?,
                &r.try_get::<String, _>(2)?,
            ))
        };
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT d.donor_kind, d.donor_ref, d.recipient_root, d.money_currency, {}, COUNT(*)
                 FROM aid_donations d WHERE d.money_minor IS NOT NULL",
                sum_sql("d.money_minor", MAX_AMOUNT_MINOR)
            ),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(" GROUP BY d.donor_kind, d.donor_ref, d.recipient_root, d.money_currency ORDER BY d.money_currency");
        for r in sql.query().fetch_all(&self.pool).await? {
            if let Some(&i) = index.get(&row_key(&r)?) {
                let c: String = r.try_get(3)?;
                let s = read_sum(&r, 4)?;
                log_left_out("money", &c, &s);
                let n: i64 = r.try_get(7)?;
                flows[i].left_out += s.rows_left_out(n);
                if let Some(sum) = s.sum {
                    flows[i].money.push(money(&c, sum)?);
                }
            }
        }
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT d.donor_kind, d.donor_ref, d.recipient_root, g.item, g.unit, {}, COUNT(*)
                 FROM aid_goods g JOIN aid_donations d ON d.id = g.donation_id WHERE 1 = 1",
                sum_sql("g.quantity", MAX_QUANTITY)
            ),
        );
        self.push_aid_filter(&mut sql, "d", caller, filter).await?;
        sql.push(
            " GROUP BY d.donor_kind, d.donor_ref, d.recipient_root, g.item, g.unit ORDER BY g.item",
        );
        for r in sql.query().fetch_all(&self.pool).await? {
            if let Some(&i) = index.get(&row_key(&r)?) {
                let item: String = r.try_get(3)?;
                let s = read_sum(&r, 5)?;
                log_left_out("goods", &item, &s);
                let n: i64 = r.try_get(8)?;
                flows[i].left_out += s.rows_left_out(n);
                if let Some(q) = s.sum {
                    flows[i].goods.push((item, r.try_get(4)?, q));
                }
            }
        }
        Ok(flows)
    }

    /// Records an exchange rate (replacing the one of the same pair and date), audited with
    /// the caller; returns the rate's id.
    pub async fn put_fx_rate(&self, caller: &Caller, rate: &FxRate, now_s: i64) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO aid_fx_rates (base, quote, rate_micro, on_date, source, assumed)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (base, quote, on_date) DO UPDATE SET rate_micro = excluded.rate_micro,
                 source = excluded.source, assumed = excluded.assumed
             RETURNING id",
        )
        .bind(rate.base.code())
        .bind(rate.quote.code())
        .bind(rate.rate_micro)
        .bind(rate.on_date.to_string())
        .bind(&rate.source)
        .bind(i64::from(rate.assumed))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let detail = format!(
            "1 {} = {} micro {} on {}",
            rate.base.code(),
            rate.rate_micro,
            rate.quote.code(),
            rate.on_date
        );
        let entry = audit_entry(caller, AuditAction::Create, "aid_fx_rate", id, Some(detail));
        commit_audited(tx, self.dialect, entry, now_s).await?;
        Ok(id)
    }

    /// Every recorded rate (a short table: a few pairs, a few dates each).
    pub async fn fx_rates(&self) -> Result<Vec<FxRate>> {
        sqlx::query(
            "SELECT base, quote, rate_micro, on_date, source, assumed FROM aid_fx_rates
             ORDER BY base, quote, on_date LIMIT 10000",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let cur = |i: usize| -> Result<Currency> {
                r.try_get::<String, _>(i)?
                    .parse()
                    .map_err(|_| StoreError::Corrupt("aid_fx_rates.currency".into()))
            };
            Ok(FxRate {
                base: cur(0)?,
                quote: cur(1)?,
                rate_micro: r.try_get(2)?,
                on_date: parse_date(&r.try_get::<String, _>(3)?, "aid_fx_rates.on_date")?,
                source: r.try_get(4)?,
                assumed: r.try_get::<i64, _>(5)? != 0,
            })
        })
        .collect()
    }
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
        id: r.try_get("id")?,
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
