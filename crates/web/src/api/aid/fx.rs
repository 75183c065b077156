//! Exchange rates: recorded with their date and source, and read back.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use domain::aid::{self, Currency, FxRate};
use domain::role::Permission;
use domain::time::Dates;
use domain::{FieldError, Reason};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{req_date, text, today};
use crate::api::casework::{required, slug};
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct RateDto {
    pub base: String,
    pub quote: String,
    /// Units of `quote` for one unit of `base`, as a decimal string.
    pub rate: String,
    pub rate_micro: i64,
    pub date: String,
    pub source: String,
    /// Not from an official table: shown as *assumed*.
    pub assumed: bool,
}

pub(crate) fn rate_dto(r: &FxRate) -> RateDto {
    RateDto {
        base: r.base.code().into(),
        quote: r.quote.code().into(),
        rate: decimal_micro(r.rate_micro),
        rate_micro: r.rate_micro,
        date: r.on_date.to_string(),
        source: r.source.clone(),
        assumed: r.assumed,
    }
}

/// 23000000000 → "23000"; 1234567 → "1.234567" (a sign first, should a stored rate have one).
pub(crate) fn decimal_micro(v: i64) -> String {
    let a = v.unsigned_abs();
    let s = format!("{}.{:06}", a / 1_000_000, a % 1_000_000);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if v < 0 {
        format!("-{s}")
    } else {
        s.to_string()
    }
}

/// The recorded exchange rates.
#[utoipa::path(get, path = "/api/v1/aid/rates", responses(
    (status = 200, body = Vec<RateDto>)
), security(("bearer" = [])))]
pub async fn list_rates(
    State(state): State<AppState>,
    _auth: Auth,
) -> Result<Json<Vec<RateDto>>, ApiError> {
    Ok(Json(
        state.store.fx_rates().await?.iter().map(rate_dto).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RateRequest {
    pub base: Option<String>,
    pub quote: Option<String>,
    /// Units of `quote` per unit of `base`, a decimal string with at most 6 decimals.
    pub rate: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub assumed: bool,
}

/// Records an exchange rate with its date and source (command centres and administrators).
#[utoipa::path(post, path = "/api/v1/aid/rates", request_body = RateRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn put_rate(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<RateRequest>,
) -> Result<StatusCode, ApiError> {
    let rate = new_rate(&r, today(&state)).map_err(ApiError::invalid)?;
    state
        .store
        .put_fx_rate(&auth.0, &rate, state.now_s())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Exchange rates are recorded by command centres and administrators.
pub(crate) fn may_record_rates(role: domain::Role) -> bool {
    role.can(Permission::RecordRates)
}

/// A rate from its request: every field checked, every error reported at once (the API and
/// the aid page's form share it).
pub(crate) fn new_rate(r: &RateRequest, today: NaiveDate) -> Result<FxRate, Vec<FieldError>> {
    let mut errors = Vec::new();
    let base = slug::<Currency>("base", r.base.as_deref(), &mut errors);
    let quote = slug::<Currency>("quote", r.quote.as_deref(), &mut errors);
    let rate_micro = match r.rate.as_deref() {
        None | Some("") => required::<i64>("rate", None, &mut errors),
        Some(s) => parse_micro(s)
            .and_then(|v| {
                Some(v)
                    .filter(|v| (1..=aid::MAX_RATE_MICRO).contains(v))
                    .ok_or(Reason::OutOfRange)
            })
            .map_err(|e| errors.push(FieldError::new("rate", e)))
            .ok(),
    };
    let on_date = req_date("date", r.date.as_deref(), Dates::past(today), &mut errors);
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    if base.is_some() && base == quote {
        errors.push(FieldError::new("quote", Reason::Duplicate));
    }
    let (Some(base), Some(quote), Some(rate_micro), Some(on_date), Some(source), true) =
        (base, quote, rate_micro, on_date, source, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(FxRate {
        base,
        quote,
        rate_micro,
        on_date,
        source,
        assumed: r.assumed,
    })
}

/// "23000" or "0.000043" in millionths; digits beyond an i64 are out of range.
pub(crate) fn parse_micro(s: &str) -> Result<i64, Reason> {
    let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if int.is_empty()
        || frac.len() > 6
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(Reason::InvalidFormat);
    }
    let int: i64 = int.parse().map_err(|_| Reason::OutOfRange)?;
    let frac: i64 = format!("{frac:0<6}")
        .parse()
        .map_err(|_| Reason::InvalidFormat)?;
    int.checked_mul(1_000_000)
        .and_then(|v| v.checked_add(frac))
        .ok_or(Reason::OutOfRange)
}
