//! Every unit's risk level recomputed by a plain, independent implementation (issue #14,
//! item 2): a seeded locality of five districts with residents of every age, doses, cases
//! over six weeks and facilities whose beds fill and empty, then for weeks under both
//! decisions of `risk_levels.toml` every commune's, district's and province's level and
//! indicators counted here from the rows the test stored — cases per 100,000 per week,
//! coverage among the unit's own adults and people 50+, free treatment beds per 100,000 of
//! the district's residents, staffed ICU beds per 100,000 of the province's — and the
//! decision's table read from the policy data, against `app::risk::levels`.
//! Nothing of `app::risk`, `domain::risk`'s assessment or the store's aggregates is reused.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use app::risk::{levels, UnitRisk};
use chrono::{Datelike, NaiveDate};
use domain::epi::{CaseStatus, Severity};
use domain::facility::{BedType, FacilityKind, Place};
use domain::person::Sex;
use domain::risk::{
    CapacityBand, CasesCounted, Combine, CutOff, Indicator, Missing, RiskPolicies, RiskRule,
    RollupMethod, TransmissionBand,
};
use domain::vaccination::Product;
use domain::{StayId, Structure, UnitCode, UnitLevel};
use store::{both_databases, Caller, CaseRow, DoseRow, NewFacility, PersonRow, StayRow, Store};

use crate::unit;

/// 2022-02-14 10:00 in Hà Nội: the locality's clock, a day after the last week assessed.
const NOW: i64 = 1_644_807_600;
const DAY: i64 = 86_400;
/// Hà Nội's offset from UTC, written out here rather than taken from `app`.
const OFFSET: i64 = 7 * 3600;
/// Cases are confirmed from this local date on (six whole weeks to 13 Feb 2022).
const FIRST_CASE_DAY: (i32, u32, u32) = (2022, 1, 3);
const CASE_DAYS: i64 = 42;

/// Weeks assessed, by their last day: two under 4800/QĐ-BYT (to 26 Jan 2022, its last day),
/// four under 218/QĐ-BYT (from its first day, 27 Jan).
const WEEKS: [(i32, u32, u32); 7] = [
    (2022, 1, 16),
    (2022, 1, 23),
    (2022, 1, 26),
    (2022, 1, 27),
    (2022, 1, 30),
    (2022, 2, 6),
    (2022, 2, 13),
];

fn date(d: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.0, d.1, d.2).unwrap()
}

/// The local date of a UTC second.
fn local_day(s: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Days::new(((s + OFFSET) / DAY) as u64)
}

/// The first UTC second of a local date.
fn local_start(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() * DAY - OFFSET
}

/// splitmix64: the same locality on every run and both databases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// What a commune's people do: first-dose and completion probabilities for adults 18–49 and
/// for people 50+, and the expected cases per day in each of the six weeks.
struct Profile {
    residents: usize,
    first: f64,
    complete: f64,
    old_complete: f64,
    cases_per_day: [f64; 6],
}

/// A person as stored: commune and birth date.
struct Person {
    id: i64,
    commune: String,
    birth: Option<NaiveDate>,
}

struct Dose {
    person: usize,
    dose_no: i64,
    product: Product,
    given_on: NaiveDate,
}

struct Case {
    commune: String,
    confirmed_s: i64,
    community: bool,
    severity: Severity,
    status: CaseStatus,
    outcome_s: Option<i64>,
}

struct Facility {
    commune: String,
    kind: FacilityKind,
    beds: Vec<(BedType, i64)>,
}

struct Stay {
    /// The case in the bed.
    case: usize,
    facility: usize,
    bed: BedType,
    from_s: i64,
    until_s: Option<i64>,
}

/// The seeded locality, as the rows written to the store.
struct Locality {
    persons: Vec<Person>,
    doses: Vec<Dose>,
    cases: Vec<Case>,
    facilities: Vec<Facility>,
    stays: Vec<Stay>,
}

