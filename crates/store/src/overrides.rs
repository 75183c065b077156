//! Stored policy overrides: a locality's corrections of values in `data/policies`.

use domain::policy::Status;
use sqlx::Row;

use crate::{Result, Store};

/// One stored override, as `domain::overrides::OverrideRecord` with its file's name, the
/// user's name and a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOverride {
    pub id: i64,
    /// `risk_levels.toml` or `care.toml`.
    pub file: String,
    pub document: String,
    pub key: String,
    pub old_value: String,
    /// The status the replaced value had (the policy item's).
    pub old_status: Status,
    pub new_value: String,
    pub note: Option<String>,
    pub by_user: i64,
    pub by_username: String,
    pub at_s: i64,
}

impl Store {
    /// Records an override the domain accepted.
    pub async fn add_policy_override(
        &self,
        rec: &domain::overrides::OverrideRecord,
        note: Option<&str>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO policy_overrides
               (file, document, key, old_value, old_status, new_value, note, by_user, at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(rec.file)
        .bind(&rec.document)
        .bind(&rec.key)
        .bind(&rec.old_value)
        .bind(rec.old_status.as_str())
        .bind(&rec.new_value)
        .bind(note)
        .bind(rec.by.0)
        .bind(rec.at_s)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Every override, oldest first: the order they apply in.
    pub async fn policy_overrides(&self) -> Result<Vec<StoredOverride>> {
        sqlx::query(
            "SELECT o.id, o.file, o.document, o.key, o.old_value, o.old_status, o.new_value,
                    o.note, o.by_user, u.username, o.at_s
             FROM policy_overrides o JOIN users u ON u.id = o.by_user ORDER BY o.id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(StoredOverride {
                id: r.try_get(0)?,
                file: r.try_get(1)?,
                document: r.try_get(2)?,
                key: r.try_get(3)?,
                old_value: r.try_get(4)?,
                old_status: crate::typed::slug(r, 5, "policy_overrides.old_status")?,
                new_value: r.try_get(6)?,
                note: r.try_get(7)?,
                by_user: r.try_get(8)?,
                by_username: r.try_get(9)?,
                at_s: r.try_get(10)?,
            })
        })
        .collect()
    }
}
