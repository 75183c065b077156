//! Persons: merging a duplicate record into the one kept, with the tracing index following;
//! search by name without diacritics, phone or national ID; corrections (issue #15, item 1).

use chrono::NaiveDate;
use domain::person::{NationalId, Phone, Sex};
use domain::text::fold_diacritics;
use domain::time::Dates;
use domain::{FieldError, PersonId, Reason};
use store::{Caller, Merged, PersonCorrection, StoreError};

use crate::input::opt_date;

use crate::contact_index::idx;
use crate::App;

impl App {
    /// Merges the duplicate `from` into `into` (cases, tests, check-ins, doses and contacts
    /// move; the duplicate stays, marked). The tracing index follows at once: `from`'s
    /// check-ins become `into`'s in memory (only the index levels holding them are re-sorted;
    /// no check-in is read again from the database), and households and declared contacts
    /// are reloaded. `recorded_at_s` is the wall-clock time of the request.
    pub async fn merge_persons(
        &self,
        caller: &Caller,
        from: PersonId,
        into: PersonId,
        recorded_at_s: i64,
    ) -> Result<Merged, StoreError> {
        let merged = self
            .store
            .merge_persons(caller, from, into, recorded_at_s)
            .await?;
        // The merge is committed: an index that failed to follow is repaired by the next
        // rebuild (start-up), and said so in the log.
        match (idx(from.0), idx(into.0)) {
            (Some(a), Some(b)) => {
                if let Err(e) = self.contacts.move_person(a, b) {
                    tracing::error!("tracing index: moving {from}'s check-ins to {into}: {e}");
                }
            }
            _ => tracing::error!("tracing index: persons {from} or {into} out of its range"),
        }
        if let Err(e) = self.contacts.reload_links(&self.store).await {
            tracing::error!("tracing index: reloading households after a merge: {e}");
        }
        Ok(merged)
    }
}

/// A person search as an edge received it: the text typed (`q`).
pub fn parse_search(q: Option<&str>) -> Result<store::PersonQuery, Vec<FieldError>> {
    let q = q.map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return Err(vec![FieldError::new("q", Reason::Required)]);
    }
    if q.chars().count() > domain::person::NAME_LEN_MAX {
        return Err(vec![FieldError::new("q", Reason::TooLong)]);
    }
    // A number (digits, with the separators and "+84" a phone is written with) is a national
    // ID or a phone; anything else is the start of a name.
    let number = q
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')' | '+'));
    if number && q.chars().any(|c| c.is_ascii_digit()) {
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let national_id = NationalId::parse(&digits).ok();
        let phone = Phone::parse(q).ok();
        if national_id.is_none() && phone.is_none() {
            return Err(vec![FieldError::new("q", Reason::InvalidFormat)]);
        }
        return Ok(store::PersonQuery::Number { national_id, phone });
    }
    let folded = fold_diacritics(q);
    Ok(store::PersonQuery::Name(
        folded.split_whitespace().collect::<Vec<_>>().join(" "),
    ))
}

/// A correction as an edge received it: each field absent is left as it is; an optional
/// field sent empty is cleared (the name and sex cannot be cleared).
#[derive(Debug, Clone, Default)]
pub struct CorrectionInput {
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub national_id: Option<String>,
    pub address: Option<String>,
}

/// Addresses are a line of text: house, street, hamlet.
pub const ADDRESS_MAX_CHARS: usize = 500;