/// Hà Nội's districts 001–005 (2021), three communes each, in code order.
fn communes() -> Vec<(String, String)> {
    let registry = app::registry::Registry::of(Structure::S2021);
    let mut out = Vec::new();
    for d in ["001", "002", "003", "004", "005"] {
        let mut cs: Vec<String> = registry.children(d).map(|u| u.code.to_string()).collect();
        cs.sort();
        for c in cs.into_iter().take(3) {
            out.push((d.to_string(), c));
        }
    }
    out
}

/// Birth dates kept away from the 18th and 50th birthdays in the months doses and weeks
/// span (people born 2003–04 or 1970–74 turn 18 or 50 between a dose and a week's end):
/// the age groups are then the same at the dose and at the week's end.
fn birth(rng: &mut Rng) -> Option<NaiveDate> {
    let year = match rng.below(100) {
        0..=4 => return None,
        5..=24 => 2005 + rng.below(11) as i32,
        25..=69 => 1975 + rng.below(28) as i32,
        _ => 1935 + rng.below(35) as i32,
    };
    NaiveDate::from_ymd_opt(year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
}

fn generate() -> Locality {
    let mut rng = Rng(0x218_4800);
    let communes = communes();
    let mut persons = Vec::new();
    let mut doses = Vec::new();
    let mut cases = Vec::new();
    let last_dose_day = date((2022, 2, 13));
    for (i, (_, code)) in communes.iter().enumerate() {
        // Profiles vary over the communes: sizes from 300 to 2,400; coverage from half to
        // nearly all; weeks without cases, a few, and many.
        let p = Profile {
            residents: 300 + rng.below(2_100) as usize,
            first: [0.55, 0.68, 0.78, 0.9, 0.97][i % 5],
            complete: [0.6, 0.8, 0.9, 0.97][i % 4],
            old_complete: [0.7, 0.95, 0.99][i % 3],
            cases_per_day: {
                let mut w = [0.0; 6];
                for x in &mut w {
                    *x = [0.0, 0.0, 0.03, 0.1, 0.3, 1.2][rng.below(6) as usize];
                }
                // Two well-vaccinated communes without a case: level 1 under 218 too.
                if i % 11 == 3 {
                    w = [0.0; 6];
                }
                w
            },
        };
        let first_person = persons.len();
        for _ in 0..p.residents {
            let b = birth(&mut rng);
            let at = |y: i32| b.map(|b| b.year() < y);
            let person = persons.len();
            persons.push(Person {
                id: person as i64 + 1,
                commune: code.clone(),
                birth: b,
            });
            let (adult, old) = (at(2003) == Some(true), at(1971) == Some(true));
            // Adults by their commune's profile; some teenagers and people of unknown age
            // too, whose doses count in no adult share.
            let (first, complete) = if old {
                (p.first.max(0.8), p.old_complete)
            } else if adult {
                (p.first, p.complete)
            } else {
                (0.4, 0.7)
            };
            if !rng.chance(first) {
                continue;
            }
            let product = [
                Product::Pfizer,
                Product::AstraZeneca,
                Product::Moderna,
                Product::Sinopharm,
                Product::Janssen,
            ][rng.below(5) as usize];
            let mut on = date((2021, 7, 1)) + chrono::Days::new(rng.below(150));
            for dose_no in 1..=3 {
                if on > last_dose_day {
                    break;
                }
                doses.push(Dose {
                    person,
                    dose_no,
                    product,
                    given_on: on,
                });
                let series = i64::from(product.primary_doses());
                if (dose_no < series && !rng.chance(complete))
                    || (dose_no >= series && !rng.chance(0.3))
                {
                    break;
                }
                on = on + chrono::Days::new(28 + rng.below(dose_no as u64 * 60));
            }
        }
        // Cases: each person at most once, confirmed at any second of the day (the first
        // and the last second of a day too).
        let mut free: Vec<usize> = (first_person..persons.len()).collect();
        for day in 0..CASE_DAYS {
            let rate = p.cases_per_day[(day / 7) as usize];
            let n = (rate * (0.5 + rng.below(100) as f64 / 100.0)).floor() as usize
                + usize::from(rng.chance(rate.fract()));
            for _ in 0..n.min(free.len()) {
                free.swap_remove(rng.below(free.len() as u64) as usize);
                let start = local_start(date(FIRST_CASE_DAY)) + day * DAY;
                let confirmed_s = start
                    + match rng.below(10) {
                        0 => 0,
                        1 => DAY - 1,
                        _ => rng.below(DAY as u64) as i64,
                    };
                let severity = match rng.below(100) {
                    0..=7 => Severity::Asymptomatic,
                    8..=79 => Severity::Mild,
                    80..=91 => Severity::Moderate,
                    92..=96 => Severity::Severe,
                    _ => Severity::Critical,
                };
                let (status, outcome_s) = if severity >= Severity::Severe && rng.chance(0.4) {
                    (
                        CaseStatus::Died,
                        Some(confirmed_s + (2 + rng.below(10) as i64) * DAY),
                    )
                } else {
                    (CaseStatus::Recovered, Some(confirmed_s + 10 * DAY))
                };
                let (status, outcome_s) = match outcome_s {
                    Some(t) if t < NOW => (status, Some(t)),
                    _ => (CaseStatus::Active, None),
                };
                cases.push(Case {
                    commune: code.clone(),
                    confirmed_s,
                    community: rng.chance(0.7),
                    severity,
                    status,
                    outcome_s,
                });
            }
        }
    }
    // Facilities. District 001: an isolation area (treatment and quarantine beds) and a
    // hospital (oxygen, high-flow, ICU, ventilators); 002: a small isolation area that
    // fills; 003: an F1 quarantine centre only (no treatment bed); 004: a field hospital;
    // 005: none.
    let c = |d: &str| communes.iter().find(|(dd, _)| dd == d).unwrap().1.clone();
    let facilities = vec![
        Facility {
            commune: c("001"),
            kind: FacilityKind::F0Isolation,
            beds: vec![(BedType::F0Tier1, 12), (BedType::Quarantine, 80)],
        },
        Facility {
            commune: c("001"),
            kind: FacilityKind::Hospital,
            beds: vec![
                (BedType::Oxygen, 6),
                (BedType::HighFlow, 2),
                (BedType::Icu, 2),
                (BedType::Ventilator, 1),
            ],
        },
        Facility {
            commune: c("002"),
            kind: FacilityKind::F0Isolation,
            beds: vec![(BedType::F0Tier1, 3)],
        },
        Facility {
            commune: c("003"),
            kind: FacilityKind::F1Quarantine,
            beds: vec![(BedType::Quarantine, 200)],
        },
        Facility {
            commune: c("004"),
            kind: FacilityKind::FieldHospital,
            beds: vec![(BedType::F0Tier1, 5), (BedType::Oxygen, 2)],
        },
    ];
    // Stays: a case goes to a bed of its tier in its district (the hospital's for oxygen
    // and more), when one is free at its admission, for ten days or to its death.
    let district_of = |commune: &str| {
        communes
            .iter()
            .find(|(_, c)| c == commune)
            .map(|(d, _)| d.clone())
            .unwrap()
    };
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|&i| cases[i].confirmed_s);
    let mut stays: Vec<Stay> = Vec::new();
    for i in order {
        let case = &cases[i];
        let district = district_of(&case.commune);
        let bed = match case.severity {
            Severity::Asymptomatic | Severity::Mild => BedType::F0Tier1,
            Severity::Moderate => BedType::Oxygen,
            Severity::Severe => BedType::HighFlow,
            Severity::Critical => [BedType::Icu, BedType::Ventilator][i % 2],
        };
        let from_s = case.confirmed_s + 2 * 3600;
        let place = facilities.iter().position(|f| {
            district_of(&f.commune) == district && f.beds.iter().any(|(b, _)| *b == bed)
        });
        let place = place.or_else(|| (bed != BedType::F0Tier1).then_some(1));
        let Some(facility) = place else { continue };
        let capacity = facilities[facility]
            .beds
            .iter()
            .find(|(b, _)| *b == bed)
            .map_or(0, |(_, n)| *n);
        let taken = stays
            .iter()
            .filter(|s| s.facility == facility && s.bed == bed)
            .filter(|s| s.from_s <= from_s && s.until_s.is_none_or(|u| u > from_s))
            .count() as i64;
        if taken >= capacity || from_s >= NOW {
            continue;
        }
        let until = match case.status {
            CaseStatus::Died => case.outcome_s,
            _ => Some(from_s + 10 * DAY),
        };
        stays.push(Stay {
            case: i,
            facility,
            bed,
            from_s,
            until_s: until.filter(|&u| u < NOW),
        });
    }
    Locality {
        persons,
        doses,
        cases,
        facilities,
        stays,
    }
}

