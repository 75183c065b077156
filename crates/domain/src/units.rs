//! Administrative units: Vietnam's two structures (2021, in force during COVID-19, and the
//! two-level structure from 1 July 2025) and the foreign partner localities.
//!
//! A unit is identified by its structure *and* its code: codes are never reused within a
//! structure, but the 2025 structure keeps many 2021 codes for different territory.

use std::fmt;
use std::str::FromStr;

use crate::validation::{FieldError, Reason};

/// Which administrative structure a unit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Structure {
    /// 63 provinces / districts / communes: the structure in force during COVID-19.
    S2021,
    /// From 1 July 2025: 34 provinces and 3,321 communes, no districts.
    S2025,
}

impl Structure {
    pub const ALL: [Structure; 2] = [Structure::S2021, Structure::S2025];

    pub fn as_str(self) -> &'static str {
        match self {
            Structure::S2021 => "2021",
            Structure::S2025 => "2025",
        }
    }
}

impl fmt::Display for Structure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Structure {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        match s {
            "2021" => Ok(Structure::S2021),
            "2025" => Ok(Structure::S2025),
            _ => Err(Reason::UnknownValue),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitLevel {
    /// Only foreign partner countries (Laos) are stored at this level; Vietnam as a whole is
    /// the implicit root.
    Country,
    Province,
    District,
    Commune,
}

impl UnitLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Country => "country",
            UnitLevel::Province => "province",
            UnitLevel::District => "district",
            UnitLevel::Commune => "commune",
        }
    }
}

impl FromStr for UnitLevel {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        match s {
            "country" => Ok(UnitLevel::Country),
            "province" => Ok(UnitLevel::Province),
            "district" => Ok(UnitLevel::District),
            "commune" => Ok(UnitLevel::Commune),
            _ => Err(Reason::UnknownValue),
        }
    }
}

/// The legal type of a unit (tỉnh, quận, phường, đặc khu...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitType {
    /// Tỉnh.
    Tinh,
    /// Thành phố trực thuộc trung ương.
    ThanhPhoTw,
    Quan,
    Huyen,
    ThiXa,
    /// Thành phố thuộc tỉnh (or thuộc thành phố trực thuộc trung ương).
    ThanhPho,
    Xa,
    Phuong,
    ThiTran,
    /// Đặc khu (special zone, from 2025).
    DacKhu,
    ForeignCountry,
    ForeignCapital,
    ForeignProvince,
}

impl UnitType {
    const ALL: [UnitType; 13] = [
        UnitType::Tinh,
        UnitType::ThanhPhoTw,
        UnitType::Quan,
        UnitType::Huyen,
        UnitType::ThiXa,
        UnitType::ThanhPho,
        UnitType::Xa,
        UnitType::Phuong,
        UnitType::ThiTran,
        UnitType::DacKhu,
        UnitType::ForeignCountry,
        UnitType::ForeignCapital,
        UnitType::ForeignProvince,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitType::Tinh => "tinh",
            UnitType::ThanhPhoTw => "thanh_pho_tw",
            UnitType::Quan => "quan",
            UnitType::Huyen => "huyen",
            UnitType::ThiXa => "thi_xa",
            UnitType::ThanhPho => "thanh_pho",
            UnitType::Xa => "xa",
            UnitType::Phuong => "phuong",
            UnitType::ThiTran => "thi_tran",
            UnitType::DacKhu => "dac_khu",
            UnitType::ForeignCountry => "foreign_country",
            UnitType::ForeignCapital => "foreign_capital",
            UnitType::ForeignProvince => "foreign_province",
        }
    }

    /// The Vietnamese prefix used before the name ("Phường Phúc Xá").
    pub fn label_vi(self) -> &'static str {
        match self {
            UnitType::Tinh => "Tỉnh",
            UnitType::ThanhPhoTw | UnitType::ThanhPho => "Thành phố",
            UnitType::Quan => "Quận",
            UnitType::Huyen => "Huyện",
            UnitType::ThiXa => "Thị xã",
            UnitType::Xa => "Xã",
            UnitType::Phuong => "Phường",
            UnitType::ThiTran => "Thị trấn",
            UnitType::DacKhu => "Đặc khu",
            UnitType::ForeignCountry => "Nước",
            UnitType::ForeignCapital => "Thủ đô",
            UnitType::ForeignProvince => "Tỉnh",
        }
    }

    /// The English form of a name of this type, from the name without diacritics ("Hoang
    /// Sa District"), as the units appear in English on official maps.
    pub fn name_en(self, name_ascii: &str) -> String {
        let suffix = match self {
            UnitType::Tinh | UnitType::ForeignProvince => "Province",
            UnitType::ThanhPhoTw | UnitType::ThanhPho => "City",
            UnitType::Quan => "Urban District",
            UnitType::Huyen => "District",
            UnitType::ThiXa => "Town",
            UnitType::Xa => "Commune",
            UnitType::Phuong => "Ward",
            UnitType::ThiTran => "Township",
            UnitType::DacKhu => "Special Zone",
            UnitType::ForeignCountry | UnitType::ForeignCapital => return name_ascii.to_string(),
        };
        format!("{name_ascii} {suffix}")
    }

    pub fn is_foreign(self) -> bool {
        matches!(
            self,
            UnitType::ForeignCountry | UnitType::ForeignCapital | UnitType::ForeignProvince
        )
    }
}

impl FromStr for UnitType {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        UnitType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// Whether a unit is part of Vietnam or a foreign partner locality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitKind {
    Domestic,
    Foreign,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Domestic => "domestic",
            UnitKind::Foreign => "foreign",
        }
    }
}