/// Checks every field of a correction with the registration's own rules
/// (`domain::person`) and names each bad field at once.
pub fn parse_correction(
    input: &CorrectionInput,
    today: NaiveDate,
) -> Result<PersonCorrection, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = PersonCorrection::default();
    let trimmed = |v: &Option<String>| v.as_deref().map(str::trim).map(str::to_string);
    if let Some(n) = trimmed(&input.full_name) {
        if n.is_empty() {
            errors.push(FieldError::new("full_name", Reason::Required));
        } else if n.chars().count() > domain::person::NAME_LEN_MAX {
            errors.push(FieldError::new("full_name", Reason::TooLong));
        } else {
            out.full_name = Some(n.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    if let Some(d) = trimmed(&input.birth_date) {
        out.birth_date = if d.is_empty() {
            Some(None)
        } else {
            // Born from 1900 to today, as at registration.
            let range = Dates {
                earliest: NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN),
                latest: today,
            };
            opt_date("birth_date", Some(&d), range, &mut errors).map(Some)
        };
    }
    if let Some(s) = trimmed(&input.sex) {
        match Sex::parse(&s) {
            Ok(s) => out.sex = Some(s),
            Err(_) if s.is_empty() => errors.push(FieldError::new("sex", Reason::Required)),
            Err(r) => errors.push(FieldError::new("sex", r)),
        }
    }
    if let Some(p) = trimmed(&input.phone) {
        if p.is_empty() {
            out.phone = Some(None);
        } else {
            match Phone::parse(&p) {
                Ok(p) => out.phone = Some(Some(p)),
                Err(r) => errors.push(FieldError::new("phone", r)),
            }
        }
    }
    if let Some(n) = trimmed(&input.national_id) {
        if n.is_empty() {
            out.national_id = Some(None);
        } else {
            match NationalId::parse(&n) {
                Ok(n) => out.national_id = Some(Some(n)),
                Err(r) => errors.push(FieldError::new("national_id", r)),
            }
        }
    }
    if let Some(a) = trimmed(&input.address) {
        if a.chars().count() > ADDRESS_MAX_CHARS {
            errors.push(FieldError::new("address", Reason::TooLong));
        } else {
            out.address = Some(Some(a).filter(|a| !a.is_empty()));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Why a correction saved nothing.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// Not there, or outside the caller's scope.
    #[error("person not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl App {
    /// Corrects a person's identity (name, birth date, sex, phone, national ID, address):
    /// checked as at registration, the old values kept in the person's history, audited.
    /// Returns the fields that changed.
    pub async fn correct_person(
        &self,
        caller: &Caller,
        id: PersonId,
        input: &CorrectionInput,
        recorded_at_s: i64,
    ) -> Result<Vec<&'static str>, CorrectionError> {
        let correction = parse_correction(input, self.today()).map_err(CorrectionError::Invalid)?;
        self.store
            .correct_person(caller, id, &correction, recorded_at_s)
            .await?
            .ok_or(CorrectionError::NotFound)
    }
}

/// A person registered, with the records of the caller's scope that may be the same person
/// (the same phone, or the same name and birth date): candidates for a merge.
#[derive(Debug, Clone)]
pub struct Registration {
    pub person: domain::person::Person,
    pub possible_duplicates: Vec<PersonId>,
}

/// Why a registration saved nothing.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Fields at fault, every one named.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// A national ID already held is `StoreError::Duplicate`; a unit not found or outside
    /// the caller's scope is `StoreError::Invalid`.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An address as given: trimmed, empty is none, bounded.
pub fn parse_address(address: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let a = address.map(str::trim).filter(|a| !a.is_empty())?;
    if a.chars().count() > ADDRESS_MAX_CHARS {
        errors.push(FieldError::new("address", Reason::TooLong));
        return None;
    }
    Some(a.split_whitespace().collect::<Vec<_>>().join(" "))
}

impl App {
    /// Registers a person (the API's `POST /api/v1/persons` and the person form share it):
    /// every field checked and every bad one named; check-ins made earlier with the
    /// person's national ID become theirs and traceable; similar records are listed.
    pub async fn register_person(
        &self,
        caller: &Caller,
        input: &domain::person::PersonInput,
        address: Option<&str>,
        recorded_at_s: i64,
    ) -> Result<Registration, RegisterError> {
        let mut errors = Vec::new();
        let address = parse_address(address, &mut errors);
        let new = match input.validate(self.today()) {
            Ok(new) if errors.is_empty() => new,
            Ok(_) => return Err(RegisterError::Invalid(errors)),
            Err(mut fields) => {
                fields.extend(errors);
                return Err(RegisterError::Invalid(fields));
            }
        };
        let person = self
            .store
            .create_person_at(caller, &new, address.as_deref(), recorded_at_s)
            .await?;
        if let Some(nid) = &person.national_id {
            let visits = self
                .store
                .resolve_visitors(person.id.0, nid.as_str())
                .await?;
            if !visits.is_empty() {
                // The person is registered: an index that failed to take the check-ins is
                // repaired by the next rebuild, and said so in the log.
                if let Err(e) = self.contacts.add(&visits) {
                    tracing::error!("tracing index did not take resolved check-ins: {e}");
                }
            }
        }
        let possible_duplicates = self
            .store
            .similar_persons(caller, &new, Some(person.id))
            .await?;
        Ok(Registration {
            person,
            possible_duplicates,
        })
    }
}