async fn store_locality(store: &Store, l: &Locality) {
    let mut units = HashMap::new();
    for p in &l.persons {
        if !units.contains_key(&p.commune) {
            units.insert(p.commune.clone(), unit(store, &p.commune).await);
        }
    }
    let rows: Vec<PersonRow> = l
        .persons
        .iter()
        .map(|p| PersonRow {
            id: p.id,
            full_name: format!("Người {}", p.id),
            national_id: None,
            phone: None,
            birth_date: p.birth,
            sex: Sex::Unknown,
            unit: units[&p.commune].clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    for chunk in rows.chunks(2_000) {
        store.bulk_persons(chunk, 0).await.unwrap();
    }
    let doses: Vec<DoseRow> = l
        .doses
        .iter()
        .map(|d| DoseRow {
            person_id: l.persons[d.person].id,
            dose_no: d.dose_no,
            product: d.product.as_str().into(),
            given_on: d.given_on,
            structure: Structure::S2021,
            unit_code: UnitCode::parse(&l.persons[d.person].commune).unwrap(),
        })
        .collect();
    for chunk in doses.chunks(2_000) {
        store.bulk_doses(chunk, 0).await.unwrap();
    }
    store.recount_vaccinations().await.unwrap();
    // A case's person: the commune's residents in order, one case each.
    let mut next_of: HashMap<&str, usize> = HashMap::new();
    let cases: Vec<CaseRow> = l
        .cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let start = *next_of.entry(&c.commune).or_insert_with(|| {
                l.persons
                    .iter()
                    .position(|p| p.commune == c.commune)
                    .unwrap()
            });
            next_of.insert(&c.commune, start + 1);
            CaseRow {
                id: i as i64 + 1,
                person_id: l.persons[start].id,
                unit: units[&c.commune].clone(),
                status: c.status,
                severity: c.severity,
                onset_s: None,
                first_sample_s: c.confirmed_s - 3600,
                confirmed_at_s: c.confirmed_s,
                isolation_s: Some(c.confirmed_s),
                community: c.community,
                outcome_at_s: c.outcome_s,
            }
        })
        .collect();
    store.bulk_cases(&cases, 0).await.unwrap();
    let system = Caller::system("test");
    let mut ids = Vec::new();
    for (i, f) in l.facilities.iter().enumerate() {
        let id = store
            .create_facility(
                &system,
                &NewFacility {
                    name: format!("Cơ sở {i}"),
                    kind: f.kind,
                    structure: Structure::S2021,
                    unit_code: UnitCode::parse(&f.commune).unwrap(),
                    address: None,
                    beds: f.beds.clone(),
                },
                NOW - 60 * DAY,
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let mut stays = Vec::new();
    for (n, s) in l.stays.iter().enumerate() {
        let f = &l.facilities[s.facility];
        let case = s.case;
        stays.push(StayRow {
            id: StayId::new(n as i64 + 1),
            person_id: cases[case].person_id,
            case_id: Some(cases[case].id),
            place: Place::Facility,
            facility_id: Some(ids[s.facility]),
            bed_type: Some(s.bed),
            from_s: s.from_s,
            until_s: s.until_s,
            discharge_reason: None,
            transferred_from: None,
            note: None,
            unit: unit(store, &f.commune).await,
        });
    }
    store.bulk_stays(&stays, 0).await.unwrap();
    store.sync_id_sequences().await.unwrap();
}

/// One unit's inputs as the decision counts them.
#[derive(Debug, Default, Clone)]
struct Counts {
    residents: i64,
    cases: i64,
    community: i64,
    oxygen: i64,
    deaths: i64,
    adults: i64,
    adults_first: i64,
    adults_full: i64,
    old: i64,
    old_full: i64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.residents += o.residents;
        self.cases += o.cases;
        self.community += o.community;
        self.oxygen += o.oxygen;
        self.deaths += o.deaths;
        self.adults += o.adults;
        self.adults_first += o.adults_first;
        self.adults_full += o.adults_full;
        self.old += o.old;
        self.old_full += o.old_full;
    }
}

fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Every commune's counts for the week ending on `end`.
fn commune_counts(l: &Locality, end: NaiveDate) -> BTreeMap<String, Counts> {
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    let first = end - chrono::Days::new(6);
    let in_week = |s: i64| (first..=end).contains(&local_day(s));
    for p in &l.persons {
        let c = out.entry(p.commune.clone()).or_default();
        c.residents += 1;
        if let Some(b) = p.birth {
            let age = age_on(b, end);
            c.adults += i64::from(age >= 18);
            c.old += i64::from(age >= 50);
        }
    }
    for d in l.doses.iter().filter(|d| d.given_on <= end) {
        let p = &l.persons[d.person];
        let Some(b) = p.birth else { continue };
        let age = age_on(b, end);
        let c = out.get_mut(&p.commune).unwrap();
        let full = d.dose_no == i64::from(d.product.primary_doses());
        if age >= 18 {
            c.adults_first += i64::from(d.dose_no == 1);
            c.adults_full += i64::from(full);
        }
        if age >= 50 {
            c.old_full += i64::from(full);
        }
    }
    for k in &l.cases {
        let c = out.get_mut(&k.commune).unwrap();
        if in_week(k.confirmed_s) {
            c.cases += 1;
            c.community += i64::from(k.community);
            // "Needing oxygen": the store counts severe and critical cases.
            c.oxygen += i64::from(k.severity >= Severity::Severe);
        }
        if k.status == CaseStatus::Died && k.outcome_s.is_some_and(in_week) {
            c.deaths += 1;
        }
    }
    out
}

/// Free treatment beds (every bed but quarantine's, less those taken at the week's last
/// second) per district, and staffed ICU beds (ICU and ventilator) of the province.
fn beds(l: &Locality, end: NaiveDate) -> (HashMap<String, i64>, i64) {
    let at = local_start(end + chrono::Days::new(1)) - 1;
    let registry = app::registry::Registry::of(Structure::S2021);
    let mut free: HashMap<String, i64> = HashMap::new();
    let mut icu = 0;
    for (i, f) in l.facilities.iter().enumerate() {
        let district = registry
            .ancestor_at(&f.commune, UnitLevel::District)
            .unwrap()
            .code
            .to_string();
        for &(bed, capacity) in &f.beds {
            let taken = l
                .stays
                .iter()
                .filter(|s| s.facility == i && s.bed == bed)
                .filter(|s| s.from_s <= at && s.until_s.is_none_or(|u| u > at))
                .count() as i64;
            assert!(taken <= capacity, "the seed never overfills a bed type");
            if bed != BedType::Quarantine {
                *free.entry(district.clone()).or_default() += capacity - taken;
            }
            if matches!(bed, BedType::Icu | BedType::Ventilator) {
                icu += capacity;
            }
        }
    }
    (free, icu)
}

/// What the test expects of one unit.
#[derive(Debug)]
struct Expected {
    level: u8,
    values: BTreeMap<Indicator, Option<f64>>,
    residents: i64,
    cases: i64,
}

fn reached(c: &CutOff, x: f64) -> bool {
    if c.strict {
        x > c.value
    } else {
        x >= c.value
    }
}

/// The decision's table applied to a unit's figures: transmission band (the worst of the
/// indicators known), capacity band (worst or median of the known ones; the worst column
/// when none is known), the matrix's level.
fn assess(rule: &RiskRule, c: &Counts, free_per_100k: f64, icu_per_100k: f64) -> Expected {
    let per_100k = |n: i64| n as f64 * 100_000.0 / c.residents as f64;
    let share = |n: i64, of: i64| (of > 0).then(|| n as f64 / of as f64);
    let value = |ind: Indicator| -> Option<f64> {
        match ind {
            Indicator::CasesPer100kWeek => Some(per_100k(match rule.cases_counted.value {
                CasesCounted::Community => c.community,
                CasesCounted::All => c.cases,
            })),
            Indicator::OxygenPer100kWeek => Some(per_100k(c.oxygen)),
            Indicator::DeathsPer100kWeek => Some(per_100k(c.deaths)),
            Indicator::AdultFirstDoseShare => share(c.adults_first, c.adults),
            Indicator::FullyVaccinatedShare => share(c.adults_full, c.adults),
            Indicator::HighRiskFullyVaccinatedShare => share(c.old_full, c.old),
            // No commune's readiness is on record.
            Indicator::CommuneReady => None,
            Indicator::FreeBedsPer100k => Some(free_per_100k),
            Indicator::IcuBedsPer100k => Some(icu_per_100k),
        }
    };
    let mut values = BTreeMap::new();
    let mut transmission = 0;
    for t in &rule.transmission {
        let v = value(t.indicator);
        values.insert(t.indicator, v);
        transmission = transmission.max(match (v, t.missing.value) {
            (Some(x), _) => t.cut_offs.iter().filter(|c| reached(c, x)).count(),
            (None, Missing::Worst) => 3,
            (None, Missing::Skip) => 0,
        });
    }
    let mut bands = Vec::new();
    for k in &rule.capacity {
        let v = value(k.indicator);
        values.insert(k.indicator, v);
        let band = match v {
            Some(x) if reached(&k.high, x) => Some(CapacityBand::High),
            Some(x) if k.medium.is_some_and(|m| reached(&m, x)) => Some(CapacityBand::Medium),
            Some(_) => Some(CapacityBand::Low),
            None if k.missing.value == Missing::Worst => Some(CapacityBand::Low),
            None => None,
        };
        bands.extend(band);
    }
    bands.sort();
    let capacity = match (bands.len(), rule.capacity_combine.value) {
        (0, _) => CapacityBand::Low,
        (_, Combine::Worst) => *bands.last().unwrap(),
        (n, Combine::Median) => bands[n / 2],
    };
    let t = [
        TransmissionBand::Low,
        TransmissionBand::Medium,
        TransmissionBand::High,
        TransmissionBand::VeryHigh,
    ][transmission];
    Expected {
        level: rule.matrix(t, capacity).unwrap().number(),
        values,
        residents: c.residents,
        cases: c.cases,
    }
}

fn check(got: &[UnitRisk], want: &BTreeMap<String, Expected>, what: &str, rule: &RiskRule) {
    let codes: Vec<&str> = got.iter().map(|u| u.unit_code.as_str()).collect();
    let wanted: Vec<&str> = want.keys().map(String::as_str).collect();
    assert_eq!(codes, wanted, "{what}: the units assessed");
    for u in got {
        let w = &want[&u.unit_code];
        let at = format!("{what} {}", u.unit_code);
        assert_eq!(u.policy, rule.document, "{at}: the decision");
        assert_eq!(i64::from(u.population), w.residents, "{at}: residents");
        assert_eq!(i64::from(u.cases), w.cases, "{at}: cases");
        let inputs: BTreeMap<Indicator, Option<f64>> =
            u.inputs.iter().map(|i| (i.indicator, i.value)).collect();
        assert_eq!(
            inputs.keys().collect::<Vec<_>>(),
            w.values.keys().collect::<Vec<_>>(),
            "{at}: the indicators"
        );
        for (ind, want) in &w.values {
            let got = inputs[ind];
            let same = match (got, want) {
                (Some(g), Some(w)) => (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                (None, None) => true,
                _ => false,
            };
            assert!(same, "{at}: {} is {got:?}, counted {want:?}", ind.key());
        }
        assert_eq!(
            u.level.number(),
            w.level,
            "{at}: level {} ({}), counted {w:?}",
            u.level.number(),
            u.reason_en
        );
    }
}

/// Every commune, district and the province, in every week of [`WEEKS`]: the level and
/// each indicator as counted here equal `app::risk::levels`; and the locality reaches all
/// four levels under each decision.
async fn every_units_level_is_recomputed_from_the_stored_rows(store: Store) {
    let l = generate();
    store_locality(&store, &l).await;
    let mut app = app::App::new(store.clone()).unwrap();
    app.clock = app::clock::LocalityClock::reading(NOW);
    let policies = RiskPolicies::embedded().unwrap();
    let registry = app::registry::Registry::of(Structure::S2021);
    let district_of = |c: &str| {
        registry
            .ancestor_at(c, UnitLevel::District)
            .unwrap()
            .code
            .to_string()
    };
    let mut reached_levels: BTreeMap<String, BTreeSet<u8>> = BTreeMap::new();
    for week in WEEKS.map(date) {
        let rule = policies.on(week).unwrap();
        assert_eq!(
            rule.rollup.method.value,
            RollupMethod::Pooled,
            "this test pools districts and provinces as the policy says"
        );
        let communes = commune_counts(&l, week);
        let (free, icu) = beds(&l, week);
        let mut districts: BTreeMap<String, Counts> = BTreeMap::new();
        let mut province = Counts::default();
        for (code, c) in &communes {
            districts.entry(district_of(code)).or_default().add(c);
            province.add(c);
        }
        let rate = |beds: i64, people: i64| beds as f64 * 100_000.0 / people as f64;
        let icu_rate = rate(icu, province.residents);
        let free_rate = |d: &str| rate(free.get(d).copied().unwrap_or(0), districts[d].residents);
        let want_communes: BTreeMap<String, Expected> = communes
            .iter()
            .map(|(code, c)| {
                (
                    code.clone(),
                    assess(rule, c, free_rate(&district_of(code)), icu_rate),
                )
            })
            .collect();
        let want_districts: BTreeMap<String, Expected> = districts
            .iter()
            .map(|(d, c)| (d.clone(), assess(rule, c, free_rate(d), icu_rate)))
            .collect();
        let province_free = rate(free.values().sum(), province.residents);
        let want_province = BTreeMap::from([(
            "01".to_string(),
            assess(rule, &province, province_free, icu_rate),
        )]);
        for (level, want) in [
            (UnitLevel::Commune, &want_communes),
            (UnitLevel::District, &want_districts),
            (UnitLevel::Province, &want_province),
        ] {
            let got = levels(&app, Structure::S2021, week, level).await.unwrap();
            check(&got, want, &format!("{week} {level:?}"), rule);
        }
        reached_levels
            .entry(rule.document.clone())
            .or_default()
            .extend(want_communes.values().map(|e| e.level));
    }
    for (doc, seen) in &reached_levels {
        assert_eq!(
            seen,
            &BTreeSet::from([1, 2, 3, 4]),
            "{doc}: the locality reaches every level"
        );
    }
    assert_eq!(reached_levels.len(), 2, "both decisions are assessed");
}

both_databases!(every_units_level_is_recomputed_from_the_stored_rows);
