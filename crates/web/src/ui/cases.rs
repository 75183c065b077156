//! The cases list, the case page with its contacts, and the trace button.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::shell::{failure, local, page, page_of, Ui};
use super::{t, tr};
use crate::local_time::{day_end_s, day_start_s};
use crate::registry::Registry;
use crate::{AppState, Lang};
use app::tracing::infectious_window;
use domain::lang::count;

#[derive(Deserialize, Default, Clone)]
pub(super) struct CaseListQuery {
    status: Option<String>,
    severity: Option<String>,
    unit: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// `oldest`: oldest confirmed first; else newest first.
    sort: Option<String>,
    cursor: Option<String>,
}

/// The units a typed unit filter may mean, offered as links when it names more than one.
const UNIT_CHOICES: usize = 20;

impl CaseListQuery {
    /// The store's filter for these fields at `now` (nothing after now), and when the unit
    /// typed (a code or a name, `Registry::find`) does not name exactly one unit of `scope`,
    /// the units it may mean (none: unknown); then nothing matches.
    pub(super) fn filter(
        &self,
        now: i64,
        scope: &domain::Scope,
    ) -> (store::CaseFilter, Option<Vec<&'static domain::Unit>>) {
        let registry = Registry::of(domain::Structure::S2021);
        let unit = self
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let found = unit.map(|u| registry.find(u, scope, UNIT_CHOICES));
        let (within, unknown) = match found {
            None => (None, None),
            Some(units) if units.len() == 1 => (Some(units[0].path.clone()), None),
            Some(units) => (None, Some(units)),
        };
        let filter = store::CaseFilter {
            status: self.status.as_deref().and_then(|s| s.parse().ok()),
            severity: self.severity.as_deref().and_then(|s| s.parse().ok()),
            confirmed_from_s: date(self.from.as_deref()).map(day_start_s),
            confirmed_to_s: Some(
                date(self.to.as_deref())
                    .map(|d| day_end_s(d) + 1)
                    .map_or(now + 1, |t| t.min(now + 1)),
            ),
            within,
            oldest_first: self.sort.as_deref() == Some("oldest"),
        };
        (filter, unknown)
    }

    /// The filters as a query string, for the "next" link (the cursor is added to it).
    pub(super) fn query_string(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("severity", &self.severity),
            ("unit", &self.unit),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
            .map(|(k, v)| format!("{k}={}&", url_escape(v)))
            .collect()
    }
}

impl CaseListQuery {
    /// The filters with the unit set to `code`, as a query string.
    fn with_unit(&self, code: &str) -> String {
        let mut q = self.clone();
        q.unit = Some(code.to_string());
        q.cursor = None;
        q.query_string()
    }
}

/// Cases a list's head counts before it says "more than".
const COUNT_CAP: i64 = 10_000;

/// Percent-encodes a filter value for a link (values are codes and dates; anything else is
/// encoded byte by byte).
/// A test's kind as the reader says it ("RT-PCR", "Test nhanh kháng nguyên"), not its slug.
pub(super) fn test_kind_name(lang: Lang, kind: domain::epi::TestKind) -> String {
    t(lang, &format!("fu-test-{}", kind.as_str()))
}

