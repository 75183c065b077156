//! The daily report to the level above (issue #16, item 3): one day's figures for each unit
//! one level below the caller's (a province's districts, a district's communes; a commune's
//! account gets its own commune), and the whole scope's total.
//!
//! The case figures are the dashboard's own: each row is `Store::case_counts` for that
//! unit's subtree and the total row is the same call for the caller's scope, at the same
//! moment the dashboard reads (now, for today), so the two never disagree. Tests and doses
//! have no figure on the dashboard; they are counted for the day from the records
//! (`Store::day_activity_by_unit`). The risk level is the latest week published on or
//! before the day.
//!
//! For a past day the counts are taken at that day's last second: new F0 and F1 in
//! quarantine come from tallies kept by day, but under care and deaths are the cases'
//! present status (the tallies keep no history of status), which the page says.

use chrono::NaiveDate;
use domain::epi::Severity;
use domain::time::Dates;
use domain::validation::FieldError;
use domain::{Scope, Structure, UnitLevel};

use crate::local_time::{day_end_s, local_date};
use crate::registry::Registry;
use crate::App;

/// The report's structure: the dashboard's.
const STRUCTURE: Structure = Structure::S2021;

/// The request as received: the day, `YYYY-MM-DD`; none is today in the locality's time.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub day: Option<String>,
}

/// One unit's (or the total's) figures for the day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayFigures {
    /// Cases confirmed on the day (the dashboard's "new today").
    pub new_f0: i64,
    /// Active cases by treatment tier of the default tier model (index 0 = tier 1).
    pub under_care: Vec<i64>,
    /// Contacts in quarantine at the end of the day (now, for today).
    pub f1_in_quarantine: i64,
    /// Cases that died (the dashboard's figure: all on record).
    pub deaths: i64,
    /// Tests sampled on the day, of persons living in the unit.
    pub tests: i64,
    /// Doses given on the day, to persons living in the unit.
    pub doses: i64,
    /// The unit's level in the latest week published on or before the day.
    pub risk_level: Option<i64>,
}

/// One row: a unit and its figures.
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub figures: DayFigures,
}

/// A tier's names, for the columns.
#[derive(Debug, Clone)]
pub struct TierName {
    pub vi: String,
    pub en: String,
}

#[derive(Debug, Clone)]
pub struct DailyReport {
    pub day: NaiveDate,
    /// The moment the figures are read at (now for today, else the day's last second).
    pub at_s: i64,
    /// Whether the day is today (its status figures are then the day's own).
    pub today: bool,
    pub tiers: Vec<TierName>,
    pub rows: Vec<UnitRow>,
    pub total: DayFigures,
    /// The week whose risk levels are shown (its last day).
    pub risk_week: Option<NaiveDate>,
    /// The day's clusters: new, active, closed, merged (`crate::clusters::day_clusters`,
    /// the same clusters the /clusters page lists).
    pub clusters: crate::clusters::DayClusters,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("no treatment tier model in the care policies")]
    NoTierModel,
    #[error(transparent)]
    Clusters(#[from] crate::tracing::TracingError),
}

/// Parses the day: from the first day on record to today (`Dates::past`), today if absent.
pub fn parse_day(input: &ReportInput, today: NaiveDate) -> Result<NaiveDate, ReportError> {
    let mut errors = Vec::new();
    let day = crate::input::opt_date("day", input.day.as_deref(), Dates::past(today), &mut errors);
    if !errors.is_empty() {
        return Err(ReportError::Invalid(errors));
    }
    Ok(day.unwrap_or(today))
}

/// The units the rows are: each scope root's children (the root itself if it has none, a
/// commune); the provinces for the whole country.
fn row_units(scope: &Scope) -> Vec<&'static domain::Unit> {
    let registry = Registry::of(STRUCTURE);
    if scope.is_everything() {
        return registry.provinces().collect();
    }
    let mut out = Vec::new();
    for root in scope.roots_in(STRUCTURE) {
        let code = root
            .as_str()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let Some(unit) = registry.get(code) else {
            continue;
        };
        let children: Vec<_> = registry.children(code).collect();
        if children.is_empty() {
            out.push(unit);
        } else {
            out.extend(children);
        }
    }
    out
}

