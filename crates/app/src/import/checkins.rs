//! Check-ins exported by another system (kind `checkins`): the person (a registered one,
//! named by national ID, phone or name and birth date, see `named.rs`), the venue (our
//! venue's id or its QR poster's code; else its name and commune, compared folded), the
//! time in and, when the other system had one, the time out (without one, the tracing
//! rule's default stay, as for a scanned check-in without an exit). The times are checked
//! by the check-in batch's own check (`checkins::check_times` against the retention
//! window, `App::checkin_window`) and the rows written by its writes
//! (`Store::ingest_checkins_in`), all in one transaction with the import's record; after
//! the commit the stored visits go to the tracing index, as `App::ingest_checkins` adds
//! them: stored means traceable.
//!
//! Idempotent on the person, the venue and the time in: a check-in already held (from
//! another import or a scanner) is already imported, and a second import of the list
//! changes nothing.

use std::collections::HashSet;

use domain::epi::ScanMode;
use domain::{FieldError, PersonId, Reason, VenueId};
use store::{Caller, CheckinItem, NewImport, PersonRef, VenueRef};

use super::header::{Field, Mapping};
use super::named::{self, Sheet};
use super::row::{self, Cells};
use super::{
    Committed, ImportError, Kind, Outcome, Preview, Progress, RowError, RowPreview, Upload,
    PROGRESS_EVERY,
};
use crate::checkins::{check_times, CheckinWindow};
use crate::App;

/// The column naming the venue: its code's, else its name's.
fn venue_field(m: &Mapping) -> Field {
    if m.column(Field::VenueCode).is_some() {
        Field::VenueCode
    } else {
        Field::VenueName
    }
}

/// The column of a check-in's field (the batch's and `check_times`' names).
fn column_of(m: &Mapping, form: &str) -> Option<Field> {
    Some(match form {
        "t_in" => Field::TimeIn,
        "t_out" => Field::TimeOut,
        "person" => Field::FullName,
        "venue" => venue_field(m),
        _ => return None,
    })
}

/// A check-in judged: the row to write and what it is, or its refusals.
type Judged = Result<(CheckinItem, PersonId, VenueId, Outcome), Vec<RowError>>;

impl App {
    /// The venue a row names: by its id or code when the sheet has that column, else by
    /// name in the row's commune. In the caller's jurisdiction, or refused.
    async fn named_venue(
        &self,
        caller: &Caller,
        sheet: &Sheet,
        c: &Cells<'_>,
        units: &mut row::UnitCache,
        errors: &mut Vec<RowError>,
    ) -> Result<Option<VenueId>, ImportError> {
        let field = venue_field(&sheet.mapping);
        let venue = match field {
            Field::VenueCode => {
                let Some(code) = c.get(Field::VenueCode) else {
                    errors.push(sheet.refusal(field, Reason::Required));
                    return Ok(None);
                };
                self.store.venue_by_code(code).await?
            }
            _ => {
                let Some(name) = c.get(Field::VenueName) else {
                    errors.push(sheet.refusal(field, Reason::Required));
                    return Ok(None);
                };
                let Some(commune) = c.get(Field::Commune) else {
                    errors.push(sheet.refusal(Field::Commune, Reason::Required));
                    return Ok(None);
                };
                let unit =
                    match units.resolve(commune, c.get(Field::District), c.get(Field::Province)) {
                        Ok(u) => u,
                        Err(r) => {
                            errors.push(sheet.refusal(Field::Commune, r));
                            return Ok(None);
                        }
                    };
                let (structure, code) = match unit.strip_prefix("2025:") {
                    Some(code) => (domain::Structure::S2025, code),
                    None => (domain::Structure::S2021, unit.as_str()),
                };
                let Ok(code) = domain::UnitCode::parse(code) else {
                    errors.push(sheet.refusal(Field::Commune, Reason::NotFound));
                    return Ok(None);
                };
                match self.store.venues_named(structure, &code, name).await?[..] {
                    [id] => {
                        self.store
                            .get_venue(&domain::Scope::everything(), id)
                            .await?
                    }
                    [] => None,
                    _ => {
                        errors.push(sheet.refusal(field, Reason::Ambiguous));
                        return Ok(None);
                    }
                }
            }
        };
        match venue {
            None => {
                errors.push(sheet.refusal(field, Reason::NotFound));
                Ok(None)
            }
            Some(v) if !caller.scope.contains(v.structure, &v.unit_path) => {
                errors.push(sheet.refusal(field, Reason::OutOfScope));
                Ok(None)
            }
            Some(v) => Ok(Some(v.id)),
        }
    }

