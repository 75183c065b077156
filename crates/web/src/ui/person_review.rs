//! The duplicate-review list (issue #15, item 1): suspected pairs of the caller's scope with
//! both records side by side, and a merge that asks to confirm which record is kept. The
//! merge is the API's use case (`App::merge_persons`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::shell::{page_of, Ui};
use super::{t, tr};
use crate::registry::Registry;
use crate::{AppState, Lang};
use app::clock::WallClock;
use domain::person::Person;
use domain::role::Permission;
use domain::{PersonId, Structure};

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    cursor: Option<String>,
    merged: Option<String>,
}

/// A record's identity in one cell, linked to its page.
fn card(lang: Lang, p: &Person) -> Markup {
    html! {
        a href={ "/persons/" (p.id) } { strong { (p.full_name) } } " (" (p.id) ")"
        br;
        @if let Some(d) = p.birth_date { (t(lang, "person-birth-date")) ": " (domain::lang::date(d, lang)) br; }
        @if let Some(ph) = &p.phone { (t(lang, "person-phone")) ": " (ph.as_str()) br; }
        @if let Some(n) = &p.national_id { (t(lang, "person-national-id")) ": " (n.as_str()) br; }
        (Registry::of(p.structure).name_with_parent(p.unit_code.as_str()))
    }
}

/// `/persons/duplicates`: one page of suspected pairs, by cursor.
pub(super) async fn duplicates(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ListQuery>,
) -> Response {
    let lang = ui.lang;
    let page = page_of(q.cursor.as_deref(), 50);
    let pairs = match state
        .store
        .duplicate_pairs(&ui.me, Structure::S2021, &page, WallClock::now_s())
        .await
    {
        Ok(p) => p,
        Err(store::StoreError::BadCursor) => return ui.fail(StatusCode::BAD_REQUEST),
        Err(e) => return ui.failed("duplicate pairs", &e),
    };
    let can_merge = ui.me.user.role.can(Permission::WritePersonal);
    let body = html! {
        h1 { (t(lang, "dup-title")) }
        @if q.merged.is_some() { p.ok role="status" { (t(lang, "dup-merged")) } }
        p.muted { (t(lang, "dup-hint")) }
        @if pairs.items.is_empty() {
            p { (t(lang, "dup-none")) }
        } @else {
            div.scroll { table {
                thead { tr {
                    th scope="col" { (t(lang, "dup-older")) } th scope="col" { (t(lang, "dup-newer")) }
                    th scope="col" { (t(lang, "dup-why")) } @if can_merge { th {} }
                } }
                tbody { @for p in &pairs.items { tr {
                    td { (card(lang, &p.a)) }
                    td { (card(lang, &p.b)) }
                    td { (t(lang, &format!("dup-reason-{}", p.reason.as_str()))) }
                    @if can_merge { td {
                        a.button href={ "/persons/merge?a=" (p.a.id) "&b=" (p.b.id) } { (t(lang, "dup-merge")) }
                    } }
                } } }
            } }
            @if let Some(n) = &pairs.next {
                p { a href={ "/persons/duplicates?cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
        p { a href="/persons" { "← " (t(lang, "persons-title")) } }
    };
    ui.page(&t(lang, "dup-title"), body)
}

#[derive(Deserialize, Default)]
pub(super) struct ConfirmQuery {
    a: Option<String>,
    b: Option<String>,
}

/// `/persons/merge?a=&b=`: both records side by side, and one button per record to keep.
pub(super) async fn confirm(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ConfirmQuery>,
) -> Response {
    let lang = ui.lang;
    let id = |v: &Option<String>| v.as_deref().and_then(|v| v.parse::<i64>().ok());
    let (Some(a), Some(b)) = (id(&q.a), id(&q.b)) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let now = WallClock::now_s();
    let mut persons = Vec::new();
    for p in [a, b] {
        match state.store.get_person(&ui.me, PersonId(p), now).await {
            Ok(Some(p)) => persons.push(p),
            Ok(None) => return ui.fail(StatusCode::NOT_FOUND),
            Err(e) => return ui.failed("merge confirm", &e),
        }
    }
    let (pa, pb) = (&persons[0], &persons[1]);
    let keep = |kept: &Person, merged: &Person| {
        html! {
            form method="post" action="/persons/merge" {
                input type="hidden" name="from" value=(merged.id);
                input type="hidden" name="into" value=(kept.id);
                button.primary type="submit" {
                    (tr(lang, "dup-keep", &[("kept", kept.id.to_string()), ("merged", merged.id.to_string())]))
                }
            }
        }
    };
    let body = html! {
        h1 { (t(lang, "dup-confirm")) }
        p { (t(lang, "dup-confirm-hint")) }
        table { tbody { tr { td { (card(lang, pa)) } td { (card(lang, pb)) } } } }
        (keep(pa, pb))
        (keep(pb, pa))
        p { a href="/persons/duplicates" { "← " (t(lang, "dup-title")) } }
    };
    ui.page(&t(lang, "dup-confirm"), body)
}

#[derive(Deserialize, Default)]
pub(super) struct MergeForm {
    from: Option<String>,
    into: Option<String>,
}

/// `POST /persons/merge`: the merge, then back to the list (303).
pub(super) async fn merge(
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<MergeForm>,
) -> Response {
    let id = |v: &Option<String>| v.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    let (Some(from), Some(into)) = (id(&f.from), id(&f.into)) else {
        return ui.fail(StatusCode::BAD_REQUEST);
    };
    match state
        .merge_persons(&ui.me, PersonId(from), PersonId(into), WallClock::now_s())
        .await
    {
        Ok(_) => Redirect::to("/persons/duplicates?merged=1").into_response(),
        Err(e) => match super::moves::refusal_fields(&e) {
            Some(fields) => super::moves::refused(
                &ui,
                &t(ui.lang, "dup-confirm"),
                "/persons/duplicates",
                &fields,
            ),
            None => ui.failed("merge", &e),
        },
    }
}
