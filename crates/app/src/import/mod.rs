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

mod checkins;
mod contacts;
mod doses;
pub mod header;
mod labs;
mod named;
pub mod read;
pub mod row;
mod venues;

use std::collections::{HashMap, HashSet};

use domain::person::NewPerson;
use domain::{FieldError, PersonId, Reason, VenueId};
use sha2::{Digest, Sha256};
use store::{
    Caller, ImportBegun, ImportCommit, ImportCounts, ImportRecord, ImportWriter, LineCase,
    LinePerson, NewImport, PairReason, PersonKeys, StoreError,
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
    /// F1 lists: contacts with their source case (`contacts.rs`).
    Contacts,
    /// Venues a district kept (`venues.rs`).
    Venues,
    /// Check-ins exported by another system (`checkins.rs`).
    Checkins,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cases => "cases",
            Kind::Doses => "doses",
            Kind::Labs => "labs",
            Kind::Contacts => "contacts",
            Kind::Venues => "venues",
            Kind::Checkins => "checkins",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "cases" => Some(Kind::Cases),
            "doses" => Some(Kind::Doses),
            "labs" => Some(Kind::Labs),
            "contacts" => Some(Kind::Contacts),
            "venues" => Some(Kind::Venues),
            "checkins" => Some(Kind::Checkins),
            _ => None,
        }
    }

    /// The fields a list of this kind reads: the columns its mapping may name (the
    /// mapping page offers these; a header naming another kind's field is not read).
    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            Kind::Cases => &[
                FullName, Birth, Sex, NationalId, Phone, Address, Commune, District, Province,
                SampleAt, ResultAt, Result, TestKind, Ct, Severity, Onset, Place,
            ],
            Kind::Doses => &[
                FullName, Birth, NationalId, Phone, Commune, District, Province, Vaccine, Lot,
                DoseNo, GivenOn, DosePlace,
            ],
            Kind::Labs => &[
                FullName, Birth, NationalId, Phone, SampleId, SampleAt, ResultAt, Result, TestKind,
                Ct,
            ],
            Kind::Contacts => &[
                FullName,
                Birth,
                Sex,
                NationalId,
                Phone,
                Address,
                Commune,
                District,
                Province,
                SourceCase,
                SourceNationalId,
                SourceName,
                SourceBirth,
                Degree,
                ExposedAt,
                Relation,
            ],
            Kind::Venues => &[
                VenueName, VenueKind, Address, Commune, District, Province, Capacity, Opens, Closes,
            ],
            Kind::Checkins => &[
                FullName, Birth, NationalId, Phone, VenueCode, VenueName, Commune, District,
                Province, TimeIn, TimeOut,
            ],
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
    /// The file's name as recorded: its first [`FILE_NAME_MAX_CHARS`] characters.
    pub fn stored_name(&self) -> String {
        self.file_name.chars().take(FILE_NAME_MAX_CHARS).collect()
    }

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
    /// Of a venue list: this venue is registered (the same folded name in the same commune).
    VenueAlready(VenueId),
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
    /// The first [`PREVIEW_ROWS_MAX`] rows of each outcome, in the file's order.
    pub rows: Vec<RowPreview>,
    /// Rows judged and counted but not kept in `rows`.
    pub rows_left_off: usize,
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
    /// The file as the commit judged it (its refused rows, its counts): a commit judges
    /// every row, so a caller need not preview first. None when nothing was judged (the
    /// same file committed before).
    pub judged: Option<Preview>,
}

impl Committed {
    /// The same file committed before: its record, nothing written, nothing judged.
    pub(super) fn unchanged(record: ImportRecord) -> Committed {
        Committed {
            record,
            written: false,
            judged: None,
        }
    }
}

/// Told (rows judged, rows in the file) as a file is judged, every [`PROGRESS_EVERY`] rows
/// and at the end: a progress bar's feed.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// How often [`Progress`] is told.
pub const PROGRESS_EVERY: usize = 1000;

/// The rows of each outcome a preview keeps for display (the first ones); the others are
/// counted ([`Preview::rows_left_off`]).
pub const PREVIEW_ROWS_MAX: usize = 1000;

