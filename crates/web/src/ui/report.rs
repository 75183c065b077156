//! The daily report to the level above (issue #16, item 3): one A4 page for a day (the
//! browser prints it to PDF; the print stylesheet drops the navigation and the form) and the
//! same table as XLSX. The figures are `app::report`'s, which reads them the way the
//! dashboard does; aggregate only, so whoever sees the dashboard sees the report.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use app::report::{DailyReport, DayFigures, ReportError, ReportInput};
use domain::lang::{count, date};

use super::shell::{local, Ui};
use super::{t, tr};
use crate::messages::reason_message;
use crate::registry::Registry;
use crate::sheet::{Cell, Sheet};
use crate::{AppState, Lang};

#[derive(Debug, Default, Deserialize)]
pub(super) struct ReportQuery {
    day: Option<String>,
}

pub(super) async fn daily(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ReportQuery>,
) -> Response {
    let report = match read(&state, &ui, q).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let lang = ui.lang;
    let day = report.day.format("%Y-%m-%d").to_string();
    let title = tr(lang, "report-title", &[("date", date(report.day, lang))]);
    let head = header(lang, &report);
    let body = html! {
        div.report-page {
            h1 { (title) }
            p { (scope_name(lang, &ui.me.scope)) " · " (tr(lang, "report-as-of", &[("time", local(report.at_s, lang))])) }
            form.filters.noprint method="get" action="/reports/daily" {
                label { (t(lang, "report-day")) input type="date" name="day" value=(day); }
                button.primary type="submit" { (t(lang, "report-show")) }
                a href={ "/reports/daily.xlsx?day=" (day) } download { (t(lang, "report-download")) }
                button type="button" data-print { (t(lang, "report-print")) }
            }
            table.report-table {
                thead { tr { @for h in &head { th scope="col" { (h) } } } }
                tbody {
                    @for row in &report.rows {
                        tr { th scope="row" { (row.name) } (cells(lang, &row.figures)) }
                    }
                }
                tfoot { tr { th scope="row" { (t(lang, "report-total")) } (cells(lang, &report.total)) } }
            }
            (cluster_section(lang, &report.clusters))
            @if let Some(week) = report.risk_week {
                p.muted { (tr(lang, "report-risk-week", &[("date", date(week, lang))])) }
            } @else {
                p.muted { (t(lang, "report-risk-none")) }
            }
            @if !report.today {
                p.muted { (t(lang, "report-past-note")) }
            }
            p.report-signed { (t(lang, "report-signed")) ": " (ui.me.user.username) }
        }
    };
    ui.page(&title, body)
}

pub(super) async fn daily_xlsx(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ReportQuery>,
) -> Response {
    let report = match read(&state, &ui, q).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let lang = ui.lang;
    let row = |name: String, f: &DayFigures| {
        let mut cells: Vec<Cell> = vec![name.into(), f.new_f0.into()];
        cells.extend(f.under_care.iter().map(|&n| Cell::Int(n)));
        cells.extend([
            Cell::Int(f.f1_in_quarantine),
            Cell::Int(f.deaths),
            Cell::Int(f.tests),
            Cell::Int(f.doses),
            f.risk_level
                .map_or_else(|| Cell::Text(String::new()), Cell::Int),
        ]);
        cells
    };
    let mut rows: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .map(|r| row(r.name.clone(), &r.figures))
        .collect();
    rows.push(row(t(lang, "report-total"), &report.total));
    // The clusters below the units, one line for each kind: its count and the clusters.
    rows.push(Vec::new());
    for (kind, n, list) in cluster_lines(lang, &report.clusters, None) {
        rows.push(vec![kind.into(), Cell::Int(n as i64), list.into()]);
    }
    let sheet = Sheet {
        name: tr(
            lang,
            "report-file-name",
            &[("date", report.day.format("%Y-%m-%d").to_string())],
        ),
        header: header(lang, &report),
        rows,
    };
    sheet.xlsx().unwrap_or_else(|e| {
        tracing::error!("daily report xlsx: {e}");
        ui.fail(StatusCode::INTERNAL_SERVER_ERROR)
    })
}

/// The report, or the answer that refuses it (a bad day names its field, 400).
async fn read(state: &AppState, ui: &Ui, q: ReportQuery) -> Result<DailyReport, Response> {
    let input = ReportInput { day: q.day };
    match app::report::daily_report(state, &ui.me, &input).await {
        Ok(r) => Ok(r),
        Err(ReportError::Invalid(errors)) => {
            let lang = ui.lang;
            let body = html! {
                h1 { (t(lang, "report-refused")) }
                ul.refusal { @for e in &errors { li {
                    strong { (t(lang, "report-field-day")) } " "
                    code { (e.field) } ": " (reason_message(e.reason, lang))
                } } }
                p { a href="/reports/daily" { "← " (t(lang, "report-link")) } }
            };
            Err((
                StatusCode::BAD_REQUEST,
                ui.page(&t(lang, "report-refused"), body),
            )
                .into_response())
        }
        Err(e) => {
            tracing::error!("daily report: {e}");
            Err(ui.fail(StatusCode::INTERNAL_SERVER_ERROR))
        }
    }
}

