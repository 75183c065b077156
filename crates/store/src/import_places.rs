//! Imports of places and visits (issue #16, item 1): venue lists a district kept, and
//! check-ins exported by another system. Each commit writes the `imports` record and its
//! rows in one transaction through the same writes as the venue form (`create_venue_in`)
//! and the check-in batch (`ingest_checkins_in`), or nothing; the (kind, sha256) key makes
//! a second commit of the same file change nothing (`import_kinds.rs`).

use sqlx::Row;

use domain::{FieldError, PersonId, Structure, UnitCode, VenueId};

use crate::checkins::{CheckinItem, ItemOutcome, BATCH_MAX};
use crate::contacts::VisitRow;
use crate::imports::{ImportCommit, NewImport};
use crate::users::Caller;
use crate::venues::{NewVenue, Venue};
use crate::{Result, Store, StoreError};

/// `rows.N.field` for the N-th row written, as the other kinds name a row's refusal.
fn row_error(n: usize, e: FieldError) -> FieldError {
    FieldError::new(format!("rows.{n}.{}", e.field), e.reason)
}

impl Store {
    /// The venues of this commune with this name, compared folded as the venue search
    /// compares names ("Chợ Hàng Da" is "cho hang da"); at most two, enough to tell one from
    /// several.
    pub async fn venues_named(
        &self,
        structure: Structure,
        unit_code: &UnitCode,
        name: &str,
    ) -> Result<Vec<VenueId>> {
        let rows = sqlx::query(
            "SELECT id FROM venues WHERE structure = $1 AND unit_code = $2 AND name_folded = $3
              ORDER BY id LIMIT 2",
        )
        .bind(structure.as_str())
        .bind(unit_code.as_str())
        .bind(domain::text::fold_diacritics(name.trim()))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(|r| Ok(VenueId(r.try_get(0)?))).collect()
    }

    /// A venue by its id or the code of its QR poster, whatever the caller's scope (a
    /// venue is not personal data; the caller's jurisdiction is checked by who writes).
    pub async fn venue_by_code(&self, code: &str) -> Result<Option<Venue>> {
        let code = code.trim();
        let id = match code.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => sqlx::query("SELECT id FROM venues WHERE qr_payload = $1")
                .bind(code)
                .fetch_optional(&self.reader)
                .await?
                .map(|r| r.try_get::<i64, _>(0))
                .transpose()?,
        };
        match id {
            Some(id) => {
                self.get_venue(&domain::Scope::everything(), VenueId(id))
                    .await
            }
            None => Ok(None),
        }
    }

    /// Whether the person has a check-in at this venue entering at `t_in_s` (from this or
    /// another import, or a scanner).
    pub async fn has_checkin(&self, person: PersonId, venue: VenueId, t_in_s: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM checkins WHERE person_id = $1 AND t_in_s = $2 AND venue_id = $3 LIMIT 1",
        )
        .bind(person.0)
        .bind(t_in_s)
        .bind(venue.0)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.is_some())
    }

    /// Records a venue list's import and its venues in one transaction, through the venue
    /// form's write (scope, QR payload, audit), or nothing: a venue the store refuses is
    /// named `rows.N.field` (`Invalid`). Answers the venues written.
    pub async fn commit_venue_import(
        &self,
        caller: &Caller,
        import: &NewImport<'_>,
        venues: &[NewVenue],
        now_s: i64,
    ) -> Result<(ImportCommit, Vec<Venue>)> {
        if let Some(done) = self.import_by_hash(import.kind, import.sha256).await? {
            return Ok((ImportCommit::AlreadyImported(done), Vec::new()));
        }
        let mut tx = self.pool.begin().await?;
        let Some(record) = self
            .insert_import_in(&mut tx, caller, import, now_s)
            .await?
        else {
            drop(tx);
            return Ok((self.taken(import).await?, Vec::new()));
        };
        let mut errors = Vec::new();
        let mut written = Vec::with_capacity(venues.len());
        for (n, v) in venues.iter().enumerate() {
            match self.create_venue_in(&mut tx, caller, v, now_s).await {
                Ok(venue) => written.push(venue),
                Err(StoreError::Invalid(e)) => {
                    errors.extend(e.into_iter().map(|e| row_error(n, e)))
                }
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        tx.commit().await?;
        Ok((
            ImportCommit::Done {
                record,
                created: Vec::new(),
            },
            written,
        ))
    }

    /// Records a check-in list's import and its check-ins in one transaction, through the
    /// check-in batch's writes (persons and venues looked up, the venue in the caller's
    /// scope, the default stay for a missing exit, one audit row per batch), or nothing: a
    /// check-in the store refuses is named `rows.N.field` (`Invalid`). Answers the visits
    /// stored, for the tracing index.
    pub async fn commit_checkin_import(
        &self,
        caller: &Caller,
        import: &NewImport<'_>,
        items: &[CheckinItem],
        default_stay_s: impl Fn(i64) -> i64,
        now_s: i64,
    ) -> Result<(ImportCommit, Vec<VisitRow>)> {
        if let Some(done) = self.import_by_hash(import.kind, import.sha256).await? {
            return Ok((ImportCommit::AlreadyImported(done), Vec::new()));
        }
        let mut tx = self.pool.begin().await?;
        let Some(record) = self
            .insert_import_in(&mut tx, caller, import, now_s)
            .await?
        else {
            drop(tx);
            return Ok((self.taken(import).await?, Vec::new()));
        };
        let mut errors = Vec::new();
        let mut stored = Vec::new();
        for (b, chunk) in items.chunks(BATCH_MAX).enumerate() {
            let done = self
                .ingest_checkins_in(&mut tx, caller, chunk, &default_stay_s, now_s)
                .await?;
            for (i, o) in done.outcomes.into_iter().enumerate() {
                if let ItemOutcome::Rejected(e) = o {
                    errors.extend(e.into_iter().map(|e| row_error(b * BATCH_MAX + i, e)));
                }
            }
            stored.extend(done.stored);
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        tx.commit().await?;
        Ok((
            ImportCommit::Done {
                record,
                created: Vec::new(),
            },
            stored,
        ))
    }
}
