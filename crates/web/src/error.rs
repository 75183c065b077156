//! One error shape for the whole API:
//! `{"error":{"code","message","fields":[{"field","code","message"}]}}`, with the message in
//! the request's language.
//!
//! Handlers and extractors return `ApiError`, which only records *what* went wrong; the
//! `render_errors` middleware, which sees the request, writes the body in the caller's
//! language. Errors produced by the framework itself (405, a body limit) are rewritten into
//! the same shape there.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::lang::Lang;
use crate::messages::{error_message, reason_message};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidInput,
    InvalidJson,
    UnsupportedMediaType,
    PayloadTooLarge,
    Unauthorized,
    InvalidCredentials,
    LoginLocked,
    Forbidden,
    NotFound,
    Conflict,
    /// No free bed of the type asked for: nothing was written.
    CapacityFull,
    /// A household's second package in the same relief round.
    PackageAlreadyGiven,
    /// A gift's status may only move one step forward.
    StatusStepNotAllowed,
    /// A case's status change its current state does not allow (see `CaseStatus::can_move_to`).
    CaseStatusNotAllowed,
    MethodNotAllowed,
    /// A state-changing request riding on the session cookie that did not come from our own
    /// page (no matching CSRF token, or another Origin).
    CrossSite,
    /// The account sent more than its allowance for now (`quota`).
    RateLimited,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidInput => "invalid_input",
            InvalidJson => "invalid_json",
            UnsupportedMediaType => "unsupported_media_type",
            PayloadTooLarge => "payload_too_large",
            Unauthorized => "unauthorized",
            InvalidCredentials => "invalid_credentials",
            LoginLocked => "login_locked",
            Forbidden => "forbidden",
            NotFound => "not_found",
            Conflict => "conflict",
            CapacityFull => "capacity_full",
            PackageAlreadyGiven => "package_already_given",
            StatusStepNotAllowed => "status_step_not_allowed",
            CaseStatusNotAllowed => "case_status_not_allowed",
            MethodNotAllowed => "method_not_allowed",
            CrossSite => "cross_site",
            RateLimited => "rate_limited",
            Unavailable => "unavailable",
            Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            InvalidInput | InvalidJson => StatusCode::BAD_REQUEST,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Unauthorized | InvalidCredentials => StatusCode::UNAUTHORIZED,
            LoginLocked | RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Forbidden | CrossSite => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            Conflict | CapacityFull | PackageAlreadyGiven | StatusStepNotAllowed
            | CaseStatusNotAllowed => StatusCode::CONFLICT,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code for a framework response that carries no `ApiError`.
    fn from_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
            s if s.is_client_error() => ErrorCode::InvalidInput,
            _ => ErrorCode::Internal,
        }
    }
}

