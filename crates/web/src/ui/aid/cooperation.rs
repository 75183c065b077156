//! Cooperation agreements and activities, and emulation campaigns with their key tasks.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::super::shell::Ui;
use super::super::{t, tr};
use crate::AppState;

pub(in crate::ui) async fn cooperation_page(State(state): State<AppState>, ui: Ui) -> Response {
    let lang = ui.lang;
    let Ok((agreements, activities)) = state.store.list_cooperation(&ui.me).await else {
        return ui.fail(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let body = html! {
        h1 { (t(lang, "coop-title")) }
        p { a href="/aid" { (t(lang, "aid-title")) } " · " a href="/aid/campaigns" { (t(lang, "campaigns-title")) } }
        h2 { (t(lang, "coop-agreements")) }
        @if agreements.is_empty() { p { (t(lang, "coop-none")) } }
        @for a in &agreements {
            article.agreement {
                h3 { (a.title) }
                p { (a.party_a) " — " (a.party_b) "; "
                    (tr(lang, "coop-signed", &[("date", a.signed_on.clone())])) "; "
                    (a.starts_on) " → " (a.ends_on.clone().unwrap_or_default()) }
                h4 { (tr(lang, "coop-fields", &[("n", a.fields.len().to_string())])) }
                ol { @for f in &a.fields { li { (f) } } }
                @if !a.commitments.is_empty() {
                    table { @for c in &a.commitments { tr { td { (c.text) } td { (c.owner) } td { (c.progress_pct) " %" } } } }
                }
                p.muted { (a.source) }
            }
        }
        h2 { (t(lang, "coop-activities")) }
        @if activities.is_empty() { p { (t(lang, "coop-none")) } } @else {
            table {
                thead { tr {
                    th { (t(lang, "aid-col-date")) } th { (t(lang, "coop-kind")) } th { (t(lang, "coop-host")) }
                    th { (t(lang, "coop-guest")) } th { (t(lang, "coop-activity")) } th { (t(lang, "coop-gifts")) } th { (t(lang, "aid-col-source")) }
                } }
                tbody { @for a in &activities { tr {
                    td { (a.on_date) } td { (t(lang, &format!("coop-kind-{}", a.kind))) }
                    td { (a.host) } td { (a.guest) }
                    td { (a.title) @if let Some(o) = &a.outcome { br; span.muted { (o) } } }
                    td { @for d in &a.donation_ids { a href={ "/aid/donations/" (d) } { "#" (d) } " " } }
                    td.muted { (a.source) }
                } } }
            }
        }
    };
    ui.page(&t(lang, "coop-title"), body)
}

pub(in crate::ui) async fn campaigns_page(State(state): State<AppState>, ui: Ui) -> Response {
    let lang = ui.lang;
    let Ok(campaigns) = state.store.list_campaigns(&ui.me).await else {
        return ui.fail(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let body = html! {
        h1 { (t(lang, "campaigns-title")) }
        p { a href="/aid" { (t(lang, "aid-title")) } " · " a href="/aid/cooperation" { (t(lang, "coop-title")) } }
        @if campaigns.is_empty() { p { (t(lang, "coop-none")) } }
        @for c in &campaigns {
            article.campaign {
                h2 { (c.name) }
                p { (tr(lang, "campaign-launched", &[("date", c.launched_on.clone()), ("by", c.launched_by.clone())])) }
                table {
                    thead { tr { th { "#" } th { (t(lang, "campaign-task")) } th { (t(lang, "campaign-indicator")) } th { (t(lang, "campaign-target")) } th { (t(lang, "campaign-progress")) } } }
                    tbody { @for task in &c.tasks { tr {
                        td { (task.no) } td { (task.title) } td { (task.indicator.clone().unwrap_or_default()) }
                        td { @if let Some(v) = task.target { (v) } }
                        td { @if let Some(v) = task.progress { (v) } }
                    } } }
                }
                @if !c.units.is_empty() {
                    p { (t(lang, "campaign-units")) ": " (c.units.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")) }
                }
                @if !c.commendations.is_empty() {
                    h3 { (t(lang, "campaign-commendations")) }
                    ul { @for m in &c.commendations { li { (m.recipient) " — " (m.reason) " (" (m.on_date) ")" } } }
                }
                p.muted { (c.source) }
            }
        }
    };
    ui.page(&t(lang, "campaigns-title"), body)
}
