//! A locality's overrides of policy values (`/api/v1/policies/overrides`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct OverrideDto {
    id: i64,
    /// `risk_levels.toml` or `care.toml`.
    file: String,
    /// The legal document whose period the value belongs to, e.g. `4800/QĐ-BYT`.
    document: String,
    /// Dotted path of the value, e.g. `risk.transmission.cases_per_100k_week.cut_offs.1`.
    key: String,
    old_value: String,
    /// The replaced value's status: `verified`, `partly`, `assumed` or `local`.
    old_status: &'static str,
    new_value: String,
    note: Option<String>,
    by: String,
    at: String,
}

#[derive(Serialize, ToSchema)]
pub struct OverrideList {
    items: Vec<OverrideDto>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewOverride {
    /// `risk_levels` or `care`.
    file: Option<String>,
    document: Option<String>,
    key: Option<String>,
    /// The new value as a TOML literal: `40.0`, `"facility"`, `[1, 7]`.
    value: Option<String>,
    /// Why (the local decision it follows).
    note: Option<String>,
}

/// Every override the locality made, oldest first (the order they apply in).
#[utoipa::path(get, path = "/api/v1/policies/overrides", responses(
    (status = 200, body = OverrideList)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Auth,
) -> Result<Json<OverrideList>, ApiError> {
    let items = state
        .store
        .policy_overrides()
        .await?
        .into_iter()
        .map(|o| OverrideDto {
            id: o.id,
            file: o.file,
            document: o.document,
            key: o.key,
            old_value: o.old_value,
            old_status: o.old_status.as_str(),
            new_value: o.new_value,
            note: o.note,
            by: o.by_username,
            at: crate::api::cases::iso(o.at_s),
        })
        .collect();
    Ok(Json(OverrideList { items }))
}

/// Sets one policy value for the locality. The whole file is checked again with the new
/// value (types, bands in order, a complete matrix); if it fails, nothing changes.
#[utoipa::path(post, path = "/api/v1/policies/overrides", request_body = NewOverride, responses(
    (status = 201, body = OverrideDto),
    (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewOverride>,
) -> Result<(StatusCode, Json<OverrideDto>), ApiError> {
    let input = app::rules::OverrideInput {
        file: body.file,
        document: body.document,
        key: body.key,
        value: body.value,
        note: body.note,
    };
    let (id, rec) = state
        .override_policy(auth.0.user.id, &input)
        .await
        .map_err(|e| match e {
            app::rules::OverrideError::Invalid(fields) => ApiError::invalid(fields),
            app::rules::OverrideError::Store(e) => e.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(OverrideDto {
            id,
            file: rec.file.to_string(),
            document: rec.document,
            key: rec.key,
            old_value: rec.old_value,
            old_status: rec.old_status.as_str(),
            new_value: rec.new_value,
            note: input
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            by: auth.0.user.username.clone(),
            at: crate::api::cases::iso(rec.at_s),
        }),
    ))
}
