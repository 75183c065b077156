//! Aid between linked localities (issue #17, "What travels" 4).
//!
//! A gift recorded here whose donor is ours and whose recipient lies in a linked locality is
//! SENT: a `gift` message about the record `gift:<our code>:<donation id>` is written in the
//! transaction that records it, and again when we dispatch it ([`record_donation`],
//! [`advance_donation`]). The linked locality of a recipient is found along its stored unit
//! path: the outermost unit on it whose code is a peer's code in our registry, not ours
//! ("/79/760/26734/" → "79" HCMC; Vientiane "/LA/LA-VT/" → "LA-VT", since "LA" is no peer).
//! The donor is ours when our code is on its path (Hà Nội "01", or its police, of "/01/…").
//!
//! The recipient ([`apply_gift_message`]) takes it in as INCOMING: the donor a party of the
//! sending locality (its unit, or an organisation of it registered if absent), the recipient
//! its own unit, the record key kept so later messages update the same row. When it confirms
//! receipt (what arrived: the shortfall is the difference) or acknowledges, a `gift_receipt`
//! about the same record goes back, and moves the donor's row.
//!
//! Bodies are our own versioned JSON ([`GiftBody`], [`ReceiptBody`], `v` 1, documented in
//! docs/ARCHITECTURE.md): parties by kind, name and unit code (our ids mean nothing there),
//! money exactly as the ledger holds it (minor units and currency).

use domain::aid::{AidStatus, Currency, GoodsLine, Money, NeedStatus, PartyKind};
use domain::{DonationId, NeedId};
use link::{Envelope, Kind, LocalityCode};
use serde::{Deserialize, Serialize};
use store::aid::{
    path_has, IncomingGift, LinkedGift, NewDonation, NewNeed, Receipt, RemoteNeed, RemoteParty,
    RemoteReceipt,
};
use store::{Caller, LinkTx, StoreError};

use crate::referral::LinkSetup;
use crate::App;

/// The body version this code writes and reads.
pub const BODY_VERSION: u32 = 1;

/// A gift (`kind` `gift`), version 1: the gift as the donor's ledger holds it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GiftBody {
    pub v: u32,
    pub donor: GiftParty,
    pub recipient: GiftParty,
    pub money: Option<GiftMoney>,
    pub goods: Vec<GiftGoods>,
    /// The gift's date (pledged), YYYY-MM-DD.
    pub on_date: String,
    /// The local date it was dispatched, once it was.
    pub dispatched_on: Option<String>,
    /// `domain::aid::AidStatus` slug: `pledged` or `dispatched` (the donor's steps).
    pub status: String,
    /// Where the donor's record comes from (a document, a newspaper).
    pub source: String,
    pub source_quote: Option<String>,
    pub note: Option<String>,
}

/// One end of a gift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GiftParty {
    /// `domain::aid::PartyKind` slug.
    pub kind: String,
    pub name: String,
    /// The unit code: the locality itself, or the organisation's locality.
    pub unit_code: String,
}

/// Money exactly as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GiftMoney {
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
}

/// A line of goods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GiftGoods {
    /// A slug of `domain::aid::ITEMS`.
    pub item: String,
    pub quantity: i64,
    pub unit: String,
}

/// The recipient's receipt (`kind` `gift_receipt`), version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptBody {
    pub v: u32,
    /// `received` or `acknowledged`.
    pub status: String,
    /// The money that arrived (minor units of the gift's currency).
    pub received_money_minor: Option<i64>,
    /// What arrived of each line.
    pub goods: Vec<ReceivedGoods>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedGoods {
    pub item: String,
    pub received_quantity: Option<i64>,
}

/// Why a gift message could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum GiftError {
    #[error("malformed gift body: {0}")]
    Body(String),
    #[error("not a gift: {0}")]
    Kind(&'static str),
    /// The gift does not hold here (an end not found, amounts out of range).
    #[error("the gift does not hold here: {0:?}")]
    Invalid(Vec<domain::FieldError>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for GiftError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) => GiftError::Invalid(f),
            e => GiftError::Store(e),
        }
    }
}

