//! Residents cared for elsewhere (issue #17, "What travels" 4): the record follows the
//! person. In 2021 HCMC vaccinated Hậu Giang people living in HCMC and helped them home; a
//! person's place of stay and residence differ.
//!
//! When this locality records a vaccine dose for, or helps home, a person whose residence
//! lies in another linked locality (the referrals' rule, [`referral::referred_to`]), a
//! `care` message goes to that locality in the SAME transaction as the dose or the event,
//! its record key `care:<our code>:<person id>`. Its body ([`CareBody`], `v` 1, documented in
//! docs/ARCHITECTURE.md) carries the FHIR R4 resources (`fhir::out`: the Patient and the
//! Immunization) in a collection Bundle, read back with `fhir::into::read`.
//!
//! The person's home locality ([`apply_care_message`]) finds them among its residents
//! (national ID, else phone and name, else name and birth date) or registers them; a dose
//! is recorded as its own (coverage counts it; idempotent on the sender's item key), "helped
//! home" puts the person on its follow-up lists (as an F2 to monitor, with the reason), and
//! every item is kept once in `care_elsewhere` for the page `/care-elsewhere`.

use chrono::NaiveDate;
use domain::contact::{ContactReason, ContactStatus, ReasonKind};
use domain::vaccination::Product;
use domain::{FieldError, PersonId, Reason, UnitCode};
use fhir::model::{Bundle, Resource};
use fhir::out;
use link::{Envelope, Kind, LocalityCode};
use serde::{Deserialize, Serialize};
use store::{
    Caller, CareItem, CareKind, DoseItem, ItemOutcome, LinkTx, OutMessage, ReferredContact,
    StoreError,
};

use crate::fhir_out::unit_names;
use crate::referral::{self, LinkSetup};
use crate::App;

/// The body version this code writes and reads.
pub const BODY_VERSION: u32 = 1;

/// How long a person helped home is followed after arriving (14 days, as arrivals from
/// another province were monitored at home in 2021).
pub const HELPED_HOME_FOLLOW_DAYS: i64 = 14;

/// The earliest day a "helped home" may carry: Viet Nam's first confirmed case (23 January
/// 2020); nothing of this epidemic is older.
pub const FIRST_CASE_DAY: NaiveDate = NaiveDate::from_ymd_opt(2020, 1, 23).expect("a valid date");

/// Notes on a "helped home": a sentence, bounded.
pub const NOTE_MAX_CHARS: usize = 500;

/// What happened to the person here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CareEvent {
    /// A vaccine dose (the Bundle holds its Immunization).
    Dose,
    /// An admission or a discharge (the Bundle holds its Encounter).
    Stay,
    /// Helped home: the person is going back to where they live.
    HelpedHome,
}

impl CareEvent {
    fn kind(self) -> CareKind {
        match self {
            CareEvent::Dose => CareKind::Vaccinated,
            CareEvent::Stay => CareKind::Treated,
            CareEvent::HelpedHome => CareKind::HelpedHome,
        }
    }
}

/// A `care` message's body, version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareBody {
    pub v: u32,
    pub event: CareEvent,
    /// The sender's key of this item (`dose:p5-d1`, `home:3`): the receiver keeps an item
    /// once, whatever is resent.
    pub item: String,
    /// The day it happened (YYYY-MM-DD).
    pub on: String,
    /// The means or a note (helped home).
    pub note: Option<String>,
    /// A FHIR R4 collection Bundle: the Patient, and the Immunization of a dose.
    pub bundle: Bundle,
}

/// Why a `care` message could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum CareApplyError {
    #[error("malformed care body: {0}")]
    Body(String),
    /// The person or the dose does not hold here.
    #[error("the cared person does not hold: {0:?}")]
    Person(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CareApplyError {
    /// True when delivering again cannot help (see `ReferralError::is_permanent`).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, CareApplyError::Store(_))
    }
}

