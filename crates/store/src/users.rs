//! Accounts, their jurisdictions, session tokens and login throttling.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::auth::{LOGIN_FAILURES_MAX, LOGIN_LOCK_S, LOGIN_WINDOW_S};
use domain::{FieldError, Reason, Role, Scope, Structure, UnitCode, UnitPath, UserId};

use crate::units::code_col;
use crate::{Result, Store, StoreError};

/// One jurisdiction of an account: a unit whose subtree it may see. Code `VN` is the whole
/// country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUnit {
    pub structure: Structure,
    pub code: UnitCode,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub active: bool,
    pub units: Vec<UserUnit>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    /// Already normalised (`domain::auth::normalize_username`).
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub units: Vec<UserUnit>,
}

/// Who is calling, with the scope every query of theirs is filtered by.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub scope: Scope,
    pub expires_at: DateTime<Utc>,
}

impl Caller {
    /// The system itself (a CLI command run by the operator on the server): the whole
    /// country, administrator rights; audited under `actor`, with no user id.
    pub fn system(actor: &str) -> Caller {
        Caller {
            user: User {
                id: UserId(0),
                username: actor.to_string(),
                role: Role::Administrator,
                active: true,
                units: Vec::new(),
                created_at: ts(0),
            },
            scope: Scope::everything(),
            expires_at: ts(i64::MAX / 4),
        }
    }
}

/// The throttling state of a username after a failed login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    pub failures: i64,
    pub locked_until_s: Option<i64>,
}

fn ts(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

impl Store {
    /// Creates an account. Every unit must exist; the username must be free.
    pub async fn create_user(&self, new: &NewUser, now_s: i64) -> Result<User> {
        if new.units.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "unit",
                Reason::Required,
            )]));
        }
        for u in &new.units {
            if !u.code.is_country() && self.unit_unscoped(u.structure, &u.code).await?.is_none() {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "unit",
                    Reason::NotFound,
                )]));
            }
        }
        let mut tx = self.pool.begin().await?;
        let taken = sqlx::query("SELECT 1 FROM users WHERE username = $1")
            .bind(&new.username)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "username",
                Reason::Duplicate,
            )]));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO users (username, password_hash, role, active, created_at_s, password_changed_at_s)
             VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
        )
        .bind(&new.username)
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        for u in &new.units {
            sqlx::query(
                "INSERT INTO user_units (user_id, structure, code) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(u.structure.as_str())
            .bind(u.code.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(User {
            id: UserId(id),
            username: new.username.clone(),
            role: new.role,
            active: true,
            units: new.units.clone(),
            created_at: ts(now_s),
        })
    }

    /// Replaces a password and ends the account's sessions. False if there is no such user.
    pub async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        now_s: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at_s = $2
             WHERE username = $3 RETURNING id",
        )
        .bind(password_hash)
        .bind(now_s)
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let id: i64 = row.try_get(0)?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM login_throttle WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(
            "SELECT id, username, role, active, created_at_s FROM users ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut users = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut u = user_from_row(r)?;
            u.units = self
                .user_units(u.id)
                .await?
                .into_iter()
                .map(|(u, _)| u)
                .collect();
            users.push(u);
        }
        Ok(users)
    }

    /// The account and its password hash, for checking a login.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(
            "SELECT id, username, role, active, created_at_s, password_hash FROM users
             WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((user_from_row(&r)?, r.try_get("password_hash")?))),
        }
    }

    /// Starts a session; the token itself is never stored, only its hash.
    pub async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        now_s: i64,
        ttl_s: i64,
    ) -> Result<DateTime<Utc>> {
        let expires = now_s + ttl_s;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at_s, expires_at_s)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.0)
        .bind(now_s)
        .bind(expires)
        .execute(&self.pool)
        .await?;
        Ok(ts(expires))
    }

    /// The caller behind a live token of an active account, with its scope.
    pub async fn caller_by_token(&self, token_hash: &str, now_s: i64) -> Result<Option<Caller>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, u.active, u.created_at_s, s.expires_at_s
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at_s > $2 AND u.active = 1",
        )
        .bind(token_hash)
        .bind(now_s)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut user = user_from_row(&row)?;
        let expires_at = ts(row.try_get("expires_at_s")?);
        let units = self.user_units(user.id).await?;
        let scope = if units.iter().any(|(u, _)| u.code.is_country()) {
            Scope::everything()
        } else {
            // A jurisdiction whose unit is gone from the registry grants nothing.
            Scope::of(
                units
                    .iter()
                    .filter_map(|(u, path)| Some((u.structure, path.clone()?))),
            )
        };
        user.units = units.into_iter().map(|(u, _)| u).collect();
        Ok(Some(Caller {
            user,
            scope,
            expires_at,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn purge_expired_sessions(&self, now_s: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at_s <= $1")
            .bind(now_s)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// The current lock of a username, if any.
    pub async fn login_locked_until(&self, username: &str, now_s: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT locked_until_s FROM login_throttle WHERE username = $1 AND locked_until_s > $2",
        )
        .bind(username)
        .bind(now_s)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Counts a failed login; failures older than the window start the count again, and the
    /// `LOGIN_FAILURES_MAX`-th locks the username.
    pub async fn record_login_failure(&self, username: &str, now_s: i64) -> Result<LoginThrottle> {
        let row = sqlx::query(
            "INSERT INTO login_throttle (username, failures, last_failure_at_s, locked_until_s)
             VALUES ($1, 1, $2, NULL)
             ON CONFLICT (username) DO UPDATE SET
               failures = CASE WHEN login_throttle.last_failure_at_s < $3 THEN 1
                               ELSE login_throttle.failures + 1 END,
               locked_until_s = CASE
                 WHEN login_throttle.last_failure_at_s >= $3 AND login_throttle.failures + 1 >= $4
                 THEN $5 ELSE login_throttle.locked_until_s END,
               last_failure_at_s = $2
             RETURNING failures, locked_until_s",
        )
        .bind(username)
        .bind(now_s)
        .bind(now_s - LOGIN_WINDOW_S)
        .bind(LOGIN_FAILURES_MAX)
        .bind(now_s + LOGIN_LOCK_S)
        .fetch_one(&self.pool)
        .await?;
        Ok(LoginThrottle {
            failures: row.try_get(0)?,
            locked_until_s: row.try_get(1)?,
        })
    }

    pub async fn clear_login_failures(&self, username: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE username = $1")
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A user's jurisdictions with the path of each unit (None for `VN` or a vanished unit).
    async fn user_units(&self, user: UserId) -> Result<Vec<(UserUnit, Option<UnitPath>)>> {
        let rows = sqlx::query(
            "SELECT uu.structure, uu.code, un.path FROM user_units uu
             LEFT JOIN units un ON un.structure = uu.structure AND un.code = uu.code
             WHERE uu.user_id = $1 ORDER BY uu.structure, uu.code",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let structure: String = r.try_get("structure")?;
                let path: Option<String> = r.try_get("path")?;
                Ok((
                    UserUnit {
                        structure: structure
                            .parse()
                            .map_err(|_| StoreError::Corrupt("user_units.structure".into()))?,
                        code: code_col(r, "code")?,
                    },
                    path.as_deref().and_then(UnitPath::from_stored),
                ))
            })
            .collect()
    }
}

fn user_from_row(r: &AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: UserId(r.try_get("id")?),
        username: r.try_get("username")?,
        role: role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("users.role = {role:?}")))?,
        active: r.try_get::<i64, _>("active")? != 0,
        units: Vec::new(),
        created_at: ts(r.try_get("created_at_s")?),
    })
}
