//! The recent cases that tracing and clusters read on every request (a case's F1 list, the
//! dashboard, the clusters pages), kept in memory while their version is unchanged.
//!
//! Reading some thousands of cases from the database for each such request cost more than
//! the rest of the request together (issue #12, load): now a request reads one number,
//! `data_versions.cases`, and reloads only after a change. Every transaction that writes
//! cases calls [`bump`] as its last statement, so the number moves with each commit,
//! whichever process made it.

use std::sync::{Arc, Mutex};

use sqlx::Row;

use domain::{CaseId, UnitPath};

use crate::{CaseTimes, Result, Store, StoreError};

/// The `data_versions` row of cases.
pub(crate) const CASES: &str = "cases";

/// How far before an already kept start a request may reach and still widen the copy
/// (rather than replace it): requests for 28 or 29 days and a trace's 30 days before an
/// infectious period then share one copy instead of reloading in turn.
const WIDEN_S: i64 = 14 * 86_400;

/// Adds one to the version of `name`: the last statement of a transaction that changed
/// such records, so that the row's lock is held only while it commits.
pub(crate) async fn bump(conn: &mut sqlx::AnyConnection, name: &str) -> Result<()> {
    sqlx::query("UPDATE data_versions SET n = n + 1 WHERE name = $1")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// Cases confirmed at or after a time, in id order; cheap to clone.
#[derive(Debug, Clone)]
pub struct RecentCases {
    rows: Arc<Vec<CaseTimes>>,
    since_s: i64,
}

impl RecentCases {
    pub fn iter(&self) -> impl Iterator<Item = &CaseTimes> + '_ {
        self.rows
            .iter()
            .filter(move |c| c.confirmed_at_s >= self.since_s)
    }

    pub fn to_vec(&self) -> Vec<CaseTimes> {
        self.iter().cloned().collect()
    }
}

/// The copy kept between requests.
#[derive(Default)]
pub(crate) struct Memo {
    kept: Mutex<Option<Kept>>,
}

struct Kept {
    version: i64,
    since_s: i64,
    rows: Arc<Vec<CaseTimes>>,
}

impl Store {
    /// The cases confirmed at or after `since_s` with the fields tracing needs, in id order.
    pub async fn cases_since(&self, since_s: i64) -> Result<RecentCases> {
        let mut conn = self.reader.acquire().await?;
        // The version is read before the cases: the copy is then at least as new as the
        // number it is kept under, never older.
        let version: i64 = sqlx::query("SELECT n FROM data_versions WHERE name = $1")
            .bind(CASES)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let load_from = {
            let kept = self.recent_cases.kept.lock().map_err(|_| poisoned())?;
            match kept.as_ref() {
                Some(k) if k.version == version && k.since_s <= since_s => {
                    return Ok(RecentCases {
                        rows: k.rows.clone(),
                        since_s,
                    })
                }
                Some(k) if k.since_s < since_s && since_s - k.since_s <= WIDEN_S => k.since_s,
                _ => since_s,
            }
        };
        let rows = sqlx::query(
            "SELECT id, person_id, onset_s, first_sample_s, confirmed_at_s, isolation_s, structure, unit_path
             FROM cases WHERE confirmed_at_s >= $1 ORDER BY id",
        )
        .bind(load_from)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let structure: String = r.try_get(6)?;
            let path: String = r.try_get(7)?;
            Ok(CaseTimes {
                id: CaseId(r.try_get(0)?),
                person_id: r.try_get(1)?,
                onset_s: r.try_get(2)?,
                first_sample_s: r.try_get(3)?,
                confirmed_at_s: r.try_get(4)?,
                isolation_s: r.try_get(5)?,
                structure: structure
                    .parse()
                    .map_err(|_| StoreError::Corrupt("cases.structure".into()))?,
                unit_path: UnitPath::from_stored(&path)
                    .ok_or_else(|| StoreError::Corrupt("cases.unit_path".into()))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let rows = Arc::new(rows);
        if let Ok(mut kept) = self.recent_cases.kept.lock() {
            // A slower load of an older version never replaces a newer copy.
            if kept.as_ref().is_none_or(|k| k.version <= version) {
                *kept = Some(Kept {
                    version,
                    since_s: load_from,
                    rows: rows.clone(),
                });
            }
        }
        Ok(RecentCases { rows, since_s })
    }
}

fn poisoned() -> StoreError {
    StoreError::Corrupt("the kept recent cases (a thread panicked holding them)".into())
}
