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
    // Each commune's counts, in `structure` (a 2025 commune sums the 2021 communes it was
    // made of).
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    for (code, n) in &residents {
        if let Some(c) = to_structure(code) {
            let t = tallies.entry(c).or_default();
            t.population = t.population.saturating_add(count(*n));
        }
    }
    for c in &cases {
        let Some(code) = to_structure(&c.unit_code) else {
            continue;
        };
        // Cases of a commune without residents on record have no rate: left out.
        if let Some(t) = tallies.get_mut(&code) {
            t.cases_total = t.cases_total.saturating_add(count(c.total));
            t.cases_community = t.cases_community.saturating_add(count(c.community));
            t.oxygen = t.oxygen.saturating_add(count(c.oxygen));
            t.deaths = t.deaths.saturating_add(count(c.deaths));
        }
    }
    for c in &coverage {
        if let Some(t) = to_structure(&c.unit_code).and_then(|code| tallies.get_mut(&code)) {
            let counts = [
                c.adults,
                c.adults_1dose,
                c.adults_full,
                c.high_risk,
                c.high_risk_full,
            ];
            for (sum, n) in t.coverage.iter_mut().zip(counts) {
                *sum += n;
            }
        }
    }
    tallies.retain(|_, t| t.population > 0);
    let registry = Registry::of(structure);
    let beds = BedRates::count(&beds, &tallies, &to_structure, registry, structure);
    let week_of = |code: &str, t: &Tally| {
        let mut w = t.week();
        (w.free_beds_per_100k, w.icu_beds_per_100k) = beds.rates(code);
        w
    };

    let assess = |w: &UnitWeek| {
        rule.assess(w)
            .map_err(|e| RiskFailure::Assess(e.to_string()))
    };
    let mut communes: Vec<(String, UnitWeek, Assessment<'_>)> = Vec::new();
    for (code, t) in &tallies {
        let w = week_of(code, t);
        communes.push((code.clone(), w, assess(&w)?));
    }
    if level == UnitLevel::Commune {
        return Ok(communes
            .iter()
            .map(|(c, w, a)| unit_risk(c, w, a))
            .collect());
    }
    // Roll up one level at a time: communes → districts (2021) → provinces. A parent's own
    // week is counted over its communes (its coverage is its own adults', not a mean of its
    // children's shares); the children's levels serve a population-share roll-up.
    let mut current = communes;
    let mut current_level = UnitLevel::Commune;
    let steps: &[UnitLevel] = match structure {
        Structure::S2021 => &[UnitLevel::District, UnitLevel::Province],
        Structure::S2025 => &[UnitLevel::Province],
    };
    for &parent_level in steps {
        let mut own: BTreeMap<String, Tally> = BTreeMap::new();
        for (code, t) in &tallies {
            if let Some(p) = registry.ancestor_at(code, parent_level) {
                own.entry(p.code.to_string()).or_default().add(t);
            }
        }
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
            let w = week_of(&code, &own.get(&code).copied().unwrap_or_default());
            let a = rule
                .assess_parent_on(&w, &children, &child_levels)
                .map_err(|e| RiskFailure::Assess(e.to_string()))?;
            next.push((code, w, a));
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

/// A unit's counts for the week, summed over its communes before any rate or share is
/// taken.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    population: u32,
    cases_total: u32,
    cases_community: u32,
    oxygen: u32,
    deaths: u32,
    /// Adults, adults with a first dose, adults fully vaccinated, people 50 and over, and
    /// those of them fully vaccinated, as of the week's last day.
    coverage: [i64; 5],
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.population = self.population.saturating_add(o.population);
        self.cases_total = self.cases_total.saturating_add(o.cases_total);
        self.cases_community = self.cases_community.saturating_add(o.cases_community);
        self.oxygen = self.oxygen.saturating_add(o.oxygen);
        self.deaths = self.deaths.saturating_add(o.deaths);
        for (sum, n) in self.coverage.iter_mut().zip(o.coverage) {
            *sum += n;
        }
    }

    /// The unit's week without beds. No case, no oxygen case and no death is a measurement
    /// too; a share whose group has nobody on record is unknown.
    fn week(&self) -> UnitWeek {
        let share = |n: i64, of: i64| {
            (of > 0)
                .then(|| n as f64 / of as f64)
                .and_then(risk::Share::new)
        };
        let [adults, first, full, old, old_full] = self.coverage;
        UnitWeek {
            population: self.population,
            cases_community: self.cases_community,
            cases_total: self.cases_total,
            oxygen_cases: Some(self.oxygen),
            deaths: Some(self.deaths),
            adult_first_dose_share: share(first, adults),
            // The share of the population fully vaccinated is read among adults: the doses
            // of 2021–22 in the records went to adults.
            fully_vaccinated_share: share(full, adults),
            high_risk_fully_vaccinated_share: share(old_full, old),
            ..UnitWeek::default()
        }
    }
}