/// Why a "helped home" was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum HelpedHomeError {
    /// Fields at fault; nothing was written. `person_id` `not_allowed`: the person does not
    /// live in another linked locality (there is no home to help them to).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A "helped home" as given.
#[derive(Debug, Clone, Default)]
pub struct HelpedHomeInput {
    /// YYYY-MM-DD; absent: today.
    pub on: Option<String>,
    /// The means or a note ("xe của Thành phố, 12 người").
    pub note: Option<String>,
}

/// The record key of our care of `person`: `care:<our code>:<id>`.
pub fn record_key(me: &LocalityCode, person: PersonId) -> String {
    format!("care:{}:{}", me.as_str(), person.0)
}

fn base(setup: &LinkSetup) -> String {
    format!("urn:chongdich:{}/fhir", setup.me.as_str())
}

/// The `care` message about `person` (read in `tx`) when they live in another linked
/// locality: the Patient and `extra` resources in the body.
#[allow(clippy::too_many_arguments)]
async fn message_for(
    app: &App,
    tx: &mut LinkTx,
    setup: &LinkSetup,
    at: &fhir::Installation,
    person: PersonId,
    event: CareEvent,
    item: String,
    on: NaiveDate,
    note: Option<String>,
    extra: impl FnOnce(&domain::person::Person) -> Vec<Resource>,
) -> Result<Option<OutMessage>, StoreError> {
    let Some((p, address)) = app.store.person_in(tx, person).await? else {
        return Ok(None);
    };
    let Some(to) = referral::referred_to(setup, p.unit_path.as_str()) else {
        return Ok(None);
    };
    let home = unit_names(p.structure, p.unit_code.as_str());
    let mut res = vec![Resource::Patient(out::patient(
        at,
        &p,
        address.as_deref(),
        &home,
    ))];
    res.extend(extra(&p));
    let body = CareBody {
        v: BODY_VERSION,
        event,
        item,
        on: on.format("%Y-%m-%d").to_string(),
        note,
        bundle: out::collection(&base(setup), app.now_s(), res),
    };
    let body =
        serde_json::to_value(&body).map_err(|e| StoreError::Corrupt(format!("care body: {e}")))?;
    Ok(Some(OutMessage {
        to,
        kind: Kind::Care,
        record: record_key(&setup.me, person),
        body,
    }))
}

/// Records doses as [`App::record_doses`] does, and in the same transaction a `care`
/// message for each dose accepted for a person living in another linked locality.
pub(crate) async fn record_doses_linked(
    app: &App,
    setup: &LinkSetup,
    caller: &Caller,
    items: &[DoseItem],
) -> Result<Vec<ItemOutcome>, StoreError> {
    let at = app.installation().await?;
    let now = app.now_s();
    let mut tx = app.store.begin_transaction().await?;
    let outcomes = app
        .store
        .record_doses_in_tx(&mut tx, caller, items, now)
        .await?;
    let mut messages = Vec::new();
    for (item, o) in items.iter().zip(&outcomes) {
        // Only care given HERE travels: a dose given elsewhere and taken in (a hand-over's
        // Bundle, an import) is not this locality's care of the person.
        if *o != ItemOutcome::Accepted || !given_here(setup, &item.place) {
            continue;
        }
        let dose = store::Dose {
            dose_no: item.dose_no,
            product: item.product.as_str().to_string(),
            given_on: item.given_on,
            place: item.place.clone(),
            lot: item.lot.clone(),
        };
        let key = format!("dose:p{}-d{}", item.person_id.0, item.dose_no);
        let m = message_for(
            app,
            &mut tx,
            setup,
            &at,
            item.person_id,
            CareEvent::Dose,
            key,
            item.given_on,
            None,
            |p| {
                let place = unit_names(p.structure, dose.place.as_str());
                vec![Resource::Immunization(out::immunization(
                    p.id, &dose, &place,
                ))]
            },
        )
        .await?;
        messages.extend(m);
    }
    let sent = !messages.is_empty();
    if sent {
        app.store
            .enqueue_many_in(&mut tx, &setup.me, messages, now, &setup.key)
            .await?;
    }
    tx.commit().await?;
    if sent {
        app.link_wake.notify_one();
    }
    Ok(outcomes)
}

