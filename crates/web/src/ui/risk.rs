//! Risk levels: the map and the table of a week's levels under the decision in force, for
//! signed-in users and, read-only, for the public.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::lang::{count, date as fmt_date};
use domain::risk::RiskLevel;
use domain::{Structure, UnitLevel};
use maud::{html, Markup};
use serde::Deserialize;

use super::islands::{insets_for, units_at_sea};
use super::map::atlas_for;
use super::map_svg::{choropleth, Shade};
use super::national::national_map;
use super::shell::{failure, lang_of, page, page_of, Ui};
use super::{t, tr};
use crate::registry::Registry;
use crate::risk::{levels, UnitRisk};
use crate::{AppState, Lang};

#[derive(Deserialize, Default)]
pub(super) struct RiskQuery {
    date: Option<String>,
    /// On the public page: the week being assessed now, as a labelled preview, instead of
    /// the latest published week.
    preview: Option<String>,
    level: Option<String>,
    unit: Option<String>,
    cursor: Option<String>,
}

/// Colours of the four levels (Resolution 128/NQ-CP: green, yellow, orange, red).
pub fn level_colour(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Low => "#43a047",
        RiskLevel::Medium => "#fdd835",
        RiskLevel::High => "#fb8c00",
        RiskLevel::VeryHigh => "#e53935",
    }
}

pub(super) async fn risk_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<RiskQuery>,
) -> Response {
    let can_publish = ui.me.user.role.can(domain::role::Permission::SetPolicy);
    match body(&state, ui.lang, &q, "/risk").await {
        Ok((title, body)) => ui.page(
            &title,
            html! {
                (body)
                @if can_publish {
                    form.noprint method="post" action="/risk/publish" {
                        input type="hidden" name="date" value=(q.date.clone().unwrap_or_default());
                        button.primary type="submit" { (t(ui.lang, "risk-publish")) }
                    }
                }
            },
        ),
        Err(status) => ui.fail(status),
    }
}

/// The same without signing in: risk levels are published figures about places.
pub(super) async fn public_risk_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<RiskQuery>,
) -> Response {
    let lang = lang_of(&headers);
    match body(&state, lang, &q, "/public/risk").await {
        Ok((title, body)) => page(lang, &title, None, body).into_response(),
        Err(status) => failure(lang, status),
    }
}

const PAGE: u32 = 100;

