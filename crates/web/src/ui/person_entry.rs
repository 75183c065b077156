//! Entry of people (issue #15, item 2): the person form, with the commune of residence
//! chosen by name among those of the caller's scope. It calls the API's own use case
//! (`App::register_person`); a refusal shows the form again with each field's error beside
//! it and the values kept.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::shell::Ui;
use super::t;
use crate::messages::reason_message;
use crate::registry::Registry;
use crate::{AppState, Lang};
use app::clock::WallClock;
use app::persons::RegisterError;
use domain::person::PersonInput;
use domain::{FieldError, Reason, Structure};

/// The structure persons are registered in by form (the one the registry's pages use).
const STRUCTURE: Structure = Structure::S2021;

/// The communes of the caller's scope as (code, "Commune, District"), by district then
/// name: the form shows names and sends the code.
pub(super) fn communes(ui: &Ui) -> Vec<(String, String)> {
    let registry = Registry::of(STRUCTURE);
    let roots: Vec<String> = if ui.me.scope.is_everything() {
        vec![String::new()]
    } else {
        ui.me
            .scope
            .roots_in(STRUCTURE)
            .filter_map(|p| p.as_str().trim_end_matches('/').rsplit('/').next())
            .map(str::to_string)
            .collect()
    };
    let mut out: Vec<(String, String, String)> = roots
        .iter()
        .flat_map(|r| registry.communes_under(r))
        .map(|u| {
            let code = u.code.to_string();
            let district = u
                .parent_code
                .as_ref()
                .map(|p| registry.name(p.as_str()))
                .unwrap_or_default();
            (district, registry.name_with_parent(&code), code)
        })
        .collect();
    out.sort();
    out.dedup();
    out.into_iter()
        .map(|(_, name, code)| (code, name))
        .collect()
}

/// The error of `field`, if any, in the page's language.
pub(super) fn field_error(lang: Lang, errors: &[FieldError], field: &str) -> Option<&'static str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| reason_message(e.reason, lang))
}

/// A labelled input with its error beside it (`aria-describedby`) and its value kept.
fn input(
    lang: Lang,
    errors: &[FieldError],
    field: &str,
    label_id: &str,
    kind: &str,
    value: &Option<String>,
) -> Markup {
    let id = format!("p-{field}");
    let error = field_error(lang, errors, field);
    html! { div {
        label for=(id) { (t(lang, label_id)) }
        input id=(id) name=(field) type=(kind) value=(value.clone().unwrap_or_default())
            aria-invalid=[error.map(|_| "true")]
            aria-describedby=[error.map(|_| format!("{id}-error"))];
        @if let Some(e) = error { span.field-error id={ (id) "-error" } { (e) } }
    } }
}

/// The commune choice by name (no code to type); `field` is the form's name of it.
pub(super) fn commune_select(
    lang: Lang,
    communes: &[(String, String)],
    id: &str,
    field: &str,
    chosen: Option<&str>,
    error: Option<&'static str>,
    caption: Option<String>,
) -> Markup {
    html! {
        @if let Some(l) = caption { label for=(id) { (l) } }
        select id=(id) name=(field) aria-invalid=[error.map(|_| "true")]
            aria-describedby=[error.map(|_| format!("{id}-error"))] {
            option value="" selected[chosen.is_none()] { (t(lang, "form-choose")) }
            @for (code, name) in communes {
                option value=(code) selected[chosen == Some(code.as_str())] { (name) }
            }
        }
        @if let Some(e) = error { span.field-error id={ (id) "-error" } { (e) } }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct PersonForm {
    full_name: Option<String>,
    birth_date: Option<String>,
    sex: Option<String>,
    national_id: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    unit: Option<String>,
}

fn form_page(ui: &Ui, f: &PersonForm, errors: &[FieldError]) -> Markup {
    let lang = ui.lang;
    let communes = communes(ui);
    let unit = f.unit.as_deref().filter(|u| !u.is_empty());
    html! {
        h1 { (t(lang, "person-new")) }
        @if !errors.is_empty() { p.error role="alert" { (t(lang, "form-refused")) } }
        form.entry method="post" action="/persons/new" {
            (input(lang, errors, "full_name", "person-full-name", "text", &f.full_name))
            (input(lang, errors, "birth_date", "person-birth-date", "date", &f.birth_date))
            div {
                label for="p-sex" { (t(lang, "person-sex")) }
                select id="p-sex" name="sex" {
                    @for s in ["unknown", "male", "female", "other"] {
                        option value=(s) selected[f.sex.as_deref().unwrap_or("unknown") == s] {
                            (t(lang, &format!("person-sex-{s}")))
                        }
                    }
                }
                @if let Some(e) = field_error(lang, errors, "sex") { span.field-error { (e) } }
            }
            (input(lang, errors, "national_id", "person-national-id", "text", &f.national_id))
            (input(lang, errors, "phone", "person-phone", "tel", &f.phone))
            (input(lang, errors, "address", "person-address", "text", &f.address))
            div {
                (commune_select(lang, &communes, "p-unit", "unit", unit,
                    field_error(lang, errors, "unit"), Some(t(lang, "person-residence"))))
            }
            div { button.primary type="submit" { (t(lang, "person-new-save")) } }
        }
        p { a href="/persons" { "← " (t(lang, "persons-title")) } }
    }
}

/// `GET /persons/new`: the empty form.
pub(super) async fn new_person_form(ui: Ui) -> Response {
    let body = form_page(&ui, &PersonForm::default(), &[]);
    ui.page(&t(ui.lang, "person-new"), body)
}

/// `POST /persons/new`: the person page (303), or the form again with each error.
pub(super) async fn create_person(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<PersonForm>,
) -> Response {
    let input = PersonInput {
        full_name: f.full_name.clone(),
        national_id: f.national_id.clone(),
        phone: f.phone.clone(),
        birth_date: f.birth_date.clone(),
        sex: f.sex.clone(),
        unit: f.unit.clone(),
    };
    let errors = match state
        .register_person(&ui.me, &input, f.address.as_deref(), WallClock::now_s())
        .await
    {
        Ok(r) => return Redirect::to(&format!("/persons/{}", r.person.id)).into_response(),
        Err(RegisterError::Invalid(fields)) => fields,
        Err(RegisterError::Store(store::StoreError::Invalid(fields))) => fields,
        Err(RegisterError::Store(store::StoreError::Duplicate { field, .. })) => {
            vec![FieldError::new(field, Reason::Duplicate)]
        }
        Err(RegisterError::Store(e)) => return ui.failed("person form", &e),
    };
    let body = form_page(&ui, &f, &errors);
    (
        StatusCode::BAD_REQUEST,
        ui.page(&t(ui.lang, "person-new"), body),
    )
        .into_response()
}
