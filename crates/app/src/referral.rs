//! Referral of contacts between linked localities (issue #17, "What travels" 1).
//!
//! A locality's code is its province's ("01" Hà Nội, "79" HCMC). When a trace here records
//! a contact whose residence lies in another province, and the registry knows a locality of
//! that code, the contact is REFERRED: one `referral` message per new such contact is
//! written with the contacts, in the same transaction (`tracing::trace_and_record`). The
//! receiving locality ([`apply_referral_message`]) finds or registers the person and puts
//! the contact on its follow-up lists with the plan as sent; each follow-up event it records
//! on that contact sends a `referral_status` back about the same record, which the sender
//! applies to its own contact.
//!
//! The body is our own versioned JSON ([`ReferralBody`], `v` 1, documented in
//! docs/ARCHITECTURE.md): venues travel by name (our ids mean nothing there) and the source
//! case as an opaque token ([`pseudonym`]), never its id, name or person.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::contact::{ContactReason, ContactSetting, ContactStatus, ReasonKind};
use domain::followup::FollowUpStatus;
use domain::{CaseId, FieldError, PersonId};
use link::{Envelope, KeyPair, Kind, LocalityCode, Registry};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::{Caller, LinkTx, PersonFacts, ReferredContact, StoreError};

use crate::App;

/// The body version this code writes and reads.
pub const BODY_VERSION: u32 = 1;

/// What a locality needs to send and take referrals: its code, its key pair
/// (`Store::link_key`) and the registry of linked localities (`Store::link_registry`).
#[derive(Clone)]
pub struct LinkSetup {
    pub me: LocalityCode,
    pub key: KeyPair,
    pub registry: Registry,
}

/// Why a referral message could not be applied (the message is not acknowledged and comes
/// again, except for the refusals the caller records).
#[derive(Debug, thiserror::Error)]
pub enum ReferralError {
    /// The body is not a referral of a version this code reads.
    #[error("malformed referral body: {0}")]
    Body(String),
    /// The kind is not a referral's.
    #[error("not a referral: {0}")]
    Kind(&'static str),
    /// The person's fields or unit do not hold here.
    #[error("the referred person does not hold: {0:?}")]
    Person(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ReferralError {
    /// True when delivering the message again cannot help (its body, its kind or its
    /// person is at fault): the consumer acknowledges it and records the refusal, rather
    /// than have it redelivered forever. A store error may pass: the message comes again.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, ReferralError::Store(_))
    }
}

/// A referral (`kind` `referral`), version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralBody {
    pub v: u32,
    pub person: ReferredPerson,
    /// 1 (F1) or 2 (F2).
    pub degree: i64,
    pub first_exposure_s: i64,
    /// The exposure's length as the tracing engine measured it (seconds).
    pub exposure_s: i64,
    pub reasons: Vec<ReferredReason>,
    pub plan: ReferredPlan,
    /// The source case as an opaque token ([`pseudonym`]): two referrals of one case carry
    /// the same token, nothing more.
    pub source_case: String,
}

/// The person as the sending locality holds them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferredPerson {
    pub full_name: String,
    /// YYYY-MM-DD.
    pub birth_date: Option<String>,
    /// `domain::person::Sex` slug.
    pub sex: String,
    pub phone: Option<String>,
    pub national_id: Option<String>,
    /// The residence: structure ("2021", "2025") and unit code.
    pub structure: String,
    pub unit_code: String,
    pub address: Option<String>,
}

/// One reason, the venue by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferredReason {
    pub kind: ReasonKind,
    pub venue: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub overlap_min: Option<f64>,
    pub setting: Option<ContactSetting>,
}

/// The quarantine plan as the sender's rule gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferredPlan {
    pub status: ContactStatus,
    pub quarantine_from_s: Option<i64>,
    pub quarantine_until_s: Option<i64>,
    pub follow_up_until_s: Option<i64>,
    pub test_days: String,
    /// The legal document the dates come from.
    pub policy: String,
}

/// A follow-up status flowing back (`kind` `referral_status`), version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusBody {
    pub v: u32,
    /// `domain::followup::FollowUpStatus` slug.
    pub follow_status: String,
    /// What was recorded ("follow-up 2021-11-20 reached=true", "test … positive", …).
    pub event: String,
    pub became_case: bool,
}

