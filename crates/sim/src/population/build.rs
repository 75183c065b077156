//! Building the population: residents per commune, households block by block, people.

use domain::UnitType;
use rayon::prelude::*;

use super::demography::{household_members, occupation, phone_factor, AgeTable};
use super::geography::{apportion, Geography};
use super::identity::id_serials;
use super::{Households, Occupation, People, Role, Sex, NO_VENUE};
use crate::params::Params;
use crate::rng::{cumulative, Rng, Stream};
use crate::tables::HOUSEHOLD_SIZE;

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
