//! Referral of contacts between linked localities (issue #17, "What travels" 1): the
//! store's part. Every write here takes the caller's transaction, since a referral is sent
//! in the transaction that records the contacts (`Store::enqueue_in`) and applied in the one
//! that records its receipt (`Store::receive`); on SQLite that transaction holds the one
//! writing connection, so nothing here reads through the pool either.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use domain::contact::{ContactReason, ContactStatus};
use domain::followup::FollowUpStatus;
use domain::person::NewPerson;
use domain::{CaseId, FieldError, PersonId, Reason};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::contacts::{ContactRow, Residence};
use crate::link::LinkTx;
use crate::users::Caller;
use crate::{typed, Result, Store, StoreError};

/// What a referral tells of the person, as the sending locality holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    pub full_name: String,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    /// YYYY-MM-DD.
    pub birth_date: Option<String>,
    pub sex: String,
    pub structure: String,
    pub unit_code: String,
    pub unit_path: String,
    pub address: Option<String>,
}

/// A contact referred here, to record on the follow-up lists.
#[derive(Debug, Clone)]
pub struct ReferredContact {
    pub person_id: PersonId,
    pub degree: i64,
    pub first_exposure_s: i64,
    pub exposure_s: i64,
    pub reasons: Vec<ContactReason>,
    pub status: ContactStatus,
    pub quarantine_from_s: Option<i64>,
    pub quarantine_until_s: Option<i64>,
    pub follow_up_until_s: Option<i64>,
    pub test_days: String,
    pub policy: String,
    /// The locality that referred it (its code).
    pub referred_from: String,
    /// That locality's record key of the contact.
    pub remote_ref: String,
}

