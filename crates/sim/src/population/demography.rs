//! Who lives in a household: ages from the census pyramid, sexes, roles, occupations and
//! phones.

use super::{Occupation, Role, Sex};
use crate::rng::Rng;
use crate::tables::{AGE_MAX, AGE_PYRAMID_2019};

/// Ages drawn from the census pyramid, optionally restricted to a range.
pub(super) struct AgeTable {
    cum: [f64; AGE_MAX as usize + 1],
}

impl AgeTable {
    pub(super) fn new() -> AgeTable {
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
pub(super) fn household_members(
    rng: &mut Rng,
    size: usize,
    ages: &AgeTable,
    out: &mut Vec<(u8, Sex, Role)>,
) {
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
pub(super) fn occupation(rng: &mut Rng, age: u8, sex: Sex, urban: bool) -> Occupation {
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
pub(super) fn phone_factor(age: u8) -> f64 {
    match age {
        0..=11 => 0.0,
        12..=17 => 0.9,
        18..=59 => 1.1,
        60..=69 => 0.8,
        _ => 0.5,
    }
}
