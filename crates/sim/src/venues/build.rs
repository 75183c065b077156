//! Building the venues of each commune and assigning pupils, workers and apartment
//! households to them.

use rayon::prelude::*;

use super::finder::{finder, Finder};
use super::{pool_of, SchoolLevel, VenueKind, Venues};
use crate::population::{Commune, Occupation, People, Population, NO_VENUE};
use crate::rng::{cumulative, stochastic_round, Rng, Stream};

/// Venues per 1,000 residents (urban, rural). Scaled-down counts of what a ward or commune
/// holds (assumed); Hà Nội registered 637,533 QR venues for ~8 M people in Oct 2021 (RULES.md),
/// most of them small shops that the simulation folds into these kinds.
fn errand_rate(kind: VenueKind) -> (f64, f64) {
    match kind {
        VenueKind::Market => (0.25, 0.35),
        VenueKind::Supermarket => (0.6, 0.3),
        VenueKind::Restaurant => (2.8, 2.0),
        VenueKind::Cafe => (3.0, 2.0),
        VenueKind::Clinic => (0.3, 0.25),
        VenueKind::Hospital => (0.04, 0.015),
        VenueKind::Pagoda => (0.2, 0.45),
        VenueKind::Church => (0.04, 0.04),
        VenueKind::BusStation => (0.006, 0.004),
        _ => (0.0, 0.0),
    }
}

/// Base capacity of a kind; errand venues scale it with popularity.
fn base_capacity(kind: VenueKind) -> f64 {
    match kind {
        VenueKind::Market => 200.0,
        VenueKind::Supermarket => 60.0,
        VenueKind::Restaurant => 40.0,
        VenueKind::Cafe => 30.0,
        VenueKind::Clinic => 25.0,
        VenueKind::Hospital => 300.0,
        VenueKind::Pagoda => 150.0,
        VenueKind::Church => 300.0,
        VenueKind::BusStation => 500.0,
        VenueKind::ApartmentLobby => 100.0,
        _ => 50.0,
    }
}

struct Spec {
    commune: u32,
    kind: VenueKind,
    level: Option<SchoolLevel>,
    capacity: f64,
    popularity: f64,
}

pub(crate) struct Built {
    pub venues: Venues,
    pub finder: Finder,
}

