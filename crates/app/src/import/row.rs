//! One row of an F0 line list turned into the inputs the forms give (`PersonInput`,
//! `CaseInput`): cell texts as a clerk typed them in 2021 ("Nữ", "Dương tính", "12/08/2021",
//! "P. Hàng Buồm") put in the forms' words; the forms' own checks then judge them.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use domain::person::PersonInput;
use domain::text::fold_diacritics;
use domain::{FieldError, Reason, Structure, Unit, UnitLevel};

use super::header::{Field, Mapping};
use crate::cases::{CaseInput, TestInput};
use crate::registry::Registry;

/// A row's values by field, trimmed; empty cells are absent.
pub struct Cells<'a> {
    pub mapping: &'a Mapping,
    pub cells: &'a [String],
}

impl Cells<'_> {
    pub fn get(&self, f: Field) -> Option<&str> {
        let c = self.mapping.column(f)?;
        self.cells
            .get(c)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// A row parsed: the person and case as the forms take them, or the fields at fault
/// (named as the forms name them, so a refusal reads the same).
#[derive(Debug, Clone, Default)]
pub struct ParsedRow {
    pub person: PersonInput,
    pub address: Option<String>,
    pub case: CaseInput,
}

/// A date or time as typed: `YYYY-MM-DD[ HH:MM[:SS]]`, `DD/MM/YYYY[ HH:MM[:SS]]` (also with
/// `-` or `.`), or RFC 3339; a local time (Hà Nội) unless it says its offset. As RFC 3339.
pub fn time_text(s: &str) -> Option<String> {
    let s = s.trim();
    if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
        return Some(s.to_string());
    }
    let normal = s.replace(['.', '-'], "/").replace('T', " ");
    let local = [
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(&normal, f).ok())
    .or_else(|| {
        ["%Y/%m/%d", "%d/%m/%Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(&normal, f).ok())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })?;
    let t = crate::local_time::tz()
        .from_local_datetime(&local)
        .single()?;
    Some(t.to_rfc3339())
}

/// A birth date `YYYY-MM-DD` from a date as typed; a year alone is not a birth date (the
/// person record keeps a full date or none).
pub(super) fn birth_text(s: &str) -> Option<String> {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = time_text(s)?;
    Some(t.get(..10)?.to_string())
}

fn sex_slug(s: &str) -> String {
    match fold_diacritics(s).trim() {
        "nam" | "m" | "male" | "trai" => "male".into(),
        "nu" | "f" | "female" | "gai" => "female".into(),
        "khac" | "other" => "other".into(),
        // Anything else reaches the form's check, which names it.
        other => other.to_string(),
    }
}

/// Whether the result is positive: "Dương tính", "+", "positive", "pos".
pub(super) fn positive(s: &str) -> Option<bool> {
    match fold_diacritics(s).trim() {
        "duong tinh" | "+" | "positive" | "pos" | "dt" | "duong" => Some(true),
        "am tinh" | "-" | "negative" | "neg" | "am" => Some(false),
        _ => None,
    }
}

pub(super) fn test_kind_slug(s: &str) -> String {
    let f = fold_diacritics(s);
    if f.contains("pcr") {
        "pcr".into()
    } else if f.contains("nhanh") || f.contains("khang nguyen") || f.contains("antigen") {
        "antigen".into()
    } else {
        f
    }
}

fn severity_slug(s: &str) -> String {
    match fold_diacritics(s).trim() {
        "khong trieu chung" | "asymptomatic" => "asymptomatic".into(),
        "nhe" | "mild" => "mild".into(),
        "trung binh" | "vua" | "moderate" => "moderate".into(),
        "nang" | "severe" => "severe".into(),
        "nguy kich" | "critical" => "critical".into(),
        other => other.to_string(),
    }
}

/// A national ID as typed; one that lost its leading zero in a number cell (11 or 8
/// digits) has it back.
pub(super) fn national_id_text(s: &str) -> String {
    let d: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if d.bytes().all(|b| b.is_ascii_digit()) && (d.len() == 11 || d.len() == 8) {
        format!("0{d}")
    } else {
        d
    }
}

/// A phone as typed; one that lost its leading zero in a number cell (9 digits) has it.
pub(super) fn phone_text(s: &str) -> String {
    let d: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if d.len() == 9 && d.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{d}")
    } else {
        d
    }
}

/// Unit type abbreviations as lists write them, folded: "P. Hàng Buồm" is "phuong hang buom".
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("tp.", "thanh pho "),
    ("tx.", "thi xa "),
    ("tt.", "thi tran "),
    ("p.", "phuong "),
    ("q.", "quan "),
    ("x.", "xa "),
    ("h.", "huyen "),
];

fn unit_words(part: &str) -> String {
    let f = fold_diacritics(part.trim());
    let f = ABBREVIATIONS
        .iter()
        .find_map(|(a, full)| {
            f.strip_prefix(a)
                .map(|rest| format!("{full}{}", rest.trim()))
        })
        .unwrap_or(f);
    f.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn names(u: &Unit, words: &str) -> bool {
    fold_diacritics(&u.name) == words || fold_diacritics(&u.full_name()) == words
}

fn commune_in<'a>(r: &'a Registry, parts: &[String]) -> Vec<&'a Unit> {
    let Some(name) = parts.first() else {
        return Vec::new();
    };
    let everywhere = domain::Scope::everything();
    let mut found: Vec<&Unit> = r
        .find(name, &everywhere, 50)
        .into_iter()
        .filter(|u| u.level == UnitLevel::Commune && names(u, name))
        .collect();
    // Each further part ("Q. Hoàn Kiếm", "TP. Hà Nội") names an ancestor.
    for parent in &parts[1..] {
        found.retain(|u| {
            let mut at = u.parent_code.as_ref().and_then(|p| r.get(p.as_str()));
            while let Some(a) = at {
                if names(a, parent) {
                    return true;
                }
                at = a.parent_code.as_ref().and_then(|p| r.get(p.as_str()));
            }
            false
        });
    }
    found
}

