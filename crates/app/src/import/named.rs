//! What the lists whose rows name a registered person share (vaccination lists, lab
//! results): the sheet read into rows, the person a row names, a refusal by column, and
//! the preview's counts. Such a list does not register persons: a vaccination or lab list
//! of 2021 carries a name, a birth year, perhaps a phone or an ID, seldom the commune a
//! person record needs, so the person is registered first (an F0 list, the person form) and
//! a row naming nobody known is refused (`NotFound` on the name's column).

use std::collections::HashMap;

use domain::person::{NationalId, Phone};
use domain::{PersonId, Reason};
use store::{Caller, ImportCounts, PersonKeys};

use super::header::{Field, Mapping};
use super::read::{self, ReadError};
use super::row::{self, Cells};
use super::{
    ImportError, Outcome, Preview, PreviewCounts, RowError, RowPreview, COLUMNS_MAX, ROWS_MAX,
};
use crate::App;

/// A sheet read: its headers, the mapping laid on them and its rows (line, cells).
pub(super) struct Sheet {
    pub headers: Vec<String>,
    pub mapping: Mapping,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    /// The preview of this sheet judged as `kind`: its counts, the rows kept for display.
    pub(super) fn preview(
        &self,
        kind: super::Kind,
        sha256: String,
        imported: Option<store::ImportRecord>,
        judged: Vec<RowPreview>,
    ) -> Preview {
        let counts = counts_of(&judged);
        let (rows, rows_left_off) = super::kept_for_display(judged);
        Preview {
            kind,
            sha256,
            headers: self.headers.clone(),
            mapping: self.mapping.clone(),
            rows,
            rows_left_off,
            counts,
            imported,
        }
    }

    /// A list of `kind` read whole, with `mapping` (else the one proposed for the kind).
    pub fn read(
        kind: super::Kind,
        bytes: &[u8],
        mapping: Option<&Mapping>,
    ) -> Result<Sheet, ImportError> {
        let mut headers: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        read::for_each_row::<ImportError>(bytes, ROWS_MAX, |line, mut cells| {
            cells.truncate(COLUMNS_MAX);
            if headers.is_none() {
                headers = Some(cells);
            } else {
                rows.push((line, cells));
            }
            Ok(())
        })?;
        let headers = headers.ok_or(ReadError::NoHeader)?;
        let mut mapping = match mapping {
            Some(m) => m.clone(),
            None => Mapping::propose_for(kind, &headers),
        };
        mapping.0.resize(headers.len(), None);
        Ok(Sheet {
            headers,
            mapping,
            rows,
        })
    }

    /// A refusal of `field`, named by its column.
    pub fn refusal(&self, field: Field, reason: Reason) -> RowError {
        RowError {
            field: Some(field),
            column: self
                .mapping
                .column(field)
                .and_then(|c| self.headers.get(c).cloned()),
            reason,
        }
    }
}

/// The keys a row gives for its person, as the person records store them; a malformed ID
/// or phone is refused by its column.
fn person_keys(sheet: &Sheet, c: &Cells<'_>, errors: &mut Vec<RowError>) -> PersonKeys {
    let national_id =
        c.get(Field::NationalId)
            .and_then(|s| match NationalId::parse(&row::national_id_text(s)) {
                Ok(n) => Some(n.as_str().to_string()),
                Err(r) => {
                    errors.push(sheet.refusal(Field::NationalId, r));
                    None
                }
            });
    let phone = c
        .get(Field::Phone)
        .and_then(|s| match Phone::parse(&row::phone_text(s)) {
            Ok(p) => Some(p.as_str().to_string()),
            Err(r) => {
                errors.push(sheet.refusal(Field::Phone, r));
                None
            }
        });
    PersonKeys {
        national_id,
        phone,
        name_folded: c.get(Field::FullName).map(domain::text::fold_diacritics),
        birth_date: c.get(Field::Birth).and_then(row::birth_text),
    }
}

impl App {
    /// The registered person a row names, by the duplicate review's keys (the national ID;
    /// the phone and folded name; the folded name and birth date), the strongest first;
    /// nobody in the caller's scope, or two alike by the strongest rule: refused. `errors` holds the row's other refusals.
    pub(super) async fn named_person(
        &self,
        caller: &Caller,
        sheet: &Sheet,
        c: &Cells<'_>,
        errors: &mut Vec<RowError>,
    ) -> Result<Option<PersonId>, ImportError> {
        let keys = person_keys(sheet, c, errors);
        if keys.national_id.is_none() && keys.name_folded.is_none() {
            errors.push(sheet.refusal(Field::FullName, Reason::Required));
            return Ok(None);
        }
        let found = self.store.person_matches(caller, &keys).await?;
        // Two registered persons alike by the strongest rule that matched (two of the same
        // name and birth date…): the row cannot say whose record it is.
        let strongest = found.first().map(|(_, why)| *why);
        if found
            .iter()
            .filter(|(_, why)| Some(*why) == strongest)
            .count()
            > 1
        {
            errors.push(sheet.refusal(Field::FullName, Reason::Ambiguous));
            return Ok(None);
        }
        match found.first() {
            Some((id, _)) => Ok(Some(*id)),
            None => {
                let field = if keys.national_id.is_some() && keys.name_folded.is_none() {
                    Field::NationalId
                } else {
                    Field::FullName
                };
                errors.push(sheet.refusal(field, Reason::NotFound));
                Ok(None)
            }
        }
    }
}

/// The preview's counts of its rows.
pub(super) fn counts_of(rows: &[RowPreview]) -> PreviewCounts {
    let mut counts = PreviewCounts {
        total: rows.len(),
        ..PreviewCounts::default()
    };
    for r in rows {
        match &r.outcome {
            Outcome::New => counts.new += 1,
            Outcome::Matched(_) => counts.matched += 1,
            Outcome::Suspected(..) => counts.suspected += 1,
            Outcome::Already(_) | Outcome::VenueAlready(_) => counts.already += 1,
            Outcome::Refused(_) => counts.refused += 1,
        }
    }
    counts
}

/// The record's counts of a preview.
pub(super) fn import_counts(c: &PreviewCounts) -> ImportCounts {
    ImportCounts {
        total: c.total as i64,
        new: c.new as i64,
        matched: c.matched as i64,
        already: c.already as i64,
        refused: c.refused as i64,
    }
}

/// The store's refusals at commit (`rows.N.field`, N the place among the rows written),
/// by line: `lines[N]` is the sheet's line of the N-th row written; `column_of` names the
/// column of a form's field.
pub(super) fn refused_at_commit(
    sheet: &Sheet,
    lines: &[usize],
    fields: &[domain::FieldError],
    column_of: &dyn Fn(&str) -> Option<Field>,
) -> Vec<super::RowRefusal> {
    let mut by_line: HashMap<usize, Vec<RowError>> = HashMap::new();
    for f in fields {
        let mut parts = f.field.splitn(3, '.');
        let (_, n, field) = (parts.next(), parts.next(), parts.next().unwrap_or_default());
        let line = n
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| lines.get(n))
            .copied()
            .unwrap_or(0);
        let e = match column_of(field) {
            Some(col) => sheet.refusal(col, f.reason),
            None => RowError {
                field: None,
                column: None,
                reason: f.reason,
            },
        };
        by_line.entry(line).or_default().push(e);
    }
    let mut out: Vec<super::RowRefusal> = by_line
        .into_iter()
        .map(|(line, errors)| super::RowRefusal { line, errors })
        .collect();
    out.sort_by_key(|r| r.line);
    out
}
