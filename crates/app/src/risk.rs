//! Risk levels of every unit for a week, from the store's counts under the decision in force
//! (`domain::risk`). Communes are assessed from their own week; districts and provinces by
//! the rule's roll-up of their children. The 2025 structure is reached through the official
//! correspondence of communes (a split commune's figures go to the first new commune it lists).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;
use domain::risk::{self, Assessment, Reading, RiskLevel, UnitWeek};
use domain::{Structure, UnitLevel};

use crate::local_time::{day_end_s, day_start_s};
use crate::registry::Registry;
use crate::App;

/// One indicator as it entered an assessment: what a published level keeps of it.
pub use domain::risk::PublishedInput as Input;

/// A unit's level for the week, with its grounds.
#[derive(Debug, Clone)]
pub struct UnitRisk {
    pub unit_code: String,
    pub level: RiskLevel,
    pub policy: String,
    pub population: u32,
    pub cases: u32,
    pub inputs: Vec<Input>,
    pub reason_vi: String,
    pub reason_en: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RiskFailure {
    #[error("no risk-level rule is in force on {0}")]
    NoRule(NaiveDate),
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    #[error("assessment: {0}")]
    Assess(String),
}

/// The levels of every unit of `level` in `structure` with residents on record, for the week
/// ending on `date` (inclusive), in code order.
pub async fn levels(
    state: &App,
    structure: Structure,
    date: NaiveDate,
    level: UnitLevel,
) -> Result<Vec<UnitRisk>, RiskFailure> {
    let policies = state.rules.risk();
    let rule = policies.on(date).map_err(|_| RiskFailure::NoRule(date))?;
    let from_s = day_start_s(date - chrono::Days::new(6));
    let to_s = day_end_s(date) + 1;
    let everything = domain::Scope::everything();
    // Records are kept in the 2021 structure, the one COVID-era records use.
    let (cases, residents, coverage, beds) = tokio::join!(
        state
            .store
            .week_cases_by_unit(Structure::S2021, from_s, to_s),
        state.store.residents_by_unit(&everything, Structure::S2021),
        state
            .store
            .coverage_by_unit(&everything, Structure::S2021, UnitLevel::Commune, date),
        state
            .store
            .beds_by_unit(&everything, Structure::S2021, UnitLevel::Commune, to_s - 1),
    );
    let (cases, residents, coverage, beds) = (cases?, residents?, coverage?, beds?);

    let to_structure = |code: &str| -> Option<String> {
        match structure {
            Structure::S2021 => Some(code.to_string()),
            Structure::S2025 => new_commune_of(code).map(str::to_string),
        }
    };
    let mut weeks: BTreeMap<String, UnitWeek> = BTreeMap::new();
    for (code, n) in &residents {
        if let Some(c) = to_structure(code) {
            let w = weeks.entry(c).or_default();
            w.population = w
                .population
                .saturating_add(u32::try_from(*n).unwrap_or(u32::MAX));
        }
    }
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    for c in &cases {
        let Some(code) = to_structure(&c.unit_code) else {
            continue;
        };
        // Cases of a commune without residents on record have no rate: left out.
        if let Some(w) = weeks.get_mut(&code) {
            w.cases_total += count(c.total);
            w.cases_community += count(c.community);
            *w.oxygen_cases.get_or_insert(0) += count(c.oxygen);
            *w.deaths.get_or_insert(0) += count(c.deaths);
        }
    }
    for w in weeks.values_mut() {
        // No case, no oxygen case and no death is a measurement too.
        w.oxygen_cases.get_or_insert(0);
        w.deaths.get_or_insert(0);
    }
    let registry = Registry::of(structure);
    add_coverage(&mut weeks, &coverage, &to_structure);
    add_beds(&mut weeks, &beds, &to_structure, registry, structure);

    let assess = |w: &UnitWeek| {
        rule.assess(w)
            .map_err(|e| RiskFailure::Assess(e.to_string()))
    };
    let mut communes: Vec<(String, UnitWeek, Assessment<'_>)> = Vec::new();
    for (code, w) in &weeks {
        if w.population > 0 {
            communes.push((code.clone(), *w, assess(w)?));
        }
    }
    if level == UnitLevel::Commune {
        return Ok(communes
            .iter()
            .map(|(c, w, a)| unit_risk(c, w, a))
            .collect());
    }
    // Roll up one level at a time: communes → districts (2021) → provinces.
    let mut current = communes;
    let mut current_level = UnitLevel::Commune;
    let steps: &[UnitLevel] = match structure {
        Structure::S2021 => &[UnitLevel::District, UnitLevel::Province],
        Structure::S2025 => &[UnitLevel::Province],
    };
    for &parent_level in steps {
        let mut groups: BTreeMap<String, (Vec<UnitWeek>, Vec<RiskLevel>)> = BTreeMap::new();
        for (code, w, a) in &current {
            if let Some(p) = registry.ancestor_at(code, parent_level) {
                let g = groups.entry(p.code.to_string()).or_default();
                g.0.push(*w);
                g.1.push(a.level);
            }
        }
        let mut next = Vec::new();
        for (code, (children, child_levels)) in groups {
            let a = rule
                .assess_parent(&children, &child_levels)
                .map_err(|e| RiskFailure::Assess(e.to_string()))?;
            next.push((code, risk::pool(&children), a));
        }
        current = next;
        current_level = parent_level;
        if parent_level == level {
            break;
        }
    }
    if current_level != level {
        return Ok(Vec::new());
    }
    Ok(current.iter().map(|(c, w, a)| unit_risk(c, w, a)).collect())
}

fn unit_risk(code: &str, w: &UnitWeek, a: &Assessment<'_>) -> UnitRisk {
    let inputs = a
        .indicators()
        .map(|(ind, reading)| Input {
            indicator: ind,
            value: match reading {
                Reading::Measured { value, .. } => Some(value),
                Reading::AssumedWorst { .. } | Reading::Skipped => None,
            },
            band: reading.band().map(|b| a.band_label(ind, b, risk::Lang::Vi)),
            reading: reading.kind(),
        })
        .collect();
    UnitRisk {
        unit_code: code.to_string(),
        level: a.level,
        policy: a.rule.document.clone(),
        population: w.population,
        cases: w.cases_total,
        inputs,
        reason_vi: a.reason(risk::Lang::Vi),
        reason_en: a.reason(risk::Lang::En),
    }
}

/// The levels published for the week ending `week_end`, as they were published (their
/// inputs and reasons as stored), for `level`'s units in code order. A row whose level is
/// not 1–4 is a corrupt row.
pub async fn published_levels(
    state: &App,
    structure: Structure,
    level: UnitLevel,
    week_end: NaiveDate,
) -> Result<Vec<UnitRisk>, RiskFailure> {
    state
        .store
        .published_week(structure, level, week_end)
        .await?
        .into_iter()
        .map(|p| {
            let level = RiskLevel::from_number(p.level).ok_or_else(|| {
                RiskFailure::Store(store::StoreError::Corrupt("risk_levels.level".into()))
            })?;
            Ok(UnitRisk {
                unit_code: p.unit_code,
                level,
                policy: p.policy,
                population: u32::try_from(p.population).unwrap_or(u32::MAX),
                cases: u32::try_from(p.cases).unwrap_or(u32::MAX),
                inputs: p.inputs,
                reason_vi: p.reason_vi,
                reason_en: p.reason_en,
            })
        })
        .collect()
}

/// The 2025 commune that a 2021 commune became (the first listed, for a split commune).
fn new_commune_of(old: &str) -> Option<&'static str> {
    static MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = HashMap::new();
        for c in domain::refdata::correspondence().unwrap_or_default() {
            m.entry(c.old_unit.to_string())
                .or_insert_with(|| c.new_commune.to_string());
        }
        m
    })
    .get(old)
    .map(String::as_str)
}