/// The `care` message of stay `stay` (read in `tx`, which wrote it) when it is in a
/// facility here and its person lives in another linked locality: the Patient, the
/// Encounter and the facility's Location. One item per stay (`stay:<id>`): its discharge
/// goes as the same item, and the receiver keeps an item once.
async fn stay_message(
    app: &App,
    tx: &mut LinkTx,
    setup: &LinkSetup,
    at: &fhir::Installation,
    stay: domain::StayId,
) -> Result<Option<OutMessage>, StoreError> {
    let Some((person, s)) = app.store.stay_in(tx, stay).await? else {
        return Ok(None);
    };
    // A stay at home is the person's own place, not a facility's care.
    let Some(fid) = s.facility_id else {
        return Ok(None);
    };
    let Ok(fid) = fid.to_string().parse::<domain::FacilityId>() else {
        return Ok(None);
    };
    let Some(fb) = app.store.facility_in(tx, fid).await? else {
        return Ok(None);
    };
    if !given_here(setup, &fb.facility.unit_code) {
        return Ok(None);
    }
    let fu = unit_names(fb.facility.structure, fb.facility.unit_code.as_str());
    let encounter = out::encounter(at, person, &s);
    let location = out::location(at, &fb.facility, &fb.beds, &fu);
    message_for(
        app,
        tx,
        setup,
        at,
        person,
        CareEvent::Stay,
        format!("stay:{}", s.id),
        crate::local_time::local_date(s.from_s),
        None,
        |_| vec![Resource::Encounter(encounter), Resource::Location(location)],
    )
    .await
}

/// What a linked admission or discharge writes in its transaction.
enum StayChange<'a> {
    Admit(&'a store::Admission),
    Discharge {
        stay: domain::StayId,
        d: &'a crate::care::Discharge,
    },
}

/// Admits (or discharges) as [`store::Store::admit`] does, and in the same transaction a
/// `care` message for a stay in a facility here of a person living in another linked
/// locality. `None`/`false` as the store's: nothing is committed then.
async fn stay_linked(
    app: &App,
    setup: &LinkSetup,
    caller: &Caller,
    change: StayChange<'_>,
) -> Result<Option<domain::StayId>, StoreError> {
    let at = app.installation().await?;
    let now = app.now_s();
    let sent = store::retrying(|| async {
        let mut tx = app.store.begin_transaction().await?;
        let stay = match &change {
            StayChange::Admit(a) => app.store.admit_in(&mut tx, caller, a, now).await?,
            StayChange::Discharge { stay, d } => app
                .store
                .discharge_in(
                    &mut tx,
                    caller,
                    *stay,
                    d.reason,
                    d.outcome,
                    d.at_s,
                    d.note.clone(),
                    now,
                )
                .await?
                .then_some(*stay),
        };
        let Some(stay) = stay else {
            // Dropped: rolled back (a refused discharge may have written part of it).
            return Ok((None, false));
        };
        let m = stay_message(app, &mut tx, setup, &at, stay).await?;
        let sent = m.is_some();
        if let Some(m) = m {
            app.store
                .enqueue_many_in(&mut tx, &setup.me, vec![m], now, &setup.key)
                .await?;
        }
        tx.commit().await?;
        Ok((Some(stay), sent))
    })
    .await?;
    if sent.1 {
        app.link_wake.notify_one();
    }
    Ok(sent.0)
}

/// [`App::admit`] in a linked locality (see [`stay_linked`]).
pub(crate) async fn admit_linked(
    app: &App,
    setup: &LinkSetup,
    caller: &Caller,
    a: &store::Admission,
) -> Result<Option<domain::StayId>, StoreError> {
    stay_linked(app, setup, caller, StayChange::Admit(a)).await
}