    async fn judge_checkin_row(
        &self,
        caller: &Caller,
        sheet: &Sheet,
        cells: &[String],
        window: CheckinWindow,
        units: &mut row::UnitCache,
    ) -> Result<Judged, ImportError> {
        let m = &sheet.mapping;
        let c = Cells { mapping: m, cells };
        let mut errors = Vec::new();
        let person = self.named_person(caller, sheet, &c, &mut errors).await?;
        let venue = self
            .named_venue(caller, sheet, &c, units, &mut errors)
            .await?;
        let mut form_errors: Vec<FieldError> = Vec::new();
        let time = |f: Field, name: &str, form_errors: &mut Vec<FieldError>| {
            let text = c
                .get(f)
                .map(|s| row::time_text(s).unwrap_or_else(|| s.to_string()));
            crate::input::time(name, text.as_deref(), form_errors)
        };
        let t_in = time(Field::TimeIn, "t_in", &mut form_errors);
        if c.get(Field::TimeIn).is_none() {
            form_errors.push(FieldError::new("t_in", Reason::Required));
        }
        let t_out = time(Field::TimeOut, "t_out", &mut form_errors);
        check_times(t_in, t_out, window, &mut form_errors);
        for e in form_errors {
            let field = column_of(m, &e.field);
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
        let (Some(p), Some(v), Some(t_in), true) = (person, venue, t_in, errors.is_empty()) else {
            return Ok(Err(errors));
        };
        let outcome = if self.store.has_checkin(p, v, t_in).await? {
            Outcome::Already(p)
        } else {
            Outcome::Matched(p)
        };
        let item = CheckinItem {
            // The same person, venue and time in: the same item, also for the store's key
            // (a commit racing another of the same rows stores them once).
            client_id: format!("import:{}:{}:{t_in}", p.0, v.0),
            person: PersonRef::Id(p.0),
            venue: VenueRef::Id(v.0),
            t_in_s: t_in,
            t_out_s: t_out,
            // The exports of 2021 were of visitors scanning the venue's poster.
            mode: ScanMode::SelfScan,
        };
        Ok(Ok((item, p, v, outcome)))
    }

    /// Reads and judges a check-in list: the preview and the check-ins to write.
    pub(super) async fn judge_checkins(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        progress: Progress<'_>,
    ) -> Result<(Preview, Sheet, Vec<(usize, CheckinItem)>), ImportError> {
        let sha256 = upload.sha256();
        let imported = self
            .store
            .import_by_hash(upload.kind.as_str(), &sha256)
            .await?;
        let mut sheet = Sheet::read(Kind::Checkins, upload.bytes, mapping)?;
        let rows = std::mem::take(&mut sheet.rows);
        let total = rows.len();
        let window = self.checkin_window();
        let mut units = row::UnitCache::default();
        let mut previews = Vec::with_capacity(total);
        let mut ready = Vec::new();
        // A visit written once, however often the file repeats it.
        let mut seen: HashSet<(PersonId, VenueId, i64)> = HashSet::new();
        for (i, (line, cells)) in rows.into_iter().enumerate() {
            if i % PROGRESS_EVERY == 0 {
                progress(i, total);
            }
            let judged = self
                .judge_checkin_row(caller, &sheet, &cells, window, &mut units)
                .await?;
            let outcome = match judged {
                Ok((item, p, v, outcome)) => {
                    if !seen.insert((p, v, item.t_in_s)) {
                        Outcome::Refused(vec![sheet.refusal(Field::TimeIn, Reason::Duplicate)])
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
        let preview = sheet.preview(Kind::Checkins, sha256, imported, previews);
        Ok((preview, sheet, ready))
    }

    /// Judges the list again and writes its check-ins with the import's record, or
    /// nothing; then adds the stored visits to the tracing index.
    pub(super) async fn commit_checkins(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        progress: Progress<'_>,
    ) -> Result<Committed, ImportError> {
        let (preview, sheet, ready) = self
            .judge_checkins(caller, upload, mapping, progress)
            .await?;
        if let Some(record) = preview.imported {
            return Ok(Committed::unchanged(record));
        }
        let file_name = upload.stored_name();
        let import = NewImport {
            kind: Kind::Checkins.as_str(),
            file_name: &file_name,
            sha256: &preview.sha256,
            counts: named::import_counts(&preview.counts),
        };
        let (lines, items): (Vec<usize>, Vec<CheckinItem>) = ready.into_iter().unzip();
        let written = self
            .store
            .commit_checkin_import(
                caller,
                &import,
                &items,
                |t| self.default_stay_s(t),
                self.now_s(),
            )
            .await;
        let written = written.map(|(commit, stored)| {
            if let Err(e) = self.contacts.add(&stored) {
                // The rows are committed; the next rebuild (start-up) indexes them.
                tracing::error!(
                    "tracing index did not take {} imported check-ins: {e}",
                    stored.len()
                );
            }
            commit
        });
        super::committed(written, preview, |fields| {
            let m = &sheet.mapping;
            named::refused_at_commit(&sheet, &lines, &fields, &|f| column_of(m, f))
        })
    }
}
