//! F1/F2 follow-up: the daily work lists of the caller's units (due today, missed yesterday,
//! ending today, all), and per contact the forms to record a call or visit, a test result
//! and the release (`app::followup`, the API's use cases).

use app::followup::WorkFilter;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::followup::FollowUpStatus;
use domain::lang::count;
use domain::FieldError;
use maud::{html, Markup};
use serde::Deserialize;
use store::{StoredContact, WorkList};

use super::shell::{failure, local, page, page_of, Ui};
use super::{t, tr};
use crate::local_time::day_end_s;
use crate::messages::reason_message;
use crate::{AppState, Lang};

#[derive(Deserialize, Default, Clone)]
pub(super) struct ContactsQuery {
    /// `due_today` (default), `missed`, `ending_today` or `all`.
    list: Option<String>,
    /// Any value: F1 only.
    f1: Option<String>,
    /// On the "all" tab: quarantine ending by this date.
    due_by: Option<String>,
    /// Any value: only the contacts assigned to the caller.
    mine: Option<String>,
    /// Only the contacts at this follow-up status.
    status: Option<String>,
    /// Only the contacts living in this unit (a code or a name, `Registry::find`).
    unit: Option<String>,
    /// Only the contacts of this source case.
    case: Option<String>,
    cursor: Option<String>,
    /// `all`: the citizens' declarations already handled are listed too (after the open).
    declarations: Option<String>,
}

/// The units a typed unit filter may mean, offered when it names more than one.
const UNIT_CHOICES: usize = 20;

impl ContactsQuery {
    /// The list, its filter for `me`, and when the unit typed does not name exactly one
    /// unit of `me`'s scope, the units it may mean (none: unknown); then nothing matches.
    pub(super) fn filter(
        &self,
        me: &store::Caller,
    ) -> (WorkList, WorkFilter, Option<Vec<&'static domain::Unit>>) {
        let list = self
            .list
            .as_deref()
            .and_then(|l| l.parse::<WorkList>().ok())
            .unwrap_or(WorkList::DueToday);
        let on = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
        let unit = self
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let registry = crate::registry::Registry::of(domain::Structure::S2021);
        let (within, choices) = match unit.map(|u| registry.find(u, &me.scope, UNIT_CHOICES)) {
            None => (None, None),
            Some(units) if units.len() == 1 => (Some(units[0].path.clone()), None),
            Some(units) => (None, Some(units)),
        };
        let filter = WorkFilter {
            f1_only: on(&self.f1),
            assignee: on(&self.mine).then_some(me.user.id),
            status: self
                .status
                .as_deref()
                .and_then(|s| s.parse::<FollowUpStatus>().ok()),
            within,
            // The date filter of the "all" tab: quarantines ending by then.
            quarantine_ends_by_s: self
                .due_by
                .as_deref()
                .and_then(|d| app::input::date(d).ok())
                .filter(|_| list == WorkList::All)
                .map(day_end_s),
            case: self
                .case
                .as_deref()
                .and_then(|c| c.trim().parse::<i64>().ok())
                .map(domain::CaseId),
        };
        (list, filter, choices)
    }

    /// The filters with the unit set to `code`, as a query string.
    fn with_unit(&self, code: &str) -> String {
        let mut q = self.clone();
        q.unit = Some(code.to_string());
        q.query_string()
    }

