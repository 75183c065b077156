//! Spreadsheet imports (issue #16, item 1), as pages: the list of imports, the upload (the
//! file goes to `POST /api/v1/imports/uploads` from app.js, with a progress bar, and is kept
//! for its uploader), the preview (one select per column to change the mapping, a name box
//! to save it, the refused rows by line, column and reason, a merge box per suspected
//! duplicate) and the commit. The use cases are `app::import`'s.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};

use super::shell::Ui;
use super::{t, tr};
use crate::import_progress::Phase;
use crate::messages::reason_message;
use crate::{AppState, Lang};
use app::import::{
    Choice, Field, ImportError, Kind, Mapping, Outcome, Preview, Upload, PREVIEW_ROWS_MAX,
};
use domain::lang::count;

type Pairs = Vec<(String, String)>;

fn field_label(lang: Lang, f: Field) -> String {
    t(lang, &format!("import-field-{}", f.as_str()))
}

/// The mapping a query or form gives (`c0=full_name&c1=&…`); none when it gives none.
fn mapping_of(pairs: &Pairs, columns: usize) -> Option<Mapping> {
    let mut m = vec![None; columns];
    let mut any = false;
    for (k, v) in pairs {
        let Some(i) = k.strip_prefix('c').and_then(|i| i.parse::<usize>().ok()) else {
            continue;
        };
        any = true;
        if let Some(slot) = m.get_mut(i) {
            *slot = Field::parse(v.trim());
        }
    }
    any.then_some(Mapping(m))
}

fn choices_of(pairs: &Pairs) -> HashMap<usize, Choice> {
    pairs
        .iter()
        .filter(|(k, _)| k == "merge")
        .filter_map(|(_, v)| v.parse::<usize>().ok())
        .map(|l| (l, Choice::Merge))
        .collect()
}

fn value<'a>(pairs: &'a Pairs, key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// `/imports`: the recorded imports, newest first.
pub(super) async fn list(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<Pairs>,
) -> Response {
    let lang = ui.lang;
    let records = match state.imports(&ui.me, 200).await {
        Ok(r) => r,
        Err(ImportError::Store(e)) => return ui.failed("imports", &e),
        Err(_) => return ui.fail(StatusCode::INTERNAL_SERVER_ERROR),
    };
    let done = value(&q, "done");
    let body = html! {
        h1 { (t(lang, "import-title")) }
        @if let Some(id) = done {
            p.ok role="status" {
                @if value(&q, "written").is_some() { (tr(lang, "import-done", &[("id", id.to_string())])) }
                @else { (tr(lang, "import-unchanged", &[("id", id.to_string())])) }
            }
        }
        p { a.button href="/imports/new" { (t(lang, "import-new")) } }
        @if records.is_empty() {
            p { (t(lang, "import-none")) }
        } @else {
            div.scroll { table #imports {
                thead { tr {
                    th scope="col" { (t(lang, "import-col-when")) }
                    th scope="col" { (t(lang, "import-col-file")) }
                    th scope="col" { (t(lang, "import-col-by")) }
                    th scope="col" { (t(lang, "import-count-total")) }
                    th scope="col" { (t(lang, "import-count-new")) }
                    th scope="col" { (t(lang, "import-count-matched")) }
                    th scope="col" { (t(lang, "import-count-already")) }
                    th scope="col" { (t(lang, "import-count-refused")) }
                } }
                tbody { @for r in &records { tr {
                    td { (domain::lang::date(app::local_time::local_date(r.created_at_s), lang)) " "
                         (app::local_time::local_time(r.created_at_s).format("%H:%M")) }
                    td { (r.file_name) br; small.muted { (r.sha256.get(..12).unwrap_or_default()) } }
                    td { (r.actor) }
                    td { (count(r.counts.total, lang)) }
                    td { (count(r.counts.new, lang)) }
                    td { (count(r.counts.matched, lang)) }
                    td { (count(r.counts.already, lang)) }
                    td { (count(r.counts.refused, lang)) }
                } } }
            } }
        }
    };
    ui.page(&t(lang, "import-title"), body)
}

