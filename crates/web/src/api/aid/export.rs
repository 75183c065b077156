//! The gifts as a spreadsheet: CSV (UTF-8 with a byte-order mark, so Excel reads Vietnamese)
//! and XLSX, with the same columns, filters and scope as the list.

use axum::extract::State;
use axum::response::Response;
use store::aid::Donation;

use super::AidQuery;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiQuery, Auth};
use crate::sheet::{Cell, Sheet, SheetError};
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

/// One gift as the export's cells; `amount` is in major units, written exactly; ids and
/// minor-unit amounts are numbers.
fn cells(d: &Donation) -> Vec<Cell> {
    let goods = d
        .goods
        .iter()
        .map(|g| format!("{} {} {}", g.quantity, g.unit, g.item))
        .collect::<Vec<_>>()
        .join("; ");
    let text = [
        d.on_date.to_string(),
        d.donor.kind.as_str().into(),
        d.donor.code_or_id.clone(),
        d.donor.name.clone(),
        d.recipient.kind.as_str().into(),
        d.recipient.code_or_id.clone(),
        d.recipient.name.clone(),
        d.status.as_str().into(),
    ];
    let rest = [
        d.money
            .map(|m| m.currency.code().to_string())
            .unwrap_or_default(),
        d.money
            .map(|m| m.currency.format_minor(m.amount_minor).replace(',', ""))
            .unwrap_or_default(),
        goods,
        d.source.clone(),
        d.source_quote.clone().unwrap_or_default(),
    ];
    let mut row: Vec<Cell> = vec![Cell::Int(d.id.get())];
    row.extend(text.into_iter().map(Cell::Text));
    row.push(match d.money {
        Some(m) => Cell::Int(m.amount_minor),
        None => Cell::Text(String::new()),
    });
    row.extend(rest.into_iter().map(Cell::Text));
    row
}

/// The gifts the query selects, as a sheet.
async fn sheet(state: &AppState, auth: &Auth, q: &AidQuery) -> Result<Sheet, ApiError> {
    let rows = all(state, &auth.0, q).await?;
    Ok(Sheet {
        name: "aid".into(),
        header: COLUMNS.iter().map(|c| c.to_string()).collect(),
        rows: rows.iter().map(cells).collect(),
    })
}

fn written(r: Result<Response, SheetError>) -> Result<Response, ApiError> {
    r.map_err(|e| {
        tracing::error!("writing the aid export: {e}");
        ApiError::new(ErrorCode::Internal)
    })
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
    written(sheet(&state, &auth, &q).await?.csv())
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
    written(sheet(&state, &auth, &q).await?.xlsx())
}