/// "Ổ dịch số 12 — Chợ X (15 ca)".
fn cluster_text(lang: Lang, c: &app::clusters::ClusterLine) -> String {
    let number = tr(lang, "cluster-name", &[("id", c.id.to_string())]);
    let named = match &c.name {
        Some(name) => format!("{number} — {name}"),
        None => number,
    };
    tr(
        lang,
        "report-cluster-size",
        &[("cluster", named), ("size", count(c.size as i64, lang))],
    )
}

/// Clusters a kind names on the page at most, largest first: the report is one A4 page, and
/// a city can have hundreds active (the XLSX names them all).
const CLUSTERS_NAMED_ON_PAGE: usize = 10;

/// The day's clusters by kind: (kind, how many, the clusters named — the largest `limit`
/// when given, then how many more).
fn cluster_lines(
    lang: Lang,
    d: &app::clusters::DayClusters,
    limit: Option<usize>,
) -> Vec<(String, usize, String)> {
    let list = |cs: &[app::clusters::ClusterLine]| {
        let mut cs: Vec<&app::clusters::ClusterLine> = cs.iter().collect();
        cs.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
        let shown = limit.unwrap_or(cs.len()).min(cs.len());
        let mut text = cs[..shown]
            .iter()
            .map(|c| cluster_text(lang, c))
            .collect::<Vec<_>>()
            .join("; ");
        if shown < cs.len() {
            text.push_str(&tr(
                lang,
                "report-clusters-more",
                &[("n", count((cs.len() - shown) as i64, lang))],
            ));
        }
        text
    };
    let merged = d
        .merged
        .iter()
        .map(|(into, other)| {
            tr(
                lang,
                "report-cluster-merged-into",
                &[
                    (
                        "other",
                        tr(lang, "cluster-name", &[("id", other.to_string())]),
                    ),
                    ("cluster", cluster_text(lang, into)),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        (t(lang, "report-clusters-new"), d.new.len(), list(&d.new)),
        (
            tr(
                lang,
                "report-clusters-active",
                &[("days", d.active_days.to_string())],
            ),
            d.active.len(),
            list(&d.active),
        ),
        (
            t(lang, "report-clusters-closed"),
            d.closed.len(),
            list(&d.closed),
        ),
        (t(lang, "report-clusters-merged"), d.merged.len(), merged),
    ]
}

fn cluster_section(lang: Lang, d: &app::clusters::DayClusters) -> Markup {
    html! {
        h2 { (t(lang, "report-clusters")) }
        table.report-table.report-clusters {
            thead { tr {
                th scope="col" { (t(lang, "report-clusters-kind")) }
                th scope="col" { (t(lang, "report-clusters-count")) }
                th scope="col" { (t(lang, "report-clusters-list")) }
            } }
            tbody { @for (kind, n, list) in cluster_lines(lang, d, Some(CLUSTERS_NAMED_ON_PAGE)) {
                tr { th scope="row" { (kind) } td { (count(n as i64, lang)) } td { (list) } }
            } }
        }
    }
}

/// The columns, in the reader's language (page and XLSX alike).
fn header(lang: Lang, report: &DailyReport) -> Vec<String> {
    let mut h = vec![t(lang, "report-unit"), t(lang, "report-new-f0")];
    h.extend(report.tiers.iter().map(|tier| {
        let name = match lang {
            Lang::Vi => tier.vi.clone(),
            Lang::En => tier.en.clone(),
        };
        tr(lang, "report-under-care", &[("tier", name)])
    }));
    h.extend(
        [
            "report-f1",
            "report-deaths",
            "report-tests",
            "report-doses",
            "report-risk",
        ]
        .iter()
        .map(|k| t(lang, k)),
    );
    h
}

fn cells(lang: Lang, f: &DayFigures) -> Markup {
    html! {
        td { (count(f.new_f0, lang)) }
        @for n in &f.under_care { td { (count(*n, lang)) } }
        td { (count(f.f1_in_quarantine, lang)) }
        td { (count(f.deaths, lang)) }
        td { (count(f.tests, lang)) }
        td { (count(f.doses, lang)) }
        td { @if let Some(l) = f.risk_level { (count(l, lang)) } @else { "–" } }
    }
}

/// The area the report covers: the caller's units by name.
fn scope_name(lang: Lang, scope: &domain::Scope) -> String {
    if scope.is_everything() {
        return tr(
            lang,
            "report-scope",
            &[("unit", t(lang, "report-scope-country"))],
        );
    }
    let registry = Registry::of(domain::Structure::S2021);
    let names: Vec<String> = scope
        .roots_in(domain::Structure::S2021)
        .map(|p| {
            let code = p
                .as_str()
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            registry.name(code)
        })
        .collect();
    tr(lang, "report-scope", &[("unit", names.join(", "))])
}
