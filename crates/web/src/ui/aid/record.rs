//! The aid page's forms for gifts, needs and exchange rates: the same validation as the API.

use axum::extract::{Form, State};
use axum::response::Response;
use domain::aid::{self, AidStatus, Currency, FxRate, PartyKind};
use domain::{FieldError, Reason};
use maud::{html, Markup};
use serde::Deserialize;

use super::super::shell::Ui;
use super::super::{t, tr};
use super::form::{answer, checked, filled, number, owned, ticked, FormSpec, Unsaved};
use crate::{AppState, Lang};
use app::aid::{
    decimal_micro, new_donation, new_need, new_rate, AmountInput, DonationInput, GoodsInput,
    MoneyInput, NeedInput, PartyInput, RateInput,
};

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

const GIFT_FORM: FormSpec = FormSpec {
    title: "aid-record",
    back: "/aid",
    back_title: "aid-title",
    labels: &[
        ("donor", "aid-col-donor"),
        ("recipient", "aid-col-recipient"),
        ("money", "aid-col-money"),
        ("goods", "aid-col-goods"),
        ("date", "aid-col-date"),
        ("status", "aid-col-status"),
        ("source", "aid-col-source"),
        ("note", "aid-note"),
    ],
};

pub(in crate::ui) async fn record_gift(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<GiftForm>,
) -> Response {
    let mut errors = Vec::new();
    // The form takes major units ("15000"); the API's minor units are derived exactly.
    let money = match (
        filled(&f.amount),
        filled(&f.currency).map(str::parse::<Currency>),
    ) {
        (None, _) => None,
        (Some(a), Some(Ok(c))) => match c.parse_major(a) {
            Ok(minor) => Some(MoneyInput {
                amount_minor: AmountInput::Whole(minor),
                currency: Some(c.code().to_string()),
            }),
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
    let goods = match filled(&f.item) {
        Some(item) => vec![GoodsInput {
            item: item.to_string(),
            quantity: number("goods[0].quantity", &f.quantity, &mut errors).unwrap_or(0),
        }],
        None => Vec::new(),
    };
    let party = |kind: &str, code: &str| PartyInput {
        kind: kind.to_string(),
        code_or_id: code.trim().to_string(),
    };
    let request = DonationInput {
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
    let saved = async {
        let new = checked(
            errors,
            new_donation(&request, crate::local_time::local_date(state.now_s())),
        )?;
        // Through the application: a gift to a linked locality is sent with it.
        let id = app::gift::record_donation(&state.app, &ui.me, &new).await?;
        Ok::<_, Unsaved>(format!("/aid/donations/{id}"))
    };
    answer(&ui, &GIFT_FORM, saved.await)
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

const NEED_FORM: FormSpec = FormSpec {
    title: "needs-post",
    back: "/aid#needs",
    back_title: "aid-title",
    labels: &[
        ("unit", "col-unit"),
        ("item", "aid-col-goods"),
        ("quantity", "needs-quantity"),
        ("by_date", "needs-by"),
        ("note", "aid-note"),
    ],
};

/// Posts a need from the form: the API's checks, its field errors in words on failure.
pub(in crate::ui) async fn record_need(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<NeedForm>,
) -> Response {
    let mut errors = Vec::new();
    let request = NeedInput {
        unit: owned(&f.unit),
        item: owned(&f.item),
        quantity: number("quantity", &f.quantity, &mut errors),
        by_date: owned(&f.by_date),
        note: owned(&f.note),
    };
    let saved = async {
        let new = checked(
            errors,
            new_need(&request, crate::local_time::local_date(state.now_s())),
        )?;
        app::gift::post_need(&state.app, &ui.me, &new).await?;
        Ok::<_, Unsaved>("/aid?need_posted=1#needs".to_string())
    };
    answer(&ui, &NEED_FORM, saved.await)
}

/// Currencies suggested by the rate form; any ISO 4217 code may be typed.
const RATE_CURRENCIES: [&str; 8] = ["USD", "VND", "LAK", "EUR", "JPY", "KRW", "CNY", "THB"];

/// The recorded exchange rates, with the form that records one (command centres and
/// administrators), next to the totals; open after a rate was recorded.
pub(super) fn rates(lang: Lang, rates: &[FxRate], may_record: bool, open: bool) -> Markup {
    html! {
        details.rates id="rates" open[open] {
            summary { (tr(lang, "rates-recorded", &[("n", rates.len().to_string())])) }
            @if open { p.ok role="status" { (t(lang, "rates-ok")) } }
            @if !rates.is_empty() {
                table {
                    thead { tr { th { (t(lang, "rates-pair")) } th { (t(lang, "rates-rate")) } th { (t(lang, "aid-col-date")) } th { (t(lang, "aid-col-source")) } } }
                    tbody { @for r in rates { tr {
                        td { "1 " (r.base.code()) " → " (r.quote.code()) }
                        td { (super::fmt_rate(lang, &decimal_micro(r.rate_micro))) }
                        td { (super::day(lang, &r.on_date)) }
                        td { (r.source) @if r.assumed { " " em.assumed { (t(lang, "aid-assumed")) } } }
                    } } }
                }
            }
            @if may_record {
                form.gift.noprint method="post" action="/aid/rates" {
                    datalist id="currencies" { @for c in RATE_CURRENCIES { option value=(c) {} } }
                    label { (t(lang, "rates-base")) " " input name="base" list="currencies" required maxlength="3" size="4" autocomplete="off" placeholder="USD"; }
                    label { (t(lang, "rates-quote")) " " input name="quote" list="currencies" required maxlength="3" size="4" autocomplete="off" placeholder="VND"; }
                    label { (t(lang, "rates-rate")) " " span.muted { (t(lang, "rates-rate-hint")) }
                        input name="rate" inputmode="decimal" required placeholder="23000"; }
                    label { (t(lang, "aid-col-date")) " " input name="date" type="date" required; }
                    label { (t(lang, "aid-col-source")) " " input name="source" required maxlength="2000"; }
                    label.check { input name="assumed" type="checkbox" value="on"; " " (t(lang, "rates-assumed")) }
                    button.primary type="submit" { (t(lang, "rates-record")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub(in crate::ui) struct RateForm {
    base: Option<String>,
    quote: Option<String>,
    rate: Option<String>,
    date: Option<String>,
    source: Option<String>,
    assumed: Option<String>,
}

const RATE_FORM: FormSpec = FormSpec {
    title: "rates-record",
    back: "/aid#rates",
    back_title: "aid-title",
    labels: &[
        ("base", "rates-base"),
        ("quote", "rates-quote"),
        ("rate", "rates-rate"),
        ("date", "aid-col-date"),
        ("source", "aid-col-source"),
    ],
};

/// Records an exchange rate from the form, as `POST /api/v1/aid/rates` does.
pub(in crate::ui) async fn record_rate(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<RateForm>,
) -> Response {
    let request = RateInput {
        base: owned(&f.base),
        quote: owned(&f.quote),
        rate: owned(&f.rate),
        date: owned(&f.date),
        source: owned(&f.source),
        assumed: ticked(&f.assumed),
    };
    let saved = async {
        let rate = checked(
            Vec::new(),
            new_rate(&request, crate::local_time::local_date(state.now_s())),
        )?;
        state
            .store
            .put_fx_rate(&ui.me, &rate, state.now_s())
            .await?;
        Ok::<_, Unsaved>("/aid?rate_recorded=1#rates".to_string())
    };
    answer(&ui, &RATE_FORM, saved.await)
}
