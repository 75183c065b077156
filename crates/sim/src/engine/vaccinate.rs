//! Vaccination: coverage at the start and the daily roll-out, older people first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Engine, DAY, NO_INFECTION};
use crate::outcome::{Dose, PRODUCTS};
use crate::rng::{Rng, Stream};

/// A dose counts from 14 days after it is given.
const DOSE_EFFECT_DAYS: i32 = 14;
/// Doses 1 → 2 interval per product, days (Vietnam 2021: AstraZeneca 8–12 weeks, Pfizer
/// 3–4 weeks, Moderna 4 weeks, Vero Cell 3–4 weeks).
const DOSE_INTERVAL_DAYS: [i32; 4] = [56, 21, 28, 28];
/// Share of unvaccinated adults who will not take a vaccine (assumed).
const REFUSAL: f64 = 0.3;
const NO_DOSE: i16 = i16::MAX;

pub(super) struct Vax {
    /// Day (relative to the start) each dose was given, `NO_DOSE` if not.
    pub(super) day: Vec<[i16; 2]>,
    product: Vec<u8>,
    first_queue: Vec<u32>,
    cursor: usize,
    second_queue: BinaryHeap<Reverse<(i32, u32)>>,
    carry: f64,
}

impl Vax {
    pub(super) fn new(people: usize) -> Vax {
        Vax {
            day: vec![[NO_DOSE; 2]; people],
            product: vec![0; people],
            first_queue: Vec::new(),
            cursor: 0,
            second_queue: BinaryHeap::new(),
            carry: 0.0,
        }
    }

    /// Effective doses (given at least `DOSE_EFFECT_DAYS` before) on `day`.
    pub(super) fn level(&self, p: u32, day: i32) -> u8 {
        let d = self.day[p as usize];
        u8::from(i32::from(d[0]) + DOSE_EFFECT_DAYS <= day)
            + u8::from(i32::from(d[1]) + DOSE_EFFECT_DAYS <= day)
    }
}

impl Engine<'_> {
    fn pick_product(&self, p: u32, rng: &mut Rng) -> u8 {
        if self.people.age[p as usize] < 18 {
            // Teenagers got Pfizer-BioNTech from late October 2021.
            return 1;
        }
        // Hà Nội's 2021 mix (assumed): much AstraZeneca and Vero Cell, Pfizer and some Moderna.
        match rng.f64() {
            u if u < 0.3 => 0,
            u if u < 0.6 => 1,
            u if u < 0.7 => 2,
            _ => 3,
        }
    }

    fn record_dose(&mut self, p: u32, dose_no: u8, day: i32, rng: &mut Rng) {
        let t = day * DAY + 450 + rng.range(0, 570);
        let product = self.vax.product[p as usize];
        self.vax.day[p as usize][usize::from(dose_no - 1)] = day as i16;
        self.doses.push(Dose {
            person: p,
            dose_no,
            t_s: self.secs(t),
            product: PRODUCTS[usize::from(product)],
            commune: self.people.commune(p),
        });
    }

    /// Coverage at the start, from the parameters: doses spread over the 150 days before,
    /// second doses one product interval after the first; people who had one dose get
    /// their second during the run when it falls due.
    pub(super) fn vaccinate_before_start(&mut self) {
        let n = self.people.len() as u32;
        let (c1, c2) = (self.p.dose1_coverage_start, self.p.dose2_coverage_start);
        let mut first_queue: Vec<(Reverse<u8>, u64, u32)> = Vec::new();
        for p in 0..n {
            let age = self.people.age[p as usize];
            if age < 12 {
                continue;
            }
            let mut rng = Rng::new(self.p.seed, Stream::Vaccination, u64::from(p), 0);
            let u = rng.f64();
            let product = self.pick_product(p, &mut rng);
            self.vax.product[p as usize] = product;
            let interval = DOSE_INTERVAL_DAYS[usize::from(product)];
            if age >= 18 && u < c2 {
                let first = -(interval + 1 + rng.range(0, (149 - interval).max(0)));
                self.record_dose(p, 1, first, &mut rng);
                self.record_dose(p, 2, first + interval, &mut rng);
            } else if age >= 18 && u < c1 {
                let first = -rng.range(1, interval);
                self.record_dose(p, 1, first, &mut rng);
                self.vax.second_queue.push(Reverse((first + interval, p)));
            } else if age < 18 || !rng.chance(REFUSAL) {
                first_queue.push((Reverse(age), rng.next_u64(), p));
            }
        }
        // Older people first.
        first_queue.sort_unstable();
        self.vax.first_queue = first_queue.into_iter().map(|(_, _, p)| p).collect();
    }

    pub(super) fn vaccinate(&mut self, d: u32) -> u32 {
        let day = d as i32;
        self.vax.carry += self.p.doses_per_day_per_1000 * self.people.len() as f64 / 1000.0;
        let capacity = self.vax.carry.floor();
        self.vax.carry -= capacity;
        let mut given = 0u32;
        let mut rng = Rng::new(self.p.seed, Stream::Vaccination, u64::MAX, u64::from(d));
        while f64::from(given) < capacity {
            // The dead and the isolated are not vaccinated today.
            let alive = |e: &Self, p: u32| {
                let id = e.inf_id[p as usize];
                let now = day * DAY;
                id == NO_INFECTION || {
                    let c = &e.courses[id as usize];
                    let dead = c.died && c.end <= now;
                    let isolated = c.iso <= now && now < c.iso_end;
                    !dead && !isolated
                }
            };
            if let Some(&Reverse((due, p))) = self.vax.second_queue.peek() {
                if due <= day {
                    self.vax.second_queue.pop();
                    if alive(self, p) {
                        self.record_dose(p, 2, day, &mut rng);
                        given += 1;
                    } else {
                        // Ill or isolated: back in the queue a week later.
                        self.vax.second_queue.push(Reverse((day + 7, p)));
                    }
                    continue;
                }
            }
            let Some(&p) = self.vax.first_queue.get(self.vax.cursor) else {
                break;
            };
            self.vax.cursor += 1;
            if alive(self, p) {
                self.record_dose(p, 1, day, &mut rng);
                let interval = DOSE_INTERVAL_DAYS[usize::from(self.vax.product[p as usize])];
                self.vax.second_queue.push(Reverse((day + interval, p)));
                given += 1;
            }
        }
        given
    }
}
