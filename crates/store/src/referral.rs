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

/// One referral for [`Store::insert_referrals_in`]: what [`Store::find_referred_person_in`],
/// [`Store::register_referred_person_in`] and [`Store::insert_referred_contact_in`] are given
/// when a referral is applied on its own.
#[derive(Debug, Clone)]
pub struct BatchReferral {
    pub caller: Caller,
    /// The person's keys as sent (looked up as they are, as the one-at-a-time path does).
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub full_name: String,
    /// The person to register when not found; `None` when the sent fields do not hold (the
    /// referral is then left to the one-at-a-time path, which refuses it).
    pub new: Option<NewPerson>,
    pub address: Option<String>,
    /// The contact; its `person_id` is ignored (found or registered here).
    pub contact: ReferredContact,
}

/// Keys a batch's reads ask for at once (a few parameters each, far below SQLite's bound).
const BATCH_KEYS: usize = 500;

/// A person of the batch as the batch's own lookups see it.
#[derive(Debug, Clone)]
struct Home {
    structure: String,
    unit_code: String,
    unit_path: String,
}

impl Store {
    /// Applies referrals in the caller's transaction with a few multi-row statements, giving
    /// the rows [`Store::find_referred_person_in`], [`Store::register_referred_person_in`] and
    /// [`Store::insert_referred_contact_in`] give them one at a time, in order: a person
    /// registered by an earlier referral of the batch is found by a later one.
    ///
    /// Applies the longest prefix it can and answers its length: the first referral it cannot
    /// apply (its person not found and not to be registered, its unit unknown or outside the
    /// caller's scope, a national ID sent other than it is kept) is left, with all after it,
    /// for the caller to apply on its own (and refuse) before asking again. Nothing of the
    /// referrals not counted is written.
    ///
    /// Statements for n referrals of new persons: 3 reads (national IDs, phones, known
    /// records), one a distinct unit, one read of the found persons' homes, one insert of the
    /// persons, one a distinct unit of their residents, the person pairs' reads (as
    /// registering one does), one insert of the contacts and one of the audit rows.
    pub async fn insert_referrals_in(
        &self,
        tx: &mut LinkTx,
        items: &[BatchReferral],
        now_s: i64,
    ) -> Result<usize> {
        use crate::sql::{Sql, Val};
        use domain::{Structure, UnitPath};
        let dialect = self.dialect;
        if items.is_empty() {
            return Ok(0);
        }
        // The persons the batch may find, lowest id first (as `ORDER BY id LIMIT 1`).
        let nids: Vec<&str> = items
            .iter()
            .filter_map(|i| i.national_id.as_deref())
            .collect();
        let mut by_nid: HashMap<String, i64> = HashMap::new();
        for part in nids.chunks(BATCH_KEYS) {
            let mut sql = Sql::new(
                dialect,
                "SELECT id, national_id FROM persons WHERE merged_into IS NULL AND national_id IN (",
            );
            for (j, n) in part.iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.bind(Val::Text((*n).to_owned()));
            }
            sql.push(")");
            for r in sql.query().fetch_all(&mut **tx).await? {
                let (id, nid): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
                let e = by_nid.entry(nid).or_insert(id);
                *e = (*e).min(id);
            }
        }
        let phones: Vec<&str> = items.iter().filter_map(|i| i.phone.as_deref()).collect();
        let mut by_phone: HashMap<(String, String), i64> = HashMap::new();
        for part in phones.chunks(BATCH_KEYS) {
            let mut sql = Sql::new(
                dialect,
                "SELECT id, phone, name_folded FROM persons
                 WHERE merged_into IS NULL AND name_folded IS NOT NULL AND phone IN (",
            );
            for (j, p) in part.iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.bind(Val::Text((*p).to_owned()));
            }
            sql.push(")");
            for r in sql.query().fetch_all(&mut **tx).await? {
                let (id, phone, folded): (i64, String, String) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                let e = by_phone.entry((phone, folded)).or_insert(id);
                *e = (*e).min(id);
            }
        }
        // Records applied before, per sender (the `contacts_by_referral` index's order).
        let mut refs: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for i in items {
            refs.entry(i.contact.referred_from.as_str())
                .or_default()
                .push(i.contact.remote_ref.as_str());
        }
        let mut known: HashSet<(String, String)> = HashSet::new();
        for (from, records) in &refs {
            for part in records.chunks(BATCH_KEYS) {
                let mut sql = Sql::new(
                    dialect,
                    "SELECT remote_ref FROM contacts WHERE referred_from = ",
                );
                sql.bind(Val::Text((*from).to_owned()));
                sql.push(" AND remote_ref IN (");
                for (j, r) in part.iter().enumerate() {
                    if j > 0 {
                        sql.push(", ");
                    }
                    sql.bind(Val::Text((*r).to_owned()));
                }
                sql.push(")");
                for r in sql.query().fetch_all(&mut **tx).await? {
                    known.insert(((*from).to_owned(), r.try_get(0)?));
                }
            }
        }

