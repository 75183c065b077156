//! The national view (issue #17, "What travels" 5): each linked locality publishes its day's
//! figures, its published risk levels, its free beds by tier and its open needs; the
//! national instance (the Ministry, code [`NATIONAL_CODE`]) and the partners it sends to keep
//! the latest of each locality and show them as one table and map.
//!
//! **Who receives them.** [`App::publish_figures`] writes one `figures` message to each
//! locality of our registry that may send figures itself (a partner: partners exchange their
//! figures, so each sees the others' published levels) and to the national instance
//! ([`NATIONAL_CODE`]) when the registry knows it (it sends no figures of its own). A locality
//! the registry does not list, or lists without `figures`, gets none: the registry, which the
//! national setup gives, decides, as it decides who may send what.
//!
//! **Which figures.** The dashboard's, read the same way (the whole locality's database, the
//! 2021 structure, at the moment the dashboard reads for the day: now for today, the day's
//! last second for a past day; see `app::report`): new cases of the day, active, deaths,
//! recovered, F1 in quarantine, adults with a first dose; the levels of the latest week
//! published on or before the day, per commune and counted per level; beds by tier
//! (`BedType::tier`, tier 0 the F1 quarantine places), total, occupied and free now; the open
//! needs.
//!
//! **Superseding.** The record is `figures:<our code>`, one per locality, so each message
//! numbers on (`seq`): the receiver applies them in order, a repeat or an old message after a
//! newer one is stale (`store::link`), and of two days the later is kept even if the earlier
//! was published after it (`Store::put_linked_figures_in`). A locality publishes today's
//! figures from the hourly jobs (`jobs::start`): the national view is at most an hour old.
//!
//! The body is our own versioned JSON ([`FiguresBody`], `v` 1, documented in
//! docs/ARCHITECTURE.md); aggregate only, no person.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::{Scope, Structure, UnitLevel};
use link::{Envelope, Kind, LocalityCode, Registry};
use serde::{Deserialize, Serialize};
use store::{LinkTx, StoreError};

use crate::local_time::{day_end_s, local_date};
use crate::App;

/// The body version this code writes and reads.
pub const BODY_VERSION: u32 = 1;

/// The national instance's code in the registry (the Ministry / National Steering
/// Committee): it receives every locality's figures.
pub const NATIONAL_CODE: &str = "VN";

/// The tiers beds are counted by: 0 (F1 quarantine places), then treatment tiers 1–3.
pub const TIERS: usize = 4;

/// The levels of Resolution 128: 1 (new normal) to 4 (very high).
pub const LEVELS: usize = 4;

/// The figures (`kind` `figures`), version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiguresBody {
    pub v: u32,
    /// YYYY-MM-DD: the day the figures are of.
    pub day: String,
    /// Cases confirmed on the day (the dashboard's "new today").
    pub cases_new: i64,
    pub cases_active: i64,
    pub deaths: i64,
    pub recovered: i64,
    /// F1 in quarantine (the dashboard's figure).
    pub f1_under_follow_up: i64,
    /// Adults with at least one dose (the dashboard's coverage figure).
    pub vaccinated: i64,
    pub levels: PublishedLevels,
    /// One entry per tier 0..=3.
    pub beds: Vec<TierBeds>,
    pub needs: Vec<OpenNeed>,
}

/// The risk levels as published.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PublishedLevels {
    /// The last day (YYYY-MM-DD) of the latest week published on or before the day; none
    /// published yet: `None` and no units.
    pub week: Option<String>,
    /// Communes at level 1, 2, 3 and 4 (index 0 is level 1).
    pub counts: [i64; LEVELS],
    /// Commune code → level.
    pub units: BTreeMap<String, i64>,
}

impl PublishedLevels {
    /// The highest level any commune has (`None`: none published).
    pub fn worst(&self) -> Option<i64> {
        self.counts
            .iter()
            .rposition(|n| *n > 0)
            .map(|i| i as i64 + 1)
    }
}

/// Beds of one tier, now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TierBeds {
    /// 0: F1 quarantine places; 1–3: treatment tiers.
    pub tier: u8,
    pub total: i64,
    pub occupied: i64,
    pub free: i64,
}