async fn body(
    state: &AppState,
    lang: Lang,
    q: &RiskQuery,
    path: &str,
) -> Result<(String, Markup), StatusCode> {
    let public = path.starts_with("/public");
    let structure = Structure::S2021;
    let registry = Registry::of(structure);
    let today = crate::local_time::local_date(state.now_s());
    let asked = q.date.as_deref().and_then(|d| app::input::date(d).ok());
    // The public sees what was published: the latest published week, unless a week or the
    // live preview is asked for. Staff see the live assessment.
    let published = if public && asked.is_none() && q.preview.is_none() {
        state
            .store
            .last_published_week(structure)
            .await
            .map_err(|e| {
                tracing::error!("public risk page: {e}");
                StatusCode::INTERNAL_SERVER_ERROR
            })?
            .filter(|w| *w <= today)
    } else {
        None
    };
    let date = published.or(asked).unwrap_or(today);
    let level = match q.level.as_deref() {
        Some("province") => UnitLevel::Province,
        Some("district") => UnitLevel::District,
        _ => UnitLevel::Commune,
    };
    let policies = state.rules.risk();
    let rule = policies.on(date).map_err(|_| StatusCode::BAD_REQUEST)?;
    let assessed = |level| async move {
        match published {
            Some(week) => app::risk::published_levels(state, structure, level, week).await,
            None => levels(state, structure, date, level).await,
        }
    };
    let all = assessed(level).await.map_err(|e| {
        tracing::error!("risk page: {e}");
        StatusCode::INTERNAL_SERVER_ERROR
    })?;
    // The map: one province's communes or districts (the one asked, else the one with most
    // residents assessed), coloured by level.
    let province = q
        .unit
        .as_deref()
        .and_then(|u| registry.ancestor_at(u, UnitLevel::Province))
        .or_else(|| {
            let mut pop: HashMap<String, u64> = HashMap::new();
            for u in &all {
                if let Some(p) = registry.ancestor_at(&u.unit_code, UnitLevel::Province) {
                    *pop.entry(p.code.to_string()).or_default() += u64::from(u.population);
                }
            }
            let best = pop
                .into_iter()
                .max_by_key(|(c, n)| (*n, std::cmp::Reverse(c.clone())))?;
            registry.get(&best.0)
        });
    let map_level = if level == UnitLevel::District {
        UnitLevel::District
    } else {
        UnitLevel::Commune
    };
    let map_levels = if map_level == level {
        all.clone()
    } else {
        assessed(map_level).await.map_err(|e| {
            tracing::error!("risk page, map: {e}");
            StatusCode::INTERNAL_SERVER_ERROR
        })?
    };
    let by_code: HashMap<&str, &UnitRisk> = map_levels
        .iter()
        .map(|u| (u.unit_code.as_str(), u))
        .collect();
    let map = match province {
        // At province level, the country: provinces coloured by their level.
        _ if level == UnitLevel::Province => {
            let shades: HashMap<String, Shade> = all
                .iter()
                .map(|u| {
                    (
                        u.unit_code.clone(),
                        Shade {
                            fill: level_colour(u.level),
                            title: format!("{}: {}", registry.name(&u.unit_code), reason(lang, u)),
                            href: Some(format!(
                                "{path}?date={date}&level=commune&unit={}",
                                u.unit_code
                            )),
                        },
                    )
                })
                .collect();
            national_map(&t(lang, "risk-national-map"), structure, &shades).await
        }
        Some(p) => {
            let by_district = map_level == UnitLevel::District;
            let atlas = atlas_for(state, p, by_district).await;
            atlas.map(|(atlas, _)| {
                let shades: HashMap<String, Shade> = atlas
                    .cells
                    .iter()
                    .filter_map(|c| {
                        let u = by_code.get(c.code.as_str())?;
                        Some((
                            c.code.clone(),
                            Shade {
                                fill: level_colour(u.level),
                                title: format!("{}: {}", registry.name(&c.code), reason(lang, u)),
                                href: None,
                            },
                        ))
                    })
                    .collect();
                let title = tr(
                    lang,
                    "risk-map-title",
                    &[("unit", registry.name(p.code.as_str()))],
                );
                let shade = |code: &str| {
                    let u = by_code.get(code)?;
                    Some(Shade {
                        fill: level_colour(u.level),
                        title: format!("{}: {}", registry.name(code), reason(lang, u)),
                        href: None,
                    })
                };
                let insets = insets_for(registry, Some(p), map_level, &shade);
                choropleth(&title, &atlas, &shades, &[], &insets, None)
            })
        }
        None => None,
    };

    let start = q
        .cursor
        .as_deref()
        .and_then(|c| page_of(Some(c), PAGE).after)
        .and_then(|c| c.expect(1).ok().map(|p| p[0].clone()))
        .map_or(0, |after| all.partition_point(|u| u.unit_code <= after));
    let rows = &all[start.min(all.len())..];
    let shown = &rows[..rows.len().min(PAGE as usize)];
    // Units at sea with no resident on record are not assessed, but listed (on the last
    // page): the archipelagos are never missing from the table.
    let provinces: Vec<&str> = {
        let mut p: Vec<&str> = all
            .iter()
            .filter_map(|u| registry.ancestor_at(&u.unit_code, UnitLevel::Province))
            .map(|p| p.code.as_str())
            .collect();
        p.sort_unstable();
        p.dedup();
        p
    };
    let unassessed: Vec<&domain::Unit> = if rows.len() > shown.len() {
        Vec::new()
    } else {
        units_at_sea(registry, &provinces, level)
            .into_iter()
            .filter(|u| all.iter().all(|a| a.unit_code != u.code.as_str()))
            .collect()
    };
    let counts: Vec<(RiskLevel, usize)> = RiskLevel::ALL
        .iter()
        .map(|l| (*l, all.iter().filter(|u| u.level == *l).count()))
        .collect();
    let level_slug = match level {
        UnitLevel::Province => "province",
        UnitLevel::District => "district",
        _ => "commune",
    };
    let link = |extra: &str| format!("{path}?date={date}&level={level_slug}{extra}");
    let title = t(lang, "risk-title");
    let body = html! {
        h1 { (title) }
        p {
            (tr(lang, "risk-policy", &[("doc", rule.document.clone()), ("title", rule.title.clone())]))
            br;
            span.muted { (tr(lang, "risk-week", &[("from", fmt_date(date - chrono::Days::new(6), lang)), ("to", fmt_date(date, lang))])) }
            @if public {
                br;
                @if published.is_some() {
                    strong { (t(lang, "risk-published-week")) } " "
                    a href={ (path) "?preview=1&level=" (level_slug) } { (t(lang, "risk-see-preview")) }
                } @else {
                    strong.warn { (t(lang, "risk-preview")) }
                }
            }
        }
        form.filters.noprint method="get" action=(path) {
            div { label for="r-date" { (t(lang, "risk-date")) }
                input id="r-date" name="date" type="date" value=(date.format("%Y-%m-%d")); }
            div { label for="r-level" { (t(lang, "risk-level-of")) }
                select id="r-level" name="level" {
                    @for (slug, key) in [("commune", "risk-communes"), ("district", "risk-districts"), ("province", "risk-provinces")] {
                        option value=(slug) selected[slug == level_slug] { (t(lang, key)) }
                    }
                }
            }
            div { button.primary type="submit" { (t(lang, "contacts-filter")) } }
        }
        ul.legend aria-label=(t(lang, "map-legend")) {
            @for (l, n) in &counts {
                li { span.swatch style={ "background:" (level_colour(*l)) } {} (t(lang, &format!("risk-level-{}", l.number()))) " — " (count(*n as i64, lang)) }
            }
        }
        @if let Some(m) = map { (m) }
        @if all.is_empty() { p { (t(lang, "risk-none")) } }
        @else {
            // The filter box shows only with JavaScript (app.js), which makes it work.
            label.noprint for="risk-filter" hidden { (t(lang, "table-filter")) }
            input.noprint id="risk-filter" type="search" hidden;
            table data-filter-by="risk-filter" {
                thead { tr {
                    th { (t(lang, "col-unit")) } th { (t(lang, "risk-col-level")) }
                    th { (t(lang, "map-col-cases")) } th { (t(lang, "risk-col-population")) } th { (t(lang, "risk-col-reason")) }
                } }
                tbody { @for u in shown { tr {
                    td { @if public { (registry.name(&u.unit_code)) } @else { a href={ "/risk/history?unit=" (u.unit_code) } { (registry.name(&u.unit_code)) } } }
                    td { span.badge style={ "background:" (level_colour(u.level)) } { (u.level.number()) } }
                    td { (count(i64::from(u.cases), lang)) } td { (count(i64::from(u.population), lang)) }
                    td { (reason(lang, u)) }
                } }
                @for u in &unassessed { tr {
                    td { (u.full_name()) } td { "–" } td { "–" } td { "–" }
                    td { (t(lang, "risk-not-assessed")) }
                } } }
            }
            @if rows.len() > shown.len() {
                @if let Some(last) = shown.last() {
                    p { a href=(link(&format!("&cursor={}", store::Cursor::new(vec![last.unit_code.clone()]).encode()))) { (t(lang, "cases-next")) " →" } }
                }
            }
        }
    };
    Ok((title, body))
}

