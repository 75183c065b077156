//! Sign-in, sign-out and who-am-i.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::SecondsFormat;
use domain::auth::{self as dauth, SESSION_TTL_S};
use domain::Reason;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::now_s;
use crate::auth::{clear_cookie, session_cookie, token_from_headers};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, Auth};
use crate::AppState;
use store::LoginAttempt;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: Option<String>,
    password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// RFC 3339, UTC.
    expires_at: String,
    user: MeResponse,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    username: String,
    role: &'static str,
    /// Jurisdictions: `structure:code`, or `VN` for the whole country.
    units: Vec<String>,
}

fn me_of(user: &store::User) -> MeResponse {
    MeResponse {
        username: user.username.clone(),
        role: user.role.as_str(),
        units: user
            .units
            .iter()
            .map(|u| {
                if u.code.is_country() {
                    u.code.to_string()
                } else {
                    format!("{}:{}", u.structure, u.code)
                }
            })
            .collect(),
    }
}

/// Where a sign-in comes from, the key it is throttled under: the connection's peer address
/// (`web::serve` serves with connect info; IPv6 by /64, `domain::auth::login_source`), or
/// `unknown` when there is none (in-process calls). Never `X-Forwarded-For`: a client can
/// write anything there.
pub struct LoginSource(pub String);

impl<S: Send + Sync> FromRequestParts<S> for LoginSource {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(LoginSource(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| dauth::login_source(c.0.ip()))
                .unwrap_or_else(|| dauth::UNKNOWN_SOURCE.to_string()),
        ))
    }
}

/// Exchanges a username and password for a session token (also set as an HttpOnly cookie).
/// Failures are answered more slowly each time. Five attempts in 15 minutes for one username
/// from one address lock that pair until the window ends (429 with `Retry-After`), whether or
/// not the username exists; an address has 20 failures in 15 minutes over all usernames, and
/// a username 100 in an hour over all addresses (`domain::auth::LOGIN_LIMITS`).
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest, responses(
    (status = 200, body = LoginResponse),
    (status = 400, body = crate::error::ErrorBody),
    (status = 401, body = crate::error::ErrorBody, description = "wrong username or password"),
    (status = 429, body = crate::error::ErrorBody, description = "locked after repeated failures"),
))]
pub async fn login(
    State(state): State<AppState>,
    LoginSource(source): LoginSource,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let mut missing = Vec::new();
    let username = req.username.unwrap_or_default();
    let password = req.password.unwrap_or_default();
    if username.trim().is_empty() {
        missing.push(domain::FieldError::new("username", Reason::Required));
    }
    if password.is_empty() {
        missing.push(domain::FieldError::new("password", Reason::Required));
    }
    if !missing.is_empty() {
        return Err(ApiError::invalid(missing));
    }
    let (user, token, expires) = authenticate(&state, &username, password, &source).await?;
    let body = LoginResponse {
        token: token.clone(),
        expires_at: expires.to_rfc3339_opts(SecondsFormat::Secs, true),
        user: me_of(&user),
    };
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&token, SESSION_TTL_S));
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("static header"),
    );
    Ok(resp)
}

/// Checks a username and password with throttling, and starts a session: the account, the
/// token (to hand to the client once) and its expiry. Shared by the API and the sign-in page.
///
/// The attempt takes its place in the limits before the password is checked, so a burst of
/// guesses runs at most the limit's number of Argon2 verifications; a refused attempt
/// verifies nothing. A known and an unknown username take the same steps (an unknown one is
/// verified against a dummy hash), so neither the answer nor its time tells them apart.
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: String,
    source: &str,
) -> Result<(store::User, String, chrono::DateTime<chrono::Utc>), ApiError> {
    // A malformed username cannot exist, but is throttled like any other, under its raw form.
    let username = dauth::normalize_username(username).unwrap_or_else(|_| {
        username
            .trim()
            .chars()
            .take(64)
            .collect::<String>()
            .to_lowercase()
    });
    let store = &state.store;
    let now = now_s();
    let (pair_attempts, full_until_s) = match store
        .reserve_login_attempt(&username, source, now, &dauth::LOGIN_LIMITS)
        .await?
    {
        LoginAttempt::Refused { until_s } => return Err(locked(until_s - now)),
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
    state.password_checks.fetch_add(1, Ordering::Relaxed);
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || dauth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let user = match (ok, account) {
        (true, Some((user, _))) if user.active => user,
        _ => {
            if state.slow_failed_logins {
                let pause = dauth::login_failure_delay_ms(pair_attempts);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            // The attempt that filled a counter reports the lock it starts.
            return Err(match full_until_s {
                Some(until) if until > now => locked(until - now),
                _ => ApiError::new(ErrorCode::InvalidCredentials),
            });
        }
    };
    store.login_succeeded(&username, source).await?;
    let token = dauth::new_token();
    let expires = store
        .create_session(user.id, &dauth::token_hash(&token), now, SESSION_TTL_S)
        .await?;
    Ok((user, token, expires))
}

fn locked(retry_after_s: i64) -> ApiError {
    let mut e = ApiError::new(ErrorCode::LoginLocked);
    e.retry_after_s = Some(retry_after_s);
    e
}

/// Ends the session of the token sent (bearer or cookie).
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = token_from_headers(&headers) {
        state
            .store
            .delete_session(&dauth::token_hash(&token))
            .await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie());
    Ok(resp)
}

/// The signed-in account, its role and jurisdictions.
#[utoipa::path(get, path = "/api/v1/me", responses(
    (status = 200, body = MeResponse),
    (status = 401, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn me(Auth(caller): Auth) -> Json<MeResponse> {
    Json(me_of(&caller.user))
}