/// The unit a row names, as a form's `unit` ("00001", or "2025:00001" for a commune only
/// in the 2025 structure): the commune's cell, or a whole "P. Hàng Buồm, Q. Hoàn Kiếm" in
/// it, with the district's and province's cells narrowing it. Unknown: `NotFound`; more
/// than one: `Ambiguous`.
pub fn resolve_unit(
    commune: &str,
    district: Option<&str>,
    province: Option<&str>,
) -> Result<String, Reason> {
    let mut parts: Vec<String> = commune
        .split(',')
        .map(unit_words)
        .filter(|p| !p.is_empty())
        .collect();
    parts.extend(district.into_iter().chain(province).map(unit_words));
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() {
        return Err(Reason::Required);
    }
    for structure in [Structure::S2021, Structure::S2025] {
        let r = Registry::of(structure);
        let mut found = commune_in(r, &parts);
        if found.is_empty() && structure == Structure::S2025 && parts.len() > 2 {
            // The 2025 structure has no districts: the district's part is left out.
            let without: Vec<String> = [parts[0].clone(), parts[parts.len() - 1].clone()].to_vec();
            found = commune_in(r, &without);
        }
        match found.as_slice() {
            [] => continue,
            [u] => {
                return Ok(match structure {
                    Structure::S2021 => u.code.to_string(),
                    Structure::S2025 => format!("2025:{}", u.code),
                })
            }
            _ => return Err(Reason::Ambiguous),
        }
    }
    Err(Reason::NotFound)
}

/// The units already resolved in one import, by the texts naming them (commune, district,
/// province cells): a list names the same few hundred communes again and again, and a
/// resolution searches the registry, so each text is resolved once per import. Bounded by
/// [`UNITS_CACHED_MAX`] different texts.
#[derive(Debug, Default)]
pub struct UnitCache(HashMap<UnitTexts, Result<String, Reason>>);

/// A row's commune, district and province texts.
type UnitTexts = (String, Option<String>, Option<String>);

/// The most unit texts an import keeps resolved; past it, texts are resolved each time.
pub const UNITS_CACHED_MAX: usize = 100_000;

impl UnitCache {
    pub(super) fn resolve(
        &mut self,
        commune: &str,
        district: Option<&str>,
        province: Option<&str>,
    ) -> Result<String, Reason> {
        let key = (
            commune.to_string(),
            district.map(str::to_string),
            province.map(str::to_string),
        );
        if let Some(r) = self.0.get(&key) {
            return r.clone();
        }
        let r = resolve_unit(commune, district, province);
        if self.0.len() < UNITS_CACHED_MAX {
            self.0.insert(key, r.clone());
        }
        r
    }
}

