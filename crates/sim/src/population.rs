//! The synthetic population: communes of the chosen province, households, people.
//!
//! People are stored household by household (a household's members are a contiguous range
//! of person indices) and households commune by commune. Names, birth dates, national ids
//! and phone numbers are not stored: they are pure functions of (seed, person) and are
//! computed on demand, which keeps a person at ~16 bytes.

use std::ops::Range;

use chrono::{Datelike, Months, NaiveDate};
use domain::{Structure, UnitLevel, UnitType};
use rayon::prelude::*;

use crate::params::{Params, SimError};
use crate::rng::{self, cumulative, Rng, Stream};
use crate::tables::{
    AGE_MAX, AGE_PYRAMID_2019, GIVEN_FEMALE, GIVEN_MALE, HOUSEHOLD_SIZE, MIDDLE_FEMALE,
    MIDDLE_MALE, SURNAMES,
};

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

    pub fn birth_date(&self, i: u32) -> NaiveDate {
        birth_date(self.seed, self.start_date, self.age[i as usize], i)
    }

    /// "Nguyễn Văn An": the household's surname (a wife or grandmother keeps her own),
    /// a middle name whose style follows the birth year (Văn/Thị fell out of fashion).
    pub fn full_name(&self, i: u32) -> String {
        let p = i as usize;
        let female = self.sex[p] == Sex::Female;
        let own_surname = match self.role[p] {
            Role::Spouse => true,
            Role::Grandparent => female,
            Role::Head | Role::Child => false,
        };
        let surname_key = if own_surname {
            rng::hash(self.seed, Stream::Names, u64::from(i), 1)
        } else {
            rng::hash(self.seed, Stream::Names, u64::from(self.household[p]), 0)
        };
        let surname = pick_surname(surname_key);
        let h = rng::hash(self.seed, Stream::Names, u64::from(i), 2);
        let year = self.birth_date(i).year();
        let classic_share = match (female, year) {
            (true, ..=1979) => 0.75,
            (true, 1980..=1999) => 0.5,
            (true, _) => 0.15,
            (false, ..=1979) => 0.45,
            (false, 1980..=1999) => 0.3,
            (false, _) => 0.12,
        };
        let middles: &[&str] = if female { &MIDDLE_FEMALE } else { &MIDDLE_MALE };
        let u = unit(h);
        let middle = if u < classic_share {
            middles[0]
        } else {
            middles[1 + ((h >> 8) % (middles.len() as u64 - 1)) as usize]
        };
        let givens: &[&str] = if female { &GIVEN_FEMALE } else { &GIVEN_MALE };
        let given = givens[zipf_index(rng::mix(h), givens.len())];
        format!("{surname} {middle} {given}")
    }

    /// A syntactically valid 12-digit citizen identity number (căn cước công dân):
    /// 3-digit province code, century-and-sex digit (1900s: 0 male, 1 female; 2000s: 2, 3),
    /// 2-digit birth year, 6 digits unique within (province, birth year, sex).
    pub fn national_id(&self, i: u32) -> String {
        let p = i as usize;
        let year = self.birth_date(i).year();
        let female = u32::from(self.sex[p] == Sex::Female);
        let century_sex = if year >= 2000 { 2 + female } else { female };
        let group = id_group(year, self.sex[p]);
        let offset = rng::hash(self.seed, Stream::Ids, u64::from(group), 0) % 1_000_000;
        // 380_237 is coprime with 10^6, so distinct serials give distinct digits.
        let six = (u64::from(self.id_serial[p]) * 380_237 + offset) % 1_000_000;
        format!(
            "{:03}{}{:02}{:06}",
            self.province_num,
            century_sex,
            year.rem_euclid(100),
            six
        )
    }

    /// "09xxxxxxxx" for phone owners: 8 digits that are a bijection of the person index,
    /// so no two people share a number.
    pub fn phone(&self, i: u32) -> Option<String> {
        if !self.has_phone[i as usize] {
            return None;
        }
        let offset = rng::hash(self.seed, Stream::Ids, u64::MAX, 1) % 100_000_000;
        // 48_271_009 is coprime with 10^8.
        let eight = (u64::from(i) * 48_271_009 + offset) % 100_000_000;
        Some(format!("09{eight:08}"))
    }
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn pick_surname(h: u64) -> &'static str {
    let total: f64 = SURNAMES.iter().map(|s| s.1).sum();
    let mut r = unit(h) * total;
    for (name, w) in SURNAMES {
        if r < w {
            return name;
        }
        r -= w;
    }
    SURNAMES[0].0
}

