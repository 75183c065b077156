//! Sharing a case for view with a linked locality (issue #17, "What travels" 3).
//!
//! [`App::share_case`] sends one case — its person, status history, tests, doses and stays,
//! as the case and person reads give them — to a partner, after applying the
//! [`Pseudonymisation`] chosen: the body ([`SharedCase`], `v` 1, documented in
//! docs/ARCHITECTURE.md) is built from the choices, so what is not shared never leaves here.
//! It travels as kind `share`, record `share:<our code>:<share id>`, written in the same
//! transaction as the `shares` row. [`App::revoke_share`] sends `share` again (the next seq)
//! with action `revoke`; the partner deletes its copy and keeps only that it was revoked,
//! when and by whom. A later update after a revoke is stale by its seq.
//!
//! The receiver ([`apply_share_message`]) keeps the copy read-only in `shared_in`, never in
//! its own persons or cases; [`App::shared_with_us`] and [`App::shared_case`] read them for
//! whoever may read cases (`Permission::ReadPersonal`, the one check the API and pages share
//! through these calls).
//!
//! Free text never travels: a status change's note and actor, who entered a test, the
//! stay's facility ids. Those may name people the choices do not cover.

use domain::person::Person;
use domain::role::Permission;
use domain::share::Pseudonymisation;
use domain::{CaseId, PersonId, Structure};
use link::{Envelope, KeyPair, Kind, LocalityCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::{Caller, LinkTx, SharedIn, StoreError};

use crate::registry::Registry;
use crate::App;

/// The body version this code writes and reads.
pub const BODY_VERSION: u32 = 1;

/// Why a share, a revoke or a read of shared copies was not done.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The caller's role may not read cases.
    #[error("forbidden")]
    Forbidden,
    /// No such case or share in the caller's scope.
    #[error("not found")]
    NotFound,
    /// This locality is not linked, or the partner is not in its registry (or is itself).
    #[error("unknown partner {0:?}")]
    UnknownPartner(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a received `share` message could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ShareApplyError {
    #[error("malformed share: {0}")]
    Body(String),
    #[error("not a share: {0}")]
    Kind(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ShareApplyError {
    /// True when delivering the message again cannot help (set aside, acknowledged).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, ShareApplyError::Store(_))
    }
}

/// What a `share` message does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareAction {
    Share,
    Revoke,
}

/// A `share` message's body, version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareMessage {
    pub v: u32,
    pub action: ShareAction,
    /// The case as shared (action `share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<SharedCase>,
    /// Who revoked it there, by account name (action `revoke`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
}

/// The case as it travels, the choices already applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedCase {
    /// The choices it was built under (so the reader knows what is missing and why).
    pub choices: Pseudonymisation,
    pub person: SharedPerson,
    pub case: SharedCaseFacts,
    pub history: Vec<SharedStatus>,
    pub tests: Vec<SharedTest>,
    pub doses: Vec<SharedDose>,
    pub stays: Vec<SharedStay>,
}

