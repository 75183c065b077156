//! A gift's page, and its button that moves the gift one step along its status.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::aid::{self, Money};
use domain::DonationId;
use maud::html;
use serde::Deserialize;

use super::super::shell::{local, Ui};
use super::super::{t, tr};
use super::{fmt_goods, fmt_money, gift_words, status_word};
use crate::AppState;

#[derive(Deserialize)]
pub(in crate::ui) struct DonationQuery {
    sent: Option<String>,
    /// A message id set by a refused form.
    error: Option<String>,
}

pub(in crate::ui) async fn donation_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<DonationQuery>,
) -> Response {
    let lang = ui.lang;
    let Ok(id) = id.parse::<DonationId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let detail = match state.store.get_donation(&ui.me, id).await {
        Ok(Some(d)) => d,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return ui.failed("gift page", &e),
    };
    let d = &detail.donation;
    let title = tr(lang, "aid-donation-title", &[("id", d.id.to_string())]);
    let body = html! {
        h1 { (title) }
        @if q.sent.is_some() { p.ok role="status" { (t(lang, "letter-sent-ok")) } }
        table {
            tr { th { (t(lang, "aid-col-donor")) } td { (d.donor.name) " " span.muted { "(" (t(lang, &format!("aid-kind-{}", d.donor.kind.as_str()))) ")" } } }
            tr { th { (t(lang, "aid-col-recipient")) } td { (d.recipient.name) " " span.muted { "(" (t(lang, &format!("aid-kind-{}", d.recipient.kind.as_str()))) ")" } } }
            tr { th { (t(lang, "aid-col-gift")) } td { (gift_words(lang, d)) } }
            @if let (Some(m), Some(short)) = (d.money, d.money_shortfall_minor()) {
                tr { th { (t(lang, "aid-shortfall")) } td { (fmt_money(lang, Money { amount_minor: short, currency: m.currency })) } }
            }
            @for g in d.goods.iter().filter(|g| g.received_quantity.is_some_and(|r| r < g.quantity)) {
                tr { th { (t(lang, "aid-shortfall")) } td { (fmt_goods(lang, &g.item, &g.unit, g.quantity - g.received_quantity.unwrap_or(0))) } }
            }
            tr { th { (t(lang, "aid-col-date")) } td { (super::day(lang, &d.on_date)) } }
            tr { th { (t(lang, "aid-col-status")) } td { (status_word(lang, d.status)) } }
            tr { th { (t(lang, "aid-col-source")) } td { (d.source)
                @if let Some(quote) = &d.source_quote { blockquote lang="vi" { (quote) } } } }
            @if let Some(n) = &d.note { tr { th { (t(lang, "aid-note")) } td { (n) } } }
        }
        @if let (Some(next), true) = (d.status.next(), aid::may_record_aid(ui.me.user.role)) {
            form.noprint method="post" action={ "/aid/donations/" (d.id) "/status" } {
                input type="hidden" name="status" value=(next.as_str());
                @if next == aid::AidStatus::Received && d.money.is_some() {
                    label { (t(lang, "aid-received-money")) " "
                        input type="number" name="received_money_minor" min="0" max=(d.money.map_or(0, |m| m.amount_minor)) placeholder=(d.money.map_or(0, |m| m.amount_minor)); }
                    " "
                }
                button.primary type="submit" { (tr(lang, "aid-advance", &[("status", status_word(lang, next))])) }
            }
        }
        @if let Some(e) = &q.error { p.error role="alert" { (t(lang, e)) } }
        h2 { (t(lang, "aid-history")) }
        table { @for h in &detail.history { tr {
            td { (local(h.at_s, lang)) } td { (status_word(lang, h.status)) } td { (h.actor) } td { (h.note.clone().unwrap_or_default()) }
        } } }
        h2 { (t(lang, "letter-heading")) }
        p {
            a href={ "/aid/donations/" (d.id) "/letter?lang=vi" } { (t(lang, "letter-open-vi")) }
            " · "
            a href={ "/aid/donations/" (d.id) "/letter?lang=en" } { (t(lang, "letter-open-en")) }
        }
        @if !detail.letters.is_empty() {
            ul { @for l in &detail.letters { li { (tr(lang, "letter-sent-line", &[("lang", l.lang.clone()), ("at", local(l.sent_at_s, lang)), ("actor", l.actor.clone())])) } } }
        }
    };
    ui.page(&title, body)
}

#[derive(Deserialize)]
pub(in crate::ui) struct StatusForm {
    status: Option<String>,
    received_money_minor: Option<String>,
}

/// The donation page's button: the next step of the gift's life.
pub(in crate::ui) async fn advance_form(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Response {
    let Ok(id) = id.parse::<DonationId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let Some(Ok(to)) = f.status.as_deref().map(str::parse::<aid::AidStatus>) else {
        return ui.fail(StatusCode::BAD_REQUEST);
    };
    let receipt = match f.received_money_minor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(m) => match m.parse::<i64>() {
            Ok(m) => Some(store::aid::Receipt {
                money_minor: Some(m),
                goods: Vec::new(),
            }),
            Err(_) => {
                return Redirect::to(&format!("/aid/donations/{id}?error=aid-error-input"))
                    .into_response()
            }
        },
    };
    // Through the application: a step of a linked gift is sent with it.
    let result =
        app::gift::advance_donation(&state.app, &ui.me, id, to, receipt.as_ref(), None).await;
    match result {
        Ok(Some(_)) => Redirect::to(&format!("/aid/donations/{id}")).into_response(),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(store::StoreError::Refused(_)) => {
            Redirect::to(&format!("/aid/donations/{id}?error=aid-error-step")).into_response()
        }
        Err(store::StoreError::Invalid(_)) => {
            Redirect::to(&format!("/aid/donations/{id}?error=aid-error-input")).into_response()
        }
        Err(e) => ui.failed("gift status", &e),
    }
}
