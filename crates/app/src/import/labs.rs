//! Lab result lists (kind `labs`): sample id, a registered person (see `named.rs`), sample
//! and result times, PCR or antigen, the result and the Ct. Each row is checked by the case
//! page's test form (`cases::check_case_test`), then:
//! - the person has a case sampled by then: the result is added to their latest such case,
//!   as the test form adds it (`Store::add_case_test_in`) — `Matched`;
//! - no case and the result is positive: the case is made as the case form makes it from
//!   a positive test (`Store::create_case_in`; mild, as an F0 list without a severity
//!   column; not a community case if the person was in a recorded quarantine stay when
//!   sampled), and later rows of the same person in the file go to it — `New`;
//! - no case and a negative result: refused (`NotAllowed` on the result's column): tests
//!   are kept with cases and contacts here, and a negative screening of someone who is
//!   neither has nowhere to go.
//!
//! Idempotent on the person, the test kind and the sample time: a test already held is
//! already imported. The sample id is read and a sample id repeated within a file is
//! refused; it is not stored (the tests table has no column for it), so the idempotence
//! across files rests on the person and the sample time.

use std::collections::{HashMap, HashSet};

use domain::epi::Severity;
use domain::{FieldError, PersonId, Reason};
use store::{Caller, LabRow, NewCase, NewImport};

use super::header::{Field, Mapping};
use super::named::{self, Sheet};
use super::row::{self, Cells};
use super::{
    Committed, ImportError, Kind, Outcome, Preview, Progress, RowError, RowPreview, Upload,
    PROGRESS_EVERY,
};
use crate::cases::{check_case_test, CaseTestInput};
use crate::App;

/// The column of a test form's field.
fn column_of(form: &str) -> Option<Field> {
    Some(match form {
        "kind" => Field::TestKind,
        "sample_at" => Field::SampleAt,
        "result_at" => Field::ResultAt,
        "positive" | "case" => Field::Result,
        "ct" => Field::Ct,
        "person_id" => Field::FullName,
        f => return Field::of_form_field(f),
    })
}

/// A row judged, before the file's own repeats are seen.
enum Judged {
    /// Added to this case.
    ToCase(PersonId, domain::CaseId, store::TestResult),
    /// A positive result of a person without a case.
    NoCase(PersonId, store::TestResult),
    Already(PersonId),
}

