//! Identifiers of records taken in from FHIR Bundles (migration 0035): another system's
//! identifier of a person or case → our id, so that a Bundle taken in twice changes nothing.

use sqlx::Row;

use crate::{Result, Store, StoreError};

/// What an identifier names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifiedEntity {
    Person,
    Case,
    /// A facility, from its Location's or Organization's identifier (migration 0037).
    Facility,
    /// A stay, from its Encounter's identifier (migration 0037).
    Stay,
}

impl IdentifiedEntity {
    fn as_str(self) -> &'static str {
        match self {
            IdentifiedEntity::Person => "person",
            IdentifiedEntity::Case => "case",
            IdentifiedEntity::Facility => "facility",
            IdentifiedEntity::Stay => "stay",
        }
    }
}

/// Longest system URI or value kept: FHIR sets no limit, we do.
pub const IDENTIFIER_MAX_CHARS: usize = 256;

/// The `meta` key of this installation's id (`Store::installation_id`).
pub const INSTALLATION_ID_KEY: &str = "installation_id";

impl Store {
    /// This installation's id, under which FHIR names its own record ids
    /// (`https://chongdich.vn/fhir/sid/{id}/person`). Generated and stored the first time it
    /// is asked for, then never changed: a partner that stored our ids keeps finding them.
    /// Generated rather than configured because nothing names an installation yet and a
    /// configured code can be mistyped or reused by a test copy; a locality that wants its
    /// code (issue #17, linked systems) sets `meta.installation_id` before its first exchange.
    pub async fn installation_id(&self) -> Result<String> {
        if let Some(id) = self.meta(INSTALLATION_ID_KEY).await? {
            return Ok(id);
        }
        // Two processes starting at once: the first insert wins and both read it.
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(INSTALLATION_ID_KEY)
            .bind(generated_id())
            .execute(&self.pool)
            .await?;
        self.meta(INSTALLATION_ID_KEY)
            .await?
            .ok_or_else(|| StoreError::Corrupt("meta.installation_id not kept".into()))
    }

    /// Our id of the record an identifier was taken in for, if any. The caller checks
    /// scope when it reads the record.
    pub async fn identified(
        &self,
        entity: IdentifiedEntity,
        system: &str,
        value: &str,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT entity_id FROM fhir_identifiers
             WHERE entity = $1 AND system = $2 AND value = $3",
        )
        .bind(entity.as_str())
        .bind(system)
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?)
    }

    /// Remembers identifiers of a record; one already known is left as it is (the first
    /// record it named keeps it).
    pub async fn remember_identifiers(
        &self,
        entity: IdentifiedEntity,
        id: i64,
        identifiers: &[(String, String)],
        now_s: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (system, value) in identifiers {
            if system.chars().count() > IDENTIFIER_MAX_CHARS
                || value.chars().count() > IDENTIFIER_MAX_CHARS
            {
                continue;
            }
            sqlx::query(
                "INSERT INTO fhir_identifiers (system, value, entity, entity_id, created_at_s)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(system)
            .bind(value)
            .bind(entity.as_str())
            .bind(id)
            .bind(now_s)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// 64 random bits as 16 lowercase hex digits: `RandomState` is seeded from the operating
/// system's randomness, enough to tell installations apart without a dependency.
fn generated_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}