/// What went wrong; rendered by `render_errors`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub fields: Vec<FieldError>,
    /// Seconds, for `Retry-After` on a locked login.
    pub retry_after_s: Option<i64>,
    /// For a conflict: the record that already exists, when the caller may see it.
    pub existing_id: Option<i64>,
    /// For a change dated too early: the earliest time it may carry (Unix seconds).
    pub not_before_s: Option<i64>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> ApiError {
        ApiError {
            code,
            fields: Vec::new(),
            retry_after_s: None,
            existing_id: None,
            not_before_s: None,
        }
    }

    pub fn invalid(fields: Vec<FieldError>) -> ApiError {
        ApiError {
            code: ErrorCode::InvalidInput,
            fields,
            retry_after_s: None,
            existing_id: None,
            not_before_s: None,
        }
    }

    pub fn field(field: &str, reason: domain::Reason) -> ApiError {
        ApiError::invalid(vec![FieldError::new(field, reason)])
    }

    pub fn not_found() -> ApiError {
        ApiError::new(ErrorCode::NotFound)
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> ApiError {
        use store::StoreError::*;
        // A write another request won: the unique constraint's field, never a 500.
        if let Some(field) = e.unique_field() {
            let mut conflict = ApiError::new(ErrorCode::Conflict);
            conflict
                .fields
                .push(FieldError::new(field, domain::Reason::Duplicate));
            return conflict;
        }
        if e.is_serialization_failure() {
            tracing::warn!("conflict left after the store's retries: {e}");
            return ApiError::new(ErrorCode::Conflict);
        }
        match e {
            BadCursor => ApiError::field("cursor", domain::Reason::InvalidFormat),
            Invalid(fields)
                if fields
                    .iter()
                    .any(|f| f.reason == domain::Reason::NoCapacity) =>
            {
                ApiError {
                    code: ErrorCode::CapacityFull,
                    ..ApiError::invalid(fields)
                }
            }
            Invalid(fields) => ApiError::invalid(fields),
            Duplicate { field, existing } => ApiError {
                code: ErrorCode::Conflict,
                fields: vec![FieldError::new(field, domain::Reason::Duplicate)],
                retry_after_s: None,
                existing_id: existing.map(|p| p.0),
                not_before_s: None,
            },
            Conflict(fields) => ApiError {
                code: ErrorCode::Conflict,
                ..ApiError::invalid(fields)
            },
            CaseExists { existing } => ApiError {
                code: ErrorCode::Conflict,
                fields: vec![FieldError::new("person_id", domain::Reason::Duplicate)],
                retry_after_s: None,
                existing_id: Some(existing.0),
                not_before_s: None,
            },
            Refused(r) => {
                use domain::Reason;
                let not_before_s = match r {
                    store::aid::Refusal::CaseStatusTime { not_before_s } => Some(not_before_s),
                    _ => None,
                };
                let (code, field, reason) = match r {
                    store::aid::Refusal::PackageAlreadyGiven => (
                        ErrorCode::PackageAlreadyGiven,
                        "household_id",
                        Reason::Duplicate,
                    ),
                    store::aid::Refusal::StatusStep => {
                        (ErrorCode::StatusStepNotAllowed, "status", Reason::Duplicate)
                    }
                    store::aid::Refusal::CaseStatus => (
                        ErrorCode::CaseStatusNotAllowed,
                        "status",
                        Reason::NotAllowed,
                    ),
                    store::aid::Refusal::CaseStatusTime { .. } => {
                        (ErrorCode::CaseStatusNotAllowed, "at", Reason::OutOfRange)
                    }
                };
                let mut e = ApiError::new(code);
                e.fields.push(FieldError::new(field, reason));
                e.not_before_s = not_before_s;
                e
            }
            e if e.is_unavailable() => {
                tracing::error!("database unavailable: {e}");
                ApiError::new(ErrorCode::Unavailable)
            }
            other => {
                tracing::error!("store error: {other}");
                ApiError::new(ErrorCode::Internal)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = self.code.status().into_response();
        if let Some(s) = self.retry_after_s {
            if let Ok(v) = HeaderValue::from_str(&s.max(1).to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp.extensions_mut().insert(self);
        resp
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_input`.
    code: &'static str,
    /// For people, in the request's language (`Accept-Language`, Vietnamese by default).
    message: &'static str,
    fields: Vec<FieldErrorBody>,
    /// For a conflict: the id of the record that already exists, if visible to the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    existing_id: Option<i64>,
    /// For a change dated too early (`case_status_not_allowed` on `at`): the earliest time it
    /// may carry (RFC 3339), the case's latest history entry, confirmation or onset.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_before: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldErrorBody {
    field: String,
    code: &'static str,
    message: &'static str,
}

fn body(error: &ApiError, lang: Lang) -> ErrorBody {
    ErrorBody {
        error: ErrorDetail {
            code: error.code.as_str(),
            message: error_message(error.code, lang),
            fields: error
                .fields
                .iter()
                .map(|f| FieldErrorBody {
                    field: f.field.clone(),
                    code: f.reason.code(),
                    message: reason_message(f.reason, lang),
                })
                .collect(),
            existing_id: error.existing_id,
            not_before: error.not_before_s.map(app::local_time::iso),
        },
    }
}

/// An error as FHIR's OperationOutcome: the issue type from the status, our code and
/// message as its diagnostics, each bad field as an expression.
fn operation_outcome(status: StatusCode, error: &ApiError, lang: Lang) -> serde_json::Value {
    let kind = match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::UNAUTHORIZED => "login",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "too-costly",
        StatusCode::TOO_MANY_REQUESTS => "throttled",
        StatusCode::METHOD_NOT_ALLOWED | StatusCode::UNSUPPORTED_MEDIA_TYPE => "not-supported",
        s if s.is_client_error() => "invalid",
        _ => "exception",
    };
    let mut issues: Vec<serde_json::Value> = error
        .fields
        .iter()
        .map(|f| {
            serde_json::json!({
                "severity": "error",
                "code": kind,
                "details": {"text": f.reason.code()},
                "diagnostics": reason_message(f.reason, lang),
                "expression": [f.field],
            })
        })
        .collect();
    if issues.is_empty() {
        issues.push(serde_json::json!({
            "severity": "error",
            "code": kind,
            "details": {"text": error.code.as_str()},
            "diagnostics": error_message(error.code, lang),
        }));
    }
    serde_json::json!({"resourceType": "OperationOutcome", "issue": issues})
}

/// Renders every error response in the caller's language and the one shape.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let lang = crate::lang::from_headers(req.headers());
    let path = req.uri().path();
    let fhir = path == "/fhir" || path.starts_with("/fhir/");
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    // A page of the UI explains its own error in HTML.
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if is_html && resp.extensions().get::<ApiError>().is_none() {
        return resp;
    }
    let (mut parts, original) = resp.into_parts();
    let error = parts
        .extensions
        .remove::<ApiError>()
        .unwrap_or_else(|| ApiError::new(ErrorCode::from_status(status)));
    drop(original);
    // FHIR's clients read errors as an OperationOutcome: the same code, words and fields.
    let (json, content_type) = if fhir {
        (
            serde_json::to_vec(&operation_outcome(status, &error, lang)).unwrap_or_default(),
            fhir::CONTENT_TYPE,
        )
    } else {
        (
            serde_json::to_vec(&body(&error, lang)).unwrap_or_default(),
            "application/json; charset=utf-8",
        )
    };
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(match lang {
            Lang::Vi => "vi",
            Lang::En => "en",
        }),
    );
    Response::from_parts(parts, Body::from(json))
}
