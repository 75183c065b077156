//! Vaccination coverage per unit, as of a date.

use axum::extract::{Query, State};
use axum::response::Response;
use domain::lang::{count, percent, Lang};
use domain::{Structure, UnitLevel};
use maud::html;
use serde::Deserialize;

use super::shell::Ui;
use super::t;
use crate::AppState;

#[derive(Deserialize)]
pub(super) struct CoverageQuery {
    level: Option<String>,
    as_of: Option<String>,
}

fn pct(lang: Lang, n: i64, of: i64) -> String {
    if of == 0 {
        "—".into()
    } else {
        percent(n as f64 * 100.0 / of as f64, 1, lang)
    }
}

pub(super) async fn coverage(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<CoverageQuery>,
) -> Response {
    let level = q
        .level
        .as_deref()
        .and_then(|l| l.parse().ok())
        .unwrap_or(UnitLevel::Commune);
    let as_of = q
        .as_of
        .as_deref()
        .and_then(|d| app::input::date(d).ok())
        .unwrap_or_else(|| crate::local_time::local_date(state.now_s()));
    let rows = match state
        .store
        .coverage_by_unit(&ui.me.scope, Structure::S2021, level, as_of)
        .await
    {
        Ok(v) => v,
        Err(e) => return ui.failed("coverage page", &e),
    };
    let lang = ui.lang;
    let body = html! {
        h1 { (t(lang, "coverage-title")) }
        form.noprint method="get" action="/coverage" {
            label for="level" { (t(lang, "field-level")) }
            select id="level" name="level" {
                @for l in [UnitLevel::Province, UnitLevel::District, UnitLevel::Commune] {
                    option value=(l.as_str()) selected[l == level] { (t(lang, &format!("level-{}", l.as_str()))) }
                }
            }
            label for="as_of" { (t(lang, "field-as-of")) }
            input id="as_of" name="as_of" type="date" value=(as_of.to_string());
            button.primary type="submit" { (t(lang, "coverage-show")) }
        }
        p.muted { (t(lang, "coverage-note")) }
        @if rows.is_empty() { p { (t(lang, "coverage-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-unit")) } th { (t(lang, "col-adults")) } th { (t(lang, "col-1dose")) }
                    th { (t(lang, "col-full")) } th { (t(lang, "col-high-risk")) } th { (t(lang, "col-high-risk-full")) }
                } }
                tbody { @for c in rows.iter().take(2000) { tr {
                    td { (crate::registry::Registry::of(Structure::S2021).name(&c.unit_code)) } td { (count(c.adults, lang)) }
                    td { (pct(lang, c.adults_1dose, c.adults)) } td { (pct(lang, c.adults_full, c.adults)) }
                    td { (count(c.high_risk, lang)) } td { (pct(lang, c.high_risk_full, c.high_risk)) }
                } } }
            }
        }
    };
    ui.page(&ui.t("coverage-title"), body)
}
