//! The forecast page: R(t), projected cases, and bed demand per tier against the beds.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;

use super::chart::{band_chart, BandPoint};
use super::shell::Ui;
use super::{t, tr};
use crate::forecast::{forecast_for, SharesUsed};
use crate::registry::Registry;
use crate::{AppState, Lang};

#[derive(Deserialize)]
pub(super) struct ForecastQuery {
    unit: Option<String>,
    date: Option<String>,
}

fn label(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m").to_string(),
        Lang::En => d.format("%m-%d").to_string(),
    }
}

fn day(d: NaiveDate, lang: Lang) -> String {
    domain::lang::date(d, lang)
}

/// A share as a percentage, one decimal, in the language's way (4,1 % / 4.1%).
fn pct(x: f64, lang: Lang) -> String {
    domain::lang::percent(100.0 * x, 1, lang)
}

/// A count with the language's thousands separator (2.345 / 2,345).
fn count(n: u64, lang: Lang) -> String {
    domain::lang::count(i64::try_from(n).unwrap_or(i64::MAX), lang)
}

/// The severity and home-care shares the projection used, beside the policy's and the
/// locality's own.
fn shares_table(s: &SharesUsed, lang: Lang) -> maud::Markup {
    let seen = |x: Option<f64>| x.map_or_else(|| "—".to_string(), |x| pct(x, lang));
    html! {
        h2 { (t(lang, "forecast-shares")) }
        p.muted { (tr(lang, "forecast-shares-basis", &[
            ("cases", count(s.cases, lang)),
            ("from", day(s.from, lang)),
            ("through", day(s.through, lang)),
            ("weight", pct(s.cases_weight, lang)),
        ])) }
        table {
            thead { tr {
                th { (t(lang, "forecast-share-severity")) }
                th { (t(lang, "forecast-share-used")) }
                th { (t(lang, "forecast-share-observed")) }
                th { (t(lang, "forecast-share-prior")) }
            } }
            tbody {
                @for x in &s.severities {
                    tr {
                        td { (t(lang, &format!("severity-{}", x.severity.as_str()))) }
                        td { (pct(x.used, lang)) }
                        td { (seen(x.observed)) }
                        td { (pct(x.prior, lang)) }
                    }
                }
                tr {
                    td { (t(lang, "forecast-share-home")) }
                    td { (pct(s.home_used, lang)) }
                    td { (seen(s.home_observed)) }
                    td { (pct(s.home_prior, lang)) }
                }
            }
        }
        p.muted { (tr(lang, "forecast-shares-home", &[
            ("stays", count(s.home_stays, lang)),
            ("weight", pct(s.home_weight, lang)),
        ])) }
    }
}

