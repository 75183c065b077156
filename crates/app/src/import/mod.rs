//! Imports of spreadsheets (issue #16, item 1): the F0 line lists of 2021, from XLSX or CSV,
//! with Vietnamese or English headers in any order. A file is first previewed (nothing
//! written): each row is read into the inputs the forms take and checked by the same checks
//! (`case_batch::check_lines`), matched against the registered persons by the duplicate
//! review's rules, and counted new, matched, already imported or refused (each refusal
//! named by line, column and reason). A commit reads the file again the same way (a preview
//! is not trusted), skips the refused rows and writes the others with the import's record in
//! one transaction (`Store::commit_import`); the same file committed twice changes nothing.
//!
//! Kinds other than F0 lists (contacts, lab results, doses…) are further [`Kind`]s with
//! their own fields and row parser; reading, mapping, matching and the record are shared.

mod doses;
pub mod header;
mod labs;
mod named;
pub mod read;
pub mod row;

use std::collections::{HashMap, HashSet};

use domain::person::NewPerson;
use domain::{FieldError, PersonId, Reason};
use sha2::{Digest, Sha256};
use store::{
    Caller, ImportCommit, ImportCounts, ImportRecord, LineCase, LinePerson, NewImport, PairReason,
    PersonKeys, StoreError,
};

pub use header::{Field, Mapping};
pub use read::ReadError;

use crate::case_batch::{check_lines, LineInput};
use crate::App;

/// The most rows one file may hold.
pub const ROWS_MAX: usize = 1_000_000;
/// The most columns read from a row.
pub const COLUMNS_MAX: usize = 200;
/// The longest file name kept.
pub const FILE_NAME_MAX_CHARS: usize = 200;

/// What kind of list a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Persons with their cases (F0 line lists).
    Cases,
    /// Vaccine doses of registered persons (vaccination lists, `doses.rs`).
    Doses,
    /// Lab results of registered persons (`labs.rs`).
    Labs,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cases => "cases",
            Kind::Doses => "doses",
            Kind::Labs => "labs",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "cases" => Some(Kind::Cases),
            "doses" => Some(Kind::Doses),
            "labs" => Some(Kind::Labs),
            _ => None,
        }
    }
}

/// A file as uploaded.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub kind: Kind,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

impl Upload<'_> {
    /// SHA-256 of the bytes, lower-case hex: the file's identity for idempotence.
    pub fn sha256(&self) -> String {
        Sha256::digest(self.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Why an import was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The rows the store refused at commit (found after the preview, e.g. a person
    /// registered meanwhile); nothing was written.
    #[error("rows refused")]
    Refused(Vec<RowRefusal>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One refusal of a row: the column (its header as the file has it; none when the field
/// has no column, e.g. a unit when no commune column is mapped) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub field: Option<Field>,
    pub column: Option<String>,
    pub reason: Reason,
}

/// A refused row: its line in the sheet (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRefusal {
    pub line: usize,
    pub errors: Vec<RowError>,
}

/// What a row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new person with a new case.
    New,
    /// A registered person (the same national ID): the case is theirs.
    Matched(PersonId),
    /// Perhaps a registered person (the same phone and name, or name and birth date):
    /// the user chooses ([`Choice`]); by default a new person is registered.
    Suspected(PersonId, PairReason),
    /// Already imported: the person has this case (the same sample time).
    Already(PersonId),
    Refused(Vec<RowError>),
}

/// A row's line and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPreview {
    pub line: usize,
    pub outcome: Outcome,
}

/// The user's choice for a suspected duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The row is the registered person: the case is theirs.
    Merge,
    /// The row is someone else: registered as a new person.
    Create,
}

/// Counts of a preview.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreviewCounts {
    pub total: usize,
    pub new: usize,
    pub matched: usize,
    pub suspected: usize,
    pub already: usize,
    pub refused: usize,
}

/// A file read and judged, nothing written.
#[derive(Debug, Clone)]
pub struct Preview {
    pub kind: Kind,
    pub sha256: String,
    pub headers: Vec<String>,
    pub mapping: Mapping,
    pub rows: Vec<RowPreview>,
    pub counts: PreviewCounts,
    /// This file's earlier commit, if any: committing again changes nothing.
    pub imported: Option<ImportRecord>,
}

/// What a commit did.
#[derive(Debug, Clone)]
pub struct Committed {
    pub record: ImportRecord,
    /// False when the file had been committed before and nothing changed.
    pub written: bool,
}

/// Told (rows judged, rows in the file) as a file is judged, every [`PROGRESS_EVERY`] rows
/// and at the end: a progress bar's feed.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// How often [`Progress`] is told.
pub const PROGRESS_EVERY: usize = 1000;

