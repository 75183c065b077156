//! A line list of new cases (issue #15, item 2): several cases entered at once, each for a
//! registered person or a person registered with it. Every row is checked before anything
//! is written; the store then writes all rows in one transaction or none. A refusal names
//! each field by its row: `rows.2.test.sample_at`.

use domain::person::PersonInput;
use domain::{FieldError, PersonId, Reason};
use store::{row_field, Caller, LineCase, LineCreated, LinePerson};

use crate::cases::{check_case, CaseError, CaseInput};
use crate::persons::parse_address;
use crate::App;

/// The most rows one line list takes (a morning's results of a district, not an import).
pub const LINES_MAX: usize = 100;

/// One row as given: a registered person (`person_id`), or a new person with its case.
#[derive(Debug, Clone, Default)]
pub struct LineInput {
    pub person_id: Option<i64>,
    pub person: Option<PersonInput>,
    pub address: Option<String>,
    /// The case's fields; its `person_id` is not read (the row's is).
    pub case: CaseInput,
}

fn in_row(row: usize, fields: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    fields
        .into_iter()
        .map(move |f| FieldError::new(row_field(row, &f.field), f.reason))
}

/// Every row checked, nothing written: the rows ready for the store, or each bad field of
/// each row (`rows.N.field`). A form checks with it what it could not parse itself.
pub fn check_lines(
    lines: &[LineInput],
    now_s: i64,
    today: chrono::NaiveDate,
) -> Result<Vec<(LinePerson, store::NewCase)>, Vec<FieldError>> {
    if lines.is_empty() {
        return Err(vec![FieldError::new("rows", Reason::Required)]);
    }
    if lines.len() > LINES_MAX {
        return Err(vec![FieldError::new("rows", Reason::TooLong)]);
    }
    let mut errors = Vec::new();
    let mut checked = Vec::with_capacity(lines.len());
    for (row, line) in lines.iter().enumerate() {
        let mut row_errors = Vec::new();
        let person = match (line.person_id, &line.person) {
            (Some(id), None) if id > 0 => Some(LinePerson::Existing(PersonId(id))),
            (Some(_), None) => {
                row_errors.push(FieldError::new("person_id", Reason::NotFound));
                None
            }
            // One or the other: a row naming both is a mistake to show, not to guess.
            (Some(_), Some(_)) => {
                row_errors.push(FieldError::new("person_id", Reason::NotAllowed));
                None
            }
            (None, None) => {
                row_errors.push(FieldError::new("person_id", Reason::Required));
                None
            }
            (None, Some(p)) => {
                let address = parse_address(line.address.as_deref(), &mut row_errors);
                match p.validate(today) {
                    Ok(person) => Some(LinePerson::New { person, address }),
                    Err(fields) => {
                        row_errors.extend(fields);
                        None
                    }
                }
            }
        };
        let case = check_case(&line.case, now_s, &mut row_errors);
        match (person, case, row_errors.is_empty()) {
            (Some(person), Some(case), true) => checked.push((person, case)),
            _ => errors.extend(in_row(row, row_errors)),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

impl App {
    /// Checks every row, then writes all of them or none (`CaseError::Invalid` names each
    /// bad field of each row). Returns each row's case and person, in order.
    pub async fn create_cases(
        &self,
        caller: &Caller,
        lines: &[LineInput],
    ) -> Result<Vec<LineCreated>, CaseError> {
        let now = self.now_s();
        let checked = check_lines(lines, now, self.today()).map_err(CaseError::Invalid)?;
        let mut rows = Vec::with_capacity(checked.len());
        for ((person, mut case), line) in checked.into_iter().zip(lines) {
            // As for one case: unless told, a registered person in a recorded quarantine
            // stay when sampled is not a community case (a new person has no stay).
            if let (LinePerson::Existing(id), None) = (&person, line.case.community) {
                case.community = !self.store.quarantined_at(*id, case.test.sample_s).await?;
            }
            rows.push(LineCase { person, case });
        }
        // A row the store refused is named like a row the checks refused.
        match self.store.create_line_list(caller, &rows, now).await {
            Ok(created) => Ok(created),
            Err(store::StoreError::Invalid(fields)) => Err(CaseError::Invalid(fields)),
            Err(e) => Err(e.into()),
        }
    }
}
