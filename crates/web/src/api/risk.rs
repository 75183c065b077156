//! Risk levels by unit for a week (`GET /api/v1/risk-levels`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::NaiveDate;
use domain::{Reason, Structure, UnitLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{opt_param, ListResponse, PageParams};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiQuery, Auth};
use crate::registry::Registry;
use crate::risk::{levels, Input, RiskFailure, UnitRisk};
use crate::{AppState, Lang};

#[derive(Serialize, ToSchema)]
pub struct InputDto {
    /// e.g. `cases_per_100k_week`, `adult_first_dose_share`.
    indicator: &'static str,
    value: Option<f64>,
    /// The band the value falls in, as the decision writes it (e.g. `20–<50`).
    band: Option<String>,
    /// `measured`, `assumed_worst` (missing; the rule assumes the worst band) or `skipped`.
    reading: &'static str,
}

impl From<&Input> for InputDto {
    fn from(i: &Input) -> InputDto {
        InputDto {
            indicator: i.indicator.key(),
            value: i.value,
            band: i.band.clone(),
            reading: i.reading.as_str(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RiskLevelDto {
    unit_code: String,
    unit_name: String,
    /// 1 (low) to 4 (very high), Resolution 128/NQ-CP.
    level: u8,
    /// `green`, `yellow`, `orange` or `red`.
    colour: &'static str,
    /// The decision applied, e.g. `4800/QĐ-BYT`.
    policy: String,
    /// The week assessed: its first and last day.
    week_from: String,
    week_to: String,
    population: u32,
    cases: u32,
    inputs: Vec<InputDto>,
    /// Why, in the caller's language (Accept-Language).
    reason: String,
}

#[derive(Deserialize, IntoParams)]
pub struct RiskQuery {
    /// The week's last day, YYYY-MM-DD (default: today in the locality).
    date: Option<String>,
    /// `province`, `district` (2021 only) or `commune` (default).
    level: Option<String>,
    /// `2021` (default) or `2025`.
    structure: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Every unit's risk level for the week ending on `date`, with its inputs and reason, under
/// the decision in force that day; by unit code, paged by cursor.
#[utoipa::path(get, path = "/api/v1/risk-levels", params(RiskQuery), responses(
    (status = 200, body = ListResponse<RiskLevelDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Auth,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RiskQuery>,
) -> Result<Json<ListResponse<RiskLevelDto>>, ApiError> {
    let lang = crate::lang::from_headers(&headers);
    let today = crate::local_time::local_date(state.now_s());
    // Looking is not publishing: a week up to a year ahead may be assessed (on the data there
    // is); a date before the first rule is refused below, as no rule is in force.
    let date = opt_param("date", q.date.as_deref(), |d| {
        domain::time::parse_date(d, domain::time::Dates::planned(today))
    })?
    .unwrap_or(today);
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let level = opt_param("level", q.level.as_deref(), |s| match s {
        "province" => Ok(UnitLevel::Province),
        "district" if structure == Structure::S2021 => Ok(UnitLevel::District),
        "commune" => Ok(UnitLevel::Commune),
        _ => Err(Reason::UnknownValue),
    })?
    .unwrap_or(UnitLevel::Commune);
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let after = match &page.after {
        Some(c) => match c.expect(1).map_err(ApiError::from)? {
            [code] => Some(code.clone()),
            _ => None,
        },
        None => None,
    };
    let all = levels(&state, structure, date, level)
        .await
        .map_err(failure)?;
    let registry = Registry::of(structure);
    let start = after.map_or(0, |a| all.partition_point(|u| u.unit_code <= a));
    let limit = page.limit() as usize;
    let rest = &all[start.min(all.len())..];
    let items: Vec<RiskLevelDto> = rest
        .iter()
        .take(limit)
        .map(|u| dto(u, registry, date, lang))
        .collect();
    let next_cursor = (rest.len() > limit)
        .then(|| {
            items
                .last()
                .map(|u| store::Cursor::new(vec![u.unit_code.clone()]).encode())
        })
        .flatten();
    Ok(Json(ListResponse { items, next_cursor }))
}

fn failure(e: RiskFailure) -> ApiError {
    match e {
        RiskFailure::NoRule(_) => ApiError::field("date", Reason::OutOfRange),
        other => {
            tracing::error!("risk levels: {other}");
            ApiError::new(ErrorCode::Internal)
        }
    }
}

fn dto(u: &UnitRisk, registry: &Registry, date: NaiveDate, lang: Lang) -> RiskLevelDto {
    RiskLevelDto {
        unit_code: u.unit_code.clone(),
        unit_name: registry.name(&u.unit_code),
        level: u.level.number(),
        colour: u.level.colour(),
        policy: u.policy.clone(),
        week_from: (date - chrono::Days::new(6)).to_string(),
        week_to: date.to_string(),
        population: u.population,
        cases: u.cases,
        inputs: u.inputs.iter().map(InputDto::from).collect(),
        reason: match lang {
            Lang::Vi => u.reason_vi.clone(),
            Lang::En => u.reason_en.clone(),
        },
    }
}

/// A JSON object whose every field is absent or a string: `[null, null]` (which serde would
/// read positionally as a struct) or `{"date": null}` is refused naming the field, rather
/// than read as "every default", which would publish a week nobody asked for.
#[derive(Deserialize, ToSchema)]
pub struct PublishRequest {
    /// The week's last day, YYYY-MM-DD (default: today in the locality).
    date: Option<String>,
    /// `2021` (default) or `2025`.
    structure: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Published {
    week_from: String,
    week_to: String,
    /// Units published (communes, districts and provinces).
    units: u64,
}

/// Publishes the week's levels of every unit, as they stand now; the history keeps them.
#[utoipa::path(post, path = "/api/v1/risk-levels/publish", request_body = PublishRequest, responses(
    (status = 200, body = Published),
    (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    auth: Auth,
    crate::extract::ApiJson(body): crate::extract::ApiJson<serde_json::Value>,
) -> Result<Json<Published>, ApiError> {
    let body = publish_request(body)?;
    let today = crate::local_time::local_date(state.now_s());
    let weeks = crate::risk::publishable_weeks(&state, today);
    let date = opt_param("date", body.date.as_deref(), |d| {
        domain::time::parse_date(d, weeks)
    })?
    .unwrap_or(today);
    let structure = opt_param(
        "structure",
        body.structure.as_deref(),
        str::parse::<Structure>,
    )?
    .unwrap_or(Structure::S2021);
    let units = crate::risk::publish(&state, structure, date, &auth.0.user.username)
        .await
        .map_err(failure)?;
    Ok(Json(Published {
        week_from: (date - chrono::Days::new(6)).to_string(),
        week_to: date.to_string(),
        units,
    }))
}

/// The publish body: an object of strings only (see [`PublishRequest`]).
fn publish_request(body: serde_json::Value) -> Result<PublishRequest, ApiError> {
    let serde_json::Value::Object(fields) = body else {
        return Err(ApiError::field("body", Reason::InvalidFormat));
    };
    let mut errors = Vec::new();
    let mut text = |name: &str| match fields.get(name) {
        None => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(domain::FieldError::new(name, Reason::InvalidFormat));
            None
        }
    };
    let request = PublishRequest {
        date: text("date"),
        structure: text("structure"),
    };
    if errors.is_empty() {
        Ok(request)
    } else {
        Err(ApiError::invalid(errors))
    }
}

#[derive(Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// A unit code of the structure.
    unit: Option<String>,
    /// `2021` (default) or `2025`.
    structure: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublishedDto {
    week_to: String,
    level: u8,
    policy: String,
    population: i64,
    cases: i64,
    inputs: Vec<InputDto>,
    reason: String,
    published_at: String,
    published_by: String,
}

/// A unit's published levels, newest week first (up to 104 weeks).
#[utoipa::path(get, path = "/api/v1/risk-levels/history", params(HistoryQuery), responses(
    (status = 200, body = ListResponse<PublishedDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    _auth: Auth,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<ListResponse<PublishedDto>>, ApiError> {
    let lang = crate::lang::from_headers(&headers);
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let unit = q
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::field("unit", Reason::Required))?;
    if Registry::of(structure).get(unit).is_none() {
        return Err(ApiError::field("unit", Reason::NotFound));
    }
    let items = state
        .store
        .risk_history(structure, unit, 104)
        .await?
        .into_iter()
        .map(|p| PublishedDto {
            week_to: p.week_end.to_string(),
            level: p.level,
            policy: p.policy,
            population: p.population,
            cases: p.cases,
            inputs: p.inputs.iter().map(InputDto::from).collect(),
            reason: match lang {
                Lang::Vi => p.reason_vi,
                Lang::En => p.reason_en,
            },
            published_at: crate::api::cases::iso(p.published_at_s),
            published_by: p.published_by,
        })
        .collect();
    Ok(Json(ListResponse {
        items,
        next_cursor: None,
    }))
}
