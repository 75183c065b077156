//! The tracing engine's inputs, kept in memory beside the store: the venue-time index of
//! every check-in (updated as batches are stored), households, declared contacts and venue
//! kinds. The index is a cache; the database is the truth — it is rebuilt from the store at
//! start and on demand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use domain::epi::VenueKind;
use domain::policy::TracingRule;
use store::{Store, StoreError, VisitRow};
use trace::{Adjacency, Declared, DeclaredContact, Index, Live, Rules, Visit, MAX_VISIT_S};

/// Everything but the check-ins: rebuilt together when any of it changes.
pub struct Links {
    pub households: Adjacency,
    pub declared: Declared,
    /// Per venue, its kind's position in `VenueKind::ALL`.
    pub venue_kind: Vec<u8>,
    /// The engine's rules per legal document, built once: they copy `venue_kind` (one byte
    /// per venue), which a query must not pay for.
    rules: Mutex<HashMap<String, Arc<Rules>>>,
}

impl Links {
    fn new(households: Adjacency, declared: Declared, venue_kind: Vec<u8>) -> Links {
        Links {
            households,
            declared,
            venue_kind,
            rules: Mutex::new(HashMap::new()),
        }
    }

    /// The engine's rules under a tracing rule.
    pub fn rules(&self, rule: &TracingRule) -> Arc<Rules> {
        let mut cache = match self.rules.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        cache
            .entry(rule.document.clone())
            .or_insert_with(|| {
                Arc::new(Rules {
                    min_overlap_s: rule.min_overlap_min.value * 60,
                    min_overlap_by_kind: VenueKind::ALL
                        .iter()
                        .map(|k| rule.min_overlap_min(*k) * 60)
                        .collect(),
                    venue_kind: self.venue_kind.clone(),
                    f1_isolation_default_s: rule.f1_isolation_after_exposure_days.value * 86_400,
                    ..Rules::default()
                })
            })
            .clone()
    }
}

pub struct ContactIndex {
    live: Live,
    links: RwLock<Arc<Links>>,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("tracing index: {0}")]
    Trace(#[from] trace::TraceError),
}

/// A person's or venue's place in the index: database ids start at 1.
pub fn idx(id: i64) -> Option<u32> {
    u32::try_from(id - 1).ok()
}

pub fn id_of(idx: u32) -> i64 {
    i64::from(idx) + 1
}

/// A stored check-in as the engine takes it. A stay longer than the engine's bound (a
/// forgotten check-out) is cut to it rather than dropped. A row the engine cannot hold (a
/// time outside its range, a check-out before the check-in, an id out of range) is refused
/// with the engine's reason, so that one bad row is skipped and reported, never fatal.
fn visit(r: &VisitRow) -> Result<Visit, trace::TraceError> {
    let id32 = |id: i64| u32::try_from(id).unwrap_or(u32::MAX);
    let person = idx(r.person_id).ok_or(trace::TraceError::PersonOutOfRange {
        at: 0,
        person: id32(r.person_id),
        n_people: u32::MAX,
    })?;
    let venue = idx(r.venue_id).ok_or(trace::TraceError::VenueOutOfRange {
        at: 0,
        venue: id32(r.venue_id),
        n_venues: u32::MAX,
    })?;
    let v = Visit {
        person,
        venue,
        t_in_s: r.t_in_s,
        t_out_s: r.t_out_s.min(r.t_in_s.saturating_add(MAX_VISIT_S)),
    };
    // u32::MAX stays free, as the engine requires.
    trace::check_visit(&v, u32::MAX, u32::MAX)?;
    Ok(v)
}

/// Check-ins the index could not hold, reported rather than fatal.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub count: usize,
    /// The first few, with the engine's reason, for the log.
    pub examples: Vec<String>,
}

impl Skipped {
    const EXAMPLES: usize = 5;

    fn note(&mut self, r: &VisitRow, e: &trace::TraceError) {
        self.count += 1;
        if self.examples.len() < Self::EXAMPLES {
            self.examples.push(format!(
                "person {} at venue {} from {} to {}: {e}",
                r.person_id, r.venue_id, r.t_in_s, r.t_out_s
            ));
        }
    }

    fn log(&self, when: &str) {
        if self.count > 0 {
            tracing::warn!(
                "tracing index ({when}): skipped {} check-in(s) it cannot hold, e.g. {}",
                self.count,
                self.examples.join("; ")
            );
        }
    }
}

/// What a rebuild took in and what it skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    pub indexed: usize,
    pub skipped: Skipped,
}

impl ContactIndex {
    pub fn empty() -> ContactIndex {
        ContactIndex {
            live: Live::new(Index::default()),
            links: RwLock::new(Arc::new(Links::new(
                Adjacency::empty(),
                Declared::empty(),
                Vec::new(),
            ))),
        }
    }