/// The daily report of `me`'s scope for the day asked.
pub async fn daily_report(
    app: &App,
    me: &store::Caller,
    input: &ReportInput,
) -> Result<DailyReport, ReportError> {
    let now = app.now_s();
    let today = local_date(now);
    let day = parse_day(input, today)?;
    let at_s = now.min(day_end_s(day));
    let care = app.rules.care();
    let model = care.tier_model(None).ok_or(ReportError::NoTierModel)?;
    let tiers = model
        .tiers
        .iter()
        .map(|t| TierName {
            vi: t.name_vi.clone(),
            en: t.name_en.clone(),
        })
        .collect();
    // The dashboard's counts: the same call, for the total's scope and each row's subtree.
    let counts_of = |scope: Scope| async move {
        let c = app.store.case_counts(&scope, STRUCTURE, at_s).await?;
        let mut under_care = vec![0; model.tiers.len()];
        for (slug, n) in &c.active_by_severity {
            let severity: Severity = slug
                .parse()
                .map_err(|_| store::StoreError::Corrupt("case_tallies.severity".into()))?;
            if let Some(slot) = under_care.get_mut(model.tier_of(severity)) {
                *slot += n;
            }
        }
        Ok::<_, store::StoreError>(DayFigures {
            new_f0: c.new_today,
            under_care,
            f1_in_quarantine: c.f1_in_quarantine,
            deaths: c.died,
            ..DayFigures::default()
        })
    };
    let mut total = counts_of(me.scope.clone()).await?;
    let units = row_units(&me.scope);
    let mut rows = Vec::with_capacity(units.len());
    for unit in &units {
        let figures = counts_of(Scope::of([(STRUCTURE, unit.path.clone())])).await?;
        rows.push(UnitRow {
            code: unit.code.to_string(),
            name: unit.full_name(),
            figures,
        });
    }
    // Tests and doses of the day, and risk levels, by each level the rows are at.
    let mut levels: Vec<UnitLevel> = units.iter().map(|u| u.level).collect();
    levels.sort_by_key(|l| l.as_str());
    levels.dedup();
    let mut risk_week = None;
    for level in levels {
        let activity = app
            .store
            .day_activity_by_unit(&me.scope, STRUCTURE, level, day)
            .await?;
        let published = app
            .store
            .latest_published_levels(STRUCTURE, level, day)
            .await?;
        if let Some((week, _)) = &published {
            risk_week = risk_week.max(Some(*week));
        }
        for row in rows.iter_mut() {
            if let Some(a) = activity.iter().find(|a| a.unit_code == row.code) {
                row.figures.tests = a.tests;
                row.figures.doses = a.doses;
            }
            if let Some((_, published)) = &published {
                if let Some((_, level)) = published.iter().find(|(c, _)| *c == row.code) {
                    row.figures.risk_level = Some(*level);
                }
            }
        }
    }
    // The rows cover the scope, so its tests and doses are theirs summed; its risk level is
    // its own unit's when the scope is one unit.
    total.tests = rows.iter().map(|r| r.figures.tests).sum();
    total.doses = rows.iter().map(|r| r.figures.doses).sum();
    let roots: Vec<_> = me.scope.roots_in(STRUCTURE).collect();
    if let [root] = roots.as_slice() {
        let registry = Registry::of(STRUCTURE);
        let code = root
            .as_str()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if let Some(unit) = registry.get(code) {
            if let Some((_, published)) = app
                .store
                .latest_published_levels(STRUCTURE, unit.level, day)
                .await?
            {
                total.risk_level = published.iter().find(|(c, _)| c == code).map(|(_, l)| *l);
            }
        }
    }
    let clusters = crate::clusters::day_clusters(app, me, day).await?;
    Ok(DailyReport {
        day,
        at_s,
        today: day == today,
        tiers,
        rows,
        total,
        risk_week,
        clusters,
    })
}
