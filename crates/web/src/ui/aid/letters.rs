//! The printable thank-you letter (A4, Vietnamese or English), for one gift or a set, and
//! the forms that record it as sent.

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::aid;
use domain::DonationId;
use maud::{html, PreEscaped, DOCTYPE};
use serde::Deserialize;
use store::aid::Donation;

use super::super::shell::Ui;
use super::super::{t, tr};
use super::gift_words;
use crate::local_time::local_date;
use crate::{AppState, Lang};
use app::aid::{aid_filter, AidFilterInput};

#[derive(Deserialize)]
pub(in crate::ui) struct LetterQuery {
    lang: Option<String>,
}

fn letter_lang(s: Option<&str>, fallback: Lang) -> Lang {
    match s {
        Some("en") => Lang::En,
        Some("vi") => Lang::Vi,
        _ => fallback,
    }
}

/// One A4 page: the margins of a Vietnamese administrative letter (Circular 01/2011/TT-BNV:
/// top and bottom 20 mm, left 30 mm, right 15 mm), 13 pt serif, nothing but the letter in
/// print.
const LETTER_CSS: &str = "@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
html { background: #ddd; }
body { box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 20mm 15mm 20mm 30mm;
  background: #fff; font: 13pt/1.45 'Times New Roman', Times, serif; color: #000; }
.head { display: flex; justify-content: space-between; text-align: center; }
.head p { margin: 0; } .motto { font-weight: bold; text-decoration: underline; }
.date { text-align: right; font-style: italic; margin: 6mm 0; }
h1 { text-align: center; font-size: 15pt; margin: 8mm 0 6mm; }
.to { font-weight: bold; } .body p { text-align: justify; text-indent: 10mm; margin: 0 0 3mm; }
.sign { margin: 10mm 0 0 50%; text-align: center; font-weight: bold; }
.ref { margin-top: 18mm; font-size: 9pt; color: #444; }
.noprint { font: 11pt sans-serif; margin: 0 0 8mm; padding: 3mm; background: #f4f4f4; }
@media screen and (max-width: 220mm) { body { width: auto; min-height: 0; margin: 0; padding: 6mm; font-size: 12pt; }
  .head { flex-direction: column; gap: 3mm; } .sign { margin-left: 0; } }
@media print { html { background: none; } body { width: auto; min-height: 0; margin: 0; padding: 0; }
  .noprint { display: none; } .letter { break-inside: avoid; page-break-inside: avoid; } }";

/// A party's name in a letter: a locality by its name in the letter's language
/// (`locality-<code>` in aid.ftl: "Vientiane Capital", "Hanoi"), anything else as recorded.
fn letter_name(lang: Lang, p: &store::aid::Party) -> String {
    let id = format!("locality-{}", p.code_or_id);
    match t(lang, &id) {
        name if p.kind == aid::PartyKind::Locality && name != id => name,
        _ => p.name.clone(),
    }
}

pub(in crate::ui) async fn letter(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<LetterQuery>,
) -> Response {
    let lang = letter_lang(q.lang.as_deref(), ui.lang);
    let Ok(id) = id.parse::<DonationId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let d = match state.store.get_donation(&ui.me, id).await {
        Ok(Some(d)) => d.donation,
        Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
        Err(e) => return ui.failed("thank-you letter", &e),
    };
    let action = format!("/aid/donations/{id}/letter");
    let back = format!("/aid/donations/{id}");
    letter_page(&state, lang, &[d], &action, &back, &[])
}

#[derive(Deserialize)]
pub(in crate::ui) struct SetLetterQuery {
    donor: Option<String>,
    recipient: Option<String>,
    lang: Option<String>,
}

/// Gifts between one donor and one recipient thanked in one letter (at most a page's worth).
const LETTER_GIFTS_MAX: u32 = 12;

async fn gifts_between(
    state: &AppState,
    ui: &Ui,
    donor: Option<&str>,
    recipient: Option<&str>,
) -> Result<Vec<Donation>, StatusCode> {
    let filter = aid_filter(&AidFilterInput {
        donor: donor.map(str::to_string),
        recipient: recipient.map(str::to_string),
        ..AidFilterInput::default()
    })
    .map_err(|_| StatusCode::BAD_REQUEST)?;
    if filter.donor.is_none() || filter.recipient.is_none() {
        return Err(StatusCode::BAD_REQUEST);
    }
    let page = store::PageRequest::first(LETTER_GIFTS_MAX);
    let found = state
        .store
        .list_donations(&ui.me, &filter, &page)
        .await
        .map_err(|e| {
            tracing::error!("letter's gifts: {e}");
            StatusCode::INTERNAL_SERVER_ERROR
        })?;
    let gifts = found.items;
    // One letter thanks one donor on behalf of one recipient.
    match gifts.first() {
        None => Err(StatusCode::NOT_FOUND),
        Some(f)
            if gifts
                .iter()
                .any(|g| g.donor != f.donor || g.recipient != f.recipient) =>
        {
            Err(StatusCode::BAD_REQUEST)
        }
        Some(_) => Ok(gifts),
    }
}

/// One letter for every gift from `donor` to `recipient` (unit codes or `org:ID`).
pub(in crate::ui) async fn set_letter(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<SetLetterQuery>,
) -> Response {
    let lang = letter_lang(q.lang.as_deref(), ui.lang);
    let gifts = match gifts_between(&state, &ui, q.donor.as_deref(), q.recipient.as_deref()).await {
        Ok(g) => g,
        Err(status) => return ui.fail(status),
    };
    let hidden = [
        ("donor", q.donor.clone().unwrap_or_default()),
        ("recipient", q.recipient.clone().unwrap_or_default()),
    ];
    letter_page(&state, lang, &gifts, "/aid/letters/print", "/aid", &hidden)
}

#[derive(Deserialize)]
pub(in crate::ui) struct SetLetterForm {
    donor: Option<String>,
    recipient: Option<String>,
    lang: Option<String>,
}

/// Records the letter of a set of gifts as sent: each gift gets its line.
pub(in crate::ui) async fn set_letter_sent(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<SetLetterForm>,
) -> Response {
    let gifts = match gifts_between(&state, &ui, f.donor.as_deref(), f.recipient.as_deref()).await {
        Ok(g) => g,
        Err(status) => return ui.fail(status),
    };
    let lang = match letter_lang(f.lang.as_deref(), ui.lang) {
        Lang::Vi => "vi",
        Lang::En => "en",
    };
    for g in &gifts {
        // Through the application: acknowledging a linked gift sends its receipt back.
        if app::gift::record_letter_sent(&state.app, &ui.me, g.id, lang)
            .await
            .map_err(|e| tracing::error!("recording a letter sent: {e}"))
            .is_err()
        {
            return ui.fail(StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
    Redirect::to(&format!("/aid/donations/{}?sent={lang}", gifts[0].id)).into_response()
}

/// The A4 letter thanking `gifts` (one donor, one recipient), with the form that records it
/// as sent (`action`, plus `hidden` fields).
fn letter_page(
    state: &AppState,
    lang: Lang,
    gifts: &[Donation],
    action: &str,
    back: &str,
    hidden: &[(&str, String)],
) -> Response {
    let d = &gifts[0];
    let today = local_date(state.now_s());
    let date_words = |date: chrono::NaiveDate| match lang {
        Lang::Vi => date.format("%d/%m/%Y").to_string(),
        Lang::En => date.format("%-d %B %Y").to_string(),
    };
    let (first, last) = gifts.iter().fold((d.on_date, d.on_date), |(a, b), g| {
        (a.min(g.on_date), b.max(g.on_date))
    });
    let dates = if first == last {
        date_words(first)
    } else {
        format!("{} – {}", date_words(first), date_words(last))
    };
    let gift = gifts
        .iter()
        .map(|g| gift_words(lang, g))
        .collect::<Vec<_>>()
        .join("; ");
    let args = [
        ("donor", letter_name(lang, &d.donor)),
        ("recipient", letter_name(lang, &d.recipient)),
        ("gift", gift),
        ("date", dates),
        ("place", letter_name(lang, &d.recipient)),
        ("day", today.format("%d").to_string()),
        ("month", today.format("%m").to_string()),
        ("year", today.format("%Y").to_string()),
        ("today", date_words(today)),
    ];
    let ids = gifts
        .iter()
        .map(|g| g.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let sources = {
        let mut s: Vec<&str> = gifts.iter().map(|g| g.source.as_str()).collect();
        s.dedup();
        s.join(", ")
    };
    let lang_code = match lang {
        Lang::Vi => "vi",
        Lang::En => "en",
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang_code) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(lang, "letter-title")) " — " (letter_name(lang, &d.donor)) }
                style { (PreEscaped(LETTER_CSS)) }
            }
            body {
                div.noprint {
                    form method="post" action=(action) {
                        input type="hidden" name="lang" value=(lang_code);
                        @for (k, v) in hidden { input type="hidden" name=(k) value=(v); }
                        (t(lang, "letter-print-hint")) " "
                        button type="submit" { (t(lang, "letter-mark-sent")) }
                        " · " a href=(back) { (t(lang, "letter-back")) }
                    }
                }
                article.letter {
                    div.head {
                        div { p { (letter_name(lang, &d.recipient)) } }
                        div { p.country { (t(lang, "letter-country")) } p.motto { (t(lang, "letter-motto")) } }
                    }
                    p.date { (tr(lang, "letter-place-date", &args)) }
                    h1 { (t(lang, "letter-title")) }
                    p.to { (tr(lang, "letter-to", &args)) }
                    div.body {
                        p { (tr(lang, "letter-body-1", &args)) }
                        p { (tr(lang, "letter-body-2", &args)) }
                        p { (tr(lang, "letter-body-3", &args)) }
                    }
                    p.sign { (t(lang, "letter-close")) br; br; (tr(lang, "letter-sign", &args)) }
                    p.ref { (tr(lang, "letter-ref", &[("id", ids), ("source", sources)])) }
                }
            }
        }
    };
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(in crate::ui) struct LetterForm {
    lang: Option<String>,
}

pub(in crate::ui) async fn letter_sent(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(f): Form<LetterForm>,
) -> Response {
    let Ok(id) = id.parse::<DonationId>() else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let lang = match letter_lang(f.lang.as_deref(), ui.lang) {
        Lang::Vi => "vi",
        Lang::En => "en",
    };
    match app::gift::record_letter_sent(&state.app, &ui.me, id, lang).await {
        Ok(Some(_)) => Redirect::to(&format!("/aid/donations/{id}?sent={lang}")).into_response(),
        Ok(None) => ui.fail(StatusCode::NOT_FOUND),
        Err(e) => ui.failed("thank-you letter", &e),
    }
}
