//! `/care-elsewhere` (issue #17, "What travels" 4): our residents cared for in partner
//! localities (`app::care_away`) — per partner, by its registry name, the doses, stays and
//! helped-home over a date range, the persons for roles that may read personal data (a
//! viewer sees the counts only), and a link to thank the partner. Also the person page's
//! note when a person cared for here lives in another linked locality.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use domain::lang::{count, date};
use domain::person::Person;
use domain::{FieldError, PersonId};
use store::CareKind;

use super::person_entry::field_error;
use super::shell::Ui;
use super::{t, tr};
use crate::{AppState, Lang};

#[derive(Deserialize)]
pub(super) struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The date range asked for: `to` defaults to today, `from` to 90 days before it; a
/// malformed date is its default.
pub(crate) fn range(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let parse =
        |s: Option<&str>| s.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
    let to = parse(to).unwrap_or(today);
    let from = parse(from).unwrap_or(to - chrono::Days::new(90));
    (from.min(to), to)
}

fn kind_label(lang: Lang, k: CareKind) -> String {
    t(lang, &format!("care-away-kind-{}", k.as_str()))
}

/// The thank-you letter's form for a partner (`/aid/letters/new`).
pub(crate) fn letter_href(code: &str) -> String {
    format!("/aid/letters/new?to={code}&kind=residents_cared")
}

pub(super) async fn page(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<RangeQuery>,
) -> Response {
    let lang = ui.lang;
    let (from, to) = range(q.from.as_deref(), q.to.as_deref(), state.app.today());
    let view = match state.app.care_elsewhere_view(&ui.me, from, to).await {
        Ok(v) => v,
        Err(e) => return ui.failed("care elsewhere", &e),
    };
    let title = t(lang, "care-away-title");
    let body = html! {
        h1 { (title) }
        p.muted { (t(lang, "care-away-intro")) }
        form method="get" action="/care-elsewhere" {
            label { (t(lang, "care-away-from")) " " input type="date" name="from" value=(from.format("%Y-%m-%d")); }
            " "
            label { (t(lang, "care-away-to")) " " input type="date" name="to" value=(to.format("%Y-%m-%d")); }
            " "
            button type="submit" { (t(lang, "care-away-show")) }
        }
        @if view.partners.is_empty() {
            p { (t(lang, "care-away-none")) }
        }
        @if !view.partners.is_empty() {
            table.report-table {
                thead { tr {
                    th scope="col" { (t(lang, "care-away-partner")) }
                    @for k in CareKind::ALL { th scope="col" { (kind_label(lang, k)) } }
                    th scope="col" { (t(lang, "care-away-thanks")) }
                } }
                tbody {
                    @for p in &view.partners {
                        tr {
                            th scope="row" { (p.name) }
                            @for n in p.counts { td { (count(n, lang)) } }
                            td { a href=(letter_href(&p.code)) { (t(lang, "care-away-send-letter")) } }
                        }
                    }
                }
            }
        }
        @if view.names {
            @for p in view.partners.iter().filter(|p| !p.persons.is_empty()) {
                h2 { (tr(lang, "care-away-persons", &[("partner", p.name.clone())])) }
                table.report-table {
                    thead { tr {
                        th scope="col" { (t(lang, "care-away-person")) }
                        th scope="col" { (t(lang, "care-away-kind")) }
                        th scope="col" { (t(lang, "care-away-day")) }
                    } }
                    tbody {
                        @for c in &p.persons {
                            tr {
                                td { a href={ "/persons/" (c.person_id) } { (c.full_name) } }
                                td { (kind_label(lang, c.kind)) }
                                td { (date(c.on_date, lang)) }
                            }
                        }
                    }
                }
            }
        } @else {
            p.muted { (t(lang, "care-away-counts-only")) }
        }
    };
    ui.page(&title, body)
}

