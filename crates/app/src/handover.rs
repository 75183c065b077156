//! Hand-over of a case between linked localities (issue #17, "What travels" 2).
//!
//! The sender A ([`App::hand_over`]) builds the case's FHIR R4 Bundle (the person, the
//! case with its tests, the person's doses, the case's stays with their facilities) and
//! sends it as a `handover` offer about the record `case:<A>:<case id>`, in the transaction
//! that records the hand-over (pending). The receiver B keeps the offer pending, with its
//! Bundle, outside its records ([`apply_handover_message`]). B answers
//! ([`App::answer_handover`]): accepted, the Bundle is taken in (`App::take_bundle`'s
//! writes) and the answer enqueued in ONE unit of work, so an acceptance is never told
//! without its records nor kept without its answer; rejected, nothing of the Bundle is
//! kept. The answer travels back as `handover_answer` about the same record. Accepted, A's
//! case is read-only from then on ([`App::check_case_changeable`]: the use cases that
//! change a case, its tests or its stays refuse with `handed_over`, not allowed).
//!
//! A may withdraw a pending offer ([`App::withdraw_handover`]): a `handover` withdraw, the
//! record's next seq, so B applies it after the offer. B marks a pending offer withdrawn
//! (its Bundle dropped; answering it is refused). The rule when the two cross: **an
//! acceptance committed at B before the withdrawal arrives stands** — B's answer says
//! accepted, and A, whose row says withdrawn, takes the acceptance (the case is B's; A's
//! copy read-only). A rejection crossing a withdrawal changes nothing (withdrawn stays).
//!
//! Bodies are our own versioned JSON ([`OfferBody`], [`AnswerBody`], `v` 1); the Bundle
//! inside an offer is FHIR R4.

use domain::role::Permission;
use domain::{CaseId, FieldError, Reason};
use fhir::model::{Bundle, Resource};
use fhir::out;
/// A linked locality's code (the edges name it without depending on `link`).
pub use link::LocalityCode;
use link::{Envelope, Kind};
use serde::{Deserialize, Serialize};
use store::{Caller, Handover, HandoverDirection, HandoverStatus, LinkTx, StoreError};

use crate::fhir_in::TakeError;
use crate::fhir_out::{unit_names, Organizations};
use crate::App;

/// The body version this code writes and reads.
pub const BODY_VERSION: u32 = 1;

/// Most characters of a hand-over's or an answer's reason.
pub const REASON_MAX_CHARS: usize = 500;

/// A `handover` message, version 1: an offer (with the Bundle) or its withdrawal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferBody {
    pub v: u32,
    /// `offer` or `withdraw`.
    pub action: String,
    /// The sender's hand-over id (the answer names it).
    pub handover: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The FHIR R4 Bundle (collection) of the case: offers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<serde_json::Value>,
}

/// A `handover_answer` message, version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerBody {
    pub v: u32,
    /// The sender's hand-over id, as its offer named it.
    pub handover: i64,
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    /// Fields at fault (`to`, `reason`, `handed_over`, `handover` …); nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The caller's role may not change cases.
    #[error("not allowed for this role")]
    Forbidden,
    /// This installation is not linked (no locality code, key or registry).
    #[error("this locality is not linked")]
    NotLinked,
    /// A received message's body or record is not a hand-over's this code reads.
    #[error("malformed hand-over message: {0}")]
    Body(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HandoverError {
    /// True when delivering the message again cannot help (see
    /// `referral::ReferralError::is_permanent`).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, HandoverError::Store(_))
    }
}

impl From<TakeError> for HandoverError {
    fn from(e: TakeError) -> Self {
        match e {
            TakeError::Invalid(f) => HandoverError::Invalid(f),
            TakeError::Store(e) => HandoverError::Store(e),
        }
    }
}

fn invalid(field: &str, reason: Reason) -> HandoverError {
    HandoverError::Invalid(vec![FieldError::new(field, reason)])
}

