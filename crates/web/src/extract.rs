//! Extractors that turn every bad request into an `ApiError` (so into the one error shape),
//! and the authenticated caller.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};
use crate::{auth, AppState};

/// A JSON body; malformed JSON, a wrong content type or an oversized body get the error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(ErrorCode::PayloadTooLarge),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(ErrorCode::UnsupportedMediaType),
        _ => {
            // serde names the offending field in its message ("missing field `username`");
            // surface it as the field when there is one.
            let text = r.body_text();
            let mut e = ApiError::new(ErrorCode::InvalidJson);
            if let Some(field) = text.split('`').nth(1) {
                e.fields.push(domain::FieldError::new(
                    field,
                    domain::Reason::InvalidFormat,
                ));
            }
            e
        }
    }
}

/// Query parameters. Query structs hold strings and are parsed by the handler, so that a bad
/// value is reported with its field name.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let mut err = ApiError::new(ErrorCode::InvalidInput);
                if let Some(field) = text.split('`').nth(1) {
                    err.fields.push(domain::FieldError::new(
                        field,
                        domain::Reason::InvalidFormat,
                    ));
                }
                Err(err)
            }
            Err(_) => Err(ApiError::new(ErrorCode::InvalidInput)),
        }
    }
}

/// The signed-in caller: from `Authorization: Bearer <token>` or the UI's session cookie.
pub struct Auth(pub store::Caller);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The guard (`access::guard`) has signed the caller in already.
        if let Some(c) = parts.extensions.get::<store::Caller>() {
            return Ok(Auth(c.clone()));
        }
        let token = auth::token_from_headers(&parts.headers)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
        let caller = state
            .store
            .caller_by_token(
                &domain::auth::token_hash(&token),
                app::clock::WallClock::now_s(),
            )
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
        Ok(Auth(caller))
    }
}
