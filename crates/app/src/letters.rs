//! Thank-you letters recorded on both sides (issue #17, "What travels" 4), also for help that
//! was not a gift (HCMC's letter to Hà Nội of 29 October 2021 for its doctors and supplies)
//! and for our residents cared for by a partner (Hậu Giang thanking HCMC).
//!
//! [`record_letter`] is the one use case: in one transaction it writes the letter, and
//! - for a letter of kind `gift` about a gift we RECEIVED, acknowledges the gift (as
//!   [`crate::gift::advance_donation`] does, so the acknowledgement travels back to a linked
//!   donor as a `gift_receipt`);
//! - for a letter to a LINKED locality (a peer in our registry, not us), writes a `letter`
//!   message about the record `letter:<our code>:<letter id>` ([`LetterBody`], v 1), which
//!   the partner records as received ([`apply_letter_message`]).
//!
//! A letter to a partner that is not linked (an embassy, a company, a locality with no
//! system) is recorded here only. [`crate::gift::record_letter_sent`] (the printed letter of
//! a gift) goes through the same use case.

use domain::aid::{
    check_letter, AidStatus, LetterDirection, LetterDraft, LetterFields, LetterKind, LetterPartner,
};
use domain::{DonationId, FieldError, LetterId, Reason, UnitCode};
use link::{Envelope, Kind, LocalityCode};
use serde::{Deserialize, Serialize};
use store::{Caller, LetterRow, LinkTx, StoreError};

use crate::referral::LinkSetup;
use crate::App;

/// Aid is recorded in the structure of the COVID-19 years (as `store::aid` does).
const AID_STRUCTURE: domain::Structure = domain::Structure::S2021;

/// The body version this code writes and reads.
pub const BODY_VERSION: u32 = 1;

/// A letter (`kind` `letter`), version 1: the letter as its writer recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterBody {
    pub v: u32,
    /// `domain::aid::LetterKind` slug: `gift`, `help` or `residents_cared`.
    pub kind: String,
    /// The letter's date, YYYY-MM-DD.
    pub on_date: String,
    pub subject: String,
    pub text: String,
    /// Name and office of who signed.
    pub signed_by: String,
    /// For a `gift` letter: the gift's record key as both ledgers know it
    /// (`gift:<donor's code>:<donor's id>`), when the gift travelled.
    pub gift: Option<String>,
}

/// A letter as an edge received it (form or JSON), text as typed.
#[derive(Debug, Clone, Default)]
pub struct LetterInput {
    /// A locality code (linked or not); empty when `partner_name` names another partner.
    pub to: Option<String>,
    pub partner_name: Option<String>,
    pub kind: Option<String>,
    /// YYYY-MM-DD.
    pub on_date: Option<String>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub signed_by: Option<String>,
    pub donation_id: Option<i64>,
}

/// A letter from its input: every field checked (`domain::aid::check_letter`), every error
/// reported at once.
pub fn new_letter(
    r: &LetterInput,
    today: chrono::NaiveDate,
) -> Result<LetterDraft, Vec<FieldError>> {
    check_letter(
        &LetterFields {
            to: r.to.as_deref(),
            partner_name: r.partner_name.as_deref(),
            kind: r.kind.as_deref(),
            on_date: r.on_date.as_deref(),
            subject: r.subject.as_deref(),
            text: r.text.as_deref(),
            signed_by: r.signed_by.as_deref(),
            donation_id: r.donation_id,
        },
        today,
    )
}

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

/// The linked locality `code` names: a peer of our registry, not us.
fn linked(setup: Option<&LinkSetup>, code: &str) -> Option<(LocalityCode, String)> {
    let setup = setup?;
    let code = LocalityCode::parse(code).ok().filter(|c| *c != setup.me)?;
    let name = setup.registry.get(&code)?.name.clone();
    Some((code, name))
}

/// Records a letter (see the module): sent, dated and signed as drafted.
pub async fn record_letter(
    app: &App,
    caller: &Caller,
    draft: &LetterDraft,
) -> Result<LetterId, StoreError> {
    record(app, caller, draft, None).await
}

