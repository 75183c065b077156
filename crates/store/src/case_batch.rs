//! A line list: several cases entered at once (issue #15, item 2), each for a person already
//! registered or registered with it. All rows are written in one transaction or none is: a
//! row the store refuses (a person out of scope, a national ID already held, a case already
//! open) is named by its row, the others are still checked, and nothing is kept.

use domain::person::NewPerson;
use domain::{CaseId, FieldError, PersonId, Reason};

use crate::cases::NewCase;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// The person of a line: one registered, or one to register with the case.
#[derive(Debug, Clone)]
pub enum LinePerson {
    Existing(PersonId),
    New {
        person: NewPerson,
        address: Option<String>,
    },
}

/// One line of a line list. For a new person, `case.person_id` is the one registered.
#[derive(Debug, Clone)]
pub struct LineCase {
    pub person: LinePerson,
    pub case: NewCase,
}

/// A line written: its case, its person, and whether the person was registered with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCreated {
    pub case_id: CaseId,
    pub person_id: PersonId,
    pub new_person: bool,
}

/// The name of a field of row `row` (from 0) in a refusal: `rows.2.person_id`.
pub fn row_field(row: usize, field: &str) -> String {
    format!("rows.{row}.{field}")
}

/// A store refusal of one row as named fields; any other error is not a refusal.
pub(crate) fn row_refusal(
    row: usize,
    e: StoreError,
) -> std::result::Result<Vec<FieldError>, StoreError> {
    match e {
        StoreError::Invalid(fields) | StoreError::Conflict(fields) => Ok(fields
            .into_iter()
            .map(|f| FieldError::new(row_field(row, &f.field), f.reason))
            .collect()),
        StoreError::Duplicate { field, .. } => Ok(vec![FieldError::new(
            row_field(row, field),
            Reason::Duplicate,
        )]),
        StoreError::CaseExists { .. } => Ok(vec![FieldError::new(
            row_field(row, "person_id"),
            Reason::Duplicate,
        )]),
        other => Err(other),
    }
}

impl Store {
    /// Writes every line (new persons first registered, then their cases) in one
    /// transaction, or none: `Invalid` names each refused row's fields (`rows.N.field`).
    pub async fn create_line_list(
        &self,
        caller: &Caller,
        lines: &[LineCase],
        now_s: i64,
    ) -> Result<Vec<LineCreated>> {
        let units = self.line_units(caller, lines).await?;
        let mut tx = self.pool.begin().await?;
        let created = self
            .write_lines_in(&mut tx, caller, lines, &units, now_s)
            .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Each new person's unit, found and checked against the caller's scope before a
    /// transaction opens (SQLite has one connection): `Invalid` names each refused row.
    pub(crate) async fn line_units(
        &self,
        caller: &Caller,
        lines: &[LineCase],
    ) -> Result<Vec<Option<domain::units::Unit>>> {
        let mut errors = Vec::new();
        let mut units = Vec::with_capacity(lines.len());
        for (row, line) in lines.iter().enumerate() {
            units.push(match &line.person {
                LinePerson::Existing(_) => None,
                LinePerson::New { person, .. } => match self.person_unit(caller, person).await {
                    Ok(u) => Some(u),
                    Err(e) => {
                        errors.extend(row_refusal(row, e)?);
                        None
                    }
                },
            });
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        Ok(units)
    }

    /// Writes the lines in `tx` (the units from [`Store::line_units`]); every refused row
    /// is named and `Invalid` returned, and the caller then drops `tx`, which rolls every
    /// row back.
    pub(crate) async fn write_lines_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        lines: &[LineCase],
        units: &[Option<domain::units::Unit>],
        now_s: i64,
    ) -> Result<Vec<LineCreated>> {
        let mut errors = Vec::new();
        let mut created = Vec::with_capacity(lines.len());
        for (row, (line, unit)) in lines.iter().zip(units).enumerate() {
            let person_id = match (&line.person, unit) {
                (LinePerson::Existing(id), _) => *id,
                (LinePerson::New { person, address }, Some(unit)) => {
                    match self
                        .insert_person_in(tx, caller, person, unit, address.as_deref(), now_s)
                        .await
                    {
                        Ok(p) => p.id,
                        Err(e) => {
                            errors.extend(row_refusal(row, e)?);
                            continue;
                        }
                    }
                }
                (LinePerson::New { .. }, None) => {
                    return Err(StoreError::Corrupt("line list: unit not resolved".into()))
                }
            };
            let case = NewCase {
                person_id,
                ..line.case.clone()
            };
            match self.create_case_in(tx, caller, &case, now_s).await {
                Ok(case_id) => created.push(LineCreated {
                    case_id,
                    person_id,
                    new_person: matches!(line.person, LinePerson::New { .. }),
                }),
                Err(e) => errors.extend(row_refusal(row, e)?),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        Ok(created)
    }
}