/// The record key of our case `id`: `case:<our code>:<id>`.
pub fn record_key(me: &LocalityCode, case: CaseId) -> String {
    format!("case:{}:{}", me.as_str(), case.0)
}

fn check_reason(field: &str, r: Option<&str>) -> Result<Option<String>, HandoverError> {
    let r = r.map(str::trim).filter(|r| !r.is_empty());
    if r.is_some_and(|r| r.chars().count() > REASON_MAX_CHARS) {
        return Err(invalid(field, Reason::TooLong));
    }
    Ok(r.map(str::to_string))
}

fn may_change_cases(caller: &Caller) -> Result<(), HandoverError> {
    match caller.user.role.can(Permission::WritePersonal) {
        true => Ok(()),
        false => Err(HandoverError::Forbidden),
    }
}

/// The caller a received message acts as: the system, audited as the sending locality.
fn link_caller(from: &LocalityCode) -> Caller {
    Caller::system(&format!("link:{}", from.as_str()))
}

impl App {
    /// The FHIR Bundle (collection) a hand-over of `case` carries: the person, the case with
    /// its tests, the person's doses, the case's stays with their facilities and the units
    /// they name, for the case `d` the caller read. None: the person is not the caller's. Its
    /// reads are audited by the store.
    pub async fn case_bundle(
        &self,
        caller: &Caller,
        d: &store::CaseDetail,
    ) -> Result<Option<Bundle>, StoreError> {
        let now = self.now_s();
        let case = d.case.id;
        let person = d.case.person_id;
        let Some(r) = self.store.person_record(caller, person, now).await? else {
            return Ok(None);
        };
        let at = self.installation().await?;
        let unit = unit_names(r.person.structure, r.person.unit_code.as_str());
        let mut res = vec![
            Resource::Patient(out::patient(&at, &r.person, r.address.as_deref(), &unit)),
            Resource::Condition(out::condition(&at, &d.case)),
        ];
        res.extend(
            d.tests
                .iter()
                .enumerate()
                .map(|(n, t)| Resource::Observation(out::observation(&d.case, n + 1, t))),
        );
        let mut orgs = Organizations::new();
        orgs.insert(out::unit_id(&unit), out::unit_organization(&unit));
        let (structure, stays) = (r.person.structure, &r.stays);
        res.extend(
            self.care_resources(
                caller,
                &at,
                person,
                structure,
                stays,
                Some(case),
                &mut orgs,
                now,
            )
            .await?,
        );
        res.extend(orgs.into_values().map(Resource::Organization));
        let base = format!("urn:chongdich:{}/fhir", at_name(&self.link));
        Ok(Some(out::collection(&base, now, res)))
    }

    /// Refuses a change of `case` once it was handed over to another locality and accepted
    /// there: our copy is read-only (`handed_over`, not allowed). The use cases that change
    /// a case, its tests or its stays call it first.
    pub async fn check_case_changeable(&self, case: CaseId) -> Result<(), StoreError> {
        match self.store.case_handed_over_to(case).await? {
            Some(_) => Err(StoreError::Invalid(vec![FieldError::new(
                "handed_over",
                Reason::NotAllowed,
            )])),
            None => Ok(()),
        }
    }