/// [`App::discharge`] in a linked locality (see [`stay_linked`]).
pub(crate) async fn discharge_linked(
    app: &App,
    setup: &LinkSetup,
    caller: &Caller,
    stay: domain::StayId,
    d: &crate::care::Discharge,
) -> Result<bool, StoreError> {
    Ok(
        stay_linked(app, setup, caller, StayChange::Discharge { stay, d })
            .await?
            .is_some(),
    )
}

/// Whether unit `place` lies in our own locality (its province is our code).
fn given_here(setup: &LinkSetup, place: &UnitCode) -> bool {
    domain::Structure::ALL.iter().any(|s| {
        crate::registry::Registry::of(*s)
            .get(place.as_str())
            .is_some_and(|u| referral::province_of(u.path.as_str()) == Some(setup.me.as_str()))
    })
}

impl App {
    /// Records that `person` (in the caller's jurisdiction, living in another linked
    /// locality) was helped home, and tells their home locality in the same transaction.
    /// `None`: the person is not the caller's.
    pub async fn helped_home(
        &self,
        caller: &Caller,
        person: PersonId,
        r: &HelpedHomeInput,
    ) -> Result<Option<i64>, HelpedHomeError> {
        let mut errors = Vec::new();
        let today = self.today();
        let on = match r.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(today),
            Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d <= today && d >= FIRST_CASE_DAY => Some(d),
                Ok(_) => {
                    errors.push(FieldError::new("on", Reason::OutOfRange));
                    None
                }
                Err(_) => {
                    errors.push(FieldError::new("on", Reason::InvalidFormat));
                    None
                }
            },
        };
        let note = r
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS)
        {
            errors.push(FieldError::new("note", Reason::TooLong));
        }
        let Some(setup) = self.link.clone() else {
            errors.push(FieldError::new("person_id", Reason::NotAllowed));
            return Err(HelpedHomeError::Invalid(errors));
        };
        let Some(on) = on.filter(|_| errors.is_empty()) else {
            return Err(HelpedHomeError::Invalid(errors));
        };
        let at = self.installation().await?;
        let now = self.now_s();
        let mut tx = self.store.begin_transaction().await?;
        let Some((p, _)) = self.store.person_in(&mut tx, person).await? else {
            return Ok(None);
        };
        let Some(to) = referral::referred_to(&setup, p.unit_path.as_str()) else {
            return Err(HelpedHomeError::Invalid(vec![FieldError::new(
                "person_id",
                Reason::NotAllowed,
            )]));
        };
        let Some(id) = self
            .store
            .insert_helped_home_in(
                &mut tx,
                caller,
                person,
                on,
                note.as_deref(),
                to.as_str(),
                now,
            )
            .await?
        else {
            return Ok(None);
        };
        let m = message_for(
            self,
            &mut tx,
            &setup,
            &at,
            person,
            CareEvent::HelpedHome,
            format!("home:{id}"),
            on,
            note,
            |_| Vec::new(),
        )
        .await?;
        if let Some(m) = m {
            self.store
                .enqueue_many_in(&mut tx, &setup.me, vec![m], now, &setup.key)
                .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        self.link_wake.notify_one();
        Ok(Some(id))
    }
}

