//! Gifts recorded, and moved one step at a time along their status.

use sqlx::Row;

use domain::aid::{AidStatus, GoodsLine};
use domain::{DonationId, FieldError, Reason, UnitPath};

use super::{invalid, NewDonation, Receipt, Resolved, GOODS_LINES_MAX};
use crate::aid::{audit_entry, Refusal, STRUCTURE};
use crate::audit::{self, AuditAction};
use crate::link::LinkTx;
use crate::sql::{insert_rows, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// A gift checked and resolved by [`Store::prepare_donation`], to be written by
/// [`Store::insert_donation_in`].
pub struct PreparedDonation {
    pub(super) donor: Resolved,
    pub(super) recipient: Resolved,
    pub(super) new: NewDonation,
    /// For a gift taken in from a linked locality: its code and record key.
    pub(super) link: Option<(String, String)>,
}

impl PreparedDonation {
    /// The recipient's stored path ("/LA/LA-VT/"): which linked locality it lies in.
    pub fn recipient_path(&self) -> &UnitPath {
        &self.recipient.path
    }

    /// The donor's stored path.
    pub fn donor_path(&self) -> &UnitPath {
        &self.donor.path
    }
}

/// A status step checked by [`Store::prepare_advance`], to be taken by
/// [`Store::advance_donation_in`].
#[derive(Debug, Clone)]
pub struct Advance {
    pub id: DonationId,
    pub from: AidStatus,
    pub to: AidStatus,
    pub receipt: Receipt,
}

impl Store {
    /// Records a gift. The caller's jurisdiction must hold the donor or the recipient.
    pub async fn create_donation(
        &self,
        caller: &Caller,
        new: &NewDonation,
        now_s: i64,
    ) -> Result<DonationId> {
        let prepared = self.prepare_donation(caller, new).await?;
        let mut tx = self.pool.begin().await?;
        let id = self
            .insert_donation_in(&mut tx, caller, &prepared, now_s)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The checks of [`Store::create_donation`] (its ends resolved, the caller's scope),
    /// read through the pool before a transaction is opened: what
    /// [`Store::insert_donation_in`] writes.
    pub async fn prepare_donation(
        &self,
        caller: &Caller,
        new: &NewDonation,
    ) -> Result<PreparedDonation> {
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
        Ok(PreparedDonation {
            donor,
            recipient,
            new: new.clone(),
            link: None,
        })
    }

    /// Writes a prepared gift, its goods, its steps and the audit row in the caller's
    /// transaction (committed with whatever else it holds: a message to a linked locality).
    pub async fn insert_donation_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        prepared: &PreparedDonation,
        now_s: i64,
    ) -> Result<DonationId> {
        let (donor, recipient, new) = (&prepared.donor, &prepared.recipient, &prepared.new);
        let (link_from, link_ref) = match &prepared.link {
            Some((f, r)) => (Some(f.clone()), Some(r.clone())),
            None => (None, None),
        };
        let created_by = (caller.user.id.0 != 0).then_some(caller.user.id.0);
        let id: i64 = sqlx::query(
            "INSERT INTO aid_donations (structure, donor_kind, donor_ref, donor_name, donor_path,
                 donor_root, recipient_kind, recipient_ref, recipient_name, recipient_path,
                 recipient_root, status, money_minor, money_currency, received_money_minor,
                 on_date, source, source_quote, note, created_at_s, created_by, updated_at_s,
                 link_from, link_ref)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $21, $20, $22, $23) RETURNING id",
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
        .bind(link_from)
        .bind(link_ref)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        let received = new.status >= AidStatus::Received;
        let goods = goods_rows(id, &new.goods, received);
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
        insert_rows(tx, self.dialect, "aid_goods", GOODS_COLUMNS, goods).await?;
        insert_rows(
            tx,
            self.dialect,
            "aid_status_history",
            &["donation_id", "at_s", "status", "actor", "note"],
            steps,
        )
        .await?;
        audit::append(
            tx,
            self.dialect,
            [audit_entry(
                caller,
                AuditAction::Create,
                "aid_donation",
                id,
                None,
            )],
            now_s,
        )
        .await?;
        Ok(DonationId::new(id))
    }

    /// Moves a gift one step along its life. Only the donor's side dispatches; only the
    /// recipient's side confirms receipt (with what arrived) and acknowledges. None when the
    /// gift is not in scope; `Refused(StatusStep)` when the step is not the next one (also
    /// when another request moved it first).
    pub async fn advance_donation(
        &self,
        caller: &Caller,
        id: DonationId,
        to: AidStatus,
        receipt: Option<&Receipt>,
        note: Option<&str>,
        now_s: i64,
    ) -> Result<Option<AidStatus>> {
        let Some(step) = self.prepare_advance(caller, id, to, receipt).await? else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        self.advance_donation_in(&mut tx, caller, &step, note, now_s)
            .await?;
        tx.commit().await?;
        Ok(Some(to))
    }

    /// The checks of [`Store::advance_donation`], read through the pool: the step
    /// [`Store::advance_donation_in`] takes. None when the gift is not in scope.
    pub async fn prepare_advance(
        &self,
        caller: &Caller,
        id: DonationId,
        to: AidStatus,
        receipt: Option<&Receipt>,
    ) -> Result<Option<Advance>> {
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
        .bind(id.get())
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        let side = UnitPath::from_stored(&path)
            .ok_or_else(|| StoreError::Corrupt("aid_donations.path".into()))?;
        if !caller.scope.contains(STRUCTURE, &side) {
            return Err(invalid("status", Reason::OutOfScope));
        }
        // A gift taken in from a linked locality is dispatched there, by its donor: the
        // donor's steps come only as its messages.
        if !to.taken_by_recipient() && self.link_of(id).await?.is_some() {
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
        Ok(Some(Advance {
            id,
            from: d.status,
            to,
            receipt,
        }))
    }

    /// Takes a prepared step in the caller's transaction (with its history and audit rows).
    /// `Refused(StatusStep)` when another request moved the gift first.
    pub async fn advance_donation_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        step: &Advance,
        note: Option<&str>,
        now_s: i64,
    ) -> Result<()> {
        let Advance {
            id,
            from,
            to,
            ref receipt,
        } = *step;
        let moved = sqlx::query(
            "UPDATE aid_donations SET status = $1, updated_at_s = $2,
                 received_money_minor = CASE WHEN $1 = 'received' THEN COALESCE($3, money_minor)
                                             ELSE received_money_minor END
             WHERE id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(now_s)
        .bind(receipt.money_minor)
        .bind(id.get())
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(StoreError::Refused(Refusal::StatusStep));
        }
        if to == AidStatus::Received {
            sqlx::query("UPDATE aid_goods SET received_quantity = quantity WHERE donation_id = $1")
                .bind(id.get())
                .execute(&mut **tx)
                .await?;
            for (item, q) in &receipt.goods {
                sqlx::query(
                    "UPDATE aid_goods SET received_quantity = $1 WHERE donation_id = $2 AND item = $3",
                )
                .bind(*q)
                .bind(id.get())
                .bind(item)
                .execute(&mut **tx)
                .await?;
            }
        }
        sqlx::query(
            "INSERT INTO aid_status_history (donation_id, at_s, status, actor, note)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.get())
        .bind(now_s)
        .bind(to.as_str())
        .bind(&caller.user.username)
        .bind(note.map(str::to_string))
        .execute(&mut **tx)
        .await?;
        audit::append(
            tx,
            self.dialect,
            [audit_entry(
                caller,
                AuditAction::Update,
                "aid_donation",
                id,
                Some(format!("status {} -> {}", from.as_str(), to.as_str())),
            )],
            now_s,
        )
        .await?;
        Ok(())
    }
}

/// The columns [`goods_rows`] fills.
pub(super) const GOODS_COLUMNS: &[&str] = &[
    "donation_id",
    "line_no",
    "item",
    "quantity",
    "unit",
    "received_quantity",
];

/// A gift's goods lines as `aid_goods` rows, received in full when `received`. Rows are
/// built before the insert: a borrowing iterator held across the await makes the future not
/// `Send` for every lifetime (axum handlers need that).
pub(super) fn goods_rows(id: i64, goods: &[GoodsLine], received: bool) -> Vec<Vec<Val>> {
    goods
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
        .collect()
}
