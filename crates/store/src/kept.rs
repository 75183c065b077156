//! Values kept between requests, so that what is read on every request (the signed-in
//! caller, the dashboard's figures) is computed once per change rather than once per
//! request (issue #12, load).
//!
//! A kept value is good while no change of what it depends on has been made in this
//! process since it was computed ([`Changes`]: the owner counts them) and for at most
//! [`STALE_AFTER`], which bounds how late a change made by another process (a CLI command,
//! another server on the same PostgreSQL) shows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a kept value may be served when nothing changed through this server.
pub const STALE_AFTER: Duration = Duration::from_secs(5);

/// Values kept at once: one per scope a user has; past this all are dropped and computed
/// again as asked (a bound on memory, not a cache policy).
const ENTRIES_MAX: usize = 4096;

/// The count of changes made through this server.
#[derive(Debug, Default)]
pub struct Changes(AtomicU64);

impl Changes {
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// After a change committed: values computed before it are no longer served.
    pub fn made(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// Values by key, each with the change count it was computed under.
pub struct Kept<V> {
    stale_after: Duration,
    entries: Mutex<HashMap<String, Entry<V>>>,
    /// One computation per key at a time: requests arriving meanwhile wait for its value
    /// rather than start their own (32 clients at once would otherwise compute 32 times).
    computing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

struct Entry<V> {
    changes: u64,
    at: Instant,
    value: V,
}

impl<V: Clone> Kept<V> {
    pub fn new(stale_after: Duration) -> Kept<V> {
        Kept {
            stale_after,
            entries: Mutex::default(),
            computing: Mutex::default(),
        }
    }

    /// The value kept under `key`, or `compute`d (once, however many ask at the same time)
    /// and kept if it says so (`Some((value, keep))`). `None` from `compute` is passed on.
    pub async fn get_or_compute<F, Fut>(
        &self,
        key: String,
        changes: &Changes,
        compute: F,
    ) -> Option<V>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Option<(V, bool)>>,
    {
        if let Some(v) = self.get(&key, changes.now()) {
            return Some(v);
        }
        let lock = {
            let mut computing = self.computing.lock().ok()?;
            if computing.len() >= ENTRIES_MAX && !computing.contains_key(&key) {
                computing.retain(|_, l| Arc::strong_count(l) > 1);
            }
            computing.entry(key.clone()).or_default().clone()
        };
        let _one = lock.lock().await;
        // Read before computing: a change made meanwhile makes the value stale at once.
        let at = changes.now();
        if let Some(v) = self.get(&key, at) {
            return Some(v);
        }
        let (value, keep) = compute().await?;
        if keep {
            self.put(key, at, value.clone());
        }
        Some(value)
    }

    /// The value kept under `key`, if computed at change count `changes` and recently.
    pub fn get(&self, key: &str, changes: u64) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|e| e.changes == changes && e.at.elapsed() < self.stale_after)
            .map(|e| e.value.clone())
    }

    /// Keeps `value`, computed from a read that began at change count `changes` (read
    /// before computing: a change made meanwhile then makes it stale at once).
    pub fn put(&self, key: String, changes: u64, value: V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= ENTRIES_MAX && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                changes,
                at: Instant::now(),
                value,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_served_until_a_change_or_its_age() {
        let changes = Changes::default();
        let kept = Kept::new(Duration::from_millis(200));
        let at = changes.now();
        kept.put("a".into(), at, 1);
        assert_eq!(kept.get("a", changes.now()), Some(1));
        assert_eq!(kept.get("b", changes.now()), None);
        changes.made();
        assert_eq!(kept.get("a", changes.now()), None, "a change here ends it");
        kept.put("a".into(), changes.now(), 2);
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(kept.get("a", changes.now()), None, "age ends it");
    }

    #[test]
    fn a_value_computed_across_a_change_is_not_served() {
        let changes = Changes::default();
        let kept = Kept::new(STALE_AFTER);
        let began = changes.now();
        changes.made(); // a write lands while the value is computed
        kept.put("a".into(), began, 1);
        assert_eq!(kept.get("a", changes.now()), None);
    }

    #[tokio::test]
    async fn requests_at_once_compute_once() {
        let changes = Arc::new(Changes::default());
        let kept = Arc::new(Kept::new(STALE_AFTER));
        let runs = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (kept, changes, runs) = (kept.clone(), changes.clone(), runs.clone());
                tokio::spawn(async move {
                    kept.get_or_compute("a".into(), &changes, || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Some((7, true))
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.ok().flatten(), Some(7));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn memory_is_bounded() {
        let kept = Kept::new(STALE_AFTER);
        for i in 0..(ENTRIES_MAX + 10) {
            kept.put(i.to_string(), 0, i);
        }
        let kept_now = kept.entries.lock().expect("not poisoned").len();
        assert!(kept_now > 0 && kept_now <= ENTRIES_MAX, "{kept_now}");
    }
}