/// The person page's note: a person whose residence is in another linked locality is cared
/// for here while living there (the person model keeps the residence only; the place of
/// stay is here, where the care is recorded), with any "helped home" recorded.
/// With `form` (the caller may write personal data), the "helped home" form goes with it.
pub(crate) async fn stay_note(state: &AppState, ui: &Ui, p: &Person, form: bool) -> Markup {
    let lang = ui.lang;
    let Some(setup) = state.app.link.as_ref() else {
        return html! {};
    };
    let Some(home) = app::referral::referred_to(setup, p.unit_path.as_str()) else {
        return html! {};
    };
    let name = setup
        .registry
        .get(&home)
        .map(|peer| peer.name.clone())
        .unwrap_or_else(|| home.as_str().to_string());
    let helped = state.store.helped_home_of(p.id).await.unwrap_or_default();
    html! {
        section.care-away {
            h2 { (t(lang, "care-away-stay-title")) }
            p { (tr(lang, "care-away-stay", &[("home", name)])) }
            @for h in &helped {
                p { (tr(lang, "care-away-helped-on", &[("day", date(h.on_date, lang))]))
                    @if let Some(n) = &h.note { " — " (n) } }
            }
            @if form { (helped_home_form(ui, p.id, &HelpedHomeForm::default(), &[])) }
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct HelpedHomeForm {
    on: Option<String>,
    note: Option<String>,
}

const LABELS: &[(&str, &str)] = &[
    ("on", "care-away-helped-day"),
    ("note", "care-away-helped-note"),
    ("person_id", "col-id"),
];

/// The "helped home" form of the person page (a person living in another linked locality),
/// with the values and errors of a refused post.
fn helped_home_form(
    ui: &Ui,
    person: PersonId,
    f: &HelpedHomeForm,
    errors: &[FieldError],
) -> Markup {
    let lang = ui.lang;
    let err = |field: &str| field_error(lang, errors, field);
    let label = |field: &str| {
        LABELS
            .iter()
            .find(|(f, _)| *f == field)
            .map_or_else(|| field.to_string(), |(_, id)| t(lang, id))
    };
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    html! {
        h3 { (t(lang, "care-away-helped-record")) }
        @if !errors.is_empty() {
            p.error role="alert" { (t(lang, "form-refused")) }
            ul.refusal { @for e in errors { li { strong { (label(&e.field)) } ": "
                (crate::messages::reason_message(e.reason, lang)) } } }
        }
        form.entry method="post" action={ "/persons/" (person) "/helped-home" } {
            div {
                label for="h-on" { (t(lang, "care-away-helped-day")) }
                input id="h-on" name="on" type="date" value=(v(&f.on))
                    min=(app::care_away::FIRST_CASE_DAY.format("%Y-%m-%d"))
                    aria-invalid=[err("on").map(|_| "true")];
                @if let Some(e) = err("on") { span.field-error { (e) } }
            }
            div {
                label for="h-note" { (t(lang, "care-away-helped-note")) }
                input id="h-note" name="note" type="text" maxlength=(app::care_away::NOTE_MAX_CHARS)
                    value=(v(&f.note)) aria-invalid=[err("note").map(|_| "true")];
                @if let Some(e) = err("note") { span.field-error { (e) } }
            }
            div { button.primary type="submit" { (t(lang, "care-away-helped-save")) } }
        }
    }
}

/// `POST /persons/{id}/helped-home`: back to the person page (303), or the form with each
/// error (400). The route's check is the API's (`WritePersonal`), the write its use case
/// (`App::helped_home`); a person outside the caller's jurisdiction is not found.
pub(super) async fn record_helped_home(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<HelpedHomeForm>,
) -> Response {
    let lang = ui.lang;
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let input = app::care_away::HelpedHomeInput {
        on: f.on.clone(),
        note: f.note.clone(),
    };
    let errors = match state.app.helped_home(&ui.me, PersonId(id), &input).await {
        Ok(Some(_)) => {
            return Redirect::to(&format!("/persons/{id}?helped=1")).into_response();
        }
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(app::care_away::HelpedHomeError::Invalid(f)) => f,
        Err(app::care_away::HelpedHomeError::Store(e)) => return ui.failed("helped home", &e),
    };
    let title = t(lang, "care-away-helped-record");
    let body = html! {
        h1 { (title) }
        (helped_home_form(&ui, PersonId(id), &f, &errors))
        p { a href={ "/persons/" (id) } { "← " (t(lang, "person-back")) } }
    };
    (StatusCode::BAD_REQUEST, ui.page(&title, body)).into_response()
}