fn zipf_index(h: u64, n: usize) -> usize {
    let total: f64 = (0..n).map(|r| 1.0 / (r as f64 + 4.0)).sum();
    let mut r = unit(h) * total;
    for k in 0..n {
        let w = 1.0 / (k as f64 + 4.0);
        if r < w {
            return k;
        }
        r -= w;
    }
    0
}

fn id_group(year: i32, sex: Sex) -> u32 {
    (year - 1900).max(0) as u32 * 2 + u32::from(sex == Sex::Female)
}

/// A birth date that makes the person exactly `age` on `start`.
pub(crate) fn birth_date(seed: u64, start: NaiveDate, age: u8, person: u32) -> NaiveDate {
    let years = u32::from(age);
    let latest = start
        .checked_sub_months(Months::new(12 * years))
        .unwrap_or(start);
    let earliest = start
        .checked_sub_months(Months::new(12 * (years + 1)))
        .and_then(|d| d.succ_opt())
        .unwrap_or(latest);
    let span = (latest - earliest).num_days().max(0) as u64 + 1;
    let h = rng::hash(seed, Stream::Ids, u64::from(person), 2);
    earliest + chrono::Days::new(h % span)
}

/// Ages drawn from the census pyramid, optionally restricted to a range.
struct AgeTable {
    cum: [f64; AGE_MAX as usize + 1],
}

impl AgeTable {
    fn new() -> AgeTable {
        let mut w = [0.0; AGE_MAX as usize + 1];
        for (age, slot) in w.iter_mut().enumerate() {
            let band = (age / 5).min(17);
            *slot = if band < 17 {
                AGE_PYRAMID_2019[band] / 5.0
            } else {
                // 85+: mortality thins each year by ~12%.
                let k = (age - 85) as i32;
                let norm: f64 = (0..=(AGE_MAX as i32 - 85)).map(|j| 0.88f64.powi(j)).sum();
                AGE_PYRAMID_2019[17] * 0.88f64.powi(k) / norm
            };
        }
        let mut cum = [0.0; AGE_MAX as usize + 1];
        let mut acc = 0.0;
        for (c, x) in cum.iter_mut().zip(w) {
            acc += x;
            *c = acc;
        }
        AgeTable { cum }
    }

    fn sample(&self, rng: &mut Rng, lo: u8, hi: u8) -> u8 {
        let base = if lo == 0 {
            0.0
        } else {
            self.cum[lo as usize - 1]
        };
        let top = self.cum[hi as usize];
        let r = base + rng.f64() * (top - base);
        let i = self.cum.partition_point(|&c| c <= r);
        (i.clamp(lo as usize, hi as usize)) as u8
    }
}

fn clamp_age(a: i32) -> u8 {
    a.clamp(0, i32::from(AGE_MAX)) as u8
}

fn random_sex(rng: &mut Rng, p_male: f64) -> Sex {
    if rng.chance(p_male) {
        Sex::Male
    } else {
        Sex::Female
    }
}

fn opposite(s: Sex) -> Sex {
    if s == Sex::Male {
        Sex::Female
    } else {
        Sex::Male
    }
}