pub(crate) fn build(
    seed: u64,
    communes: &[Commune],
    district_of: &[u32],
    districts: usize,
    pop: &mut Population,
) -> Built {
    let people = &pop.people;
    let n_communes = communes.len();
    // Head counts that decide how many schools and workplaces there are.
    let mut pupils = vec![[0u32; 5]; n_communes];
    let mut office = 0.0f64;
    let mut factory = 0.0f64;
    for i in 0..people.len() {
        let c = people.commune(i as u32) as usize;
        match people.occupation[i] {
            Occupation::Pupil => pupils[c][SchoolLevel::for_age(people.age[i]) as usize] += 1,
            Occupation::Student => pupils[c][SchoolLevel::University as usize] += 1,
            Occupation::OfficeWorker => office += 1.0,
            Occupation::FactoryWorker => factory += 1.0,
            _ => {}
        }
    }
    let mut apartments = vec![0u32; n_communes];
    for (&c, &apt) in pop.households.commune.iter().zip(&pop.apartment) {
        apartments[c as usize] += u32::from(apt);
    }
    let mut specs: Vec<Spec> = Vec::new();
    let mut rng = Rng::new(seed, Stream::Venues, 0, 0);

    for (c, commune) in communes.iter().enumerate() {
        let residents = f64::from(commune.population);
        for kind in VenueKind::ALL {
            let (urban, rural) = errand_rate(kind);
            let rate = if commune.urban { urban } else { rural };
            if rate == 0.0 {
                continue;
            }
            for _ in 0..stochastic_round(&mut rng, residents * rate / 1000.0) {
                let popularity = rng.pareto(1.2, 50.0);
                specs.push(Spec {
                    commune: c as u32,
                    kind,
                    level: None,
                    capacity: base_capacity(kind) * (0.5 + 0.5 * popularity.sqrt()),
                    popularity,
                });
            }
        }
        // One lobby per ~100 apartment households (a 20-storey block).
        for _ in 0..apartments[c].div_ceil(100) {
            specs.push(Spec {
                commune: c as u32,
                kind: VenueKind::ApartmentLobby,
                level: None,
                capacity: base_capacity(VenueKind::ApartmentLobby),
                popularity: 1.0,
            });
        }
    }

    // Schools: per district and level, placed in the communes where the pupils live.
    for d in 0..districts as u32 {
        let members: Vec<usize> = (0..n_communes).filter(|&c| district_of[c] == d).collect();
        for level in &SchoolLevel::ALL[..4] {
            let l = *level as usize;
            let total: u32 = members.iter().map(|&c| pupils[c][l]).sum();
            if total == 0 {
                continue;
            }
            let count = (f64::from(total) / level.size()).ceil() as usize;
            let weights: Vec<f64> = members.iter().map(|&c| f64::from(pupils[c][l])).collect();
            let cum = cumulative(&weights);
            for _ in 0..count {
                let c = members[rng.pick_cum(&cum)];
                specs.push(Spec {
                    commune: c as u32,
                    kind: VenueKind::School,
                    level: Some(*level),
                    capacity: level.size(),
                    popularity: 1.0,
                });
            }
        }
    }
    let students: u32 = pupils
        .iter()
        .map(|p| p[SchoolLevel::University as usize])
        .sum();
    let urban_pop: Vec<f64> = communes
        .iter()
        .map(|c| {
            if c.urban {
                f64::from(c.population)
            } else {
                0.0
            }
        })
        .collect();
    let all_pop: Vec<f64> = communes.iter().map(|c| f64::from(c.population)).collect();
    let rural_pop: Vec<f64> = communes
        .iter()
        .map(|c| {
            if c.urban {
                0.0
            } else {
                f64::from(c.population)
            }
        })
        .collect();
    let mut place = |rng: &mut Rng,
                     weights: &[f64],
                     count: usize,
                     kind,
                     level,
                     size: &dyn Fn(&mut Rng) -> f64| {
        let weights = if weights.iter().sum::<f64>() > 0.0 {
            weights
        } else {
            &all_pop[..]
        };
        let cum = cumulative(weights);
        for _ in 0..count {
            let c = rng.pick_cum(&cum) as u32;
            let capacity = size(rng);
            specs.push(Spec {
                commune: c,
                kind,
                level,
                capacity,
                popularity: capacity,
            });
        }
    };
    place(
        &mut rng,
        &urban_pop,
        (f64::from(students) / SchoolLevel::University.size()).ceil() as usize,
        VenueKind::School,
        Some(SchoolLevel::University),
        &|_| SchoolLevel::University.size(),
    );
    // Offices cluster in the wards, factories in the rural districts.
    let office_w: Vec<f64> = communes
        .iter()
        .map(|c| f64::from(c.population) * if c.urban { 5.0 } else { 0.4 })
        .collect();
    place(
        &mut rng,
        &office_w,
        (office / 30.0).ceil() as usize,
        VenueKind::Office,
        None,
        &|r| r.lognormal(30.0, 40.0).max(3.0),
    );
    let factory_w: Vec<f64> = communes
        .iter()
        .map(|c| f64::from(c.population) * if c.urban { 0.4 } else { 2.0 })
        .collect();
    place(
        &mut rng,
        &factory_w,
        (0.6 * factory / 150.0).ceil() as usize,
        VenueKind::Factory,
        None,
        &|r| r.lognormal(150.0, 150.0).max(10.0),
    );
    place(
        &mut rng,
        &rural_pop,
        (0.4 * factory / 2000.0).ceil() as usize,
        VenueKind::IndustrialPark,
        None,
        &|r| 2000.0 * r.lognormal(1.0, 0.5),
    );

    specs.sort_by_key(|a| (a.commune, a.kind, a.level));

    let mut venues = Venues {
        seed,
        commune_names: communes
            .iter()
            .map(|c| (c.name.clone(), c.unit_type.label_vi()))
            .collect(),
        ..Venues::default()
    };
    let mut prev: Option<(u32, VenueKind, Option<SchoolLevel>)> = None;
    let mut ordinal = 0;
    for s in &specs {
        let key = (s.commune, s.kind, s.level);
        ordinal = if prev == Some(key) { ordinal + 1 } else { 0 };
        prev = Some(key);
        let (open, close) = s.kind.hours();
        venues.kind.push(s.kind);
        venues.commune.push(s.commune);
        venues.capacity.push(s.capacity.round().max(1.0) as u32);
        venues.open_min.push(open);
        venues.close_min.push(close);
        venues.popularity.push(s.popularity as f32);
        venues.school_level.push(s.level);
        venues.ordinal.push(ordinal);
    }

    let finder = finder(&venues, district_of, districts);
    assign(seed, &finder, &venues, pop);
    let people = &pop.people;
    // Capacity is at least the people who work or study there, so dilution is by real size.
    let mut regulars = vec![0u32; venues.len()];
    for &w in &people.workplace {
        if w != NO_VENUE {
            regulars[w as usize] += 1;
        }
    }
    for h in 0..pop.households.len() {
        let l = pop.households.lobby[h];
        if l != NO_VENUE {
            regulars[l as usize] += pop.households.members(h as u32).len() as u32;
        }
    }
    for (v, r) in regulars.into_iter().enumerate() {
        let cap = &mut venues.capacity[v];
        *cap = (*cap).max(r + r / 10);
    }
    // Wards pack more people into each square metre of shop floor than rural communes.
    venues.beta_per_min = (0..venues.len())
        .map(|v| {
            let (beta, reference) = venues.kind[v].setting();
            let density = if communes[venues.commune[v] as usize].urban {
                1.25
            } else {
                0.75
            };
            (beta * density * (reference / f64::from(venues.capacity[v])).min(1.0)) as f32
        })
        .collect();
    Built { venues, finder }
}