pub(super) fn url_escape(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn date(s: Option<&str>) -> Option<chrono::NaiveDate> {
    s.and_then(|d| app::input::date(d).ok())
}

pub(super) async fn cases(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<CaseListQuery>,
) -> Response {
    let Ui { lang, me } = ui;
    let structure = domain::Structure::S2021;
    let registry = Registry::of(structure);
    let unit = q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let now = state.now_s();
    let (filter, choices) = q.filter(now, &me.scope);
    let bad_unit = choices.as_ref().is_some_and(Vec::is_empty);
    let page_req = page_of(q.cursor.as_deref(), 50);
    let (found, counted) = if choices.is_some() {
        (
            Ok(store::Page {
                items: Vec::new(),
                next: None,
            }),
            Ok(Some(0)),
        )
    } else {
        tokio::join!(
            state
                .store
                .list_cases(&me, structure, &filter, &page_req, now),
            state.store.count_cases(&me, structure, &filter, COUNT_CAP),
        )
    };
    let (found, counted) = match (found, counted) {
        (Ok(found), Ok(n)) => (found, n),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("case list: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let ids: Vec<i64> = found.items.iter().map(|c| c.person_id.0).collect();
    let names = match state.store.person_names(&me.scope, structure, &ids).await {
        Ok(n) => n,
        Err(e) => {
            tracing::error!("case list names: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    // The districts (and provinces) of the caller's scope, offered as the unit box's
    // suggestions: a commune is typed by name, or picked among those a name may mean.
    let suggested: Vec<&domain::Unit> = registry
        .provinces()
        .flat_map(|p| std::iter::once(p).chain(registry.children(p.code.as_str())))
        .filter(|u| me.scope.contains(u.structure, &u.path))
        .take(800)
        .collect();
    let next = format!("/cases?{}", q.query_string());
    let option = |value: &str, label: String, current: &Option<String>| {
        html! { option value=(value) selected[current.as_deref() == Some(value)] { (label) } }
    };
    let body = html! {
        h1 { (t(lang, "cases-title")) }
        @if me.user.role.can(domain::role::Permission::WritePersonal) {
            p.noprint {
                a href="/cases/new" { (t(lang, "line-title")) }
                " · " a href="/imports" { (t(lang, "import-title")) }
            }
        }
        form.filters.noprint method="get" action="/cases" {
            div { label for="f-unit" { (t(lang, "col-unit")) }
                input id="f-unit" name="unit" list="f-units" value=(unit.unwrap_or("")) placeholder=(t(lang, "unit-name-hint"))
                    aria-invalid=[bad_unit.then_some("true")] aria-describedby=[bad_unit.then_some("f-unit-error")];
                datalist id="f-units" { @for u in &suggested { option value=(registry.name_with_parent(u.code.as_str())) {} } }
                @if bad_unit { span.error id="f-unit-error" { (t(lang, "unit-unknown")) } }
            }
            div { label for="f-status" { (t(lang, "col-status")) }
                select id="f-status" name="status" {
                    option value="" { (t(lang, "filter-any")) }
                    @for s in domain::epi::CaseStatus::ALL { (option(s.as_str(), t(lang, &format!("status-{}", s.as_str())), &q.status)) }
                }
            }
            div { label for="f-severity" { (t(lang, "col-severity")) }
                select id="f-severity" name="severity" {
                    option value="" { (t(lang, "filter-any")) }
                    @for s in domain::epi::Severity::ALL { (option(s.as_str(), t(lang, &format!("severity-{}", s.as_str())), &q.severity)) }
                }
            }
            div { label for="f-from" { (t(lang, "filter-from")) }
                input id="f-from" name="from" type="date" value=(q.from.clone().unwrap_or_default()); }
            div { label for="f-to" { (t(lang, "filter-to")) }
                input id="f-to" name="to" type="date" value=(q.to.clone().unwrap_or_default()); }
            div { label for="f-sort" { (t(lang, "cases-sort")) }
                select id="f-sort" name="sort" {
                    (option("", t(lang, "cases-sort-newest"), &q.sort))
                    (option("oldest", t(lang, "cases-sort-oldest"), &q.sort))
                }
            }
            div { button.primary type="submit" { (t(lang, "contacts-filter")) } }
        }
        @if let Some(units) = choices.as_ref().filter(|c| !c.is_empty()) {
            div role="status" {
                p { (t(lang, "unit-which")) }
                ul { @for u in units { li {
                    a href={ "/cases?" (q.with_unit(u.code.as_str())) } { (registry.name_with_parent(u.code.as_str())) }
                } } }
            }
        }
        @if let (Some(w), None) = (&filter.within, &choices) {
            @if let Some(u) = registry.find(unit.unwrap_or(""), &me.scope, 1).first().filter(|u| &u.path == w) {
                p.muted { (registry.name_with_parent(u.code.as_str())) }
            }
        }
        @match counted {
            Some(n) => p role="status" { (tr(lang, "cases-count", &[("count", count(n, lang))])) },
            None => p role="status" { (tr(lang, "cases-count-more", &[("count", count(COUNT_CAP, lang))])) },
        }
        p.noprint { (t(lang, "export-download")) " "
            a href={ "/cases/export.xlsx?" (q.query_string()) } download { "XLSX" } " · "
            a href={ "/cases/export.csv?" (q.query_string()) } download { "CSV" } }
        @if found.items.is_empty() {
            p { (t(lang, "cases-empty")) }
        } @else {
            table {
                thead { tr {
                    th { (t(lang, "col-id")) } th { (t(lang, "col-person")) } th { (t(lang, "col-unit")) }
                    th { (t(lang, "col-status")) } th { (t(lang, "col-severity")) } th { (t(lang, "col-confirmed")) }
                } }
                tbody {
                    @for c in &found.items {
                        tr {
                            td { a href={ "/cases/" (c.id) } { (c.id) } }
                            td { a href={ "/persons/" (c.person_id) } { @if let Some(n) = names.get(&c.person_id.0) { (n) } @else { (c.person_id) } } }
                            td { a href={ "/cases?unit=" (c.unit_code) } { (registry.name(c.unit_code.as_str())) } }
                            td { (t(lang, &format!("status-{}", c.status.as_str()))) }
                            td { (t(lang, &format!("severity-{}", c.severity.as_str()))) }
                            td { (local(c.confirmed_at_s, lang)) }
                        }
                    }
                }
            }
            @if let Some(n) = &found.next {
                p { a href={ (next) "cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
    };
    page(lang, &t(lang, "cases-title"), Some(&me), body).into_response()
}

#[derive(Deserialize)]
pub(super) struct CasePageQuery {
    traced: Option<u64>,
    /// A message id to show (the outcome of a form).
    done: Option<String>,
}

pub(super) async fn case_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<CasePageQuery>,
) -> Response {
    let Ui { lang, me } = ui;
    let Ok(case_id) = id.parse::<i64>() else {
        return failure(lang, StatusCode::NOT_FOUND);
    };
    let detail = match state
        .store
        .get_case(&me, domain::CaseId(case_id), state.now_s())
        .await
    {
        Ok(Some(d)) => d,
        Ok(None) => return failure(lang, StatusCode::NOT_FOUND),
        Err(e) => {
            tracing::error!("case page: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let contacts = app::tracing::case_contacts(&state, &me, domain::CaseId(case_id), 2)
        .await
        .ok();
    let venue_ids: Vec<i64> = contacts
        .iter()
        .flat_map(|l| l.contacts.iter().take(500))
        .flat_map(|ct| ct.reasons.iter().take(3))
        .filter_map(|r| match *r {
            trace::Reason::Venue { venue, .. } => Some(app::contact_index::id_of(venue)),
            _ => None,
        })
        .collect();
    // Without names the reasons still say where, by number.
    let venues = state
        .store
        .venue_names(&venue_ids)
        .await
        .unwrap_or_else(|e| {
            tracing::error!("case page, venue names: {e}");
            Default::default()
        });
    let stays = super::facilities::stays_of_case(&state, &me, detail.case.id, lang).await;
    let app::tracing::Window {
        from_s: from,
        to_s: to,
        policy,
    } = infectious_window(&state.policies, &detail.case);
    let c = &detail.case;
    // A case handed over and accepted elsewhere is read-only here: no change forms.
    let (linked, handed_over) = super::linked::case_section(&state, &me, lang, c.id).await;
    let writes = me.user.role.can(domain::role::Permission::WritePersonal) && !handed_over;
    let title = tr(lang, "case-title", &[("id", c.id.to_string())]);
    let body = html! {
        h1 { (title) }
        @if let Some(n) = q.traced { p.ok role="status" { (tr(lang, "case-traced", &[("count", n.to_string())])) } }
        @if q.done.as_deref() == Some("form-saved") { p.ok role="status" { (t(lang, "form-saved")) } }
        table {
            tr { th { (t(lang, "col-person")) } td { (c.person_id) } }
            tr { th { (t(lang, "col-unit")) } td { (c.unit_code) } }
            tr { th { (t(lang, "col-status")) } td { (t(lang, &format!("status-{}", c.status.as_str()))) } }
            tr { th { (t(lang, "col-severity")) } td { (t(lang, &format!("severity-{}", c.severity.as_str()))) } }
            tr { th { (t(lang, "col-confirmed")) } td { (local(c.confirmed_at_s, lang)) } }
            tr { th { (t(lang, "col-window")) } td {
                (local(from, lang)) " → " (local(to, lang))
                @if let Some(doc) = &policy { br; span.muted { (tr(lang, "policy", &[("doc", doc.clone())])) } }
            } }
        }
        (linked)
        h2 { (t(lang, "case-tests")) }
        table {
            thead { tr {
                th { (t(lang, "field-test-kind")) } th { (t(lang, "field-sample-at")) } th { (t(lang, "field-result-at")) }
                th { (t(lang, "field-test-result")) } th { (t(lang, "field-ct")) }
            } }
            tbody { @for test in &detail.tests { tr.test {
                td { (test_kind_name(lang, test.kind)) } td { (local(test.sample_s, lang)) }
                td { (local(test.result_s, lang)) }
                td { (t(lang, if test.positive { "test-positive" } else { "test-negative" })) }
                td { @if let Some(ct) = test.ct { "Ct " (domain::lang::decimal(ct, 1, lang)) } }
            } } }
        }
        @if writes { (test_form(lang, c.id)) }
        @if writes && c.status == domain::epi::CaseStatus::Active { (status_form(lang, c)) }
        h2 { (t(lang, "case-history")) }
        table { @for h in &detail.history { tr {
            td { (local(h.at.timestamp(), lang)) } td { (t(lang, &format!("status-{}", h.status.as_str()))) }
            td { (h.actor) } td { (h.note.clone().unwrap_or_default()) }
        } } }
        (stays)
        h2 { (t(lang, "case-contacts")) }
        form.noprint method="post" action={ "/cases/" (c.id) "/trace" } {
            button.primary type="submit" { (t(lang, "case-trace")) }
        }
        p.noprint { a href={ "/contacts?list=all&case=" (c.id) } { (t(lang, "case-follow-contacts")) } }
        @if let Some(list) = &contacts { @if !list.referred.is_empty() {
            // Contacts living elsewhere are that unit's to follow up: counts only.
            ul.referred { @for r in &list.referred { li {
                (tr(lang, "case-contacts-referred", &[
                    ("f1", r.f1.to_string()), ("f2", r.f2.to_string()), ("unit", r.unit_name()),
                ]))
            } } }
        } }
        @match &contacts {
            Some(list) if !list.contacts.is_empty() => {
                table {
                    thead { tr {
                        th { (t(lang, "col-person")) } th { (t(lang, "contact-degree")) } th { (t(lang, "contact-via")) }
                        th { (t(lang, "contact-exposure")) } th { (t(lang, "contact-reasons")) }
                    } }
                    tbody { @for ct in list.contacts.iter().take(500) {
                        tr {
                            td { (ct.person_id) } td { "F" (ct.degree) } td { @if let Some(v) = ct.via_person_id { (v) } }
                            td { (format!("{:.0}", ct.exposure_s as f64 / 60.0)) }
                            td { @for r in ct.reasons.iter().take(3) { (reason_text(lang, r, &venues)) br; } }
                        }
                    } }
                }
            }
            _ => p { (t(lang, "case-contacts-none")) }
        }
    };
    page(lang, &title, Some(&me), body).into_response()
}

/// Why a person is a contact, in words: the venue and minutes, the household, or the
/// declared setting.
pub(super) fn reason_text(
    lang: Lang,
    r: &trace::Reason,
    venues: &std::collections::HashMap<i64, String>,
) -> String {
    match *r {
        trace::Reason::Venue {
            venue, overlap_s, ..
        } => {
            let id = app::contact_index::id_of(venue);
            let minutes = ("minutes", format!("{:.0}", overlap_s as f64 / 60.0));
            match venues.get(&id) {
                Some(name) => tr(
                    lang,
                    "reason-venue-named",
                    &[("venue", name.clone()), minutes],
                ),
                None => tr(lang, "reason-venue", &[("venue", id.to_string()), minutes]),
            }
        }
        trace::Reason::Household => t(lang, "reason-household"),
        trace::Reason::Declared { setting, .. } => tr(
            lang,
            "reason-declared",
            &[(
                "setting",
                domain::contact::ContactSetting::from_code(setting)
                    .unwrap_or(domain::contact::ContactSetting::Other)
                    .to_string(),
            )],
        ),
    }
}

/// The kind of a reason, as the graph styles its links: `venue`, `household`, `declared`.
pub(super) fn reason_kind(r: &trace::Reason) -> &'static str {
    match r {
        trace::Reason::Venue { .. } => "venue",
        trace::Reason::Household => "household",
        trace::Reason::Declared { .. } => "declared",
    }
}

pub(super) async fn trace_case(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    let Ui { lang, me } = ui;
    let Ok(case_id) = id.parse::<i64>() else {
        return failure(lang, StatusCode::NOT_FOUND);
    };
    match app::tracing::trace_and_record(&state, &me, domain::CaseId(case_id)).await {
        Ok(r) => Redirect::to(&format!("/cases/{}?traced={}", r.case_id.0, r.new_contacts))
            .into_response(),
        Err(app::tracing::TracingError::NotFound) => failure(lang, StatusCode::NOT_FOUND),
        Err(e) => {
            tracing::error!("tracing case {case_id}: {e}");
            failure(lang, StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The form adding a test result to the case (every input labelled; times in local time).
fn test_form(lang: Lang, case: domain::CaseId) -> maud::Markup {
    html! {
        details.noprint {
            summary { (t(lang, "case-add-test")) }
            form method="post" action={ "/cases/" (case) "/tests" } {
                label for="t-kind" { (t(lang, "field-test-kind")) }
                select id="t-kind" name="kind" required {
                    option value="" selected { (t(lang, "form-choose")) }
                    @for k in domain::epi::TestKind::ALL { option value=(k.as_str()) { (test_kind_name(lang, *k)) } }
                }
                label for="t-sample" { (t(lang, "field-sample-at")) }
                input id="t-sample" name="sample_at" type="datetime-local" required;
                label for="t-result-at" { (t(lang, "field-result-at")) }
                input id="t-result-at" name="result_at" type="datetime-local" required;
                label for="t-result" { (t(lang, "field-test-result")) }
                select id="t-result" name="result" required {
                    option value="" selected { (t(lang, "form-choose")) }
                    option value="negative" { (t(lang, "test-negative")) }
                    option value="positive" { (t(lang, "test-positive")) }
                }
                label for="t-ct" { (t(lang, "field-ct")) }
                input id="t-ct" name="ct" type="number" min="0" max="50" step="0.1";
                button.primary type="submit" { (t(lang, "form-save")) }
            }
        }
    }
}

/// The form changing the case's status and severity (the current ones chosen).
fn status_form(lang: Lang, c: &store::Case) -> maud::Markup {
    html! {
        details.noprint {
            summary { (t(lang, "case-change-status")) }
            form method="post" action={ "/cases/" (c.id) "/status" } {
                label for="s-status" { (t(lang, "col-status")) }
                select id="s-status" name="status" {
                    @for s in domain::epi::CaseStatus::ALL {
                        option value=(s.as_str()) selected[*s == c.status] { (t(lang, &format!("status-{}", s.as_str()))) }
                    }
                }
                label for="s-severity" { (t(lang, "col-severity")) }
                select id="s-severity" name="severity" {
                    @for s in domain::epi::Severity::ALL {
                        option value=(s.as_str()) selected[*s == c.severity] { (t(lang, &format!("severity-{}", s.as_str()))) }
                    }
                }
                label for="s-at" { (t(lang, "field-at")) }
                input id="s-at" name="at" type="datetime-local";
                label for="s-note" { (t(lang, "field-note")) }
                input id="s-note" name="note" maxlength="1000";
                button.primary type="submit" { (t(lang, "form-save")) }
            }
        }
    }
}

/// A `datetime-local` input's value (local time, no offset) as RFC 3339 in the locality's
/// offset; anything else is passed on for the use case to refuse by name.
pub(super) fn local_input_time(v: &Option<String>) -> Option<String> {
    let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    let with_seconds = match v.len() {
        16 => format!("{v}:00"),
        _ => v.to_string(),
    };
    let off = domain::time::UTC_OFFSET_S;
    let sign = if off < 0 { '-' } else { '+' };
    let (h, m) = (off.abs() / 3600, off.abs() % 3600 / 60);
    match chrono::NaiveDateTime::parse_from_str(&with_seconds, "%Y-%m-%dT%H:%M:%S") {
        Ok(_) => Some(format!("{with_seconds}{sign}{h:02}:{m:02}")),
        Err(_) => Some(v.to_string()),
    }
}

fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

#[derive(Deserialize)]
pub(super) struct TestForm {
    kind: Option<String>,
    sample_at: Option<String>,
    result_at: Option<String>,
    /// `positive` or `negative`.
    result: Option<String>,
    ct: Option<String>,
}

pub(super) async fn add_test(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<TestForm>,
) -> Response {
    let Ok(case_id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let mut form_errors = Vec::new();
    let positive = match f.result.as_deref() {
        None | Some("") => None,
        Some("positive") => Some(true),
        Some("negative") => Some(false),
        Some(_) => {
            form_errors.push(domain::FieldError::new(
                "positive",
                domain::Reason::UnknownValue,
            ));
            None
        }
    };
    let ct = match filled(&f.ct) {
        None => None,
        // A decimal comma is how Vietnamese write 28,5.
        Some(c) => match c.replace(',', ".").parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) => {
                form_errors.push(domain::FieldError::new("ct", domain::Reason::InvalidFormat));
                None
            }
        },
    };
    let input = app::cases::CaseTestInput {
        kind: filled(&f.kind),
        sample_at: local_input_time(&f.sample_at),
        result_at: local_input_time(&f.result_at),
        positive,
        ct,
    };
    let title = t(ui.lang, "case-add-test");
    let result = if form_errors.is_empty() {
        state
            .add_case_test(&ui.me, domain::CaseId(case_id), &input)
            .await
    } else {
        // The use case's checks too, so that every bad field is named at once.
        let more = match app::cases::check_case_test(&input, state.now_s()) {
            Err(more) => more,
            Ok(_) => Vec::new(),
        };
        for e in more {
            if !form_errors.iter().any(|x| x.field == e.field) {
                form_errors.push(e);
            }
        }
        Err(app::cases::CaseError::Invalid(form_errors))
    };
    answer(&ui, &title, case_id, result)
}

#[derive(Deserialize)]
pub(super) struct StatusForm {
    status: Option<String>,
    severity: Option<String>,
    at: Option<String>,
    note: Option<String>,
}

pub(super) async fn change_status(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<StatusForm>,
) -> Response {
    let Ok(case_id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let input = app::cases::StatusInput {
        status: filled(&f.status),
        severity: filled(&f.severity),
        isolation_at: None,
        at: local_input_time(&f.at),
        note: filled(&f.note),
    };
    let title = t(ui.lang, "case-change-status");
    let result = state
        .update_case_status(&ui.me, domain::CaseId(case_id), &input)
        .await;
    answer(&ui, &title, case_id, result)
}

/// A case form's answer: back to the case page (303), or each bad field named.
fn answer(ui: &Ui, title: &str, case: i64, r: Result<bool, app::cases::CaseError>) -> Response {
    let back = format!("/cases/{case}");
    match r {
        Ok(true) => Redirect::to(&format!("{back}?done=form-saved")).into_response(),
        Ok(false) => ui.fail(StatusCode::NOT_FOUND),
        Err(app::cases::CaseError::Invalid(fields)) => {
            super::moves::refused(ui, title, &back, &fields)
        }
        Err(app::cases::CaseError::Store(e)) => match super::moves::refusal_fields(&e) {
            Some(fields) => super::moves::refused(ui, title, &back, &fields),
            None => ui.failed("case form", &e),
        },
    }
}