/// `/imports/new`: the kind and the file. app.js sends the file (with a progress bar) and
/// opens its preview; the form has nothing to post without it.
pub(super) async fn new_form(ui: Ui) -> Response {
    let lang = ui.lang;
    let body = html! {
        h1 { (t(lang, "import-new")) }
        p.muted { (t(lang, "import-hint")) }
        form method="post" action="/imports/new" data-import-upload="/api/v1/imports/uploads" {
            p {
                label for="import-kind" { (t(lang, "import-kind")) }
                select #import-kind name="kind" {
                    option value="cases" selected { (t(lang, "import-kind-cases")) }
                    option value="doses" { (t(lang, "import-kind-doses")) }
                    option value="labs" { (t(lang, "import-kind-labs")) }
                    option value="contacts" { (t(lang, "import-kind-contacts")) }
                    option value="venues" { (t(lang, "import-kind-venues")) }
                    option value="checkins" { (t(lang, "import-kind-checkins")) }
                }
            }
            p {
                label for="import-file" { (t(lang, "import-file")) }
                input #import-file type="file" name="file" required
                    accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv";
            }
            p { progress #import-progress max="100" value="0" hidden {} }
            (working_bar(lang, Phase::Checking))
            p.error #import-error role="alert" hidden {}
            button.primary type="submit" { (t(lang, "import-upload")) }
        }
        p { a href="/imports" { "← " (t(lang, "import-title")) } }
    };
    ui.page(&t(lang, "import-new"), body)
}

/// Without JavaScript the upload form cannot send a file: it says so.
pub(super) async fn new_posted(ui: Ui) -> Response {
    (
        StatusCode::BAD_REQUEST,
        ui.page(
            &t(ui.lang, "import-new"),
            html! {
                p.error { (t(ui.lang, "import-needs-js")) }
                p { a href="/imports/new" { (t(ui.lang, "import-new")) } }
            },
        ),
    )
        .into_response()
}

/// The bar of a form whose request judges the whole file: hidden until app.js, on submit,
/// polls the upload's progress (`data-import-progress`) and moves it. Without JavaScript
/// the form works the same, without a bar.
fn working_bar(lang: Lang, phase: Phase) -> Markup {
    let label = match phase {
        Phase::Checking => "import-checking",
        Phase::Writing => "import-writing",
    };
    html! {
        p.import-working hidden role="status" data-rows=(t(lang, "import-rows")) {
            span { (t(lang, label)) } " "
            progress max="100" value="0" {} " "
            span.import-rows {}
        }
    }
}

fn progress_url(id: i64) -> String {
    format!("/api/v1/imports/uploads/{id}/progress")
}

fn hidden_mapping(m: &Mapping) -> Markup {
    html! {
        @for (i, f) in m.0.iter().enumerate() {
            input type="hidden" name={ "c" (i) } value=(f.map_or("", Field::as_str));
        }
    }
}