/// The person. With `no_identifiers` only `token` names them (no name, ID or phone); with
/// `birth_year_only` `birth_date` is absent and `birth_year` set; with `commune_only`
/// `address` is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedPerson {
    /// [`person_token`]: stable per sending locality and person.
    pub token: String,
    pub full_name: Option<String>,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    /// YYYY-MM-DD.
    pub birth_date: Option<String>,
    pub birth_year: Option<i32>,
    /// `domain::person::Sex` slug.
    pub sex: String,
    /// The residence: structure ("2021", "2025") and commune or ward code.
    pub structure: String,
    pub unit_code: String,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedCaseFacts {
    pub status: String,
    pub severity: String,
    pub onset_s: Option<i64>,
    pub first_sample_s: i64,
    pub confirmed_at_s: i64,
    pub isolation_s: Option<i64>,
    pub community: bool,
    pub outcome_at_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedStatus {
    pub at_s: i64,
    pub status: String,
    pub severity: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedTest {
    pub kind: String,
    pub sample_s: i64,
    pub result_s: i64,
    pub positive: bool,
    pub ct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedDose {
    pub dose_no: i64,
    pub product: String,
    pub given_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedStay {
    /// Isolation, care or quarantine place slug.
    pub place: String,
    pub facility_name: Option<String>,
    pub from_s: i64,
    pub until_s: Option<i64>,
    pub discharge_reason: Option<String>,
}

/// A copy shared with us, as read here. `case` is `None` once revoked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedCopy {
    pub id: i64,
    pub from_locality: String,
    pub share_id: i64,
    pub received_at_s: i64,
    pub revoked_at_s: Option<i64>,
    pub revoked_by: Option<String>,
    pub case: Option<SharedCase>,
}

/// The person as a share with `no_identifiers` names them: hex of SHA-256 of our public key,
/// "person" and the person id. Stable per locality and person (two shares of one person's
/// cases carry one token), and says nothing of them to anyone without our data.
pub fn person_token(key: &KeyPair, person: PersonId) -> String {
    let mut h = Sha256::new();
    h.update(key.public().to_base64().as_bytes());
    h.update(b":person:");
    h.update(person.0.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The record key of our share `id`: `share:<our code>:<id>`.
pub fn record_key(me: &LocalityCode, id: i64) -> String {
    format!("share:{}:{id}", me.as_str())
}

/// The person under `choices`: what is not chosen to travel is never put in.
fn shared_person(
    key: &KeyPair,
    p: &Person,
    address: Option<&str>,
    choices: Pseudonymisation,
) -> SharedPerson {
    use chrono::Datelike;
    let ids = !choices.no_identifiers;
    SharedPerson {
        token: person_token(key, p.id),
        full_name: ids.then(|| p.full_name.clone()),
        national_id: ids
            .then(|| p.national_id.as_ref().map(|n| n.as_str().to_string()))
            .flatten(),
        phone: ids
            .then(|| p.phone.as_ref().map(|n| n.as_str().to_string()))
            .flatten(),
        birth_date: (!choices.birth_year_only)
            .then(|| p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()))
            .flatten(),
        birth_year: p.birth_date.map(|d| d.year()),
        sex: p.sex.as_str().to_string(),
        structure: p.structure.as_str().to_string(),
        // A person's residence is a commune or ward already: `commune_only` drops the address.
        unit_code: p.unit_code.as_str().to_string(),
        address: (!choices.commune_only)
            .then(|| address.map(str::to_string))
            .flatten(),
    }
}

fn as_json<T: Serialize>(v: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(v).map_err(|e| StoreError::Corrupt(format!("share body: {e}")))
}

impl App {
    fn may_read_cases(caller: &Caller) -> Result<(), ShareError> {
        match caller.user.role.can(Permission::ReadPersonal) {
            true => Ok(()),
            false => Err(ShareError::Forbidden),
        }
    }

    /// Shares case `id` (in the caller's scope; read and audited as the case page reads it)
    /// for view with `to`, pseudonymised as `choices`. Answers the share's id.
    pub async fn share_case(
        &self,
        caller: &Caller,
        id: CaseId,
        to: &LocalityCode,
        choices: Pseudonymisation,
    ) -> Result<i64, ShareError> {
        Self::may_read_cases(caller)?;
        let setup = self
            .link
            .clone()
            .ok_or_else(|| ShareError::UnknownPartner(to.as_str().to_string()))?;
        if *to == setup.me || setup.registry.get(to).is_none() {
            return Err(ShareError::UnknownPartner(to.as_str().to_string()));
        }
        let now = self.now_s();
        let detail = self
            .store
            .get_case(caller, id, now)
            .await?
            .ok_or(ShareError::NotFound)?;
        let record = self
            .store
            .person_record(caller, detail.case.person_id, now)
            .await?
            .ok_or(ShareError::NotFound)?;
        let c = &detail.case;
        let shared = SharedCase {
            choices,
            person: shared_person(
                &setup.key,
                &record.person,
                record.address.as_deref(),
                choices,
            ),
            case: SharedCaseFacts {
                status: c.status.as_str().to_string(),
                severity: c.severity.as_str().to_string(),
                onset_s: c.onset_s,
                first_sample_s: c.first_sample_s,
                confirmed_at_s: c.confirmed_at_s,
                isolation_s: c.isolation_s,
                community: c.community,
                outcome_at_s: c.outcome_at_s,
            },
            history: detail
                .history
                .iter()
                .map(|h| SharedStatus {
                    at_s: h.at.timestamp(),
                    status: h.status.as_str().to_string(),
                    severity: h.severity.as_str().to_string(),
                })
                .collect(),
            tests: detail
                .tests
                .iter()
                .map(|t| SharedTest {
                    kind: t.kind.as_str().to_string(),
                    sample_s: t.sample_s,
                    result_s: t.result_s,
                    positive: t.positive,
                    ct: t.ct,
                })
                .collect(),
            doses: record
                .doses
                .iter()
                .map(|d| SharedDose {
                    dose_no: d.dose_no,
                    product: d.product.clone(),
                    given_on: d.given_on.clone(),
                })
                .collect(),
            stays: record
                .stays
                .iter()
                .map(|s| SharedStay {
                    place: s.place.clone(),
                    facility_name: s.facility_name.clone(),
                    from_s: s.from_s,
                    until_s: s.until_s,
                    discharge_reason: s.discharge_reason.clone(),
                })
                .collect(),
        };
        let body = as_json(&ShareMessage {
            v: BODY_VERSION,
            action: ShareAction::Share,
            case: Some(shared),
            revoked_by: None,
        })?;
        let mut tx = self.store.begin_transaction().await?;
        let share = self
            .store
            .insert_share_in(&mut tx, caller, id, to.as_str(), choices, now)
            .await?;
        self.store
            .enqueue_in(
                &mut tx,
                &setup.me,
                to,
                Kind::Share,
                &record_key(&setup.me, share),
                body,
                now,
                &setup.key,
            )
            .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.link_wake.notify_one();
        Ok(share)
    }

    /// Revokes share `id` (its case in the caller's scope): the partner deletes its copy.
    /// False: it was revoked already (nothing sent again).
    pub async fn revoke_share(&self, caller: &Caller, id: i64) -> Result<bool, ShareError> {
        Self::may_read_cases(caller)?;
        let share = self
            .store
            .share_out(id)
            .await?
            .ok_or(ShareError::NotFound)?;
        let now = self.now_s();
        // The case's scope is the share's: a share of a case the caller cannot read is not
        // theirs to revoke (nor to know of).
        self.store
            .get_case(caller, share.case_id, now)
            .await?
            .ok_or(ShareError::NotFound)?;
        let setup = self
            .link
            .clone()
            .ok_or_else(|| ShareError::UnknownPartner(share.to_locality.clone()))?;
        let to = LocalityCode::parse(&share.to_locality)
            .map_err(|_| StoreError::Corrupt("shares.to_locality".into()))?;
        let body = as_json(&ShareMessage {
            v: BODY_VERSION,
            action: ShareAction::Revoke,
            case: None,
            revoked_by: Some(caller.user.username.clone()),
        })?;
        let mut tx = self.store.begin_transaction().await?;
        if !self
            .store
            .revoke_share_in(&mut tx, caller, &share, now)
            .await?
        {
            return Ok(false);
        }
        self.store
            .enqueue_in(
                &mut tx,
                &setup.me,
                &to,
                Kind::Share,
                &record_key(&setup.me, share.id),
                body,
                now,
                &setup.key,
            )
            .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.link_wake.notify_one();
        Ok(true)
    }

    /// The copies other localities shared with us, newest first (revoked ones without
    /// their case); each listed copy audited.
    pub async fn shared_with_us(&self, caller: &Caller) -> Result<Vec<SharedCopy>, ShareError> {
        Self::may_read_cases(caller)?;
        self.store
            .shared_in_list(caller, self.now_s(), |s| self.may_read_copy(caller, s))
            .await?
            .into_iter()
            .map(copy_of)
            .collect()
    }

    /// Copy `id` shared with us, audited as read; `None` when there is none or it was
    /// revoked (nothing of it is left to read).
    pub async fn shared_case(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Option<SharedCopy>, ShareError> {
        Ok(self
            .shared_copy(caller, id)
            .await?
            .filter(|c| c.case.is_some()))
    }

    /// Copy `id` shared with us as it stands: with its case, audited as read, or revoked
    /// (when and by whom, nothing else). `None` when there is none in the caller's scope.
    pub async fn shared_copy(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Option<SharedCopy>, ShareError> {
        Self::may_read_cases(caller)?;
        let visible = |s: &SharedIn| self.may_read_copy(caller, s);
        self.store
            .shared_in_get(caller, id, self.now_s(), visible)
            .await?
            .map(copy_of)
            .transpose()
    }
}

impl App {
    /// Whether the caller's scope covers a copy shared with us. A copy is addressed to this
    /// locality, not to a unit: whoever's scope holds the person's residence may read it
    /// (a commune officer, the copy of a resident of the commune); a copy of someone living
    /// outside our units only whoever's scope holds this whole locality (its command
    /// centre). A revoked copy holds nothing and is listed to the same callers.
    fn may_read_copy(&self, caller: &Caller, s: &SharedIn) -> bool {
        if caller.scope.is_everything() {
            return true;
        }
        let person = s.body.as_ref().map(|b| &b["person"]);
        let structure = person
            .and_then(|p| p["structure"].as_str())
            .and_then(|t| t.parse::<Structure>().ok());
        let residence = person.and_then(|p| p["unit_code"].as_str());
        if let (Some(structure), Some(code)) = (structure, residence) {
            if let Some(unit) = Registry::of(structure).get(code) {
                if caller.scope.contains(structure, &unit.path) {
                    return true;
                }
            }
        }
        // Not in the caller's units: the locality's own root decides (in the copy's
        // structure, or in either when the copy holds none, revoked).
        let Some(me) = self.link.as_ref().map(|l| l.me.as_str()) else {
            return false;
        };
        let structures: Vec<Structure> = match structure {
            Some(s) => vec![s],
            None => Structure::ALL.to_vec(),
        };
        structures.into_iter().any(|st| {
            Registry::of(st)
                .get(me)
                .is_some_and(|root| caller.scope.contains(st, &root.path))
        })
    }
}

fn copy_of(s: SharedIn) -> Result<SharedCopy, ShareError> {
    let case = s
        .body
        .map(serde_json::from_value::<SharedCase>)
        .transpose()
        .map_err(|_| StoreError::Corrupt("shared_in.body".into()))?;
    Ok(SharedCopy {
        id: s.id,
        from_locality: s.from_locality,
        share_id: s.share_id,
        received_at_s: s.received_at_s,
        revoked_at_s: s.revoked_at_s,
        revoked_by: s.revoked_by,
        case,
    })
}

/// Applies a received `share` in the receiving transaction (`Store::receive`'s `apply`):
/// keeps the copy, or deletes it on a revoke. The record key must be the sender's
/// (`share:<from>:<id>`): a locality shares only its own records.
pub async fn apply_share_message(
    app: &App,
    tx: &mut LinkTx,
    env: &Envelope,
) -> Result<(), ShareApplyError> {
    if env.kind != Kind::Share {
        return Err(ShareApplyError::Kind(env.kind.as_str()));
    }
    let from = env.from.as_str();
    let share_id = env
        .record
        .strip_prefix("share:")
        .and_then(|r| r.strip_prefix(from))
        .and_then(|r| r.strip_prefix(':'))
        .and_then(|r| r.parse::<i64>().ok())
        .ok_or_else(|| ShareApplyError::Body(format!("record {:?}", env.record)))?;
    let msg: ShareMessage = serde_json::from_value(env.body.clone())
        .map_err(|e| ShareApplyError::Body(e.to_string()))?;
    if msg.v != BODY_VERSION {
        return Err(ShareApplyError::Body(format!("version {}", msg.v)));
    }
    let now = app.now_s();
    match (msg.action, msg.case) {
        (ShareAction::Share, Some(case)) => {
            let body =
                serde_json::to_value(&case).map_err(|e| ShareApplyError::Body(e.to_string()))?;
            app.store
                .put_shared_in_in(tx, from, share_id, &body, now)
                .await?;
        }
        (ShareAction::Share, None) => {
            return Err(ShareApplyError::Body("a share without its case".into()))
        }
        (ShareAction::Revoke, _) => {
            let by = format!("{from}:{}", msg.revoked_by.as_deref().unwrap_or("?"));
            app.store
                .revoke_shared_in_in(tx, from, share_id, &by, now)
                .await?;
        }
    }
    Ok(())
}
