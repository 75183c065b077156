//! Citizens' own check-ins (issue #18): the server's secret for signed tokens, the devices
//! that registered (their key's hash and person), a person's own visits, and check-out.
//! Every write is audited under the actor [`CITIZEN_ACTOR`] (no user account).

use domain::citizen_token::Secret;
use sqlx::Row;

use crate::audit::{AuditAction, AuditEntry};
use crate::{Result, Store, StoreError};

/// The `meta` key of the citizen token secret.
pub const CITIZEN_KEY: &str = "citizen_key";
/// Who a citizen's writes are audited as.
pub const CITIZEN_ACTOR: &str = "citizen";

/// One visit of a person, as their own device shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenVisit {
    pub checkin_id: i64,
    pub venue_id: i64,
    pub venue_name: String,
    pub t_in_s: i64,
    pub t_out_s: i64,
    /// The exit is the policy's default stay, not a check-out.
    pub t_out_default: bool,
}

impl Store {
    /// The secret signing venue and personal tokens: made the first time it is asked for
    /// (as [`Store::link_key`]), then never changed, so printed posters stay valid.
    pub async fn citizen_key(&self) -> Result<Secret> {
        let corrupt = || StoreError::Corrupt("meta.citizen_key".into());
        if let Some(k) = self.meta(CITIZEN_KEY).await? {
            return Secret::from_base64(&k).ok_or_else(corrupt);
        }
        // Two processes starting at once: the first insert wins and both read it.
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(CITIZEN_KEY)
            .bind(Secret::generate().to_base64())
            .execute(&self.pool)
            .await?;
        let k = self.meta(CITIZEN_KEY).await?.ok_or_else(corrupt)?;
        Secret::from_base64(&k).ok_or_else(corrupt)
    }

    /// The person of a device, by the SHA-256 (hex) of its key.
    pub async fn citizen_device_person(&self, key_hash: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT person_id FROM citizen_devices WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Records a new device of `person_id`, audited.
    pub async fn add_citizen_device(
        &self,
        key_hash: &str,
        person_id: i64,
        now_s: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO citizen_devices (key_hash, person_id, created_at_s) VALUES ($1, $2, $3)",
        )
        .bind(key_hash)
        .bind(person_id)
        .bind(now_s)
        .execute(&mut *tx)
        .await?;
        crate::audit::append(
            &mut tx,
            self.dialect,
            [citizen_audit(
                AuditAction::Create,
                "citizen_device",
                person_id,
                "device registered at a venue poster".into(),
            )],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The person a citizen's registration names (`exposures::person_by_keys`: national ID,
    /// else phone, folded name and year of birth; the oldest live record).
    pub async fn citizen_match_person(
        &self,
        national_id: Option<&str>,
        phone: &str,
        full_name: &str,
        birth_year: i32,
    ) -> Result<Option<i64>> {
        let mut conn = self.pool.acquire().await?;
        let found = crate::exposures::person_by_keys(
            &mut conn,
            national_id,
            Some(phone),
            full_name,
            birth_year,
        )
        .await?;
        Ok(found.map(|p| p.0))
    }

    /// A person's own visits, newest first, with the venues' names.
    pub async fn citizen_visits(&self, person_id: i64, limit: i64) -> Result<Vec<CitizenVisit>> {
        let rows = sqlx::query(
            "SELECT c.id, c.venue_id, v.name, c.t_in_s, c.t_out_s, c.t_out_default
             FROM checkins c JOIN venues v ON v.id = c.venue_id
             WHERE c.person_id = $1 ORDER BY c.t_in_s DESC, c.id DESC LIMIT $2",
        )
        .bind(person_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CitizenVisit {
                    checkin_id: r.try_get(0)?,
                    venue_id: r.try_get(1)?,
                    venue_name: r.try_get(2)?,
                    t_in_s: r.try_get(3)?,
                    t_out_s: r.try_get(4)?,
                    t_out_default: r.try_get::<i64, _>(5)? != 0,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Ends a person's visit at `t_out_s` (a check-out), when the visit is theirs, its exit
    /// is still the default stay and `t_out_s` is after its entry. Audited. Whether it did.
    pub async fn citizen_check_out(
        &self,
        person_id: i64,
        checkin_id: i64,
        t_out_s: i64,
        now_s: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE checkins SET t_out_s = $1, t_out_default = 0
             WHERE id = $2 AND person_id = $3 AND t_out_default = 1 AND t_in_s < $1",
        )
        .bind(t_out_s)
        .bind(checkin_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if done {
            crate::audit::append(
                &mut tx,
                self.dialect,
                [citizen_audit(
                    AuditAction::Update,
                    "checkin",
                    checkin_id,
                    format!("check-out by the visitor's device at {t_out_s}"),
                )],
                now_s,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done)
    }
}

fn citizen_audit(action: AuditAction, entity: &'static str, id: i64, detail: String) -> AuditEntry {
    AuditEntry {
        user: None,
        actor: CITIZEN_ACTOR.into(),
        action,
        entity,
        entity_id: id.to_string(),
        detail: Some(detail),
    }
}
