//! Aid between localities: flows and totals, the list of gifts, a gift's page, relief
//! progress of lockdown zones, and the printable thank-you letter (A4, Vietnamese or
//! English) recorded as sent by a form.

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::aid::{self, Currency, Money};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;
use store::aid::{Donation, GoodsRow};

use super::shell::{failure, local, page_of, Ui};
use super::{t, tr};
use crate::api::aid::{may_record_rates, totals_of, AidQuery, TotalsDto};
use crate::local_time::local_date;
use crate::{AppState, Lang};

mod cooperation;
mod form;
mod public;
mod record;
mod relief;
pub(super) use cooperation::{
    campaigns_page, commend, cooperation_page, record_activity, report_commitment,
    report_task_progress,
};
pub(super) use public::public_aid;
pub(super) use record::{record_gift, record_need, record_rate};
pub(super) use relief::{declare_zone, open_round};

/// An amount the way each language writes it: "15.000 USD", "15,000 USD"; cents only when
/// there are any.
pub(crate) fn fmt_money(lang: Lang, m: Money) -> String {
    let mut s = m.currency.format_minor(m.amount_minor);
    if let Some(whole) = s.strip_suffix(".00") {
        s = whole.to_string();
    }
    format!("{} {}", localise_number(lang, &s), m.currency.code())
}

fn localise_number(lang: Lang, s: &str) -> String {
    match lang {
        Lang::En => s.to_string(),
        Lang::Vi => s
            .chars()
            .map(|c| match c {
                ',' => '.',
                '.' => ',',
                c => c,
            })
            .collect(),
    }
}

fn fmt_count(lang: Lang, n: i64) -> String {
    localise_number(lang, &Currency::VND.format_minor(n))
}

/// "30.000 khẩu trang y tế" / "30,000 medical masks"; unknown items by slug and unit.
fn fmt_goods(lang: Lang, item: &str, unit: &str, quantity: i64) -> String {
    match aid::item(item) {
        // A measure is written before the item ("100.000 kg nông sản"); a count is not.
        Some(i) if i.unit == "kg" => format!(
            "{} kg {}",
            fmt_count(lang, quantity),
            match lang {
                Lang::Vi => i.name_vi,
                Lang::En => i.name_en,
            }
        ),
        Some(i) => format!(
            "{} {}",
            fmt_count(lang, quantity),
            match lang {
                Lang::Vi => i.name_vi,
                Lang::En => i.name_en,
            }
        ),
        None => format!("{} {unit} {item}", fmt_count(lang, quantity)),
    }
}

