//! The gifts as a spreadsheet: CSV (UTF-8 with a byte-order mark, so Excel reads Vietnamese)
//! and XLSX, with the same columns, filters and scope as the list.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use store::aid::Donation;

use super::AidQuery;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiQuery, Auth};
use crate::AppState;

/// Rows per export: far above any locality's gifts, and a bound on memory.
pub const EXPORT_ROWS_MAX: usize = 100_000;

const COLUMNS: [&str; 15] = [
    "id",
    "date",
    "donor_kind",
    "donor_code_or_id",
    "donor_name",
    "recipient_kind",
    "recipient_code_or_id",
    "recipient_name",
    "status",
    "amount_minor",
    "currency",
    "amount",
    "goods",
    "source",
    "source_quote",
];

/// One gift as the export's cells; `amount` is in major units, written exactly.
fn cells(d: &Donation) -> [String; 15] {
    let goods = d
        .goods
        .iter()
        .map(|g| format!("{} {} {}", g.quantity, g.unit, g.item))
        .collect::<Vec<_>>()
        .join("; ");
    [
        d.id.to_string(),
        d.on_date.to_string(),
        d.donor.kind.as_str().into(),
        d.donor.code_or_id.clone(),
        d.donor.name.clone(),
        d.recipient.kind.as_str().into(),
        d.recipient.code_or_id.clone(),
        d.recipient.name.clone(),
        d.status.as_str().into(),
        d.money
            .map(|m| m.amount_minor.to_string())
            .unwrap_or_default(),
        d.money
            .map(|m| m.currency.code().to_string())
            .unwrap_or_default(),
        d.money
            .map(|m| m.currency.format_minor(m.amount_minor).replace(',', ""))
            .unwrap_or_default(),
        goods,
        d.source.clone(),
        d.source_quote.clone().unwrap_or_default(),
    ]
}

/// Every gift the filter selects in the caller's scope, page by page.
async fn all(
    state: &AppState,
    caller: &store::Caller,
    q: &AidQuery,
) -> Result<Vec<Donation>, ApiError> {
    let filter = q.filter()?;
    let mut page = store::PageRequest::first(store::LIMIT_MAX);
    let mut out = Vec::new();
    loop {
        let p = state.store.list_donations(caller, &filter, &page).await?;
        out.extend(p.items);
        if out.len() > EXPORT_ROWS_MAX {
            return Err(ApiError::new(ErrorCode::PayloadTooLarge));
        }
        match p.next {
            Some(c) => page.after = Some(c),
            None => return Ok(out),
        }
    }
}

/// The gifts as CSV (same filters as the list).
#[utoipa::path(get, path = "/api/v1/aid/donations.csv", params(AidQuery), responses(
    (status = 200, content_type = "text/csv", body = String)
), security(("bearer" = [])))]
pub async fn donations_csv(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AidQuery>,
) -> Result<Response, ApiError> {
    let rows = all(&state, &auth.0, &q).await?;
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let write = |w: &mut csv::Writer<Vec<u8>>| -> Result<(), csv::Error> {
        w.write_record(COLUMNS)?;
        for d in &rows {
            w.write_record(cells(d))?;
        }
        w.flush()?;
        Ok(())
    };
    write(&mut w).map_err(|e| {
        tracing::error!("writing CSV: {e}");
        ApiError::new(ErrorCode::Internal)
    })?;
    let bytes = w
        .into_inner()
        .map_err(|_| ApiError::new(ErrorCode::Internal))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"aid.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The gifts as an XLSX workbook (same columns as the CSV). Ids and minor-unit amounts are
/// numbers (exact: far below 2^53); every other cell is text, so no amount passes through a
/// float.
#[utoipa::path(get, path = "/api/v1/aid/donations.xlsx", params(AidQuery), responses(
    (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)
), security(("bearer" = [])))]
pub async fn donations_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AidQuery>,
) -> Result<Response, ApiError> {
    let rows = all(&state, &auth.0, &q).await?;
    let bytes = workbook(&rows).map_err(|e| {
        tracing::error!("writing XLSX: {e}");
        ApiError::new(ErrorCode::Internal)
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"aid.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

fn workbook(rows: &[Donation]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("aid")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *name)?;
    }
    for (r, d) in rows.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, cell) in cells(d).iter().enumerate() {
            let numeric = matches!(COLUMNS[c], "id" | "amount_minor") && !cell.is_empty();
            match cell.parse::<i64>() {
                Ok(n) if numeric => ws.write_number(row, c as u16, n as f64)?,
                _ => ws.write_string(row, c as u16, cell)?,
            };
        }
    }
    wb.save_to_buffer()
}