/// Members of one household: (age, sex, role), head first.
fn household_members(rng: &mut Rng, size: usize, ages: &AgeTable, out: &mut Vec<(u8, Sex, Role)>) {
    out.clear();
    match size {
        1 => {
            if rng.chance(0.45) {
                let age = ages.sample(rng, 20, 39);
                out.push((age, random_sex(rng, 0.55), Role::Head));
            } else {
                let age = ages.sample(rng, 55, AGE_MAX);
                out.push((age, random_sex(rng, 0.35), Role::Head));
            }
        }
        2 if rng.chance(0.6) => {
            let head = ages.sample(rng, 20, 95);
            let spouse = clamp_age(i32::from(head) - rng.range(-2, 7)).max(18);
            let sex = random_sex(rng, 0.85);
            out.push((head, sex, Role::Head));
            out.push((spouse, opposite(sex), Role::Spouse));
        }
        2 => {
            let child = ages.sample(rng, 0, 35);
            let parent = clamp_age(i32::from(child) + rng.range(20, 38));
            out.push((parent, random_sex(rng, 0.35), Role::Head));
            out.push((child, random_sex(rng, 0.51), Role::Child));
        }
        n => {
            let p_three_gen = match n {
                3 => 0.12,
                4 => 0.3,
                5 => 0.6,
                _ => 0.8,
            };
            let grandparents = if rng.chance(p_three_gen) {
                if n >= 5 && rng.chance(0.55) {
                    2
                } else {
                    1
                }
            } else {
                0
            };
            let rest = n - grandparents;
            let parents = if rest >= 3 || rng.chance(0.5) { 2 } else { 1 };
            let kids = rest.saturating_sub(parents);
            let mut kid_ages: Vec<u8> = Vec::with_capacity(kids);
            if kids > 0 {
                let mut a = i32::from(ages.sample(rng, 0, 24));
                for _ in 0..kids {
                    kid_ages.push(clamp_age(a).min(40));
                    a += rng.range(1, 6);
                }
            }
            let mother = match kid_ages.iter().max() {
                Some(&oldest) => clamp_age(i32::from(oldest) + rng.range(20, 36)),
                None => ages.sample(rng, 25, 60),
            };
            let father = clamp_age(i32::from(mother) + rng.range(0, 6));
            if parents == 2 {
                out.push((father, Sex::Male, Role::Head));
                out.push((mother, Sex::Female, Role::Spouse));
            } else if rng.chance(0.7) {
                out.push((mother, Sex::Female, Role::Head));
            } else {
                out.push((father, Sex::Male, Role::Head));
            }
            for a in kid_ages {
                let sex = random_sex(rng, 0.52);
                out.push((a, sex, Role::Child));
            }
            let eldest = out.iter().map(|m| m.0).max().unwrap_or(30);
            let gp = clamp_age(i32::from(eldest) + rng.range(22, 32));
            if grandparents == 1 {
                out.push((gp, random_sex(rng, 0.35), Role::Grandparent));
            } else if grandparents == 2 {
                out.push((gp, Sex::Male, Role::Grandparent));
                let other = clamp_age(i32::from(gp) + rng.range(-5, 3));
                out.push((other, Sex::Female, Role::Grandparent));
            }
        }
    }
}

/// Occupation from age, sex and whether the commune is urban. Shares are assumptions (assumed)
/// shaped on Hà Nội: many students and office workers in the wards, factories and farms
/// (counted as at home) in the rural communes. Statutory retirement in 2021: men 60,
/// women 55 (Labour Code 2019 raises it slowly from there).
fn occupation(rng: &mut Rng, age: u8, sex: Sex, urban: bool) -> Occupation {
    let u = rng.f64();
    let retire_age = if sex == Sex::Male { 60 } else { 55 };
    match age {
        0..=2 => Occupation::Infant,
        3..=5 => {
            if u < 0.9 {
                Occupation::Pupil
            } else {
                Occupation::Infant
            }
        }
        6..=14 => Occupation::Pupil,
        15..=17 => {
            if u < 0.9 {
                Occupation::Pupil
            } else if u < 0.95 {
                Occupation::ShopWorker
            } else {
                Occupation::FactoryWorker
            }
        }
        18..=22 => {
            let student = if urban { 0.5 } else { 0.3 };
            pick_occupation(
                u,
                &[
                    (Occupation::Student, student),
                    (Occupation::FactoryWorker, 0.2),
                    (Occupation::ShopWorker, 0.15),
                    (Occupation::OfficeWorker, 0.06),
                    (Occupation::HealthWorker, 0.01),
                ],
            )
        }
        a if a < retire_age => {
            if urban {
                pick_occupation(
                    u,
                    &[
                        (Occupation::OfficeWorker, 0.30),
                        (Occupation::FactoryWorker, 0.12),
                        (Occupation::ShopWorker, 0.20),
                        (Occupation::HealthWorker, 0.025),
                    ],
                )
            } else {
                pick_occupation(
                    u,
                    &[
                        (Occupation::OfficeWorker, 0.08),
                        (Occupation::FactoryWorker, 0.30),
                        (Occupation::ShopWorker, 0.12),
                        (Occupation::HealthWorker, 0.015),
                    ],
                )
            }
        }
        a => {
            if a < 70 && u < 0.06 {
                Occupation::ShopWorker
            } else if u < 0.88 {
                Occupation::Retired
            } else {
                Occupation::AtHome
            }
        }
    }
}