/// Gives every pupil a school, every worker a workplace and every apartment household its
/// lobby.
fn assign(seed: u64, finder: &Finder, venues: &Venues, pop: &mut Population) {
    let people: &People = &pop.people;
    let workplace: Vec<u32> = (0..people.len() as u32)
        .into_par_iter()
        .map(|i| {
            let p = i as usize;
            let c = people.commune(i);
            let mut rng = Rng::new(seed, Stream::Workplaces, u64::from(i), 0);
            let pick = |rng: &mut Rng, kind, level, pc, pd| {
                finder.choose(pool_of(kind, level), c, rng, pc, pd)
            };
            let v = match people.occupation[p] {
                Occupation::Pupil => {
                    let level = SchoolLevel::for_age(people.age[p]);
                    pick(&mut rng, VenueKind::School, Some(level), 1.0, 0.0)
                }
                Occupation::Student => pick(
                    &mut rng,
                    VenueKind::School,
                    Some(SchoolLevel::University),
                    0.0,
                    0.3,
                ),
                Occupation::OfficeWorker => pick(&mut rng, VenueKind::Office, None, 0.1, 0.4),
                Occupation::FactoryWorker => {
                    if rng.chance(0.4) {
                        pick(&mut rng, VenueKind::IndustrialPark, None, 0.0, 0.3)
                            .or_else(|| pick(&mut rng, VenueKind::Factory, None, 0.2, 0.5))
                    } else {
                        pick(&mut rng, VenueKind::Factory, None, 0.2, 0.5)
                            .or_else(|| pick(&mut rng, VenueKind::IndustrialPark, None, 0.0, 0.3))
                    }
                }
                Occupation::ShopWorker => {
                    let kind = match rng.f64() {
                        u if u < 0.35 => VenueKind::Market,
                        u if u < 0.5 => VenueKind::Supermarket,
                        u if u < 0.8 => VenueKind::Restaurant,
                        _ => VenueKind::Cafe,
                    };
                    pick(&mut rng, kind, None, 0.5, 0.4)
                }
                Occupation::HealthWorker => {
                    if rng.chance(0.6) {
                        pick(&mut rng, VenueKind::Hospital, None, 0.1, 0.5)
                    } else {
                        pick(&mut rng, VenueKind::Clinic, None, 0.6, 0.3)
                    }
                }
                Occupation::Infant | Occupation::Retired | Occupation::AtHome => None,
            };
            v.unwrap_or(NO_VENUE)
        })
        .collect();
    pop.people.workplace = workplace;
    let lobby_pool = pool_of(VenueKind::ApartmentLobby, None);
    pop.households.lobby = (0..pop.households.len())
        .map(|h| {
            if !pop.apartment[h] {
                return NO_VENUE;
            }
            let c = pop.households.commune[h];
            let mut rng = Rng::new(seed, Stream::Workplaces, h as u64, 1);
            finder
                .in_commune(lobby_pool, c, &mut rng)
                .unwrap_or(NO_VENUE)
        })
        .collect();
    debug_assert!(venues.len() < NO_VENUE as usize);
}
