//! Random small worlds: check-ins, households, declared contacts, rules, queries.

use rand::rngs::StdRng;
use rand::Rng;

use trace::{
    Adjacency, CaseQuery, Declared, DeclaredContact, Index, Isolation, Rules, Visit, MAX_VISIT_S,
};

/// 2021-10-01T00:00:00Z: the data starts here.
pub const T0_S: i64 = 1_633_046_400;
pub const MIN_S: i64 = 60;

#[derive(Debug, Clone)]
pub struct World {
    pub n_people: u32,
    pub n_venues: u32,
    pub visits: Vec<Visit>,
    pub households: Vec<Vec<u32>>,
    pub declared: Vec<DeclaredContact>,
    pub isolation: Vec<(u32, i64)>,
    pub rules: Rules,
}

pub struct Built {
    pub index: Index,
    pub households: Adjacency,
    pub declared: Declared,
    pub isolation: Isolation,
}

impl World {
    pub fn random(rng: &mut StdRng) -> World {
        let n_people = rng.gen_range(2..40);
        let n_venues = rng.gen_range(1..6);
        let span_min = rng.gen_range(60..4 * 1440);
        let n_visits = rng.gen_range(0..160);
        let mut visits: Vec<Visit> = Vec::with_capacity(n_visits);
        for _ in 0..n_visits {
            let person = rng.gen_range(0..n_people);
            let venue = rng.gen_range(0..n_venues);
            // Times on a 5-minute grid, so touching and equal boundaries are common.
            let t_in_s = T0_S + 5 * MIN_S * rng.gen_range(0..span_min / 5);
            let dur_s = match rng.gen_range(0..10) {
                0 => MAX_VISIT_S,
                1 => rng.gen_range(1..=MAX_VISIT_S),
                2..=4 => 5 * MIN_S * rng.gen_range(1..120),
                _ => 5 * MIN_S * rng.gen_range(1..12),
            };
            let mut v = Visit {
                person,
                venue,
                t_in_s,
                t_out_s: t_in_s + dur_s,
            };
            if let (true, Some(prev)) = (rng.gen_bool(0.15), visits.last()) {
                // Start exactly when another visit at the same venue ends, sometimes the
                // same person's (a stay of two touching check-ins).
                v.venue = prev.venue;
                v.t_in_s = prev.t_out_s;
                v.t_out_s = v.t_in_s + 5 * MIN_S * rng.gen_range(1..12);
                if rng.gen_bool(0.3) {
                    v.person = prev.person;
                }
            } else if let (true, Some(prev)) = (rng.gen_bool(0.15), visits.last()) {
                // The same visit scanned again (a second device): the same person and
                // venue, at the same or shifted times overlapping the first.
                v.person = prev.person;
                v.venue = prev.venue;
                let dur_s = prev.t_out_s - prev.t_in_s;
                v.t_in_s = prev.t_in_s + rng.gen_range(-dur_s / 2..=dur_s / 2);
                v.t_out_s = match rng.gen_range(0..3) {
                    0 => prev.t_out_s.clamp(v.t_in_s + 1, v.t_in_s + MAX_VISIT_S),
                    _ => v.t_in_s + rng.gen_range(1..=dur_s.clamp(1, MAX_VISIT_S)),
                };
            }
            visits.push(v);
        }
        let mut households = Vec::new();
        for _ in 0..rng.gen_range(0..6) {
            let size = rng.gen_range(1..5);
            households.push((0..size).map(|_| rng.gen_range(0..n_people)).collect());
        }
        let declared = (0..rng.gen_range(0..10))
            .map(|_| DeclaredContact {
                a: rng.gen_range(0..n_people),
                b: rng.gen_range(0..n_people),
                t_s: T0_S + 5 * MIN_S * rng.gen_range(0..span_min / 5),
                setting: rng.gen_range(0..3),
            })
            .collect();
        let isolation = (0..rng.gen_range(0..6))
            .map(|_| {
                let t_s = T0_S + 5 * MIN_S * rng.gen_range(0..span_min / 5);
                (rng.gen_range(0..n_people), t_s)
            })
            .collect();
        let choices = [0, 1, 5 * MIN_S, 15 * MIN_S, 60 * MIN_S, -5];
        let pick = |rng: &mut StdRng| choices[rng.gen_range(0..choices.len())];
        let rules = Rules {
            min_overlap_s: pick(rng),
            min_overlap_by_kind: (0..rng.gen_range(0..3)).map(|_| pick(rng)).collect(),
            venue_kind: (0..rng.gen_range(0..=n_venues))
                .map(|_| rng.gen_range(0..4))
                .collect(),
            f1_isolation_default_s: rng.gen_range(0..3 * 1440) * MIN_S,
            ..Rules::default()
        };
        World {
            n_people,
            n_venues,
            visits,
            households,
            declared,
            isolation,
            rules,
        }
    }

    pub fn query(&self, rng: &mut StdRng) -> CaseQuery {
        // Most queries start from someone with check-ins, so there is something to find.
        let person = match (rng.gen_bool(0.8), self.visits.is_empty()) {
            (true, false) => self.visits[rng.gen_range(0..self.visits.len())].person,
            _ => rng.gen_range(0..self.n_people + 2),
        };
        let from = T0_S + 5 * MIN_S * rng.gen_range(-12..4 * 288);
        let len = match rng.gen_range(0..8) {
            0 => -5 * MIN_S,
            1 => 0,
            2 => 5 * MIN_S * rng.gen_range(1..24),
            _ => 5 * MIN_S * rng.gen_range(1..4 * 288),
        };
        CaseQuery {
            person,
            infectious_from_s: from,
            infectious_to_s: from + len,
            depth: match rng.gen_range(0..10) {
                0 => 0,
                1 => 3,
                2..=4 => 1,
                _ => 2,
            },
        }
    }

    pub fn links(&self) -> Built {
        Built {
            index: Index::build(&self.visits, self.n_people, self.n_venues).unwrap(),
            households: Adjacency::from_groups(self.n_people, &self.households).unwrap(),
            declared: Declared::from_contacts(self.n_people, &self.declared).unwrap(),
            isolation: Isolation::new(self.isolation.clone()),
        }
    }
}

impl Built {
    pub fn trace(&self, rules: &Rules, q: &CaseQuery) -> trace::Traced {
        trace::Tracer::new(&self.index, rules, &self.households, &self.declared)
            .with_isolation(&self.isolation)
            .trace(q)
    }
}