        // Judged in order, in memory. A person is `Ok(id)` if stored, `Err(k)` if the k-th
        // registered by this batch.
        type Who = std::result::Result<i64, usize>;
        let mut units: HashMap<(Structure, String), Option<domain::units::Unit>> = HashMap::new();
        let mut fresh: Vec<(usize, domain::units::Unit)> = Vec::new(); // (item, unit)
        let mut contacts: Vec<(usize, Who)> = Vec::new();
        let mut applied = 0;
        // Persons registered earlier in the batch, by their kept keys (the first one wins:
        // its id is the lowest of them, and above every stored one).
        let mut batch_nid: HashMap<String, usize> = HashMap::new();
        let mut batch_phone: HashMap<(String, String), usize> = HashMap::new();
        for (k, item) in items.iter().enumerate() {
            let folded = domain::text::fold_diacritics(&item.full_name);
            let by_id = item.national_id.as_ref().and_then(|n| {
                by_nid
                    .get(n)
                    .map(|id| Ok(*id))
                    .or_else(|| batch_nid.get(n).map(|f| Err(*f)))
            });
            let by_ph = || {
                item.phone.as_ref().and_then(|p| {
                    let key = (p.clone(), folded.clone());
                    by_phone
                        .get(&key)
                        .map(|id| Ok(*id))
                        .or_else(|| batch_phone.get(&key).map(|f| Err(*f)))
                })
            };
            let who: Who = match by_id.or_else(by_ph) {
                Some(w) => w,
                None => {
                    // Registered here, as the person form does.
                    let Some(new) = &item.new else { break };
                    // The one-at-a-time path refuses a national ID already held (kept as
                    // validated, looked up as sent): left to it when the two differ.
                    let kept_nid = new.national_id.as_ref().map(|x| x.as_str().to_owned());
                    if kept_nid.as_deref() != item.national_id.as_deref() {
                        break;
                    }
                    let key = (new.structure, new.unit_code.as_str().to_owned());
                    if !units.contains_key(&key) {
                        let u = Store::unit_unscoped_on(tx, new.structure, &new.unit_code).await?;
                        units.insert(key.clone(), u);
                    }
                    let Some(unit) = units.get(&key).cloned().flatten() else {
                        break;
                    };
                    if !item.caller.scope.contains(unit.structure, &unit.path) {
                        break;
                    }
                    let f = fresh.len();
                    if let Some(n) = kept_nid {
                        batch_nid.entry(n).or_insert(f);
                    }
                    if let Some(p) = &new.phone {
                        batch_phone
                            .entry((
                                p.as_str().to_owned(),
                                domain::text::fold_diacritics(&new.full_name),
                            ))
                            .or_insert(f);
                    }
                    fresh.push((k, unit));
                    Err(f)
                }
            };
            // The contact: once per record (a person registered for a known record stays
            // registered, as one at a time).
            let key = (
                item.contact.referred_from.clone(),
                item.contact.remote_ref.clone(),
            );
            if known.insert(key) {
                contacts.push((k, who));
            }
            applied = k + 1;
        }
        // The prefix only: what a break left behind is not written.
        fresh.retain(|(k, _)| *k < applied);
        contacts.retain(|(k, _)| *k < applied);