fn pick_occupation(u: f64, shares: &[(Occupation, f64)]) -> Occupation {
    let mut acc = 0.0;
    for &(o, s) in shares {
        acc += s;
        if u < acc {
            return o;
        }
    }
    Occupation::AtHome
}

/// Phone ownership relative to the 12+ average: teenagers and the old carry fewer.
fn phone_factor(age: u8) -> f64 {
    match age {
        0..=11 => 0.0,
        12..=17 => 0.9,
        18..=59 => 1.1,
        60..=69 => 0.8,
        _ => 0.5,
    }
}

/// What `build` returns besides the people: the province's communes and their districts.
pub(crate) struct Geography {
    pub communes: Vec<Commune>,
    /// Dense district index of each commune.
    pub district_of: Vec<u32>,
    pub districts: usize,
}

pub(crate) fn geography(params: &Params) -> Result<Geography, SimError> {
    let units =
        domain::refdata::units(Structure::S2021).map_err(|e| SimError::RefData(e.to_string()))?;
    let code = params.province_code.as_str();
    let province = units
        .iter()
        .find(|u| {
            u.level == UnitLevel::Province && u.code.as_str() == code && !u.unit_type.is_foreign()
        })
        .ok_or_else(|| SimError::UnknownProvince(code.to_string()))?;
    let prefix = province.path.as_str().to_string();
    let districts: Vec<&domain::Unit> = units
        .iter()
        .filter(|u| u.level == UnitLevel::District && u.path.as_str().starts_with(&prefix))
        .collect();
    let mut communes = Vec::new();
    let mut district_of = Vec::new();
    for u in units
        .iter()
        .filter(|u| u.level == UnitLevel::Commune && u.path.as_str().starts_with(&prefix))
    {
        let parent = u.parent_code.as_ref().map(|c| c.as_str()).unwrap_or("");
        let Some(d) = districts.iter().position(|d| d.code.as_str() == parent) else {
            continue;
        };
        communes.push(Commune {
            code: u.code.as_str().to_string(),
            name: u.name.clone(),
            unit_type: u.unit_type,
            urban: matches!(u.unit_type, UnitType::Phuong | UnitType::ThiTran),
            district_code: parent.to_string(),
            district_name: districts[d].name.clone(),
            lat: u.lat.or(districts[d].lat).unwrap_or(0.0),
            lon: u.lon.or(districts[d].lon).unwrap_or(0.0),
            population: 0,
        });
        district_of.push(d as u32);
    }
    if communes.is_empty() {
        return Err(SimError::UnknownProvince(code.to_string()));
    }
    Ok(Geography {
        communes,
        district_of,
        districts: districts.len(),
    })
}

/// Splits `total` over weights by largest remainder, so the parts sum exactly.
fn apportion(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * f64::from(total)).collect();
    let mut parts: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let given: u32 = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take((total - given) as usize) {
        parts[i] += 1;
    }
    parts
}

struct Block {
    hh_size: Vec<u8>,
    apartment: Vec<bool>,
    age: Vec<u8>,
    sex: Vec<Sex>,
    role: Vec<Role>,
    occupation: Vec<Occupation>,
    has_phone: Vec<bool>,
}

pub(crate) struct Population {
    pub households: Households,
    pub people: People,
    /// Households that live in an apartment building (lobbies are assigned with venues).
    pub apartment: Vec<bool>,
}