/// The source case as a referral names it: hex of SHA-256 of our public key and the case id.
/// Stable per case and locality, and says nothing of the case to anyone without our data.
pub fn pseudonym(key: &KeyPair, case: CaseId) -> String {
    let mut h = Sha256::new();
    h.update(key.public().to_base64().as_bytes());
    h.update(b":");
    h.update(case.0.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The province code of a stored unit path ("/79/760/26734/" → "79").
pub fn province_of(unit_path: &str) -> Option<&str> {
    unit_path.split('/').find(|s| !s.is_empty())
}

/// The record key of our contact `id`: `contact:<our code>:<id>`.
pub fn record_key(me: &LocalityCode, contact_id: i64) -> String {
    format!("contact:{}:{contact_id}", me.as_str())
}

/// The linked locality a person living at `unit_path` is referred to: their province's,
/// when it is not ours and the registry knows it.
pub fn referred_to(setup: &LinkSetup, unit_path: &str) -> Option<LocalityCode> {
    let code = LocalityCode::parse(province_of(unit_path)?).ok()?;
    (code != setup.me && setup.registry.get(&code).is_some()).then_some(code)
}

/// The referral body of a contact recorded here.
fn body_of(
    setup: &LinkSetup,
    case: CaseId,
    row: &store::ContactRow,
    person: &PersonFacts,
    venues: &HashMap<i64, String>,
) -> ReferralBody {
    ReferralBody {
        v: BODY_VERSION,
        person: ReferredPerson {
            full_name: person.full_name.clone(),
            birth_date: person.birth_date.clone(),
            sex: person.sex.clone(),
            phone: person.phone.clone(),
            national_id: person.national_id.clone(),
            structure: person.structure.clone(),
            unit_code: person.unit_code.clone(),
            address: person.address.clone(),
        },
        degree: row.degree,
        first_exposure_s: row.first_exposure_s,
        exposure_s: row.exposure_s,
        reasons: row
            .reasons
            .iter()
            .map(|r| ReferredReason {
                kind: r.kind,
                venue: r.venue_id.and_then(|v| venues.get(&v).cloned()),
                from: r.from,
                to: r.to,
                overlap_min: r.overlap_min,
                setting: r.setting,
            })
            .collect(),
        plan: ReferredPlan {
            status: row.status,
            quarantine_from_s: row.quarantine_from_s,
            quarantine_until_s: row.quarantine_until_s,
            follow_up_until_s: row.follow_up_until_s,
            test_days: row.test_days.clone(),
            policy: row.policy.clone(),
        },
        source_case: pseudonym(&setup.key, case),
    }
}

/// Writes one `referral` per contact in `fresh` (contact id, person id: those recorded now)
/// whose residence is in another linked locality, in the transaction that recorded them.
/// Returns how many were referred.
pub async fn enqueue_referrals(
    app: &App,
    tx: &mut LinkTx,
    setup: &LinkSetup,
    case: CaseId,
    rows: &[store::ContactRow],
    fresh: &[(i64, i64)],
) -> Result<usize, StoreError> {
    let ids: Vec<i64> = fresh.iter().map(|(_, p)| *p).collect();
    let persons = app.store.person_facts_in(tx, &ids).await?;
    let venue_ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| r.reasons.iter().filter_map(|x| x.venue_id))
        .collect();
    let venues = app.store.venue_names_in(tx, &venue_ids).await?;
    let by_person: HashMap<i64, &store::ContactRow> =
        rows.iter().map(|r| (r.person_id, r)).collect();
    let mut messages = Vec::new();
    for (contact_id, person_id) in fresh {
        let (Some(person), Some(row)) = (persons.get(person_id), by_person.get(person_id)) else {
            continue;
        };
        let Some(to) = referred_to(setup, &person.unit_path) else {
            continue;
        };
        let body = body_of(setup, case, row, person, &venues);
        let body = serde_json::to_value(&body)
            .map_err(|e| StoreError::Corrupt(format!("referral body: {e}")))?;
        messages.push(store::OutMessage {
            to,
            kind: Kind::Referral,
            record: record_key(&setup.me, *contact_id),
            body,
        });
    }
    let n = messages.len();
    if n > 0 {
        // A trace's referrals in a few statements, not two a contact.
        app.store
            .enqueue_many_in(tx, &setup.me, messages, app.now_s(), &setup.key)
            .await?;
    }
    Ok(n)
}

/// The caller a received message acts as: the system, audited as the sending locality,
/// with the receiving locality's province (`me`) as its jurisdiction, so a referral can
/// place no one living elsewhere on our lists (a locality code that is no unit code keeps
/// the whole registry).
pub(crate) fn link_caller(from: &LocalityCode, me: &LocalityCode) -> Caller {
    let mut caller = Caller::system(&format!("link:{}", from.as_str()));
    if let Ok(code) = domain::UnitCode::parse(me.as_str()) {
        let province = domain::UnitPath::root().child(&code);
        caller.scope = domain::Scope::of(
            domain::Structure::ALL
                .iter()
                .map(|s| (*s, province.clone())),
        );
    }
    caller
}

/// Applies a received `referral` or `referral_status` in the receiving transaction
/// (`Store::receive`'s `apply`).
///
/// A referral finds the person here (national ID; else phone and name; else registers
/// them as the person form does) and records the contact on the follow-up lists of the unit
/// they live in, with the plan as sent, marked as referred from the sender with its record
/// key. A status sets our contact's follow-up status (the record key names our contact).
pub async fn apply_referral_message(
    app: &App,
    tx: &mut LinkTx,
    env: &Envelope,
) -> Result<(), ReferralError> {
    match env.kind {
        Kind::Referral => apply_referral(app, tx, env).await,
        Kind::ReferralStatus => apply_status(app, tx, env).await,
        other => Err(ReferralError::Kind(other.as_str())),
    }
}

async fn apply_referral(app: &App, tx: &mut LinkTx, env: &Envelope) -> Result<(), ReferralError> {
    let body: ReferralBody =
        serde_json::from_value(env.body.clone()).map_err(|e| ReferralError::Body(e.to_string()))?;
    if body.v != BODY_VERSION {
        return Err(ReferralError::Body(format!("version {}", body.v)));
    }
    let caller = link_caller(&env.from, &env.to);
    let now = app.now_s();
    let p = &body.person;
    let found = app
        .store
        .find_referred_person_in(
            tx,
            p.national_id.as_deref(),
            p.phone.as_deref(),
            &p.full_name,
        )
        .await?;
    let person_id: PersonId = match found {
        Some(id) => id,
        None => {
            let unit = match p.structure.as_str() {
                "2021" => p.unit_code.clone(),
                s => format!("{s}:{}", p.unit_code),
            };
            let input = domain::person::PersonInput {
                full_name: Some(p.full_name.clone()),
                national_id: p.national_id.clone(),
                phone: p.phone.clone(),
                birth_date: p.birth_date.clone(),
                sex: Some(p.sex.clone()),
                unit: Some(unit),
            };
            let mut errors = Vec::new();
            let address = crate::persons::parse_address(p.address.as_deref(), &mut errors);
            let new = input.validate(app.today()).map_err(ReferralError::Person)?;
            if !errors.is_empty() {
                return Err(ReferralError::Person(errors));
            }
            match app
                .store
                .register_referred_person_in(tx, &caller, &new, address.as_deref(), now)
                .await
            {
                Ok(id) => id,
                Err(StoreError::Invalid(f)) => return Err(ReferralError::Person(f)),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let contact = referred_contact(&body, env, person_id);
    match app
        .store
        .insert_referred_contact_in(tx, &caller, &contact, now)
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Invalid(f)) => Err(ReferralError::Person(f)),
        Err(e) => Err(e.into()),
    }
}

/// Applies the longest prefix of `envs` (in their order) made of referrals with a readable
/// body, with a few multi-row statements for all (`Store::insert_referrals_in`); answers how
/// many it applied. It writes the rows [`apply_referral_message`] writes for each in turn;
/// the first it leaves (another kind, a body or person that does not hold) is the caller's
/// to apply on its own, where it is refused or applied as usual.
pub async fn apply_referral_run(
    app: &App,
    tx: &mut LinkTx,
    envs: &[&Envelope],
) -> Result<usize, StoreError> {
    let mut items = Vec::new();
    for env in envs {
        let Some(item) = batch_item(app, env) else {
            break;
        };
        items.push(item);
    }
    if items.is_empty() {
        return Ok(0);
    }
    app.store.insert_referrals_in(tx, &items, app.now_s()).await
}

/// A referral as `Store::insert_referrals_in` takes it, or `None` when it is no referral or
/// its body does not hold (then it is applied, and refused, on its own).
fn batch_item(app: &App, env: &Envelope) -> Option<store::BatchReferral> {
    if env.kind != Kind::Referral {
        return None;
    }
    let body: ReferralBody = serde_json::from_value(env.body.clone()).ok()?;
    if body.v != BODY_VERSION {
        return None;
    }
    let p = &body.person;
    // The person to register if not found, as `apply_referral` builds it (`None` if it would
    // be refused: only then is it asked for).
    let unit = match p.structure.as_str() {
        "2021" => p.unit_code.clone(),
        s => format!("{s}:{}", p.unit_code),
    };
    let input = domain::person::PersonInput {
        full_name: Some(p.full_name.clone()),
        national_id: p.national_id.clone(),
        phone: p.phone.clone(),
        birth_date: p.birth_date.clone(),
        sex: Some(p.sex.clone()),
        unit: Some(unit),
    };
    let mut errors = Vec::new();
    let address = crate::persons::parse_address(p.address.as_deref(), &mut errors);
    let new = input
        .validate(app.today())
        .ok()
        .filter(|_| errors.is_empty());
    Some(store::BatchReferral {
        caller: link_caller(&env.from, &env.to),
        national_id: p.national_id.clone(),
        phone: p.phone.clone(),
        full_name: p.full_name.clone(),
        new,
        address,
        contact: referred_contact(&body, env, PersonId(0)),
    })
}

/// The contact a referral records, its person found or registered as `person_id`.
fn referred_contact(body: &ReferralBody, env: &Envelope, person_id: PersonId) -> ReferredContact {
    ReferredContact {
        person_id,
        degree: body.degree,
        first_exposure_s: body.first_exposure_s,
        exposure_s: body.exposure_s,
        reasons: body
            .reasons
            .iter()
            .map(|r| ContactReason {
                kind: r.kind,
                venue_id: None,
                venue_name: r.venue.clone(),
                from: r.from,
                to: r.to,
                overlap_min: r.overlap_min,
                setting: r.setting,
            })
            .collect(),
        status: body.plan.status,
        quarantine_from_s: body.plan.quarantine_from_s,
        quarantine_until_s: body.plan.quarantine_until_s,
        follow_up_until_s: body.plan.follow_up_until_s,
        test_days: body.plan.test_days.clone(),
        policy: body.plan.policy.clone(),
        referred_from: env.from.as_str().to_string(),
        remote_ref: env.record.clone(),
    }
}

async fn apply_status(app: &App, tx: &mut LinkTx, env: &Envelope) -> Result<(), ReferralError> {
    let body: StatusBody =
        serde_json::from_value(env.body.clone()).map_err(|e| ReferralError::Body(e.to_string()))?;
    if body.v != BODY_VERSION {
        return Err(ReferralError::Body(format!("version {}", body.v)));
    }
    let status: FollowUpStatus = body
        .follow_status
        .parse()
        .map_err(|_| ReferralError::Body(format!("follow_status {:?}", body.follow_status)))?;
    // The record is ours: contact:<our code>:<id>. Another shape is not ours to apply.
    let me = app
        .link
        .as_ref()
        .map(|s| s.me.as_str().to_string())
        .unwrap_or_else(|| env.to.as_str().to_string());
    let id = env
        .record
        .strip_prefix("contact:")
        .and_then(|r| r.strip_prefix(me.as_str()))
        .and_then(|r| r.strip_prefix(':'))
        .and_then(|r| r.parse::<i64>().ok())
        .ok_or_else(|| ReferralError::Body(format!("record {:?}", env.record)))?;
    let detail = format!(
        "referral status from {}: {}{}",
        env.from.as_str(),
        body.event,
        if body.became_case {
            "; became a case there"
        } else {
            ""
        }
    );
    let actor = format!("link:{}", env.from.as_str());
    let applied = app
        .store
        .apply_referral_status_in(
            tx,
            &actor,
            id,
            env.from.as_str(),
            status,
            &detail,
            app.now_s(),
        )
        .await?;
    if !applied {
        // Not a contact of ours referred there: nothing to apply, and nothing a
        // redelivery would change (the message is acknowledged, the fact logged).
        tracing::warn!(
            "referral status from {} about {}: no such referred contact here",
            env.from.as_str(),
            env.record
        );
    }
    Ok(())
}
