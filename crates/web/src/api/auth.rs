//! Sign-in, sign-out and who-am-i.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::SecondsFormat;
use domain::auth::{self as dauth, SESSION_TTL_S};
use domain::Reason;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{clear_cookie, session_cookie, token_from_headers, LoginSource};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, Auth};
use crate::AppState;
use app::auth::SignInError;

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

/// Signs in (`app::auth::sign_in`) with its refusals as the API answers them: the account,
/// the token and its expiry. The sign-in page calls `sign_in` itself.
async fn authenticate(
    state: &AppState,
    username: &str,
    password: String,
    source: &str,
) -> Result<(store::User, String, chrono::DateTime<chrono::Utc>), ApiError> {
    match app::auth::sign_in(state, username, password, source).await {
        Ok(s) => Ok((s.user, s.token, s.expires)),
        Err(SignInError::Wrong) => Err(ApiError::new(ErrorCode::InvalidCredentials)),
        Err(SignInError::Locked { retry_after_s }) => {
            let mut e = ApiError::new(ErrorCode::LoginLocked);
            e.retry_after_s = Some(retry_after_s);
            Err(e)
        }
        Err(SignInError::Store(e)) => Err(e.into()),
    }
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
