//! Registering a venue by form, and its printable QR poster (issue #15, item 2). The form
//! calls the API's use case (`app::venues`); the commune is chosen by name among those of
//! the caller's jurisdiction, never typed as a code. A refusal shows the form again with
//! each field's error in the page's language and what was typed kept.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use domain::epi::VenueKind;
use domain::{FieldError, Structure, VenueId};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::shell::Ui;
use super::t;
use crate::messages::reason_message;
use crate::{qr, AppState, Lang};

/// A datalist longer than this (a country-wide account's ten thousand communes) is left
/// out: the box still finds a commune by the name typed.
const DATALIST_MAX: usize = 3000;

/// The form as typed: every value kept to show it again on a refusal.
#[derive(Deserialize, Default)]
pub(super) struct VenueForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

/// A venue kind in the page's language.
pub(super) fn kind_name(lang: Lang, k: VenueKind) -> String {
    match lang {
        Lang::Vi => k.label_vi().to_string(),
        Lang::En => t(
            lang,
            &format!("venue-kind-{}", k.as_str().replace('_', "-")),
        ),
    }
}

pub(super) async fn new_form(ui: Ui) -> Response {
    ui.page(
        &ui.t("venue-new-title"),
        form(&ui, &VenueForm::default(), &[]),
    )
}

pub(super) async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<VenueForm>,
) -> Response {
    let mut errors = Vec::new();
    let unit = match f.unit.trim() {
        "" => None,
        typed => match app::venues::commune_by_name(&ui.me.scope, Structure::S2021, typed) {
            Ok(code) => Some(code.to_string()),
            Err(reason) => {
                errors.push(FieldError::new("unit", reason));
                None
            }
        },
    };
    let capacity = match f.capacity.trim() {
        "" => None,
        c => match c.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new("capacity", domain::Reason::InvalidFormat));
                None
            }
        },
    };
    let filled = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = app::venues::VenueInput {
        name: filled(&f.name),
        kind: filled(&f.kind),
        unit,
        structure: None,
        address: filled(&f.address),
        capacity,
        opens: filled(&f.opens),
        closes: filled(&f.closes),
    };
    // The form's own errors first; the use case's for the other fields (nothing is saved
    // while any remains).
    let checked = match app::venues::new_venue(&input) {
        Err(more) => Err(more),
        Ok(_) if !errors.is_empty() => Err(Vec::new()),
        Ok(_) => Ok(()),
    };
    let result = match checked {
        Ok(()) => state.register_venue(&ui.me, &input).await,
        Err(more) => Err(app::venues::VenueError::Invalid(more)),
    };
    match result {
        Ok(v) => Redirect::to(&format!("/venues/{}/poster?new=1", v.id)).into_response(),
        Err(app::venues::VenueError::Invalid(more)) => {
            for e in more {
                if !errors.iter().any(|x| x.field == e.field) {
                    errors.push(e);
                }
            }
            (
                StatusCode::BAD_REQUEST,
                ui.page(&ui.t("venue-new-title"), form(&ui, &f, &errors)),
            )
                .into_response()
        }
        Err(app::venues::VenueError::Store(e)) => ui.failed("venue registration", &e),
    }
}

