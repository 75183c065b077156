//! Thank-you letters (thư cảm ơn) between localities and partners, sent or received: for a
//! gift of the ledger, for help that was not a gift (doctors, supplies, expertise: HCMC's
//! letter to Hà Nội of 29 October 2021), or for our residents cared for by the partner
//! (Hậu Giang thanking HCMC for vaccinating its people living there and helping them home).
//! The rules of a letter as given, checked here once for the API, the pages and a letter
//! received from a linked locality.

use std::str::FromStr;

use chrono::NaiveDate;

use crate::time::Dates;
use crate::validation::{FieldError, Reason};

/// A subject is a line: "Cảm ơn đoàn y bác sĩ Hà Nội".
pub const LETTER_SUBJECT_MAX: usize = 200;
/// A letter is a page or two of text.
pub const LETTER_TEXT_MAX: usize = 8000;
/// A partner's name, and who signed (name and office).
pub const LETTER_NAME_MAX: usize = 200;

/// Whether we wrote the letter or were thanked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterDirection {
    Sent,
    Received,
}

impl LetterDirection {
    pub const ALL: [LetterDirection; 2] = [LetterDirection::Sent, LetterDirection::Received];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterDirection::Sent => "sent",
            LetterDirection::Received => "received",
        }
    }
}

impl FromStr for LetterDirection {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        LetterDirection::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// What the letter thanks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterKind {
    /// A donation of the ledger (the letter names it).
    Gift,
    /// Help that was not a gift recorded in the ledger: personnel, supplies, expertise.
    Help,
    /// Our residents cared for by the partner (vaccinated, treated, helped home).
    ResidentsCared,
}

impl LetterKind {
    pub const ALL: [LetterKind; 3] = [
        LetterKind::Gift,
        LetterKind::Help,
        LetterKind::ResidentsCared,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Gift => "gift",
            LetterKind::Help => "help",
            LetterKind::ResidentsCared => "residents_cared",
        }
    }
}

impl FromStr for LetterKind {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        LetterKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// Who the letter is to (sent) or from (received).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LetterPartner {
    /// A locality by its code (linked or not: the application decides what travels).
    Locality(String),
    /// Another partner by name: an embassy, a company, a locality not in the registry.
    Named(String),
}

/// A letter as checked: every field within its range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterDraft {
    pub partner: LetterPartner,
    pub kind: LetterKind,
    pub on_date: NaiveDate,
    pub subject: String,
    pub text: String,
    pub signed_by: String,
    /// The gift thanked for (kind `gift` only, and then required).
    pub donation_id: Option<i64>,
}

/// A letter's fields as given (text as typed).
#[derive(Debug, Clone, Default)]
pub struct LetterFields<'a> {
    /// A locality code, or empty when `partner_name` names another partner.
    pub to: Option<&'a str>,
    pub partner_name: Option<&'a str>,
    pub kind: Option<&'a str>,
    /// YYYY-MM-DD.
    pub on_date: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub text: Option<&'a str>,
    pub signed_by: Option<&'a str>,
    pub donation_id: Option<i64>,
}

/// A required trimmed text of at most `max` characters.
fn bounded(
    field: &str,
    v: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            errors.push(FieldError::new(field, Reason::Required));
            None
        }
        Some(s) if s.chars().count() > max => {
            errors.push(FieldError::new(field, Reason::TooLong));
            None
        }
        Some(s) => Some(s.to_string()),
    }
}