/// Publishes the levels of every commune, district and province with residents on record for
/// the week ending on `date`, replacing an earlier publication of the same week.
pub async fn publish(
    state: &App,
    structure: Structure,
    date: NaiveDate,
    by: &str,
) -> Result<u64, RiskFailure> {
    let levels_of: &[UnitLevel] = match structure {
        Structure::S2021 => &[UnitLevel::Commune, UnitLevel::District, UnitLevel::Province],
        Structure::S2025 => &[UnitLevel::Commune, UnitLevel::Province],
    };
    let mut rows = Vec::new();
    for &level in levels_of {
        for u in levels(state, structure, date, level).await? {
            rows.push(store::PublishedLevel {
                structure,
                unit_code: u.unit_code,
                unit_level: level,
                week_end: date,
                level: u.level.number(),
                policy: u.policy,
                population: i64::from(u.population),
                cases: i64::from(u.cases),
                inputs: u.inputs,
                reason_vi: u.reason_vi,
                reason_en: u.reason_en,
                published_at_s: state.now_s(),
                published_by: by.to_string(),
            });
        }
    }
    Ok(state.store.publish_risk_levels(&rows).await?)
}

/// The weeks that may be published (or looked at) on `today`, by their last day: from the
/// first risk rule's start to the end of the week under way (a week whose first day has come).
/// A week entirely in the future would be assessed on no data and then head the history.
pub fn publishable_weeks(state: &App, today: NaiveDate) -> domain::time::Dates {
    let first = state
        .rules
        .risk()
        .rules()
        .iter()
        .map(|r| r.from)
        .min()
        .unwrap_or(domain::time::FIRST_DAY);
    domain::time::Dates::ahead(today, 6).not_before(first)
}