        // The found persons' homes (checked against the caller's scope below).
        let found: Vec<i64> = contacts.iter().filter_map(|(_, w)| w.ok()).collect();
        let mut homes: HashMap<i64, Home> = HashMap::new();
        for part in found.chunks(BATCH_KEYS) {
            let mut sql = Sql::new(
                dialect,
                "SELECT id, structure, unit_code, unit_path FROM persons WHERE id IN (",
            );
            for (j, id) in part.iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.bind(Val::Int(*id));
            }
            sql.push(")");
            for r in sql.query().fetch_all(&mut **tx).await? {
                homes.insert(
                    r.try_get(0)?,
                    Home {
                        structure: r.try_get(1)?,
                        unit_code: r.try_get(2)?,
                        unit_path: r.try_get(3)?,
                    },
                );
            }
        }
        // A found person living outside the scope: the prefix ends before its referral.
        let mut cut = applied;
        for (k, w) in &contacts {
            if let Ok(id) = w {
                let inside = homes.get(id).is_some_and(|h| {
                    h.structure
                        .parse::<Structure>()
                        .ok()
                        .zip(UnitPath::from_stored(&h.unit_path))
                        .is_some_and(|(s, p)| items[*k].caller.scope.contains(s, &p))
                });
                if !inside {
                    cut = cut.min(*k);
                }
            }
        }
        if cut < applied {
            fresh.retain(|(k, _)| *k < cut);
            contacts.retain(|(k, _)| *k < cut);
            applied = cut;
        }

        // The persons: one insert; ids are taken in VALUES order on both databases, so the
        // returned ids sorted are the rows in order.
        let mut person_ids: Vec<i64> = Vec::with_capacity(fresh.len());
        if !fresh.is_empty() {
            let mut sql = Sql::new(
                dialect,
                "INSERT INTO persons (full_name, national_id, phone, birth_date, sex, structure,
                     unit_code, unit_path, created_at_s, created_by, updated_at_s, name_folded,
                     address) VALUES ",
            );
            for (j, (k, unit)) in fresh.iter().enumerate() {
                let item = &items[*k];
                let new = item.new.as_ref().ok_or_else(|| {
                    StoreError::Corrupt("referral batch: a person without fields".into())
                })?;
                sql.push(if j == 0 { "(" } else { ", (" });
                sql.bind(Val::Text(new.full_name.clone())).push(", ");
                sql.bind(Val::OptText(
                    new.national_id.as_ref().map(|n| n.as_str().to_string()),
                ))
                .push(", ");
                sql.bind(Val::OptText(
                    new.phone.as_ref().map(|p| p.as_str().to_string()),
                ))
                .push(", ");
                sql.bind(Val::OptText(
                    new.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
                ))
                .push(", ");
                sql.bind(Val::Text(new.sex.as_str().to_string())).push(", ");
                sql.bind(Val::Text(unit.structure.as_str().to_string()))
                    .push(", ");
                sql.bind(Val::Text(unit.code.as_str().to_string()))
                    .push(", ");
                sql.bind(Val::Text(unit.path.as_str().to_string()))
                    .push(", ");
                sql.bind(Val::Int(now_s)).push(", ");
                let user = item.caller.user.id.0;
                sql.bind(Val::OptInt((user > 0).then_some(user))).push(", ");
                sql.bind(Val::Int(now_s)).push(", ");
                sql.bind(Val::Text(domain::text::fold_diacritics(&new.full_name)))
                    .push(", ");
                sql.bind(Val::OptText(item.address.clone())).push(")");
            }
            sql.push(" RETURNING id");
            for r in sql.query().fetch_all(&mut **tx).await? {
                person_ids.push(r.try_get(0)?);
            }
            person_ids.sort_unstable();
            if person_ids.len() != fresh.len() {
                return Err(StoreError::Corrupt(format!(
                    "referral batch: {} persons inserted of {}",
                    person_ids.len(),
                    fresh.len()
                )));
            }
            let mut deltas = std::collections::BTreeMap::new();
            for (_, unit) in &fresh {
                for (d, n) in crate::residents::Delta::one(
                    unit.structure,
                    unit.code.as_str(),
                    unit.path.as_str(),
                    1,
                ) {
                    *deltas.entry(d).or_insert(0) += n;
                }
            }
            crate::residents::add(tx, deltas).await?;
            // Pairs are symmetric and filed once (ON CONFLICT DO NOTHING), so filing each new
            // person after all are inserted files the pairs filing each in turn does.
            for id in &person_ids {
                crate::person_pairs::file_pairs_in(tx, PersonId(*id), now_s).await?;
            }
        }

        // The contacts: one insert, matched back by their record.
        let mut audit_rows: Vec<AuditEntry> = Vec::new();
        for (f, id) in person_ids.iter().enumerate() {
            let caller = &items[fresh[f].0].caller;
            audit_rows.push(crate::persons::entry(
                caller,
                AuditAction::Create,
                PersonId(*id),
            ));
        }
        if !contacts.is_empty() {
            let mut sql = Sql::new(
                dialect,
                "INSERT INTO contacts (person_id, degree, first_exposure_s, exposure_s, reasons,
                     status, quarantine_from_s, quarantine_until_s, follow_up_until_s, test_days,
                     policy, structure, unit_code, unit_path, created_at_s, created_by,
                     referred_from, remote_ref) VALUES ",
            );
            for (j, (k, who)) in contacts.iter().enumerate() {
                let item = &items[*k];
                let c = &item.contact;
                let (pid, home) = match who {
                    Ok(id) => (
                        *id,
                        homes.get(id).cloned().ok_or_else(|| {
                            StoreError::Corrupt("referral batch: a person's home".into())
                        })?,
                    ),
                    Err(f) => {
                        let u = &fresh[*f].1;
                        (
                            person_ids[*f],
                            Home {
                                structure: u.structure.as_str().to_string(),
                                unit_code: u.code.as_str().to_string(),
                                unit_path: u.path.as_str().to_string(),
                            },
                        )
                    }
                };
                sql.push(if j == 0 { "(" } else { ", (" });
                sql.bind(Val::Int(pid)).push(", ");
                sql.bind(Val::Int(c.degree)).push(", ");
                sql.bind(Val::Int(c.first_exposure_s)).push(", ");
                sql.bind(Val::Int(c.exposure_s)).push(", ");
                sql.bind(Val::Text(typed::to_json(&c.reasons, "contacts.reasons")?))
                    .push(", ");
                sql.bind(Val::Text(c.status.as_str().to_string()))
                    .push(", ");
                sql.bind(Val::OptInt(c.quarantine_from_s)).push(", ");
                sql.bind(Val::OptInt(c.quarantine_until_s)).push(", ");
                sql.bind(Val::OptInt(c.follow_up_until_s)).push(", ");
                sql.bind(Val::Text(c.test_days.clone())).push(", ");
                sql.bind(Val::Text(c.policy.clone())).push(", ");
                sql.bind(Val::Text(home.structure)).push(", ");
                sql.bind(Val::Text(home.unit_code)).push(", ");
                sql.bind(Val::Text(home.unit_path)).push(", ");
                sql.bind(Val::Int(now_s)).push(", ");
                let user = item.caller.user.id.0;
                sql.bind(Val::OptInt((user > 0).then_some(user))).push(", ");
                sql.bind(Val::Text(c.referred_from.clone())).push(", ");
                sql.bind(Val::Text(c.remote_ref.clone())).push(")");
            }
            sql.push(" RETURNING id, referred_from, remote_ref");
            let mut ids: HashMap<(String, String), i64> = HashMap::new();
            for r in sql.query().fetch_all(&mut **tx).await? {
                ids.insert((r.try_get(1)?, r.try_get(2)?), r.try_get(0)?);
            }
            if ids.len() != contacts.len() {
                return Err(StoreError::Corrupt(format!(
                    "referral batch: {} contacts inserted of {}",
                    ids.len(),
                    contacts.len()
                )));
            }
            for (k, _) in &contacts {
                let item = &items[*k];
                let c = &item.contact;
                let id = ids
                    .get(&(c.referred_from.clone(), c.remote_ref.clone()))
                    .ok_or_else(|| StoreError::Corrupt("referral batch: a contact".into()))?;
                audit_rows.push(AuditEntry {
                    user: None,
                    actor: item.caller.user.username.clone(),
                    action: AuditAction::Create,
                    entity: "contact",
                    entity_id: id.to_string(),
                    detail: Some(format!(
                        "referred from {} as {}",
                        c.referred_from, c.remote_ref
                    )),
                });
            }
        }
        audit::append(tx, dialect, audit_rows, now_s).await?;
        Ok(applied)
    }
}
