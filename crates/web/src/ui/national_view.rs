//! The national view (issue #17, "What travels" 5): the latest figures each linked locality
//! published (`app::national`), as a table with its totals and a map of the provinces
//! coloured by their worst published level, Hoàng Sa and Trường Sa drawn in their insets as
//! Vietnam's. For the command roles (`Can(SetPolicy)`): on the national instance it is the
//! country's table; on a partner's, the partners' published levels.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use maud::html;

use app::national::{beds_free, national_view, LEVELS};
use domain::lang::{count, date};
use domain::risk::RiskLevel;
use domain::Structure;

use super::map_svg::Shade;
use super::shell::{local, Ui};
use super::{t, tr};
use crate::AppState;

/// The treatment tiers shown (free beds), then the F1 quarantine places (tier 0).
const TIER_COLUMNS: [u8; 4] = [1, 2, 3, 0];

pub(super) async fn page(State(state): State<AppState>, ui: Ui) -> Response {
    let lang = ui.lang;
    let view = match national_view(&state).await {
        Ok(v) => v,
        Err(e) => return ui.failed("national view", &e),
    };
    let shades: HashMap<String, Shade> = view
        .rows
        .iter()
        .filter_map(|r| {
            let level = RiskLevel::from_number(u8::try_from(r.figures.levels.worst()?).ok()?)?;
            Some((
                r.code.clone(),
                Shade {
                    fill: super::risk::level_colour(level),
                    title: tr(
                        lang,
                        "national-map-tip",
                        &[
                            ("unit", r.name.clone()),
                            ("level", level.number().to_string()),
                        ],
                    ),
                    href: None,
                },
            ))
        })
        .collect();
    let map =
        super::national::national_map(&t(lang, "national-map"), Structure::S2021, &shades).await;
    let day = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|d| date(d, lang))
            .unwrap_or_else(|_| d.to_string())
    };
    let title = t(lang, "national-title");
    let body = html! {
        h1 { (title) }
        p.muted { (t(lang, "national-intro")) }
        @if view.rows.is_empty() {
            p { (t(lang, "national-none")) }
        }
        table.report-table {
            thead { tr {
                th scope="col" { (t(lang, "national-locality")) }
                th scope="col" { (t(lang, "national-day")) }
                th scope="col" { (t(lang, "national-new")) }
                th scope="col" { (t(lang, "national-active")) }
                th scope="col" { (t(lang, "national-deaths")) }
                @for tier in TIER_COLUMNS {
                    th scope="col" { (t(lang, &format!("national-beds-free-{tier}"))) }
                }
                @for level in 1..=LEVELS {
                    th scope="col" { (tr(lang, "national-level", &[("level", level.to_string())])) }
                }
                th scope="col" { (t(lang, "national-needs")) }
            } }
            tbody {
                @for r in &view.rows {
                    tr {
                        th scope="row" { (r.name) }
                        td { (day(&r.figures.day)) }
                        td { (count(r.figures.cases_new, lang)) }
                        td { (count(r.figures.cases_active, lang)) }
                        td { (count(r.figures.deaths, lang)) }
                        @for tier in TIER_COLUMNS {
                            td { (count(beds_free(&r.figures, tier), lang)) }
                        }
                        @for n in r.figures.levels.counts {
                            td { (count(n, lang)) }
                        }
                        td { (count(r.figures.needs.len() as i64, lang)) }
                    }
                }
            }
            tfoot { tr {
                th scope="row" { (t(lang, "national-total")) }
                td {}
                td { (count(view.total.cases_new, lang)) }
                td { (count(view.total.cases_active, lang)) }
                td { (count(view.total.deaths, lang)) }
                @for tier in TIER_COLUMNS {
                    td { (count(view.total.beds_free[usize::from(tier)], lang)) }
                }
                @for n in view.total.level_counts {
                    td { (count(n, lang)) }
                }
                td { (count(view.total.open_needs, lang)) }
            } }
        }
        @if let Some(map) = map {
            (map)
        }
        @for r in &view.rows {
            p.muted { (tr(lang, "national-received", &[("unit", r.name.clone()), ("time", local(r.received_at_s, lang))])) }
        }
    };
    ui.page(&title, body)
}