impl GiftError {
    /// True when delivering again cannot help (see `ReferralError::is_permanent`).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, GiftError::Store(_))
    }
}

/// The record key of our gift `id`: `gift:<our code>:<id>`.
pub fn record_key(me: &LocalityCode, id: DonationId) -> String {
    format!("gift:{}:{}", me.as_str(), id.get())
}

/// The linked locality a unit path lies in: the outermost unit on it whose code is a
/// peer's, not ours.
pub fn linked_locality(setup: &LinkSetup, path: &str) -> Option<LocalityCode> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .filter_map(|s| LocalityCode::parse(s).ok())
        .find(|c| *c != setup.me && setup.registry.get(c).is_some())
}

/// The unit code a stored path ends in.
fn last_unit(path: &str) -> String {
    path.split('/')
        .rfind(|s| !s.is_empty())
        .unwrap_or("")
        .to_string()
}

fn party(p: &store::aid::Party, path: &str) -> GiftParty {
    GiftParty {
        kind: p.kind.as_str().to_string(),
        name: p.name.clone(),
        unit_code: last_unit(path),
    }
}

fn body_of(g: &LinkedGift) -> GiftBody {
    let d = &g.donation;
    GiftBody {
        v: BODY_VERSION,
        donor: party(&d.donor, &g.donor_path),
        recipient: party(&d.recipient, &g.recipient_path),
        money: d.money.map(|m| GiftMoney {
            amount_minor: m.amount_minor,
            currency: m.currency.code().to_string(),
        }),
        goods: d
            .goods
            .iter()
            .map(|l| GiftGoods {
                item: l.item.clone(),
                quantity: l.quantity,
                unit: l.unit.clone(),
            })
            .collect(),
        on_date: d.on_date.to_string(),
        dispatched_on: g
            .dispatched_at_s
            .map(|t| crate::local_time::local_date(t).to_string()),
        status: d.status.min(AidStatus::Dispatched).as_str().to_string(),
        source: d.source.clone(),
        source_quote: d.source_quote.clone(),
        note: d.note.clone(),
    }
}

fn json<T: Serialize>(body: &T, what: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(body).map_err(|e| StoreError::Corrupt(format!("{what} body: {e}")))
}

/// Writes a `gift` about our gift `id` in the transaction, when its donor is ours and its
/// recipient lies in a linked locality. Returns that locality when it did.
pub async fn send_gift_in(
    app: &App,
    tx: &mut LinkTx,
    setup: &LinkSetup,
    id: DonationId,
) -> Result<Option<LocalityCode>, StoreError> {
    let Some(g) = app.store.gift_for_link_in(tx, id).await? else {
        return Ok(None);
    };
    // A gift taken in from elsewhere is that locality's to send.
    if g.link.is_some() || !path_has(&g.donor_path, setup.me.as_str()) {
        return Ok(None);
    }
    let Some(to) = linked_locality(setup, &g.recipient_path) else {
        return Ok(None);
    };
    let body = json(&body_of(&g), "gift")?;
    app.store
        .enqueue_in(
            tx,
            &setup.me,
            &to,
            Kind::Gift,
            &record_key(&setup.me, id),
            body,
            app.now_s(),
            &setup.key,
        )
        .await?;
    Ok(Some(to))
}

/// Records a gift ([`store::Store::create_donation`]); sent to the recipient's locality in the
/// same transaction when it is a linked one (see the module).
pub async fn record_donation(
    app: &App,
    caller: &Caller,
    new: &NewDonation,
) -> Result<DonationId, StoreError> {
    let now = app.now_s();
    let Some(setup) = app.link.clone() else {
        return app.store.create_donation(caller, new, now).await;
    };
    let prepared = app.store.prepare_donation(caller, new).await?;
    let mut tx = app.store.begin_transaction().await?;
    let id = app
        .store
        .insert_donation_in(&mut tx, caller, &prepared, now)
        .await?;
    let sent = send_gift_in(app, &mut tx, &setup, id).await?;
    tx.commit().await?;
    if sent.is_some() {
        app.link_wake.notify_one();
    }
    Ok(id)
}

