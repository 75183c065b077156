//! F1 lists (kind `contacts`): each row a contact with its source F0. The 2021 lists wrote
//! the contact's own columns (họ tên, năm sinh, CCCD, SĐT, địa chỉ, xã/phường…) beside the
//! source's ("Mã F0", "CCCD F0", "Họ tên F0", "Năm sinh F0"), the degree ("F1/F2"), the
//! last exposure ("Ngày tiếp xúc cuối") and the relation or place of contact.
//!
//! - The contact person is matched or registered as an F0 list's person is: the same
//!   national ID → `Matched`; the same phone and name, or name and birth date →
//!   `Suspected` (the user merges or creates); else a new person, registered with the row
//!   (the person form's checks, the unit by name). A person new to the system named on two
//!   rows (an F1 of two cases) is registered once.
//! - The source case: by its id, else its person's national ID, else name and birth date or
//!   year — the person's open case, else their latest. Unknown, two persons, or outside the
//!   caller's jurisdiction: refused on that column (`NotFound`, `Ambiguous`; a case out of
//!   scope answers `NotFound` as the case page does, not disclosing it).
//! - The quarantine or monitoring plan is tracing's (`tracing::plan_for`): the rule in force
//!   on the day of last exposure, by whether the contact was fully vaccinated then. The list
//!   names no F1 of an F2: an F2 is monitored as long as an F1 exposed at the same moment
//!   would be quarantined.
//! - The relation or place is kept as the contact's reason (a declared contact at the
//!   exposure), its setting read from the words ("vợ", "cùng nhà" → household; "chăm sóc" →
//!   care; "đồng nghiệp", "bạn" → face to face; else other): the contacts table keeps no free
//!   text, so the words themselves are not kept.
//!
//! Written through tracing's own write (`persist_contacts_in`) with the import's record in
//! one transaction; idempotent on the source case and the contact person (a contact already
//! recorded for the case, traced or imported, is `Already`).

use std::collections::{HashMap, HashSet};

use domain::contact::{ContactReason, ContactSetting, ReasonKind};
use domain::person::NationalId;
use domain::text::fold_diacritics;
use domain::{CaseId, FieldError, PersonId, Reason};
use store::{
    BirthKey, Caller, ContactImportRow, ContactPerson, ContactRow, ImportCounts, NewImport,
    PairReason, PersonKeys,
};

use super::header::{Field, Mapping};
use super::named::{self, Sheet};
use super::row::{self, Cells};
use super::{
    Choice, Committed, ImportError, Kind, Outcome, Preview, Progress, RowError, RowPreview, Upload,
    PROGRESS_EVERY,
};
use crate::tracing::plan_for;
use crate::App;

/// The setting of a declared contact from the words of a relation or place.
pub fn setting_of(relation: &str) -> ContactSetting {
    let f = fold_diacritics(relation);
    let words: Vec<&str> = f
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |phrase: &str| f.contains(phrase);
    const KIN: &[&str] = &[
        "vo", "chong", "con", "bo", "me", "cha", "ong", "ba", "anh", "chi", "em", "chau",
    ];
    if has("gia dinh")
        || has("cung nha")
        || has("household")
        || words.iter().any(|w| KIN.contains(w))
    {
        ContactSetting::Household
    } else if has("cham soc") || has("care") {
        ContactSetting::Care
    } else if has("dong nghiep")
        || has("ban")
        || has("cung lop")
        || has("cung phong")
        || has("tiep xuc gan")
        || has("face")
    {
        ContactSetting::FaceToFace
    } else {
        ContactSetting::Other
    }
}

/// The contact's person as a row names it.
enum Who {
    Existing(PersonId),
    New(Box<(domain::person::NewPerson, Option<String>)>),
}

/// A row judged, before the file's own repeats are seen.
struct Judged {
    case: CaseId,
    who: Who,
    outcome: Outcome,
    contact: ContactRow,
    /// The person's keys, for the file's repeats of a new person.
    key: String,
}