fn no_progress(_: usize, _: usize) {}

/// A checked row on its way to the store.
struct Ready {
    line: usize,
    case: LineCase,
}

/// Names the field of a check's refusal by its column.
fn row_error(mapping: &Mapping, headers: &[String], e: &FieldError) -> RowError {
    let form_field = e
        .field
        .split_once('.')
        .map_or(e.field.as_str(), |(head, rest)| {
            // `rows.0.test.sample_at` → `test.sample_at`.
            if head == "rows" {
                rest.split_once('.').map_or(rest, |(_, f)| f)
            } else {
                &e.field
            }
        });
    let field = Field::of_form_field(form_field);
    let column = field
        .and_then(|f| mapping.column(f))
        .and_then(|c| headers.get(c).cloned());
    RowError {
        field,
        column,
        reason: e.reason,
    }
}

fn keys(p: &NewPerson) -> PersonKeys {
    PersonKeys {
        national_id: p.national_id.as_ref().map(|n| n.as_str().to_string()),
        phone: p.phone.as_ref().map(|n| n.as_str().to_string()),
        name_folded: Some(domain::text::fold_diacritics(&p.full_name)),
        birth_date: p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

impl App {
    /// The headers of a file and the mapping proposed for them (or a saved one, by name).
    pub async fn import_headers(
        &self,
        upload: &Upload<'_>,
        saved: Option<&str>,
    ) -> Result<(Vec<String>, Mapping), ImportError> {
        let headers = first_row(upload.bytes)?;
        let mapping = match saved {
            Some(name) => {
                let saved = self.import_mapping(upload.kind, name).await?;
                Mapping::with_saved(&headers, &saved.unwrap_or_default())
            }
            None => Mapping::propose(&headers),
        };
        Ok((headers, mapping))
    }

    /// A saved mapping by name: (header, field) pairs.
    pub async fn import_mapping(
        &self,
        kind: Kind,
        name: &str,
    ) -> Result<Option<Vec<(String, Option<Field>)>>, ImportError> {
        let all = self.store.import_mappings(kind.as_str()).await?;
        Ok(all
            .into_iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, json)| serde_json::from_str(&json).ok()))
    }

    /// Saves the mapping of these headers by name (replacing one of the same name).
    pub async fn save_import_mapping(
        &self,
        caller: &Caller,
        kind: Kind,
        name: &str,
        headers: &[String],
        mapping: &Mapping,
    ) -> Result<(), ImportError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ImportError::Read(ReadError::Malformed(
                "mapping name".into(),
            )));
        }
        let pairs: Vec<(String, Option<Field>)> = headers
            .iter()
            .cloned()
            .zip(mapping.0.iter().copied())
            .collect();
        let json = serde_json::to_string(&pairs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.store
            .save_import_mapping(caller, kind.as_str(), name, &json, self.now_s())
            .await?;
        Ok(())
    }

    /// Reads and judges every row; writes nothing. `mapping`: the user's (else proposed).
    pub async fn preview_import(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
    ) -> Result<Preview, ImportError> {
        match upload.kind {
            Kind::Cases => {}
            Kind::Doses => {
                let judged = self.judge_doses(caller, upload, mapping, &no_progress);
                return Ok(judged.await?.0);
            }
            Kind::Labs => {
                let judged = self.judge_labs(caller, upload, mapping, &no_progress);
                return Ok(judged.await?.0);
            }
        }
        let (preview, _) = self
            .judge(caller, upload, mapping, choices, &no_progress)
            .await?;
        Ok(preview)
    }

    /// Reads and judges the file again, then writes every row not refused, with the
    /// import's record, in one transaction, or nothing. The same file committed before
    /// changes nothing and answers its record.
    pub async fn commit_import(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
    ) -> Result<Committed, ImportError> {
        self.commit_import_with(caller, upload, mapping, choices, &no_progress)
            .await
    }

    /// [`App::commit_import`], telling `progress` as rows are judged.
    pub async fn commit_import_with(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
        progress: Progress<'_>,
    ) -> Result<Committed, ImportError> {
        // A file committed before is not judged again: nothing would change.
        if let Some(record) = self
            .store
            .import_by_hash(upload.kind.as_str(), &upload.sha256())
            .await?
        {
            return Ok(Committed {
                record,
                written: false,
            });
        }
        match upload.kind {
            Kind::Cases => {}
            Kind::Doses => return self.commit_doses(caller, upload, mapping, progress).await,
            Kind::Labs => return self.commit_labs(caller, upload, mapping, progress).await,
        }
        let (preview, ready) = self
            .judge(caller, upload, mapping, choices, progress)
            .await?;
        if let Some(record) = preview.imported {
            return Ok(Committed {
                record,
                written: false,
            });
        }
        let c = preview.counts;
        let counts = ImportCounts {
            total: c.total as i64,
            new: ready
                .iter()
                .filter(|r| matches!(r.case.person, LinePerson::New { .. }))
                .count() as i64,
            matched: ready
                .iter()
                .filter(|r| matches!(r.case.person, LinePerson::Existing(_)))
                .count() as i64,
            already: c.already as i64,
            refused: c.refused as i64,
        };
        let file_name: String = upload.file_name.chars().take(FILE_NAME_MAX_CHARS).collect();
        let sha = preview.sha256.clone();
        let import = NewImport {
            kind: upload.kind.as_str(),
            file_name: &file_name,
            sha256: &sha,
            counts,
        };
        let lines: Vec<LineCase> = ready.iter().map(|r| r.case.clone()).collect();
        match self
            .store
            .commit_import(caller, &import, &lines, self.now_s())
            .await
        {
            Ok(ImportCommit::Done { record, .. }) => Ok(Committed {
                record,
                written: true,
            }),
            Ok(ImportCommit::AlreadyImported(record)) => Ok(Committed {
                record,
                written: false,
            }),
            Err(StoreError::Invalid(fields)) => {
                // `rows.N.field`: N is the place among the rows written.
                let mut by_line: Vec<RowRefusal> = Vec::new();
                for f in &fields {
                    let n = f
                        .field
                        .strip_prefix("rows.")
                        .and_then(|r| r.split('.').next())
                        .and_then(|n| n.parse::<usize>().ok());
                    let line = n.and_then(|n| ready.get(n)).map_or(0, |r| r.line);
                    let e = row_error(&preview.mapping, &preview.headers, f);
                    match by_line.iter_mut().find(|r| r.line == line) {
                        Some(r) => r.errors.push(e),
                        None => by_line.push(RowRefusal {
                            line,
                            errors: vec![e],
                        }),
                    }
                }
                Err(ImportError::Refused(by_line))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The recorded imports, newest first.
    pub async fn imports(&self, limit: i64) -> Result<Vec<ImportRecord>, ImportError> {
        Ok(self.store.imports(limit.clamp(1, 500)).await?)
    }

    async fn judge(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
        progress: Progress<'_>,
    ) -> Result<(Preview, Vec<Ready>), ImportError> {
        let sha256 = upload.sha256();
        let imported = self
            .store
            .import_by_hash(upload.kind.as_str(), &sha256)
            .await?;
        // The sheet is read once into its rows' cells (bounded by ROWS_MAX × COLUMNS_MAX),
        // then judged row by row against the database.
        let mut headers: Option<Vec<String>> = None;
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        read::for_each_row::<ImportError>(upload.bytes, ROWS_MAX, |line, mut cells| {
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
            None => Mapping::propose(&headers),
        };
        mapping.0.resize(headers.len(), None);
        let now = self.now_s();
        let today = self.today();
        let mut previews = Vec::with_capacity(rows.len());
        let mut ready = Vec::new();
        let mut counts = PreviewCounts {
            total: rows.len(),
            ..PreviewCounts::default()
        };
        // New persons of this file by national ID, and cases by person and sample: a
        // row repeated in the file is refused, not written twice.
        let mut seen_ids: HashSet<String> = HashSet::new();
        let mut seen_cases: HashSet<(String, Option<String>, i64)> = HashSet::new();
        let total = rows.len();
        for (i, (line, cells)) in rows.into_iter().enumerate() {
            if i % PROGRESS_EVERY == 0 {
                progress(i, total);
            }
            let outcome = self
                .judge_row(
                    caller, &headers, &mapping, &cells, now, today, line, choices,
                )
                .await?;
            let outcome = match outcome {
                Ok((case, outcome)) => {
                    let sample = case.case.test.sample_s;
                    let repeated = match &case.person {
                        LinePerson::New { person, .. } => {
                            let k = keys(person);
                            let id_seen = k
                                .national_id
                                .as_ref()
                                .is_some_and(|n| !seen_ids.insert(n.clone()));
                            let case_seen = !seen_cases.insert((
                                k.name_folded.unwrap_or_default(),
                                k.birth_date,
                                sample,
                            ));
                            id_seen || case_seen
                        }
                        LinePerson::Existing(id) => {
                            !seen_cases.insert((format!("#{}", id.0), None, sample))
                        }
                    };
                    if repeated {
                        Outcome::Refused(vec![RowError {
                            field: Some(Field::FullName),
                            column: mapping
                                .column(Field::FullName)
                                .and_then(|c| headers.get(c).cloned()),
                            reason: Reason::Duplicate,
                        }])
                    } else {
                        if !matches!(outcome, Outcome::Already(_)) {
                            ready.push(Ready { line, case });
                        }
                        outcome
                    }
                }
                Err(errors) => Outcome::Refused(errors),
            };
            match &outcome {
                Outcome::New => counts.new += 1,
                Outcome::Matched(_) => counts.matched += 1,
                Outcome::Suspected(..) => counts.suspected += 1,
                Outcome::Already(_) => counts.already += 1,
                Outcome::Refused(_) => counts.refused += 1,
            }
            previews.push(RowPreview { line, outcome });
        }
        progress(total, total);
        Ok((
            Preview {
                kind: upload.kind,
                sha256,
                headers,
                mapping,
                rows: previews,
                counts,
                imported,
            },
            ready,
        ))
    }

    /// One row: the line ready for the store and what it is, or its refusals.
    #[allow(clippy::too_many_arguments)]
    async fn judge_row(
        &self,
        caller: &Caller,
        headers: &[String],
        mapping: &Mapping,
        cells: &[String],
        now: i64,
        today: chrono::NaiveDate,
        line: usize,
        choices: &HashMap<usize, Choice>,
    ) -> Result<Result<(LineCase, Outcome), Vec<RowError>>, ImportError> {
        let mut errors = Vec::new();
        let parsed = row::parse_row(&row::Cells { mapping, cells }, &mut errors);
        let input = LineInput {
            person_id: None,
            person: Some(parsed.person),
            address: parsed.address,
            case: parsed.case,
        };
        // The line list's checks: the same a form's row passes.
        let checked = check_lines(std::slice::from_ref(&input), now, today);
        let (person, mut case) = match checked {
            Ok(mut c) if errors.is_empty() => c.remove(0),
            Ok(_) => {
                return Ok(Err(errors
                    .iter()
                    .map(|e| row_error(mapping, headers, e))
                    .collect()))
            }
            Err(fields) => {
                // A field the row's own reading refused is not also named by the checks.
                for f in fields {
                    let bare = f
                        .field
                        .splitn(3, '.')
                        .nth(2)
                        .unwrap_or(&f.field)
                        .to_string();
                    if !errors.iter().any(|e| e.field == bare) {
                        errors.push(FieldError::new(bare, f.reason));
                    }
                }
                return Ok(Err(errors
                    .iter()
                    .map(|e| row_error(mapping, headers, e))
                    .collect()));
            }
        };
        let LinePerson::New { person: new, .. } = &person else {
            return Err(
                StoreError::Corrupt("import: a row names a registered person".into()).into(),
            );
        };
        // Out of the caller's jurisdiction: refused here, as the store would.
        let unit = crate::registry::Registry::of(new.structure).get(new.unit_code.as_str());
        if !unit.is_some_and(|u| caller.scope.contains(u.structure, &u.path)) {
            let e = FieldError::new("unit", Reason::OutOfScope);
            return Ok(Err(vec![row_error(mapping, headers, &e)]));
        }
        let matches = self.store.person_matches(caller, &keys(new)).await?;
        let (existing, outcome) = match matches.first() {
            None => (None, Outcome::New),
            Some((id, PairReason::NationalId)) => (Some(*id), Outcome::Matched(*id)),
            Some((id, reason)) => match choices.get(&line) {
                Some(Choice::Merge) => (Some(*id), Outcome::Suspected(*id, *reason)),
                _ => (None, Outcome::Suspected(*id, *reason)),
            },
        };
        let Some(id) = existing else {
            return Ok(Ok((LineCase { person, case }, outcome)));
        };
        if self.store.has_case_sampled(id, case.test.sample_s).await? {
            return Ok(Ok((
                LineCase {
                    person: LinePerson::Existing(id),
                    case,
                },
                Outcome::Already(id),
            )));
        }
        // As for one case: a registered person in a recorded quarantine stay when sampled
        // is not a community case.
        case.community = !self.store.quarantined_at(id, case.test.sample_s).await?;
        Ok(Ok((
            LineCase {
                person: LinePerson::Existing(id),
                case,
            },
            outcome,
        )))
    }
}

/// The header row of a file.
pub fn first_row(bytes: &[u8]) -> Result<Vec<String>, ReadError> {
    let mut headers = None;
    // Reading stops at the first row: the error that stops it is not an error.
    let r = read::for_each_row::<ReadError>(bytes, ROWS_MAX, |_, mut cells| {
        cells.truncate(COLUMNS_MAX);
        headers = Some(cells);
        Err(ReadError::Empty)
    });
    match (headers, r) {
        (Some(h), _) => Ok(h),
        (None, Err(e)) => Err(e),
        (None, Ok(())) => Err(ReadError::NoHeader),
    }
}
