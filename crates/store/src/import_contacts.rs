//! Imports of F1 lists (kind `contacts`, issue #16 item 1): each row a contact with its
//! source case. The commit registers the new persons as the line list registers them
//! (`insert_person_in`), then records the contacts through tracing's own write
//! (`persist_contacts_in`), with the `imports` record, in one transaction or nothing.

use std::collections::HashMap;

use sqlx::Row;

use domain::person::NewPerson;
use domain::{CaseId, FieldError, PersonId, Reason};

use crate::case_batch::{row_field, row_refusal};
use crate::cases::{case_from_row, Case, CASE_COLUMNS};
use crate::contacts::{ContactRow, Residence};
use crate::imports::{ImportCommit, NewImport};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// Who a contact row is.
#[derive(Debug, Clone)]
pub enum ContactPerson {
    /// A registered person.
    Existing(PersonId),
    /// A person registered with the row, as the line list registers one.
    New {
        person: NewPerson,
        address: Option<String>,
    },
    /// The person a row before it (its place among the rows written) registers: one F1
    /// of two cases in the same list.
    SameAs(usize),
}

/// A row of an F1 list on its way to the store: the source case, the contact person and
/// the contact as tracing records one (its `person_id` is the person's, once known).
#[derive(Debug, Clone)]
pub struct ContactImportRow {
    pub case: CaseId,
    pub person: ContactPerson,
    pub contact: ContactRow,
}

/// A source person's birth as a list gives it: a full date or a year alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BirthKey {
    /// `YYYY-MM-DD`.
    Date(String),
    Year(i32),
}

impl Store {
    /// The case `id` if it lies in the caller's jurisdiction; none otherwise (the same
    /// answer whether it exists or not).
    pub async fn case_in_scope(&self, caller: &Caller, id: CaseId) -> Result<Option<Case>> {
        let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.reader)
            .await?;
        let case = row.as_ref().map(case_from_row).transpose()?;
        Ok(case.filter(|c| caller.scope.contains(c.structure, &c.unit_path)))
    }

    /// A person's case a contact is traced from: the open (active) one, else the latest.
    pub async fn source_case_of(&self, person: PersonId) -> Result<Option<Case>> {
        let row = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE person_id = $1
              ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, first_sample_s DESC, id DESC
              LIMIT 1"
        ))
        .bind(person.0)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(case_from_row).transpose()
    }

    /// The unmerged persons in the caller's scope of this folded name born on that date or
    /// in that year: at most two (two is ambiguous enough).
    pub async fn persons_named(
        &self,
        caller: &Caller,
        name_folded: &str,
        birth: &BirthKey,
    ) -> Result<Vec<PersonId>> {
        let (from, to) = match birth {
            BirthKey::Date(d) => (d.clone(), d.clone()),
            BirthKey::Year(y) => (format!("{y:04}-01-01"), format!("{y:04}-12-31")),
        };
        let rows = sqlx::query(
            "SELECT id, structure, unit_path FROM persons
              WHERE name_folded = $1 AND birth_date >= $2 AND birth_date <= $3
                AND merged_into IS NULL ORDER BY id LIMIT 50",
        )
        .bind(name_folded)
        .bind(from)
        .bind(to)
        .fetch_all(&self.reader)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let (id, structure, path): (i64, String, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            let (Ok(s), Some(p)) = (
                structure.parse::<domain::Structure>(),
                domain::UnitPath::from_stored(&path),
            ) else {
                return Err(StoreError::Corrupt("persons.unit".into()));
            };
            // A person the caller may not see is not counted (nor disclosed).
            if caller.scope.contains(s, &p) {
                out.push(PersonId(id));
                if out.len() == 2 {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Whether the case has this contact recorded (traced or imported before).
    pub async fn has_contact(&self, case: CaseId, person: PersonId) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM contacts WHERE case_id = $1 AND person_id = $2")
            .bind(case.0)
            .bind(person.0)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.is_some())
    }

    /// Records an F1 list's import, its new persons and its contacts in one transaction,
    /// or nothing: a row the store refuses is named `rows.N.field` (`Invalid`). A contact
    /// already recorded for its case is kept as it was (`persist_contacts_in`).
    pub async fn commit_contact_import(
        &self,
        caller: &Caller,
        import: &NewImport<'_>,
        rows: &[ContactImportRow],
        now_s: i64,
    ) -> Result<ImportCommit> {
        if let Some(done) = self.import_by_hash(import.kind, import.sha256).await? {
            return Ok(ImportCommit::AlreadyImported(done));
        }
        // Units and residences read before the transaction opens (SQLite has one
        // connection).
        let mut errors = Vec::new();
        let mut units = Vec::with_capacity(rows.len());
        for (n, r) in rows.iter().enumerate() {
            units.push(match &r.person {
                ContactPerson::New { person, .. } => match self.person_unit(caller, person).await {
                    Ok(u) => Some(u),
                    Err(e) => {
                        errors.extend(row_refusal(n, e)?);
                        None
                    }
                },
                _ => None,
            });
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let existing: Vec<i64> = rows
            .iter()
            .filter_map(|r| match r.person {
                ContactPerson::Existing(id) => Some(id.0),
                _ => None,
            })
            .collect();
        let mut homes = self.residences(&existing).await?;
        let mut tx = self.pool.begin().await?;
        let Some(record) = self
            .insert_import_in(&mut tx, caller, import, now_s)
            .await?
        else {
            drop(tx);
            return self.taken(import).await;
        };
        // Each row's person, then its contact, grouped by case in the file's order.
        let mut ids: Vec<Option<i64>> = Vec::with_capacity(rows.len());
        let mut by_case: Vec<(CaseId, Vec<ContactRow>)> = Vec::new();
        let mut case_at: HashMap<i64, usize> = HashMap::new();
        for (n, (r, unit)) in rows.iter().zip(&units).enumerate() {
            let id = match (&r.person, unit) {
                (ContactPerson::Existing(id), _) => Some(id.0),
                (ContactPerson::New { person, address }, Some(unit)) => {
                    match self
                        .insert_person_in(&mut tx, caller, person, unit, address.as_deref(), now_s)
                        .await
                    {
                        Ok(p) => {
                            homes.insert(
                                p.id.0,
                                Residence {
                                    structure: p.structure,
                                    unit_code: p.unit_code.to_string(),
                                    unit_path: p.unit_path.clone(),
                                },
                            );
                            Some(p.id.0)
                        }
                        Err(e) => {
                            errors.extend(row_refusal(n, e)?);
                            None
                        }
                    }
                }
                (ContactPerson::New { .. }, None) => {
                    return Err(StoreError::Corrupt(
                        "contacts import: unit not resolved".into(),
                    ))
                }
                (ContactPerson::SameAs(row), _) => ids.get(*row).copied().flatten(),
            };
            ids.push(id);
            let Some(person_id) = id else {
                if matches!(r.person, ContactPerson::SameAs(_)) {
                    errors.push(FieldError::new(row_field(n, "person_id"), Reason::NotFound));
                }
                continue;
            };
            let contact = ContactRow {
                person_id,
                ..r.contact.clone()
            };
            let at = *case_at.entry(r.case.0).or_insert_with(|| {
                by_case.push((r.case, Vec::new()));
                by_case.len() - 1
            });
            by_case[at].1.push(contact);
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        for (case, list) in &by_case {
            self.persist_contacts_in(&mut tx, caller, *case, list, &homes, "imported", now_s)
                .await?;
        }
        tx.commit().await?;
        Ok(ImportCommit::Done {
            record,
            created: Vec::new(),
        })
    }
}
