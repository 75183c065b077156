//! F1/F2 follow-up: the contacts assigned to the caller's units, by due date.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::shell::{failure, local, page, page_of, Ui};
use super::{t, tr};
use crate::local_time::day_end_s;
use crate::{AppState, Lang};

#[derive(Deserialize)]
pub(super) struct ContactsQuery {
    due_by: Option<String>,
    cursor: Option<String>,
}

pub(super) async fn contacts(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ContactsQuery>,
) -> Response {
    let Ui { lang, me } = ui;
    let due_date = q.due_by.as_deref().and_then(|d| app::input::date(d).ok());
    let due = due_date.map(day_end_s);
    let page_req = page_of(q.cursor.as_deref(), 100);
    let found = match state
        .store
        .list_contacts(
            &me,
            domain::Structure::S2021,
            None,
            due,
            &page_req,
            state.now_s(),
        )
        .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("contact list: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let body = html! {
        h1 { (t(lang, "contacts-title")) }
        form.noprint method="get" action="/contacts" {
            label for="due_by" { (t(lang, "contacts-due")) }
            input id="due_by" name="due_by" type="date" value=(q.due_by.clone().unwrap_or_default());
            button.primary type="submit" { (t(lang, "contacts-filter")) }
        }
        @if found.items.is_empty() { p { (t(lang, "contacts-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-person")) } th { (t(lang, "contact-degree")) } th { (t(lang, "col-case")) }
                    th { (t(lang, "col-status")) } th { (t(lang, "col-until")) } th { (t(lang, "col-follow-up-until")) } th { (t(lang, "col-tests")) } th { (t(lang, "col-unit")) }
                } }
                tbody { @for c in &found.items { tr {
                    td { (c.person_id) } td { "F" (c.degree) }
                    td { a href={ "/cases/" (c.case_id) } { (c.case_id) } }
                    td { (t(lang, &format!("contact-status-{}", c.status))) }
                    td { @if let Some(u) = c.quarantine_until_s { (local(u, lang)) } }
                    td { @if let Some(u) = c.follow_up_until_s { (local(u, lang)) } }
                    td { (test_days(lang, &c.test_days)) } td { (crate::registry::Registry::of(domain::Structure::S2021).name(&c.unit_code)) }
                } } }
            }
            @if let Some(n) = &found.next {
                p { a href={ "/contacts?due_by=" (q.due_by.clone().unwrap_or_default()) "&cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
    };
    page(lang, &t(lang, "contacts-title"), Some(&me), body).into_response()
}

/// The days of quarantine a test is due on, stored as "1,7": "ngày 1 và 7" / "days 1 and 7".
fn test_days(lang: Lang, stored: &str) -> String {
    let days: Vec<&str> = stored
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    match days.split_last() {
        None => String::new(),
        Some((only, [])) => tr(lang, "contact-test-day", &[("day", only.to_string())]),
        Some((last, rest)) => tr(
            lang,
            "contact-test-days",
            &[("days", rest.join(", ")), ("last", last.to_string())],
        ),
    }
}