impl FromStr for UnitKind {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        match s {
            "domestic" => Ok(UnitKind::Domestic),
            "foreign" => Ok(UnitKind::Foreign),
            _ => Err(Reason::UnknownValue),
        }
    }
}

/// An official unit code: "01" (province), "001" (district), "00001" (commune), or an ISO
/// 3166-2 code such as "LA-VT" for a foreign locality. The special code "VN" means the
/// whole country and is not a stored unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitCode(String);

impl UnitCode {
    /// The whole of Vietnam (and, for scopes, everything the system holds).
    pub const COUNTRY: &'static str = "VN";

    pub fn parse(s: &str) -> Result<UnitCode, Reason> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Reason::Required);
        }
        if s.len() > 12 {
            return Err(Reason::TooLong);
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(Reason::InvalidFormat);
        }
        Ok(UnitCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_country(&self) -> bool {
        self.0 == Self::COUNTRY
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The materialised path of a unit from its root: `/01/001/00001/`. A unit's subtree is
/// every unit whose path starts with its path, which a B-tree answers as one range scan
/// (`path >= '/01/' AND path < '/010'`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitPath(String);

impl UnitPath {
    pub fn root() -> UnitPath {
        UnitPath("/".to_string())
    }

    pub fn child(&self, code: &UnitCode) -> UnitPath {
        UnitPath(format!("{}{}/", self.0, code.as_str()))
    }

    /// Rebuild from a stored string; only well-formed paths are accepted.
    pub fn from_stored(s: &str) -> Option<UnitPath> {
        (s.starts_with('/') && s.ends_with('/')).then(|| UnitPath(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The exclusive upper bound of the subtree's range: the path with its final '/'
    /// replaced by the next byte ('0'), so every descendant sorts in `[self, upper)`.
    pub fn subtree_upper_bound(&self) -> String {
        let mut s = self.0.clone();
        s.pop();
        s.push('0');
        s
    }

    pub fn contains(&self, other: &UnitPath) -> bool {
        other.0.starts_with(&self.0)
    }
}

/// One administrative unit as the registry holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub structure: Structure,
    pub code: UnitCode,
    pub name: String,
    pub name_ascii: String,
    pub level: UnitLevel,
    pub unit_type: UnitType,
    pub kind: UnitKind,
    pub parent_code: Option<UnitCode>,
    pub path: UnitPath,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub area_km2: Option<f64>,
}

impl Unit {
    /// "Phường Phúc Xá". A name that already carries its type ("Quận 1", as the registry
    /// spells numbered districts and wards) is not prefixed again ("Quận Quận 1").
    pub fn full_name(&self) -> String {
        let label = self.unit_type.label_vi();
        match self
            .name
            .strip_prefix(label)
            .is_some_and(|rest| rest.starts_with(' '))
        {
            true => self.name.clone(),
            false => format!("{label} {}", self.name),
        }
    }

    /// "Phuc Xa Ward".
    pub fn full_name_en(&self) -> String {
        self.unit_type.name_en(&self.name_ascii)
    }
}

/// Parses a `--unit` argument or API field: a code, optionally prefixed by its structure
/// ("2025:01"). A bare code is read in the 2021 structure, the one COVID-era records use.
pub fn parse_unit_ref(s: &str) -> Result<(Structure, UnitCode), FieldError> {
    let (structure, code) = match s.split_once(':') {
        Some((st, code)) => (
            st.parse::<Structure>()
                .map_err(|r| FieldError::new("unit", r))?,
            code,
        ),
        None => (Structure::S2021, s),
    };
    let code = UnitCode::parse(code).map_err(|r| FieldError::new("unit", r))?;
    Ok((structure, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_name_carries_its_type_once() {
        let unit = |name: &str, unit_type| Unit {
            structure: Structure::S2021,
            code: UnitCode::parse("760").unwrap(),
            name: name.into(),
            name_ascii: String::new(),
            level: UnitLevel::District,
            unit_type,
            kind: UnitKind::Domestic,
            parent_code: None,
            path: UnitPath::root(),
            lat: None,
            lon: None,
            area_km2: None,
        };
        assert_eq!(unit("Quận 1", UnitType::Quan).full_name(), "Quận 1");
        assert_eq!(unit("Ba Đình", UnitType::Quan).full_name(), "Quận Ba Đình");
        // A name that only begins with the type's letters is still prefixed.
        assert_eq!(unit("Quậnh", UnitType::Quan).full_name(), "Quận Quậnh");
    }

    #[test]
    fn subtree_bound_covers_descendants_only() {
        let hn = UnitPath::root().child(&UnitCode::parse("01").unwrap());
        let child = hn.child(&UnitCode::parse("001").unwrap());
        let other = UnitPath::root().child(&UnitCode::parse("010").unwrap());
        let upper = hn.subtree_upper_bound();
        assert!(child.as_str() >= hn.as_str() && child.as_str() < upper.as_str());
        // "/010/" must not fall in Hà Nội's ("/01/") range although it shares the prefix "/01".
        assert!(!(other.as_str() >= hn.as_str() && other.as_str() < upper.as_str()));
        assert!(hn.contains(&child));
        assert!(!hn.contains(&other));
    }

    #[test]
    fn unit_codes_are_validated() {
        assert!(UnitCode::parse("00001").is_ok());
        assert!(UnitCode::parse("LA-VT").is_ok());
        assert_eq!(UnitCode::parse(""), Err(Reason::Required));
        assert_eq!(UnitCode::parse("01; drop"), Err(Reason::InvalidFormat));
        assert_eq!(parse_unit_ref("2025:01").unwrap().0, Structure::S2025);
        assert_eq!(parse_unit_ref("01").unwrap().0, Structure::S2021);
        assert!(parse_unit_ref("2030:01").is_err());
    }
}