/// The weeks the weekly job should publish on `today` (the locality's date), oldest first.
/// A week is due once it has ended. Weeks end on Sunday (ISO weeks) until the locality has
/// published; then its own cadence continues, seven days after its latest published week.
/// After a long outage only the last [`MAX_CATCH_UP_WEEKS`] are published; older weeks can
/// still be published on demand.
pub fn due_weeks(last: Option<NaiveDate>, today: NaiveDate) -> Vec<NaiveDate> {
    use chrono::Datelike;
    let mut next = match last {
        Some(last) => last + chrono::Days::new(7),
        None => {
            // The Sunday before today: the last week that has ended.
            let back = u64::from(today.weekday().num_days_from_sunday());
            let back = if back == 0 { 7 } else { back };
            today - chrono::Days::new(back)
        }
    };
    let mut due = Vec::new();
    while next < today {
        due.push(next);
        next = next + chrono::Days::new(7);
    }
    let skip = due.len().saturating_sub(MAX_CATCH_UP_WEEKS);
    due.split_off(skip)
}

/// Weeks the weekly job catches up after an outage.
pub const MAX_CATCH_UP_WEEKS: usize = 8;

/// Who the weekly job publishes as, in `risk_levels.published_by`.
pub const WEEKLY_PUBLISHER: &str = "weekly job";

/// Publishes every due week (see [`due_weeks`]) in both structures, as the weekly job; the
/// weeks and how many units each got.
pub async fn publish_due_weeks(
    state: &App,
) -> Result<Vec<(Structure, NaiveDate, u64)>, RiskFailure> {
    let today = crate::local_time::local_date(state.now_s());
    let mut done = Vec::new();
    for structure in [Structure::S2021, Structure::S2025] {
        let last = state.store.last_published_week(structure).await?;
        for week in due_weeks(last, today) {
            let n = publish(state, structure, week, WEEKLY_PUBLISHER).await?;
            done.push((structure, week, n));
        }
    }
    Ok(done)
}

/// Vaccination shares from the doses on record (counts summed first, so a 2025 commune made of
/// several 2021 communes gets their pooled share). Communes without adults on record keep
/// the share unknown.
fn add_coverage(
    weeks: &mut BTreeMap<String, UnitWeek>,
    coverage: &[store::Coverage],
    to_structure: &impl Fn(&str) -> Option<String>,
) {
    let mut sums: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    for c in coverage {
        if let Some(code) = to_structure(&c.unit_code) {
            let s = sums.entry(code).or_default();
            for (k, v) in [
                c.adults,
                c.adults_1dose,
                c.adults_full,
                c.high_risk,
                c.high_risk_full,
            ]
            .into_iter()
            .enumerate()
            {
                s[k] += v;
            }
        }
    }
    let share = |n: i64, of: i64| {
        (of > 0)
            .then(|| n as f64 / of as f64)
            .and_then(risk::Share::new)
    };
    for (code, [adults, first, full, old, old_full]) in sums {
        if let Some(w) = weeks.get_mut(&code) {
            w.adult_first_dose_share = share(first, adults);
            // The share of the population fully vaccinated is read among adults: the doses of
            // 2021–22 in the records went to adults.
            w.fully_vaccinated_share = share(full, adults);
            w.high_risk_fully_vaccinated_share = share(old_full, old);
        }
    }
}

