//! Signing in: a username and password checked under the sign-in limits, and a session
//! started. The API's sign-in and the sign-in page share it.

use std::sync::atomic::Ordering;
use std::time::Duration;

use domain::auth::{self as dauth, SESSION_TTL_S};
use store::{LoginAttempt, StoreError, User};

use crate::App;

/// A started session: the account, the token (to hand to the client once) and its expiry.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub token: String,
    pub expires: chrono::DateTime<chrono::Utc>,
}

/// Why a sign-in did not start a session.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong username or password (the same answer for a username that does not exist).
    #[error("wrong username or password")]
    Wrong,
    /// Too many failures: locked for this many seconds.
    #[error("locked for {retry_after_s} s after repeated failures")]
    Locked { retry_after_s: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks a username and password with throttling, and starts a session. `source` is the
/// key the attempt is throttled under (`domain::auth::login_source`).
///
/// The attempt takes its place in the limits before the password is checked, so a burst of
/// guesses runs at most the limit's number of Argon2 verifications; a refused attempt
/// verifies nothing. A known and an unknown username take the same steps (an unknown one is
/// verified against a dummy hash), so neither the answer nor its time tells them apart.
pub async fn sign_in(
    app: &App,
    username: &str,
    password: String,
    source: &str,
) -> Result<SignedIn, SignInError> {
    // A malformed username cannot exist, but is throttled like any other, under its raw form.
    let username = dauth::normalize_username(username).unwrap_or_else(|_| {
        username
            .trim()
            .chars()
            .take(64)
            .collect::<String>()
            .to_lowercase()
    });
    let store = &app.store;
    // Sign-in limits run on the wall clock, not the locality's (a demo's clock is in 2021).
    let now = crate::clock::WallClock::now_s();
    let (pair_attempts, full_until_s) = match store
        .reserve_login_attempt(&username, source, now, &dauth::LOGIN_LIMITS)
        .await?
    {
        LoginAttempt::Refused { until_s } => {
            return Err(SignInError::Locked {
                retry_after_s: until_s - now,
            })
        }
        LoginAttempt::Granted {
            pair_attempts,
            full_until_s,
        } => (pair_attempts, full_until_s),
    };
    let account = store.user_for_login(&username).await?;
    let hash = account
        .as_ref()
        .filter(|(u, _)| u.active)
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| dauth::dummy_hash().to_string());
    app.password_checks.fetch_add(1, Ordering::Relaxed);
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || dauth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let user = match (ok, account) {
        (true, Some((user, _))) if user.active => user,
        _ => {
            if app.slow_failed_logins {
                let pause = dauth::login_failure_delay_ms(pair_attempts);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            // The attempt that filled a counter reports the lock it starts.
            return Err(match full_until_s {
                Some(until) if until > now => SignInError::Locked {
                    retry_after_s: until - now,
                },
                _ => SignInError::Wrong,
            });
        }
    };
    store.login_succeeded(&username, source).await?;
    let token = dauth::new_token();
    let expires = store
        .create_session(user.id, &dauth::token_hash(&token), now, SESSION_TTL_S)
        .await?;
    Ok(SignedIn {
        user,
        token,
        expires,
    })
}
