//! Sign-in, sign-out and who-am-i.

use std::time::Duration;

use axum::extract::State;
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

/// Exchanges a username and password for a session token (also set as an HttpOnly cookie).
/// Failures are answered more slowly each time; after five in 15 minutes the username is
/// locked for 15 minutes (429 with `Retry-After`), whether or not it exists.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest, responses(
    (status = 200, body = LoginResponse),
    (status = 400, body = crate::error::ErrorBody),
    (status = 401, body = crate::error::ErrorBody, description = "wrong username or password"),
    (status = 429, body = crate::error::ErrorBody, description = "locked after repeated failures"),
))]
pub async fn login(
    State(state): State<AppState>,
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
    let (user, token, expires) = authenticate(&state, &username, password).await?;
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
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: String,
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
    if let Some(until) = store.login_locked_until(&username, now).await? {
        return Err(locked(until - now));
    }
    let account = store.user_for_login(&username).await?;
    let hash = account
        .as_ref()
        .filter(|(u, _)| u.active)
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| dauth::dummy_hash().to_string());
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || dauth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let user = match (ok, account) {
        (true, Some((user, _))) if user.active => user,
        _ => {
            let t = store.record_login_failure(&username, now).await?;
            if state.slow_failed_logins {
                let pause = dauth::login_failure_delay_ms(t.failures);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            return Err(match t.locked_until_s {
                Some(until) if until > now => locked(until - now),
                _ => ApiError::new(ErrorCode::InvalidCredentials),
            });
        }
    };
    store.clear_login_failures(&username).await?;
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
