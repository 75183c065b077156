//! Venues: search, and the QR poster to print.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::shell::{failure, page, page_of, Ui};
use super::t;
use crate::AppState;
use app::local_time::hhmm;

#[derive(Deserialize)]
pub(super) struct VenuesQuery {
    q: Option<String>,
    cursor: Option<String>,
}

pub(super) async fn venues(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<VenuesQuery>,
) -> Response {
    let Ui { lang, me } = ui;
    let name =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.chars().count() <= 100);
    let filter = store::VenueFilter {
        kind: None,
        name_contains: name.map(str::to_string),
    };
    let page_req = page_of(q.cursor.as_deref(), 100);
    let found = match state
        .store
        .list_venues(&me.scope, domain::Structure::S2021, &filter, &page_req)
        .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("venue list: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    let writes = me.user.role.can(domain::role::Permission::WritePersonal);
    let body = html! {
        h1 { (t(lang, "venues-title")) }
        @if writes { p.noprint { a href="/venues/new" { (t(lang, "venue-new-title")) } } }
        form.noprint method="get" action="/venues" {
            label for="q" { (t(lang, "venues-search")) }
            input id="q" name="q" type="search" value=(name.unwrap_or(""));
            button.primary type="submit" { (t(lang, "contacts-filter")) }
        }
        @if found.items.is_empty() { p { (t(lang, "venues-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-name")) } th { (t(lang, "col-kind")) } th { (t(lang, "col-unit")) }
                    th { (t(lang, "col-hours")) } th { "QR" }
                } }
                tbody { @for v in &found.items { tr {
                    td { a href={ "/venues/" (v.id) "/poster" } { (v.name) } }
                    td { (super::venue_entry::kind_name(lang, v.kind)) }
                    td { (app::registry::Registry::of(v.structure).name(v.unit_code.as_str())) }
                    td { (hhmm(v.open_min)) "–" (hhmm(v.close_min)) }
                    td { a href={ "/venues/" (v.id) "/poster" } { (t(lang, "venue-poster")) } }
                } } }
            }
            @if let Some(n) = &found.next {
                p { a href={ "/venues?q=" (name.unwrap_or("")) "&cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
    };
    page(lang, &t(lang, "venues-title"), Some(&me), body).into_response()
}
