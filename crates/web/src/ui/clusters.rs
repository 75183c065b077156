//! Clusters of linked cases.

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::chart::epi_curve;
use super::graph::{transmission_graph, Link, Node};
use super::shell::{local, Ui};
use super::{t, tr};
use crate::AppState;

pub(super) async fn clusters(State(state): State<AppState>, ui: Ui) -> Response {
    let found = match app::clusters::clusters(&state, &ui.me, 28, 0, None).await {
        Ok(found) => found,
        Err(e) => return ui.failed("clusters page", &e),
    };
    let lang = ui.lang;
    let body = html! {
        h1 { (t(lang, "clusters-title")) }
        @if found.is_empty() { p { (t(lang, "clusters-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-id")) } th { (t(lang, "col-size")) } th { (t(lang, "col-venues")) }
                    th { (t(lang, "col-first")) } th { (t(lang, "col-last")) }
                } }
                tbody { @for c in found.iter().take(200) { tr {
                    td { a href={ "/clusters/" (c.id) } { (tr(lang, "cluster-name", &[("id", c.id.to_string())])) } }
                    td { (c.size) } td { (c.venues.len()) }
                    td { (local(c.first_confirmed_s, lang)) } td { (local(c.last_confirmed_s, lang)) }
                } } }
            }
        }
    };
    ui.page(&ui.t("clusters-title"), body)
}

/// Cases drawn in a cluster's graph at most: a bigger cluster shows its first cases.
const GRAPH_MAX: usize = 300;

/// One cluster: its growth, its transmission graph and its cases.
pub(super) async fn cluster_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let found = match app::clusters::clusters(&state, &ui.me, 28, 0, Some(id)).await {
        Ok(found) => found,
        Err(e) => return ui.failed("cluster page", &e),
    };
    let Some(c) = found.into_iter().next() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let confirmed = match app::clusters::confirmed_since(&state, 29).await {
        Ok(c) => c,
        Err(e) => return ui.failed("cluster page", &e),
    };
    let lang = ui.lang;
    let local_day = |t_s: i64| {
        crate::local_time::local_date(t_s)
            .signed_duration_since(chrono::DateTime::UNIX_EPOCH.date_naive())
            .num_days()
    };
    let mut shown: Vec<i64> = c.cases.clone();
    shown.sort_by_key(|id| (confirmed.get(id).copied().unwrap_or(i64::MAX), *id));
    shown.truncate(GRAPH_MAX);
    let in_graph: HashSet<i64> = shown.iter().copied().collect();
    let nodes: Vec<Node> = shown
        .iter()
        .filter_map(|id| {
            let at = *confirmed.get(id)?;
            Some(Node {
                id: *id,
                day: local_day(at),
                label: id.to_string(),
                title: tr(
                    lang,
                    "cluster-node",
                    &[("id", id.to_string()), ("when", local(at, lang))],
                ),
                href: format!("/cases/{id}"),
            })
        })
        .collect();
    let drawn: Vec<_> = c
        .edges
        .iter()
        .filter(|(from, to, _)| in_graph.contains(from) && in_graph.contains(to))
        .collect();
    // Where cases met, by the venue's name (a place's name is on its poster).
    let venue_ids: Vec<i64> = drawn
        .iter()
        .filter_map(|(_, _, r)| match r {
            trace::Reason::Venue { venue, .. } => Some(app::contact_index::id_of(*venue)),
            _ => None,
        })
        .collect();
    let venues = match state.store.venue_names(&venue_ids).await {
        Ok(v) => v,
        Err(e) => return ui.failed("cluster venues", &e),
    };
    let links: Vec<Link> = drawn
        .iter()
        .map(|(from, to, reason)| Link {
            from: *from,
            to: *to,
            title: format!(
                "{from} → {to}: {}",
                super::cases::reason_text(lang, reason, &venues)
            ),
            kind: super::cases::reason_kind(reason),
        })
        .collect();
    let day_label = |d: i64| {
        let date = chrono::DateTime::UNIX_EPOCH.date_naive() + chrono::Days::new(d.max(0) as u64);
        match lang {
            crate::Lang::Vi => date.format("%d/%m").to_string(),
            crate::Lang::En => date.format("%m-%d").to_string(),
        }
    };
    let growth: Vec<(String, i64)> = c
        .growth
        .iter()
        .map(|(d, n)| {
            let label = match lang {
                crate::Lang::Vi => d.format("%d/%m").to_string(),
                crate::Lang::En => d.format("%m-%d").to_string(),
            };
            (label, *n as i64)
        })
        .collect();
    let title = tr(lang, "cluster-name", &[("id", id.to_string())]);
    let body = html! {
        h1 { (title) }
        p {
            (tr(lang, "cluster-summary", &[
                ("size", c.size.to_string()),
                ("venues", c.venues.len().to_string()),
                ("first", local(c.first_confirmed_s, lang)),
                ("last", local(c.last_confirmed_s, lang)),
            ]))
        }
        h2 { (t(lang, "cluster-growth")) }
        (epi_curve(lang, &t(lang, "cluster-growth"), &t(lang, "chart-avg"), &growth))
        h2 { (t(lang, "cluster-graph")) }
        p.muted { (t(lang, "cluster-graph-how")) }
        @if c.cases.len() > GRAPH_MAX {
            p.muted { (tr(lang, "cluster-graph-cut", &[("shown", GRAPH_MAX.to_string()), ("size", c.cases.len().to_string())])) }
        }
        div.scroll { (transmission_graph(&t(lang, "cluster-graph"), &nodes, &links, day_label)) }
    };
    ui.page(&title, body)
}