/// Free treatment beds and intensive-care beds per 100,000, where facilities are on record,
/// measured at the level where Decision 218/QĐ-BYT counts them: indicator 3b is the
/// district's free beds per 100,000 of the district's population, carried by every commune
/// of it (a province's: the province's free beds over its population); 3c is the
/// province's staffed ICU beds per 100,000 of the province's population, carried by every
/// unit of it. No bed is rounded before the rate (a commune's "share" of 3 beds was 0). A
/// province without any facility on record leaves beds unknown. In the 2025 structure,
/// without districts, free beds are the province's.
struct BedRates<'r> {
    registry: &'r Registry,
    district_level: UnitLevel,
    /// Free treatment beds (quarantine beds are for F1s, not patients) and residents per
    /// district (2021) and per province.
    free: HashMap<String, i64>,
    residents: HashMap<String, u64>,
    /// Staffed ICU beds (ICU and ventilator) per province.
    icu: HashMap<String, i64>,
    /// Provinces with any facility on record.
    recorded: std::collections::HashSet<String>,
}

impl<'r> BedRates<'r> {
    fn count(
        beds: &[store::UnitBeds],
        communes: &BTreeMap<String, Tally>,
        to_structure: &impl Fn(&str) -> Option<String>,
        registry: &'r Registry,
        structure: Structure,
    ) -> BedRates<'r> {
        use domain::facility::BedType as Bed;
        let district_level = match structure {
            Structure::S2021 => UnitLevel::District,
            Structure::S2025 => UnitLevel::Province,
        };
        let mut rates = BedRates {
            registry,
            district_level,
            free: HashMap::new(),
            residents: HashMap::new(),
            icu: HashMap::new(),
            recorded: std::collections::HashSet::new(),
        };
        // A commune's district and province (once in 2025, where they are the same).
        let areas = |code: &str| -> Vec<String> {
            let mut out: Vec<String> = [district_level, UnitLevel::Province]
                .into_iter()
                .filter_map(|l| registry.ancestor_at(code, l).map(|u| u.code.to_string()))
                .collect();
            out.dedup();
            out
        };
        for (code, t) in communes {
            for a in areas(code) {
                *rates.residents.entry(a).or_default() += u64::from(t.population);
            }
        }
        for b in beds {
            let Some(code) = to_structure(&b.unit_code) else {
                continue;
            };
            let Some(province) = registry.ancestor_at(&code, UnitLevel::Province) else {
                continue;
            };
            let province = province.code.to_string();
            rates.recorded.insert(province.clone());
            if b.bed_type != Bed::Quarantine {
                for a in areas(&code) {
                    *rates.free.entry(a).or_default() += (b.capacity - b.occupied).max(0);
                }
            }
            if matches!(b.bed_type, Bed::Icu | Bed::Ventilator) {
                *rates.icu.entry(province).or_default() += b.capacity;
            }
        }
        rates
    }

    /// Free treatment beds and ICU beds per 100,000 for the unit `code` (of any level).
    fn rates(&self, code: &str) -> (Option<f64>, Option<f64>) {
        let Some(province) = self.registry.ancestor_at(code, UnitLevel::Province) else {
            return (None, None);
        };
        let province = province.code.to_string();
        if !self.recorded.contains(&province) {
            return (None, None);
        }
        let per_100k = |beds: Option<&i64>, area: &str| -> Option<f64> {
            let residents = self.residents.get(area).copied().unwrap_or(0);
            (residents > 0)
                .then(|| beds.copied().unwrap_or(0).max(0) as f64 * 100_000.0 / residents as f64)
        };
        // A commune and a district carry their district's rate; a province its own.
        let area = self
            .registry
            .ancestor_at(code, self.district_level)
            .map_or(province.clone(), |u| u.code.to_string());
        (
            per_100k(self.free.get(&area), &area),
            per_100k(self.icu.get(&province), &province),
        )
    }
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
