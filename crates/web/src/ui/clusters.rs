//! Clusters of linked cases.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::chart::epi_curve;
use super::graph::{legend_line, transmission_graph, Link, Node, MAX_NODES};
use super::shell::{local, Ui};
use super::{t, tr};
use crate::AppState;
use app::clusters::LinkOrigin;

pub(super) async fn clusters(State(state): State<AppState>, ui: Ui) -> Response {
    let found =
        match app::clusters::clusters(&state, &ui.me, app::clusters::WINDOW_DAYS, None).await {
            Ok(found) => found,
            Err(e) => return ui.failed("clusters page", &e),
        };
    let lang = ui.lang;
    let writes = ui.me.user.role.can(domain::role::Permission::WritePersonal);
    let body = html! {
        h1 { (t(lang, "clusters-title")) }
        @if found.is_empty() { p { (t(lang, "clusters-empty")) } }
        @else {
            div.scroll { table {
                thead { tr {
                    th { (t(lang, "col-cluster")) } th { (t(lang, "col-size")) } th { (t(lang, "cluster-place")) }
                    th { (t(lang, "col-first")) } th { (t(lang, "col-last")) } th { (t(lang, "col-status")) }
                } }
                tbody { @for c in found.iter().take(200) { tr {
                    td { a href={ "/clusters/" (c.id) } { (cluster_title(lang, c.id, &c.record)) } }
                    td { (c.size) }
                    td { (c.record.place.clone().unwrap_or_default()) }
                    td { (local(c.first_confirmed_s, lang)) } td { (local(c.last_confirmed_s, lang)) }
                    td { (status(lang, &c.record))
                        @if let Some(p) = c.proposal {
                            br; strong { (tr(lang, "cluster-proposal", &[("days", p.quiet_days.to_string())])) }
                            @if writes { (close_button(lang, c.id, p)) }
                        }
                    }
                } } }
            } }
        }
    };
    ui.page(&ui.t("clusters-title"), body)
}

/// "Ổ dịch số 12" or "Ổ dịch số 12 — chợ Long Biên".
fn cluster_title(lang: crate::Lang, id: i64, r: &store::StoredCluster) -> String {
    let number = tr(lang, "cluster-name", &[("id", id.to_string())]);
    match &r.name {
        Some(name) => format!("{number} — {name}"),
        None => number,
    }
}

/// The one button that closes a cluster as proposed.
fn close_button(lang: crate::Lang, id: i64, p: app::clusters::Proposal) -> maud::Markup {
    html! {
        form.inline method="post" action={ "/clusters/" (id) "/close" } {
            button type="submit" { (tr(lang, "cluster-proposal-close", &[("date", day_text(lang, p.closed_day))])) }
        }
    }
}

