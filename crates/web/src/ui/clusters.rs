//! Clusters of linked cases.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::DateTime;
use maud::html;

use super::shell::{local, Ui};
use super::t;
use crate::AppState;

pub(super) async fn clusters(State(state): State<AppState>, ui: Ui) -> Response {
    if let Some(no) = ui.forbidden_without(domain::role::Permission::ReadPersonal) {
        return no;
    }
    let Ok(found) = crate::api::tracing::compute_clusters(&state, &ui.me, 28, 0).await else {
        return ui.fail(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let lang = ui.lang;
    let when = |s: &str| {
        DateTime::parse_from_rfc3339(s).map_or(String::new(), |t| local(t.timestamp(), lang))
    };
    let body = html! {
        h1 { (t(lang, "clusters-title")) }
        @if found.is_empty() { p { (t(lang, "clusters-empty")) } }
        @else {
            table {
                thead { tr {
                    th { (t(lang, "col-id")) } th { (t(lang, "col-size")) } th { (t(lang, "col-venues")) }
                    th { (t(lang, "col-first")) } th { (t(lang, "col-last")) }
                } }
                tbody { @for c in found.iter().take(200) { tr {
                    td { a href={ "/cases/" (c.cluster.id) } { (c.cluster.id) } }
                    td { (c.cluster.size) } td { (c.cluster.venues.len()) }
                    td { (when(&c.cluster.first_confirmed)) } td { (when(&c.cluster.last_confirmed)) }
                } } }
            }
        }
    };
    ui.page(&ui.t("clusters-title"), body)
}