/// A commit's answer from the store's: written, the same file committed before (nothing
/// changed), or the rows the store refused, named by line (`refused` maps its fields to
/// the sheet's lines; each kind names its fields its own way).
pub(super) fn committed(
    written: Result<ImportCommit, StoreError>,
    judged: Preview,
    refused: impl FnOnce(Vec<FieldError>) -> Vec<RowRefusal>,
) -> Result<Committed, ImportError> {
    match written {
        Ok(ImportCommit::Done { record, .. }) => Ok(Committed {
            record,
            written: true,
            judged: Some(judged),
        }),
        Ok(ImportCommit::AlreadyImported(record)) => Ok(Committed::unchanged(record)),
        Err(StoreError::Invalid(fields)) => Err(ImportError::Refused(refused(fields))),
        Err(e) => Err(e.into()),
    }
}

/// The rows of a preview kept for display: the first [`PREVIEW_ROWS_MAX`] of each outcome,
/// in the file's order, and how many were left off (counted, not shown).
pub(super) fn kept_for_display(rows: Vec<RowPreview>) -> (Vec<RowPreview>, usize) {
    let mut kept = [0usize; 5];
    let mut left_off = 0;
    let rows = rows
        .into_iter()
        .filter(|r| {
            let k = &mut kept[outcome_index(&r.outcome)];
            *k += 1;
            let shown = *k <= PREVIEW_ROWS_MAX;
            left_off += usize::from(!shown);
            shown
        })
        .collect();
    (rows, left_off)
}

