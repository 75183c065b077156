//! Planned capacity on the facilities page: planned beds beside the registered ones per bed
//! type, the plan's entries, and the form that adds one (`app::capacity`, the API's checks;
//! a refusal names each field in the page's language).

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use domain::facility::BedType;
use domain::lang::{count, date};
use domain::role::Permission;
use domain::{FieldError, Reason, Structure};
use maud::{html, Markup};
use serde::Deserialize;
use store::{FacilityBeds, PlanEntry};

use super::shell::Ui;
use super::{t, tr};
use crate::messages::reason_message;
use crate::registry::Registry;
use crate::{AppState, Lang};

/// The form's fields and their words.
const LABELS: &[(&str, &str)] = &[
    ("unit", "plan-unit"),
    ("bed_type", "plan-bed-type"),
    ("beds", "plan-beds"),
    ("from", "plan-from"),
    ("note", "plan-note"),
];

fn bed_name(lang: Lang, b: BedType) -> String {
    t(lang, &format!("bed-{}", b.as_str()))
}

/// The units a caller may plan for, by name: their jurisdiction's roots and the units one
/// level under them (the whole country: the provinces).
fn plan_units(ui: &Ui) -> Vec<(String, String)> {
    let registry = Registry::of(Structure::S2021);
    let mut out = Vec::new();
    if ui.me.scope.is_everything() {
        for p in registry.provinces() {
            out.push((p.code.to_string(), p.name.clone()));
        }
        return out;
    }
    for root in ui.me.scope.roots_in(Structure::S2021) {
        let code = root.as_str().trim_end_matches('/').rsplit('/').next();
        let Some(code) = code.filter(|c| !c.is_empty()) else {
            continue;
        };
        out.push((code.to_string(), registry.name(code)));
        for c in registry.children(code) {
            out.push((c.code.to_string(), format!("— {}", c.name)));
        }
    }
    out
}

/// The plan section of the facilities page: per bed type the beds registered, the planned
/// beds in force today and those planned from a later date; the entries; the form for
/// those who plan (`SetPolicy`).
pub(super) async fn section(state: &AppState, ui: &Ui, registered: &[FacilityBeds]) -> Markup {
    let lang = ui.lang;
    let plan = match state
        .store
        .capacity_plan(&ui.me.scope, Structure::S2021)
        .await
    {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("capacity plan: {e}");
            return html! { p.error role="alert" { (t(lang, "plan-unavailable")) } };
        }
    };
    let today = state.today();
    let now = store::in_force(&plan, today);
    let last = plan.iter().map(|e| e.from).max();
    let later = last
        .filter(|d| *d > today)
        .map(|d| store::in_force(&plan, d));
    let sum_of = |b: BedType| -> i64 {
        registered
            .iter()
            .flat_map(|f| &f.beds)
            .filter(|x| x.bed_type == b)
            .map(|x| x.capacity)
            .sum()
    };
    let planned = |list: &[store::PlannedBeds], b: BedType| -> i64 {
        list.iter()
            .filter(|p| p.bed_type == b)
            .map(|p| p.beds)
            .sum()
    };
    let rows: Vec<(BedType, i64, i64, Option<i64>)> = BedType::ALL
        .iter()
        .map(|b| {
            let at_last = later.as_deref().map(|l| planned(l, *b));
            (*b, sum_of(*b), planned(&now, *b), at_last)
        })
        .filter(|(_, r, p, l)| *r > 0 || *p > 0 || l.is_some_and(|l| l > 0))
        .collect();
    html! {
        section #plan {
            h2 { (t(lang, "plan-title")) }
            @if rows.is_empty() { p { (t(lang, "plan-none")) } }
            @else {
                div.scroll { table {
                    thead { tr {
                        th { (t(lang, "plan-bed-type")) }
                        th { (t(lang, "plan-registered")) }
                        th { (tr(lang, "plan-in-force", &[("date", date(today, lang))])) }
                        @if let Some(d) = last.filter(|d| *d > today) {
                            th { (tr(lang, "plan-in-force", &[("date", date(d, lang))])) }
                        }
                    } }
                    tbody { @for (b, reg, now, at_last) in &rows { tr {
                        td { (bed_name(lang, *b)) }
                        td { (count(*reg, lang)) }
                        td { (count(*now, lang)) }
                        @if let Some(l) = at_last { td { (count(*l, lang)) } }
                    } } }
                } }
            }
            @if !plan.is_empty() { (entries(lang, &plan)) }
            @if ui.me.user.role.can(Permission::SetPolicy) { (form(ui, today)) }
        }
    }
}