impl Store {
    /// [`Store::persist_contacts`] in the caller's transaction, answering the contacts
    /// recorded now as (contact id, person id): the ones a referral goes out for.
    pub async fn persist_traced_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        case: CaseId,
        rows: &[ContactRow],
        residences: &HashMap<i64, Residence>,
        now_s: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let before: HashSet<i64> = sqlx::query("SELECT id FROM contacts WHERE case_id = $1")
            .bind(case.0)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        self.persist_contacts_in(tx, caller, case, rows, residences, "traced", now_s)
            .await?;
        let rows = sqlx::query("SELECT id, person_id FROM contacts WHERE case_id = $1 ORDER BY id")
            .bind(case.0)
            .fetch_all(&mut **tx)
            .await?;
        let mut fresh = Vec::new();
        for r in rows {
            let id: i64 = r.try_get(0)?;
            if !before.contains(&id) {
                fresh.push((id, r.try_get(1)?));
            }
        }
        Ok(fresh)
    }

    /// The referral's facts of each of `ids` (those that exist), read in the transaction.
    pub async fn person_facts_in(
        &self,
        tx: &mut LinkTx,
        ids: &[i64],
    ) -> Result<HashMap<i64, PersonFacts>> {
        let mut out = HashMap::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(
                "SELECT full_name, national_id, phone, birth_date, sex, structure, unit_code,
                        unit_path, address
                 FROM persons WHERE id = $1",
            )
            .bind(*id)
            .fetch_optional(&mut **tx)
            .await?;
            if let Some(r) = row {
                out.insert(
                    *id,
                    PersonFacts {
                        full_name: r.try_get(0)?,
                        national_id: r.try_get(1)?,
                        phone: r.try_get(2)?,
                        birth_date: r.try_get(3)?,
                        sex: r.try_get(4)?,
                        structure: r.try_get(5)?,
                        unit_code: r.try_get(6)?,
                        unit_path: r.try_get(7)?,
                        address: r.try_get(8)?,
                    },
                );
            }
        }
        Ok(out)
    }

    /// The names of venues `ids` (those that exist), read in the transaction.
    pub async fn venue_names_in(
        &self,
        tx: &mut LinkTx,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>> {
        let mut out = HashMap::with_capacity(ids.len());
        for id in ids {
            if out.contains_key(id) {
                continue;
            }
            let row = sqlx::query("SELECT name FROM venues WHERE id = $1")
                .bind(*id)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(r) = row {
                out.insert(*id, r.try_get(0)?);
            }
        }
        Ok(out)
    }

    /// The person a referral is about, if registered here: by national ID, else by phone
    /// and the same name (not merged away), the oldest first.
    pub async fn find_referred_person_in(
        &self,
        tx: &mut LinkTx,
        national_id: Option<&str>,
        phone: Option<&str>,
        full_name: &str,
    ) -> Result<Option<PersonId>> {
        if let Some(nid) = national_id {
            let row = sqlx::query(
                "SELECT id FROM persons WHERE national_id = $1 AND merged_into IS NULL
                 ORDER BY id LIMIT 1",
            )
            .bind(nid)
            .fetch_optional(&mut **tx)
            .await?;
            if let Some(r) = row {
                return Ok(Some(PersonId(r.try_get(0)?)));
            }
        }
        if let Some(phone) = phone {
            let row = sqlx::query(
                "SELECT id FROM persons WHERE phone = $1 AND name_folded = $2
                   AND merged_into IS NULL ORDER BY id LIMIT 1",
            )
            .bind(phone)
            .bind(domain::text::fold_diacritics(full_name))
            .fetch_optional(&mut **tx)
            .await?;
            if let Some(r) = row {
                return Ok(Some(PersonId(r.try_get(0)?)));
            }
        }
        Ok(None)
    }

    /// Registers a referred person in the caller's transaction, as the person form does
    /// (its unit must exist and be in the caller's scope; audited).
    pub async fn register_referred_person_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        new: &NewPerson,
        address: Option<&str>,
        now_s: i64,
    ) -> Result<PersonId> {
        let unit = Store::unit_unscoped_on(tx, new.structure, &new.unit_code)
            .await?
            .ok_or_else(|| StoreError::Invalid(vec![FieldError::new("unit", Reason::NotFound)]))?;
        if !caller.scope.contains(unit.structure, &unit.path) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "unit",
                Reason::OutOfScope,
            )]));
        }
        Ok(self
            .insert_person_in(tx, caller, new, &unit, address, now_s)
            .await?
            .id)
    }

    /// Records a contact referred from another locality on the follow-up lists of the unit
    /// its person lives in, with the plan as sent; audited. A record key applied before
    /// keeps its contact (`None`); a person living outside the caller's scope is refused
    /// (`Invalid` on `unit`).
    pub async fn insert_referred_contact_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        c: &ReferredContact,
        now_s: i64,
    ) -> Result<Option<i64>> {
        let known =
            sqlx::query("SELECT id FROM contacts WHERE referred_from = $1 AND remote_ref = $2")
                .bind(&c.referred_from)
                .bind(&c.remote_ref)
                .fetch_optional(&mut **tx)
                .await?;
        if known.is_some() {
            return Ok(None);
        }
        let home = sqlx::query("SELECT structure, unit_code, unit_path FROM persons WHERE id = $1")
            .bind(c.person_id.0)
            .fetch_one(&mut **tx)
            .await?;
        let (structure, unit_code, unit_path): (String, String, String) =
            (home.try_get(0)?, home.try_get(1)?, home.try_get(2)?);
        // A person found here by ID or phone who lives outside the caller's jurisdiction
        // (the receiving locality) is not this locality's to follow.
        let inside = structure
            .parse::<domain::Structure>()
            .ok()
            .zip(domain::UnitPath::from_stored(&unit_path))
            .is_some_and(|(s, p)| caller.scope.contains(s, &p));
        if !inside {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "unit",
                Reason::OutOfScope,
            )]));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO contacts (person_id, degree, first_exposure_s, exposure_s, reasons,
                 status, quarantine_from_s, quarantine_until_s, follow_up_until_s, test_days,
                 policy, structure, unit_code, unit_path, created_at_s, created_by,
                 referred_from, remote_ref)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             RETURNING id",
        )
        .bind(c.person_id.0)
        .bind(c.degree)
        .bind(c.first_exposure_s)
        .bind(c.exposure_s)
        .bind(typed::to_json(&c.reasons, "contacts.reasons")?)
        .bind(c.status.as_str())
        .bind(c.quarantine_from_s)
        .bind(c.quarantine_until_s)
        .bind(c.follow_up_until_s)
        .bind(&c.test_days)
        .bind(&c.policy)
        .bind(structure)
        .bind(unit_code)
        .bind(unit_path)
        .bind(now_s)
        .bind((caller.user.id.0 > 0).then_some(caller.user.id.0))
        .bind(&c.referred_from)
        .bind(&c.remote_ref)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        audit::append(
            tx,
            self.dialect,
            [AuditEntry {
                user: None,
                actor: caller.user.username.clone(),
                action: AuditAction::Create,
                entity: "contact",
                entity_id: id.to_string(),
                detail: Some(format!(
                    "referred from {} as {}",
                    c.referred_from, c.remote_ref
                )),
            }],
            now_s,
        )
        .await?;
        Ok(Some(id))
    }

    /// Sets contact `id`'s follow-up status as the locality it was referred to (`from`, the
    /// province the contact lives in) reports it: that locality follows the person now, so
    /// its word stands whatever the status here. Audited with `detail`. False: no such
    /// contact living in `from`'s province (another locality may not report on it).
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_referral_status_in(
        &self,
        tx: &mut LinkTx,
        actor: &str,
        id: i64,
        from: &str,
        status: FollowUpStatus,
        detail: &str,
        now_s: i64,
    ) -> Result<bool> {
        // The province's subtree as a range of paths (`UnitPath::subtree_upper_bound`).
        let (lo, hi) = (format!("/{from}/"), format!("/{from}0"));
        let n = sqlx::query(
            "UPDATE contacts SET follow_status = $1
             WHERE id = $2 AND case_id IS NOT NULL AND unit_path >= $3 AND unit_path < $4",
        )
        .bind(status.as_str())
        .bind(id)
        .bind(lo)
        .bind(hi)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        audit::append(
            tx,
            self.dialect,
            [AuditEntry {
                user: None,
                actor: actor.to_string(),
                action: AuditAction::Update,
                entity: "contact",
                entity_id: id.to_string(),
                detail: Some(format!("{detail}; status {}", status.as_str())),
            }],
            now_s,
        )
        .await?;
        Ok(true)
    }
}