/// A letter from its fields, every bad field reported at once: a partner (a locality code of
/// letters, digits, `-` and `_`, or a name), a known kind, a date of the epidemic up to
/// `today` (a letter is recorded once written), the texts within their lengths, and a gift
/// named exactly when the kind is `gift`.
pub fn check_letter(
    f: &LetterFields<'_>,
    today: NaiveDate,
) -> Result<LetterDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = f.to.map(str::trim).filter(|s| !s.is_empty());
    let partner = match code {
        Some(c)
            if c.len() > 16
                || !c
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') =>
        {
            errors.push(FieldError::new("to", Reason::InvalidFormat));
            None
        }
        Some(c) => Some(LetterPartner::Locality(c.to_string())),
        None => bounded("partner_name", f.partner_name, LETTER_NAME_MAX, &mut errors)
            .map(LetterPartner::Named),
    };
    let kind = match f.kind.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            errors.push(FieldError::new("kind", Reason::Required));
            None
        }
        Some(k) => k
            .parse::<LetterKind>()
            .map_err(|e| errors.push(FieldError::new("kind", e)))
            .ok(),
    };
    let range = Dates::past(today);
    let on_date = match f.on_date.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            errors.push(FieldError::new("on_date", Reason::Required));
            None
        }
        Some(d) => crate::time::parse_date(d, range)
            .map_err(|e| errors.push(FieldError::new("on_date", e)))
            .ok(),
    };
    let subject = bounded("subject", f.subject, LETTER_SUBJECT_MAX, &mut errors);
    let text = bounded("text", f.text, LETTER_TEXT_MAX, &mut errors);
    let signed_by = bounded("signed_by", f.signed_by, LETTER_NAME_MAX, &mut errors);
    match (kind, f.donation_id) {
        (Some(LetterKind::Gift), None) => {
            errors.push(FieldError::new("donation_id", Reason::Required))
        }
        (Some(LetterKind::Gift), Some(id)) if id <= 0 => {
            errors.push(FieldError::new("donation_id", Reason::OutOfRange))
        }
        (Some(k), Some(_)) if k != LetterKind::Gift => {
            errors.push(FieldError::new("donation_id", Reason::NotAllowed))
        }
        _ => {}
    }
    match (
        partner,
        kind,
        on_date,
        subject,
        text,
        signed_by,
        errors.is_empty(),
    ) {
        (
            Some(partner),
            Some(kind),
            Some(on_date),
            Some(subject),
            Some(text),
            Some(signed_by),
            true,
        ) => Ok(LetterDraft {
            partner,
            kind,
            on_date,
            subject,
            text,
            signed_by,
            donation_id: f.donation_id,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hcmc_to_hanoi() -> LetterFields<'static> {
        LetterFields {
            to: Some("01"),
            partner_name: None,
            kind: Some("help"),
            on_date: Some("2021-10-29"),
            subject: Some("Thư cảm ơn thành phố Hà Nội"),
            text: Some("Cảm ơn các y bác sĩ và vật tư y tế Hà Nội đã chi viện."),
            signed_by: Some("Chủ tịch UBND TP. Hồ Chí Minh"),
            donation_id: None,
        }
    }

    fn fields_of(r: Result<LetterDraft, Vec<FieldError>>) -> Vec<(String, Reason)> {
        r.unwrap_err()
            .into_iter()
            .map(|e| (e.field.to_string(), e.reason))
            .collect()
    }

    #[test]
    fn the_letter_of_29_october_2021_holds() {
        let l = check_letter(&hcmc_to_hanoi(), day(2021, 11, 1)).unwrap();
        assert_eq!(l.partner, LetterPartner::Locality("01".into()));
        assert_eq!(l.kind, LetterKind::Help);
        assert_eq!(l.on_date, day(2021, 10, 29));
    }

    #[test]
    fn ranges_are_checked_at_once() {
        let long = "x".repeat(LETTER_TEXT_MAX + 1);
        let f = LetterFields {
            kind: Some("present"),
            on_date: Some("2021-11-02"),
            text: Some(&long),
            ..hcmc_to_hanoi()
        };
        assert_eq!(
            fields_of(check_letter(&f, day(2021, 11, 1))),
            [
                ("kind".into(), Reason::UnknownValue),
                ("on_date".into(), Reason::OutOfRange),
                ("text".into(), Reason::TooLong),
            ]
        );
    }

    #[test]
    fn a_partner_is_a_code_or_a_name_and_a_gift_letter_names_its_gift() {
        let f = LetterFields {
            to: Some("01; drop"),
            ..hcmc_to_hanoi()
        };
        assert_eq!(
            fields_of(check_letter(&f, day(2021, 11, 1))),
            [("to".into(), Reason::InvalidFormat)]
        );
        let f = LetterFields {
            to: Some(" "),
            partner_name: Some("Đại sứ quán Nhật Bản"),
            kind: Some("gift"),
            ..hcmc_to_hanoi()
        };
        assert_eq!(
            fields_of(check_letter(&f, day(2021, 11, 1))),
            [("donation_id".into(), Reason::Required)]
        );
        let f = LetterFields {
            donation_id: Some(3),
            ..f
        };
        let l = check_letter(&f, day(2021, 11, 1)).unwrap();
        assert_eq!(
            l.partner,
            LetterPartner::Named("Đại sứ quán Nhật Bản".into())
        );
        let f = LetterFields {
            kind: Some("help"),
            ..f
        };
        assert_eq!(
            fields_of(check_letter(&f, day(2021, 11, 1))),
            [("donation_id".into(), Reason::NotAllowed)]
        );
    }
}