/// Moves a gift one step ([`store::Store::advance_donation`]). Dispatching a gift we sent
/// sends it again (its status and date); receiving or acknowledging a gift taken in from a
/// linked locality sends the receipt back; each in the step's transaction.
pub async fn advance_donation(
    app: &App,
    caller: &Caller,
    id: DonationId,
    to: AidStatus,
    receipt: Option<&Receipt>,
    note: Option<&str>,
) -> Result<Option<AidStatus>, StoreError> {
    let now = app.now_s();
    let Some(setup) = app.link.clone() else {
        return app
            .store
            .advance_donation(caller, id, to, receipt, note, now)
            .await;
    };
    let Some(step) = app.store.prepare_advance(caller, id, to, receipt).await? else {
        return Ok(None);
    };
    let mut tx = app.store.begin_transaction().await?;
    app.store
        .advance_donation_in(&mut tx, caller, &step, note, now)
        .await?;
    let sent = match to.taken_by_recipient() {
        false => send_gift_in(app, &mut tx, &setup, id).await?.is_some(),
        true => send_receipt_in(app, &mut tx, &setup, id, note).await?,
    };
    tx.commit().await?;
    if sent {
        app.link_wake.notify_one();
    }
    Ok(Some(to))
}

/// Writes a `gift_receipt` about a gift taken in from a linked locality (still in our
/// registry), with its status and what arrived.
pub(crate) async fn send_receipt_in(
    app: &App,
    tx: &mut LinkTx,
    setup: &LinkSetup,
    id: DonationId,
    note: Option<&str>,
) -> Result<bool, StoreError> {
    let Some(g) = app.store.gift_for_link_in(tx, id).await? else {
        return Ok(false);
    };
    let Some((from, record)) = g.link.as_ref() else {
        return Ok(false);
    };
    let Some(to) = LocalityCode::parse(from)
        .ok()
        .filter(|c| setup.registry.get(c).is_some())
    else {
        return Ok(false);
    };
    let d = &g.donation;
    let body = ReceiptBody {
        v: BODY_VERSION,
        status: d.status.as_str().to_string(),
        received_money_minor: d.received_money_minor,
        goods: d
            .goods
            .iter()
            .map(|l| ReceivedGoods {
                item: l.item.clone(),
                received_quantity: l.received_quantity,
            })
            .collect(),
        note: note.map(str::to_string),
    };
    app.store
        .enqueue_in(
            tx,
            &setup.me,
            &to,
            Kind::GiftReceipt,
            record,
            json(&body, "gift_receipt")?,
            app.now_s(),
            &setup.key,
        )
        .await?;
    Ok(true)
}

fn bad(what: impl std::fmt::Display) -> GiftError {
    GiftError::Body(what.to_string())
}

fn remote_party(p: &GiftParty, field: &str) -> Result<RemoteParty, GiftError> {
    Ok(RemoteParty {
        kind: p
            .kind
            .parse::<PartyKind>()
            .map_err(|_| bad(format!("{field}.kind {:?}", p.kind)))?,
        name: p.name.clone(),
        unit_code: p.unit_code.clone(),
    })
}

/// Applies a received `gift`, `gift_receipt` or `need` in the receiving transaction (the
/// dispatcher's handler; see the module).
pub async fn apply_gift_message(
    app: &App,
    tx: &mut LinkTx,
    env: &Envelope,
) -> Result<(), GiftError> {
    match env.kind {
        Kind::Gift => apply_gift(app, tx, env).await,
        Kind::GiftReceipt => apply_receipt(app, tx, env).await,
        Kind::Need => apply_need(app, tx, env).await,
        other => Err(GiftError::Kind(other.as_str())),
    }
}