fn reason(lang: Lang, u: &UnitRisk) -> &str {
    match lang {
        Lang::Vi => &u.reason_vi,
        Lang::En => &u.reason_en,
    }
}

#[derive(Deserialize)]
pub(super) struct PublishForm {
    date: Option<String>,
}

/// Publishes the week shown (a command account's button), then shows it.
pub(super) async fn publish(
    State(state): State<AppState>,
    ui: Ui,
    axum::extract::Form(f): axum::extract::Form<PublishForm>,
) -> Response {
    let today = crate::local_time::local_date(state.now_s());
    // The API's range: a week that has begun, under a rule; a bad date publishes nothing.
    let date = match f.date.as_deref().filter(|d| !d.is_empty()) {
        None => today,
        Some(d) => match domain::time::parse_date(d, crate::risk::publishable_weeks(&state, today))
        {
            Ok(d) => d,
            Err(_) => return ui.fail(StatusCode::BAD_REQUEST),
        },
    };
    match crate::risk::publish(&state, Structure::S2021, date, &ui.me.user.username).await {
        Ok(_) => {
            axum::response::Redirect::to(&format!("/risk?date={date}&published=1")).into_response()
        }
        Err(crate::risk::RiskFailure::NoRule(_)) => ui.fail(StatusCode::BAD_REQUEST),
        Err(e) => {
            tracing::error!("publish risk levels: {e}");
            ui.fail(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct HistoryQuery {
    unit: Option<String>,
}

/// A unit's published levels, week by week.
pub(super) async fn history(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<HistoryQuery>,
) -> Response {
    let registry = Registry::of(Structure::S2021);
    let Some(unit) = q.unit.as_deref().and_then(|u| registry.get(u)) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let rows = match state
        .store
        .risk_history(Structure::S2021, unit.code.as_str(), 104)
        .await
    {
        Ok(v) => v,
        Err(e) => return ui.failed("risk history", &e),
    };
    let lang = ui.lang;
    let title = tr(lang, "risk-history-title", &[("unit", unit.full_name())]);
    let body = html! {
        h1 { (title) }
        @if rows.is_empty() { p { (t(lang, "risk-history-none")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "risk-history-week")) } th { (t(lang, "risk-col-level")) }
                    th { (t(lang, "map-col-cases")) } th { (t(lang, "risk-col-reason")) } th { (t(lang, "risk-history-published")) }
                } }
                tbody { @for r in &rows { tr {
                    td { (r.week_end.format("%d/%m/%Y")) }
                    td { @if let Some(l) = RiskLevel::from_number(r.level) { span.badge style={ "background:" (level_colour(l)) } { (r.level) } } }
                    td { (r.cases) }
                    td { (match lang { Lang::Vi => &r.reason_vi, Lang::En => &r.reason_en }) }
                    td { (r.published_by) ", " (super::shell::local(r.published_at_s, lang)) }
                } } }
            }
        }
    };
    ui.page(&title, body)
}
