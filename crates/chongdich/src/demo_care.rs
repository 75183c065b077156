//! The demo's care: facilities for the province sized to the simulated wave, the cases'
//! stays by severity over time within capacity (a case that finds no free bed stays in home
//! care, recorded as such), and the coverage counts of the simulator's doses.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use anyhow::Result;
use domain::epi::CaseStatus;
use domain::facility::{triage, BedType, DischargeReason, FacilityKind, Place};
use domain::{FacilityId, StayId};
use store::{CaseRow, FacilityRow, StayRow, Store, UnitRef};

/// Share of the wave's peak of simultaneous cases of a tier that the province has beds for.
/// [A] Below 1 on purpose: Hà Nội and HCMC ran out of tier-1 beds in 2021 and cared for
/// mild F0 at home; tiers 2 and 3 were kept closer to demand.
const BED_SHARE: [(u8, f64); 3] = [(1, 0.6), (2, 0.9), (3, 0.9)];
/// F1 quarantine beds per 1,000 residents of a district. [A]
const QUARANTINE_PER_1000: i64 = 2;
/// Field hospitals and intensive-care hospitals of the province.
const FIELD_HOSPITALS: usize = 3;
const HOSPITALS: usize = 2;
/// Note of a home stay for want of a bed.
pub const NOTE_FULL: &str = "facility_full";

/// The district path of a commune path (`/01/001/00001/` → `/01/001/`).
fn district_of(path: &str) -> String {
    path.split('/').take(3).collect::<Vec<_>>().join("/") + "/"
}

/// Peak number of cases of each tier under care at once (confirmed to outcome).
fn peaks(cases: &[CaseRow], end_s: i64) -> BTreeMap<u8, i64> {
    let mut events: BTreeMap<u8, Vec<(i64, i64)>> = BTreeMap::new();
    for c in cases {
        let tier = triage(c.severity).0;
        let e = events.entry(tier).or_default();
        e.push((c.confirmed_at_s, 1));
        e.push((c.outcome_at_s.unwrap_or(end_s), -1));
    }
    events
        .into_iter()
        .map(|(tier, mut e)| {
            e.sort_unstable();
            let (mut n, mut peak) = (0, 0);
            for (_, d) in e {
                n += d;
                peak = peak.max(n);
            }
            (tier, peak)
        })
        .collect()
}

fn share(tier: u8) -> f64 {
    BED_SHARE
        .iter()
        .find(|(t, _)| *t == tier)
        .map_or(1.0, |(_, s)| *s)
}

/// Beds of one facility and type, with the times their occupants leave.
struct Ward {
    facility: usize,
    bed: BedType,
    capacity: i64,
    leaving: BinaryHeap<Reverse<i64>>,
}

impl Ward {
    fn take(&mut self, from_s: i64, until_s: Option<i64>) -> bool {
        while self.leaving.peek().is_some_and(|Reverse(t)| *t <= from_s) {
            self.leaving.pop();
        }
        if (self.leaving.len() as i64) < self.capacity {
            self.leaving.push(Reverse(until_s.unwrap_or(i64::MAX)));
            true
        } else {
            false
        }
    }
}

