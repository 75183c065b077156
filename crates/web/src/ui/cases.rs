//! The cases list, the case page with its contacts, and the trace button.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::shell::{failure, local, page, page_of, Ui};
use super::{t, tr};
use crate::api::cases::infectious_window;
use crate::local_time::day_start_s;
use crate::{AppState, Lang};

#[derive(Deserialize)]
pub(super) struct CaseListQuery {
    status: Option<String>,
    from: Option<String>,
    cursor: Option<String>,
}

pub(super) async fn cases(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<CaseListQuery>,
) -> Response {
    let Ui { lang, me } = ui;
    let status = q.status.as_deref().and_then(|s| s.parse().ok());
    let from = q
        .from
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(day_start_s);
    let filter = store::CaseFilter {
        status,
        confirmed_from_s: from,
        confirmed_to_s: Some(state.now_s() + 1),
    };
    let page_req = page_of(q.cursor.as_deref(), 50);
    let result = state
        .store
        .list_cases(
            &me,
            domain::Structure::S2021,
            &filter,
            &page_req,
            state.now_s(),
        )
        .await;
    let Ok(found) = result else {
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
    };
    let mut next = String::from("/cases?");
    if let Some(s) = &q.status {
        next.push_str(&format!("status={s}&"));
    }
    if let Some(f) = &q.from {
        next.push_str(&format!("from={f}&"));
    }
    let body = html! {
        h1 { (t(lang, "cases-title")) }
        @if found.items.is_empty() {
            p { (t(lang, "cases-empty")) }
        } @else {
            table {
                thead { tr {
                    th { (t(lang, "col-id")) } th { (t(lang, "col-person")) } th { (t(lang, "col-unit")) }
                    th { (t(lang, "col-status")) } th { (t(lang, "col-severity")) } th { (t(lang, "col-confirmed")) }
                } }
                tbody {
                    @for c in &found.items {
                        tr {
                            td { a href={ "/cases/" (c.id) } { (c.id) } }
                            td { (c.person_id) }
                            td { (c.unit_code) }
                            td { (t(lang, &format!("status-{}", c.status.as_str()))) }
                            td { (t(lang, &format!("severity-{}", c.severity.as_str()))) }
                            td { (local(c.confirmed_at_s, lang)) }
                        }
                    }
                }
            }
            @if let Some(n) = &found.next {
                p { a href={ (next) "cursor=" (n.encode()) } { (t(lang, "cases-next")) " →" } }
            }
        }
    };
    page(lang, &t(lang, "cases-title"), Some(&me), body).into_response()
}

#[derive(Deserialize)]
pub(super) struct CasePageQuery {
    traced: Option<u64>,
}

pub(super) async fn case_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<CasePageQuery>,
) -> Response {
    let Ui { lang, me } = ui;
    let Ok(case_id) = id.parse::<i64>() else {
        return failure(lang, StatusCode::NOT_FOUND);
    };
    let detail = match state
        .store
        .get_case(&me, domain::CaseId(case_id), state.now_s())
        .await
    {
        Ok(Some(d)) => d,
        Ok(None) => return failure(lang, StatusCode::NOT_FOUND),
        Err(_) => return failure(lang, StatusCode::INTERNAL_SERVER_ERROR),
    };
    let contacts = crate::api::tracing::contacts_for(&state, &me, &id, 2)
        .await
        .ok();
    let stays = super::facilities::stays_of_case(&state, &me, detail.case.id, lang).await;
    let (from, to, policy) = infectious_window(&state.policies, &detail.case);
    let c = &detail.case;
    let title = tr(lang, "case-title", &[("id", c.id.to_string())]);
    let body = html! {
        h1 { (title) }
        @if let Some(n) = q.traced { p.ok role="status" { (tr(lang, "case-traced", &[("count", n.to_string())])) } }
        table {
            tr { th { (t(lang, "col-person")) } td { (c.person_id) } }
            tr { th { (t(lang, "col-unit")) } td { (c.unit_code) } }
            tr { th { (t(lang, "col-status")) } td { (t(lang, &format!("status-{}", c.status.as_str()))) } }
            tr { th { (t(lang, "col-severity")) } td { (t(lang, &format!("severity-{}", c.severity.as_str()))) } }
            tr { th { (t(lang, "col-confirmed")) } td { (local(c.confirmed_at_s, lang)) } }
            tr { th { (t(lang, "col-window")) } td {
                (local(from, lang)) " → " (local(to, lang))
                @if let Some(doc) = &policy { br; span.muted { (tr(lang, "policy", &[("doc", doc.clone())])) } }
            } }
        }
        h2 { (t(lang, "case-tests")) }
        table { @for test in &detail.tests { tr {
            td { (test.kind.as_str().to_uppercase()) } td { (local(test.sample_s, lang)) }
            td { (local(test.result_s, lang)) } td { @if let Some(ct) = test.ct { "Ct " (ct) } }
        } } }
        h2 { (t(lang, "case-history")) }
        table { @for h in &detail.history { tr {
            td { (local(h.at.timestamp(), lang)) } td { (t(lang, &format!("status-{}", h.status.as_str()))) }
            td { (h.actor) } td { (h.note.clone().unwrap_or_default()) }
        } } }
        (stays)
        h2 { (t(lang, "case-contacts")) }
        form.noprint method="post" action={ "/cases/" (c.id) "/trace" } {
            button.primary type="submit" { (t(lang, "case-trace")) }
        }
        @match &contacts {
            Some(list) if !list.contacts.is_empty() => {
                table {
                    thead { tr {
                        th { (t(lang, "col-person")) } th { (t(lang, "contact-degree")) } th { (t(lang, "contact-via")) }
                        th { (t(lang, "contact-exposure")) } th { (t(lang, "contact-reasons")) }
                    } }
                    tbody { @for ct in list.contacts.iter().take(500) {
                        tr {
                            td { (ct.person_id) } td { "F" (ct.degree) } td { (ct.via_person_id) }
                            td { (format!("{:.0}", ct.exposure_min)) }
                            td { @for r in ct.reasons.iter().take(3) { (reason_text(lang, r)) br; } }
                        }
                    } }
                }
            }
            _ => p { (t(lang, "case-contacts-none")) }
        }
    };
    page(lang, &title, Some(&me), body).into_response()
}

fn reason_text(lang: Lang, r: &crate::api::tracing::ReasonDto) -> String {
    match r.kind {
        "venue" => tr(
            lang,
            "reason-venue",
            &[
                (
                    "venue",
                    r.venue_id.map(|v| v.to_string()).unwrap_or_default(),
                ),
                ("minutes", format!("{:.0}", r.overlap_min.unwrap_or(0.0))),
            ],
        ),
        "household" => t(lang, "reason-household"),
        _ => tr(
            lang,
            "reason-declared",
            &[("setting", r.setting.unwrap_or("other").to_string())],
        ),
    }
}

pub(super) async fn trace_case(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Response {
    let Ui { lang, me } = ui;
    if !me.user.role.can(domain::role::Permission::WritePersonal) {
        return failure(lang, StatusCode::FORBIDDEN);
    }
    match crate::api::tracing::trace_and_persist(&state, &me, &id).await {
        Ok(r) => {
            Redirect::to(&format!("/cases/{}?traced={}", r.case_id, r.new_contacts)).into_response()
        }
        Err(e) => failure(lang, e.code.status()),
    }
}
