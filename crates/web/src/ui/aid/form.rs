//! What the aid area's forms share: reading a form's text into the API's request types, and
//! answering a post — back to the page when saved (303), else a page that names each bad
//! field and why in the page's language. The checks are the API's own; nothing is saved on
//! a refusal.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{FieldError, Reason};
use maud::html;

use super::super::shell::Ui;
use super::super::t;
use crate::messages::reason_message;

/// A form field's text, trimmed; `None` when left empty.
pub(super) fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Owned [`filled`]: the API's request types take `String`s.
pub(super) fn owned(v: &Option<String>) -> Option<String> {
    filled(v).map(str::to_string)
}

/// A whole number typed in a form: `None` when empty; text that is no number is the form's
/// own error (`invalid_format`), the API's checks see the field as missing.
pub(super) fn number(field: &str, v: &Option<String>, errors: &mut Vec<FieldError>) -> Option<i64> {
    let v = filled(v)?;
    v.parse()
        .map_err(|_| errors.push(FieldError::new(field, Reason::InvalidFormat)))
        .ok()
}

/// A checkbox: sent (as "on" or any value) when ticked, absent otherwise.
pub(super) fn ticked(v: &Option<String>) -> bool {
    v.is_some()
}

/// Why a form saved nothing.
pub(super) enum Unsaved {
    /// Fields the API's checks or the store refused.
    Fields(Vec<FieldError>),
    /// The record is not there or outside the caller's jurisdiction (the API's 404).
    Missing,
    Failed,
}

impl From<Vec<FieldError>> for Unsaved {
    fn from(fields: Vec<FieldError>) -> Unsaved {
        Unsaved::Fields(fields)
    }
}

impl From<store::StoreError> for Unsaved {
    fn from(e: store::StoreError) -> Unsaved {
        match e {
            store::StoreError::Invalid(fields) if !fields.is_empty() => Unsaved::Fields(fields),
            e => {
                tracing::error!("aid form: {e}");
                Unsaved::Failed
            }
        }
    }
}

/// The form's own errors (numbers that are none) with the API's checks of the request: one
/// error per field, the form's first (the API then sees the field missing).
pub(super) fn checked<T>(
    form: Vec<FieldError>,
    api: Result<T, Vec<FieldError>>,
) -> Result<T, Unsaved> {
    match (api, form.is_empty()) {
        (Ok(v), true) => Ok(v),
        (api, _) => {
            let more = api.err().unwrap_or_default();
            let mut fields = form;
            for e in more {
                if !fields.iter().any(|f| f.field == e.field) {
                    fields.push(e);
                }
            }
            Err(Unsaved::Fields(fields))
        }
    }
}

/// A form of the aid area: its title (a message id), the page to go back to, and the words
/// for its fields (field name before any `[i]` or `.part` → message id).
pub(super) struct FormSpec {
    pub title: &'static str,
    pub back: &'static str,
    pub back_title: &'static str,
    pub labels: &'static [(&'static str, &'static str)],
}

/// The answer to a post: to `Ok`'s address (303 See Other), or the refusal page.
pub(super) fn answer(ui: &Ui, form: &FormSpec, saved: Result<String, Unsaved>) -> Response {
    match saved {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(Unsaved::Fields(fields)) => refused(ui, form, &fields),
        Err(Unsaved::Missing) => ui.fail(StatusCode::NOT_FOUND),
        Err(Unsaved::Failed) => ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// A form's refusal: each bad field by its label and name, and why, in the page's language.
fn refused(ui: &Ui, form: &FormSpec, fields: &[FieldError]) -> Response {
    let lang = ui.lang;
    let label = |field: &str| {
        let base = field.split(['[', '.']).next().unwrap_or(field);
        form.labels
            .iter()
            .find(|(name, _)| *name == base)
            .map(|(_, id)| t(lang, id))
    };
    let body = html! {
        h1 { (t(lang, form.title)) }
        p.error role="alert" { (t(lang, "aid-record-invalid")) }
        ul.refusal { @for e in fields { li {
            @if let Some(l) = label(&e.field) { strong { (l) } " " }
            code { (e.field) } ": " (reason_message(e.reason, lang))
        } } }
        p { a href=(form.back) { "← " (t(lang, form.back_title)) } }
    };
    (StatusCode::BAD_REQUEST, ui.page(&t(lang, form.title), body)).into_response()
}