/// Rows judged together: parsed and checked, then their persons matched in one query per
/// rule (`Store::person_matches_many`).
pub const BATCH_ROWS: usize = 1000;

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
                Mapping::with_saved_for(upload.kind, &headers, &saved.unwrap_or_default())
            }
            None => Mapping::propose_for(upload.kind, &headers),
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
        self.preview_import_with(caller, upload, mapping, choices, &no_progress)
            .await
    }

    /// As [`App::preview_import`], telling `progress` how many rows are judged as it goes
    /// (a long file's preview is most of an import's time).
    pub async fn preview_import_with(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
        progress: Progress<'_>,
    ) -> Result<Preview, ImportError> {
        match upload.kind {
            Kind::Cases => {}
            Kind::Doses => {
                let judged = self.judge_doses(caller, upload, mapping, progress);
                return Ok(judged.await?.0);
            }
            Kind::Labs => {
                let judged = self.judge_labs(caller, upload, mapping, progress);
                return Ok(judged.await?.0);
            }
            Kind::Contacts => {
                let judged = self.judge_contacts(caller, upload, mapping, choices, progress);
                return Ok(judged.await?.0);
            }
            Kind::Venues => {
                let judged = self.judge_venues(caller, upload, mapping, progress);
                return Ok(judged.await?.0);
            }
            Kind::Checkins => {
                let judged = self.judge_checkins(caller, upload, mapping, progress);
                return Ok(judged.await?.0);
            }
        }
        self.judge(caller, upload, mapping, choices, progress, None)
            .await
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
            return Ok(Committed::unchanged(record));
        }
        match upload.kind {
            Kind::Cases => {}
            Kind::Doses => return self.commit_doses(caller, upload, mapping, progress).await,
            Kind::Labs => return self.commit_labs(caller, upload, mapping, progress).await,
            Kind::Contacts => {
                return self
                    .commit_contacts(caller, upload, mapping, choices, progress)
                    .await
            }
            Kind::Venues => return self.commit_venues(caller, upload, mapping, progress).await,
            Kind::Checkins => {
                return self
                    .commit_checkins(caller, upload, mapping, progress)
                    .await
            }
        }
        // The record first, in a transaction left open: each batch of rows is written in it
        // as soon as it is judged (by a task of its own, while the next batch is judged), so
        // a file of any size holds a few batches at a time, and all of it is kept or none.
        let file_name = upload.stored_name();
        let sha256 = upload.sha256();
        let import = NewImport {
            kind: upload.kind.as_str(),
            file_name: &file_name,
            sha256: &sha256,
            counts: ImportCounts::default(),
        };
        let mut writer = match self
            .store
            .begin_import(caller, &import, self.now_s())
            .await?
        {
            ImportBegun::Open(w) => w,
            ImportBegun::AlreadyImported(record) => return Ok(Committed::unchanged(record)),
        };
        let (send, batches) = tokio::sync::mpsc::channel::<Vec<Ready>>(2);
        let writing = tokio::spawn(async move {
            let refused = write_batches(&mut writer, batches).await;
            (writer, refused)
        });
        let judged = self
            .judge(caller, upload, mapping, choices, progress, Some(send))
            .await;
        // Awaited before any answer: a failed import's transaction is rolled back by then.
        let (writer, refused) = writing
            .await
            .map_err(|_| StoreError::Corrupt("import: the writer panicked".into()))?;
        let preview = judged?;
        let refused = refused?;
        if !refused.is_empty() {
            drop(writer);
            let mut by_line: Vec<RowRefusal> = Vec::new();
            for (line, f) in &refused {
                let e = row_error(&preview.mapping, &preview.headers, f);
                match by_line.iter_mut().find(|r| r.line == *line) {
                    Some(r) => r.errors.push(e),
                    None => by_line.push(RowRefusal {
                        line: *line,
                        errors: vec![e],
                    }),
                }
            }
            return Err(ImportError::Refused(by_line));
        }
        let c = preview.counts;
        let record = writer
            .finish(ImportCounts {
                total: c.total as i64,
                already: c.already as i64,
                refused: c.refused as i64,
                // Those of the rows written, counted by the writer.
                new: 0,
                matched: 0,
            })
            .await?;
        Ok(Committed {
            record,
            written: true,
            judged: Some(preview),
        })
    }

    /// The recorded imports made within the caller's jurisdiction, newest first.
    pub async fn imports(
        &self,
        caller: &Caller,
        limit: i64,
    ) -> Result<Vec<ImportRecord>, ImportError> {
        Ok(self.store.imports(caller, limit.clamp(1, 500)).await?)
    }

    async fn judge(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
        progress: Progress<'_>,
        sink: Option<tokio::sync::mpsc::Sender<Vec<Ready>>>,
    ) -> Result<Preview, ImportError> {
        let sha256 = upload.sha256();
        let imported = self
            .store
            .import_by_hash(upload.kind.as_str(), &sha256)
            .await?;
        // The sheet is read on a thread of its own, a batch of rows at a time, while the
        // batch before is judged against the database: only a few batches are ever held
        // (the channel's room), whatever the file's size. The thread reads its own copy
        // of the bytes (the borrowed ones cannot cross to it).
        let (send, mut batches) = tokio::sync::mpsc::channel::<Read>(2);
        let bytes: std::sync::Arc<[u8]> = upload.bytes.into();
        let reader = std::thread::spawn(move || read_batches(&bytes, &send));
        let outcome = self
            .judge_batches(caller, mapping, choices, progress, &mut batches, sink)
            .await;
        // Dropping the receiver stops a reader still running (its next send fails).
        drop(batches);
        let read = reader
            .join()
            .map_err(|_| StoreError::Corrupt("import: the reader panicked".into()))?;
        // A reading error is the cause of any judging that stopped short.
        read?;
        let (headers, mapping, previews, counts, left_off) = outcome?;
        Ok(Preview {
            kind: upload.kind,
            sha256,
            headers,
            mapping,
            rows: previews,
            rows_left_off: left_off,
            counts,
            imported,
        })
    }

    #[allow(clippy::type_complexity)]
    async fn judge_batches(
        &self,
        caller: &Caller,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
        progress: Progress<'_>,
        batches: &mut tokio::sync::mpsc::Receiver<Read>,
        sink: Option<tokio::sync::mpsc::Sender<Vec<Ready>>>,
    ) -> Result<(Vec<String>, Mapping, Vec<RowPreview>, PreviewCounts, usize), ImportError> {
        let (total, headers) = match (batches.recv().await, batches.recv().await) {
            (Some(Read::Total(t)), Some(Read::Header(h))) => (t, h),
            // The reader stopped: its error is told by the caller.
            _ => return Err(ReadError::NoHeader.into()),
        };
        let mut mapping = match mapping {
            Some(m) => m.clone(),
            None => Mapping::propose_for(Kind::Cases, &headers),
        };
        mapping.0.resize(headers.len(), None);
        let now = self.now_s();
        let today = self.today();
        let mut previews = Vec::new();
        let mut left_off = 0;
        let mut kept = [0usize; 5];
        let mut counts = PreviewCounts {
            total,
            ..PreviewCounts::default()
        };
        // New persons of this file by national ID, and cases by person and sample: a
        // row repeated in the file is refused, not written twice. Kept as 128-bit digests,
        // 16 bytes a row whatever the names' lengths.
        let mut seen_ids: HashSet<u128> = HashSet::new();
        let mut seen_cases: HashSet<u128> = HashSet::new();
        let mut units = row::UnitCache::default();
        let mut done = 0;
        progress(0, total);
        while let Some(Read::Rows(batch)) = batches.recv().await {
            let batch = &batch[..];
            // Each row parsed and checked (pure), then the batch's persons matched in one
            // query per rule, then what each row is, in order.
            let mut judged = Vec::with_capacity(batch.len());
            for (_, cells) in batch {
                judged.push(
                    self.judge_pure(caller, &headers, &mapping, cells, now, today, &mut units)?,
                );
            }
            let batch_keys: Vec<PersonKeys> = judged
                .iter()
                .map(|j| match j {
                    Ok(LineCase {
                        person: LinePerson::New { person, .. },
                        ..
                    }) => keys(person),
                    _ => PersonKeys::default(),
                })
                .collect();
            let matches = self.store.person_matches_many(caller, &batch_keys).await?;
            let mut decided: Vec<Result<(LineCase, Outcome, Option<PersonId>), Vec<RowError>>> =
                Vec::with_capacity(batch.len());
            for ((line, _), (j, m)) in batch.iter().zip(judged.into_iter().zip(matches)) {
                decided.push(j.map(|case| {
                    let (existing, outcome) = match m.first() {
                        None => (None, Outcome::New),
                        Some((id, PairReason::NationalId)) => (Some(*id), Outcome::Matched(*id)),
                        Some((id, reason)) => match choices.get(line) {
                            Some(Choice::Merge) => (Some(*id), Outcome::Suspected(*id, *reason)),
                            _ => (None, Outcome::Suspected(*id, *reason)),
                        },
                    };
                    (case, outcome, existing)
                }));
            }
            // Rows of registered persons: whether that case is already there.
            let pairs: Vec<(PersonId, i64)> = decided
                .iter()
                .filter_map(|d| match d {
                    Ok((case, _, Some(id))) => Some((*id, case.case.test.sample_s)),
                    _ => None,
                })
                .collect();
            let mut sampled = self.store.cases_sampled(&pairs).await?.into_iter();
            // The rows to write, handed on at the batch's end (a preview keeps none).
            let mut ready = Vec::new();
            for ((line, _), d) in batch.iter().zip(decided) {
                let line = *line;
                let outcome = match d {
                    Ok((case, outcome, None)) => Ok((case, outcome)),
                    Ok((mut case, outcome, Some(id))) => {
                        if sampled.next().unwrap_or(false) {
                            Ok((
                                LineCase {
                                    person: LinePerson::Existing(id),
                                    case: case.case,
                                },
                                Outcome::Already(id),
                            ))
                        } else {
                            // As for one case: a registered person in a recorded quarantine
                            // stay when sampled is not a community case.
                            case.case.community = !self
                                .store
                                .quarantined_at(id, case.case.test.sample_s)
                                .await?;
                            Ok((
                                LineCase {
                                    person: LinePerson::Existing(id),
                                    case: case.case,
                                },
                                outcome,
                            ))
                        }
                    }
                    Err(e) => Err(e),
                };
                let outcome = match outcome {
                    Ok((case, outcome)) => {
                        let sample = case.case.test.sample_s;
                        let repeated = match &case.person {
                            LinePerson::New { person, .. } => {
                                let k = keys(person);
                                let id_seen = k
                                    .national_id
                                    .as_ref()
                                    .is_some_and(|n| !seen_ids.insert(digest(n)));
                                let case_seen = !seen_cases.insert(digest(&(
                                    k.name_folded.unwrap_or_default(),
                                    k.birth_date,
                                    sample,
                                )));
                                id_seen || case_seen
                            }
                            LinePerson::Existing(id) => !seen_cases.insert(digest(&(
                                format!("#{}", id.0),
                                None::<String>,
                                sample,
                            ))),
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
                            if sink.is_some() && !matches!(outcome, Outcome::Already(_)) {
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
                    Outcome::Already(_) | Outcome::VenueAlready(_) => counts.already += 1,
                    Outcome::Refused(_) => counts.refused += 1,
                }
                // Kept for display: the first rows of each outcome; the rest only counted.
                let kept = &mut kept[outcome_index(&outcome)];
                if *kept < PREVIEW_ROWS_MAX {
                    *kept += 1;
                    previews.push(RowPreview { line, outcome });
                } else {
                    left_off += 1;
                }
            }
            done += batch.len();
            progress(done, total);
            if let Some(sink) = &sink {
                // The writer gone: it stopped on an error, which the commit tells.
                if sink.send(ready).await.is_err() {
                    break;
                }
            }
        }
        Ok((headers, mapping, previews, counts, left_off))
    }

    /// One row parsed and checked (nothing read from the database): the line for the
    /// store, its person still to be matched, or its refusals.
    #[allow(clippy::too_many_arguments)]
    fn judge_pure(
        &self,
        caller: &Caller,
        headers: &[String],
        mapping: &Mapping,
        cells: &[String],
        now: i64,
        today: chrono::NaiveDate,
        units: &mut row::UnitCache,
    ) -> Result<Result<LineCase, Vec<RowError>>, ImportError> {
        let mut errors = Vec::new();
        let parsed = row::parse_row_with(&row::Cells { mapping, cells }, &mut errors, units);
        let input = LineInput {
            person_id: None,
            person: Some(parsed.person),
            address: parsed.address,
            case: parsed.case,
        };
        // The line list's checks: the same a form's row passes.
        let checked = check_lines(std::slice::from_ref(&input), now, today);
        let (person, case) = match checked {
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
        Ok(Ok(LineCase { person, case }))
    }
}

/// Writes the judged rows a batch at a time as they come. A batch the store refuses (a
/// person registered meanwhile…) is named by line, `(line, rows.N.field)`, and nothing
/// more is written (the import will be dropped), while the rest of the file is still
/// judged and each refusal of it named.
async fn write_batches(
    writer: &mut ImportWriter,
    mut batches: tokio::sync::mpsc::Receiver<Vec<Ready>>,
) -> Result<Vec<(usize, FieldError)>, StoreError> {
    let mut refused = Vec::new();
    while let Some(batch) = batches.recv().await {
        if !refused.is_empty() || batch.is_empty() {
            continue;
        }
        let (lines, cases): (Vec<usize>, Vec<LineCase>) =
            batch.into_iter().map(|r| (r.line, r.case)).unzip();
        match writer.write(&cases).await {
            Ok(()) => {}
            Err(StoreError::Invalid(fields)) => {
                for f in fields {
                    // `rows.N.field`: N is the place in this batch.
                    let n = f
                        .field
                        .strip_prefix("rows.")
                        .and_then(|r| r.split('.').next())
                        .and_then(|n| n.parse::<usize>().ok());
                    let line = n.and_then(|n| lines.get(n)).map_or(0, |l| *l);
                    refused.push((line, f));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(refused)
}

/// What the reading thread hands on, in this order: the number of rows (after the
/// header), the header, then the rows a batch at a time.
enum Read {
    Total(usize),
    Header(Vec<String>),
    Rows(Vec<(usize, Vec<String>)>),
}

/// The reading thread: the file read twice, once to count its rows (a progress bar's
/// total, and a file past [`ROWS_MAX`] refused before anything is judged) and once to
/// hand its rows on. Stops early, without error, when the receiver is gone.
fn read_batches(bytes: &[u8], send: &tokio::sync::mpsc::Sender<Read>) -> Result<(), ImportError> {
    let mut total = 0usize;
    read::for_each_row::<ImportError>(bytes, ROWS_MAX, |_, _| {
        total += 1;
        Ok(())
    })?;
    // Gone: the judging stopped (its own error is told).
    let gone = || ImportError::Read(ReadError::Empty);
    if send
        .blocking_send(Read::Total(total.saturating_sub(1)))
        .is_err()
    {
        return Ok(());
    }
    let mut header = true;
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let r = read::for_each_row::<ImportError>(bytes, ROWS_MAX, |line, mut cells| {
        cells.truncate(COLUMNS_MAX);
        if header {
            header = false;
            return send.blocking_send(Read::Header(cells)).map_err(|_| gone());
        }
        batch.push((line, cells));
        if batch.len() == BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            send.blocking_send(Read::Rows(full)).map_err(|_| gone())?;
        }
        Ok(())
    });
    match r {
        Ok(()) => {
            if !batch.is_empty() {
                // The receiver gone now is no error: everything was read.
                let _ = send.blocking_send(Read::Rows(batch));
            }
            Ok(())
        }
        // The receiver is gone: its error is the one told.
        Err(_) if send.is_closed() => Ok(()),
        Err(e) => Err(e),
    }
}

/// A 128-bit digest of a key (two SipHashes of it, told apart by a prefix): a collision
/// between two of a million keys has odds of about 10⁻²⁷.
fn digest<T: std::hash::Hash + ?Sized>(key: &T) -> u128 {
    use std::hash::{DefaultHasher, Hasher};
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        h.write_u8(salt);
        key.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// Where an outcome's kind is counted among the rows kept for display.
fn outcome_index(o: &Outcome) -> usize {
    match o {
        Outcome::New => 0,
        Outcome::Matched(_) => 1,
        Outcome::Suspected(..) => 2,
        Outcome::Already(_) | Outcome::VenueAlready(_) => 3,
        Outcome::Refused(_) => 4,
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