pub(crate) fn build(params: &Params, geo: &mut Geography) -> Population {
    // Residents per commune: a ward (phường) holds ~2.2 times a rural commune (xã): Hà Nội
    // 2019, ~3.9 M people in 177 wards vs ~4.1 M in 381 communes and 21 towns (assumed).
    let weights: Vec<f64> = geo
        .communes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let base = match c.unit_type {
                UnitType::Phuong => 2.2,
                UnitType::ThiTran => 1.5,
                _ => 1.0,
            };
            let mut r = Rng::new(params.seed, Stream::Communes, i as u64, 0);
            base * r.lognormal(1.0, 0.35)
        })
        .collect();
    let targets = apportion(params.people, &weights);
    let ages = AgeTable::new();
    let size_cum = cumulative(&HOUSEHOLD_SIZE);
    let blocks: Vec<Block> = targets
        .par_iter()
        .enumerate()
        .map(|(c, &target)| {
            let urban = geo.communes[c].urban;
            let apartment_share = match geo.communes[c].unit_type {
                UnitType::Phuong => 0.3,
                UnitType::ThiTran => 0.05,
                _ => 0.0,
            };
            let mut rng = Rng::new(params.seed, Stream::Households, c as u64, 0);
            let cap = target as usize;
            let mut b = Block {
                hh_size: Vec::new(),
                apartment: Vec::new(),
                age: Vec::with_capacity(cap),
                sex: Vec::with_capacity(cap),
                role: Vec::with_capacity(cap),
                occupation: Vec::with_capacity(cap),
                has_phone: Vec::with_capacity(cap),
            };
            let mut members = Vec::with_capacity(8);
            let mut left = target as usize;
            while left > 0 {
                let size = (rng.pick_cum(&size_cum) + 1).min(left);
                household_members(&mut rng, size, &ages, &mut members);
                b.hh_size.push(members.len() as u8);
                b.apartment.push(rng.chance(apartment_share));
                for &(age, sex, role) in &members {
                    b.age.push(age);
                    b.sex.push(sex);
                    b.role.push(role);
                    b.occupation.push(occupation(&mut rng, age, sex, urban));
                    let p_phone = (params.phone_ownership * phone_factor(age)).min(1.0);
                    b.has_phone.push(rng.chance(p_phone));
                }
                left -= members.len();
            }
            b
        })
        .collect();

    let n = params.people as usize;
    let n_hh: usize = blocks.iter().map(|b| b.hh_size.len()).sum();
    let mut households = Households {
        commune: Vec::with_capacity(n_hh),
        first: Vec::with_capacity(n_hh + 1),
        lobby: Vec::new(),
    };
    let mut apartment = Vec::with_capacity(n_hh);
    let mut people = People {
        household: Vec::with_capacity(n),
        age: Vec::with_capacity(n),
        sex: Vec::with_capacity(n),
        role: Vec::with_capacity(n),
        occupation: Vec::with_capacity(n),
        has_phone: Vec::with_capacity(n),
        workplace: Vec::new(),
        seed: params.seed,
        start_date: params.start_date,
        province_num: params.province_code.parse().unwrap_or(0),
        id_serial: Vec::new(),
        household_commune: Vec::new(),
    };
    let mut next_person = 0u32;
    for (c, b) in blocks.into_iter().enumerate() {
        geo.communes[c].population = b.age.len() as u32;
        for (&size, apt) in b.hh_size.iter().zip(b.apartment) {
            let h = households.commune.len() as u32;
            households.commune.push(c as u32);
            households.first.push(next_person);
            apartment.push(apt);
            for _ in 0..size {
                people.household.push(h);
            }
            next_person += u32::from(size);
        }
        people.age.extend(b.age);
        people.sex.extend(b.sex);
        people.role.extend(b.role);
        people.occupation.extend(b.occupation);
        people.has_phone.extend(b.has_phone);
    }
    households.first.push(next_person);
    debug_assert_eq!(next_person as usize, n);
    people.household_commune = households.commune.clone();
    people.workplace = vec![NO_VENUE; n];
    people.id_serial = id_serials(&people);
    Population {
        households,
        people,
        apartment,
    }
}

