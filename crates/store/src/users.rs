//! Accounts, their jurisdictions, session tokens and login throttling.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::auth::{Limit, LoginLimits, SESSION_IDLE_S, SESSION_TOUCH_S};
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
/// The callers found by token, kept between requests (`kept`): a request then spends no
/// query on who it is from. A kept caller ends at once with a change of accounts made in
/// this process (sign-out, deactivation, new password: `Changes::made` after each commit),
/// within `kept::STALE_AFTER` with one made by another process (the CLI), and when the
/// session expires or its use is due to be recorded again (`SESSION_TOUCH_S`, well inside
/// the idle timeout), so the idle clock runs as it would without it.
pub(crate) struct Sessions {
    changes: crate::kept::Changes,
    /// The caller, and when the session's use was last recorded.
    kept: crate::kept::Kept<(Caller, i64)>,
}

/// How long recording a session's use may wait for the writer: an ordinary write holds it
/// for milliseconds; one held longer is a long transaction, not worth waiting for.
const TOUCH_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions {
            changes: Default::default(),
            kept: crate::kept::Kept::new(crate::kept::STALE_AFTER),
        }
    }
}

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

/// The answer to a sign-in's request for a place (`Store::reserve_login_attempt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginAttempt {
    /// The password may be checked.
    Granted {
        /// Attempts of this account from this source in the window, this one included.
        pair_attempts: i64,
        /// When this attempt filled a counter: the end of that counter's window (the lock
        /// to report if the attempt fails).
        full_until_s: Option<i64>,
    },
    /// A counter is full: answer without checking the password.
    Refused { until_s: i64 },
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
        // A new password from the operator also lifts the account's locks.
        sqlx::query("DELETE FROM login_limits WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.sessions.changes.made();
        Ok(true)
    }

    /// Activates or deactivates an account; deactivating ends its sessions (a deactivated
    /// account cannot sign in, and `caller_by_token` refuses its tokens anyway). False if
    /// there is no such user.
    pub async fn set_active(&self, username: &str, active: bool) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("UPDATE users SET active = $1 WHERE username = $2 RETURNING id")
            .bind(i64::from(active))
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        if !active {
            let id: i64 = row.try_get(0)?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.sessions.changes.made();
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

    /// Every active account with the scope its jurisdictions give (a few hundred at most in
    /// a locality): who work can be assigned to.
    pub async fn active_users_with_scope(&self) -> Result<Vec<(User, Scope)>> {
        let mut out = Vec::new();
        for mut u in self.list_users().await?.into_iter().filter(|u| u.active) {
            let units = self.user_units(u.id).await?;
            let scope = scope_of(&units);
            u.units = units.into_iter().map(|(u, _)| u).collect();
            out.push((u, scope));
        }
        Ok(out)
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
            "INSERT INTO sessions (token_hash, user_id, created_at_s, expires_at_s, last_used_at_s)
             VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(token_hash)
        .bind(user.0)
        .bind(now_s)
        .bind(expires)
        .execute(&self.pool)
        .await?;
        Ok(ts(expires))
    }

    /// The caller behind a live token of an active account, with its scope. A token is live
    /// before its expiry and while used at least every `SESSION_IDLE_S`; this use is recorded
    /// (at most once per `SESSION_TOUCH_S`, to spare the writes).
    pub async fn caller_by_token(&self, token_hash: &str, now_s: i64) -> Result<Option<Caller>> {
        let changes = self.sessions.changes.now();
        // Kept, the session is still what the database would say until its use is due to be
        // recorded (and so long before it could be idle) or it expires.
        if let Some((c, used_s)) = self.sessions.kept.get(token_hash, changes) {
            if now_s < c.expires_at.timestamp()
                && (used_s..used_s + SESSION_TOUCH_S).contains(&now_s)
            {
                return Ok(Some(c));
            }
        }
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, u.active, u.created_at_s, s.expires_at_s,
                    s.last_used_at_s
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at_s > $2 AND s.last_used_at_s > $3
               AND u.active = 1",
        )
        .bind(token_hash)
        .bind(now_s)
        .bind(now_s - SESSION_IDLE_S)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut last_used: i64 = row.try_get("last_used_at_s")?;
        if now_s - last_used >= SESSION_TOUCH_S {
            // Only if the writer is free soon: on SQLite a long write (a big import's one
            // transaction) holds it, and a request must not wait for it only to record its
            // use. A use not recorded now is recorded by a later request, long before the
            // session could be idle (SESSION_IDLE_S is many times SESSION_TOUCH_S).
            let free = tokio::time::timeout(TOUCH_WAIT, self.pool.acquire()).await;
            if let Ok(conn) = free {
                let mut conn = conn?;
                sqlx::query(
                    "UPDATE sessions SET last_used_at_s = $1
                     WHERE token_hash = $2 AND last_used_at_s < $1",
                )
                .bind(now_s)
                .bind(token_hash)
                .execute(&mut *conn)
                .await?;
                last_used = now_s;
            }
        }
        let mut user = user_from_row(&row)?;
        let expires_at = ts(row.try_get("expires_at_s")?);
        let units = self.user_units(user.id).await?;
        let scope = scope_of(&units);
        user.units = units.into_iter().map(|(u, _)| u).collect();
        let caller = Caller {
            user,
            scope,
            expires_at,
        };
        self.sessions
            .kept
            .put(token_hash.to_string(), changes, (caller.clone(), last_used));
        Ok(Some(caller))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        self.sessions.changes.made();
        Ok(())
    }

    /// Deletes sessions past their lifetime or idle timeout, and sign-in counters whose
    /// window has passed (both tables would otherwise grow without bound). Returns the
    /// sessions deleted.
    pub async fn purge_expired_sessions(&self, now_s: i64) -> Result<u64> {
        let n =
            sqlx::query("DELETE FROM sessions WHERE expires_at_s <= $1 OR last_used_at_s <= $2")
                .bind(now_s)
                .bind(now_s - SESSION_IDLE_S)
                .execute(&self.pool)
                .await?
                .rows_affected();
        let l = domain::auth::LOGIN_LIMITS;
        let longest = l
            .pair
            .window_s
            .max(l.source.window_s)
            .max(l.account.window_s);
        sqlx::query("DELETE FROM login_limits WHERE window_start_s <= $1")
            .bind(now_s - longest)
            .execute(&self.pool)
            .await?;
        Ok(n)
    }

    /// Reserves a sign-in's place in its three counters — (username, source), source, and
    /// username — before the password is checked, in one transaction: each counter is one
    /// conditional upsert that adds the attempt only while the counter has room (or its
    /// window has passed, which starts it again), so concurrent requests cannot overshoot the
    /// limits on either database (PostgreSQL's upsert locks the row; SQLite has one writer).
    /// If any counter is full nothing is reserved. `username` must not be empty.
    pub async fn reserve_login_attempt(
        &self,
        username: &str,
        source: &str,
        now_s: i64,
        limits: &LoginLimits,
    ) -> Result<LoginAttempt> {
        let mut tx = self.pool.begin().await?;
        let mut pair_attempts = 0;
        let mut full_until_s: Option<i64> = None;
        // Always in this order (pair, source, account), so that PostgreSQL's row locks are
        // taken in one order and two sign-ins cannot deadlock.
        for (i, (user, src, limit)) in [
            (username, source, limits.pair),
            ("", source, limits.source),
            (username, "", limits.account),
        ]
        .into_iter()
        .enumerate()
        {
            match reserve(&mut tx, user, src, now_s, limit).await? {
                Some((attempts, start)) => {
                    if i == 0 {
                        pair_attempts = attempts;
                    }
                    if attempts >= limit.attempts {
                        let until = start + limit.window_s;
                        full_until_s = Some(full_until_s.map_or(until, |u| u.max(until)));
                    }
                }
                None => {
                    let start: i64 = sqlx::query(
                        "SELECT window_start_s FROM login_limits WHERE username = $1 AND source = $2",
                    )
                    .bind(user)
                    .bind(src)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?
                    .unwrap_or(now_s);
                    tx.rollback().await?;
                    return Ok(LoginAttempt::Refused {
                        until_s: start + limit.window_s,
                    });
                }
            }
        }
        tx.commit().await?;
        Ok(LoginAttempt::Granted {
            pair_attempts,
            full_until_s,
        })
    }

    /// A sign-in succeeded: its pair's count starts again, and it gives back its places in
    /// the source's and the account's counters (only failures count there).
    pub async fn login_succeeded(&self, username: &str, source: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM login_limits WHERE username = $1 AND source = $2")
            .bind(username)
            .bind(source)
            .execute(&mut *tx)
            .await?;
        for (user, src) in [("", source), (username, "")] {
            sqlx::query(
                "UPDATE login_limits SET attempts = attempts - 1
                 WHERE username = $1 AND source = $2 AND attempts > 0",
            )
            .bind(user)
            .bind(src)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
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
        .fetch_all(&self.reader)
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

/// Adds an attempt to one counter if it has room, or starts it again if its window has
/// passed: its attempts and window start after, or None when it is full.
async fn reserve(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    username: &str,
    source: &str,
    now_s: i64,
    limit: Limit,
) -> Result<Option<(i64, i64)>> {
    let row = sqlx::query(
        "INSERT INTO login_limits (username, source, attempts, window_start_s)
         VALUES ($1, $2, 1, $3)
         ON CONFLICT (username, source) DO UPDATE SET
           attempts = CASE WHEN login_limits.window_start_s <= $4 THEN 1
                           ELSE login_limits.attempts + 1 END,
           window_start_s = CASE WHEN login_limits.window_start_s <= $4 THEN $3
                                 ELSE login_limits.window_start_s END
         WHERE login_limits.window_start_s <= $4 OR login_limits.attempts < $5
         RETURNING attempts, window_start_s",
    )
    .bind(username)
    .bind(source)
    .bind(now_s)
    .bind(now_s - limit.window_s)
    .bind(limit.attempts)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
        None => None,
    })
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

/// The scope an account's jurisdictions give. A jurisdiction whose unit is gone from the
/// registry grants nothing.
fn scope_of(units: &[(UserUnit, Option<UnitPath>)]) -> Scope {
    if units.iter().any(|(u, _)| u.code.is_country()) {
        Scope::everything()
    } else {
        Scope::of(
            units
                .iter()
                .filter_map(|(u, path)| Some((u.structure, path.clone()?))),
        )
    }
}
