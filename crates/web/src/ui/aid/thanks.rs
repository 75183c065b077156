//! Thank-you letters sent and received (issue #17, "What travels" 4): the list (newest first,
//! a partner by its name) and the form that records a letter we sent — to a linked locality
//! (it travels there and is recorded as received), to another locality, or to another partner
//! named only. `?to=<code>&kind=<kind>` prefills the form (the residents-cared page links
//! here with `kind=residents_cared`).

use axum::extract::{Form, Query, State};
use axum::response::Response;
use domain::aid::{LetterDirection, LetterKind};
use maud::html;
use serde::Deserialize;

use super::super::shell::{page_of, Ui};
use super::super::t;
use super::day;
use super::form::{answer, checked, number, owned, FormSpec, Unsaved};
use crate::AppState;
use app::letters::{new_letter, record_letter, LetterInput};

#[derive(Deserialize)]
pub(in crate::ui) struct ListQuery {
    cursor: Option<String>,
    saved: Option<String>,
}

/// The letters, newest first.
pub(in crate::ui) async fn letters_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ListQuery>,
) -> Response {
    let lang = ui.lang;
    let list = match state
        .store
        .list_letters(&page_of(q.cursor.as_deref(), 50))
        .await
    {
        Ok(l) => l,
        Err(e) => return ui.failed("letters page", &e),
    };
    let body = html! {
        h1 { (t(lang, "letters-title")) }
        p { a href="/aid" { "← " (t(lang, "aid-title")) } " · " a href="/aid/letters/new" { (t(lang, "letters-new")) } }
        @if q.saved.is_some() { p.ok role="status" { (t(lang, "letters-saved")) } }
        @if list.items.is_empty() { p { (t(lang, "letters-none")) } } @else {
            table.letters {
                thead { tr {
                    th { (t(lang, "letters-col-date")) } th { (t(lang, "letters-col-direction")) }
                    th { (t(lang, "letters-col-partner")) } th { (t(lang, "letters-col-kind")) }
                    th { (t(lang, "letters-col-subject")) } th { (t(lang, "letters-col-signed")) }
                } }
                tbody { @for l in &list.items { tr {
                    td { (day(lang, &l.row.on_date)) }
                    td { (t(lang, match l.row.direction {
                        LetterDirection::Sent => "letters-direction-sent",
                        LetterDirection::Received => "letters-direction-received",
                    })) }
                    td { (l.row.partner_name) }
                    td { (t(lang, &format!("letters-kind-{}", l.row.kind.as_str()))) }
                    td { details { summary { (l.row.subject) } p.letter-text { (l.row.text) } } }
                    td { (l.row.signed_by) }
                } } }
            }
        }
        @if let Some(n) = &list.next { p { a href={ "/aid/letters?cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } } }
    };
    ui.page(&t(lang, "letters-title"), body)
}

#[derive(Deserialize)]
pub(in crate::ui) struct NewQuery {
    to: Option<String>,
    kind: Option<String>,
}

/// The form, prefilled from `?to=&kind=`: the partner select lists the linked localities
/// (by name), a locality given by `to` that is not linked, and "another partner".
pub(in crate::ui) async fn new_letter_form(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<NewQuery>,
) -> Response {
    let lang = ui.lang;
    let mut partners: Vec<(String, String)> = match state.app.link.as_ref() {
        Some(setup) => setup
            .registry
            .peers()
            .filter(|p| p.code != setup.me)
            .map(|p| (p.code.as_str().to_string(), p.name.clone()))
            .collect(),
        None => Vec::new(),
    };
    let to = q.to.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(code) = to {
        if !partners.iter().any(|(c, _)| c == code) {
            partners.push((code.to_string(), code.to_string()));
        }
    }
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| k.parse::<LetterKind>().ok())
        .unwrap_or(LetterKind::Help);
    let today = crate::local_time::local_date(state.now_s()).to_string();
    let body = html! {
        h1 { (t(lang, "letters-new")) }
        p { a href="/aid/letters" { "← " (t(lang, "letters-title")) } }
        form.gift method="post" action="/aid/letters/new" {
            p { label { (t(lang, "letters-to")) " " select name="to" {
                @for (code, name) in &partners { option value=(code) selected[to == Some(code.as_str())] { (name) } }
                option value="" selected[to.is_none()] { (t(lang, "letters-other-partner")) }
            } } }
            p.muted { (t(lang, "letters-linked-note")) }
            p { label { (t(lang, "letters-partner-name")) " " input name="partner_name" size="40" maxlength="200"; } }
            p { label { (t(lang, "letters-col-kind")) " " select name="kind" {
                @for k in LetterKind::ALL { option value=(k.as_str()) selected[k == kind] { (t(lang, &format!("letters-kind-{}", k.as_str()))) } }
            } } }
            p { label { (t(lang, "letters-donation")) " " input name="donation_id" type="number" min="1" size="8"; } }
            p { label { (t(lang, "letters-col-date")) " " input name="on_date" type="date" required max=(today) value=(today); } }
            p { label { (t(lang, "letters-col-subject")) " " input name="subject" required size="60" maxlength="200"; } }
            p { label { (t(lang, "letters-text")) br; textarea name="text" required rows="8" cols="70" maxlength="8000" {} } }
            p { label { (t(lang, "letters-col-signed")) " " input name="signed_by" required size="40" maxlength="200"; } }
            button.primary type="submit" { (t(lang, "letters-record")) }
        }
    };
    ui.page(&t(lang, "letters-new"), body)
}

#[derive(Deserialize)]
pub(in crate::ui) struct LetterForm {
    to: Option<String>,
    partner_name: Option<String>,
    kind: Option<String>,
    on_date: Option<String>,
    subject: Option<String>,
    text: Option<String>,
    signed_by: Option<String>,
    donation_id: Option<String>,
}

const LETTER_FORM: FormSpec = FormSpec {
    title: "letters-new",
    back: "/aid/letters/new",
    back_title: "letters-new",
    labels: &[
        ("to", "letters-to"),
        ("partner_name", "letters-partner-name"),
        ("kind", "letters-col-kind"),
        ("on_date", "letters-col-date"),
        ("subject", "letters-col-subject"),
        ("text", "letters-text"),
        ("signed_by", "letters-col-signed"),
        ("donation_id", "letters-donation"),
    ],
};

/// Records the letter from the form: the API's checks, its field errors in words on failure.
pub(in crate::ui) async fn record_letter_form(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<LetterForm>,
) -> Response {
    let mut errors = Vec::new();
    let input = LetterInput {
        to: owned(&f.to),
        partner_name: owned(&f.partner_name),
        kind: owned(&f.kind),
        on_date: owned(&f.on_date),
        subject: owned(&f.subject),
        text: owned(&f.text),
        signed_by: owned(&f.signed_by),
        donation_id: number("donation_id", &f.donation_id, &mut errors),
    };
    let saved = async {
        let draft = checked(
            errors,
            new_letter(&input, crate::local_time::local_date(state.now_s())),
        )?;
        record_letter(&state.app, &ui.me, &draft).await?;
        Ok::<_, Unsaved>("/aid/letters?saved=1".to_string())
    };
    answer(&ui, &LETTER_FORM, saved.await)
}