/// The contact person's keys as the person records store them.
fn keys_of(p: &domain::person::NewPerson) -> PersonKeys {
    PersonKeys {
        national_id: p.national_id.as_ref().map(|n| n.as_str().to_string()),
        phone: p.phone.as_ref().map(|n| n.as_str().to_string()),
        name_folded: Some(fold_diacritics(&p.full_name)),
        birth_date: p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

impl App {
    /// The source case a row names, or the refusal on the column that names it.
    async fn source_case(
        &self,
        caller: &Caller,
        sheet: &Sheet,
        c: &Cells<'_>,
    ) -> Result<Result<store::Case, RowError>, ImportError> {
        if let Some(s) = c.get(Field::SourceCase) {
            let id = s.trim_start_matches('#').trim().parse::<i64>();
            let Ok(id) = id else {
                return Ok(Err(sheet.refusal(Field::SourceCase, Reason::InvalidFormat)));
            };
            return Ok(self
                .store
                .case_in_scope(caller, CaseId(id))
                .await?
                .ok_or_else(|| sheet.refusal(Field::SourceCase, Reason::NotFound)));
        }
        let (person, field) = if let Some(s) = c.get(Field::SourceNationalId) {
            let nid = match NationalId::parse(&row::national_id_text(s)) {
                Ok(n) => n,
                Err(r) => return Ok(Err(sheet.refusal(Field::SourceNationalId, r))),
            };
            let keys = PersonKeys {
                national_id: Some(nid.as_str().to_string()),
                ..PersonKeys::default()
            };
            let found = self.store.person_matches(caller, &keys).await?;
            (found.first().map(|(id, _)| *id), Field::SourceNationalId)
        } else if let Some(name) = c.get(Field::SourceName) {
            let Some(birth) = c.get(Field::SourceBirth) else {
                return Ok(Err(sheet.refusal(Field::SourceBirth, Reason::Required)));
            };
            let birth = if birth.len() == 4 && birth.bytes().all(|b| b.is_ascii_digit()) {
                BirthKey::Year(birth.parse().unwrap_or_default())
            } else {
                match row::birth_text(birth) {
                    Some(d) => BirthKey::Date(d),
                    None => {
                        return Ok(Err(sheet.refusal(Field::SourceBirth, Reason::InvalidFormat)))
                    }
                }
            };
            let found = self
                .store
                .persons_named(caller, &fold_diacritics(name), &birth)
                .await?;
            if found.len() > 1 {
                return Ok(Err(sheet.refusal(Field::SourceName, Reason::Ambiguous)));
            }
            (found.first().copied(), Field::SourceName)
        } else {
            return Ok(Err(sheet.refusal(Field::SourceCase, Reason::Required)));
        };
        let case = match person {
            Some(p) => self.store.source_case_of(p).await?,
            None => None,
        };
        Ok(case.ok_or_else(|| sheet.refusal(field, Reason::NotFound)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn judge_contact_row(
        &self,
        caller: &Caller,
        sheet: &Sheet,
        line: usize,
        cells: &[String],
        choices: &HashMap<usize, Choice>,
        units: &mut row::UnitCache,
    ) -> Result<Result<Judged, Vec<RowError>>, ImportError> {
        let c = Cells {
            mapping: &sheet.mapping,
            cells,
        };
        let mut errors: Vec<RowError> = Vec::new();
        let by_form = |errors: &mut Vec<RowError>, e: &FieldError| {
            let field = Field::of_form_field(&e.field);
            if !errors.iter().any(|r| r.field == field && field.is_some()) {
                errors.push(match field {
                    Some(f) => sheet.refusal(f, e.reason),
                    None => RowError {
                        field: None,
                        column: None,
                        reason: e.reason,
                    },
                });
            }
        };
        // The contact: the person form's fields, read as an F0 list reads them (its case's
        // fields are not this list's and are left out).
        let mut read_errors = Vec::new();
        let parsed = row::parse_row_with(&c, &mut read_errors, units);
        for e in read_errors.iter().filter(|e| !e.field.starts_with("test.")) {
            by_form(&mut errors, e);
        }
        let address = crate::persons::parse_address(parsed.address.as_deref(), &mut read_errors);
        let person = match parsed.person.validate(self.today()) {
            Ok(p) => Some(p),
            Err(fields) => {
                for e in &fields {
                    by_form(&mut errors, e);
                }
                None
            }
        };
        if let Some(p) = &person {
            // Out of the caller's jurisdiction: refused here, as the store would.
            let unit = crate::registry::Registry::of(p.structure).get(p.unit_code.as_str());
            if !unit.is_some_and(|u| caller.scope.contains(u.structure, &u.path)) {
                by_form(&mut errors, &FieldError::new("unit", Reason::OutOfScope));
            }
        }
        let source = self.source_case(caller, sheet, &c).await?;
        let source = match source {
            Ok(case) => Some(case),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let degree: u8 = match c
            .get(Field::Degree)
            .map(|s| fold_diacritics(s).replace(' ', ""))
        {
            None => 1,
            Some(d) if d == "f1" || d == "1" => 1,
            Some(d) if d == "f2" || d == "2" => 2,
            Some(_) => {
                errors.push(sheet.refusal(Field::Degree, Reason::UnknownValue));
                1
            }
        };
        let exposed = match c.get(Field::ExposedAt) {
            None => {
                errors.push(sheet.refusal(Field::ExposedAt, Reason::Required));
                None
            }
            Some(s) => match row::time_text(s)
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            {
                None => {
                    errors.push(sheet.refusal(Field::ExposedAt, Reason::InvalidFormat));
                    None
                }
                Some(t) if t.timestamp() > self.now_s() => {
                    errors.push(sheet.refusal(Field::ExposedAt, Reason::OutOfRange));
                    None
                }
                Some(t) => Some(t.timestamp()),
            },
        };
        let (Some(person), Some(source), Some(last), true) =
            (person, source, exposed, errors.is_empty())
        else {
            return Ok(Err(errors));
        };
        let keys = keys_of(&person);
        let key = match (&keys.national_id, &keys.birth_date, &keys.phone) {
            (Some(n), _, _) => format!("id:{n}"),
            (None, Some(b), _) => {
                format!("nb:{}|{b}", keys.name_folded.clone().unwrap_or_default())
            }
            (None, None, Some(p)) => {
                format!("np:{}|{p}", keys.name_folded.clone().unwrap_or_default())
            }
            (None, None, None) => format!("line:{line}"),
        };
        let found = self.store.person_matches(caller, &keys).await?;
        let (who, outcome) = match found.first() {
            None => (Who::New(Box::new((person, address))), Outcome::New),
            Some((id, PairReason::NationalId)) => (Who::Existing(*id), Outcome::Matched(*id)),
            Some((id, reason)) => match choices.get(&line) {
                Some(Choice::Merge) => (Who::Existing(*id), Outcome::Suspected(*id, *reason)),
                _ => (
                    Who::New(Box::new((person, address))),
                    Outcome::Suspected(*id, *reason),
                ),
            },
        };
        if let Who::Existing(id) = who {
            if id == source.person_id {
                // A case is not its own contact.
                return Ok(Err(
                    vec![sheet.refusal(Field::FullName, Reason::NotAllowed)],
                ));
            }
        }
        let (immunity, outcome) = match who {
            Who::Existing(id) => {
                if self.store.has_contact(source.id, id).await? {
                    (Default::default(), Outcome::Already(id))
                } else {
                    let i = self.store.immunity_of(&[id.0]).await?;
                    (i.get(&id.0).copied().unwrap_or_default(), outcome)
                }
            }
            // A person registered now has no dose and no recovery on record.
            Who::New(_) => (Default::default(), outcome),
        };
        // The list names no F1 of an F2: monitored as long as an F1 exposed then.
        let f1_until = (degree == 2)
            .then(|| plan_for(&self.policies, 1, last, last, immunity, None).quarantine_until_s)
            .flatten();
        let plan = plan_for(&self.policies, degree, last, last, immunity, f1_until);
        let setting = c
            .get(Field::Relation)
            .map_or(ContactSetting::Other, setting_of);
        let contact = ContactRow {
            person_id: match who {
                Who::Existing(id) => id.0,
                Who::New(_) => 0,
            },
            degree: i64::from(degree),
            via_person_id: source.person_id.0,
            first_exposure_s: last,
            exposure_s: last,
            reasons: vec![ContactReason {
                kind: ReasonKind::Declared,
                venue_id: None,
                venue_name: None,
                from: chrono::DateTime::from_timestamp(last, 0),
                to: None,
                overlap_min: None,
                setting: Some(setting),
            }],
            status: plan.status,
            quarantine_from_s: plan.quarantine_from_s,
            quarantine_until_s: plan.quarantine_until_s,
            follow_up_until_s: plan.follow_up_until_s,
            test_days: plan.test_days,
            policy: plan.policy,
        };
        Ok(Ok(Judged {
            case: source.id,
            who,
            outcome,
            contact,
            key,
        }))
    }

    /// Reads and judges an F1 list: the preview and the rows to write (line, row).
    pub(super) async fn judge_contacts(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
        progress: Progress<'_>,
    ) -> Result<(Preview, Sheet, Vec<(usize, ContactImportRow)>), ImportError> {
        let sha256 = upload.sha256();
        let imported = self
            .store
            .import_by_hash(upload.kind.as_str(), &sha256)
            .await?;
        // An F1 list's own reading of its headers ("Họ tên F0" is the source's name).
        let proposed;
        let mapping = match mapping {
            Some(m) => m,
            None => {
                proposed = Mapping::propose_for(Kind::Contacts, &super::first_row(upload.bytes)?);
                &proposed
            }
        };
        let mut sheet = Sheet::read(Kind::Contacts, upload.bytes, Some(mapping))?;
        let rows = std::mem::take(&mut sheet.rows);
        let total = rows.len();
        let mut previews = Vec::with_capacity(total);
        let mut ready: Vec<(usize, ContactImportRow)> = Vec::new();
        let mut units = row::UnitCache::default();
        // (case, person) pairs of this file, and the row registering each new person.
        let mut seen: HashSet<(i64, String)> = HashSet::new();
        let mut registered: HashMap<String, usize> = HashMap::new();
        for (i, (line, cells)) in rows.into_iter().enumerate() {
            if i % PROGRESS_EVERY == 0 {
                progress(i, total);
            }
            let judged = self
                .judge_contact_row(caller, &sheet, line, &cells, choices, &mut units)
                .await?;
            let outcome = match judged {
                Err(errors) => Outcome::Refused(errors),
                Ok(j) => {
                    let person_key = match &j.who {
                        Who::Existing(id) => format!("#{}", id.0),
                        Who::New(_) => j.key.clone(),
                    };
                    if !seen.insert((j.case.0, person_key)) {
                        Outcome::Refused(vec![sheet.refusal(Field::FullName, Reason::Duplicate)])
                    } else if matches!(j.outcome, Outcome::Already(_)) {
                        j.outcome
                    } else {
                        let person = match j.who {
                            Who::Existing(id) => ContactPerson::Existing(id),
                            Who::New(b) => match registered.get(&j.key) {
                                Some(&row) => ContactPerson::SameAs(row),
                                None => {
                                    registered.insert(j.key.clone(), ready.len());
                                    let (person, address) = *b;
                                    ContactPerson::New { person, address }
                                }
                            },
                        };
                        ready.push((
                            line,
                            ContactImportRow {
                                case: j.case,
                                person,
                                contact: j.contact,
                            },
                        ));
                        j.outcome
                    }
                }
            };
            previews.push(RowPreview { line, outcome });
        }
        progress(total, total);
        let preview = sheet.preview(Kind::Contacts, sha256, imported, previews);
        Ok((preview, sheet, ready))
    }

    /// Judges the list again and writes its contacts with the import's record, or nothing.
    pub(super) async fn commit_contacts(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        choices: &HashMap<usize, Choice>,
        progress: Progress<'_>,
    ) -> Result<Committed, ImportError> {
        let (preview, sheet, ready) = self
            .judge_contacts(caller, upload, mapping, choices, progress)
            .await?;
        if let Some(record) = preview.imported {
            return Ok(Committed::unchanged(record));
        }
        let file_name = upload.stored_name();
        let c = preview.counts;
        let counts = ImportCounts {
            total: c.total as i64,
            new: ready
                .iter()
                .filter(|(_, r)| matches!(r.person, ContactPerson::New { .. }))
                .count() as i64,
            matched: ready
                .iter()
                .filter(|(_, r)| !matches!(r.person, ContactPerson::New { .. }))
                .count() as i64,
            already: c.already as i64,
            refused: c.refused as i64,
        };
        let import = NewImport {
            kind: Kind::Contacts.as_str(),
            file_name: &file_name,
            sha256: &preview.sha256,
            counts,
        };
        let (lines, rows): (Vec<usize>, Vec<ContactImportRow>) = ready.into_iter().unzip();
        let written = self
            .store
            .commit_contact_import(caller, &import, &rows, self.now_s())
            .await;
        super::committed(written, preview, |fields| {
            named::refused_at_commit(&sheet, &lines, &fields, &|f| {
                Field::of_form_field(f).or(Some(Field::FullName))
            })
        })
    }
}