/// The form, with `errors` beside their fields.
fn form(ui: &Ui, f: &VenueForm, errors: &[FieldError]) -> Markup {
    let lang = ui.lang;
    let communes = app::venues::communes_in(&ui.me.scope, Structure::S2021);
    let error = |field: &str| errors.iter().find(|e| e.field == field).map(|e| e.reason);
    let field = |name: &str, label: &str, input: Markup| {
        let err = error(name);
        html! {
            label for={ "f-" (name) } { (t(lang, label)) }
            (input)
            @if let Some(r) = err {
                span.error id={ "f-" (name) "-error" } { (reason_message(r, lang)) }
            }
        }
    };
    let invalid = |name: &str| error(name).map(|_| "true");
    let described = |name: &str| error(name).map(|_| format!("f-{name}-error"));
    html! {
        h1 { (t(lang, "venue-new-title")) }
        @if !errors.is_empty() { p.error role="alert" { (t(lang, "form-refused")) } }
        form method="post" action="/venues" {
            (field("name", "venue-field-name", html! {
                input id="f-name" name="name" type="text" required maxlength="200" value=(f.name)
                    aria-invalid=[invalid("name")] aria-describedby=[described("name")];
            }))
            (field("kind", "venue-field-kind", html! {
                select id="f-kind" name="kind" required
                    aria-invalid=[invalid("kind")] aria-describedby=[described("kind")] {
                    option value="" { "—" }
                    @for k in VenueKind::ALL {
                        option value=(k.as_str()) selected[f.kind == k.as_str()] { (kind_name(lang, *k)) }
                    }
                }
            }))
            (field("unit", "venue-field-unit", html! {
                input id="f-unit" name="unit" type="text" required value=(f.unit) autocomplete="off"
                    list=[(communes.len() <= DATALIST_MAX).then_some("communes")]
                    placeholder=(t(lang, "venue-unit-hint"))
                    aria-invalid=[invalid("unit")] aria-describedby=[described("unit")];
                @if communes.len() <= DATALIST_MAX {
                    datalist id="communes" {
                        @for u in &communes {
                            option value=(app::venues::commune_label(Structure::S2021, u.code.as_str())) {}
                        }
                    }
                }
            }))
            (field("address", "venue-field-address", html! {
                input id="f-address" name="address" type="text" maxlength="500" value=(f.address)
                    aria-invalid=[invalid("address")] aria-describedby=[described("address")];
            }))
            (field("capacity", "venue-field-capacity", html! {
                input id="f-capacity" name="capacity" type="number" min="1" max="100000" value=(f.capacity)
                    inputmode="numeric"
                    aria-invalid=[invalid("capacity")] aria-describedby=[described("capacity")];
            }))
            (field("opens", "venue-field-opens", html! {
                input id="f-opens" name="opens" type="text" placeholder="06:00" value=(f.opens)
                    pattern="[0-2][0-9]:[0-5][0-9]"
                    aria-invalid=[invalid("opens")] aria-describedby=[described("opens")];
            }))
            (field("closes", "venue-field-closes", html! {
                input id="f-closes" name="closes" type="text" placeholder="22:00" value=(f.closes)
                    pattern="[0-2][0-9]:[0-5][0-9]"
                    aria-invalid=[invalid("closes")] aria-describedby=[described("closes")];
            }))
            p { button.primary type="submit" { (t(lang, "venue-register")) } }
        }
        p { a href="/venues" { "← " (t(lang, "venues-title")) } }
    }
}

#[derive(Deserialize)]
pub(super) struct PosterQuery {
    new: Option<String>,
}

/// The poster to print: the venue's name, address and place, and its QR code.
pub(super) async fn poster(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<PosterQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let v = match state.store.get_venue(&ui.me.scope, VenueId(id)).await {
        Ok(Some(v)) => v,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return ui.failed("venue poster", &e),
    };
    let place = app::venues::commune_label(v.structure, v.unit_code.as_str());
    // The printed poster carries the address too: it is all that is printed.
    let printed_place = match &v.address {
        Some(a) => format!("{a}, {place}"),
        None => place.clone(),
    };
    let url = match super::citizen::poster_url(&state, &headers, v.id.0).await {
        Ok(u) => u,
        Err(e) => return ui.failed("venue poster", &e),
    };
    let svg = match qr::poster_svg(&qr::Poster {
        payload: &url,
        venue_name: &v.name,
        kind_label: v.kind.label_vi(),
        place: &printed_place,
        venue_id: v.id.0,
    }) {
        Ok(s) => s,
        Err(e) => return ui.failed("venue poster", &e),
    };
    let lang = ui.lang;
    let body = html! {
        @if q.new.is_some() { p.noprint role="status" { (t(lang, "venue-registered")) } }
        h1 { (v.name) }
        p { (kind_name(lang, v.kind)) " · " (place) }
        @if let Some(a) = &v.address { p { (a) } }
        // The SVG escapes every text it carries (`qr::poster_svg`).
        div.poster { (PreEscaped(svg)) }
        p.noprint { (t(lang, "venue-print-hint")) }
        p.noprint {
            a href={ "/api/v1/venues/" (v.id) "/poster.svg" } download { (t(lang, "venue-poster-download")) }
            " · " a href="/venues" { (t(lang, "venues-title")) }
        }
    };
    ui.page(&v.name, body)
}
