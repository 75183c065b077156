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
use crate::forecast::{capacity, forecast_for};
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
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
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
    let capacity = match capacity(&state, &scope).await {
        Ok(c) => c,
        Err(e) => return ui.failed("forecast page", &e),
    };
    let f = match forecast_for(&state, &scope, as_of, &capacity).await {
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
            p.alert role="alert" {
                (tr(lang, "forecast-alert", &[
                    ("tier", match lang { Lang::Vi => tier.name_vi.clone(), Lang::En => tier.name_en.clone() }),
                    ("beds", tier.capacity.unwrap_or(0).to_string()),
                    ("date", tier.over_mean.or(tier.over_upper).map(|d| day(d, lang)).unwrap_or_default()),
                ]))
                @if let (Some(u), Some(m)) = (tier.over_upper, tier.over_mean) { @if u < m {
                    " " (tr(lang, "forecast-alert-upper", &[("date", day(u, lang))]))
                } }
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
            (band_chart(lang, name, &points, tier.capacity.zip(cap_label.as_deref()).map(|(c, l)| (f64::from(c), l)), None))
            @if tier.capacity.is_none() { p.muted { (t(lang, "forecast-no-beds")) } }
        }
        p.muted { (t(lang, "forecast-method")) }
    };
    ui.page(&title, body)
}