    /// Reads every check-in and link from the store and swaps the new index in. A stored row
    /// the engine cannot hold is skipped, logged and counted in the answer: one bad row never
    /// stops the server from starting.
    pub async fn rebuild(&self, store: &Store) -> Result<Rebuilt, IndexError> {
        let (max_person, max_venue) = store.max_ids().await?;
        let mut visits = Vec::new();
        let mut skipped = Skipped::default();
        store
            .for_each_visit_page(200_000, |page| {
                for r in page {
                    match visit(r) {
                        Ok(v) => visits.push(v),
                        Err(e) => skipped.note(r, &e),
                    }
                }
                Ok(())
            })
            .await?;
        let n_people = u32::try_from(max_person).unwrap_or(u32::MAX);
        let n_venues = u32::try_from(max_venue).unwrap_or(u32::MAX);
        let index = Index::build(&visits, n_people, n_venues)?;
        let indexed = index.len();
        self.live.replace(index);
        self.reload_links(store).await?;
        skipped.log("rebuild");
        Ok(Rebuilt { indexed, skipped })
    }

    /// Rebuilds households, declared contacts and venue kinds (after one of them changed).
    pub async fn reload_links(&self, store: &Store) -> Result<(), IndexError> {
        let (max_person, _) = store.max_ids().await?;
        let n_people = u32::try_from(max_person).unwrap_or(u32::MAX);
        let mut groups: Vec<Vec<u32>> = Vec::new();
        let mut current = None;
        for (person, household) in store.household_members().await? {
            let Some(p) = idx(person) else { continue };
            if current != Some(household) {
                groups.push(Vec::new());
                current = Some(household);
            }
            if let Some(g) = groups.last_mut() {
                g.push(p);
            }
        }
        // A "household" larger than the engine's bound is an institution; it is not traced
        // as one household.
        groups.retain(|g| g.len() <= trace::MAX_GROUP);
        let households = Adjacency::from_groups(n_people, &groups)?;
        let declared_rows: Vec<DeclaredContact> = store
            .declared_contacts()
            .await?
            .iter()
            .filter_map(|d| {
                Some(DeclaredContact {
                    a: idx(d.person_id)?,
                    b: idx(d.contact_id)?,
                    t_s: d.at_s,
                    // The engine carries the setting as one byte (`ContactSetting::code`).
                    setting: d.setting.code(),
                })
            })
            .collect();
        let declared = Declared::from_contacts(n_people, &declared_rows)?;
        let mut venue_kind = Vec::new();
        for (id, kind) in store.venue_kinds().await? {
            let Some(v) = idx(id) else { continue };
            let v = v as usize;
            if venue_kind.len() <= v {
                venue_kind.resize(v + 1, 0);
            }
            venue_kind[v] = kind_code(kind);
        }
        let links = Arc::new(Links::new(households, declared, venue_kind));
        match self.links.write() {
            Ok(mut guard) => *guard = links,
            Err(poisoned) => *poisoned.into_inner() = links,
        }
        Ok(())
    }

    /// Adds check-ins that were just stored; a row the engine cannot hold is skipped and
    /// logged, and the rest of its batch is still added. Returns what was skipped.
    pub fn add(&self, rows: &[VisitRow]) -> Result<Skipped, IndexError> {
        let mut skipped = Skipped::default();
        let mut visits = Vec::with_capacity(rows.len());
        for r in rows {
            match visit(r) {
                Ok(v) => visits.push(v),
                Err(e) => skipped.note(r, &e),
            }
        }
        if !visits.is_empty() {
            self.live.add(&visits)?;
        }
        skipped.log("new check-ins");
        Ok(skipped)
    }

    /// Makes `from`'s check-ins `to`'s (a merged duplicate), in memory.
    pub fn move_person(&self, from: u32, to: u32) -> Result<(), IndexError> {
        self.live.move_person(from, to)?;
        Ok(())
    }

    pub fn snapshot(&self) -> (Arc<Index>, Arc<Links>) {
        let links = match self.links.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        (self.live.snapshot(), links)
    }
}

pub fn kind_code(kind: VenueKind) -> u8 {
    VenueKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(person_id: i64, t_in_s: i64) -> VisitRow {
        VisitRow {
            person_id,
            venue_id: 1,
            t_in_s,
            t_out_s: t_in_s + 3600,
        }
    }

    #[test]
    fn a_row_the_index_cannot_hold_is_skipped_and_the_rest_of_its_batch_kept() {
        let index = ContactIndex::empty();
        let t = 1_636_502_400; // 2021-11-10
        let skipped = index
            .add(&[
                row(1, t),
                row(2, -2_208_988_800), // 1900-01-01
                row(3, t + 600),
                row(0, t),             // no such person id
                row(4, 5_000_000_000), // past 2100
            ])
            .unwrap();
        assert_eq!(skipped.count, 3);
        assert_eq!(skipped.examples.len(), 3);
        assert!(skipped.examples[0].contains("-2208988800"));
        let (snapshot, _) = index.snapshot();
        assert_eq!(snapshot.len(), 2);
    }
}
