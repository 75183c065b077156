//! Aid between localities: flows and totals, the list of gifts, a gift's page, relief
//! progress of lockdown zones, and the printable thank-you letter (A4, Vietnamese or
//! English) recorded as sent by a form.

use axum::extract::{Query, State};
use axum::response::Response;
use domain::aid::{self, Currency, Money};
use maud::html;
use serde::Deserialize;
use store::aid::{Donation, GoodsRow};

use super::shell::{page_of, Ui};
use super::t;
use crate::{AppState, Lang};
use app::aid::{aid_filter, may_record_rates, AidFilterInput};

mod cooperation;
mod form;
mod gifts;
mod letters;
mod public;
mod record;
mod relief;
mod thanks;
mod totals;
pub(super) use cooperation::{
    campaigns_page, commend, cooperation_page, record_activity, report_commitment,
    report_task_progress,
};
pub(super) use gifts::{advance_form, donation_page};
pub(super) use letters::{letter, letter_sent, set_letter, set_letter_sent};
pub(super) use public::public_aid;
pub(super) use record::{record_gift, record_need, record_rate};
pub(super) use relief::{declare_zone, give_package_form, open_round};
pub(super) use thanks::{letters_page, new_letter_form, record_letter_form};
use totals::summary;

/// An amount the way each language writes it: "15.000 USD", "15,000 USD"; cents only when
/// there are any.
pub(crate) fn fmt_money(lang: Lang, m: Money) -> String {
    let mut s = m.currency.format_minor(m.amount_minor);
    if let Some(whole) = s.strip_suffix(".00") {
        s = whole.to_string();
    }
    format!("{} {}", localise_number(lang, &s), m.currency.code())
}

/// A stored date ("2021-08-26", or a date) as the reader's language writes it; anything else
/// as it is.
pub(crate) fn day(lang: Lang, stored: &impl std::fmt::Display) -> String {
    let s = stored.to_string();
    match chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        Ok(d) => domain::lang::date(d, lang),
        Err(_) => s,
    }
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
    donor: Option<String>,
    recipient: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
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
    let q = &page_q;
    let lang = ui.lang;
    // A malformed bound is left out: the filter form shows what was typed.
    let filter = aid_filter(&AidFilterInput {
        donor: q.donor.clone(),
        recipient: q.recipient.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    })
    .unwrap_or_default();
    let me = &ui.me;
    let page_req = page_of(q.cursor.as_deref(), 100);
    let (flows, list, usd, vnd, zones, needs, fx_rates) = match tokio::try_join!(
        state.store.aid_flows(me, &filter),
        state.store.list_donations(me, &filter, &page_req),
        state.aid_totals(me, &filter, Currency::USD, None),
        state.aid_totals(me, &filter, Currency::VND, None),
        state.store.relief_progress(me),
        state.store.open_needs(None),
        state.store.fx_rates(),
    ) {
        Ok(v) => v,
        Err(e) => return ui.failed("aid page", &e),
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
        p {
            a href="/aid/cooperation" { (t(lang, "coop-title")) } " · " a href="/aid/campaigns" { (t(lang, "campaigns-title")) }
            @if aid::may_record_aid(ui.me.user.role) { " · " a href="/aid/letters" { (t(lang, "letters-title")) } }
        }
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
                td { a href={ "/aid/donations/" (d.id) } { (day(lang, &d.on_date)) } }
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
                    td { (day(lang, &n.by_date)) } td { (n.note.clone().unwrap_or_default()) }
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
                        td { (day(lang, &z.starts_on)) " → " (z.ends_on.as_ref().map(|e| day(lang, e)).unwrap_or_default()) }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(fmt_rate(Lang::Vi, "20500.5"), "20.500,5");
        assert_eq!(fmt_rate(Lang::En, "20500.5"), "20,500.5");
        assert_eq!(fmt_rate(Lang::Vi, "0.000043"), "0,000043");
    }
}
