//! Vaccine doses (a batch answered per item, idempotent on the sender's id), a person's
//! doses, and coverage per unit.

use axum::extract::{Path, State};
use axum::Json;
use chrono::NaiveDate;
use domain::{FieldError, PersonId, Reason, Structure, UnitLevel};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{DoseItem, DOSE_BATCH_MAX};
use utoipa::{IntoParams, ToSchema};

use super::checkins::{answer_items, item_id, CheckinResponse};
use super::opt_param;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
pub struct DoseRequest {
    /// The sender's id for this dose: a retried batch resends it and it is not stored twice.
    #[schema(value_type = String)]
    id: Option<Value>,
    person_id: Option<i64>,
    /// `astrazeneca`, `pfizer`, `moderna`, `sinopharm`, `sputnik_v`, `janssen`, `abdala`,
    /// `hayat_vax`.
    product: Option<String>,
    /// 1–5.
    dose_no: Option<i64>,
    /// YYYY-MM-DD.
    given_on: Option<String>,
    /// Code of the unit where the dose was given.
    unit: Option<String>,
    /// The vaccine lot, as written on the vial (at most 40 characters).
    lot: Option<String>,
}

fn parse_dose(r: &DoseRequest, today: NaiveDate) -> Result<DoseItem, Vec<FieldError>> {
    let mut errors = Vec::new();
    let client_id = item_id(&r.id, &mut errors);
    let input = app::vaccination::DoseInput {
        client_id,
        person_id: r.person_id,
        product: r.product.clone(),
        dose_no: r.dose_no,
        given_on: r.given_on.clone(),
        unit: r.unit.clone(),
        lot: r.lot.clone(),
    };
    app::vaccination::dose(&input, today, &mut errors).ok_or(errors)
}

/// Records up to 1,000 doses of persons in the caller's jurisdiction. Each item is answered
/// `accepted`, `duplicate` (its id was stored before) or `rejected` with the fields at fault;
/// coverage counts change in the same transaction.
#[utoipa::path(post, path = "/api/v1/vaccinations", request_body = Vec<DoseRequest>, responses(
    (status = 200, body = CheckinResponse),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn record(
    State(state): State<AppState>,
    auth: Auth,
    crate::lang::AcceptLanguage(lang): crate::lang::AcceptLanguage,
    ApiJson(batch): ApiJson<Vec<DoseRequest>>,
) -> Result<Json<CheckinResponse>, ApiError> {
    if batch.is_empty() {
        return Err(ApiError::field("items", Reason::Required));
    }
    if batch.len() > DOSE_BATCH_MAX {
        return Err(ApiError::field("items", Reason::TooLong));
    }
    let today = state.today();
    let (mut form, mut valid, mut valid_index) = (Vec::new(), Vec::new(), Vec::new());
    for (i, r) in batch.iter().enumerate() {
        match parse_dose(r, today) {
            Ok(item) => {
                valid.push(item);
                valid_index.push(i);
                form.push(None);
            }
            Err(e) => form.push(Some(e)),
        }
    }
    let outcomes = state.record_doses(&auth.0, &valid).await?;
    let ids = batch.iter().map(|r| item_id(&r.id, &mut Vec::new()));
    Ok(Json(answer_items(ids, form, valid_index, outcomes, lang)))
}

#[derive(Serialize, ToSchema)]
pub struct DoseDto {
    dose_no: u8,
    product: String,
    given_on: String,
    unit_code: String,
    lot: Option<String>,
}

/// A person's doses (audited as a read).
#[utoipa::path(get, path = "/api/v1/persons/{id}/vaccinations", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<DoseDto>),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn of_person(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<DoseDto>>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let doses = state
        .store
        .person_doses(&auth.0, PersonId(id), state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(
        doses
            .into_iter()
            .map(|d| DoseDto {
                dose_no: d.dose_no,
                product: d.product,
                given_on: d.given_on.to_string(),
                unit_code: d.place.to_string(),
                lot: d.lot,
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct CoverageQuery {
    /// `2021` (default) or `2025`.
    structure: Option<String>,
    /// `province`, `district` or `commune` (default).
    level: Option<String>,
    /// YYYY-MM-DD, default today.
    as_of: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CoverageDto {
    unit_code: String,
    /// Residents aged 18+ with a known birth date.
    adults: i64,
    adults_1dose: i64,
    /// Primary series completed (2 doses; 1 for Janssen; 3 for Abdala).
    adults_full: i64,
    /// Residents aged 50+ (the high-risk group: persons carry no comorbidity flag).
    high_risk: i64,
    high_risk_full: i64,
}

/// Vaccination coverage of every unit of a level in the caller's jurisdiction as of a date.
#[utoipa::path(get, path = "/api/v1/coverage", params(CoverageQuery), responses(
    (status = 200, body = Vec<CoverageDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn coverage(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<Vec<CoverageDto>>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let level = opt_param("level", q.level.as_deref(), str::parse::<UnitLevel>)?
        .unwrap_or(UnitLevel::Commune);
    let as_of = opt_param("as_of", q.as_of.as_deref(), app::input::date)?
        .unwrap_or_else(|| crate::local_time::local_date(state.now_s()));
    let rows = state
        .store
        .coverage_by_unit(&auth.0.scope, structure, level, as_of)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| CoverageDto {
                unit_code: c.unit_code,
                adults: c.adults,
                adults_1dose: c.adults_1dose,
                adults_full: c.adults_full,
                high_risk: c.high_risk,
                high_risk_full: c.high_risk_full,
            })
            .collect(),
    ))
}