/// The row in the forms' terms; what cannot be put in them (an unknown unit, a negative
/// result) is named in `errors` with the forms' field names.
pub fn parse_row(c: &Cells<'_>, errors: &mut Vec<FieldError>) -> ParsedRow {
    parse_row_with(c, errors, &mut UnitCache::default())
}

/// [`parse_row`] with the units resolved through an import's `units`.
pub fn parse_row_with(
    c: &Cells<'_>,
    errors: &mut Vec<FieldError>,
    units: &mut UnitCache,
) -> ParsedRow {
    let unit = match c.get(Field::Commune) {
        None => None,
        Some(commune) => {
            match units.resolve(commune, c.get(Field::District), c.get(Field::Province)) {
                Ok(u) => Some(u),
                Err(r) => {
                    errors.push(FieldError::new("unit", r));
                    None
                }
            }
        }
    };
    if c.get(Field::Commune).is_none() {
        errors.push(FieldError::new("unit", Reason::Required));
    }
    let birth = c.get(Field::Birth).and_then(|b| match birth_text(b) {
        Some(d) => Some(d),
        // A year alone is kept out; anything else the form names as malformed.
        None if b.len() == 4 => None,
        None => Some(b.to_string()),
    });
    let person = PersonInput {
        full_name: c.get(Field::FullName).map(str::to_string),
        national_id: c.get(Field::NationalId).map(national_id_text),
        phone: c.get(Field::Phone).map(phone_text),
        birth_date: birth,
        sex: c.get(Field::Sex).map(sex_slug),
        unit,
    };
    let time = |f: Field| {
        c.get(f)
            .map(|s| time_text(s).unwrap_or_else(|| s.to_string()))
    };
    let sample_at = time(Field::SampleAt);
    let result = c.get(Field::Result).map(|r| (r, positive(r)));
    match result {
        None => {}
        Some((_, Some(true))) => {}
        // An F0 list holds positives; a negative or unreadable result is not a case.
        Some((_, Some(false))) => errors.push(FieldError::new("test.positive", Reason::NotAllowed)),
        Some((_, None)) => errors.push(FieldError::new("test.positive", Reason::UnknownValue)),
    }
    let ct = match c.get(Field::Ct).map(|s| s.replace(',', ".").parse::<f64>()) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            errors.push(FieldError::new("test.ct", Reason::InvalidFormat));
            None
        }
    };
    let case = CaseInput {
        // A list without a severity column: the 2021 lists recorded mostly mild cases at
        // confirmation; a severity is changed on the case page.
        severity: Some(c.get(Field::Severity).map_or("mild".into(), severity_slug)),
        onset: time(Field::Onset),
        test: Some(TestInput {
            // RT-PCR confirmed an F0 in 2021 unless the list says otherwise.
            kind: Some(c.get(Field::TestKind).map_or("pcr".into(), test_kind_slug)),
            // Without a result date, the result is taken as of the sample's day.
            result_at: time(Field::ResultAt).or_else(|| sample_at.clone()),
            sample_at,
            ct,
        }),
        ..CaseInput::default()
    };
    ParsedRow {
        person,
        address: c.get(Field::Address).map(str::to_string),
        case,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_found_by_name_as_lists_write_them() {
        let hang_buom = resolve_unit("P. Hàng Buồm, Q. Hoàn Kiếm", None, None).unwrap();
        assert_eq!(
            resolve_unit("phuong hang buom", Some("quan hoan kiem"), None),
            Ok(hang_buom.clone())
        );
        assert_eq!(resolve_unit("Hàng Buồm", None, None), Ok(hang_buom));
        assert_eq!(
            resolve_unit("Nowhere at all", None, None),
            Err(Reason::NotFound)
        );
        // Ho Chi Minh City numbers its wards in each district: the name alone fits many.
        assert_eq!(resolve_unit("Phường 1", None, None), Err(Reason::Ambiguous));
        assert!(resolve_unit("P. 1", Some("Quận 3"), None).is_ok());
    }

    #[test]
    fn dates_as_typed_are_local_times() {
        assert_eq!(
            time_text("12/08/2021").as_deref(),
            Some("2021-08-12T00:00:00+07:00")
        );
        assert_eq!(
            time_text("2021-08-12 09:30:00").as_deref(),
            Some("2021-08-12T09:30:00+07:00")
        );
        assert_eq!(time_text("soon"), None);
    }
}
