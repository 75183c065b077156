//! The index as the server holds it: a current snapshot that readers take, and one writer
//! that replaces it as check-ins arrive.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::{Index, TraceError, Visit};

/// Readers take an `Arc<Index>` and query it for as long as they like; a writer builds the
/// next snapshot outside any lock readers touch and only swaps a pointer, so a reader waits
/// at most for that swap, never for a build. Writers queue behind one another.
///
/// An addition usually costs a small sort (a millisecond for a thousand check-ins); the one
/// that cascades into the largest level rebuilds it (seconds at 50 M check-ins), which
/// happens once per quarter of the index added. Readers keep using the old snapshot meanwhile.
#[derive(Debug, Default)]
pub struct Live {
    current: RwLock<Arc<Index>>,
    writer: Mutex<()>,
}

impl Live {
    pub fn new(index: Index) -> Live {
        Live {
            current: RwLock::new(Arc::new(index)),
            writer: Mutex::new(()),
        }
    }

    /// The current snapshot; later additions do not change it.
    pub fn snapshot(&self) -> Arc<Index> {
        // The lock only guards a pointer swap, which cannot leave it half done, so a panic
        // elsewhere while it was held does not make the snapshot unusable.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Adds check-ins; on error nothing changes.
    pub fn add(&self, visits: &[Visit]) -> Result<(), TraceError> {
        let _one_writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let next = Arc::new(self.snapshot().with_added(visits)?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = next;
        Ok(())
    }

    /// Makes `from`'s check-ins `to`'s (`Index::with_person_moved`); additions made
    /// meanwhile are kept, as writers queue. On error nothing changes.
    pub fn move_person(
        &self,
        from: crate::PersonIdx,
        to: crate::PersonIdx,
    ) -> Result<(), TraceError> {
        let _one_writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let next = Arc::new(self.snapshot().with_person_moved(from, to)?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = next;
        Ok(())
    }

    /// Replaces the whole index (e.g. after a rebuild from the database).
    pub fn replace(&self, index: Index) {
        let _one_writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(index);
    }
}