async fn apply_gift(app: &App, tx: &mut LinkTx, env: &Envelope) -> Result<(), GiftError> {
    let b: GiftBody = serde_json::from_value(env.body.clone()).map_err(bad)?;
    if b.v != BODY_VERSION {
        return Err(bad(format!("version {}", b.v)));
    }
    // The record is the sender's: gift:<its code>:<id>.
    let own = env
        .record
        .strip_prefix("gift:")
        .and_then(|r| r.strip_prefix(env.from.as_str()))
        .is_some_and(|r| r.starts_with(':'));
    if !own {
        return Err(bad(format!("record {:?}", env.record)));
    }
    let money = match &b.money {
        None => None,
        Some(m) => {
            let currency: Currency = m
                .currency
                .parse()
                .map_err(|_| bad(format!("currency {:?}", m.currency)))?;
            if !domain::aid::amount_in_bounds(m.amount_minor) {
                return Err(bad("money.amount_minor out of range"));
            }
            Some(Money {
                amount_minor: m.amount_minor,
                currency,
            })
        }
    };
    let mut goods = Vec::with_capacity(b.goods.len());
    for l in &b.goods {
        let item = domain::aid::item(&l.item).ok_or_else(|| bad(format!("item {:?}", l.item)))?;
        if !domain::aid::quantity_in_bounds(l.quantity) {
            return Err(bad("goods.quantity out of range"));
        }
        goods.push(GoodsLine {
            item,
            quantity: l.quantity,
        });
    }
    if goods.len() > store::aid::GOODS_LINES_MAX {
        return Err(bad("too many goods lines"));
    }
    let status: AidStatus = b
        .status
        .parse()
        .map_err(|_| bad(format!("status {:?}", b.status)))?;
    let on_date = chrono::NaiveDate::parse_from_str(&b.on_date, "%Y-%m-%d")
        .map_err(|_| bad(format!("on_date {:?}", b.on_date)))?;
    let gift = IncomingGift {
        from: env.from.as_str().to_string(),
        record: env.record.clone(),
        me: env.to.as_str().to_string(),
        donor: remote_party(&b.donor, "donor")?,
        recipient: remote_party(&b.recipient, "recipient")?,
        money,
        goods,
        on_date,
        status,
        source: b.source.clone(),
        source_quote: b.source_quote.clone(),
        note: b.note.clone(),
    };
    let caller = Caller::system(&format!("link:{}", env.from.as_str()));
    app.store
        .take_in_gift_in(tx, &caller, &gift, app.now_s())
        .await?;
    Ok(())
}

async fn apply_receipt(app: &App, tx: &mut LinkTx, env: &Envelope) -> Result<(), GiftError> {
    let b: ReceiptBody = serde_json::from_value(env.body.clone()).map_err(bad)?;
    if b.v != BODY_VERSION {
        return Err(bad(format!("version {}", b.v)));
    }
    let status: AidStatus = b
        .status
        .parse()
        .map_err(|_| bad(format!("status {:?}", b.status)))?;
    // The record is ours: gift:<our code>:<id>.
    let id = env
        .record
        .strip_prefix("gift:")
        .and_then(|r| r.strip_prefix(env.to.as_str()))
        .and_then(|r| r.strip_prefix(':'))
        .and_then(|r| r.parse::<i64>().ok())
        .ok_or_else(|| bad(format!("record {:?}", env.record)))?;
    let receipt = RemoteReceipt {
        status,
        money_minor: b.received_money_minor,
        goods: b
            .goods
            .iter()
            .filter_map(|g| Some((g.item.clone(), g.received_quantity?)))
            .collect(),
        note: b.note.clone(),
    };
    let caller = Caller::system(&format!("link:{}", env.from.as_str()));
    let applied = app
        .store
        .apply_gift_receipt_in(
            tx,
            &caller,
            DonationId::new(id),
            env.from.as_str(),
            &receipt,
            app.now_s(),
        )
        .await?;
    if !applied {
        // Not a gift of ours to that locality, or already past this step: nothing a
        // redelivery would change (acknowledged, the fact logged).
        tracing::warn!(
            "gift receipt from {} about {}: no such gift waiting for it here",
            env.from.as_str(),
            env.record
        );
    }
    Ok(())
}

