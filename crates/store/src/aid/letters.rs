//! Thank-you letters recorded as sent. Sending one acknowledges a received gift.

use sqlx::Row;

use domain::aid::AidStatus;
use domain::DonationId;

use super::{audit_entry, Refusal};
use crate::audit::AuditAction;
use crate::link::LinkTx;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterSent {
    /// `vi` or `en`.
    pub lang: String,
    pub sent_at_s: i64,
    pub actor: String,
}

impl Store {
    /// Records the thank-you letter for a gift as sent by the recipient's side; a received
    /// gift becomes acknowledged. None when the gift is not in scope.
    pub async fn record_letter_sent(
        &self,
        caller: &Caller,
        donation_id: DonationId,
        lang: &str,
        now_s: i64,
    ) -> Result<Option<AidStatus>> {
        debug_assert!(matches!(lang, "vi" | "en"));
        let Some(detail) = self.get_donation(caller, donation_id).await? else {
            return Ok(None);
        };
        let status = detail.donation.status;
        if status == AidStatus::Received {
            match self
                .advance_donation(
                    caller,
                    donation_id,
                    AidStatus::Acknowledged,
                    None,
                    Some("thank-you letter sent"),
                    now_s,
                )
                .await
            {
                Ok(_) | Err(StoreError::Refused(Refusal::StatusStep)) => {}
                Err(e) => return Err(e),
            }
        }
        let mut tx = self.pool.begin().await?;
        self.note_letter_printed_in(&mut tx, caller, donation_id, lang, now_s)
            .await?;
        tx.commit().await?;
        Ok(Some(if status == AidStatus::Received {
            AidStatus::Acknowledged
        } else {
            status
        }))
    }

    /// Notes in the caller's transaction that the printed letter (in `lang`, `vi` or `en`)
    /// of a gift was sent, audited: the gift's page lists it.
    pub async fn note_letter_printed_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        donation_id: DonationId,
        lang: &str,
        now_s: i64,
    ) -> Result<()> {
        debug_assert!(matches!(lang, "vi" | "en"));
        sqlx::query(
            "INSERT INTO aid_letters (donation_id, lang, sent_at_s, sent_by, actor)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(donation_id.get())
        .bind(lang)
        .bind(now_s)
        .bind((caller.user.id.0 != 0).then_some(caller.user.id.0))
        .bind(&caller.user.username)
        .execute(&mut **tx)
        .await?;
        crate::audit::append(
            tx,
            self.dialect,
            [audit_entry(
                caller,
                AuditAction::Create,
                "aid_letter",
                donation_id,
                Some(format!("lang {lang}")),
            )],
            now_s,
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn letters_of(&self, donation_id: DonationId) -> Result<Vec<LetterSent>> {
        sqlx::query(
            "SELECT lang, sent_at_s, actor FROM aid_letters WHERE donation_id = $1
             ORDER BY sent_at_s, id LIMIT 100",
        )
        .bind(donation_id.get())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(LetterSent {
                lang: r.try_get(0)?,
                sent_at_s: r.try_get(1)?,
                actor: r.try_get(2)?,
            })
        })
        .collect()
    }
}