    /// Hands our case over to locality `to` (see the module): the hand-over recorded
    /// pending and its offer enqueued in one transaction; audited. None: the case is not
    /// the caller's. Refused: a case already handed over or pending (`case`, duplicate), an
    /// unknown or our own locality (`to`), no reason (`reason`).
    pub async fn hand_over(
        &self,
        caller: &Caller,
        case: CaseId,
        to: &LocalityCode,
        reason: &str,
    ) -> Result<Option<i64>, HandoverError> {
        may_change_cases(caller)?;
        let setup = self.link.clone().ok_or(HandoverError::NotLinked)?;
        let reason = check_reason("reason", Some(reason))?
            .ok_or_else(|| invalid("reason", Reason::Required))?;
        if *to == setup.me || setup.registry.get(to).is_none() {
            return Err(invalid("to", Reason::UnknownValue));
        }
        if self.store.open_handover_of(case).await?.is_some() {
            return Err(invalid("case", Reason::Duplicate));
        }
        // The receiver makes the case from its first positive test, as the form does: a case
        // without one would wait there as an offer nobody can accept. Said here, at once.
        let Some(detail) = self.store.get_case(caller, case, self.now_s()).await? else {
            return Ok(None);
        };
        if !detail.tests.iter().any(|t| t.positive) {
            return Err(invalid("test", Reason::Required));
        }
        let Some(bundle) = self.case_bundle(caller, &detail).await? else {
            return Ok(None);
        };
        let bundle = serde_json::to_value(Resource::Bundle(Box::new(bundle)))
            .map_err(|e| StoreError::Corrupt(format!("hand-over bundle: {e}")))?;
        let record = record_key(&setup.me, case);
        let now = self.now_s();
        let mut tx = self.store.begin_transaction().await?;
        let id = self
            .store
            .insert_handover_out_in(&mut tx, caller, case, to.as_str(), &record, &reason, now)
            .await?;
        let body = OfferBody {
            v: BODY_VERSION,
            action: "offer".into(),
            handover: id,
            reason: Some(reason),
            bundle: Some(bundle),
        };
        self.enqueue_body(&mut tx, &setup, to, Kind::Handover, &record, &body)
            .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.link_wake.notify_one();
        Ok(Some(id))
    }

    /// Withdraws our pending hand-over `id`: withdrawn here and a `withdraw` enqueued in one
    /// transaction. False: no such hand-over of ours. Refused (`handover`, not allowed):
    /// it is no longer pending.
    pub async fn withdraw_handover(&self, caller: &Caller, id: i64) -> Result<bool, HandoverError> {
        may_change_cases(caller)?;
        let setup = self.link.clone().ok_or(HandoverError::NotLinked)?;
        let Some(h) = self.store.handover(id).await? else {
            return Ok(false);
        };
        if h.direction != HandoverDirection::Out {
            return Ok(false);
        }
        let to = LocalityCode::parse(&h.peer)
            .map_err(|_| StoreError::Corrupt(format!("handovers.peer {:?}", h.peer)))?;
        let mut tx = self.store.begin_transaction().await?;
        let moved = self
            .store
            .set_handover_status_in(
                &mut tx,
                caller,
                id,
                HandoverStatus::Pending,
                HandoverStatus::Withdrawn,
                None,
                None,
                self.now_s(),
            )
            .await?;
        if !moved {
            return Err(invalid("handover", Reason::NotAllowed));
        }
        let body = OfferBody {
            v: BODY_VERSION,
            action: "withdraw".into(),
            handover: id,
            reason: None,
            bundle: None,
        };
        self.enqueue_body(&mut tx, &setup, &to, Kind::Handover, &h.record_key, &body)
            .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.link_wake.notify_one();
        Ok(true)
    }