fn id_serials(people: &People) -> Vec<u32> {
    let groups: Vec<u32> = (0..people.len() as u32)
        .into_par_iter()
        .map(|i| id_group(people.birth_date(i).year(), people.sex[i as usize]))
        .collect();
    let mut next = vec![0u32; groups.iter().copied().max().map_or(0, |g| g as usize + 1)];
    groups
        .iter()
        .map(|&g| {
            let s = next[g as usize];
            next[g as usize] += 1;
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> (Params, Geography, Population) {
        let params = Params {
            people: 20_000,
            ..Params::default()
        };
        let mut geo = geography(&params).unwrap();
        let pop = build(&params, &mut geo);
        (params, geo, pop)
    }

    #[test]
    fn hanoi_has_its_communes() {
        let geo = geography(&Params::default()).unwrap();
        // 2021 structure (after the 2019–2020 mergers): 160 wards, 21 towns, 345 communes.
        assert_eq!(geo.communes.len(), 526);
        assert_eq!(geo.districts, 30);
        assert!(
            geo.communes
                .iter()
                .filter(|c| c.unit_type == UnitType::Phuong)
                .count()
                > 150
        );
        let bad = Params {
            province_code: "99".into(),
            ..Params::default()
        };
        assert!(matches!(geography(&bad), Err(SimError::UnknownProvince(_))));
    }

    #[test]
    fn population_has_census_shape() {
        let (params, geo, pop) = small();
        let p = &pop.people;
        assert_eq!(p.len(), params.people as usize);
        let n = p.len() as f64;
        let share = |f: &dyn Fn(u8) -> bool| p.age.iter().filter(|&&a| f(a)).count() as f64 / n;
        let kids = share(&|a| a < 15);
        let old = share(&|a| a >= 65);
        assert!((0.19..0.30).contains(&kids), "0-14: {kids}");
        assert!((0.05..0.12).contains(&old), "65+: {old}");
        let mean_hh = n / pop.households.len() as f64;
        assert!((3.2..3.8).contains(&mean_hh), "household size {mean_hh}");
        // Wards are denser than rural communes.
        let mean = |urban: bool| {
            let v: Vec<f64> = geo
                .communes
                .iter()
                .filter(|c| c.urban == urban && c.unit_type != UnitType::ThiTran)
                .map(|c| f64::from(c.population))
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean(true) > 1.6 * mean(false));
        let phones = (0..p.len())
            .filter(|&i| p.age[i] >= 12)
            .map(|i| f64::from(u8::from(p.has_phone[i])))
            .collect::<Vec<_>>();
        let phone_share = phones.iter().sum::<f64>() / phones.len() as f64;
        assert!((phone_share - 0.75).abs() < 0.05, "{phone_share}");
        assert!(p
            .age
            .iter()
            .zip(&p.has_phone)
            .all(|(&a, &ph)| a >= 12 || !ph));
    }

    #[test]
    fn identities_are_well_formed_and_unique() {
        let (params, _, pop) = small();
        let p = &pop.people;
        let mut ids = std::collections::HashSet::new();
        let mut phones = std::collections::HashSet::new();
        let mut nguyen = 0;
        for i in 0..p.len() as u32 {
            let id = p.national_id(i);
            assert_eq!(id.len(), 12, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_digit()));
            assert!(id.starts_with("001"));
            let birth = p.birth_date(i);
            let age = params.start_date.years_since(birth).unwrap();
            assert_eq!(age, u32::from(p.age[i as usize]), "{birth}");
            let century_sex = id.as_bytes()[3] - b'0';
            let female = p.sex[i as usize] == Sex::Female;
            assert_eq!(century_sex % 2 == 1, female);
            assert_eq!(century_sex >= 2, birth.year() >= 2000);
            assert_eq!(&id[4..6], &format!("{:02}", birth.year() % 100));
            assert!(ids.insert(id));
            if let Some(ph) = p.phone(i) {
                assert_eq!(ph.len(), 10);
                assert!(ph.starts_with("09") && ph.bytes().all(|b| b.is_ascii_digit()));
                assert!(phones.insert(ph));
            }
            let name = p.full_name(i);
            assert_eq!(name.split(' ').count(), 3, "{name}");
            nguyen += usize::from(name.starts_with("Nguyễn "));
        }
        let share = nguyen as f64 / p.len() as f64;
        assert!((0.32..0.45).contains(&share), "Nguyễn {share}");
    }

    #[test]
    fn children_share_the_household_surname() {
        let (_, _, pop) = small();
        let p = &pop.people;
        for h in 0..200 {
            let m = pop.households.members(h);
            let head = m.start;
            let surname = |i: u32| p.full_name(i).split(' ').next().unwrap().to_string();
            for i in m {
                if p.role[i as usize] == Role::Child {
                    assert_eq!(surname(i), surname(head));
                }
            }
        }
    }
}