/// A need (`kind` `need`), version 1: published to every linked locality, and again when
/// it is closed (same record `need:<our code>:<need id>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedBody {
    pub v: u32,
    /// The needing unit (ours).
    pub unit_code: String,
    pub unit_name: String,
    /// A slug of `domain::aid::ITEMS`, and how many of its unit.
    pub item: String,
    pub quantity: i64,
    pub unit: String,
    /// YYYY-MM-DD.
    pub by_date: String,
    pub note: Option<String>,
    /// `domain::aid::NeedStatus` slug: open, met, withdrawn.
    pub status: String,
}

/// Writes a `need` about our need `id` to every linked locality, when the needing unit is
/// ours. How many were written.
async fn send_need_in(
    app: &App,
    tx: &mut LinkTx,
    setup: &LinkSetup,
    id: NeedId,
) -> Result<usize, StoreError> {
    let Some((n, path)) = app.store.need_for_link_in(tx, id).await? else {
        return Ok(0);
    };
    if n.from_locality.is_some() || !path_has(&path, setup.me.as_str()) {
        return Ok(0);
    }
    let body = json(
        &NeedBody {
            v: BODY_VERSION,
            unit_code: n.unit_code.clone(),
            unit_name: n.unit_name.clone(),
            item: n.item.clone(),
            quantity: n.quantity,
            unit: n.unit.clone(),
            by_date: n.by_date.clone(),
            note: n.note.clone(),
            status: n.status.as_str().to_string(),
        },
        "need",
    )?;
    let record = format!("need:{}:{}", setup.me.as_str(), id.get());
    let peers: Vec<LocalityCode> = setup
        .registry
        .peers()
        .map(|p| p.code.clone())
        .filter(|c| *c != setup.me)
        .collect();
    for to in &peers {
        app.store
            .enqueue_in(
                tx,
                &setup.me,
                to,
                Kind::Need,
                &record,
                body.clone(),
                app.now_s(),
                &setup.key,
            )
            .await?;
    }
    Ok(peers.len())
}

/// Posts a need ([`store::Store::post_need`]); published to the linked localities in the same
/// transaction when its unit is ours.
pub async fn post_need(app: &App, caller: &Caller, new: &NewNeed) -> Result<NeedId, StoreError> {
    let now = app.now_s();
    let Some(setup) = app.link.clone() else {
        return app.store.post_need(caller, new, now).await;
    };
    let mut tx = app.store.begin_transaction().await?;
    let id = app.store.post_need_in(&mut tx, caller, new, now).await?;
    let sent = send_need_in(app, &mut tx, &setup, id).await?;
    tx.commit().await?;
    if sent > 0 {
        app.link_wake.notify_one();
    }
    Ok(id)
}

/// Closes a need ([`store::Store::close_need`]); the closing travels as posting did.
pub async fn close_need(
    app: &App,
    caller: &Caller,
    id: NeedId,
    status: NeedStatus,
) -> Result<bool, StoreError> {
    let now = app.now_s();
    let Some(setup) = app.link.clone() else {
        return app.store.close_need(caller, id, status, now).await;
    };
    let mut tx = app.store.begin_transaction().await?;
    let closed = app
        .store
        .close_need_in(&mut tx, caller, id, status, now)
        .await?;
    let sent = match closed {
        true => send_need_in(app, &mut tx, &setup, id).await?,
        false => 0,
    };
    tx.commit().await?;
    if sent > 0 {
        app.link_wake.notify_one();
    }
    Ok(closed)
}

