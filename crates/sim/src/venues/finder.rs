//! Where errands and jobs find venues: weighted choice by commune, district or province.

use super::{SchoolLevel, VenueKind, Venues};
use crate::rng::Rng;

/// Weighted choice among the venues of one pool, by commune, district or province.
#[derive(Debug, Default)]
struct Csr {
    offsets: Vec<u32>,
    items: Vec<u32>,
    /// Cumulative weights restarting at each segment.
    cum: Vec<f64>,
}

impl Csr {
    fn new(segments: usize, members: &[(u32, u32, f64)]) -> Csr {
        // members: (segment, venue, weight), sorted by segment then venue.
        let mut offsets = vec![0u32; segments + 1];
        for &(s, _, _) in members {
            offsets[s as usize + 1] += 1;
        }
        for i in 0..segments {
            offsets[i + 1] += offsets[i];
        }
        let mut items = Vec::with_capacity(members.len());
        let mut cum = Vec::with_capacity(members.len());
        let mut last_seg = u32::MAX;
        let mut acc = 0.0;
        for &(s, v, w) in members {
            if s != last_seg {
                acc = 0.0;
                last_seg = s;
            }
            acc += w;
            items.push(v);
            cum.push(acc);
        }
        Csr {
            offsets,
            items,
            cum,
        }
    }

    fn pick(&self, seg: usize, rng: &mut Rng) -> Option<u32> {
        let (a, b) = (self.offsets[seg] as usize, self.offsets[seg + 1] as usize);
        if a == b {
            return None;
        }
        Some(self.items[a + rng.pick_cum(&self.cum[a..b])])
    }
}

#[derive(Debug, Default)]
struct Pool {
    by_commune: Csr,
    by_district: Csr,
    all: Csr,
}

/// Pools: one per venue kind, schools split by level.
const POOLS: usize = VenueKind::ALL.len() + SchoolLevel::ALL.len();

pub(crate) fn pool_of(kind: VenueKind, level: Option<SchoolLevel>) -> usize {
    match (kind, level) {
        (VenueKind::School, Some(l)) => VenueKind::ALL.len() + l as usize,
        (k, _) => k as usize,
    }
}

/// Where errands and jobs find venues, weighted by popularity.
#[derive(Debug, Default)]
pub(crate) struct Finder {
    pools: Vec<Pool>,
    district_of: Vec<u32>,
}

impl Finder {
    /// A venue of `pool` near home: in the home commune with probability `p_commune`, else
    /// in the district with `p_district`, else anywhere; widening when the area has none.
    pub(crate) fn choose(
        &self,
        pool: usize,
        commune: u32,
        rng: &mut Rng,
        p_commune: f64,
        p_district: f64,
    ) -> Option<u32> {
        let p = &self.pools[pool];
        let district = self.district_of[commune as usize] as usize;
        let r = rng.f64();
        if r < p_commune {
            if let Some(v) = p.by_commune.pick(commune as usize, rng) {
                return Some(v);
            }
        }
        if r < p_commune + p_district {
            if let Some(v) = p.by_district.pick(district, rng) {
                return Some(v);
            }
        }
        p.all.pick(0, rng)
    }

    /// A venue of `pool` in `commune` itself, never elsewhere (an apartment's lobby).
    pub(super) fn in_commune(&self, pool: usize, commune: u32, rng: &mut Rng) -> Option<u32> {
        self.pools[pool].by_commune.pick(commune as usize, rng)
    }
}

pub(super) fn finder(venues: &Venues, district_of: &[u32], districts: usize) -> Finder {
    let n_communes = district_of.len();
    let mut members: Vec<Vec<(u32, u32, f64)>> = vec![Vec::new(); POOLS];
    for v in 0..venues.len() {
        let pool = pool_of(venues.kind[v], venues.school_level[v]);
        members[pool].push((venues.commune[v], v as u32, f64::from(venues.popularity[v])));
    }
    let pools = members
        .into_iter()
        .map(|m| {
            let by_commune = Csr::new(n_communes, &m);
            let mut by_d: Vec<(u32, u32, f64)> = m
                .iter()
                .map(|&(c, v, w)| (district_of[c as usize], v, w))
                .collect();
            by_d.sort_by_key(|&(d, v, _)| (d, v));
            let by_district = Csr::new(districts, &by_d);
            let all: Vec<(u32, u32, f64)> = m.iter().map(|&(_, v, w)| (0, v, w)).collect();
            Pool {
                by_commune,
                by_district,
                all: Csr::new(1, &all),
            }
        })
        .collect();
    Finder {
        pools,
        district_of: district_of.to_vec(),
    }
}
