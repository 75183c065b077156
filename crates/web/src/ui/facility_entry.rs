//! Registering a care facility and its beds by form (issue #15, item 2), for roles that
//! manage beds. The form calls the API's use case (`app::care::register_facility`): one
//! transaction, nothing half-saved. The commune is chosen by name among those of the
//! caller's jurisdiction; a refusal shows the form again with each field's error in the
//! page's language and what was typed kept.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use domain::facility::{BedType, FacilityKind};
use domain::{FieldError, Reason, Structure};
use maud::{html, Markup};

use super::shell::Ui;
use super::t;
use crate::messages::reason_message;
use crate::AppState;

/// The form as typed (`name`, `kind`, `unit`, `address`, and `bed_<type>` per bed type).
type FacilityForm = HashMap<String, String>;

fn typed<'a>(f: &'a FacilityForm, k: &str) -> &'a str {
    f.get(k).map_or("", |v| v.as_str())
}

pub(super) async fn new_form(ui: Ui) -> Response {
    ui.page(
        &ui.t("facility-new-title"),
        form(&ui, &FacilityForm::new(), &[]),
    )
}

pub(super) async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<FacilityForm>,
) -> Response {
    let mut errors = Vec::new();
    let filled = |k: &str| Some(typed(&f, k).trim().to_string()).filter(|s| !s.is_empty());
    let unit = filled("unit").and_then(|typed| {
        app::venues::commune_by_name(&ui.me.scope, Structure::S2021, &typed)
            .map(|c| c.to_string())
            .map_err(|r| errors.push(FieldError::new("unit", r)))
            .ok()
    });
    // The beds typed, in the order of `BedType::ALL`; the use case names them by position.
    let mut beds = Vec::new();
    let mut bed_fields = Vec::new();
    for b in BedType::ALL {
        let field = format!("bed_{}", b.as_str());
        let Some(v) = filled(&field) else { continue };
        match v.parse::<i64>() {
            Ok(n) => {
                beds.push(app::care::BedsInput {
                    bed_type: Some(b.as_str().into()),
                    capacity: Some(n),
                });
                bed_fields.push(field);
            }
            Err(_) => errors.push(FieldError::new(field, Reason::InvalidFormat)),
        }
    }
    let input = app::care::FacilityInput {
        name: filled("name"),
        kind: filled("kind"),
        unit,
        structure: None,
        address: filled("address"),
        beds,
    };
    let checked = match app::care::new_facility(&input) {
        Err(more) => Err(more),
        Ok(_) if !errors.is_empty() => Err(Vec::new()),
        Ok(_) => Ok(()),
    };
    let result = match checked {
        Ok(()) => state.register_facility(&ui.me, &input).await,
        Err(more) => Err(app::care::CareError::Invalid(more)),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/facilities/{}", id.get())).into_response(),
        Err(app::care::CareError::Invalid(more)) => {
            for mut e in more {
                // "beds[i].capacity" is the i-th bed type typed: its own box.
                if let Some(i) = e
                    .field
                    .strip_prefix("beds[")
                    .and_then(|r| r.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok())
                {
                    if let Some(name) = bed_fields.get(i) {
                        e.field = name.clone();
                    }
                }
                if !errors.iter().any(|x| x.field == e.field) {
                    errors.push(e);
                }
            }
            (
                StatusCode::BAD_REQUEST,
                ui.page(&ui.t("facility-new-title"), form(&ui, &f, &errors)),
            )
                .into_response()
        }
        Err(app::care::CareError::Store(e)) => ui.failed("facility registration", &e),
    }
}

/// The form, with `errors` beside their fields.
fn form(ui: &Ui, f: &FacilityForm, errors: &[FieldError]) -> Markup {
    let lang = ui.lang;
    let communes = app::venues::communes_in(&ui.me.scope, Structure::S2021);
    let error = |field: &str| errors.iter().find(|e| e.field == field).map(|e| e.reason);
    let invalid = |name: &str| error(name).map(|_| "true");
    let described = |name: &str| error(name).map(|_| format!("f-{name}-error"));
    let message = |name: &str| {
        html! {
            @if let Some(r) = error(name) {
                span.error id={ "f-" (name) "-error" } { (reason_message(r, lang)) }
            }
        }
    };
    html! {
        h1 { (t(lang, "facility-new-title")) }
        @if !errors.is_empty() { p.error role="alert" { (t(lang, "form-refused")) } }
        form method="post" action="/facilities" {
            label for="f-name" { (t(lang, "facility-field-name")) }
            input id="f-name" name="name" type="text" required maxlength="200" value=(typed(f, "name"))
                aria-invalid=[invalid("name")] aria-describedby=[described("name")];
            (message("name"))
            label for="f-kind" { (t(lang, "facility-field-kind")) }
            select id="f-kind" name="kind" required
                aria-invalid=[invalid("kind")] aria-describedby=[described("kind")] {
                option value="" { "—" }
                @for k in FacilityKind::ALL {
                    option value=(k.as_str()) selected[typed(f, "kind") == k.as_str()] {
                        (t(lang, &format!("kind-{}", k.as_str())))
                    }
                }
            }
            (message("kind"))
            label for="f-unit" { (t(lang, "venue-field-unit")) }
            input id="f-unit" name="unit" type="text" required value=(typed(f, "unit")) autocomplete="off"
                list="communes" placeholder=(t(lang, "venue-unit-hint"))
                aria-invalid=[invalid("unit")] aria-describedby=[described("unit")];
            @if communes.len() <= 3000 {
                datalist id="communes" {
                    @for u in &communes {
                        option value=(app::venues::commune_label(Structure::S2021, u.code.as_str())) {}
                    }
                }
            }
            (message("unit"))
            label for="f-address" { (t(lang, "venue-field-address")) }
            input id="f-address" name="address" type="text" maxlength="500" value=(typed(f, "address"))
                aria-invalid=[invalid("address")] aria-describedby=[described("address")];
            (message("address"))
            fieldset {
                legend { (t(lang, "facility-field-beds")) }
                @for b in BedType::ALL {
                    @let name = format!("bed_{}", b.as_str());
                    label for={ "f-" (name) } { (t(lang, &format!("bed-{}", b.as_str()))) }
                    input id={ "f-" (name) } name=(name) type="number" min="0" inputmode="numeric"
                        value=(typed(f, &name))
                        aria-invalid=[invalid(&name)] aria-describedby=[described(&name)];
                    (message(&name))
                }
            }
            p { button.primary type="submit" { (t(lang, "facility-register")) } }
        }
        p { a href="/facilities" { "← " (t(lang, "facilities-title")) } }
    }
}