fn day_text(lang: crate::Lang, day: i64) -> String {
    let d = app::clusters::day_date(day);
    match lang {
        crate::Lang::Vi => d.format("%d/%m/%Y").to_string(),
        crate::Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

fn status(lang: crate::Lang, r: &store::StoredCluster) -> String {
    match (r.declared_day, r.closed_day) {
        (_, Some(c)) => tr(lang, "cluster-closed-on", &[("date", day_text(lang, c))]),
        (Some(d), None) => tr(lang, "cluster-declared-on", &[("date", day_text(lang, d))]),
        (None, None) => t(lang, "cluster-not-declared"),
    }
}

/// One cluster: its growth, its transmission graph and its cases.
pub(super) async fn cluster_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<ClusterQuery>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let merged = q.merged.as_deref().and_then(|f| f.parse::<i64>().ok());
    cluster_view(
        &state,
        &ui,
        id,
        &[],
        &Forms {
            merged_from: merged,
            filter: q,
            ..Forms::default()
        },
    )
    .await
}

/// A cluster page's query: the old number that led here, and the filter of its graph and
/// case list (confirmed from, to; a unit of the caller's scope by name or code).
#[derive(Clone, Default, Deserialize)]
pub(super) struct ClusterQuery {
    merged: Option<String>,
    from: Option<String>,
    to: Option<String>,
    unit: Option<String>,
}

/// The units a typed unit filter may mean, offered when it names more than one.
const UNIT_CHOICES: usize = 20;

/// Which of a cluster's cases the filter keeps.
struct Filter {
    from: Option<i64>,
    to: Option<i64>,
    /// The unit chosen; `None` with `choices` set: the name matched none or several.
    within: Option<domain::UnitPath>,
    choices: Option<Vec<&'static domain::Unit>>,
    bad_from: bool,
    bad_to: bool,
}

impl ClusterQuery {
    fn filter(&self, scope: &domain::Scope) -> Filter {
        fn typed(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        // A date that does not parse is ignored, and the page says so.
        let day = |v: &Option<String>| match typed(v).map(app::input::date) {
            None => (None, false),
            Some(Ok(d)) => (Some(store::day_number(d)), false),
            Some(Err(_)) => (None, true),
        };
        let ((from, bad_from), (to, bad_to)) = (day(&self.from), day(&self.to));
        let registry = crate::registry::Registry::of(domain::Structure::S2021);
        let (within, choices) =
            match typed(&self.unit).map(|u| registry.find(u, scope, UNIT_CHOICES)) {
                None => (None, None),
                Some(units) if units.len() == 1 => (Some(units[0].path.clone()), None),
                Some(units) => (None, Some(units)),
            };
        Filter {
            from,
            to,
            within,
            choices,
            bad_from,
            bad_to,
        }
    }

    fn is_set(&self) -> bool {
        [&self.from, &self.to, &self.unit]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }
}

impl Filter {
    /// Whether a case confirmed on `day` in `unit` is shown: a unit typed that names no
    /// single unit of the scope shows nothing.
    fn keeps(&self, day: i64, unit: Option<&domain::UnitPath>) -> bool {
        self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
            && self.choices.is_none()
            && self
                .within
                .as_ref()
                .is_none_or(|w| unit.is_some_and(|u| w.contains(u)))
    }
}

/// The values a refused form is shown again with.
#[derive(Default, Deserialize)]
pub(super) struct Forms {
    name: Option<String>,
    place: Option<String>,
    declared_on: Option<String>,
    closed_on: Option<String>,
    action: Option<String>,
    from_case: Option<String>,
    to_case: Option<String>,
    reason: Option<String>,
    /// The old number that led here (`?merged=`), said on the page.
    #[serde(skip)]
    merged_from: Option<i64>,
    /// The graph's filter (a GET page only).
    #[serde(skip)]
    filter: ClusterQuery,
}

async fn cluster_view(
    state: &AppState,
    ui: &Ui,
    id: i64,
    errors: &[domain::FieldError],
    form: &Forms,
) -> Response {
    let found =
        match app::clusters::clusters(state, &ui.me, app::clusters::WINDOW_DAYS, Some(id)).await {
            Ok(found) => found,
            Err(e) => return ui.failed("cluster page", &e),
        };
    let Some(c) = found.into_iter().next() else {
        // An old number still answers: it says what it became.
        return match app::clusters::merged_into(state, id).await {
            Ok(Some((to, _))) => {
                Redirect::to(&format!("/clusters/{to}?merged={id}")).into_response()
            }
            Ok(None) => ui.fail(StatusCode::NOT_FOUND),
            Err(e) => ui.failed("cluster page", &e),
        };
    };
    let events = match state.store.cluster_events(id).await {
        Ok(e) => e,
        Err(e) => return ui.failed("cluster events", &e),
    };
    let times = match app::clusters::case_times_since(state, 29).await {
        Ok(c) => c,
        Err(e) => return ui.failed("cluster page", &e),
    };
    let lang = ui.lang;
    let local_day = domain::exposure::local_day;
    let filter = form.filter.filter(&ui.me.scope);
    let mut kept: Vec<(i64, &store::CaseTimes)> = c
        .cases
        .iter()
        .filter_map(|id| Some((*id, times.get(id)?)))
        .filter(|(_, t)| filter.keeps(local_day(t.confirmed_at_s), Some(&t.unit_path)))
        .collect();
    kept.sort_by_key(|(id, t)| (t.confirmed_at_s, *id));
    let matching = kept.len();
    kept.truncate(MAX_NODES);
    let in_graph: HashSet<i64> = kept.iter().map(|(id, _)| *id).collect();
    let nodes: Vec<Node> = kept
        .iter()
        .map(|(id, t)| {
            let at = t.confirmed_at_s;
            Node {
                id: *id,
                day: local_day(at),
                label: id.to_string(),
                title: tr(
                    lang,
                    "cluster-node",
                    &[("id", id.to_string()), ("when", local(at, lang))],
                ),
                href: format!("/cases/{id}"),
            }
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
            LinkOrigin::Rule(trace::Reason::Venue { venue, .. }) => {
                Some(app::contact_index::id_of(*venue))
            }
            _ => None,
        })
        .collect();
    let venues = match state.store.venue_names(&venue_ids).await {
        Ok(v) => v,
        Err(e) => return ui.failed("cluster venues", &e),
    };
    let links: Vec<Link> = drawn
        .iter()
        .map(|(from, to, how)| match how {
            LinkOrigin::Rule(reason) => Link {
                from: *from,
                to: *to,
                title: format!(
                    "{from} → {to}: {}",
                    super::cases::reason_text(lang, reason, &venues)
                ),
                kind: super::cases::reason_kind(reason),
            },
            LinkOrigin::Added => Link {
                from: *from,
                to: *to,
                title: format!("{from} → {to}: {}", t(lang, "cluster-link-added")),
                kind: "added",
            },
        })
        .collect();
    let day_label = |d: i64| {
        let date = app::clusters::day_date(d);
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
    let title = cluster_title(lang, id, &c.record);
    let writes = ui.me.user.role.can(domain::role::Permission::WritePersonal);
    let err = |f: &str| super::person_entry::field_error(lang, errors, f);
    let date_value = |typed: &Option<String>, day: Option<i64>| {
        typed.clone().unwrap_or_else(|| {
            day.map(|d| app::clusters::day_date(d).to_string())
                .unwrap_or_default()
        })
    };
    let q = &form.filter;
    let registry = crate::registry::Registry::of(domain::Structure::S2021);
    let bad_unit = filter.choices.as_ref().is_some_and(Vec::is_empty);
    let body = html! {
        h1 { (title) }
        @if let Some(old) = form.merged_from.filter(|o| *o != id) {
            p.notice role="status" { (tr(lang, "cluster-merged-notice", &[("old", tr(lang, "cluster-name", &[("id", old.to_string())]))])) }
        }
        p { (status(lang, &c.record))
            @if let Some(parent) = c.record.split_from {
                " · " (t(lang, "cluster-split-from")) " " a href={ "/clusters/" (parent) } { (tr(lang, "cluster-name", &[("id", parent.to_string())])) }
            }
        }
        @if let Some(p) = c.proposal {
            div.notice role="status" {
                p { strong { (tr(lang, "cluster-proposal", &[("days", p.quiet_days.to_string())])) } }
                p.muted { (tr(lang, "cluster-proposal-how", &[("n", p.close_after_days.to_string())])) }
                @if writes { (close_button(lang, id, p)) }
            }
        }
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
        form.filters.noprint method="get" action={ "/clusters/" (id) } {
            div { label for="f-from" { (t(lang, "filter-from")) }
                input id="f-from" name="from" type="date" value=(q.from.clone().unwrap_or_default())
                    aria-invalid=[filter.bad_from.then_some("true")] aria-describedby=[filter.bad_from.then_some("f-from-error")];
                @if filter.bad_from { span.error id="f-from-error" { (t(lang, "cluster-filter-bad-date")) } } }
            div { label for="f-to" { (t(lang, "filter-to")) }
                input id="f-to" name="to" type="date" value=(q.to.clone().unwrap_or_default())
                    aria-invalid=[filter.bad_to.then_some("true")] aria-describedby=[filter.bad_to.then_some("f-to-error")];
                @if filter.bad_to { span.error id="f-to-error" { (t(lang, "cluster-filter-bad-date")) } } }
            div { label for="f-unit" { (t(lang, "col-unit")) }
                input id="f-unit" name="unit" value=(q.unit.clone().unwrap_or_default()) placeholder=(t(lang, "unit-name-hint"))
                    aria-invalid=[bad_unit.then_some("true")] aria-describedby=[bad_unit.then_some("f-unit-error")];
                @if bad_unit { span.error id="f-unit-error" { (t(lang, "unit-unknown")) } } }
            div { button.primary type="submit" { (t(lang, "contacts-filter")) } }
        }
        @if let Some(units) = filter.choices.as_ref().filter(|c| !c.is_empty()) {
            div role="status" {
                p { (t(lang, "unit-which")) }
                ul { @for u in units { li {
                    a href={ "/clusters/" (id) "?" (with_unit(q, u.code.as_str())) } { (registry.name_with_parent(u.code.as_str())) }
                } } }
            }
        }
        @if q.is_set() {
            p role="status" { (tr(lang, "cluster-filter-shown", &[("shown", matching.to_string()), ("size", c.cases.len().to_string())])) }
        }
        p.muted { (t(lang, "cluster-graph-how")) }
        @if matching > MAX_NODES {
            p.muted { (tr(lang, "cluster-graph-cut", &[("shown", MAX_NODES.to_string()), ("size", matching.to_string())])) }
        }
        div data-graph-box {
            div.graph-tools.noprint {
                button type="button" data-zoom-action="in" hidden { (t(lang, "cluster-zoom-in")) }
                button type="button" data-zoom-action="out" hidden { (t(lang, "cluster-zoom-out")) }
                button type="button" data-zoom-action="reset" hidden { (t(lang, "cluster-zoom-reset")) }
                span.legend {
                    span { (legend_line("household")) " " (t(lang, "cluster-legend-household")) }
                    span { (legend_line("venue")) " " (t(lang, "cluster-legend-venue")) }
                    span { (legend_line("added")) " " (t(lang, "cluster-legend-added")) }
                }
            }
            @if nodes.is_empty() {
                p role="status" { (t(lang, "cluster-graph-none")) }
            } @else {
                div.scroll.graph-box { (transmission_graph(&t(lang, "cluster-graph"), &nodes, &links, day_label)) }
            }
        }
        details.cluster-cases {
            summary { (tr(lang, "cluster-cases", &[("n", kept.len().to_string())])) }
            div.scroll { table {
                thead { tr { th { (t(lang, "col-case")) } th { (t(lang, "col-confirmed")) } th { (t(lang, "col-unit")) } } }
                tbody { @for (case, times) in &kept { tr {
                    td { a href={ "/cases/" (case) } { (tr(lang, "cluster-case", &[("id", case.to_string())])) } }
                    td { (local(times.confirmed_at_s, lang)) }
                    td { (unit_name(times)) }
                } } }
            } }
        }
        @if writes {
            h2 { (t(lang, "cluster-edit")) }
            form method="post" action={ "/clusters/" (id) } {
                (text_field(lang, "c-name", "name", "cluster-name-label", &form.name.clone().or(c.record.name.clone()), err("name")))
                (text_field(lang, "c-place", "place", "cluster-place", &form.place.clone().or(c.record.place.clone()), err("place")))
                (date_field(lang, "c-declared", "declared_on", "cluster-declared-label", &date_value(&form.declared_on, c.record.declared_day), err("declared_on")))
                (date_field(lang, "c-closed", "closed_on", "cluster-closed-label", &date_value(&form.closed_on, c.record.closed_day), err("closed_on")))
                button.primary type="submit" { (t(lang, "cluster-save")) }
            }
            h2 { (t(lang, "cluster-links")) }
            p.muted { (t(lang, "cluster-links-how")) }
            form method="post" action={ "/clusters/" (id) "/links" } {
                div {
                    label for="l-action" { (t(lang, "cluster-link-action")) }
                    select id="l-action" name="action" {
                        option value="remove" selected[form.action.as_deref() != Some("add")] { (t(lang, "cluster-link-remove")) }
                        option value="add" selected[form.action.as_deref() == Some("add")] { (t(lang, "cluster-link-add")) }
                    }
                }
                (text_field(lang, "l-from", "from_case", "cluster-link-from", &form.from_case, err("from_case")))
                (text_field(lang, "l-to", "to_case", "cluster-link-to", &form.to_case, err("to_case")))
                (text_field(lang, "l-reason", "reason", "cluster-link-reason", &form.reason, err("reason")))
                button type="submit" { (t(lang, "cluster-link-save")) }
            }
        }
        @if !events.is_empty() {
            h2 { (t(lang, "cluster-history")) }
            ul { @for e in &events { li {
                (day_text(lang, e.day)) ": " (event_text(lang, e))
            } } }
        }
    };
    ui.page(&title, body)
}

/// The page's filter with the unit set to `code`, as a query string.
fn with_unit(q: &ClusterQuery, code: &str) -> String {
    [("from", &q.from), ("to", &q.to)]
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
        .map(|(k, v)| format!("{k}={}&", super::cases::url_escape(v)))
        .collect::<String>()
        + &format!("unit={}", super::cases::url_escape(code))
}

/// A case's commune (or the unit it is filed under) by name.
fn unit_name(t: &store::CaseTimes) -> String {
    let code = t
        .unit_path
        .as_str()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    crate::registry::Registry::of(t.structure).name(code)
}

fn text_field(
    lang: crate::Lang,
    id: &str,
    name: &str,
    label: &str,
    value: &Option<String>,
    error: Option<&'static str>,
) -> maud::Markup {
    html! { div {
        label for=(id) { (t(lang, label)) }
        input id=(id) name=(name) type="text" value=(value.clone().unwrap_or_default())
            aria-invalid=[error.map(|_| "true")]
            aria-describedby=[error.map(|_| format!("{id}-error"))];
        @if let Some(e) = error { span.field-error id={ (id) "-error" } { (e) } }
    } }
}

fn date_field(
    lang: crate::Lang,
    id: &str,
    name: &str,
    label: &str,
    value: &str,
    error: Option<&'static str>,
) -> maud::Markup {
    html! { div {
        label for=(id) { (t(lang, label)) }
        input id=(id) name=(name) type="date" value=(value)
            aria-invalid=[error.map(|_| "true")]
            aria-describedby=[error.map(|_| format!("{id}-error"))];
        @if let Some(e) = error { span.field-error id={ (id) "-error" } { (e) } }
    } }
}

fn event_text(lang: crate::Lang, e: &store::ClusterEvent) -> String {
    let other = e
        .other_id
        .map(|o| tr(lang, "cluster-name", &[("id", o.to_string())]))
        .unwrap_or_default();
    let key = format!("cluster-event-{}", e.kind);
    let mut text = tr(lang, &key, &[("other", other)]);
    if let Some(d) = &e.detail {
        text.push_str(&format!(" ({d})"));
    }
    if e.actor != store::RULE_ACTOR {
        text.push_str(&format!(" — {}", e.actor));
    }
    text
}

/// `POST /clusters/{id}`: name, place, declared and closed days.
pub(super) async fn edit(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<Forms>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let input = app::clusters::ClusterInput {
        name: f.name.clone(),
        place: f.place.clone(),
        declared_on: f.declared_on.clone(),
        closed_on: f.closed_on.clone(),
    };
    match app::clusters::edit_cluster(&state, &ui.me, id, &input).await {
        Ok(_) => Redirect::to(&format!("/clusters/{id}")).into_response(),
        Err(app::clusters::ClusterError::Invalid(errors)) => {
            let mut r = cluster_view(&state, &ui, id, &errors, &f).await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(app::clusters::ClusterError::NotFound) => ui.fail(StatusCode::NOT_FOUND),
        Err(e) => ui.failed("cluster edit", &e),
    }
}

/// `POST /clusters/{id}/close`: closes the cluster as proposed (the one button).
pub(super) async fn close(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    match app::clusters::close_proposed(&state, &ui.me, id).await {
        Ok(_) => Redirect::to(&format!("/clusters/{id}")).into_response(),
        Err(app::clusters::ClusterError::NotFound) => ui.fail(StatusCode::NOT_FOUND),
        Err(app::clusters::ClusterError::NotProposed) => {
            let body = html! { p { (t(ui.lang, "cluster-not-proposed")) } p { a href={ "/clusters/" (id) } { (tr(ui.lang, "cluster-name", &[("id", id.to_string())])) } } };
            let mut r = ui.page(&ui.t("cluster-not-proposed"), body);
            *r.status_mut() = StatusCode::CONFLICT;
            r
        }
        Err(e) => ui.failed("cluster close", &e),
    }
}

/// `POST /clusters/{id}/links`: a tracer adds or removes a link, with a reason.
pub(super) async fn edit_link(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<Forms>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let input = app::clusters::LinkInput {
        action: f.action.clone(),
        from_case: f.from_case.clone(),
        to_case: f.to_case.clone(),
        reason: f.reason.clone(),
    };
    match app::clusters::edit_link(&state, &ui.me, id, &input).await {
        // The link may have split the cluster or merged it into another: the old number
        // still leads there.
        Ok(()) => Redirect::to(&format!("/clusters/{id}")).into_response(),
        Err(app::clusters::ClusterError::Invalid(errors)) => {
            let mut r = cluster_view(&state, &ui, id, &errors, &f).await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(app::clusters::ClusterError::NotFound) => ui.fail(StatusCode::NOT_FOUND),
        Err(e) => ui.failed("cluster link", &e),
    }
}
