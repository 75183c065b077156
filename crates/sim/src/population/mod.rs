//! The synthetic population: communes of the chosen province, households, people.
//!
//! People are stored household by household (a household's members are a contiguous range
//! of person indices) and households commune by commune. Names, birth dates, national ids
//! and phone numbers are not stored: they are pure functions of (seed, person) and are
//! computed on demand, which keeps a person at ~16 bytes.
//!
//! Submodules: `geography` (communes and districts), `build` (households and people),
//! `demography` (ages, roles, occupations, phones) and `identity` (names, birth dates, ids).

mod build;
mod demography;
mod geography;
mod identity;

use std::ops::Range;

use chrono::NaiveDate;
use domain::UnitType;

pub(crate) use self::build::{build, Population};
pub(crate) use self::geography::geography;

pub use domain::person::Sex;

/// "No venue" in venue-index columns (workplace, apartment lobby).
pub const NO_VENUE: u32 = u32::MAX;

#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    /// Phường or thị trấn.
    pub urban: bool,
    pub district_code: String,
    pub district_name: String,
    pub lat: f64,
    pub lon: f64,
    /// Simulated residents.
    pub population: u32,
}

impl Commune {
    /// "Phường Phúc Xá".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.unit_type.label_vi(), self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Head,
    Spouse,
    Child,
    Grandparent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Head => "head",
            Role::Spouse => "spouse",
            Role::Child => "child",
            Role::Grandparent => "grandparent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Occupation {
    /// Under school age, or a young child kept at home.
    Infant,
    /// Kindergarten to grade 12.
    Pupil,
    /// University or college.
    Student,
    OfficeWorker,
    FactoryWorker,
    /// Market trader, shop, restaurant or café staff.
    ShopWorker,
    HealthWorker,
    Retired,
    /// Homemaker, farmer, unemployed.
    AtHome,
}

impl Occupation {
    pub const ALL: [Occupation; 9] = [
        Occupation::Infant,
        Occupation::Pupil,
        Occupation::Student,
        Occupation::OfficeWorker,
        Occupation::FactoryWorker,
        Occupation::ShopWorker,
        Occupation::HealthWorker,
        Occupation::Retired,
        Occupation::AtHome,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Occupation::Infant => "infant",
            Occupation::Pupil => "pupil",
            Occupation::Student => "student",
            Occupation::OfficeWorker => "office_worker",
            Occupation::FactoryWorker => "factory_worker",
            Occupation::ShopWorker => "shop_worker",
            Occupation::HealthWorker => "health_worker",
            Occupation::Retired => "retired",
            Occupation::AtHome => "at_home",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Households {
    pub commune: Vec<u32>,
    /// Members of household `h` are people `first[h]..first[h + 1]` (len() + 1 entries).
    pub first: Vec<u32>,
    /// The apartment building's lobby the household passes through, or `NO_VENUE`.
    pub lobby: Vec<u32>,
}

impl Households {
    pub fn len(&self) -> usize {
        self.commune.len()
    }

    pub fn is_empty(&self) -> bool {
        self.commune.is_empty()
    }

    pub fn members(&self, h: u32) -> Range<u32> {
        let h = h as usize;
        self.first[h]..self.first[h + 1]
    }
}

#[derive(Debug, Clone, Default)]
pub struct People {
    pub household: Vec<u32>,
    pub age: Vec<u8>,
    pub sex: Vec<Sex>,
    pub role: Vec<Role>,
    pub occupation: Vec<Occupation>,
    pub has_phone: Vec<bool>,
    /// School, university or workplace venue, or `NO_VENUE`.
    pub workplace: Vec<u32>,
    seed: u64,
    start_date: NaiveDate,
    province_num: u32,
    /// Rank of the person among people of the same birth year and sex: the unique part
    /// of the national id.
    id_serial: Vec<u32>,
    household_commune: Vec<u32>,
}

impl People {
    pub fn len(&self) -> usize {
        self.age.len()
    }

    pub fn is_empty(&self) -> bool {
        self.age.is_empty()
    }

    pub fn commune(&self, i: u32) -> u32 {
        self.household_commune[self.household[i as usize] as usize]
    }
}

#[cfg(test)]
mod tests;
