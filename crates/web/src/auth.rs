//! Where a request's token comes from, and the session cookie the UI uses.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use domain::auth as dauth;

pub const COOKIE_NAME: &str = "chongdich_token";

/// The bearer token, or the session cookie when there is no `Authorization` header.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        let (scheme, token) = v.split_once(' ')?;
        return (scheme.eq_ignore_ascii_case("bearer") && valid_token(token.trim()))
            .then(|| token.trim().to_string());
    }
    cookie(headers, COOKIE_NAME).filter(|t| valid_token(t))
}

/// The value of one cookie of a request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Tokens are 43 characters of base64url; anything else is not looked up at all.
fn valid_token(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The session cookie: HttpOnly (no script reads it) and `SameSite=Strict` (no other site's
/// page sends it); `Secure` is added when the server is reached over TLS
/// (`csrf::secure_cookies`).
pub fn session_cookie(token: &str, max_age_s: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("chongdich_token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
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