/// Applies a received `care` message in the receiving transaction (see the module's
/// comment).
pub async fn apply_care_message(
    app: &App,
    tx: &mut LinkTx,
    env: &Envelope,
) -> Result<(), CareApplyError> {
    if env.kind != Kind::Care {
        return Err(CareApplyError::Body(format!("kind {}", env.kind.as_str())));
    }
    let body: CareBody = serde_json::from_value(env.body.clone())
        .map_err(|e| CareApplyError::Body(e.to_string()))?;
    if body.v != BODY_VERSION {
        return Err(CareApplyError::Body(format!("version {}", body.v)));
    }
    let on = NaiveDate::parse_from_str(&body.on, "%Y-%m-%d")
        .map_err(|_| CareApplyError::Body(format!("on {:?}", body.on)))?;
    let plan = fhir::into::read(&body.bundle).map_err(CareApplyError::Person)?;
    let p = plan
        .persons
        .first()
        .ok_or_else(|| CareApplyError::Body("no Patient".into()))?;
    let caller = referral::link_caller(&env.from, &env.to);
    let now = app.now_s();
    let full_name = p.full_name.clone().unwrap_or_default();
    let found = app
        .store
        .find_cared_person_in(
            tx,
            p.national_id.as_deref(),
            p.phone.as_deref(),
            &full_name,
            p.birth_date.as_deref(),
        )
        .await?;
    let person = match found {
        Some(id) => id,
        None => {
            let input = domain::person::PersonInput {
                full_name: p.full_name.clone(),
                national_id: p.national_id.clone(),
                phone: p.phone.clone(),
                birth_date: p.birth_date.clone(),
                sex: p.sex.clone(),
                unit: p.unit.clone(),
            };
            let mut errors = Vec::new();
            let address = crate::persons::parse_address(p.address.as_deref(), &mut errors);
            let new = input
                .validate(app.today())
                .map_err(CareApplyError::Person)?;
            if !errors.is_empty() {
                return Err(CareApplyError::Person(errors));
            }
            match app
                .store
                .register_referred_person_in(tx, &caller, &new, address.as_deref(), now)
                .await
            {
                Ok(id) => id,
                Err(StoreError::Invalid(f)) => return Err(CareApplyError::Person(f)),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let from = env.from.as_str();
    let mut detail = body.note.clone();
    match body.event {
        CareEvent::Dose => {
            let d = plan
                .doses
                .first()
                .ok_or_else(|| CareApplyError::Body("no Immunization".into()))?;
            let item = dose_item(from, &body.item, person, d)?;
            detail = Some(format!("{} {}", item.product.as_str(), item.dose_no));
            match app
                .store
                .record_doses_in_tx(tx, &caller, &[item], now)
                .await?
                .pop()
            {
                Some(ItemOutcome::Accepted | ItemOutcome::Duplicate) => {}
                // The dose number was recorded here already (by us, or by another
                // partner): the person is vaccinated, the care is still theirs.
                Some(ItemOutcome::Rejected(f))
                    if f.iter()
                        .all(|e| e.field == "dose_no" && e.reason == Reason::Duplicate) => {}
                Some(ItemOutcome::Rejected(f)) => return Err(CareApplyError::Person(f)),
                None => return Err(CareApplyError::Body("no dose outcome".into())),
            }
        }
        CareEvent::Stay => {}
        CareEvent::HelpedHome => {
            let partner = app
                .link
                .as_ref()
                .and_then(|s| s.registry.get(&env.from).map(|peer| peer.name.clone()))
                .unwrap_or_else(|| from.to_string());
            let why = match &body.note {
                Some(n) => format!("{partner}: {n}"),
                None => partner,
            };
            let start = on
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp())
                .unwrap_or(now);
            let contact = ReferredContact {
                person_id: person,
                degree: 2,
                first_exposure_s: start,
                exposure_s: 0,
                reasons: vec![ContactReason {
                    kind: ReasonKind::Declared,
                    venue_id: None,
                    venue_name: Some(why),
                    from: None,
                    to: None,
                    overlap_min: None,
                    setting: None,
                }],
                status: ContactStatus::Monitor,
                quarantine_from_s: None,
                quarantine_until_s: None,
                follow_up_until_s: Some(start + HELPED_HOME_FOLLOW_DAYS * 86_400),
                test_days: String::new(),
                policy: "helped_home".into(),
                referred_from: from.to_string(),
                remote_ref: format!("{}:{}", env.record, body.item),
            };
            match app
                .store
                .insert_referred_contact_in(tx, &caller, &contact, now)
                .await
            {
                Ok(_) => {}
                Err(StoreError::Invalid(f)) => return Err(CareApplyError::Person(f)),
                Err(e) => return Err(e.into()),
            }
        }
    }
    app.store
        .insert_care_elsewhere_in(
            tx,
            &CareItem {
                partner: from.to_string(),
                item_key: body.item.clone(),
                person_id: person,
                kind: body.event.kind(),
                on_date: on,
                detail,
            },
            now,
        )
        .await?;
    Ok(())
}

/// The dose a partner's Immunization names, as our dose of `person`; its id here is the
/// partner's item key, so a resend is a duplicate.
fn dose_item(
    from: &str,
    item: &str,
    person: PersonId,
    d: &fhir::into::DoseIn,
) -> Result<DoseItem, CareApplyError> {
    let bad =
        |f: &'static str| CareApplyError::Person(vec![FieldError::new(f, Reason::InvalidFormat)]);
    let product = d
        .product
        .as_deref()
        .and_then(|p| p.parse::<Product>().ok())
        .ok_or_else(|| bad("product"))?;
    let dose_no = d
        .dose_no
        .and_then(|n| u8::try_from(n).ok())
        .filter(|n| (1..=store::DOSE_NO_MAX).contains(n))
        .ok_or_else(|| bad("dose_no"))?;
    let given_on = d
        .given_on
        .as_deref()
        .and_then(|g| NaiveDate::parse_from_str(g, "%Y-%m-%d").ok())
        .ok_or_else(|| bad("given_on"))?;
    // "00001" (2021) or "2025:00001": the code is the part after any structure.
    let place = d
        .unit
        .as_deref()
        .map(|u| u.rsplit(':').next().unwrap_or(u))
        .and_then(|u| UnitCode::parse(u).ok())
        .ok_or_else(|| bad("unit"))?;
    Ok(DoseItem {
        client_id: format!("care:{from}:{item}"),
        person_id: person,
        product,
        dose_no,
        given_on,
        place,
        lot: d.lot.clone(),
    })
}

/// One partner's care of our residents over a date range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerCare {
    /// The partner's code, and its name in the registry (the code when it is not there).
    pub code: String,
    pub name: String,
    /// Items by [`CareKind::ALL`]'s order: vaccinated, treated, helped home.
    pub counts: [i64; 3],
    /// The persons cared for (empty for a caller who may not read personal data).
    pub persons: Vec<store::CaredElsewhere>,
}

/// The `/care-elsewhere` page's and API's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareElsewhereView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub partners: Vec<PartnerCare>,
    /// Whether persons were listed (the caller may read personal data).
    pub names: bool,
}