    /// The filters as a query string (for links; the cursor is left out).
    pub(super) fn query_string(&self) -> String {
        [
            ("list", &self.list),
            ("f1", &self.f1),
            ("mine", &self.mine),
            ("status", &self.status),
            ("unit", &self.unit),
            ("case", &self.case),
            ("due_by", &self.due_by),
            ("declarations", &self.declarations),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
        .map(|(k, v)| format!("{k}={}&", super::cases::url_escape(v)))
        .collect()
    }
}

/// Contacts a list's head counts before it says "more than".
fn count_cap(list: WorkList) -> i64 {
    list.count_cap()
}

/// The tabs, each with its message id.
const TABS: [(WorkList, &str); 4] = [
    (WorkList::DueToday, "contacts-tab-due"),
    (WorkList::Missed, "contacts-tab-missed"),
    (WorkList::EndingToday, "contacts-tab-ending"),
    (WorkList::All, "contacts-tab-all"),
];

/// The list's page with the same filters on another tab.
fn list_href(q: &ContactsQuery, list: WorkList) -> String {
    let mut q = q.clone();
    q.list = Some(list.as_str().to_string());
    format!("/contacts?{}", q.query_string())
}

pub(super) async fn contacts(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ContactsQuery>,
) -> Response {
    let Ui { lang, me } = ui;
    let (list, filter, choices) = q.filter(&me);
    let f1 = filter.f1_only;
    let bad_unit = choices.as_ref().is_some_and(Vec::is_empty);
    let page_req = page_of(q.cursor.as_deref(), 100);
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
            state.work_list_of(
                &me,
                domain::Structure::S2021,
                list,
                filter.clone(),
                &page_req
            ),
            state.work_list_count(
                &me,
                domain::Structure::S2021,
                list,
                filter.clone(),
                count_cap(list)
            ),
        )
    };
    let writes = me.user.role.can(domain::role::Permission::WritePersonal);
    let officers = if writes {
        state.officers(&me).await
    } else {
        Ok(Vec::new())
    };
    let (found, counted, officers) = match (found, counted, officers) {
        (Ok(v), Ok(n), Ok(o)) => (v, n, o),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            tracing::error!("contact list: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let ids: Vec<i64> = found.items.iter().map(|c| c.person_id.0).collect();
    let names = match state
        .store
        .person_names(&me.scope, domain::Structure::S2021, &ids)
        .await
    {
        Ok(n) => n,
        Err(e) => {
            tracing::error!("contact list names: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let officer_name = |id: domain::UserId| {
        officers
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.0.to_string(), |o| o.username.clone())
    };
    let back = list_href(&q, list);
    let registry = crate::registry::Registry::of(domain::Structure::S2021);
    // Citizens' declarations (issue #18) join the officer's list: people to call.
    let declared = super::exposures::declarations_section(
        &state,
        &me,
        lang,
        q.declarations.as_deref() == Some("all"),
        &q.query_string(),
    )
    .await;
    let body = html! {
        h1 { (t(lang, "contacts-title")) }
        @if let Some(c) = filter.case {
            p { a href={ "/cases/" (c.0) } { (tr(lang, "contacts-of-case", &[("id", c.0.to_string())])) } }
        }
        nav.tabs.noprint {
            @for (tab, id) in TABS {
                @if tab == list { strong aria-current="page" { (t(lang, id)) } }
                @else { a href=(list_href(&q, tab)) { (t(lang, id)) } }
                " "
            }
        }
        form.noprint method="get" action="/contacts" {
            input type="hidden" name="list" value=(list.as_str());
            @if let Some(c) = filter.case { input type="hidden" name="case" value=(c.0); }
            label { input type="checkbox" name="f1" value="1" checked[f1]; " " (t(lang, "contacts-f1-only")) }
            " "
            label { input type="checkbox" name="mine" value="1" checked[filter.assignee.is_some()]; " " (t(lang, "contacts-mine")) }
            " "
            label for="status" { (t(lang, "col-follow-status")) }
            select id="status" name="status" {
                option value="" { (t(lang, "contacts-any-status")) }
                @for s in FollowUpStatus::ALL {
                    option value=(s.as_str()) selected[filter.status == Some(*s)] { (t(lang, &format!("follow-status-{s}"))) }
                }
            }
            " "
            label for="f-unit" { (t(lang, "col-unit")) }
            input id="f-unit" name="unit" value=(q.unit.clone().unwrap_or_default()) placeholder=(t(lang, "unit-name-hint"))
                aria-invalid=[bad_unit.then_some("true")] aria-describedby=[bad_unit.then_some("f-unit-error")];
            @if bad_unit { span.error id="f-unit-error" { (t(lang, "unit-unknown")) } }
            @if list == WorkList::All {
                " "
                label for="due_by" { (t(lang, "contacts-due")) }
                input id="due_by" name="due_by" type="date" value=(q.due_by.clone().unwrap_or_default());
            }
            " "
            button.primary type="submit" { (t(lang, "contacts-filter")) }
        }
        @if let Some(units) = choices.as_ref().filter(|c| !c.is_empty()) {
            div role="status" {
                p { (t(lang, "unit-which")) }
                ul { @for u in units { li {
                    a href={ "/contacts?" (q.with_unit(u.code.as_str())) } { (registry.name_with_parent(u.code.as_str())) }
                } } }
            }
        }
        @match counted {
            Some(n) => p role="status" { (tr(lang, "contacts-count", &[("count", count(n, lang))])) },
            None => p role="status" { (tr(lang, "contacts-count-more", &[("count", count(count_cap(list), lang))])) },
        }
        p.noprint { (t(lang, "export-download")) " "
            a href={ "/contacts/export.xlsx?" (q.query_string()) } download { "XLSX" } " · "
            a href={ "/contacts/export.csv?" (q.query_string()) } download { "CSV" } " · "
            a href="/contacts?list=all&status=in_quarantine" { (t(lang, "contacts-quarantine-list")) } }
        @if found.items.is_empty() { p { (t(lang, "contacts-empty")) } }
        @else {
            @if writes {
                form.noprint #assign method="post" action="/contacts/assign" {
                    input type="hidden" name="back" value=(back);
                    label for="officer" { (t(lang, "contacts-assign-to")) }
                    " "
                    select id="officer" name="officer" {
                        option value="" { (t(lang, "contacts-nobody")) }
                        @for o in &officers { option value=(o.id.0) { (o.username) } }
                    }
                    " "
                    button type="submit" { (t(lang, "contacts-assign")) }
                }
            }
            div.scroll { table {
                thead { tr {
                    @if writes { th.noprint { span.visually-hidden { (t(lang, "contacts-pick")) } } }
                    th { (t(lang, "col-person")) } th { (t(lang, "contact-degree")) } th { (t(lang, "col-case")) }
                    th { (t(lang, "col-status")) } th { (t(lang, "col-follow-status")) }
                    th { (t(lang, "col-until")) } th { (t(lang, "col-follow-up-until")) } th { (t(lang, "col-tests")) } th { (t(lang, "col-unit")) }
                    th { (t(lang, "col-assigned")) }
                    th.noprint { (t(lang, "fu-actions")) }
                } }
                tbody { @for c in &found.items { tr {
                    @if writes { td.noprint { input type="checkbox" form="assign" name="ids" value=(c.id) aria-label=(tr(lang, "contacts-pick-one", &[("id", c.id.to_string())])); } }
                    td { a href={ "/persons/" (c.person_id) } { @if let Some(n) = names.get(&c.person_id.0) { (n) } @else { (c.person_id) } } }
                    td { "F" (c.degree) }
                    td { @if let Some(id) = c.case_id { a href={ "/cases/" (id) } { (id) } } @else if let Some(from) = &c.referred_from { (tr(lang, "contacts-referred-from", &[("from", locality_name(from))])) } }
                    td { (t(lang, &format!("contact-status-{}", c.status))) }
                    td {
                        (t(lang, &format!("follow-status-{}", c.follow_status)))
                        @if let Some(n) = c.became_case_id { " " a href={ "/cases/" (n) } { (t(lang, "fu-became-case")) " " (n) } }
                    }
                    td { @if let Some(u) = c.quarantine_until_s { (local(u, lang)) } }
                    td { @if let Some(u) = c.follow_up_until_s { (local(u, lang)) } }
                    td { (test_days(lang, &c.test_days)) } td { (crate::registry::Registry::of(domain::Structure::S2021).name(&c.unit_code)) }
                    td { @if let Some(u) = c.assigned_to { (officer_name(u)) } }
                    td.noprint { @if c.follow_status.is_open() || c.follow_status == domain::followup::FollowUpStatus::Lost { (actions(lang, c, &back)) } }
                } } }
            } }
            @if let Some(n) = &found.next {
                p { a href={ (back) "cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
        (declared)
    };
    page(lang, &t(lang, "contacts-title"), Some(&me), body).into_response()
}

/// The small forms of one contact: a call or visit, a test result, the release.
fn actions(lang: Lang, c: &StoredContact, back: &str) -> Markup {
    let id = c.id;
    html! {
        details {
            summary { (t(lang, "fu-actions")) }
            form method="post" action={ "/contacts/" (id) "/followups" } {
                input type="hidden" name="back" value=(back);
                fieldset {
                    legend { (t(lang, "fu-record")) }
                    label { input type="checkbox" name="reached" value="1"; " " (t(lang, "fu-reached")) }
                    label { input type="checkbox" name="symptoms" value="1"; " " (t(lang, "fu-symptoms")) }
                    label for={ "t" (id) } { (t(lang, "fu-temperature")) }
                    input id={ "t" (id) } name="temperature" type="number" step="0.1" min="34" max="43" inputmode="decimal";
                    label for={ "n" (id) } { (t(lang, "fu-note")) }
                    input id={ "n" (id) } name="note" type="text" maxlength="2000";
                    button.primary type="submit" { (t(lang, "fu-save")) }
                }
            }
            form method="post" action={ "/contacts/" (id) "/tests" } {
                input type="hidden" name="back" value=(back);
                fieldset {
                    legend { (t(lang, "fu-test")) }
                    label for={ "k" (id) } { (t(lang, "fu-test-kind")) }
                    select id={ "k" (id) } name="kind" {
                        option value="pcr" { (t(lang, "fu-test-pcr")) }
                        option value="antigen" { (t(lang, "fu-test-antigen")) }
                    }
                    label for={ "r" (id) } { (t(lang, "fu-result")) }
                    select id={ "r" (id) } name="result" {
                        option value="negative" { (t(lang, "fu-negative")) }
                        option value="positive" { (t(lang, "fu-positive")) }
                    }
                    button.primary type="submit" { (t(lang, "fu-save")) }
                }
            }
            form method="post" action={ "/contacts/" (id) "/release" } {
                input type="hidden" name="back" value=(back);
                button type="submit" { (t(lang, "fu-release")) }
            }
            @if c.follow_status.is_open() {
                form method="post" action={ "/contacts/" (id) "/lost" } {
                    input type="hidden" name="back" value=(back);
                    button type="submit" { (t(lang, "fu-lost")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct FollowUpForm {
    back: Option<String>,
    reached: Option<String>,
    symptoms: Option<String>,
    temperature: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct TestForm {
    back: Option<String>,
    kind: Option<String>,
    result: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ReleaseForm {
    back: Option<String>,
}

/// Where to go after a saved form: the tab the form was on (only a page of ours).
pub(super) fn back_to(back: Option<&str>) -> String {
    back.filter(|b| b.starts_with("/contacts?") && !b.contains("//"))
        .unwrap_or("/contacts")
        .to_string()
}

/// The answer to a follow-up form: back to the list (303), the refusal page naming each
/// field in the page's language, or 404 for a contact that is not the caller's.
fn answer(
    ui: &Ui,
    back: Option<&str>,
    form_errors: Vec<FieldError>,
    r: Result<Option<app::followup::FollowUpOutcome>, app::followup::FollowUpError>,
) -> Response {
    let fields = match r {
        _ if !form_errors.is_empty() => form_errors,
        Ok(Some(_)) => return Redirect::to(&back_to(back)).into_response(),
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(app::followup::FollowUpError::Invalid(f))
        | Err(app::followup::FollowUpError::Store(store::StoreError::Conflict(f))) => f,
        Err(app::followup::FollowUpError::Store(store::StoreError::Invalid(f))) => f,
        Err(app::followup::FollowUpError::Store(e)) => return ui.failed("follow-up form", &e),
    };
    let lang = ui.lang;
    let label = |field: &str| match field {
        "reached" => Some("fu-reached"),
        "temperature" => Some("fu-temperature"),
        "note" => Some("fu-note"),
        "day" => Some("fu-day"),
        "kind" => Some("fu-test-kind"),
        "result" => Some("fu-result"),
        "status" => Some("fu-field-status"),
        "follow_up_until" => Some("fu-field-follow-up-until"),
        "officer" => Some("contacts-assign-to"),
        "contact_ids" => Some("contacts-pick"),
        _ => None,
    };
    let body = html! {
        h1 { (t(lang, "fu-refused")) }
        p.error role="alert" { (t(lang, "fu-invalid")) }
        ul.refusal { @for e in &fields { li {
            @if let Some(l) = label(&e.field) { strong { (t(lang, l)) } " " }
            code { (e.field) } ": " (reason_message(e.reason, lang))
        } } }
        p { a href=(back_to(back)) { "← " (t(lang, "contacts-title")) } }
    };
    let status = if fields
        .iter()
        .any(|f| f.reason == domain::Reason::NotAllowed)
    {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, ui.page(&t(lang, "fu-refused"), body)).into_response()
}

fn contact_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok()
}

pub(super) async fn record(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<FollowUpForm>,
) -> Response {
    let Some(id) = contact_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let mut errors = Vec::new();
    let temperature = f
        .temperature
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| {
            // A Vietnamese keyboard writes 37,5.
            s.replace(',', ".")
                .parse::<f64>()
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "temperature",
                        domain::Reason::InvalidFormat,
                    ))
                })
                .ok()
        });
    let input = app::followup::FollowUpInput {
        day: None,
        reached: Some(f.reached.is_some()),
        symptoms: Some(f.symptoms.is_some()),
        temperature,
        note: f.note,
    };
    let r = if errors.is_empty() {
        state.record_follow_up(&ui.me, id, &input).await
    } else {
        Ok(None)
    };
    answer(&ui, f.back.as_deref(), errors, r)
}

pub(super) async fn test(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<TestForm>,
) -> Response {
    let Some(id) = contact_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let input = app::followup::ContactTestInput {
        day: None,
        kind: f.kind,
        result: f.result,
        severity: None,
    };
    let r = state.record_contact_test(&ui.me, id, &input).await;
    answer(&ui, f.back.as_deref(), Vec::new(), r)
}

pub(super) async fn lost(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<ReleaseForm>,
) -> Response {
    let Some(id) = contact_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let r = state.mark_contact_lost(&ui.me, id).await;
    answer(&ui, f.back.as_deref(), Vec::new(), r)
}

/// Contacts ticked on a list given to an officer (or to nobody): all or none.
pub(super) async fn assign(
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    // Ticked boxes repeat `ids`: read as pairs, not a struct.
    let mut f = AssignForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "back" => f.back = Some(v),
            "officer" => f.officer = Some(v),
            "ids" => f.ids.push(v),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    let officer = match f.officer.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(o) => match o.parse::<i64>() {
            Ok(o) => Some(o),
            Err(_) => {
                errors.push(FieldError::new("officer", domain::Reason::InvalidFormat));
                None
            }
        },
    };
    let mut ids = Vec::new();
    for id in &f.ids {
        match id.parse::<i64>() {
            Ok(id) => ids.push(id),
            Err(_) => errors.push(FieldError::new(
                "contact_ids",
                domain::Reason::InvalidFormat,
            )),
        }
    }
    let input = app::followup::AssignInput {
        contact_ids: ids,
        officer,
    };
    let r = if errors.is_empty() {
        state.assign_contacts(&ui.me, &input).await.map(|_| {
            Some(app::followup::FollowUpOutcome {
                status: FollowUpStatus::ToReach,
                case_id: None,
            })
        })
    } else {
        Ok(None)
    };
    answer(&ui, f.back.as_deref(), errors, r)
}

#[derive(Default)]
struct AssignForm {
    back: Option<String>,
    officer: Option<String>,
    ids: Vec<String>,
}

pub(super) async fn release(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<ReleaseForm>,
) -> Response {
    let Some(id) = contact_id(&id) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let r = state.release_contact(&ui.me, id).await;
    answer(&ui, f.back.as_deref(), Vec::new(), r)
}

/// The days of quarantine a test is due on, stored as "1,7": "ngày 1 và 7" / "days 1 and 7".
fn test_days(lang: Lang, stored: &str) -> String {
    let days: Vec<&str> = stored
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    match days.split_last() {
        None => String::new(),
        Some((only, [])) => tr(lang, "contact-test-day", &[("day", only.to_string())]),
        Some((last, rest)) => tr(
            lang,
            "contact-test-days",
            &[("days", rest.join(", ")), ("last", last.to_string())],
        ),
    }
}

/// A linked locality by name: its code is its unit's ("01" → "Thành phố Hà Nội", "LA-VT" →
/// "Thủ đô Viêng Chăn"); a code the unit registry does not know is shown as it is.
pub(super) fn locality_name(code: &str) -> String {
    crate::registry::Registry::of(domain::Structure::S2021)
        .get(code)
        .map_or_else(|| code.to_string(), |u| u.name.clone())
}

#[cfg(test)]
mod tests {
    use super::locality_name;

    #[test]
    fn a_referring_locality_is_named() {
        assert!(
            locality_name("01").contains("Hà Nội"),
            "{}",
            locality_name("01")
        );
        assert_eq!(locality_name("LA-VT"), "Thủ đô Viêng Chăn");
        assert_eq!(locality_name("XX-9"), "XX-9");
    }
}
