//! The form that records a gift from the aid page: the same validation as the API.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::aid::{self, AidStatus, Currency, PartyKind};
use domain::{FieldError, Reason};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::json;

use super::super::shell::Ui;
use super::super::t;
use crate::api::aid::{new_donation, GoodsDto, NewDonationRequest, PartyDto};
use crate::messages::reason_message;
use crate::{AppState, Lang};

/// Currencies offered by the form (the API takes every one of `domain::aid`).
const FORM_CURRENCIES: [&str; 3] = ["VND", "USD", "LAK"];

/// The form, folded under a summary on the aid page.
pub(super) fn gift_form(lang: Lang) -> Markup {
    let kinds = |name: &str| {
        html! { select name=(name) { @for k in PartyKind::ALL { option value=(k.as_str()) { (t(lang, &format!("aid-kind-{}", k.as_str()))) } } } }
    };
    html! {
        details.noprint {
            summary { (t(lang, "aid-record")) }
            form.gift method="post" action="/aid/donations" {
                p { label { (t(lang, "aid-col-donor")) " " (kinds("donor_kind")) } " "
                    input name="donor" required size="8" placeholder="01, LA-VT, 5"; }
                p { label { (t(lang, "aid-col-recipient")) " " (kinds("recipient_kind")) } " "
                    input name="recipient" required size="8" placeholder="93"; }
                p { label { (t(lang, "aid-col-money")) " " input name="amount" inputmode="decimal" size="14" placeholder="15000"; } " "
                    select name="currency" { @for c in FORM_CURRENCIES { option { (c) } } } }
                p { label { (t(lang, "aid-col-goods")) " " select name="item" { option value="" { "—" }
                        @for i in aid::ITEMS { option value=(i.slug) { (match lang { Lang::Vi => i.name_vi, Lang::En => i.name_en }) " (" (i.unit) ")" } } } } " "
                    input name="quantity" type="number" min="1" size="10"; }
                p { label { (t(lang, "aid-col-date")) " " input name="date" type="date" required; } " "
                    label { (t(lang, "aid-col-status")) " " select name="status" {
                        @for s in AidStatus::ALL { option value=(s.as_str()) { (t(lang, &format!("aid-status-{}", s.as_str()))) } } } } }
                p { label { (t(lang, "aid-col-source")) " " input name="source" required size="40"; } }
                p { label { (t(lang, "aid-note")) " " input name="note" size="40"; } }
                button.primary type="submit" { (t(lang, "aid-record")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub(in crate::ui) struct GiftForm {
    donor_kind: String,
    donor: String,
    recipient_kind: String,
    recipient: String,
    amount: Option<String>,
    currency: Option<String>,
    item: Option<String>,
    quantity: Option<String>,
    date: Option<String>,
    status: Option<String>,
    source: Option<String>,
    note: Option<String>,
}

fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(in crate::ui) async fn record_gift(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<GiftForm>,
) -> Response {
    if !aid::may_record_aid(ui.me.user.role) {
        return ui.fail(StatusCode::FORBIDDEN);
    }
    let mut errors = Vec::new();
    // The form takes major units ("15000"); the API's minor units are derived exactly.
    let money = match (
        filled(&f.amount),
        filled(&f.currency).map(str::parse::<Currency>),
    ) {
        (None, _) => None,
        (Some(a), Some(Ok(c))) => match c.parse_major(a) {
            Ok(minor) => Some(json!({"amount_minor": minor, "currency": c.code()})),
            Err(r) => {
                errors.push(FieldError::new("money.amount_minor", r));
                None
            }
        },
        (Some(_), _) => {
            errors.push(FieldError::new("money.currency", Reason::UnknownValue));
            None
        }
    };
    let goods = match (filled(&f.item), filled(&f.quantity)) {
        (Some(item), q) => vec![GoodsDto {
            item: item.to_string(),
            quantity: q.and_then(|q| q.parse().ok()).unwrap_or(0),
            unit: String::new(),
            received_quantity: None,
        }],
        (None, _) => Vec::new(),
    };
    let party = |kind: &str, code: &str| PartyDto {
        kind: kind.to_string(),
        code_or_id: code.trim().to_string(),
        name: String::new(),
    };
    let request = NewDonationRequest {
        donor: Some(party(&f.donor_kind, &f.donor)),
        recipient: Some(party(&f.recipient_kind, &f.recipient)),
        money,
        goods,
        date: f.date.clone(),
        status: f.status.clone(),
        source: f.source.clone(),
        source_quote: None,
        note: f.note.clone(),
    };
    let stored = match (new_donation(&request), errors.is_empty()) {
        (Ok(new), true) => state
            .store
            .create_donation(&ui.me, &new, state.now_s())
            .await
            .map_err(|e| match e {
                store::StoreError::Invalid(fields) => fields,
                _ => Vec::new(),
            }),
        (Ok(_), false) => Err(errors),
        (Err(more), _) => Err(errors.into_iter().chain(more).collect()),
    };
    match stored {
        Ok(id) => Redirect::to(&format!("/aid/donations/{id}")).into_response(),
        Err(fields) if fields.is_empty() => ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
        Err(fields) => refused(&ui, "aid-record", &fields),
    }
}

/// The form that posts a locality's need, under the unmet needs.
pub(super) fn need_form(lang: Lang) -> Markup {
    html! {
        details.noprint {
            summary { (t(lang, "needs-post")) }
            form.gift method="post" action="/aid/needs" {
                p { label { (t(lang, "col-unit")) " " input name="unit" required size="8" placeholder="93"; } }
                p { label { (t(lang, "aid-col-goods")) " " select name="item" required {
                        @for i in aid::ITEMS { option value=(i.slug) { (match lang { Lang::Vi => i.name_vi, Lang::En => i.name_en }) " (" (i.unit) ")" } } } } " "
                    label { (t(lang, "needs-quantity")) " " input name="quantity" type="number" min="1" required size="10"; } }
                p { label { (t(lang, "needs-by")) " " input name="by_date" type="date" required; } }
                p { label { (t(lang, "aid-note")) " " input name="note" size="40"; } }
                button.primary type="submit" { (t(lang, "needs-post")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub(in crate::ui) struct NeedForm {
    unit: Option<String>,
    item: Option<String>,
    quantity: Option<String>,
    by_date: Option<String>,
    note: Option<String>,
}

/// Posts a need from the form: the API's checks, its field errors in words on failure.
pub(in crate::ui) async fn record_need(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<NeedForm>,
) -> Response {
    if !aid::may_record_aid(ui.me.user.role) {
        return ui.fail(StatusCode::FORBIDDEN);
    }
    let quantity = filled(&f.quantity).map(|q| q.parse::<i64>().unwrap_or(0));
    let request = crate::api::aid::needs::NeedRequest {
        unit: filled(&f.unit).map(str::to_string),
        item: filled(&f.item).map(str::to_string),
        quantity,
        by_date: filled(&f.by_date).map(str::to_string),
        note: filled(&f.note).map(str::to_string),
    };
    let stored = match crate::api::aid::needs::new_need(&request) {
        Ok(new) => state
            .store
            .post_need(&ui.me, &new, state.now_s())
            .await
            .map_err(|e| match e {
                store::StoreError::Invalid(fields) => fields,
                _ => Vec::new(),
            }),
        Err(fields) => Err(fields),
    };
    match stored {
        Ok(_) => Redirect::to("/aid?need_posted=1#needs").into_response(),
        Err(fields) if fields.is_empty() => ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
        Err(fields) => refused(&ui, "needs-post", &fields),
    }
}

/// A form's refusal: what was wrong with which field, in the page's language; nothing saved.
fn refused(ui: &Ui, title: &str, fields: &[FieldError]) -> Response {
    let lang = ui.lang;
    let body = html! {
        h1 { (t(lang, title)) }
        p.error role="alert" { (t(lang, "aid-record-invalid")) }
        ul { @for e in fields { li { code { (e.field) } ": " (reason_message(e.reason, lang)) } } }
        p { a href="/aid" { (t(lang, "letter-back")) } }
    };
    (StatusCode::BAD_REQUEST, ui.page(&t(lang, title), body)).into_response()
}