impl App {
    /// Care our residents (in the caller's scope) had in partner localities from `from` to
    /// `to`, per partner: counts by kind, and the persons for a caller who may read
    /// personal data (a viewer sees the counts only).
    pub async fn care_elsewhere_view(
        &self,
        caller: &Caller,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<CareElsewhereView, StoreError> {
        let items = self.store.care_elsewhere(&caller.scope, from, to).await?;
        let names = caller.user.role.can(domain::role::Permission::ReadPersonal);
        let mut partners: Vec<PartnerCare> = Vec::new();
        for item in items {
            if partners.last().is_none_or(|p| p.code != item.partner) {
                let name = LocalityCode::parse(&item.partner)
                    .ok()
                    .and_then(|c| {
                        self.link
                            .as_ref()
                            .and_then(|s| s.registry.get(&c).map(|p| p.name.clone()))
                    })
                    .unwrap_or_else(|| item.partner.clone());
                partners.push(PartnerCare {
                    code: item.partner.clone(),
                    name,
                    counts: [0; 3],
                    persons: Vec::new(),
                });
            }
            let Some(p) = partners.last_mut() else {
                continue;
            };
            let k = CareKind::ALL
                .iter()
                .position(|k| *k == item.kind)
                .unwrap_or(0);
            p.counts[k] += 1;
            if names {
                p.persons.push(item);
            }
        }
        Ok(CareElsewhereView {
            from,
            to,
            partners,
            names,
        })
    }
}
