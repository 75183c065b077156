//! Persons: merging a duplicate record into the one kept, with the tracing index following.

use domain::PersonId;
use store::{Caller, Merged, StoreError};

use crate::contact_index::idx;
use crate::App;

impl App {
    /// Merges the duplicate `from` into `into` (cases, tests, check-ins, doses and contacts
    /// move; the duplicate stays, marked). The tracing index follows at once: `from`'s
    /// check-ins become `into`'s in memory (only the index levels holding them are re-sorted;
    /// no check-in is read again from the database), and households and declared contacts
    /// are reloaded. `recorded_at_s` is the wall-clock time of the request.
    pub async fn merge_persons(
        &self,
        caller: &Caller,
        from: PersonId,
        into: PersonId,
        recorded_at_s: i64,
    ) -> Result<Merged, StoreError> {
        let merged = self
            .store
            .merge_persons(caller, from, into, recorded_at_s)
            .await?;
        // The merge is committed: an index that failed to follow is repaired by the next
        // rebuild (start-up), and said so in the log.
        match (idx(from.0), idx(into.0)) {
            (Some(a), Some(b)) => {
                if let Err(e) = self.contacts.move_person(a, b) {
                    tracing::error!("tracing index: moving {from}'s check-ins to {into}: {e}");
                }
            }
            _ => tracing::error!("tracing index: persons {from} or {into} out of its range"),
        }
        if let Err(e) = self.contacts.reload_links(&self.store).await {
            tracing::error!("tracing index: reloading households after a merge: {e}");
        }
        Ok(merged)
    }
}
