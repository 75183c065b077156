//! The case line list as a spreadsheet (CSV or XLSX): exactly the cases the list's filter
//! selects in the caller's scope, with who each person is, in the reader's language, as the
//! F0 lists of 2021 were kept. Every page read is audited as the list's is, and the export
//! itself is one audit row naming its filter and size.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::lang::date;

use super::cases::CaseListQuery;
use super::shell::{failure, Ui};
use super::t;
use crate::local_time::local_date;
use crate::registry::Registry;
use crate::sheet::{Cell, Format, SheetWriter};
use crate::{AppState, Lang};

/// Rows per export: a bound on memory; a larger export is refused with 413 (narrow the
/// filter, e.g. by dates).
const EXPORT_ROWS_MAX: usize = 100_000;

const COLUMNS: [&str; 15] = [
    "export-case-id",
    "export-name",
    "export-birth-date",
    "export-sex",
    "export-national-id",
    "export-phone",
    "export-address",
    "export-commune",
    "export-district",
    "export-sample",
    "export-confirmed",
    "export-status",
    "export-severity",
    "export-onset",
    "export-community",
];

pub(super) async fn csv(state: State<AppState>, ui: Ui, q: Query<CaseListQuery>) -> Response {
    export(state, ui, q, Format::Csv).await
}

pub(super) async fn xlsx(state: State<AppState>, ui: Ui, q: Query<CaseListQuery>) -> Response {
    export(state, ui, q, Format::Xlsx).await
}

async fn export(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<CaseListQuery>,
    format: Format,
) -> Response {
    let Ui { lang, me } = ui;
    let structure = domain::Structure::S2021;
    let now = state.now_s();
    let (filter, unknown_unit) = q.filter(now, &me.scope);
    let unknown_unit = unknown_unit.is_some();
    let header: Vec<String> = COLUMNS.iter().map(|k| t(lang, k)).collect();
    let mut sheet = match SheetWriter::new(format, &t(lang, "export-cases-name"), &header) {
        Ok(w) => w,
        Err(e) => {
            tracing::error!("case export: {e}");
            return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    if !unknown_unit {
        // Each page is read while the one before is written: the database's work and the
        // sheet's overlap on two cores (a 100,000-row export is about as much of each).
        let read = |page: store::PageRequest| {
            let (db, me, filter) = (state.store.clone(), me.clone(), filter.clone());
            tokio::spawn(
                async move { db.case_line_list(&me, structure, &filter, &page, now).await },
            )
        };
        let mut pending = read(store::PageRequest::first(store::LIMIT_MAX));
        loop {
            let found = match pending.await {
                Ok(Ok(found)) => found,
                Ok(Err(e)) => {
                    tracing::error!("case export: {e}");
                    return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
                }
                Err(e) => {
                    tracing::error!("case export: {e}");
                    return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
                }
            };
            if sheet.rows() as usize + found.items.len() > EXPORT_ROWS_MAX {
                return failure(lang, StatusCode::PAYLOAD_TOO_LARGE);
            }
            let next = found.next.clone().map(|after| {
                read(store::PageRequest {
                    limit: store::LIMIT_MAX,
                    after: Some(after),
                })
            });
            // Each page is written and dropped once the next is on its way: memory holds
            // two pages and the file being made, whatever the export's size.
            for line in &found.items {
                if let Err(e) = sheet.row(&row(lang, line)) {
                    tracing::error!("case export: {e}");
                    return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
                }
            }
            match next {
                Some(next) => pending = next,
                None => break,
            }
        }
    }
    let detail = format!(
        "cases.{} by {}: {} rows; filter {}",
        format.ext(),
        me.user.username,
        sheet.rows(),
        q.query_string()
    );
    if let Err(e) = state
        .store
        .audit_export(&me.user.username, "cases", detail, now)
        .await
    {
        tracing::error!("case export audit: {e}");
        return failure(lang, StatusCode::INTERNAL_SERVER_ERROR);
    }
    sheet.finish().unwrap_or_else(|e| {
        tracing::error!("case export: {e}");
        failure(lang, StatusCode::INTERNAL_SERVER_ERROR)
    })
}

/// One case as the export's cells, in the reader's language.
fn row(lang: Lang, l: &store::CaseLine) -> Vec<Cell> {
    let registry = Registry::of(l.case.structure);
    let code = l.case.unit_code.as_str();
    let district = registry
        .ancestor_at(code, domain::UnitLevel::District)
        .map(|d| d.full_name())
        .unwrap_or_default();
    let day = |s: i64| date(local_date(s), lang);
    vec![
        Cell::Int(l.case.id.0),
        l.full_name.clone().into(),
        l.birth_date
            .map(|d| date(d, lang))
            .unwrap_or_default()
            .into(),
        t(lang, &format!("export-sex-{}", l.sex.as_str())).into(),
        l.national_id.clone().unwrap_or_default().into(),
        l.phone.clone().unwrap_or_default().into(),
        l.address.clone().unwrap_or_default().into(),
        registry.name(code).into(),
        district.into(),
        day(l.case.first_sample_s).into(),
        day(l.case.confirmed_at_s).into(),
        t(lang, &format!("status-{}", l.case.status.as_str())).into(),
        t(lang, &format!("severity-{}", l.case.severity.as_str())).into(),
        l.case.onset_s.map(day).unwrap_or_default().into(),
        t(
            lang,
            if l.case.community {
                "export-yes"
            } else {
                "export-no"
            },
        )
        .into(),
    ]
}
