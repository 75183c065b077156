//! A line list of new cases by API (issue #15, item 2): the rows of the case-entry page, all
//! saved or none.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;
use app::case_batch::LineInput;
use app::cases::{CaseInput, TestInput};
use domain::person::PersonInput;

#[derive(Deserialize, ToSchema)]
pub struct LineTest {
    /// `pcr` or `antigen`.
    kind: Option<String>,
    /// RFC 3339.
    sample_at: Option<String>,
    result_at: Option<String>,
    ct: Option<f64>,
}

/// A person registered with their case (the fields of `POST /api/v1/persons`).
#[derive(Deserialize, ToSchema)]
pub struct LineNewPerson {
    full_name: Option<String>,
    national_id: Option<String>,
    phone: Option<String>,
    /// YYYY-MM-DD.
    birth_date: Option<String>,
    sex: Option<String>,
    /// Unit of residence: "00001" or "2025:CODE".
    unit: Option<String>,
    address: Option<String>,
}

/// One row: `person_id` of a registered person, or `person` to register; then the case as
/// in `POST /api/v1/cases`.
#[derive(Deserialize, ToSchema)]
pub struct LineRequest {
    person_id: Option<i64>,
    person: Option<LineNewPerson>,
    severity: Option<String>,
    onset: Option<String>,
    test: Option<LineTest>,
    isolation_at: Option<String>,
    community: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
pub struct BatchRequest {
    /// At most 100 rows.
    rows: Vec<LineRequest>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedLine {
    case_id: i64,
    person_id: i64,
    /// The person was registered with this row.
    new_person: bool,
}

/// Registers several cases at once, each for a registered person or one registered with it:
/// every row is checked first and all are saved in one transaction, or none (400 naming
/// each bad field as `rows.N.field`, rows counted from 0).
#[utoipa::path(post, path = "/api/v1/cases/batch", request_body = BatchRequest, responses(
    (status = 201, body = Vec<CreatedLine>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_batch(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<BatchRequest>,
) -> Result<(StatusCode, Json<Vec<CreatedLine>>), ApiError> {
    let lines: Vec<LineInput> = r
        .rows
        .into_iter()
        .map(|l| {
            let address = l.person.as_ref().and_then(|p| p.address.clone());
            LineInput {
                person_id: l.person_id,
                person: l.person.map(|p| PersonInput {
                    full_name: p.full_name,
                    national_id: p.national_id,
                    phone: p.phone,
                    birth_date: p.birth_date,
                    sex: p.sex,
                    unit: p.unit,
                }),
                address,
                case: CaseInput {
                    person_id: None,
                    severity: l.severity,
                    onset: l.onset,
                    test: l.test.map(|t| TestInput {
                        kind: t.kind,
                        sample_at: t.sample_at,
                        result_at: t.result_at,
                        ct: t.ct,
                    }),
                    isolation_at: l.isolation_at,
                    community: l.community,
                },
            }
        })
        .collect();
    let created = state
        .create_cases(&auth.0, &lines)
        .await
        .map_err(|e| match e {
            app::cases::CaseError::Invalid(fields) => ApiError::invalid(fields),
            app::cases::CaseError::Store(e) => e.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(
            created
                .into_iter()
                .map(|c| CreatedLine {
                    case_id: c.case_id.0,
                    person_id: c.person_id.0,
                    new_person: c.new_person,
                })
                .collect(),
        ),
    ))
}
