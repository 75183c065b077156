//! Names, birth dates, national ids and phone numbers: pure functions of (seed, person),
//! computed on demand rather than stored.

use chrono::{Datelike, Months, NaiveDate};
use rayon::prelude::*;

use super::{People, Role, Sex};
use crate::rng::{self, Stream};
use crate::tables::{GIVEN_FEMALE, GIVEN_MALE, MIDDLE_FEMALE, MIDDLE_MALE, SURNAMES};

impl People {
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
fn birth_date(seed: u64, start: NaiveDate, age: u8, person: u32) -> NaiveDate {
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

pub(super) fn id_serials(people: &People) -> Vec<u32> {
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