impl App {
    async fn judge_lab_row(
        &self,
        caller: &Caller,
        sheet: &Sheet,
        cells: &[String],
    ) -> Result<Result<Judged, Vec<RowError>>, ImportError> {
        let c = Cells {
            mapping: &sheet.mapping,
            cells,
        };
        let mut errors = Vec::new();
        let person = self.named_person(caller, sheet, &c, &mut errors).await?;
        let positive = match c.get(Field::Result) {
            None => None,
            Some(r) => match row::positive(r) {
                Some(p) => Some(p),
                None => {
                    errors.push(sheet.refusal(Field::Result, Reason::UnknownValue));
                    None
                }
            },
        };
        let ct = match c.get(Field::Ct).map(|s| s.replace(',', ".").parse::<f64>()) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(_)) => {
                errors.push(sheet.refusal(Field::Ct, Reason::InvalidFormat));
                None
            }
        };
        let time = |f: Field| {
            c.get(f)
                .map(|s| row::time_text(s).unwrap_or_else(|| s.to_string()))
        };
        let sample_at = time(Field::SampleAt);
        let input = CaseTestInput {
            // RT-PCR unless the list says otherwise, as for F0 lists.
            kind: Some(
                c.get(Field::TestKind)
                    .map_or("pcr".into(), row::test_kind_slug),
            ),
            result_at: time(Field::ResultAt).or_else(|| sample_at.clone()),
            sample_at,
            positive,
            ct,
        };
        let checked = check_case_test(&input, self.now_s());
        let form_errors: Vec<FieldError> = checked.as_ref().err().cloned().unwrap_or_default();
        for e in form_errors {
            let field = column_of(&e.field);
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
        let (Ok(test), Some(p), true) = (checked, person, errors.is_empty()) else {
            return Ok(Err(errors));
        };
        if self
            .store
            .has_test_sampled(p, test.kind.as_str(), test.sample_s)
            .await?
        {
            return Ok(Ok(Judged::Already(p)));
        }
        Ok(Ok(
            match self.store.case_for_result(p, test.sample_s).await? {
                Some(case) => Judged::ToCase(p, case, test),
                None => Judged::NoCase(p, test),
            },
        ))
    }

    /// Reads and judges a lab list: the preview and the rows to write (line, row).
    pub(super) async fn judge_labs(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        progress: Progress<'_>,
    ) -> Result<(Preview, Sheet, Vec<(usize, LabRow)>), ImportError> {
        let sha256 = upload.sha256();
        let imported = self
            .store
            .import_by_hash(upload.kind.as_str(), &sha256)
            .await?;
        let mut sheet = Sheet::read(Kind::Labs, upload.bytes, mapping)?;
        let rows = std::mem::take(&mut sheet.rows);
        let total = rows.len();
        let mut previews = Vec::with_capacity(total);
        let mut ready: Vec<(usize, LabRow)> = Vec::new();
        let mut seen_ids: HashSet<String> = HashSet::new();
        let mut seen_tests: HashSet<(PersonId, &'static str, i64)> = HashSet::new();
        // The row (among those written) that makes a person's case in this file.
        let mut made: HashMap<PersonId, usize> = HashMap::new();
        for (i, (line, cells)) in rows.into_iter().enumerate() {
            if i % PROGRESS_EVERY == 0 {
                progress(i, total);
            }
            let judged = self.judge_lab_row(caller, &sheet, &cells).await?;
            let c = Cells {
                mapping: &sheet.mapping,
                cells: &cells,
            };
            let id_repeated = judged.is_ok()
                && c.get(Field::SampleId)
                    .is_some_and(|s| !seen_ids.insert(s.to_string()));
            let outcome = match judged {
                _ if id_repeated => {
                    Outcome::Refused(vec![sheet.refusal(Field::SampleId, Reason::Duplicate)])
                }
                Err(errors) => Outcome::Refused(errors),
                Ok(Judged::Already(p)) => Outcome::Already(p),
                Ok(Judged::ToCase(p, _, t) | Judged::NoCase(p, t))
                    if !seen_tests.insert((p, t.kind.as_str(), t.sample_s)) =>
                {
                    Outcome::Refused(vec![sheet.refusal(Field::SampleAt, Reason::Duplicate)])
                }
                Ok(Judged::ToCase(p, case, test)) => {
                    ready.push((line, LabRow::AddTest { case, test }));
                    Outcome::Matched(p)
                }
                Ok(Judged::NoCase(p, test)) => match made.get(&p) {
                    Some(&row) => {
                        ready.push((line, LabRow::AddToRow { row, test }));
                        Outcome::Matched(p)
                    }
                    None if test.positive => {
                        let community = !self.store.quarantined_at(p, test.sample_s).await?;
                        made.insert(p, ready.len());
                        ready.push((
                            line,
                            LabRow::NewCase(NewCase {
                                person_id: p,
                                severity: Severity::Mild,
                                onset_s: None,
                                test,
                                isolation_s: None,
                                community,
                            }),
                        ));
                        Outcome::New
                    }
                    None => {
                        Outcome::Refused(vec![sheet.refusal(Field::Result, Reason::NotAllowed)])
                    }
                },
            };
            previews.push(RowPreview { line, outcome });
        }
        progress(total, total);
        let preview = sheet.preview(Kind::Labs, sha256, imported, previews);
        Ok((preview, sheet, ready))
    }

    /// Judges the list again and writes its results with the import's record, or nothing.
    pub(super) async fn commit_labs(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        progress: Progress<'_>,
    ) -> Result<Committed, ImportError> {
        let (preview, sheet, ready) = self.judge_labs(caller, upload, mapping, progress).await?;
        if let Some(record) = preview.imported {
            return Ok(Committed::unchanged(record));
        }
        let file_name = upload.stored_name();
        let import = NewImport {
            kind: Kind::Labs.as_str(),
            file_name: &file_name,
            sha256: &preview.sha256,
            counts: named::import_counts(&preview.counts),
        };
        let (lines, rows): (Vec<usize>, Vec<LabRow>) = ready.into_iter().unzip();
        let written = self
            .store
            .commit_lab_import(caller, &import, &rows, self.now_s())
            .await;
        super::committed(written, preview, |fields| {
            named::refused_at_commit(&sheet, &lines, &fields, &|f| {
                // The case form names its test `test.…`.
                column_of(f.strip_prefix("test.").unwrap_or(f))
            })
        })
    }
}
