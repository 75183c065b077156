//! Lockdown zones: which households a zone covers, and the checks of a zone's units and
//! addresses.
//!
//! A zone is a set of units, each meaning that unit's subtree, optionally narrowed to a list
//! of addresses. A household is in the zone when its unit lies under one of the zone's units
//! and, if the zone lists addresses, its address matches one of them.
//!
//! **Address matching.** Both addresses are reduced to a key ([`address_key`]): lower case,
//! Vietnamese diacritics removed (đ → d), every run of characters that are neither letters nor
//! digits (spaces, commas, slashes, dots) made one space, a space at each end. A household's
//! address matches a zone's address when the household's key contains the zone address's key:
//! the zone's words appear in the household's address, whole and in order. "Ngõ 328 Lê Trọng
//! Tấn" matches "Số 5, ngõ 328 Lê Trọng Tấn, Khương Trung" and "so 5 NGO 328 LE TRONG TAN",
//! but not "ngõ 3280 Lê Trọng Tấn"; "Chung cư Hồ Gươm Plaza" matches "P.1203 chung cư Hồ Gươm
//! Plaza, 102 Trần Phú". Households keep their key beside their address
//! (`households.address_key`), written with it, so a query compares stored keys only.

use crate::text::fold_diacritics;
use crate::units::UnitCode;
use crate::validation::{FieldError, Reason};

/// Units of one zone: a lockdown covers a few communes or districts, not a province's all.
pub const UNITS_MAX: usize = 50;
/// Address lines of one zone: streets, alleys, buildings of a neighbourhood.
pub const ADDRESSES_MAX: usize = 100;
/// Characters of one address line.
pub const ADDRESS_MAX_CHARS: usize = 200;

/// The matching key of an address (see the module's rule): " ngo 328 le trong tan ", or ""
/// when the address has no letter or digit.
pub fn address_key(address: &str) -> String {
    let folded = fold_diacritics(address);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        String::new()
    } else {
        format!(" {} ", words.join(" "))
    }
}

/// Whether a household's address lies in a zone's address: the rule the store's SQL applies
/// to the stored keys (`household_key LIKE '%' || zone_key || '%'`; keys hold no `%` or `_`).
pub fn address_matches(household_address: &str, zone_address: &str) -> bool {
    let zone = address_key(zone_address);
    !zone.is_empty() && address_key(household_address).contains(&zone)
}

/// The checks of a zone's unit list that need no database: at least one, at most
/// [`UNITS_MAX`], none twice. Fields: `units`, `units[i]`.
pub fn check_units(units: &[UnitCode]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if units.is_empty() {
        errors.push(FieldError::new("units", Reason::Required));
    } else if units.len() > UNITS_MAX {
        errors.push(FieldError::new("units", Reason::TooLong));
    }
    for (i, u) in units.iter().enumerate() {
        if units[..i].contains(u) {
            errors.push(FieldError::new(format!("units[{i}]"), Reason::Duplicate));
        }
    }
    errors
}

/// An address line of a zone as stored: the text as typed (trimmed, inner whitespace made one
/// space) and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneAddress {
    pub text: String,
    pub key: String,
}

/// A zone's address lines checked: none blank (no letter or digit), none longer than
/// [`ADDRESS_MAX_CHARS`], none matching the same households as an earlier one (same key), at
/// most [`ADDRESSES_MAX`]. Fields: `addresses`, `addresses[i]`.
pub fn zone_addresses(lines: &[String]) -> Result<Vec<ZoneAddress>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if lines.len() > ADDRESSES_MAX {
        errors.push(FieldError::new("addresses", Reason::TooLong));
    }
    let mut out: Vec<ZoneAddress> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let field = || format!("addresses[{i}]");
        let text = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = address_key(&text);
        if key.is_empty() {
            errors.push(FieldError::new(field(), Reason::Required));
        } else if text.chars().count() > ADDRESS_MAX_CHARS {
            errors.push(FieldError::new(field(), Reason::TooLong));
        } else if out.iter().any(|a| a.key == key) {
            errors.push(FieldError::new(field(), Reason::Duplicate));
        } else {
            out.push(ZoneAddress { text, key });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_diacritics_punctuation_and_spaces() {
        assert_eq!(
            address_key("  Số 5,  Ngõ 328/12 Lê Trọng Tấn "),
            " so 5 ngo 328 12 le trong tan "
        );
        assert_eq!(address_key(" , ; "), "");
        assert_eq!(address_key(""), "");
    }

    #[test]
    fn a_zone_address_matches_whole_words_in_order() {
        let zone = "ngõ 328 Lê Trọng Tấn";
        assert!(address_matches(
            "Số 5, ngõ 328 Lê Trọng Tấn, Khương Trung",
            zone
        ));
        assert!(address_matches("SO 5 NGO 328 LE TRONG TAN", zone));
        assert!(address_matches("12/3 Ngõ 328, Lê Trọng Tấn", zone));
        assert!(!address_matches("ngõ 3280 Lê Trọng Tấn", zone));
        assert!(!address_matches("ngõ 32 Lê Trọng Tấn", zone));
        assert!(!address_matches("Lê Trọng Tấn ngõ 328", zone));
        assert!(address_matches(
            "P.1203 chung cư Hồ Gươm Plaza, 102 Trần Phú",
            "Chung cư Hồ Gươm Plaza"
        ));
        assert!(!address_matches("anything", " , "));
    }

    #[test]
    fn unit_lists_need_one_to_fifty_distinct_units() {
        let u = |c: &str| UnitCode::parse(c).unwrap();
        assert_eq!(
            check_units(&[]),
            [FieldError::new("units", Reason::Required)]
        );
        assert!(check_units(&[u("00001"), u("00004")]).is_empty());
        assert_eq!(
            check_units(&[u("00001"), u("00004"), u("00001")]),
            [FieldError::new("units[2]", Reason::Duplicate)]
        );
        let many: Vec<UnitCode> = (1..=51).map(|i| u(&format!("{i:05}"))).collect();
        assert_eq!(
            check_units(&many),
            [FieldError::new("units", Reason::TooLong)]
        );
    }

    #[test]
    fn address_lines_are_checked_and_normalised() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = zone_addresses(&lines(&["  Ngõ 328   Lê Trọng Tấn "])).unwrap();
        assert_eq!(ok[0].text, "Ngõ 328 Lê Trọng Tấn");
        assert_eq!(ok[0].key, " ngo 328 le trong tan ");
        assert_eq!(
            zone_addresses(&lines(&["ngõ 1", " ", "NGO 1", &"x".repeat(201)])).unwrap_err(),
            [
                FieldError::new("addresses[1]", Reason::Required),
                FieldError::new("addresses[2]", Reason::Duplicate),
                FieldError::new("addresses[3]", Reason::TooLong),
            ]
        );
        let many: Vec<String> = (0..101).map(|i| format!("ngõ {i}")).collect();
        assert_eq!(
            zone_addresses(&many).unwrap_err(),
            [FieldError::new("addresses", Reason::TooLong)]
        );
    }
}
