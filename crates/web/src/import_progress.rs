//! How far the import pages' long work has gone (issue #16, big files): the preview and the
//! commit of an uploaded file judge every row, a minute for a million. While a page's
//! request runs, its handler tells how many rows are done here, and the page polls
//! `GET /api/v1/imports/uploads/{id}/progress` to move its bar. Keyed by the account and
//! the upload, so an account reads only its own; an entry lives as long as its request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// What is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The preview: rows judged, nothing written.
    Checking,
    /// The commit: rows judged and written as they go.
    Writing,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Checking => "checking",
            Phase::Writing => "writing",
        }
    }
}

/// Rows done of the file's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Told {
    pub phase: Phase,
    pub done: usize,
    pub total: usize,
}

/// (account, upload) → how far.
type Key = (i64, i64);

/// The import work under way in this process.
#[derive(Debug, Default)]
pub struct ImportProgress(Mutex<HashMap<Key, Told>>);

impl ImportProgress {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<Key, Told>) -> R) -> R {
        // A panic elsewhere mid-update leaves a count, not a broken map: go on with it.
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut map)
    }

    /// How far the account's work on the upload has gone; None when none is under way.
    pub fn get(&self, user: i64, upload: i64) -> Option<Told> {
        self.with(|m| m.get(&(user, upload)).copied())
    }

    /// Begins telling: the entry is there until the returned guard is dropped (the
    /// request's end, however it ends).
    pub fn begin(self: &Arc<Self>, user: i64, upload: i64, phase: Phase) -> Telling {
        self.with(|m| {
            m.insert(
                (user, upload),
                Told {
                    phase,
                    done: 0,
                    total: 0,
                },
            )
        });
        Telling {
            progress: self.clone(),
            key: (user, upload),
            phase,
        }
    }
}

/// One request's telling (see [`ImportProgress::begin`]).
#[derive(Debug)]
pub struct Telling {
    progress: Arc<ImportProgress>,
    key: Key,
    phase: Phase,
}

impl Telling {
    /// `app::import::Progress`'s feed: rows done of the total.
    pub fn tell(&self, done: usize, total: usize) {
        let phase = self.phase;
        self.progress.with(|m| {
            m.insert(self.key, Told { phase, done, total });
        });
    }
}

impl Drop for Telling {
    fn drop(&mut self) {
        self.progress.with(|m| m.remove(&self.key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_lives_as_long_as_its_request() {
        let p = Arc::new(ImportProgress::default());
        {
            let t = p.begin(7, 3, Phase::Writing);
            t.tell(1_000, 5_000);
            assert_eq!(
                p.get(7, 3),
                Some(Told {
                    phase: Phase::Writing,
                    done: 1_000,
                    total: 5_000
                })
            );
            // Another account's request for the same upload id reads nothing.
            assert_eq!(p.get(8, 3), None);
        }
        assert_eq!(p.get(7, 3), None);
    }
}
