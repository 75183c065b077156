//! Reading a sheet row by row: XLSX through calamine's cell reader (the sheet is never
//! held as a grid), CSV through the `csv` crate (UTF-8, with or without a byte-order mark,
//! comma or semicolon). Every cell reaches the caller as text; dates of an XLSX cell as
//! `YYYY-MM-DD HH:MM:SS`, whole numbers without a decimal point.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

/// Why a file could not be read at all (as opposed to a row refused).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("not an XLSX or CSV file")]
    NotASheet,
    #[error("the file has no header row")]
    NoHeader,
    #[error("the file has more than {0} rows")]
    TooManyRows(usize),
    #[error("the sheet could not be read: {0}")]
    Malformed(String),
}

/// The two formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

/// The format of `bytes`: an XLSX is a ZIP archive; anything else that is UTF-8 text with
/// a separator in its first line is taken as CSV.
pub fn sniff(bytes: &[u8]) -> Result<Format, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Format::Xlsx);
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    // The head may end inside a character: only what is valid up to there is judged.
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).map_err(|_| ReadError::NotASheet)?
        }
        Err(_) => return Err(ReadError::NotASheet),
    };
    let first = text.lines().next().unwrap_or_default();
    if text.contains('\0') || !(first.contains(',') || first.contains(';') || first.contains('\t'))
    {
        return Err(ReadError::NotASheet);
    }
    Ok(Format::Csv)
}

fn cell_text(c: &DataRef<'_>) -> String {
    match c {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        // A number typed in a cell (a phone, a national ID, a year) is a whole number.
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
    }
}

/// Calls `row(line, cells)` for each row of the first sheet in order, `line` counted from 1
/// as a spreadsheet shows it (the header is line 1). Empty rows are skipped. At most
/// `max_rows` rows after the header.
pub fn for_each_row<E: From<ReadError>>(
    bytes: &[u8],
    max_rows: usize,
    mut row: impl FnMut(usize, Vec<String>) -> Result<(), E>,
) -> Result<(), E> {
    let mut seen = 0usize;
    let mut emit = |line: usize, cells: Vec<String>| -> Result<(), E> {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        if seen > max_rows {
            return Err(ReadError::TooManyRows(max_rows).into());
        }
        seen += 1;
        row(line, cells)
    };
    match sniff(bytes)? {
        Format::Csv => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
            let count = |c: u8| first.iter().filter(|&&b| b == c).count();
            let delimiter = [b',', b';', b'\t']
                .into_iter()
                .max_by_key(|&c| count(c))
                .unwrap_or(b',');
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(bytes);
            let mut record = csv::StringRecord::new();
            loop {
                match reader.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        let line = record.position().map_or(0, |p| p.line() as usize);
                        emit(line, record.iter().map(str::to_string).collect())?;
                    }
                    Err(e) => return Err(ReadError::Malformed(e.to_string()).into()),
                }
            }
        }
        Format::Xlsx => {
            let mut book: Xlsx<_> =
                Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Malformed(e.to_string()))?;
            let Some(sheet) = book.sheet_names().first().cloned() else {
                return Err(ReadError::NoHeader.into());
            };
            let mut cells = book
                .worksheet_cells_reader(&sheet)
                .map_err(|e| ReadError::Malformed(e.to_string()))?;
            // Cells come row by row; a row is handed on when the next one begins.
            let mut at: Option<u32> = None;
            let mut current: Vec<String> = Vec::new();
            while let Some(cell) = cells
                .next_cell()
                .map_err(|e| ReadError::Malformed(e.to_string()))?
            {
                let (r, c) = cell.get_position();
                if at != Some(r) {
                    if let Some(prev) = at {
                        emit(prev as usize + 1, std::mem::take(&mut current))?;
                    }
                    at = Some(r);
                }
                let c = c as usize;
                if c >= current.len() {
                    current.resize(c + 1, String::new());
                }
                current[c] = cell_text(cell.get_value());
            }
            if let Some(prev) = at {
                emit(prev as usize + 1, current)?;
            }
        }
    }
    if seen == 0 {
        return Err(ReadError::NoHeader.into());
    }
    Ok(())
}