fn preview_body(
    lang: Lang,
    id: i64,
    file_name: &str,
    p: &Preview,
    choices: &HashMap<usize, Choice>,
    cards: &HashMap<i64, store::PersonCard>,
) -> Markup {
    let c = p.counts;
    let refused: Vec<_> = p
        .rows
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Refused(e) => Some((r.line, e)),
            _ => None,
        })
        .take(1000)
        .collect();
    let suspected: Vec<_> = p
        .rows
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Suspected(person, why) => Some((r.line, *person, *why)),
            _ => None,
        })
        .take(1000)
        .collect();
    let n = |x: usize| count(x as i64, lang);
    html! {
        h1 { (t(lang, "import-preview")) }
        p { strong { (file_name) } }
        @if let Some(r) = &p.imported {
            p.ok role="status" #import-already { (tr(lang, "import-already", &[("id", r.id.to_string())])) }
        }
        h2 { (t(lang, "import-mapping")) }
        form method="get" action={ "/imports/uploads/" (id) } #import-mapping data-import-progress=(progress_url(id)) {
            div.scroll { table {
                thead { tr { th scope="col" { (t(lang, "import-column")) } th scope="col" { (t(lang, "import-field")) } } }
                tbody { @for (i, h) in p.headers.iter().enumerate() { tr {
                    td { label for={ "c" (i) } { (h) } }
                    td { select id={ "c" (i) } name={ "c" (i) } {
                        option value="" selected[p.mapping.0.get(i).copied().flatten().is_none()] { (t(lang, "import-not-read")) }
                        @for f in p.kind.fields().iter().copied() {
                            option value=(f.as_str()) selected[p.mapping.0.get(i).copied().flatten() == Some(f)] { (field_label(lang, f)) }
                        }
                    } }
                } } }
            } }
            @for l in choices.keys() { input type="hidden" name="merge" value=(l); }
            button type="submit" { (t(lang, "import-apply")) }
            (working_bar(lang, Phase::Checking))
        }
        form method="post" action={ "/imports/uploads/" (id) "/mapping" } #import-save {
            (hidden_mapping(&p.mapping))
            label for="mapping-name" { (t(lang, "import-mapping-name")) }
            " " input #mapping-name type="text" name="name" maxlength="100" required;
            " " button type="submit" { (t(lang, "import-save")) }
        }
        h2 { (t(lang, "import-counts")) }
        ul #import-counts {
            li { (t(lang, "import-count-total")) ": " (n(c.total)) }
            // What a new or a matched row is depends on the list's kind.
            li { (t(lang, &format!("import-count-new-{}", p.kind.as_str()))) ": " span data-count="new" { (n(c.new)) } }
            li { (t(lang, &format!("import-count-matched-{}", p.kind.as_str()))) ": " span data-count="matched" { (n(c.matched)) } }
            li { (t(lang, "import-count-suspected")) ": " span data-count="suspected" { (n(c.suspected)) } }
            li { (t(lang, "import-count-already")) ": " span data-count="already" { (n(c.already)) } }
            li { (t(lang, "import-count-refused")) ": " span data-count="refused" { (n(c.refused)) } }
        }
        @if p.rows_left_off > 0 {
            p.muted #import-left-off { (tr(lang, "import-left-off", &[("shown", n(PREVIEW_ROWS_MAX)), ("more", n(p.rows_left_off))])) }
        }
        @if !refused.is_empty() {
            h2 { (t(lang, "import-refused")) }
            div.scroll { table #import-refused {
                thead { tr {
                    th scope="col" { (t(lang, "import-line")) }
                    th scope="col" { (t(lang, "import-column")) }
                    th scope="col" { (t(lang, "import-reason")) }
                } }
                tbody { @for (line, errors) in &refused { @for e in errors.iter() { tr {
                    td { (line) }
                    td { (e.column.clone().or(e.field.map(|f| field_label(lang, f))).unwrap_or_default()) }
                    td { (reason_message(e.reason, lang)) }
                } } } }
            } }
        }
        form method="post" action={ "/imports/uploads/" (id) "/commit" } #import-commit data-import-progress=(progress_url(id)) {
            (hidden_mapping(&p.mapping))
            @if !suspected.is_empty() {
                h2 { (t(lang, "import-suspected")) }
                p.muted { (t(lang, "import-suspected-hint")) }
                div.scroll { table #import-suspected {
                    thead { tr {
                        th scope="col" { (t(lang, "import-line")) }
                        th scope="col" { (t(lang, "import-registered")) }
                        th scope="col" { (t(lang, "dup-why")) }
                        th scope="col" { (t(lang, "import-merge")) }
                    } }
                    tbody { @for (line, person, why) in &suspected { tr {
                        td { (line) }
                        td { a href={ "/persons/" (person) } {
                            @match cards.get(&person.0) {
                                Some(c) => {
                                    (c.full_name)
                                    @if let Some(b) = c.birth_date { " (" (domain::lang::date(b, lang)) ")" }
                                }
                                None => { "#" (person) }
                            }
                        } }
                        td { (t(lang, &format!("dup-reason-{}", why.as_str()))) }
                        td { label {
                            input type="checkbox" name="merge" value=(line) checked[choices.contains_key(line)];
                            " " (tr(lang, "import-merge-line", &[("line", line.to_string())]))
                        } }
                    } } }
                } }
            }
            @if p.imported.is_none() {
                button.primary type="submit" { (t(lang, "import-commit")) }
                (working_bar(lang, Phase::Writing))
            }
        }
        p { a href="/imports" { "← " (t(lang, "import-title")) } }
    }
}

async fn upload_of(
    state: &AppState,
    ui: &Ui,
    id: i64,
) -> Result<(store::StoredUpload, Kind), Response> {
    match state.store.upload(&ui.me, id, state.now_s()).await {
        Ok(Some(u)) => match Kind::parse(&u.kind) {
            Some(k) => Ok((u, k)),
            None => Err(ui.fail(StatusCode::NOT_FOUND)),
        },
        Ok(None) => Err(ui.fail(StatusCode::NOT_FOUND)),
        Err(e) => Err(ui.failed("import upload", &e)),
    }
}