pub(super) async fn forecast_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ForecastQuery>,
) -> Response {
    let lang = ui.lang;
    let asked = q.date.as_deref().and_then(|d| app::input::date(d).ok());
    let as_of = app::forecast::complete_through(&state, asked);
    let Some((scope, unit)) = app::forecast::scope_of(&ui.me, q.unit.as_deref()) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let f = match forecast_for(&state, &scope, as_of).await {
        Ok(f) => f,
        Err(crate::forecast::ForecastFailure::NoPolicy(_)) => {
            return ui.fail(StatusCode::BAD_REQUEST)
        }
        Err(e) => {
            tracing::error!("forecast page: {e}");
            return ui.fail(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let registry = Registry::of(domain::Structure::S2021);
    let place = unit
        .as_deref()
        .map_or_else(|| t(lang, "forecast-all"), |u| registry.name(u));
    let title = tr(lang, "forecast-title", &[("unit", place)]);
    let rt: Vec<BandPoint> =
        f.rt.iter()
            .map(|p| BandPoint {
                label: label(p.date, lang),
                mean: p.mean,
                lower: p.lower,
                upper: p.upper,
            })
            .collect();
    // The last four observed weeks, then the projection.
    let observed = &f.observed[f.observed.len().saturating_sub(28)..];
    let cases: Vec<BandPoint> = observed
        .iter()
        .map(|(d, n)| BandPoint {
            label: label(*d, lang),
            mean: f64::from(*n),
            lower: f64::from(*n),
            upper: f64::from(*n),
        })
        .chain(f.cases.iter().map(|p| BandPoint {
            label: label(p.date, lang),
            mean: p.mean,
            lower: p.lower,
            upper: p.upper,
        }))
        .collect();
    let latest = f.rt.last();
    let body = html! {
        h1 { (title) }
        p.muted { (tr(lang, "forecast-basis", &[("date", day(f.as_of, lang)), ("doc", f.basis.clone())])) }
        form.filters.noprint method="get" action="/forecast" {
            div { label for="f-unit" { (t(lang, "col-unit")) }
                input id="f-unit" name="unit" value=(unit.clone().unwrap_or_default()) placeholder=(t(lang, "unit-code-hint")); }
            div { label for="f-date" { (t(lang, "forecast-date")) }
                input id="f-date" name="date" type="date" value=(f.as_of.format("%Y-%m-%d")); }
            div { button.primary type="submit" { (t(lang, "contacts-filter")) } }
        }
        @for tier in f.tiers.iter().filter(|t| t.over_mean.is_some() || t.over_upper.is_some()) {
            @let name = match lang { Lang::Vi => tier.name_vi.clone(), Lang::En => tier.name_en.clone() };
            // The beds in force on the day the shortage starts: registered and planned.
            @let beds = |d: NaiveDate| count(tier.beds_on(d).into(), lang);
            p.alert role="alert" {
                @match (tier.over_mean, tier.over_upper) {
                    (Some(m), u) => {
                        (tr(lang, "forecast-alert", &[("tier", name), ("beds", beds(m)), ("date", day(m, lang))]))
                        @if let Some(u) = u.filter(|u| *u < m) {
                            " " (tr(lang, "forecast-alert-upper", &[("date", day(u, lang))]))
                        }
                    }
                    // Only the upper band crosses: a possible shortage, not the expected one.
                    (None, Some(u)) => (tr(lang, "forecast-alert-upper-only", &[("tier", name), ("beds", beds(u)), ("date", day(u, lang))])),
                    (None, None) => {}
                }
            }
        }
        h2 { (t(lang, "forecast-rt")) }
        @match latest {
            Some(r) => p { (tr(lang, "forecast-rt-now", &[("mean", domain::lang::decimal(r.mean, 2, lang)), ("lower", domain::lang::decimal(r.lower, 2, lang)), ("upper", domain::lang::decimal(r.upper, 2, lang)), ("date", day(r.date, lang))])) },
            None => p { (t(lang, "forecast-rt-none")) },
        }
        @if !rt.is_empty() { (band_chart(lang, &t(lang, "forecast-rt"), &rt, Some((1.0, "R = 1")), None)) }
        h2 { (t(lang, "forecast-cases")) }
        @if f.cases.is_empty() { p { (t(lang, "forecast-rt-none")) } }
        @else { (band_chart(lang, &t(lang, "forecast-cases"), &cases, None, Some(observed.len()))) }
        @for tier in &f.tiers {
            @let name = match lang { Lang::Vi => &tier.name_vi, Lang::En => &tier.name_en };
            h2 { (tr(lang, "forecast-beds", &[("tier", name.clone())])) }
            @let points: Vec<BandPoint> = tier.demand.iter().map(|p| BandPoint { label: label(p.date, lang), mean: p.mean, lower: p.lower, upper: p.upper }).collect();
            @let cap_label = tier.capacity.map(|c| tr(lang, "forecast-capacity", &[("beds", c.to_string())]));
            (band_chart(lang, name, &points, tier.capacity.zip(cap_label.as_deref()).map(|(c, l)| (f64::from(c), l)), Some(1)))
            @match (tier.capacity, tier.occupied) {
                (Some(c), Some(o)) => p.muted { (tr(lang, "forecast-occupied", &[("occupied", count(o.into(), lang)), ("beds", count(c.into(), lang)), ("date", day(f.as_of, lang))])) },
                _ => p.muted { (t(lang, "forecast-no-beds")) },
            }
            (planned(tier, f.as_of, lang))
        }
        @if let Some(home) = &f.home {
            h2 { (t(lang, "forecast-home")) }
            @let points: Vec<BandPoint> = home.demand.iter().map(|p| BandPoint { label: label(p.date, lang), mean: p.mean, lower: p.lower, upper: p.upper }).collect();
            (band_chart(lang, &t(lang, "forecast-home"), &points, None, Some(1)))
            p.muted {
                (tr(lang, "forecast-home-note", &[("share", pct(home.share, lang))]))
                @if let Some(n) = home.now { " " (tr(lang, "forecast-home-now", &[("n", count(n.into(), lang)), ("date", day(f.as_of, lang))])) }
            }
        }
        @if let Some(s) = &f.shares { (shares_table(s, lang)) }
        p.muted { (t(lang, "forecast-method")) }
    };
    ui.page(&title, body)
}

/// The tier's planned beds beside the registered ones: in force on the last observed day,
/// and each change of the plan within the horizon.
fn planned(tier: &crate::forecast::TierForecast, as_of: NaiveDate, lang: Lang) -> maud::Markup {
    html! {
        @if tier.planned.is_some() || !tier.planned_changes.is_empty() {
            ul.planned {
                @if let Some(n) = tier.planned {
                    li { (tr(lang, "forecast-planned", &[("beds", count(n.into(), lang)), ("date", day(as_of, lang))])) }
                }
                @for (d, n) in &tier.planned_changes {
                    li { @match n {
                        Some(n) => (tr(lang, "forecast-planned-from", &[("beds", count((*n).into(), lang)), ("date", day(*d, lang))])),
                        None => (tr(lang, "forecast-planned-ends", &[("date", day(*d, lang))])),
                    } }
                }
            }
            p.muted { (t(lang, "forecast-planned-note")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forecast_numbers_are_written_the_languages_way() {
        assert_eq!(count(2_345, Lang::Vi), "2.345");
        assert_eq!(count(1_234_567, Lang::En), "1,234,567");
        assert_eq!(count(428, Lang::Vi), "428");
        assert_eq!(pct(0.0133, Lang::Vi), "1,3\u{a0}%");
        assert_eq!(pct(0.0133, Lang::En), "1.3%");
    }
}