fn entries(lang: Lang, plan: &[PlanEntry]) -> Markup {
    let registry = Registry::of(Structure::S2021);
    html! {
        h3 { (t(lang, "plan-entries")) }
        div.scroll { table {
            thead { tr {
                th { (t(lang, "plan-from")) } th { (t(lang, "plan-unit")) }
                th { (t(lang, "plan-bed-type")) } th { (t(lang, "plan-beds")) }
                th { (t(lang, "plan-note")) } th { (t(lang, "plan-by")) }
            } }
            tbody { @for e in plan { tr {
                td { (date(e.from, lang)) }
                td { (registry.name(e.unit_code.as_str())) }
                td { (bed_name(lang, e.bed_type)) }
                td { (count(e.beds, lang)) }
                td { (e.note.clone().unwrap_or_default()) }
                td { (e.created_by.clone().unwrap_or_default()) }
            } } }
        } }
    }
}

fn form(ui: &Ui, today: NaiveDate) -> Markup {
    let lang = ui.lang;
    html! {
        h3 { (t(lang, "plan-add")) }
        form.noprint method="post" action="/facilities/plan" {
            label for="plan-unit" { (t(lang, "plan-unit")) }
            select id="plan-unit" name="unit" required {
                @for (code, name) in plan_units(ui) { option value=(code) { (name) } }
            }
            label for="plan-bed-type" { (t(lang, "plan-bed-type")) }
            select id="plan-bed-type" name="bed_type" required {
                @for b in BedType::ALL { option value=(b.as_str()) { (bed_name(lang, *b)) } }
            }
            label for="plan-beds" { (t(lang, "plan-beds")) }
            input id="plan-beds" name="beds" type="number" min="1" max=(store::PLANNED_BEDS_MAX) required;
            label for="plan-from" { (t(lang, "plan-from")) }
            input id="plan-from" name="from" type="date" value=(today.format("%Y-%m-%d")) required;
            label for="plan-note" { (t(lang, "plan-note")) }
            input id="plan-note" name="note" maxlength="2000";
            button.primary type="submit" { (t(lang, "plan-add")) }
        }
    }
}

/// A form field's text, trimmed; `None` when left empty.
fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[derive(Deserialize)]
pub(super) struct PlanForm {
    unit: Option<String>,
    bed_type: Option<String>,
    beds: Option<String>,
    from: Option<String>,
    note: Option<String>,
}

/// Adds a plan entry from the form, as `POST /api/v1/capacity/plan` does: back to the
/// facilities page (303), or a page naming each refused field.
pub(super) async fn add(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<PlanForm>,
) -> Response {
    let mut form_errors = Vec::new();
    let beds = filled(&f.beds).and_then(|b| {
        b.parse::<i64>()
            .map_err(|_| form_errors.push(FieldError::new("beds", Reason::InvalidFormat)))
            .ok()
    });
    let input = app::capacity::PlanInput {
        unit: filled(&f.unit).map(str::to_string),
        bed_type: filled(&f.bed_type).map(str::to_string),
        beds,
        from: filled(&f.from).map(str::to_string),
        note: filled(&f.note).map(str::to_string),
    };
    // A number that is none is the form's own error; the checks then see the field missing.
    let fields = if !form_errors.is_empty() {
        let more = app::capacity::new_plan_entry(&input, state.today()).err();
        merged(form_errors, more.unwrap_or_default())
    } else {
        match state.add_capacity_plan(&ui.me, &input).await {
            Ok(_) => return Redirect::to("/facilities#plan").into_response(),
            Err(app::capacity::CapacityError::Invalid(fields)) => fields,
            Err(app::capacity::CapacityError::Store(e)) => {
                tracing::error!("capacity plan form: {e}");
                return ui.fail(StatusCode::INTERNAL_SERVER_ERROR);
            }
        }
    };
    refused(&ui, &fields)
}

/// One error per field, the form's first.
fn merged(mut first: Vec<FieldError>, more: Vec<FieldError>) -> Vec<FieldError> {
    for e in more {
        if !first.iter().any(|f| f.field == e.field) {
            first.push(e);
        }
    }
    first
}

fn refused(ui: &Ui, fields: &[FieldError]) -> Response {
    let lang = ui.lang;
    let label = |field: &str| {
        LABELS
            .iter()
            .find(|(n, _)| *n == field)
            .map(|(_, id)| t(lang, id))
    };
    let body = html! {
        h1 { (t(lang, "plan-add")) }
        p.error role="alert" { (t(lang, "plan-invalid")) }
        ul.refusal { @for e in fields { li {
            @if let Some(l) = label(&e.field) { strong { (l) } " " }
            code { (e.field) } ": " (reason_message(e.reason, lang))
        } } }
        p { a href="/facilities#plan" { "← " (t(lang, "facilities-title")) } }
    };
    (StatusCode::BAD_REQUEST, ui.page(&t(lang, "plan-add"), body)).into_response()
}
