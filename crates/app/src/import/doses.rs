//! Vaccination lists of 2021 (kind `doses`): a registered person (see `named.rs`), the
//! vaccine as the lists wrote it ("AstraZeneca", "Vero Cell", "Pfizer", "Moderna",
//! "Sputnik V" → the dose form's product slugs, `Product::from_label`), the lot, the date,
//! the dose number ("2", "Mũi 2") and the place (a unit by name: the place's column, else
//! the row's commune, district and province). Each row is checked by the dose form's own
//! check (`vaccination::dose`) and written by its writes (`Store::record_doses_in`), all
//! in one transaction with the import's record. A person's dose number is theirs once: a
//! dose number the person already has is already imported, so a second import of the list
//! (or of another list holding the same doses) changes nothing.

use std::collections::HashSet;

use domain::vaccination::Product;
use domain::{FieldError, PersonId, Reason};
use store::{Caller, DoseItem, NewImport};

use super::header::{Field, Mapping};
use super::named::{self, Sheet};
use super::row::{self, Cells};
use super::{
    Committed, ImportError, Kind, Outcome, Preview, Progress, RowError, RowPreview, Upload,
    PROGRESS_EVERY,
};
use crate::vaccination::{dose, DoseInput};
use crate::App;

/// A dose number as typed: "2", "2.0" (a number cell), "Mũi 2", "mũi thứ 2".
fn dose_no_text(s: &str) -> Option<i64> {
    if let Ok(f) = s.trim().replace(',', ".").parse::<f64>() {
        return (f.fract() == 0.0 && (0.0..100.0).contains(&f)).then_some(f as i64);
    }
    let digits: String = s
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The column of the place: its own, else the commune's.
fn place_field(m: &Mapping) -> Field {
    if m.column(Field::DosePlace).is_some() || m.column(Field::Commune).is_none() {
        Field::DosePlace
    } else {
        Field::Commune
    }
}

/// The column of a dose form's field.
fn column_of(m: &Mapping, form: &str) -> Option<Field> {
    match form {
        "unit" => Some(place_field(m)),
        "person_id" => Some(Field::FullName),
        f => Field::of_form_field(f),
    }
}

/// The place's unit code as the dose form takes it (the 2021 code; a commune only in the
/// 2025 structure by its 2025 code).
fn place(c: &Cells<'_>, m: &Mapping) -> Result<String, Reason> {
    let found = match place_field(m) {
        Field::DosePlace => {
            row::resolve_unit(c.get(Field::DosePlace).ok_or(Reason::Required)?, None, None)
        }
        _ => row::resolve_unit(
            c.get(Field::Commune).ok_or(Reason::Required)?,
            c.get(Field::District),
            c.get(Field::Province),
        ),
    }?;
    Ok(found
        .strip_prefix("2025:")
        .map_or(found.clone(), str::to_string))
}

/// A row judged: the dose to write and what it is, or its refusals.
type Judged = Result<(DoseItem, Outcome), Vec<RowError>>;

impl App {
    async fn judge_dose_row(
        &self,
        caller: &Caller,
        sheet: &Sheet,
        cells: &[String],
    ) -> Result<Judged, ImportError> {
        let c = Cells {
            mapping: &sheet.mapping,
            cells,
        };
        let mut errors = Vec::new();
        let person = self.named_person(caller, sheet, &c, &mut errors).await?;
        let product = match c.get(Field::Vaccine) {
            None => None,
            Some(v) => match Product::from_label(v) {
                Some(p) => Some(p.as_str().to_string()),
                None => {
                    errors.push(sheet.refusal(Field::Vaccine, Reason::UnknownValue));
                    None
                }
            },
        };
        let dose_no = match c.get(Field::DoseNo) {
            None => None,
            Some(s) => match dose_no_text(s) {
                Some(n) => Some(n),
                None => {
                    errors.push(sheet.refusal(Field::DoseNo, Reason::InvalidFormat));
                    None
                }
            },
        };
        let given_on = c.get(Field::GivenOn).map(|s| {
            row::time_text(s)
                .and_then(|t| t.get(..10).map(str::to_string))
                .unwrap_or_else(|| s.to_string())
        });
        let unit = match place(&c, &sheet.mapping) {
            Ok(u) => Some(u),
            Err(r) => {
                errors.push(sheet.refusal(place_field(&sheet.mapping), r));
                None
            }
        };
        let input = DoseInput {
            client_id: person
                .zip(dose_no)
                .map(|(p, n)| format!("import:{}:{n}", p.0)),
            // An unknown person is named above; the form's check sees a placeholder.
            person_id: Some(person.map_or(1, |p| p.0)),
            product,
            dose_no,
            given_on,
            unit,
            lot: c.get(Field::Lot).map(str::to_string),
        };
        let mut form_errors: Vec<FieldError> = Vec::new();
        let item = dose(&input, self.today(), &mut form_errors);
        for e in form_errors {
            let field = column_of(&sheet.mapping, &e.field);
            // A field the row's own reading refused is not also named by the form's check.
            if !errors.iter().any(|r| r.field == field) {
                errors.push(match field {
                    Some(f) => sheet.refusal(f, e.reason),
                    None => RowError {
                        field: None,
                        column: None,
                        reason: e.reason,
                    },
                });
            }
        }
        match (item, person, errors.is_empty()) {
            (Some(item), Some(p), true) => {
                let outcome = if self.store.has_dose(p, item.dose_no).await? {
                    Outcome::Already(p)
                } else {
                    Outcome::Matched(p)
                };
                Ok(Ok((item, outcome)))
            }
            _ => Ok(Err(errors)),
        }
    }

    /// Reads and judges a vaccination list: the preview and the doses to write (line, dose).
    pub(super) async fn judge_doses(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        progress: Progress<'_>,
    ) -> Result<(Preview, Sheet, Vec<(usize, DoseItem)>), ImportError> {
        let sha256 = upload.sha256();
        let imported = self
            .store
            .import_by_hash(upload.kind.as_str(), &sha256)
            .await?;
        let mut sheet = Sheet::read(Kind::Doses, upload.bytes, mapping)?;
        let rows = std::mem::take(&mut sheet.rows);
        let total = rows.len();
        let mut previews = Vec::with_capacity(total);
        let mut ready = Vec::new();
        // A person's dose number written once, however often the file repeats it.
        let mut seen: HashSet<(PersonId, u8)> = HashSet::new();
        for (i, (line, cells)) in rows.into_iter().enumerate() {
            if i % PROGRESS_EVERY == 0 {
                progress(i, total);
            }
            let outcome = match self.judge_dose_row(caller, &sheet, &cells).await? {
                Ok((item, outcome)) => {
                    if !seen.insert((item.person_id, item.dose_no)) {
                        Outcome::Refused(vec![sheet.refusal(Field::DoseNo, Reason::Duplicate)])
                    } else {
                        if matches!(outcome, Outcome::Matched(_)) {
                            ready.push((line, item));
                        }
                        outcome
                    }
                }
                Err(errors) => Outcome::Refused(errors),
            };
            previews.push(RowPreview { line, outcome });
        }
        progress(total, total);
        let preview = sheet.preview(Kind::Doses, sha256, imported, previews);
        Ok((preview, sheet, ready))
    }

    /// Judges the list again and writes its doses with the import's record, or nothing.
    pub(super) async fn commit_doses(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        progress: Progress<'_>,
    ) -> Result<Committed, ImportError> {
        let (preview, sheet, ready) = self.judge_doses(caller, upload, mapping, progress).await?;
        if let Some(record) = preview.imported {
            return Ok(Committed::unchanged(record));
        }
        let file_name = upload.stored_name();
        let import = NewImport {
            kind: Kind::Doses.as_str(),
            file_name: &file_name,
            sha256: &preview.sha256,
            counts: named::import_counts(&preview.counts),
        };
        let (lines, items): (Vec<usize>, Vec<DoseItem>) = ready.into_iter().unzip();
        let written = self
            .store
            .commit_dose_import(caller, &import, &items, self.now_s())
            .await;
        super::committed(written, preview, |fields| {
            let m = &sheet.mapping;
            named::refused_at_commit(&sheet, &lines, &fields, &|f| column_of(m, f))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dose_numbers_as_typed() {
        assert_eq!(dose_no_text("2"), Some(2));
        assert_eq!(dose_no_text("2.0"), Some(2));
        assert_eq!(dose_no_text("Mũi 3"), Some(3));
        assert_eq!(dose_no_text("mũi thứ 1"), Some(1));
        assert_eq!(dose_no_text("hai"), None);
    }
}
