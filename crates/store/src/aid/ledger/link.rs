//! Gifts between linked localities (issue #17, "What travels" 4): the store's part. A gift
//! recorded here to a linked locality is read back in the recording transaction to be sent
//! ([`Store::gift_for_link_in`]); a gift sent here is taken in as incoming, once per record
//! key, and updated by later messages about it ([`Store::take_in_gift_in`]); the recipient's
//! receipt moves the donor's row ([`Store::apply_gift_receipt_in`]). Every write takes the
//! receiving or sending transaction (see `store::link` for why nothing reads the pool there).

use sqlx::Row;

use domain::aid::{AidStatus, GoodsLine, Money, PartyKind};
use domain::{DonationId, FieldError, Reason, UnitCode};

use super::{donation_from_row, root_of, GoodsRow, Party, Resolved, DONATION_COLUMNS};
use crate::aid::{audit_entry, STRUCTURE};
use crate::audit::{self, AuditAction};
use crate::link::LinkTx;
use crate::sql::{insert_rows, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

use super::gifts::{goods_rows, PreparedDonation, GOODS_COLUMNS};
use super::{Donation, NewDonation};

/// A gift as read for a message about it.
#[derive(Debug, Clone)]
pub struct LinkedGift {
    pub donation: Donation,
    pub donor_path: String,
    pub recipient_path: String,
    /// Taken in from a linked locality: its code and record key.
    pub link: Option<(String, String)>,
    /// When it was dispatched (its history's step), if it was.
    pub dispatched_at_s: Option<i64>,
}

/// One end of a gift as another locality names it.
#[derive(Debug, Clone)]
pub struct RemoteParty {
    pub kind: PartyKind,
    pub name: String,
    /// The unit it is of (a locality's own code, or an organisation's locality).
    pub unit_code: String,
}

/// A gift sent here by a linked locality, as its message tells it.
#[derive(Debug, Clone)]
pub struct IncomingGift {
    /// The sending locality's code and its record key of the gift.
    pub from: String,
    pub record: String,
    /// This locality's code: the recipient falls back to its unit.
    pub me: String,
    pub donor: RemoteParty,
    pub recipient: RemoteParty,
    pub money: Option<Money>,
    pub goods: Vec<GoodsLine>,
    pub on_date: chrono::NaiveDate,
    /// The donor's steps only (pledged or dispatched): the receipt is taken here.
    pub status: AidStatus,
    pub source: String,
    pub source_quote: Option<String>,
    pub note: Option<String>,
}

/// What a recipient confirmed, as its `gift_receipt` tells it.
#[derive(Debug, Clone)]
pub struct RemoteReceipt {
    /// Received or acknowledged.
    pub status: AidStatus,
    pub money_minor: Option<i64>,
    /// (item slug, quantity received).
    pub goods: Vec<(String, i64)>,
    pub note: Option<String>,
}

/// Whether a stored path ("/LA/LA-VT/") passes through the unit of `code`.
pub fn path_has(path: &str, code: &str) -> bool {
    path.split('/').any(|s| s == code)
}

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

impl Store {
    /// The linked locality and record key of a gift taken in from there, if it was.
    pub async fn link_of(&self, id: DonationId) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT link_from, link_ref FROM aid_donations WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => {
                let f: Option<String> = r.try_get(0)?;
                let k: Option<String> = r.try_get(1)?;
                f.zip(k)
            }
            None => None,
        })
    }

    /// A gift with its goods, its ends' paths and its link, read in the transaction.
    pub async fn gift_for_link_in(
        &self,
        tx: &mut LinkTx,
        id: DonationId,
    ) -> Result<Option<LinkedGift>> {
        let row = sqlx::query(&format!(
            "SELECT {DONATION_COLUMNS}, donor_path, recipient_path, link_from, link_ref
             FROM aid_donations WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut donation = donation_from_row(&row)?;
        let goods = sqlx::query(
            "SELECT item, quantity, unit, received_quantity FROM aid_goods
             WHERE donation_id = $1 ORDER BY line_no",
        )
        .bind(id.get())
        .fetch_all(&mut **tx)
        .await?;
        for g in goods {
            donation.goods.push(GoodsRow {
                item: g.try_get(0)?,
                quantity: g.try_get(1)?,
                unit: g.try_get(2)?,
                received_quantity: g.try_get(3)?,
            });
        }
        let dispatched_at_s: Option<i64> = sqlx::query(
            "SELECT MIN(at_s) FROM aid_status_history WHERE donation_id = $1 AND status = $2",
        )
        .bind(id.get())
        .bind(AidStatus::Dispatched.as_str())
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        let f: Option<String> = row.try_get("link_from")?;
        let k: Option<String> = row.try_get("link_ref")?;
        Ok(Some(LinkedGift {
            donation,
            donor_path: row.try_get("donor_path")?,
            recipient_path: row.try_get("recipient_path")?,
            link: f.zip(k),
            dispatched_at_s,
        }))
    }

    /// One end of an incoming gift resolved here: a locality is the unit of its code (else
    /// `fallback`'s); an organisation is found, or registered, by kind and name at that
    /// unit. `within`: the unit must lie in that locality (else the fallback is taken).
    async fn remote_party_in(
        &self,
        tx: &mut LinkTx,
        field: &str,
        p: &RemoteParty,
        within: &str,
        now_s: i64,
    ) -> Result<Resolved> {
        let unit_of = |code: &str| UnitCode::parse(code).ok();
        let mut unit = None;
        if let Some(code) = unit_of(&p.unit_code) {
            unit = Store::unit_unscoped_on(tx, STRUCTURE, &code)
                .await?
                .filter(|u| path_has(u.path.as_str(), within));
        }
        if unit.is_none() {
            if let Some(code) = unit_of(within) {
                unit = Store::unit_unscoped_on(tx, STRUCTURE, &code).await?;
            }
        }
        let unit = unit.ok_or_else(|| invalid(&format!("{field}.unit"), Reason::NotFound))?;
        if p.kind == PartyKind::Locality {
            return Ok(Resolved {
                root: root_of(&unit.path),
                party: Party {
                    kind: p.kind,
                    code_or_id: unit.code.as_str().to_string(),
                    name: unit.name,
                },
                path: unit.path,
            });
        }
        let name = p.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid(&format!("{field}.name"), Reason::OutOfRange));
        }
        sqlx::query(
            "INSERT INTO aid_orgs (kind, name, structure, unit_code, unit_path, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (kind, structure, unit_code, name) DO NOTHING",
        )
        .bind(p.kind.as_str())
        .bind(name)
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(now_s)
        .execute(&mut **tx)
        .await?;
        let id: i64 = sqlx::query(
            "SELECT id FROM aid_orgs WHERE kind = $1 AND structure = $2 AND unit_code = $3 AND name = $4",
        )
        .bind(p.kind.as_str())
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(name)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        Ok(Resolved {
            root: root_of(&unit.path),
            party: Party {
                kind: p.kind,
                code_or_id: id.to_string(),
                name: name.to_string(),
            },
            path: unit.path,
        })
    }

    /// Takes in a gift a linked locality sent: recorded as incoming the first time its record
    /// key comes (the donor a party of the sending locality, registered if absent; the
    /// recipient ours), updated by a later message (the donor's step forward; money and
    /// goods as now sent, until it is received here). Audited as `caller`.
    pub async fn take_in_gift_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        g: &IncomingGift,
        now_s: i64,
    ) -> Result<DonationId> {
        if g.status.taken_by_recipient() {
            return Err(invalid("status", Reason::OutOfScope));
        }
        if g.money.is_none() && g.goods.is_empty() {
            return Err(invalid("money", Reason::Required));
        }
        let known = sqlx::query(
            "SELECT id, status FROM aid_donations WHERE link_from = $1 AND link_ref = $2",
        )
        .bind(&g.from)
        .bind(&g.record)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(known) = known else {
            let donor = self
                .remote_party_in(tx, "donor", &g.donor, &g.from, now_s)
                .await?;
            let recipient = self
                .remote_party_in(tx, "recipient", &g.recipient, &g.me, now_s)
                .await?;
            let prepared = PreparedDonation {
                donor,
                recipient,
                new: NewDonation {
                    donor: super::PartyRef {
                        kind: g.donor.kind,
                        code_or_id: String::new(),
                    },
                    recipient: super::PartyRef {
                        kind: g.recipient.kind,
                        code_or_id: String::new(),
                    },
                    money: g.money,
                    goods: g.goods.clone(),
                    on_date: g.on_date,
                    status: g.status,
                    source: g.source.clone(),
                    source_quote: g.source_quote.clone(),
                    note: g.note.clone(),
                },
                link: Some((g.from.clone(), g.record.clone())),
            };
            return self.insert_donation_in(tx, caller, &prepared, now_s).await;
        };
        let id: i64 = known.try_get(0)?;
        let status: String = known.try_get(1)?;
        let status: AidStatus = status
            .parse()
            .map_err(|_| StoreError::Corrupt("aid_donations.status".into()))?;
        if status >= AidStatus::Received {
            // Received here: what arrived is this side's word now.
            return Ok(DonationId::new(id));
        }
        let to = status.max(g.status);
        sqlx::query(
            "UPDATE aid_donations SET status = $1, money_minor = $2, money_currency = $3,
                 on_date = $4, note = $5, updated_at_s = $6 WHERE id = $7",
        )
        .bind(to.as_str())
        .bind(g.money.map(|m| m.amount_minor))
        .bind(g.money.map(|m| m.currency.code().to_string()))
        .bind(g.on_date.to_string())
        .bind(g.note.clone())
        .bind(now_s)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        sqlx::query("DELETE FROM aid_goods WHERE donation_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        let goods = goods_rows(id, &g.goods, false);
        insert_rows(tx, self.dialect, "aid_goods", GOODS_COLUMNS, goods).await?;
        self.steps_in(tx, caller, id, status, to, None, now_s)
            .await?;
        Ok(DonationId::new(id))
    }

    /// Writes the history rows of the steps after `from` up to `to` and the audit row.
    #[allow(clippy::too_many_arguments)]
    async fn steps_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        id: i64,
        from: AidStatus,
        to: AidStatus,
        note: Option<&str>,
        now_s: i64,
    ) -> Result<()> {
        let steps: Vec<Vec<Val>> = to
            .path()
            .filter(|s| *s > from)
            .map(|s| {
                vec![
                    Val::Int(id),
                    Val::Int(now_s),
                    Val::Text(s.as_str().into()),
                    Val::Text(caller.user.username.clone()),
                    Val::OptText((s == to).then(|| note.map(str::to_string)).flatten()),
                ]
            })
            .collect();
        insert_rows(
            tx,
            self.dialect,
            "aid_status_history",
            &["donation_id", "at_s", "status", "actor", "note"],
            steps,
        )
        .await?;
        let detail = match from == to {
            true => "updated by its donor".to_string(),
            false => format!("status {} -> {}", from.as_str(), to.as_str()),
        };
        audit::append(
            tx,
            self.dialect,
            [audit_entry(
                caller,
                AuditAction::Update,
                "aid_donation",
                id,
                Some(detail),
            )],
            now_s,
        )
        .await?;
        Ok(())
    }

    /// Applies a recipient's receipt to our gift `id`: moved forward to the receipt's status
    /// (the steps between written), with what arrived when it passes `received` (absent:
    /// all of it). False: no gift of ours to a unit of `from` (another locality may not
    /// answer for it), or it is already there or beyond (a receipt does not move it back).
    pub async fn apply_gift_receipt_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        id: DonationId,
        from: &str,
        r: &RemoteReceipt,
        now_s: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT status, recipient_path, money_minor FROM aid_donations
             WHERE id = $1 AND link_from IS NULL",
        )
        .bind(id.get())
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let status: String = row.try_get(0)?;
        let status: AidStatus = status
            .parse()
            .map_err(|_| StoreError::Corrupt("aid_donations.status".into()))?;
        let path: String = row.try_get(1)?;
        let money: Option<i64> = row.try_get(2)?;
        if !path_has(&path, from) || !r.status.taken_by_recipient() || status >= r.status {
            return Ok(false);
        }
        let mut errors = Vec::new();
        if let Some(m) = r.money_minor {
            if money.is_none_or(|p| m < 0 || m > p) {
                errors.push(FieldError::new("received.money_minor", Reason::OutOfRange));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let receiving = status < AidStatus::Received;
        sqlx::query(
            "UPDATE aid_donations SET status = $1, updated_at_s = $2,
                 received_money_minor = CASE WHEN $3 = 1 THEN COALESCE($4, money_minor)
                                             ELSE received_money_minor END
             WHERE id = $5",
        )
        .bind(r.status.as_str())
        .bind(now_s)
        .bind(i64::from(receiving))
        .bind(r.money_minor)
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
        if receiving {
            sqlx::query("UPDATE aid_goods SET received_quantity = quantity WHERE donation_id = $1")
                .bind(id.get())
                .execute(&mut **tx)
                .await?;
            for (item, q) in &r.goods {
                sqlx::query(
                    "UPDATE aid_goods SET received_quantity = $1
                     WHERE donation_id = $2 AND item = $3 AND $1 BETWEEN 0 AND quantity",
                )
                .bind(*q)
                .bind(id.get())
                .bind(item)
                .execute(&mut **tx)
                .await?;
            }
        }
        self.steps_in(
            tx,
            caller,
            id.get(),
            status,
            r.status,
            r.note.as_deref(),
            now_s,
        )
        .await?;
        Ok(true)
    }
}
