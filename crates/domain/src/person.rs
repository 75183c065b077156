//! A person in the registry and the rules their fields follow. The tracing issue grows this
//! into the full registry (duplicates, merge); the foundation needs it to prove that scopes
//! and the audit log hold for personal data.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::PersonId;
use crate::units::{Structure, UnitCode, UnitPath};
use crate::validation::{Errors, FieldError, Reason};

pub const NAME_LEN_MAX: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
    Other,
    Unknown,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Result<Sex, Reason> {
        match s {
            "male" => Ok(Sex::Male),
            "female" => Ok(Sex::Female),
            "other" => Ok(Sex::Other),
            "unknown" => Ok(Sex::Unknown),
            _ => Err(Reason::UnknownValue),
        }
    }
}

/// A Vietnamese identity number: 12 digits (căn cước công dân) or 9 (old CMND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalId(String);

impl NationalId {
    pub fn parse(s: &str) -> Result<NationalId, Reason> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) || !(s.len() == 12 || s.len() == 9) {
            return Err(Reason::InvalidFormat);
        }
        Ok(NationalId(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number a personal QR code carries: the chip ID card's QR
    /// (`number|old number|name|birth date|sex|address|issued`) or a bare number; the fields
    /// after the first are not read.
    pub fn from_qr(payload: &str) -> Option<NationalId> {
        NationalId::parse(payload.split('|').next()?).ok()
    }
}

/// A Vietnamese phone number in national form: 10 digits starting with 0. "+84 912 345 678"
/// and "84912345678" are normalised to "0912345678" so duplicates compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Phone, Reason> {
        let digits: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let national = if let Some(rest) = digits.strip_prefix("+84") {
            format!("0{rest}")
        } else if digits.len() == 11 && digits.starts_with("84") {
            format!("0{}", &digits[2..])
        } else {
            digits
        };
        if national.len() != 10
            || !national.starts_with('0')
            || !national.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Reason::InvalidFormat);
        }
        Ok(Phone(national))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Raw input for a new person, as any edge (API, import, CLI) receives it.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub full_name: Option<String>,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    /// The unit of residence, "00001" or "2025:00001".
    pub unit: Option<String>,
}

/// A validated new person; its unit still has to be found in the registry by the store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPerson {
    pub full_name: String,
    pub national_id: Option<NationalId>,
    pub phone: Option<Phone>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    pub structure: Structure,
    pub unit_code: UnitCode,
}

impl PersonInput {
    /// Checks every field and reports all failures at once. `today` bounds birth dates.
    pub fn validate(&self, today: NaiveDate) -> Result<NewPerson, Vec<FieldError>> {
        let mut errors = Errors::default();
        let full_name = match self.full_name.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("full_name", Reason::Required);
                String::new()
            }
            Some(n) if n.chars().count() > NAME_LEN_MAX => {
                errors.push("full_name", Reason::TooLong);
                String::new()
            }
            Some(n) => n.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        let national_id = non_empty(&self.national_id).and_then(|s| {
            NationalId::parse(s)
                .map_err(|r| errors.push("national_id", r))
                .ok()
        });
        let phone = non_empty(&self.phone)
            .and_then(|s| Phone::parse(s).map_err(|r| errors.push("phone", r)).ok());
        let birth_date =
            non_empty(&self.birth_date).and_then(|s| {
                match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Err(_) => {
                        errors.push("birth_date", Reason::InvalidFormat);
                        None
                    }
                    Ok(d) if d > today || d < NaiveDate::from_ymd_opt(1900, 1, 1)? => {
                        errors.push("birth_date", Reason::OutOfRange);
                        None
                    }
                    Ok(d) => Some(d),
                }
            });
        let sex = match non_empty(&self.sex) {
            None => Sex::Unknown,
            Some(s) => Sex::parse(s).unwrap_or_else(|r| {
                errors.push("sex", r);
                Sex::Unknown
            }),
        };
        let unit = match non_empty(&self.unit) {
            None => {
                errors.push("unit", Reason::Required);
                None
            }
            Some(s) => crate::units::parse_unit_ref(s)
                .map_err(|e| errors.push("unit", e.reason))
                .ok(),
        };
        let (structure, unit_code) = match unit {
            Some(u) => u,
            None => return Err(errors.0),
        };
        errors.into_result(NewPerson {
            full_name,
            national_id,
            phone,
            birth_date,
            sex,
            structure,
            unit_code,
        })
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A stored person.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: PersonId,
    pub full_name: String,
    pub national_id: Option<NationalId>,
    pub phone: Option<Phone>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    pub structure: Structure,
    pub unit_code: UnitCode,
    pub unit_path: UnitPath,
    pub created_at: DateTime<Utc>,
    /// Set when this record was a duplicate merged into another person.
    pub merged_into: Option<PersonId>,
}

/// Rebuilds a stored field; stored data passed validation once, so failure is corruption.
impl NationalId {
    pub fn from_stored(s: String) -> NationalId {
        NationalId(s)
    }
}
impl Phone {
    pub fn from_stored(s: String) -> Phone {
        Phone(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn valid_person_is_normalised() {
        let p = PersonInput {
            full_name: Some("  Nguyễn   Văn  An ".into()),
            national_id: Some("001090012345".into()),
            phone: Some("+84 912 345 678".into()),
            birth_date: Some("1990-05-01".into()),
            sex: Some("male".into()),
            unit: Some("00001".into()),
        }
        .validate(today())
        .unwrap();
        assert_eq!(p.full_name, "Nguyễn Văn An");
        assert_eq!(p.phone.unwrap().as_str(), "0912345678");
        assert_eq!(p.structure, Structure::S2021);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let errs = PersonInput {
            full_name: None,
            national_id: Some("12ab".into()),
            phone: Some("12345".into()),
            birth_date: Some("2099-01-01".into()),
            sex: Some("x".into()),
            unit: Some("2024:01".into()),
        }
        .validate(today())
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.reason)).collect();
        assert_eq!(
            fields,
            vec![
                ("full_name", Reason::Required),
                ("national_id", Reason::InvalidFormat),
                ("phone", Reason::InvalidFormat),
                ("birth_date", Reason::OutOfRange),
                ("sex", Reason::UnknownValue),
                ("unit", Reason::UnknownValue),
            ]
        );
    }
}

#[cfg(test)]
mod qr_tests {
    use super::NationalId;

    #[test]
    fn a_card_qr_gives_its_number_and_nothing_else_passes() {
        let card = "001090012345|012345678|Nguyễn Văn A|01011990|Nam|Hà Nội|01012021";
        assert_eq!(
            NationalId::from_qr(card).map(|n| n.as_str().to_string()),
            Some("001090012345".into())
        );
        assert!(
            NationalId::from_qr("012345678").is_some(),
            "an old 9-digit CMND"
        );
        for bad in ["", "|", "0010900123", "00109001234X|x", "CDV1:V:0:746A"] {
            assert!(NationalId::from_qr(bad).is_none(), "{bad}");
        }
    }
}