/// [`record_letter`], and when `printed` (`vi` or `en`), the gift's printed letter noted.
pub(crate) async fn record(
    app: &App,
    caller: &Caller,
    draft: &LetterDraft,
    printed: Option<&str>,
) -> Result<LetterId, StoreError> {
    let now = app.now_s();
    let setup = app.link.clone();
    // Who it is to: a linked locality by the registry's name, another locality by its
    // unit's name, anyone else as named.
    let (to, partner_code, partner_name) = match &draft.partner {
        LetterPartner::Named(name) => (None, None, name.clone()),
        LetterPartner::Locality(code) => match linked(setup.as_deref(), code) {
            Some((c, name)) => (Some(c), Some(code.clone()), name),
            None => {
                let unit = match UnitCode::parse(code) {
                    Ok(u) => app.store.unit_unscoped(AID_STRUCTURE, &u).await?,
                    Err(_) => None,
                };
                let unit = unit.ok_or_else(|| invalid("to", Reason::NotFound))?;
                (None, Some(code.clone()), unit.name)
            }
        },
    };
    // A gift letter names a gift the caller sees; a received gift is acknowledged with it.
    let mut step = None;
    let mut gift_record = None;
    if let Some(id) = draft.donation_id.filter(|_| draft.kind == LetterKind::Gift) {
        let id = DonationId::new(id);
        let Some(d) = app.store.get_donation(caller, id).await? else {
            return Err(invalid("donation_id", Reason::NotFound));
        };
        if d.donation.status == AidStatus::Received {
            step = app
                .store
                .prepare_advance(caller, id, AidStatus::Acknowledged, None)
                .await?;
        }
        gift_record = Some(id);
    }
    let mut tx = app.store.begin_transaction().await?;
    let mut sent = false;
    if let Some(step) = &step {
        app.store
            .advance_donation_in(&mut tx, caller, step, Some("thank-you letter sent"), now)
            .await?;
        if let Some(setup) = &setup {
            sent |= crate::gift::send_receipt_in(app, &mut tx, setup, step.id, None).await?;
        }
    }
    let row = LetterRow {
        direction: LetterDirection::Sent,
        partner_code,
        partner_name,
        kind: draft.kind,
        on_date: draft.on_date,
        subject: draft.subject.clone(),
        text: draft.text.clone(),
        signed_by: draft.signed_by.clone(),
        donation_id: gift_record,
        link_record: None,
    };
    let id = app
        .store
        .insert_letter_in(&mut tx, caller, &row, now)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a sent letter was not written".into()))?;
    if let (Some(lang), Some(gift)) = (printed, gift_record) {
        app.store
            .note_letter_printed_in(&mut tx, caller, gift, lang, now)
            .await?;
    }
    if let (Some(to), Some(setup)) = (to, &setup) {
        let gift = match gift_record {
            Some(g) => gift_key(app, &mut tx, setup, g).await?,
            None => None,
        };
        let body = LetterBody {
            v: BODY_VERSION,
            kind: draft.kind.as_str().to_string(),
            on_date: draft.on_date.to_string(),
            subject: draft.subject.clone(),
            text: draft.text.clone(),
            signed_by: draft.signed_by.clone(),
            gift,
        };
        let body = serde_json::to_value(&body)
            .map_err(|e| StoreError::Corrupt(format!("letter body: {e}")))?;
        app.store
            .enqueue_in(
                &mut tx,
                &setup.me,
                &to,
                Kind::Letter,
                &record_key(&setup.me, id),
                body,
                now,
                &setup.key,
            )
            .await?;
        sent = true;
    }
    tx.commit().await?;
    if sent {
        app.link_wake.notify_one();
    }
    Ok(id)
}

/// The gift's record key as both ledgers know it: the donor's key of a gift taken in, ours
/// of a gift we sent; None for a gift that did not travel.
async fn gift_key(
    app: &App,
    tx: &mut LinkTx,
    setup: &LinkSetup,
    id: DonationId,
) -> Result<Option<String>, StoreError> {
    let Some(g) = app.store.gift_for_link_in(tx, id).await? else {
        return Ok(None);
    };
    Ok(match g.link {
        Some((_, record)) => Some(record),
        None => crate::gift::linked_locality(setup, &g.recipient_path)
            .map(|_| crate::gift::record_key(&setup.me, id)),
    })
}