/// An open need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenNeed {
    /// The item's slug (`data/aid_items`).
    pub item: String,
    pub quantity: i64,
    /// Its unit of measure.
    pub unit: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NationalError {
    /// This locality is not linked (`App::link` is `None`).
    #[error("this locality is not linked to others")]
    NotLinked,
    /// The body is not figures of a version this code reads (refused for good).
    #[error("malformed figures body: {0}")]
    Body(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NationalError {
    /// True when delivering the message again cannot help (see `ReferralError`).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, NationalError::Store(_))
    }
}

/// The record key of a locality's figures: `figures:<code>`.
pub fn record_key(me: &LocalityCode) -> String {
    format!("figures:{}", me.as_str())
}

/// Who our figures go to (see the module): the registry's localities that send figures
/// themselves, and the national instance.
pub fn recipients(registry: &Registry) -> Vec<LocalityCode> {
    registry
        .peers()
        .filter(|p| p.code != registry.me)
        .filter(|p| p.kinds.contains(&Kind::Figures) || p.code.as_str() == NATIONAL_CODE)
        .map(|p| p.code.clone())
        .collect()
}

/// This locality's figures of `day`, read as the dashboard reads them (see the module).
pub async fn figures_of(app: &App, day: NaiveDate) -> Result<FiguresBody, StoreError> {
    let structure = Structure::S2021;
    let everything = Scope::everything();
    let now = app.now_s();
    let at_s = now.min(day_end_s(day));
    let store = &app.store;
    let counts = store.case_counts(&everything, structure, at_s).await?;
    let coverage = store
        .coverage_by_unit(&everything, structure, UnitLevel::Province, day)
        .await?;
    let published = store
        .latest_published_levels(structure, UnitLevel::Commune, day)
        .await?;
    let beds = store
        .beds_by_unit(&everything, structure, UnitLevel::Province, at_s)
        .await?;
    // Our own needs only: a linked locality's need seen here is that locality's to publish.
    let needs: Vec<_> = store
        .open_needs(None)
        .await?
        .into_iter()
        .filter(|n| n.from_locality.is_none())
        .collect();

    let mut levels = PublishedLevels::default();
    if let Some((week, units)) = published {
        levels.week = Some(week.format("%Y-%m-%d").to_string());
        for (code, level) in units {
            if let Some(slot) = usize::try_from(level - 1)
                .ok()
                .and_then(|i| levels.counts.get_mut(i))
            {
                *slot += 1;
            }
            levels.units.insert(code, level);
        }
    }
    let mut tiers: Vec<TierBeds> = (0..TIERS as u8)
        .map(|tier| TierBeds {
            tier,
            ..TierBeds::default()
        })
        .collect();
    for b in &beds {
        if let Some(t) = tiers.get_mut(usize::from(b.bed_type.tier())) {
            t.total += b.capacity;
            t.occupied += b.occupied;
        }
    }
    for t in &mut tiers {
        // More occupied than listed (a capacity lowered under its patients): none free.
        t.free = (t.total - t.occupied).max(0);
    }
    Ok(FiguresBody {
        v: BODY_VERSION,
        day: day.format("%Y-%m-%d").to_string(),
        cases_new: counts.new_today,
        cases_active: counts.active,
        deaths: counts.died,
        recovered: counts.recovered,
        f1_under_follow_up: counts.f1_in_quarantine,
        vaccinated: coverage.iter().map(|c| c.adults_1dose).sum(),
        levels,
        beds: tiers,
        needs: needs
            .into_iter()
            .map(|n| OpenNeed {
                item: n.item,
                quantity: n.quantity,
                unit: n.unit,
            })
            .collect(),
    })
}

impl App {
    /// Publishes this locality's figures of `day` (see the module): one `figures` message to
    /// each recipient, written to the outbox in one transaction; the relay is woken. Returns
    /// how many messages were written (0: no recipient in the registry).
    pub async fn publish_figures(&self, day: NaiveDate) -> Result<usize, NationalError> {
        let setup = self.link.as_ref().ok_or(NationalError::NotLinked)?;
        let to = recipients(&setup.registry);
        if to.is_empty() {
            return Ok(0);
        }
        let body = figures_of(self, day).await?;
        let body = serde_json::to_value(&body).map_err(|e| NationalError::Body(e.to_string()))?;
        let record = record_key(&setup.me);
        let now = self.now_s();
        let mut tx = self.store.begin_transaction().await?;
        for peer in &to {
            self.store
                .enqueue_in(
                    &mut tx,
                    &setup.me,
                    peer,
                    Kind::Figures,
                    &record,
                    body.clone(),
                    now,
                    &setup.key,
                )
                .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        self.link_wake.notify_one();
        Ok(to.len())
    }

    /// [`App::publish_figures`] for today in the locality's time (the hourly job).
    pub async fn publish_todays_figures(&self) -> Result<usize, NationalError> {
        self.publish_figures(local_date(self.now_s())).await
    }
}

/// Applies a received `figures` message in the receiving transaction: the sender's latest
/// figures kept (an earlier day than those kept changes nothing).
pub async fn apply_figures_message(
    app: &App,
    tx: &mut LinkTx,
    env: &Envelope,
) -> Result<(), NationalError> {
    if env.kind != Kind::Figures {
        return Err(NationalError::Body(format!("kind {}", env.kind)));
    }
    let body: FiguresBody =
        serde_json::from_value(env.body.clone()).map_err(|e| NationalError::Body(e.to_string()))?;
    if body.v != BODY_VERSION {
        return Err(NationalError::Body(format!("version {}", body.v)));
    }
    NaiveDate::parse_from_str(&body.day, "%Y-%m-%d")
        .map_err(|_| NationalError::Body(format!("day {:?}", body.day)))?;
    let text = serde_json::to_string(&body).map_err(|e| NationalError::Body(e.to_string()))?;
    app.store
        .put_linked_figures_in(tx, env.from.as_str(), &body.day, &text, app.now_s())
        .await?;
    Ok(())
}

/// One locality's row of the national table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalityRow {
    pub code: String,
    /// The registry's name (the code if the registry has none).
    pub name: String,
    pub figures: FiguresBody,
    pub received_at_s: i64,
}

/// The sums of the rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    pub cases_new: i64,
    pub cases_active: i64,
    pub deaths: i64,
    pub recovered: i64,
    pub f1_under_follow_up: i64,
    pub vaccinated: i64,
    /// Free beds by tier 0..=3.
    pub beds_free: [i64; TIERS],
    /// Communes by level 1..=4.
    pub level_counts: [i64; LEVELS],
    /// Open needs (how many).
    pub open_needs: i64,
}