/// Free treatment beds and intensive-care beds per 100,000, where facilities are on record,
/// measured at the level where Decision 218/QĐ-BYT counts them: indicator 3b is the
/// district's free beds per 100,000 of the district's population, carried by every commune
/// of it; 3c is the province's staffed ICU beds per 100,000 of the province's population,
/// carried by every unit of it. No bed is rounded before the rate (a commune's "share" of
/// 3 beds was 0). A province without any facility on record leaves beds unknown. In the
/// 2025 structure, without districts, free beds are the province's.
fn add_beds(
    weeks: &mut BTreeMap<String, UnitWeek>,
    beds: &[store::UnitBeds],
    to_structure: &impl Fn(&str) -> Option<String>,
    registry: &Registry,
    structure: Structure,
) {
    if beds.is_empty() {
        return;
    }
    let district_level = match structure {
        Structure::S2021 => UnitLevel::District,
        Structure::S2025 => UnitLevel::Province,
    };
    let area_of = |code: &str, level| {
        registry
            .ancestor_at(code, level)
            .map(|u| u.code.to_string())
    };
    let counted = bed_counts(beds, to_structure, &area_of, district_level);
    let mut pop: HashMap<(UnitLevel, String), u64> = HashMap::new();
    for (code, w) in weeks.iter() {
        for level in [district_level, UnitLevel::Province] {
            if let Some(a) = area_of(code, level) {
                *pop.entry((level, a)).or_default() += u64::from(w.population);
            }
        }
    }
    let per_100k = |beds: i64, residents: u64| -> Option<f64> {
        (residents > 0).then(|| beds.max(0) as f64 * 100_000.0 / residents as f64)
    };
    for (code, w) in weeks.iter_mut() {
        let Some(p) = area_of(code, UnitLevel::Province) else {
            continue;
        };
        if !counted.recorded.contains(&p) {
            continue;
        }
        if let Some(d) = area_of(code, district_level) {
            let residents = pop.get(&(district_level, d.clone())).copied().unwrap_or(0);
            w.free_beds_per_100k = per_100k(counted.free.get(&d).copied().unwrap_or(0), residents);
        }
        let residents = pop
            .get(&(UnitLevel::Province, p.clone()))
            .copied()
            .unwrap_or(0);
        w.icu_beds_per_100k = per_100k(counted.icu.get(&p).copied().unwrap_or(0), residents);
    }
}

/// Beds as Decision 218 counts them: free treatment beds per district (quarantine beds are
/// for F1s, not patients), staffed ICU beds (ICU and ventilator) per province, and the
/// provinces with any facility on record.
struct BedCounts {
    free: HashMap<String, i64>,
    icu: HashMap<String, i64>,
    recorded: std::collections::HashSet<String>,
}

fn bed_counts(
    beds: &[store::UnitBeds],
    to_structure: &impl Fn(&str) -> Option<String>,
    area_of: &impl Fn(&str, UnitLevel) -> Option<String>,
    district_level: UnitLevel,
) -> BedCounts {
    use domain::facility::BedType as Bed;
    let mut counted = BedCounts {
        free: HashMap::new(),
        icu: HashMap::new(),
        recorded: std::collections::HashSet::new(),
    };
    for b in beds {
        let Some(code) = to_structure(&b.unit_code) else {
            continue;
        };
        if let Some(p) = area_of(&code, UnitLevel::Province) {
            counted.recorded.insert(p);
        }
        if b.bed_type != Bed::Quarantine {
            if let Some(d) = area_of(&code, district_level) {
                *counted.free.entry(d).or_default() += (b.capacity - b.occupied).max(0);
            }
        }
        if matches!(b.bed_type, Bed::Icu | Bed::Ventilator) {
            if let Some(p) = area_of(&code, UnitLevel::Province) {
                *counted.icu.entry(p).or_default() += b.capacity;
            }
        }
    }
    counted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_end_on_sunday_until_the_locality_sets_its_own_cadence() {
        // Saturday 20 Nov 2021: the last week that has ended is the one to Sunday 14 Nov.
        assert_eq!(due_weeks(None, d("2021-11-20")), vec![d("2021-11-14")]);
        // On Monday the week that ended yesterday is due.
        assert_eq!(due_weeks(None, d("2021-11-22")), vec![d("2021-11-21")]);
        // On Sunday that week has not ended yet.
        assert_eq!(due_weeks(None, d("2021-11-21")), vec![d("2021-11-14")]);
        // A locality publishing weeks to Thursday keeps to Thursdays.
        assert!(due_weeks(Some(d("2021-11-18")), d("2021-11-25")).is_empty());
        assert_eq!(
            due_weeks(Some(d("2021-11-18")), d("2021-11-26")),
            vec![d("2021-11-25")]
        );
    }

    #[test]
    fn a_long_outage_catches_up_the_last_eight_weeks() {
        let due = due_weeks(Some(d("2021-01-03")), d("2021-12-01"));
        assert_eq!(due.len(), MAX_CATCH_UP_WEEKS);
        assert_eq!(due.last(), Some(&d("2021-11-28")));
        assert_eq!(due[0], d("2021-10-10"));
    }
}