fn read_failed(ui: &Ui, e: ImportError) -> Response {
    match e {
        ImportError::Read(e) => (
            StatusCode::BAD_REQUEST,
            ui.page(&t(ui.lang, "import-preview"), html! {
                p.error role="alert" { (reason_message(crate::api::imports::read_reason(&e), ui.lang)) }
                p { a href="/imports/new" { (t(ui.lang, "import-new")) } }
            }),
        )
            .into_response(),
        ImportError::Store(e) => ui.failed("import", &e),
        ImportError::Refused(rows) => (
            StatusCode::CONFLICT,
            ui.page(&t(ui.lang, "import-preview"), html! {
                p.error role="alert" { (t(ui.lang, "import-refused-at-commit")) }
                ul { @for r in &rows { @for e in &r.errors {
                    li { (r.line) ": " (e.column.clone().unwrap_or_default()) " — " (reason_message(e.reason, ui.lang)) }
                } } }
            }),
        )
            .into_response(),
    }
}

/// `/imports/uploads/{id}`: the preview, with the mapping of the query (else a saved one
/// named `saved`, else the proposed one).
pub(super) async fn preview(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Query(q): Query<Pairs>,
) -> Response {
    let (u, kind) = match upload_of(&state, &ui, id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let upload = Upload {
        kind,
        file_name: &u.file_name,
        bytes: &u.bytes,
    };
    let (headers, proposed) = match state.import_headers(&upload, value(&q, "saved")).await {
        Ok(h) => h,
        Err(e) => return read_failed(&ui, e),
    };
    let mapping = mapping_of(&q, headers.len()).unwrap_or(proposed);
    let choices = choices_of(&q);
    let telling = state
        .import_progress
        .begin(ui.me.user.id.0, id, Phase::Checking);
    let progress = |done: usize, total: usize| telling.tell(done, total);
    match state
        .preview_import_with(&ui.me, &upload, Some(&mapping), &choices, &progress)
        .await
    {
        Ok(p) => {
            // The registered persons a row may be, by name (within the caller's
            // jurisdiction: the matching saw no others).
            let suspected: Vec<i64> = p
                .rows
                .iter()
                .filter_map(|r| match &r.outcome {
                    Outcome::Suspected(person, _) => Some(person.0),
                    _ => None,
                })
                .collect();
            let cards = match state
                .store
                .person_cards(&ui.me.scope, domain::Structure::S2021, &suspected)
                .await
            {
                Ok(c) => c,
                Err(e) => return ui.failed("import preview", &e),
            };
            let body = preview_body(ui.lang, id, &u.file_name, &p, &choices, &cards);
            ui.page(&t(ui.lang, "import-preview"), body)
        }
        Err(e) => read_failed(&ui, e),
    }
}

/// Saves the mapping by name and shows the preview again with it.
pub(super) async fn save_mapping(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<Pairs>,
) -> Response {
    let (u, kind) = match upload_of(&state, &ui, id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let upload = Upload {
        kind,
        file_name: &u.file_name,
        bytes: &u.bytes,
    };
    let headers = match app::import::first_row(upload.bytes) {
        Ok(h) => h,
        Err(e) => return read_failed(&ui, e.into()),
    };
    let mapping =
        mapping_of(&form, headers.len()).unwrap_or_else(|| Mapping::propose_for(kind, &headers));
    let Some(name) = value(&form, "name") else {
        return ui.fail(StatusCode::BAD_REQUEST);
    };
    if let Err(e) = state
        .save_import_mapping(&ui.me, kind, name, &headers, &mapping)
        .await
    {
        return read_failed(&ui, e);
    }
    let query: String = mapping
        .0
        .iter()
        .enumerate()
        .map(|(i, f)| format!("c{i}={}", f.map_or("", Field::as_str)))
        .collect::<Vec<_>>()
        .join("&");
    Redirect::to(&format!("/imports/uploads/{id}?{query}&saved_ok=1")).into_response()
}

/// Commits the upload with the form's mapping and merge choices.
pub(super) async fn commit(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    Form(form): Form<Pairs>,
) -> Response {
    let (u, kind) = match upload_of(&state, &ui, id).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let upload = Upload {
        kind,
        file_name: &u.file_name,
        bytes: &u.bytes,
    };
    let headers = match app::import::first_row(upload.bytes) {
        Ok(h) => h,
        Err(e) => return read_failed(&ui, e.into()),
    };
    let mapping = mapping_of(&form, headers.len());
    let choices = choices_of(&form);
    let telling = state
        .import_progress
        .begin(ui.me.user.id.0, id, Phase::Writing);
    let progress = |done: usize, total: usize| telling.tell(done, total);
    match state
        .commit_import_with(&ui.me, &upload, mapping.as_ref(), &choices, &progress)
        .await
    {
        Ok(done) => {
            let written = if done.written { "&written=1" } else { "" };
            Redirect::to(&format!("/imports?done={}{written}", done.record.id)).into_response()
        }
        Err(e) => read_failed(&ui, e),
    }
}