/// The record key of our letter `id`: `letter:<our code>:<id>`.
pub fn record_key(me: &LocalityCode, id: LetterId) -> String {
    format!("letter:{}:{}", me.as_str(), id.get())
}

/// Why a letter message could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("malformed letter body: {0}")]
    Body(String),
    #[error("the letter does not hold: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for LetterError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) => LetterError::Invalid(f),
            e => LetterError::Store(e),
        }
    }
}

impl LetterError {
    /// True when delivering again cannot help (see `ReferralError::is_permanent`).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, LetterError::Store(_))
    }
}

fn bad(what: impl std::fmt::Display) -> LetterError {
    LetterError::Body(what.to_string())
}

/// Applies a received `letter` in the receiving transaction (the dispatcher's handler): the
/// letter recorded as RECEIVED from its sender, named as our registry names it, once.
pub async fn apply_letter_message(
    app: &App,
    tx: &mut LinkTx,
    env: &Envelope,
) -> Result<(), LetterError> {
    let b: LetterBody = serde_json::from_value(env.body.clone()).map_err(bad)?;
    if b.v != BODY_VERSION {
        return Err(bad(format!("version {}", b.v)));
    }
    // The record is the sender's: letter:<its code>:<id>.
    let own = env
        .record
        .strip_prefix("letter:")
        .and_then(|r| r.strip_prefix(env.from.as_str()))
        .is_some_and(|r| r.starts_with(':'));
    if !own {
        return Err(bad(format!("record {:?}", env.record)));
    }
    // The same rules as a letter typed here; dated up to a day ahead of our clock (the
    // sender's day may have begun first). A gift letter's gift is named by its record, not
    // by an id of ours: a placeholder satisfies the rule that one is named.
    let today = crate::local_time::local_date(app.now_s())
        .succ_opt()
        .unwrap_or(crate::local_time::local_date(app.now_s()));
    let kind_is_gift = b.kind == LetterKind::Gift.as_str();
    let draft = check_letter(
        &LetterFields {
            to: Some(env.from.as_str()),
            partner_name: None,
            kind: Some(&b.kind),
            on_date: Some(&b.on_date),
            subject: Some(&b.subject),
            text: Some(&b.text),
            signed_by: Some(&b.signed_by),
            donation_id: kind_is_gift.then_some(1),
        },
        today,
    )
    .map_err(LetterError::Invalid)?;
    // A gift of ours the letter thanks for (gift:<our code>:<id>), when it is in our ledger.
    let mut donation_id = None;
    if let Some(id) = b
        .gift
        .as_deref()
        .and_then(|g| g.strip_prefix("gift:"))
        .and_then(|r| r.strip_prefix(env.to.as_str()))
        .and_then(|r| r.strip_prefix(':'))
        .and_then(|r| r.parse::<i64>().ok())
        .filter(|_| kind_is_gift)
    {
        let id = DonationId::new(id);
        if app.store.gift_for_link_in(tx, id).await?.is_some() {
            donation_id = Some(id);
        }
    }
    let partner_name = app
        .link
        .as_ref()
        .and_then(|s| s.registry.get(&env.from))
        .map(|p| p.name.clone())
        .unwrap_or_else(|| env.from.as_str().to_string());
    let row = LetterRow {
        direction: LetterDirection::Received,
        partner_code: Some(env.from.as_str().to_string()),
        partner_name,
        kind: draft.kind,
        on_date: draft.on_date,
        subject: draft.subject,
        text: draft.text,
        signed_by: draft.signed_by,
        donation_id,
        link_record: Some(env.record.clone()),
    };
    let caller = Caller::system(&format!("link:{}", env.from.as_str()));
    if app
        .store
        .insert_letter_in(tx, &caller, &row, app.now_s())
        .await?
        .is_none()
    {
        tracing::warn!(
            "letter from {} about {}: already recorded here",
            env.from.as_str(),
            env.record
        );
    }
    Ok(())
}