async fn apply_need(app: &App, tx: &mut LinkTx, env: &Envelope) -> Result<(), GiftError> {
    let b: NeedBody = serde_json::from_value(env.body.clone()).map_err(bad)?;
    if b.v != BODY_VERSION {
        return Err(bad(format!("version {}", b.v)));
    }
    let own = env
        .record
        .strip_prefix("need:")
        .and_then(|r| r.strip_prefix(env.from.as_str()))
        .is_some_and(|r| r.starts_with(':'));
    if !own {
        return Err(bad(format!("record {:?}", env.record)));
    }
    let item = domain::aid::item(&b.item).ok_or_else(|| bad(format!("item {:?}", b.item)))?;
    if !domain::aid::quantity_in_bounds(b.quantity) {
        return Err(bad("quantity out of range"));
    }
    let need = RemoteNeed {
        unit_code: b.unit_code.clone(),
        item,
        quantity: b.quantity,
        by_date: chrono::NaiveDate::parse_from_str(&b.by_date, "%Y-%m-%d")
            .map_err(|_| bad(format!("by_date {:?}", b.by_date)))?,
        note: b.note.clone(),
        status: b
            .status
            .parse()
            .map_err(|_| bad(format!("status {:?}", b.status)))?,
    };
    let caller = Caller::system(&format!("link:{}", env.from.as_str()));
    app.store
        .take_in_need_in(
            tx,
            &caller,
            env.from.as_str(),
            &env.record,
            &need,
            app.now_s(),
        )
        .await?;
    Ok(())
}

/// Records the printed thank-you letter for a gift as sent: a letter of kind `gift` to its
/// donor through [`crate::letters::record_letter`]'s use case (which acknowledges a received
/// gift, the acknowledgement travelling back to a linked donor, and sends the letter to a
/// linked donor locality), and the printed language noted on the gift. None when the gift
/// is not in scope.
pub async fn record_letter_sent(
    app: &App,
    caller: &Caller,
    id: DonationId,
    lang: &str,
) -> Result<Option<AidStatus>, StoreError> {
    let Some(d) = app.store.get_donation(caller, id).await? else {
        return Ok(None);
    };
    let status = d.donation.status;
    // Thanked is the donor: the locality a gift was taken in from, a locality donor, or an
    // organisation or person by name.
    let link = match app.link.as_ref() {
        Some(_) => {
            let mut tx = app.store.begin_transaction().await?;
            let g = app.store.gift_for_link_in(&mut tx, id).await?;
            tx.rollback().await?;
            g.and_then(|g| g.link)
        }
        None => None,
    };
    let donor = &d.donation.donor;
    let partner = match (link, donor.kind) {
        (Some((from, _)), _) => domain::aid::LetterPartner::Locality(from),
        (None, PartyKind::Locality) => {
            domain::aid::LetterPartner::Locality(donor.code_or_id.clone())
        }
        (None, _) => domain::aid::LetterPartner::Named(donor.name.clone()),
    };
    let (subject, text) = match lang {
        "en" => (
            "Thank-you letter",
            "Thank-you letter for the gift, printed and sent.",
        ),
        _ => ("Thư cảm ơn", "Thư cảm ơn về món quà, đã in và gửi."),
    };
    let draft = domain::aid::LetterDraft {
        partner,
        kind: domain::aid::LetterKind::Gift,
        on_date: crate::local_time::local_date(app.now_s()),
        subject: subject.into(),
        text: text.into(),
        signed_by: caller.user.username.clone(),
        donation_id: Some(id.get()),
    };
    match crate::letters::record(app, caller, &draft, Some(lang)).await {
        Ok(_) => {}
        // A donor locality with no unit here (never in practice: the gift names it).
        Err(StoreError::Invalid(_)) => {
            let draft = domain::aid::LetterDraft {
                partner: domain::aid::LetterPartner::Named(donor.name.clone()),
                ..draft
            };
            crate::letters::record(app, caller, &draft, Some(lang)).await?;
        }
        Err(e) => return Err(e),
    }
    Ok(Some(match status {
        AidStatus::Received => AidStatus::Acknowledged,
        s => s,
    }))
}