impl Totals {
    fn add(&mut self, f: &FiguresBody) {
        self.cases_new += f.cases_new;
        self.cases_active += f.cases_active;
        self.deaths += f.deaths;
        self.recovered += f.recovered;
        self.f1_under_follow_up += f.f1_under_follow_up;
        self.vaccinated += f.vaccinated;
        for b in &f.beds {
            if let Some(slot) = self.beds_free.get_mut(usize::from(b.tier)) {
                *slot += b.free;
            }
        }
        for (sum, n) in self.level_counts.iter_mut().zip(f.levels.counts) {
            *sum += n;
        }
        self.open_needs += f.needs.len() as i64;
    }
}

/// Free beds of one tier in a body (0 if it lists none).
pub fn beds_free(f: &FiguresBody, tier: u8) -> i64 {
    f.beds
        .iter()
        .filter(|b| b.tier == tier)
        .map(|b| b.free)
        .sum()
}

/// The national table: every linked locality's latest figures and their sums.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NationalView {
    pub rows: Vec<LocalityRow>,
    pub total: Totals,
}

/// The national view as this instance holds it (the figures received; our own are on our
/// dashboard). A kept body this code cannot read is left out and logged.
pub async fn national_view(app: &App) -> Result<NationalView, StoreError> {
    let kept = app.store.linked_figures().await?;
    let mut view = NationalView::default();
    for k in kept {
        let figures: FiguresBody = match serde_json::from_str(&k.body) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!("national view: figures of {} unreadable: {e}", k.locality);
                continue;
            }
        };
        let name = app
            .link
            .as_ref()
            .and_then(|s| {
                let code = LocalityCode::parse(&k.locality).ok()?;
                s.registry.get(&code).map(|p| p.name.clone())
            })
            // A province's code names it even when the registry does not.
            .or_else(|| {
                crate::registry::Registry::of(Structure::S2021)
                    .get(&k.locality)
                    .map(|u| u.full_name())
            })
            .unwrap_or_else(|| k.locality.clone());
        view.total.add(&figures);
        view.rows.push(LocalityRow {
            code: k.locality,
            name,
            figures,
            received_at_s: k.received_at_s,
        });
    }
    Ok(view)
}