pub async fn write(
    store: &Store,
    o: &sim::Outcome,
    cases: &[CaseRow],
    communes: &[UnitRef],
) -> Result<()> {
    let now = app::clock::WallClock::now_s();
    let started = std::time::Instant::now();
    let end_s = o.t0_s + i64::from(o.params.days) * 86_400;
    // Districts in order, each with its first commune (where its facilities stand), its
    // residents and its cases.
    let mut districts: BTreeMap<String, (UnitRef, i64, i64)> = BTreeMap::new();
    for i in 0..o.people.len() {
        let u = &communes[o.people.commune(i as u32) as usize];
        let d = districts
            .entry(district_of(u.path.as_str()))
            .or_insert_with(|| (u.clone(), 0, 0));
        d.1 += 1;
    }
    for c in cases {
        if let Some(d) = districts.get_mut(&district_of(c.unit.path.as_str())) {
            d.2 += 1;
        }
    }
    let peak = peaks(cases, end_s);
    let beds_of =
        |tier: u8| ((peak.get(&tier).copied().unwrap_or(0) as f64) * share(tier)).ceil() as i64;
    let all_cases = cases.len().max(1) as i64;

    let mut facilities = Vec::new();
    let mut wards: Vec<Ward> = Vec::new();
    let mut add = |name: String, kind: FacilityKind, unit: &UnitRef, beds: Vec<(BedType, i64)>| {
        let id = FacilityId::new(facilities.len() as i64 + 1);
        for (bed, capacity) in &beds {
            wards.push(Ward {
                facility: facilities.len(),
                bed: *bed,
                capacity: *capacity,
                leaving: BinaryHeap::new(),
            });
        }
        facilities.push(FacilityRow {
            id,
            name,
            kind,
            unit: unit.clone(),
            beds,
        });
    };
    let tier1 = beds_of(1);
    for (k, (_, (unit, residents, n_cases))) in districts.iter().enumerate() {
        add(
            format!("Khu cách ly tập trung số {}", k + 1),
            FacilityKind::F1Quarantine,
            unit,
            vec![(
                BedType::Quarantine,
                (residents * QUARANTINE_PER_1000 / 1000).max(20),
            )],
        );
        // Tier-1 beds follow where the cases were.
        let beds = (tier1 * n_cases / all_cases).max(10);
        add(
            format!("Cơ sở thu dung F0 số {}", k + 1),
            FacilityKind::F0Isolation,
            unit,
            vec![(BedType::F0Tier1, beds)],
        );
    }
    // Hospitals stand in the districts with the most residents.
    let mut big: Vec<&(UnitRef, i64, i64)> = districts.values().collect();
    big.sort_by_key(|(_, residents, _)| Reverse(*residents));
    let (t2, t3) = (beds_of(2).max(10), beds_of(3).max(6));
    for k in 0..FIELD_HOSPITALS {
        let per = (t2 as usize).div_ceil(FIELD_HOSPITALS) as i64;
        add(
            format!("Bệnh viện dã chiến số {}", k + 1),
            FacilityKind::FieldHospital,
            &big[k % big.len()].0,
            vec![(BedType::Oxygen, per)],
        );
    }
    for k in 0..HOSPITALS {
        let per = (t3 as usize).div_ceil(HOSPITALS) as i64;
        add(
            format!("Bệnh viện hồi sức COVID-19 số {}", k + 1),
            FacilityKind::Hospital,
            &big[k % big.len()].0,
            vec![
                (BedType::HighFlow, per),
                (BedType::Ventilator, (per / 3).max(2)),
                (BedType::Icu, (per / 2).max(2)),
            ],
        );
    }

    // Stays in order of confirmation: the triage bed in the case's district (tier 1) or in
    // any hospital of the tier with a free bed; else home care, noted.
    let mut order: Vec<&CaseRow> = cases.iter().collect();
    order.sort_by_key(|c| (c.confirmed_at_s, c.id));
    let mut stays = Vec::with_capacity(order.len());
    let mut at_home = 0;
    for c in order {
        let (tier, bed) = triage(c.severity);
        let until = c.outcome_at_s.filter(|_| c.status != CaseStatus::Active);
        let reason = match c.status {
            CaseStatus::Died => Some(DischargeReason::Died),
            CaseStatus::Recovered => Some(DischargeReason::Recovered),
            CaseStatus::Active => None,
        };
        let district = district_of(c.unit.path.as_str());
        let mut placed = None;
        for w in wards.iter_mut().filter(|w| w.bed == bed) {
            let f = &facilities[w.facility];
            if tier == 1 && district_of(f.unit.path.as_str()) != district {
                continue;
            }
            if w.take(c.confirmed_at_s, until) {
                placed = Some((f.id, f.unit.clone()));
                break;
            }
        }
        at_home += i64::from(placed.is_none());
        stays.push(StayRow {
            id: StayId::new(stays.len() as i64 + 1),
            person_id: c.person_id,
            case_id: Some(c.id),
            place: if placed.is_some() {
                Place::Facility
            } else {
                Place::Home
            },
            facility_id: placed.as_ref().map(|p| p.0),
            bed_type: placed.as_ref().map(|_| bed),
            from_s: c.confirmed_at_s,
            until_s: until,
            discharge_reason: until.and(reason),
            transferred_from: None,
            note: placed.is_none().then(|| NOTE_FULL.to_string()),
            unit: placed.map_or_else(|| c.unit.clone(), |p| p.1),
        });
    }
    store.bulk_facilities(&facilities, now).await?;
    for chunk in stays.chunks(20_000) {
        store.bulk_stays(chunk, now).await?;
    }
    let counted = store.recount_vaccinations().await?;
    eprintln!(
        "care in {:.1} s: {} facilities, {} stays ({} in home care for want of a bed), {} coverage rows",
        started.elapsed().as_secs_f64(),
        facilities.len(),
        stays.len(),
        at_home,
        counted
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_paths() {
        assert_eq!(district_of("/01/001/00001/"), "/01/001/");
    }
}