    /// Answers hand-over `id` offered to us (see the module). Accepted: the Bundle taken in
    /// and the case recorded as ours, the answer enqueued, all in one unit of work; the
    /// case's id here is answered. Rejected: the Bundle dropped, the answer enqueued.
    /// `Ok(None)` on a rejection, or no such offer (`Ok(None)` too: the caller tells them
    /// apart by [`Store::handover`]). Refused (`handover`, not allowed): it is no longer
    /// pending (answered, or withdrawn by the sender); an invalid Bundle names its fields
    /// and nothing is kept (the offer stays pending: it may still be rejected).
    pub async fn answer_handover(
        &self,
        caller: &Caller,
        id: i64,
        accept: bool,
        reason: Option<&str>,
    ) -> Result<Option<i64>, HandoverError> {
        may_change_cases(caller)?;
        let setup = self.link.clone().ok_or(HandoverError::NotLinked)?;
        let reason = check_reason("reason", reason)?;
        let Some(h) = self.store.handover(id).await? else {
            return Ok(None);
        };
        if h.direction != HandoverDirection::In {
            return Ok(None);
        }
        if h.status != HandoverStatus::Pending {
            return Err(invalid("handover", Reason::NotAllowed));
        }
        let to = LocalityCode::parse(&h.peer)
            .map_err(|_| StoreError::Corrupt(format!("handovers.peer {:?}", h.peer)))?;
        let answer = AnswerBody {
            v: BODY_VERSION,
            handover: h.remote_id.unwrap_or_default(),
            accepted: accept,
            reason: reason.clone(),
        };
        let now = self.now_s();
        if !accept {
            let mut tx = self.store.begin_transaction().await?;
            let moved = self
                .store
                .set_handover_status_in(
                    &mut tx,
                    caller,
                    id,
                    HandoverStatus::Pending,
                    HandoverStatus::Rejected,
                    reason.as_deref(),
                    None,
                    now,
                )
                .await?;
            if !moved {
                return Err(invalid("handover", Reason::NotAllowed));
            }
            self.enqueue_body(
                &mut tx,
                &setup,
                &to,
                Kind::HandoverAnswer,
                &h.record_key,
                &answer,
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            self.link_wake.notify_one();
            return Ok(None);
        }
        let bundle = bundle_of(h.bundle.as_deref())?;
        let plan = self.plan_of(caller, &bundle)?;
        let at = self.installation().await?;
        // One unit: the status moved first (it holds the row, so a withdrawal applied
        // meanwhile waits and then finds it accepted), then the Bundle's records, then the
        // case recorded and the answer enqueued. Any refusal drops all of it.
        let unit = self.store.begin_unit().await?;
        let app = App {
            store: unit.store().clone(),
            ..self.clone()
        };
        let done = async {
            let mut tx = app.store.begin_transaction().await?;
            let moved = app
                .store
                .set_handover_status_in(
                    &mut tx,
                    caller,
                    id,
                    HandoverStatus::Pending,
                    HandoverStatus::Accepted,
                    reason.as_deref(),
                    None,
                    now,
                )
                .await?;
            if !moved {
                return Err(invalid("handover", Reason::NotAllowed));
            }
            tx.commit().await.map_err(StoreError::from)?;
            let taken = app.write_plan(caller, &at, &plan).await?;
            let case = taken.cases.first().map(|c| c.0);
            let mut tx = app.store.begin_transaction().await?;
            app.store
                .set_handover_status_in(
                    &mut tx,
                    caller,
                    id,
                    HandoverStatus::Accepted,
                    HandoverStatus::Accepted,
                    reason.as_deref(),
                    case,
                    now,
                )
                .await?;
            app.enqueue_body(
                &mut tx,
                &setup,
                &to,
                Kind::HandoverAnswer,
                &h.record_key,
                &answer,
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            Ok::<_, HandoverError>(case)
        }
        .await;
        match done {
            Ok(case) => {
                unit.commit().await?;
                self.link_wake.notify_one();
                Ok(case)
            }
            Err(e) => {
                if let Err(r) = unit.rollback().await {
                    tracing::warn!("rolling an accepted hand-over back: {r}");
                }
                Err(e)
            }
        }
    }

    async fn enqueue_body<T: Serialize>(
        &self,
        tx: &mut LinkTx,
        setup: &crate::referral::LinkSetup,
        to: &LocalityCode,
        kind: Kind,
        record: &str,
        body: &T,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_value(body)
            .map_err(|e| StoreError::Corrupt(format!("hand-over body: {e}")))?;
        self.store
            .enqueue_in(
                tx,
                &setup.me,
                to,
                kind,
                record,
                body,
                self.now_s(),
                &setup.key,
            )
            .await?;
        Ok(())
    }

    /// The hand-overs of one side (or both), newest first.
    pub async fn handovers(
        &self,
        caller: &Caller,
        direction: Option<HandoverDirection>,
    ) -> Result<Vec<Handover>, HandoverError> {
        may_change_cases(caller)?;
        Ok(self.store.handovers(direction, 500).await?)
    }
}

/// The Bundle kept with an offer.
fn bundle_of(text: Option<&str>) -> Result<Bundle, HandoverError> {
    let text = text.ok_or_else(|| StoreError::Corrupt("handovers.bundle missing".into()))?;
    // Read as itself, not through `Resource` (see `web::api::fhir::take`).
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("handovers.bundle: {e}")).into())
}

