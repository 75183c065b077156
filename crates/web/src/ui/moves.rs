//! Care moves from a page, made safe (issue #15, item 6): the destination is chosen (never
//! a default) from the beds free per facility and bed type, an F0 is never offered an F1
//! quarantine place (and the use case refuses one), and every transfer or discharge asks to
//! confirm on a second page before anything is written. A refusal names each field in the
//! page's language. Shared by the facility page and the case page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::facility::{BedType, DischargeReason};
use domain::{FieldError, Reason, StayId};
use maud::{html, Markup};
use store::{FacilityBeds, Stay, StoreError};

use super::shell::{local, Ui};
use super::{t, tr};
use crate::messages::reason_message;
use crate::{AppState, Lang};

/// The words for the fields a care or case form names in a refusal (message ids).
const LABELS: &[(&str, &str)] = &[
    ("facility_id", "field-to-facility"),
    ("to", "field-to-facility"),
    ("bed_type", "field-bed-type"),
    ("reason", "field-reason"),
    ("at", "field-at"),
    ("note", "field-note"),
    ("stay", "field-stay"),
    ("status", "col-status"),
    ("severity", "col-severity"),
    ("kind", "field-test-kind"),
    ("sample_at", "field-sample-at"),
    ("result_at", "field-result-at"),
    ("positive", "field-test-result"),
    ("ct", "field-ct"),
    ("isolation_at", "field-isolation-at"),
];

/// A refusal: each bad field by its label and name, and why, in the page's language, with
/// the way back. Nothing was saved.
pub(super) fn refused(ui: &Ui, title: &str, back: &str, fields: &[FieldError]) -> Response {
    refusal_page(ui, title, back, fields, LABELS, |e, lang| {
        // The one rule of a move a page states in its own words.
        (e.field == "bed_type" && e.reason == Reason::NotAllowed)
            .then(|| t(lang, "refusal-f0-quarantine"))
    })
}

/// A form's refusal page: each bad field by its label (`labels`: field → message id) and
/// name, and why — `own` words for a rule the form states itself, else the reason's — in
/// the page's language, with the way back.
pub(super) fn refusal_page(
    ui: &Ui,
    title: &str,
    back: &str,
    fields: &[FieldError],
    labels: &[(&str, &str)],
    own: impl Fn(&FieldError, Lang) -> Option<String>,
) -> Response {
    let lang = ui.lang;
    let label = |field: &str| {
        labels
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, id)| t(lang, id))
    };
    let body = html! {
        h1 { (title) }
        p.error role="alert" { (t(lang, "form-refused")) }
        ul.refusal { @for e in fields { li {
            @if let Some(l) = label(&e.field) { strong { (l) } " " }
            code { (e.field) } ": "
            (own(e, lang).unwrap_or_else(|| reason_message(e.reason, lang).to_owned()))
        } } }
        p { a href=(back) { "← " (t(lang, "form-back")) } }
    };
    (StatusCode::BAD_REQUEST, ui.page(title, body)).into_response()
}

/// A store's refusal as fields to name: a case status the rules refuse names `status` or
/// `at`, a full bed type names `bed_type`. `None`: not the caller's to fix (a failure).
pub(super) fn refusal_fields(e: &StoreError) -> Option<Vec<FieldError>> {
    match e {
        StoreError::Invalid(f) | StoreError::Conflict(f) if !f.is_empty() => Some(f.clone()),
        StoreError::Duplicate { field, .. } => {
            Some(vec![FieldError::new(*field, Reason::Duplicate)])
        }
        StoreError::Refused(store::aid::Refusal::CaseStatus) => {
            Some(vec![FieldError::new("status", Reason::NotAllowed)])
        }
        StoreError::Refused(store::aid::Refusal::CaseStatusTime { .. }) => {
            Some(vec![FieldError::new("at", Reason::OutOfRange)])
        }
        e => e
            .unique_field()
            .map(|f| vec![FieldError::new(f, Reason::Duplicate)]),
    }
}

fn bed_name(lang: Lang, b: BedType) -> String {
    t(lang, &format!("bed-{}", b.as_str()))
}

