//! A dose recorded by form on the person page (issue #15, item 2): vaccine, date, dose
//! number and the commune where it was given (by name). The checks are the API's
//! (`app::vaccination::dose`), the write its use case (`App::record_doses`); a refusal names
//! each field in the page's language.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::person_entry::{commune_select, communes, field_error};
use super::shell::Ui;
use super::t;
use crate::messages::reason_message;
use crate::{AppState, Lang};
use app::vaccination::DoseInput;
use domain::vaccination::Product;
use domain::{FieldError, PersonId, Reason};
use store::ItemOutcome;

/// A product as printed on its vial (the same in both languages).
pub(super) fn product_name(p: Product) -> &'static str {
    match p {
        Product::AstraZeneca => "AstraZeneca",
        Product::Pfizer => "Pfizer-BioNTech",
        Product::Moderna => "Moderna",
        Product::Sinopharm => "Sinopharm (Vero Cell)",
        Product::SputnikV => "Sputnik V",
        Product::Janssen => "Janssen",
        Product::Abdala => "Abdala",
        Product::HayatVax => "Hayat-Vax",
    }
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct DoseForm {
    product: Option<String>,
    dose_no: Option<String>,
    given_on: Option<String>,
    unit: Option<String>,
    lot: Option<String>,
}

const LABELS: &[(&str, &str)] = &[
    ("product", "dose-product"),
    ("dose_no", "dose-no"),
    ("given_on", "dose-given-on"),
    ("unit", "dose-place"),
    ("lot", "dose-lot"),
    ("person_id", "col-id"),
];

/// The dose form of the person page, with the values and errors of a refused post.
pub(super) fn dose_form(ui: &Ui, person: PersonId, f: &DoseForm, errors: &[FieldError]) -> Markup {
    let lang = ui.lang;
    let communes = communes(ui);
    let err = |field: &str| field_error(lang, errors, field);
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    html! {
        h2 { (t(lang, "dose-record")) }
        @if !errors.is_empty() { (refusal(lang, errors)) }
        form.entry method="post" action={ "/persons/" (person) "/doses" } {
            div {
                label for="d-product" { (t(lang, "dose-product")) }
                select id="d-product" name="product" aria-invalid=[err("product").map(|_| "true")] {
                    option value="" selected[f.product.is_none()] { (t(lang, "form-choose")) }
                    @for p in Product::ALL {
                        option value=(p.as_str()) selected[f.product.as_deref() == Some(p.as_str())] { (product_name(*p)) }
                    }
                }
                @if let Some(e) = err("product") { span.field-error { (e) } }
            }
            div {
                label for="d-no" { (t(lang, "dose-no")) }
                input id="d-no" name="dose_no" type="number" min="1" max=(store::DOSE_NO_MAX) value=(v(&f.dose_no))
                    aria-invalid=[err("dose_no").map(|_| "true")];
                @if let Some(e) = err("dose_no") { span.field-error { (e) } }
            }
            div {
                label for="d-on" { (t(lang, "dose-given-on")) }
                input id="d-on" name="given_on" type="date" value=(v(&f.given_on))
                    aria-invalid=[err("given_on").map(|_| "true")];
                @if let Some(e) = err("given_on") { span.field-error { (e) } }
            }
            div {
                label for="d-lot" { (t(lang, "dose-lot")) }
                input id="d-lot" name="lot" type="text" maxlength=(app::vaccination::LOT_MAX_CHARS) value=(v(&f.lot))
                    aria-invalid=[err("lot").map(|_| "true")];
                @if let Some(e) = err("lot") { span.field-error { (e) } }
            }
            div {
                (commune_select(lang, &communes, "d-unit", "unit", f.unit.as_deref().filter(|u| !u.is_empty()),
                    err("unit"), Some(t(lang, "dose-place"))))
            }
            div { button.primary type="submit" { (t(lang, "dose-save")) } }
        }
    }
}

fn refusal(lang: Lang, errors: &[FieldError]) -> Markup {
    let label = |field: &str| {
        LABELS
            .iter()
            .find(|(f, _)| *f == field)
            .map_or_else(|| field.to_string(), |(_, id)| t(lang, id))
    };
    html! {
        p.error role="alert" { (t(lang, "form-refused")) }
        ul.refusal { @for e in errors { li { strong { (label(&e.field)) } ": " (reason_message(e.reason, lang)) } } }
    }
}

/// `POST /persons/{id}/doses`: back to the person page (303), or the form with each error.
pub(super) async fn record_dose(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<DoseForm>,
) -> Response {
    let lang = ui.lang;
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let filled = |x: &Option<String>| {
        x.as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
    };
    let mut errors = Vec::new();
    let dose_no = match filled(&f.dose_no) {
        None => None,
        Some(n) => match n.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new("dose_no", Reason::InvalidFormat));
                Some(0)
            }
        },
    };
    // A form sent twice is the same dose: its id comes from what it records, so the store
    // answers the second `duplicate` and keeps one.
    let client_id = format!(
        "form:{id}:{}:{}:{}",
        filled(&f.product).unwrap_or_default(),
        filled(&f.dose_no).unwrap_or_default(),
        filled(&f.given_on).unwrap_or_default()
    );
    let input = DoseInput {
        client_id: Some(client_id),
        person_id: Some(id),
        product: filled(&f.product),
        dose_no,
        given_on: filled(&f.given_on),
        unit: filled(&f.unit),
        lot: filled(&f.lot),
    };
    let item = app::vaccination::dose(&input, state.today(), &mut errors);
    let errors = match item {
        Some(item) if errors.is_empty() => match state.record_doses(&ui.me, &[item]).await {
            Ok(outcomes) => match outcomes.into_iter().next() {
                Some(ItemOutcome::Accepted | ItemOutcome::Duplicate) => {
                    return Redirect::to(&format!("/persons/{id}?dose=1")).into_response()
                }
                Some(ItemOutcome::Rejected(fields)) => fields,
                None => return ui.failed("dose form", &"no outcome"),
            },
            Err(e) => return ui.failed("dose form", &e),
        },
        _ => errors,
    };
    // A person outside the caller's scope is not theirs to see: as the page, 404.
    if errors.iter().any(|e| e.field == "person_id") {
        return ui.fail(StatusCode::NOT_FOUND);
    }
    let body = html! {
        h1 { (t(lang, "dose-record")) }
        (dose_form(&ui, PersonId(id), &f, &errors))
        p { a href={ "/persons/" (id) } { "← " (t(lang, "person-back")) } }
    };
    (
        StatusCode::BAD_REQUEST,
        ui.page(&t(lang, "dose-record"), body),
    )
        .into_response()
}