fn at_name(link: &Option<std::sync::Arc<crate::referral::LinkSetup>>) -> String {
    link.as_ref()
        .map(|s| s.me.as_str().to_string())
        .unwrap_or_else(|| "local".into())
}

/// The case id a record key names when it is `case:<code>:<id>` of locality `code`.
fn case_of_record(record: &str, code: &LocalityCode) -> Option<i64> {
    record
        .strip_prefix("case:")?
        .strip_prefix(code.as_str())?
        .strip_prefix(':')?
        .parse()
        .ok()
}

/// Applies a received `handover` or `handover_answer` in the receiving transaction
/// (`Store::receive`'s `apply`).
pub async fn apply_handover_message(
    app: &App,
    tx: &mut LinkTx,
    env: &Envelope,
) -> Result<(), HandoverError> {
    let now = app.now_s();
    let caller = link_caller(&env.from);
    match env.kind {
        Kind::Handover => {
            // The sender's own case: case:<sender>:<id>.
            if case_of_record(&env.record, &env.from).is_none() {
                return Err(HandoverError::Body(format!("record {:?}", env.record)));
            }
            let body: OfferBody = serde_json::from_value(env.body.clone())
                .map_err(|e| HandoverError::Body(e.to_string()))?;
            if body.v != BODY_VERSION {
                return Err(HandoverError::Body(format!("version {}", body.v)));
            }
            match body.action.as_str() {
                "offer" => {
                    let bundle = body
                        .bundle
                        .ok_or_else(|| HandoverError::Body("an offer without its bundle".into()))?;
                    // Read now, so a Bundle that is none is refused on arrival, not at
                    // the answer.
                    let _: Bundle = serde_json::from_value(bundle.clone())
                        .map_err(|e| HandoverError::Body(format!("bundle: {e}")))?;
                    app.store
                        .insert_handover_in_in(
                            tx,
                            &caller,
                            env.from.as_str(),
                            body.handover,
                            &env.record,
                            body.reason.as_deref().unwrap_or(""),
                            &bundle.to_string(),
                            now,
                        )
                        .await?;
                    Ok(())
                }
                "withdraw" => {
                    let after = app
                        .store
                        .withdraw_handover_in_in(tx, &caller, env.from.as_str(), body.handover, now)
                        .await?;
                    if after == Some(HandoverStatus::Accepted) {
                        // Accepted before the withdrawal came: the acceptance stands, and
                        // our answer (sent with it) tells the sender.
                        tracing::info!(
                            "hand-over {} of {}: withdrawn after it was accepted here; the acceptance stands",
                            body.handover,
                            env.from.as_str()
                        );
                    }
                    Ok(())
                }
                other => Err(HandoverError::Body(format!("action {other:?}"))),
            }
        }
        Kind::HandoverAnswer => {
            // Our case: case:<us>:<id>.
            if case_of_record(&env.record, &env.to).is_none() {
                return Err(HandoverError::Body(format!("record {:?}", env.record)));
            }
            let body: AnswerBody = serde_json::from_value(env.body.clone())
                .map_err(|e| HandoverError::Body(e.to_string()))?;
            if body.v != BODY_VERSION {
                return Err(HandoverError::Body(format!("version {}", body.v)));
            }
            let known = app
                .store
                .answer_handover_out_in(
                    tx,
                    &caller,
                    env.from.as_str(),
                    &env.record,
                    body.handover,
                    body.accepted,
                    body.reason.as_deref(),
                    now,
                )
                .await?;
            if !known {
                return Err(HandoverError::Body(format!(
                    "no hand-over {} of {} to {}",
                    body.handover,
                    env.record,
                    env.from.as_str()
                )));
            }
            Ok(())
        }
        other => Err(HandoverError::Body(format!(
            "not a hand-over: {}",
            other.as_str()
        ))),
    }
}