/// The choice of where to move a stay's patient: one option per facility and bed type with
/// its free beds, none chosen at first. A case is not offered quarantine places; a full bed
/// type is shown but cannot be chosen; the bed the patient is in is left out.
fn destinations(lang: Lang, id: &str, stay: &Stay, all: &[FacilityBeds]) -> Markup {
    let is_case = stay.case_id.is_some();
    html! {
        select id=(id) name="to" required {
            option value="" selected { (t(lang, "transfer-choose")) }
            @for f in all {
                optgroup label=(f.facility.name) {
                    @for b in &f.beds {
                        @let here = stay.facility_id == Some(f.facility.id) && stay.bed_type == Some(b.bed_type);
                        @let refused = is_case && b.bed_type == BedType::Quarantine;
                        @if !(here || refused) {
                            @let free = (b.capacity - b.occupied).max(0);
                            option value={ (f.facility.id) ":" (b.bed_type.as_str()) } disabled[free == 0] {
                                (tr(lang, "transfer-option", &[
                                    ("facility", f.facility.name.clone()),
                                    ("type", bed_name(lang, b.bed_type)),
                                    ("free", domain::lang::count(free, lang)),
                                ]))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The discharge and transfer forms of an open stay; `back` is where to return after
/// (`case` for the case page, else the facility page).
pub(super) fn forms(lang: Lang, stay: &Stay, all: &[FacilityBeds], back: &str) -> Markup {
    let s = stay.id;
    html! {
        form.inline method="post" action={ "/stays/" (s) "/discharge" } {
            input type="hidden" name="back" value=(back);
            label for={ "reason-" (s) } { (t(lang, "field-reason")) }
            select id={ "reason-" (s) } name="reason" {
                @for r in [DischargeReason::Recovered, DischargeReason::Released, DischargeReason::Died] {
                    option value=(r.as_str()) { (t(lang, &format!("reason-{}", r.as_str()))) }
                }
            }
            button type="submit" { (t(lang, "facility-discharge")) "…" }
        }
        form.inline method="post" action={ "/stays/" (s) "/transfer" } {
            input type="hidden" name="back" value=(back);
            label for={ "to-" (s) } { (t(lang, "field-to-facility")) }
            (destinations(lang, &format!("to-{s}"), stay, all))
            button type="submit" { (t(lang, "facility-transfer")) "…" }
        }
    }
}

/// A transfer or discharge form as posted.
#[derive(serde::Deserialize)]
pub(super) struct MoveForm {
    reason: Option<String>,
    /// `facility:bed_type`, as the destination's option gives it.
    to: Option<String>,
    note: Option<String>,
    /// `case` to go back to the case page.
    back: Option<String>,
    /// Sent by the confirmation page only.
    confirm: Option<String>,
}

/// The destination option's value as the use case's fields; a value that is none names
/// `facility_id` as malformed.
fn destination(to: Option<&str>, errors: &mut Vec<FieldError>) -> (Option<i64>, Option<String>) {
    let Some(to) = to.map(str::trim).filter(|v| !v.is_empty()) else {
        return (None, None);
    };
    match to.split_once(':') {
        Some((f, b)) if f.parse::<i64>().is_ok() => (f.parse().ok(), Some(b.to_string())),
        _ => {
            errors.push(FieldError::new("facility_id", Reason::InvalidFormat));
            (None, None)
        }
    }
}

fn back_to(stay: &Stay, f: &MoveForm) -> String {
    match (f.back.as_deref(), stay.case_id, stay.facility_id) {
        (Some("case"), Some(c), _) | (_, Some(c), None) => format!("/cases/{c}"),
        (_, _, Some(fac)) => format!("/facilities/{fac}"),
        _ => "/facilities".into(),
    }
}

fn done(back: &str) -> Response {
    Redirect::to(&format!("{back}?done=form-saved")).into_response()
}

/// Who a stay is for, in words.
fn who(lang: Lang, s: &Stay) -> String {
    match (s.case_id, s.contact_id) {
        (Some(c), _) => tr(lang, "move-case", &[("id", c.to_string())]),
        (None, c) => tr(
            lang,
            "move-contact",
            &[("id", c.unwrap_or_default().to_string())],
        ),
    }
}

async fn place(
    state: &AppState,
    ui: &Ui,
    facility: Option<domain::FacilityId>,
    bed: Option<BedType>,
) -> String {
    let lang = ui.lang;
    let Some(f) = facility else {
        return t(lang, "place-home");
    };
    let name = match state.store.get_facility(&ui.me.scope, f).await {
        Ok(Some(fb)) => fb.facility.name,
        _ => f.to_string(),
    };
    match bed {
        Some(b) => format!("{name} · {}", bed_name(lang, b)),
        None => name,
    }
}

/// The confirmation page: what will happen, and one button that does it.
fn confirm_page(
    ui: &Ui,
    title: &str,
    action: &str,
    rows: Markup,
    hidden: &[(&str, String)],
    back: &str,
) -> Response {
    let lang = ui.lang;
    let body = html! {
        h1 { (title) }
        p role="status" { (t(lang, "move-confirm-lead")) }
        table { (rows) }
        form method="post" action=(action) {
            @for (k, v) in hidden { input type="hidden" name=(k) value=(v); }
            input type="hidden" name="confirm" value="1";
            button.primary type="submit" { (t(lang, "move-confirm")) }
            " " a href=(back) { (t(lang, "move-cancel")) }
        }
    };
    ui.page(title, body)
}

fn failed(ui: &Ui, e: &dyn std::fmt::Display) -> Response {
    ui.failed("care move", e)
}

pub(super) async fn transfer(state: AppState, ui: Ui, stay: StayId, f: MoveForm) -> Response {
    let lang = ui.lang;
    let title = t(lang, "move-transfer-title");
    let from = match state.store.stay_for(&ui.me, stay).await {
        Ok(Some(s)) => s,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return failed(&ui, &e),
    };
    let back = back_to(&from, &f);
    let mut form_errors = Vec::new();
    let (facility_id, bed_type) = destination(f.to.as_deref(), &mut form_errors);
    let input = app::care::TransferInput {
        facility_id,
        bed_type,
        at: None,
        note: f.note.clone(),
    };
    let checked = state.check_transfer(&ui.me, stay, &input).await;
    let plan = match (checked, form_errors.is_empty()) {
        (Ok(Some(p)), true) => p,
        (Ok(None), _) => return ui.fail(StatusCode::NOT_FOUND),
        (Err(app::care::CareError::Store(e)), _) => match refusal_fields(&e) {
            Some(fields) => return refused(&ui, &title, &back, &fields),
            None => return failed(&ui, &e),
        },
        (r, _) => {
            // The form's own errors first; the use case's on the same field add nothing.
            let mut fields = form_errors;
            if let Err(app::care::CareError::Invalid(more)) = r {
                for e in more {
                    if !fields.iter().any(|f| f.field == e.field) {
                        fields.push(e);
                    }
                }
            }
            return refused(&ui, &title, &back, &fields);
        }
    };
    if f.confirm.as_deref() != Some("1") {
        let (to_f, to_b) = plan.to;
        let rows = html! {
            tr { th { (t(lang, "move-who")) } td { (who(lang, &plan.from)) } }
            tr { th { (t(lang, "move-from")) } td { (place(&state, &ui, plan.from.facility_id, plan.from.bed_type).await) } }
            tr { th { (t(lang, "field-to-facility")) } td { (place(&state, &ui, Some(to_f), Some(to_b)).await) } }
            tr { th { (t(lang, "field-at")) } td { (local(plan.at_s, lang)) } }
        };
        let hidden = [
            ("to", f.to.clone().unwrap_or_default()),
            ("note", f.note.clone().unwrap_or_default()),
            ("back", f.back.clone().unwrap_or_default()),
        ];
        return confirm_page(
            &ui,
            &title,
            &format!("/stays/{stay}/transfer"),
            rows,
            &hidden,
            &back,
        );
    }
    match state.transfer(&ui.me, stay, &input).await {
        Ok(Some(_)) => done(&back),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(app::care::CareError::Invalid(fields)) => refused(&ui, &title, &back, &fields),
        Err(app::care::CareError::Store(e)) => match refusal_fields(&e) {
            Some(fields) => refused(&ui, &title, &back, &fields),
            None => failed(&ui, &e),
        },
    }
}

pub(super) async fn discharge(state: AppState, ui: Ui, stay: StayId, f: MoveForm) -> Response {
    let lang = ui.lang;
    let title = t(lang, "move-discharge-title");
    let from = match state.store.stay_for(&ui.me, stay).await {
        Ok(Some(s)) => s,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return failed(&ui, &e),
    };
    let back = back_to(&from, &f);
    let input = app::care::DischargeInput {
        reason: f.reason.clone(),
        at: None,
        note: f.note.clone(),
    };
    let refusal = |ui: &Ui, e: app::care::CareError| match e {
        app::care::CareError::Invalid(fields) => refused(ui, &title, &back, &fields),
        app::care::CareError::Store(e) => match refusal_fields(&e) {
            Some(fields) => refused(ui, &title, &back, &fields),
            None => failed(ui, &e),
        },
    };
    if f.confirm.as_deref() != Some("1") {
        let plan = match state.check_discharge(&ui.me, stay, &input).await {
            Ok(Some(p)) => p,
            Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
            Err(e) => return refusal(&ui, e),
        };
        let rows = html! {
            tr { th { (t(lang, "move-who")) } td { (who(lang, &plan.stay)) } }
            tr { th { (t(lang, "move-from")) } td { (place(&state, &ui, plan.stay.facility_id, plan.stay.bed_type).await) } }
            tr { th { (t(lang, "field-reason")) } td { (t(lang, &format!("reason-{}", plan.reason.as_str()))) } }
            @if let Some(o) = plan.outcome {
                tr { th { (t(lang, "col-status")) } td { (t(lang, &format!("status-{}", o.as_str()))) } }
            }
            tr { th { (t(lang, "field-at")) } td { (local(plan.at_s, lang)) } }
        };
        let hidden = [
            ("reason", f.reason.clone().unwrap_or_default()),
            ("note", f.note.clone().unwrap_or_default()),
            ("back", f.back.clone().unwrap_or_default()),
        ];
        return confirm_page(
            &ui,
            &title,
            &format!("/stays/{stay}/discharge"),
            rows,
            &hidden,
            &back,
        );
    }
    match state.discharge(&ui.me, stay, &input).await {
        Ok(true) => done(&back),
        Ok(false) => ui.fail(StatusCode::NOT_FOUND),
        Err(e) => refusal(&ui, e),
    }
}
