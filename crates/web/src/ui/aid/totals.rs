//! Flows and totals of the gifts in scope: the aid page and the public report share them.

use domain::aid::{self, Currency, Money};
use maud::{html, Markup};

use super::super::{t, tr};
use super::{fmt_goods, fmt_money, fmt_rate};
use crate::Lang;
use app::aid::{decimal_micro, Totals};

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
    usd: &Totals,
    vnd: &Totals,
    public: bool,
) -> Markup {
    let mut rates: Vec<_> = usd
        .by_currency
        .iter()
        .chain(&vnd.by_currency)
        .filter_map(|c| c.rate.as_ref())
        .map(|r| {
            (
                r.base.code(),
                r.quote.code(),
                decimal_micro(r.rate_micro),
                r.on_date.to_string(),
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
                    td { (a.money.currency.code()) }
                    td { (money_cell(lang, a.money.currency, Some(a.money.amount_minor))) }
                    td { (money_cell(lang, Currency::USD, a.converted_minor)) }
                    td { (money_cell(lang, Currency::VND, b.converted_minor)) }
                } }
                tr.total {
                    th { (t(lang, "aid-total")) } td {}
                    td { (money_cell(lang, Currency::USD, usd.total_minor)) }
                    td { (money_cell(lang, Currency::VND, vnd.total_minor)) }
                }
            }
        }
        p.muted { (t(lang, "aid-rounding")) }
        @if usd.left_out > 0 { p.error role="status" { (tr(lang, "aid-left-out", &[("n", usd.left_out.to_string())])) } }
        @if !rates.is_empty() {
            ul.rates { @for (base, quote, rate, date, source, assumed) in &rates {
                li { "1 " (base) " = " (fmt_rate(lang, rate)) " " (quote) " (" (super::day(lang, date)) "; " (source) ")"
                    @if *assumed { " " em.assumed { (t(lang, "aid-assumed")) } } }
            } }
        }
        @if !usd.goods.is_empty() {
            p { (t(lang, "aid-goods-total")) ": "
                (usd.goods.iter().map(|(item, unit, quantity)| fmt_goods(lang, item, unit, *quantity)).collect::<Vec<_>>().join("; ")) }
        }
    }
}

fn money_cell(lang: Lang, currency: Currency, minor: Option<i64>) -> Markup {
    match minor {
        Some(m) => html! { (fmt_money(lang, Money { amount_minor: m, currency })) },
        None => html! { span.muted { (t(lang, "aid-no-rate")) } },
    }
}
