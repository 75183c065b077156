//! Concurrent writers that collide: which input field a unique constraint guards (so that a
//! refused write answers 409 naming it, never 500), and re-running a transaction that
//! PostgreSQL aborted because of another one (SQLite's one connection runs them in turn).

use std::future::Future;

use crate::{Result, StoreError};

/// Unique constraints and the input field each guards, in one table. PostgreSQL names the
/// constraint; SQLite names its columns (`UNIQUE constraint failed: t.a, t.b`).
const UNIQUE_FIELDS: &[(&str, &str, &str)] = &[
    (
        "vaccinations_by_person",
        "vaccinations.person_id, vaccinations.dose_no",
        "dose_no",
    ),
    ("vaccinations_by_client", "vaccinations.client_id", "id"),
    (
        "checkins_by_client",
        "checkins.submitted_by, checkins.client_id",
        "id",
    ),
    (
        "unresolved_by_client",
        "unresolved_checkins.submitted_by, unresolved_checkins.client_id",
        "id",
    ),
    // One open stay per person: a second admission of the same case or contact.
    ("stays_open_by_person", "stays.person_id", "case_id"),
    (
        "contacts_case_id_person_id_key",
        "contacts.case_id, contacts.person_id",
        "person_id",
    ),
    ("users_username_key", "users.username", "username"),
    ("venues_qr_payload_key", "venues.qr_payload", "qr_payload"),
    (
        "relief_packages_round_id_household_id_key",
        "relief_packages.round_id, relief_packages.household_id",
        "household_id",
    ),
];

/// How many times a transaction runs before its conflict is answered (409).
const ATTEMPTS: u32 = 5;

impl StoreError {
    /// The input field whose value a unique constraint refused (another row already holds
    /// it), or None when this is not a unique violation. A constraint missing from the
    /// table answers `id`.
    pub fn unique_field(&self) -> Option<&'static str> {
        let StoreError::Db(sqlx::Error::Database(e)) = self else {
            return None;
        };
        if !e.is_unique_violation() {
            return None;
        }
        let message = e.message();
        let field = UNIQUE_FIELDS.iter().find(|(constraint, columns, _)| {
            e.constraint() == Some(*constraint) || message.ends_with(&format!("failed: {columns}"))
        });
        Some(field.map_or("id", |(_, _, f)| *f))
    }

    /// PostgreSQL aborted the transaction for another one: a serialization failure
    /// (`40001`) or a deadlock (`40P01`). Running it again is safe: nothing was written.
    pub fn is_serialization_failure(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(e))
            if matches!(e.code().as_deref(), Some("40001" | "40P01")))
    }
}

/// Runs `attempt` (one whole transaction) again, a bounded number of times, when it lost to
/// a concurrent transaction: a serialization failure, a deadlock, or a unique violation.
/// Only wrap transactions that check before they write: the re-run then sees the winner's
/// committed row and answers as a request made after it (a duplicate, a merged record),
/// so racing and sequential requests get the same answer. What still conflicts after the
/// last attempt is returned as is (the edge answers 409).
pub async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(e)
                if tries < ATTEMPTS
                    && (e.is_serialization_failure() || e.unique_field().is_some()) =>
            {
                tries += 1;
            }
            done => return done,
        }
    }
}