/// Money and goods of a gift in words: "15.000 USD, 30.000 khẩu trang y tế".
fn gift_words(lang: Lang, d: &Donation) -> String {
    d.money
        .map(|m| fmt_money(lang, m))
        .into_iter()
        .chain(d.goods.iter().map(
            |GoodsRow {
                 item,
                 unit,
                 quantity,
                 ..
             }| fmt_goods(lang, item, unit, *quantity),
        ))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_word(lang: Lang, s: aid::AidStatus) -> String {
    t(lang, &format!("aid-status-{}", s.as_str()))
}

/// Unmet needs shown on the page; the API lists them all.
const NEEDS_SHOWN: usize = 50;

#[derive(Deserialize)]
pub(super) struct AidPageQuery {
    #[serde(flatten)]
    aid: AidQuery,
    /// After the relief form: a package was given (its id), or a message id of a refusal.
    given: Option<String>,
    relief_error: Option<String>,
    /// After the needs form: the need was posted.
    need_posted: Option<String>,
    /// After the relief forms: the zone declared, the round opened (their ids).
    zone_declared: Option<String>,
    round_opened: Option<String>,
    /// After the rate form: a rate was recorded.
    rate_recorded: Option<String>,
}

pub(super) async fn aid_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(page_q): Query<AidPageQuery>,
) -> Response {
    let q = &page_q.aid;
    let lang = ui.lang;
    let filter = q.filter().unwrap_or_default();
    let me = &ui.me;
    let page_req = page_of(q.cursor.as_deref(), 100);
    let (flows, list, usd, vnd, zones, needs, fx_rates) = match tokio::try_join!(
        async { state.store.aid_flows(me, &filter).await.map_err(|_| ()) },
        async {
            state
                .store
                .list_donations(me, &filter, &page_req)
                .await
                .map_err(|_| ())
        },
        async {
            totals_of(&state, me, &filter, Currency::USD, None)
                .await
                .map_err(|_| ())
        },
        async {
            totals_of(&state, me, &filter, Currency::VND, None)
                .await
                .map_err(|_| ())
        },
        async { state.store.relief_progress(me).await.map_err(|_| ()) },
        async { state.store.open_needs(None).await.map_err(|_| ()) },
        async { state.store.fx_rates().await.map_err(|_| ()) },
    ) {
        Ok(v) => v,
        Err(()) => return ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
    };
    let may_give = ui.me.user.role.can(domain::role::Permission::WritePersonal);
    let body = html! {
        h1 { (t(lang, "aid-title")) }
        form.filters method="get" action="/aid" {
            label { (t(lang, "aid-col-donor")) " " input name="donor" size="8" value=(q.donor.clone().unwrap_or_default()) placeholder="01, org:5"; }
            " " label { (t(lang, "aid-col-recipient")) " " input name="recipient" size="8" value=(q.recipient.clone().unwrap_or_default()) placeholder="LA"; }
            " " button type="submit" { (t(lang, "aid-filter")) }
        }
        @if aid::may_record_aid(ui.me.user.role) { (record::gift_form(lang)) }
        p { a href="/aid/cooperation" { (t(lang, "coop-title")) } " · " a href="/aid/campaigns" { (t(lang, "campaigns-title")) } }
        (summary(lang, &flows, &usd, &vnd, false))
        (record::rates(lang, &fx_rates, may_record_rates(ui.me.user.role), page_q.rate_recorded.is_some()))
        p { a href="/api/v1/aid/donations.csv" { "CSV" } " · " a href="/api/v1/aid/donations.xlsx" { "XLSX" } " · " a href="/public/aid" { (t(lang, "aid-public")) } }
        h2 { (t(lang, "aid-donations")) }
        table {
            thead { tr {
                th { (t(lang, "aid-col-date")) } th { (t(lang, "aid-col-donor")) } th { (t(lang, "aid-col-recipient")) }
                th { (t(lang, "aid-col-gift")) } th { (t(lang, "aid-col-status")) } th { (t(lang, "aid-col-source")) }
            } }
            tbody { @for d in &list.items { tr {
                td { a href={ "/aid/donations/" (d.id) } { (d.on_date) } }
                td { (d.donor.name) } td { (d.recipient.name) }
                td { (gift_words(lang, d)) }
                td { (status_word(lang, d.status)) }
                td.muted { (d.source) }
            } } }
        }
        @if let Some(n) = &list.next { p { a href={ "/aid?cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } } }
        h2 id="needs" { (t(lang, "needs-title")) }
        @if page_q.need_posted.is_some() { p.ok role="status" { (t(lang, "needs-posted")) } }
        @if needs.is_empty() { p { (t(lang, "needs-none")) } } @else {
            table {
                thead { tr { th { (t(lang, "col-unit")) } th { (t(lang, "aid-col-goods")) } th { (t(lang, "needs-by")) } th { (t(lang, "aid-note")) } } }
                tbody { @for n in needs.iter().take(NEEDS_SHOWN) { tr {
                    td { (n.unit_name) } td { (fmt_goods(lang, &n.item, &n.unit, n.quantity)) }
                    td { (n.by_date) } td { (n.note.clone().unwrap_or_default()) }
                } } }
            }
        }
        @if aid::may_record_aid(ui.me.user.role) { (record::need_form(lang)) }
        h2 id="relief" { (t(lang, "relief-title")) }
        @if page_q.given.is_some() { p.ok role="status" { (t(lang, "relief-given-ok")) } }
        @if page_q.zone_declared.is_some() { p.ok role="status" { (t(lang, "relief-declared-ok")) } }
        @if page_q.round_opened.is_some() { p.ok role="status" { (t(lang, "relief-opened-ok")) } }
        @if let Some(e) = &page_q.relief_error { p.error role="alert" { (t(lang, e)) } }
        @if zones.is_empty() { p { (t(lang, "relief-empty")) } } @else {
            table {
                thead { tr {
                    th { (t(lang, "relief-zone")) } th { (t(lang, "relief-units")) } th { (t(lang, "relief-addresses")) }
                    th { (t(lang, "relief-period")) } th { (t(lang, "relief-households")) }
                    th { (t(lang, "relief-round")) } th { (t(lang, "relief-given")) } th { (t(lang, "relief-gap")) }
                    @if may_give { th { (t(lang, "relief-give")) } }
                } }
                tbody { @for z in &zones {
                    // A zone without rounds yet still shows its row.
                    @let rounds: Vec<Option<&store::aid::RoundProgress>> = if z.rounds.is_empty() { vec![None] } else { z.rounds.iter().map(Some).collect() };
                    @for r in rounds { tr {
                        td { (z.name) }
                        td { (z.units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join(", ")) }
                        td { @if z.addresses.is_empty() { span.muted { (t(lang, "relief-all-addresses")) } } @else { (z.addresses.join("; ")) } }
                        td { (z.starts_on) " → " (z.ends_on.clone().unwrap_or_default()) }
                        td title=(t(lang, "relief-households-declared")) {
                            (fmt_count(lang, z.households_in_zone))
                            " " span.muted { "(" (t(lang, "relief-declared")) " " (fmt_count(lang, z.households)) ")" }
                        }
                        @if let Some(r) = r {
                            td { (r.name) " (" (t(lang, &format!("relief-kind-{}", r.kind))) ")" }
                            td { (fmt_count(lang, r.given)) }
                            td { (fmt_count(lang, (z.households_in_zone - r.given).max(0))) }
                            @if may_give { td { form.noprint method="post" action={ "/aid/relief/rounds/" (r.id) "/packages" } {
                                input type="number" name="household_id" min="1" required aria-label=(t(lang, "relief-household-id")) placeholder=(t(lang, "relief-household-id"));
                                " " button type="submit" { (t(lang, "relief-give")) }
                            } } }
                        } @else {
                            td.muted { (t(lang, "relief-no-round")) } td {} td {}
                            @if may_give { td {} }
                        }
                    } }
                } }
            }
        }
        @if may_give { (relief::relief_forms(lang, &zones)) }
    };
    ui.page(&t(lang, "aid-title"), body)
}

/// "23000" → "23.000" (vi) / "23,000" (en); a fractional rate keeps its decimals
/// ("20500.5" → "20.500,5" / "20,500.5").
fn fmt_rate(lang: Lang, rate: &str) -> String {
    let (whole, frac) = rate.split_once('.').unwrap_or((rate, ""));
    match whole.parse::<i64>() {
        Ok(whole) if frac.is_empty() => fmt_count(lang, whole),
        Ok(whole) => format!(
            "{}{}",
            fmt_count(lang, whole),
            localise_number(lang, &format!(".{frac}"))
        ),
        Err(_) => localise_number(lang, rate),
    }
}

/// A donor's name; on the public page an individual is not named (Decree 13/2023).
fn party_name(lang: Lang, p: &store::aid::Party, public: bool) -> String {
    if public && p.kind == aid::PartyKind::Individual {
        t(lang, "aid-kind-individual")
    } else {
        p.name.clone()
    }
}

/// Flows by donor and recipients, totals per currency converted at the recorded rates (with
/// the rates and the rounding rule), and goods: the aid page and the public report share it.
pub(crate) fn summary(
    lang: Lang,
    flows: &[store::aid::Flow],
    usd: &TotalsDto,
    vnd: &TotalsDto,
    public: bool,
) -> Markup {
    let mut rates: Vec<_> = usd
        .by_currency
        .iter()
        .chain(&vnd.by_currency)
        .filter_map(|c| c.rate.as_ref())
        .map(|r| {
            (
                r.base.clone(),
                r.quote.clone(),
                r.rate.clone(),
                r.date.clone(),
                r.source.clone(),
                r.assumed,
            )
        })
        .collect();
    rates.sort();
    rates.dedup();
    html! {
        h2 { (t(lang, "aid-flows")) }
        @if flows.is_empty() { p { (t(lang, "aid-empty")) } } @else {
            table.flows {
                thead { tr {
                    th { (t(lang, "aid-col-donor")) } th { (t(lang, "aid-col-recipients")) }
                    th { (t(lang, "aid-col-money")) } th { (t(lang, "aid-col-goods")) } th { (t(lang, "aid-col-count")) }
                } }
                tbody { @for f in flows { tr {
                    td { (party_name(lang, &f.donor, public)) }
                    td { "→ " (f.recipient_root_name)
                        @if f.recipients > 1 { " " span.muted { (tr(lang, "aid-recipients-n", &[("n", f.recipients.to_string())])) } } }
                    td { @for m in &f.money { (fmt_money(lang, *m)) br; } }
                    td { @for (item, unit, q) in &f.goods { (fmt_goods(lang, item, unit, *q)) br; } }
                    td { (f.donations) }
                } } }
            }
        }
        h2 { (t(lang, "aid-totals")) }
        table.totals {
            thead { tr { th { (t(lang, "aid-col-currency")) } th { (t(lang, "aid-col-amount")) } th { "≈ USD" } th { "≈ VND" } } }
            tbody {
                @for (a, b) in usd.by_currency.iter().zip(&vnd.by_currency) { tr {
                    td { (a.currency) }
                    td { (money_cell(lang, &a.currency, Some(a.amount_minor))) }
                    td { (money_cell(lang, "USD", a.converted_minor)) }
                    td { (money_cell(lang, "VND", b.converted_minor)) }
                } }
                tr.total {
                    th { (t(lang, "aid-total")) } td {}
                    td { (money_cell(lang, "USD", usd.total_minor)) }
                    td { (money_cell(lang, "VND", vnd.total_minor)) }
                }
            }
        }
        p.muted { (t(lang, "aid-rounding")) }
        @if usd.left_out > 0 { p.error role="status" { (tr(lang, "aid-left-out", &[("n", usd.left_out.to_string())])) } }
        @if !rates.is_empty() {
            ul.rates { @for (base, quote, rate, date, source, assumed) in &rates {
                li { "1 " (base) " = " (fmt_rate(lang, rate)) " " (quote) " (" (date) "; " (source) ")"
                    @if *assumed { " " em.assumed { (t(lang, "aid-assumed")) } } }
            } }
        }
        @if !usd.goods.is_empty() {
            p { (t(lang, "aid-goods-total")) ": "
                (usd.goods.iter().map(|g| fmt_goods(lang, &g.item, &g.unit, g.quantity)).collect::<Vec<_>>().join("; ")) }
        }
    }
}

fn money_cell(lang: Lang, currency: &str, minor: Option<i64>) -> Markup {
    match (currency.parse::<Currency>(), minor) {
        (Ok(c), Some(m)) => html! { (fmt_money(lang, Money { amount_minor: m, currency: c })) },
        _ => html! { span.muted { (t(lang, "aid-no-rate")) } },
    }
}

#[derive(Deserialize)]
pub(super) struct DonationQuery {
    sent: Option<String>,
    /// A message id set by a refused form.
    error: Option<String>,
}

pub(super) async fn donation_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<DonationQuery>,
) -> Response {
    let lang = ui.lang;
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let detail = match state.store.get_donation(&ui.me, id).await {
        Ok(Some(d)) => d,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(_) => return ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
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
            tr { th { (t(lang, "aid-col-date")) } td { (d.on_date) } }
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
pub(super) struct LetterQuery {
    lang: Option<String>,
}

fn letter_lang(s: Option<&str>, fallback: Lang) -> Lang {
    match s {
        Some("en") => Lang::En,
        Some("vi") => Lang::Vi,
        _ => fallback,
    }
}

/// One A4 page: the margins of a Vietnamese administrative letter (Circular 01/2011/TT-BNV:
/// top and bottom 20 mm, left 30 mm, right 15 mm), 13 pt serif, nothing but the letter in
/// print.
const LETTER_CSS: &str = "@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
html { background: #ddd; }
body { box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 20mm 15mm 20mm 30mm;
  background: #fff; font: 13pt/1.45 'Times New Roman', Times, serif; color: #000; }
.head { display: flex; justify-content: space-between; text-align: center; }
.head p { margin: 0; } .motto { font-weight: bold; text-decoration: underline; }
.date { text-align: right; font-style: italic; margin: 6mm 0; }
h1 { text-align: center; font-size: 15pt; margin: 8mm 0 6mm; }
.to { font-weight: bold; } .body p { text-align: justify; text-indent: 10mm; margin: 0 0 3mm; }
.sign { margin: 10mm 0 0 50%; text-align: center; font-weight: bold; }
.ref { margin-top: 18mm; font-size: 9pt; color: #444; }
.noprint { font: 11pt sans-serif; margin: 0 0 8mm; padding: 3mm; background: #f4f4f4; }
@media print { html { background: none; } body { width: auto; min-height: 0; margin: 0; padding: 0; }
  .noprint { display: none; } .letter { break-inside: avoid; page-break-inside: avoid; } }";

/// A party's name in a letter: a locality by its name in the letter's language
/// (`locality-<code>` in aid.ftl: "Vientiane Capital", "Hanoi"), anything else as recorded.
fn letter_name(lang: Lang, p: &store::aid::Party) -> String {
    let id = format!("locality-{}", p.code_or_id);
    match t(lang, &id) {
        name if p.kind == aid::PartyKind::Locality && name != id => name,
        _ => p.name.clone(),
    }
}

pub(super) async fn letter(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<LetterQuery>,
) -> Response {
    let lang = letter_lang(q.lang.as_deref(), ui.lang);
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let d = match state.store.get_donation(&ui.me, id).await {
        Ok(Some(d)) => d.donation,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(_) => return ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
    };
    let action = format!("/aid/donations/{id}/letter");
    let back = format!("/aid/donations/{id}");
    letter_page(&state, lang, &[d], &action, &back, &[])
}

#[derive(Deserialize)]
pub(super) struct SetLetterQuery {
    donor: Option<String>,
    recipient: Option<String>,
    lang: Option<String>,
}

/// Gifts between one donor and one recipient thanked in one letter (at most a page's worth).
const LETTER_GIFTS_MAX: u32 = 12;

async fn gifts_between(
    state: &AppState,
    ui: &Ui,
    donor: Option<&str>,
    recipient: Option<&str>,
) -> Result<Vec<Donation>, StatusCode> {
    let q = AidQuery {
        donor: donor.map(str::to_string),
        recipient: recipient.map(str::to_string),
        ..AidQuery::default()
    };
    let filter = q.filter().map_err(|_| StatusCode::BAD_REQUEST)?;
    if filter.donor.is_none() || filter.recipient.is_none() {
        return Err(StatusCode::BAD_REQUEST);
    }
    let page = store::PageRequest::first(LETTER_GIFTS_MAX);
    let found = state
        .store
        .list_donations(&ui.me, &filter, &page)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let gifts = found.items;
    // One letter thanks one donor on behalf of one recipient.
    match gifts.first() {
        None => Err(StatusCode::NOT_FOUND),
        Some(f)
            if gifts
                .iter()
                .any(|g| g.donor != f.donor || g.recipient != f.recipient) =>
        {
            Err(StatusCode::BAD_REQUEST)
        }
        Some(_) => Ok(gifts),
    }
}

/// One letter for every gift from `donor` to `recipient` (unit codes or `org:ID`).
pub(super) async fn set_letter(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<SetLetterQuery>,
) -> Response {
    let lang = letter_lang(q.lang.as_deref(), ui.lang);
    let gifts = match gifts_between(&state, &ui, q.donor.as_deref(), q.recipient.as_deref()).await {
        Ok(g) => g,
        Err(status) => return ui.fail(status),
    };
    let hidden = [
        ("donor", q.donor.clone().unwrap_or_default()),
        ("recipient", q.recipient.clone().unwrap_or_default()),
    ];
    letter_page(&state, lang, &gifts, "/aid/letters", "/aid", &hidden)
}

#[derive(Deserialize)]
pub(super) struct SetLetterForm {
    donor: Option<String>,
    recipient: Option<String>,
    lang: Option<String>,
}

/// Records the letter of a set of gifts as sent: each gift gets its line.
pub(super) async fn set_letter_sent(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<SetLetterForm>,
) -> Response {
    let gifts = match gifts_between(&state, &ui, f.donor.as_deref(), f.recipient.as_deref()).await {
        Ok(g) => g,
        Err(status) => return ui.fail(status),
    };
    let lang = match letter_lang(f.lang.as_deref(), ui.lang) {
        Lang::Vi => "vi",
        Lang::En => "en",
    };
    for g in &gifts {
        if state
            .store
            .record_letter_sent(&ui.me, g.id, lang, state.now_s())
            .await
            .is_err()
        {
            return ui.fail(StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
    Redirect::to(&format!("/aid/donations/{}?sent={lang}", gifts[0].id)).into_response()
}

/// The A4 letter thanking `gifts` (one donor, one recipient), with the form that records it
/// as sent (`action`, plus `hidden` fields).
fn letter_page(
    state: &AppState,
    lang: Lang,
    gifts: &[Donation],
    action: &str,
    back: &str,
    hidden: &[(&str, String)],
) -> Response {
    let d = &gifts[0];
    let today = local_date(state.now_s());
    let date_words = |date: chrono::NaiveDate| match lang {
        Lang::Vi => date.format("%d/%m/%Y").to_string(),
        Lang::En => date.format("%-d %B %Y").to_string(),
    };
    let (first, last) = gifts.iter().fold((d.on_date, d.on_date), |(a, b), g| {
        (a.min(g.on_date), b.max(g.on_date))
    });
    let dates = if first == last {
        date_words(first)
    } else {
        format!("{} – {}", date_words(first), date_words(last))
    };
    let gift = gifts
        .iter()
        .map(|g| gift_words(lang, g))
        .collect::<Vec<_>>()
        .join("; ");
    let args = [
        ("donor", letter_name(lang, &d.donor)),
        ("recipient", letter_name(lang, &d.recipient)),
        ("gift", gift),
        ("date", dates),
        ("place", letter_name(lang, &d.recipient)),
        ("day", today.format("%d").to_string()),
        ("month", today.format("%m").to_string()),
        ("year", today.format("%Y").to_string()),
        ("today", date_words(today)),
    ];
    let ids = gifts
        .iter()
        .map(|g| g.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let sources = {
        let mut s: Vec<&str> = gifts.iter().map(|g| g.source.as_str()).collect();
        s.dedup();
        s.join(", ")
    };
    let lang_code = match lang {
        Lang::Vi => "vi",
        Lang::En => "en",
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang_code) {
            head {
                meta charset="utf-8";
                title { (t(lang, "letter-title")) " — " (letter_name(lang, &d.donor)) }
                style { (PreEscaped(LETTER_CSS)) }
            }
            body {
                div.noprint {
                    form method="post" action=(action) {
                        input type="hidden" name="lang" value=(lang_code);
                        @for (k, v) in hidden { input type="hidden" name=(k) value=(v); }
                        (t(lang, "letter-print-hint")) " "
                        button type="submit" { (t(lang, "letter-mark-sent")) }
                        " · " a href=(back) { (t(lang, "letter-back")) }
                    }
                }
                article.letter {
                    div.head {
                        div { p { (letter_name(lang, &d.recipient)) } }
                        div { p.country { (t(lang, "letter-country")) } p.motto { (t(lang, "letter-motto")) } }
                    }
                    p.date { (tr(lang, "letter-place-date", &args)) }
                    h1 { (t(lang, "letter-title")) }
                    p.to { (tr(lang, "letter-to", &args)) }
                    div.body {
                        p { (tr(lang, "letter-body-1", &args)) }
                        p { (tr(lang, "letter-body-2", &args)) }
                        p { (tr(lang, "letter-body-3", &args)) }
                    }
                    p.sign { (t(lang, "letter-close")) br; br; (tr(lang, "letter-sign", &args)) }
                    p.ref { (tr(lang, "letter-ref", &[("id", ids), ("source", sources)])) }
                }
            }
        }
    };
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(super) struct PackageForm {
    household_id: Option<String>,
}

/// The relief table's form: one package for a household in a round. A second one is refused
/// by the database and explained on the page.
pub(super) async fn give_package_form(
    State(state): State<AppState>,
    ui: Ui,
    Path(round): Path<String>,
    Form(f): Form<PackageForm>,
) -> Response {
    let back = |query: &str| Redirect::to(&format!("/aid?{query}#relief")).into_response();
    let (Ok(round), Some(Ok(household))) = (
        round.parse::<i64>(),
        f.household_id.as_deref().map(|h| h.trim().parse::<i64>()),
    ) else {
        return back("relief_error=aid-error-input");
    };
    match state
        .store
        .give_package(&ui.me, round, household, state.now_s())
        .await
    {
        Ok(Some(id)) => back(&format!("given={id}")),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(store::StoreError::Refused(_)) => back("relief_error=relief-already-given"),
        Err(store::StoreError::Invalid(e))
            if e.iter().any(|f| f.reason == domain::Reason::OutsideZone) =>
        {
            back("relief_error=relief-outside-zone")
        }
        Err(store::StoreError::Invalid(_)) => back("relief_error=aid-error-input"),
        Err(_) => ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[derive(Deserialize)]
pub(super) struct StatusForm {
    status: Option<String>,
    received_money_minor: Option<String>,
}

/// The donation page's button: the next step of the gift's life.
pub(super) async fn advance_form(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Response {
    let (Ok(id), Some(Ok(to))) = (
        id.parse::<i64>(),
        f.status.as_deref().map(str::parse::<aid::AidStatus>),
    ) else {
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
    let result = state
        .store
        .advance_donation(&ui.me, id, to, receipt.as_ref(), None, state.now_s())
        .await;
    match result {
        Ok(Some(_)) => Redirect::to(&format!("/aid/donations/{id}")).into_response(),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(store::StoreError::Refused(_)) => {
            Redirect::to(&format!("/aid/donations/{id}?error=aid-error-step")).into_response()
        }
        Err(store::StoreError::Invalid(_)) => {
            Redirect::to(&format!("/aid/donations/{id}?error=aid-error-input")).into_response()
        }
        Err(_) => ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[derive(Deserialize)]
pub(super) struct LetterForm {
    lang: Option<String>,
}

pub(super) async fn letter_sent(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<LetterForm>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let lang = match letter_lang(f.lang.as_deref(), ui.lang) {
        Lang::Vi => "vi",
        Lang::En => "en",
    };
    match state
        .store
        .record_letter_sent(&ui.me, id, lang, state.now_s())
        .await
    {
        Ok(Some(_)) => Redirect::to(&format!("/aid/donations/{id}?sent={lang}")).into_response(),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(_) => failure(ui.lang, StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::aid::decimal_micro;

    #[test]
    fn money_reads_as_each_language_writes_it() {
        let usd = Money {
            amount_minor: 1_500_000,
            currency: Currency::USD,
        };
        assert_eq!(fmt_money(Lang::Vi, usd), "15.000 USD");
        assert_eq!(fmt_money(Lang::En, usd), "15,000 USD");
        let cents = Money {
            amount_minor: 1_500_050,
            currency: Currency::USD,
        };
        assert_eq!(fmt_money(Lang::Vi, cents), "15.000,50 USD");
        assert_eq!(
            fmt_goods(Lang::Vi, "masks", "pieces", 30_000),
            "30.000 khẩu trang y tế"
        );
        assert_eq!(decimal_micro(23_000_000_000), "23000");
        assert_eq!(decimal_micro(1_500_000), "1.5");
        assert_eq!(fmt_rate(Lang::Vi, "20500.5"), "20.500,5");
        assert_eq!(fmt_rate(Lang::En, "20500.5"), "20,500.5");
        assert_eq!(fmt_rate(Lang::Vi, "0.000043"), "0,000043");
    }
}
