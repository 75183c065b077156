//! The audit log, for administrators: the rows placed in their own jurisdiction
//! (`store::audit`), kept for the retention of `data/policies/audit.toml`.

use axum::extract::State;
use axum::Json;
use chrono::SecondsFormat;
use domain::Reason;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct AuditDto {
    id: i64,
    /// RFC 3339, UTC.
    at: String,
    user_id: Option<i64>,
    actor: String,
    /// `read`, `list`, `create`, `update` or `delete`.
    action: String,
    /// The record's kind, or for a list the list's kind (`persons`, `case_contacts`, …).
    entity: String,
    /// The record, or what the list is of (a case id; empty for a list over a scope).
    entity_id: String,
    detail: Option<String>,
    /// For a list: the kind of the records it showed (`person`, `case`) and their ids.
    item_entity: Option<String>,
    item_ids: Vec<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// With `entity_id`: one record's trail, e.g. `person`.
    entity: Option<String>,
    entity_id: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Who read or changed which personal record, newest first: the rows about records in the
/// caller's jurisdiction (rows without a place only for a country-wide scope). With
/// `entity` and `entity_id`, one record's trail, including the lists that showed it.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses(
    (status = 200, body = ListResponse<AuditDto>),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<ListResponse<AuditDto>>, ApiError> {
    let record = match (q.entity.as_deref(), q.entity_id.as_deref()) {
        (None, None) => None,
        (Some(e), Some(id)) if !e.is_empty() && !id.is_empty() => Some((e, id)),
        (_, None) | (_, Some("")) => return Err(ApiError::field("entity_id", Reason::Required)),
        _ => return Err(ApiError::field("entity", Reason::Required)),
    };
    let page = PageParams {
        limit: q.limit.clone(),
        cursor: q.cursor.clone(),
    }
    .parse()?;
    let rows = state.store.list_audit(&auth.0, record, &page).await?;
    Ok(Json(ListResponse::from_page(rows, |a| AuditDto {
        id: a.id,
        at: a.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        user_id: a.user.map(|u| u.0),
        actor: a.actor,
        action: a.action,
        entity: a.entity,
        entity_id: a.entity_id,
        detail: a.detail,
        item_entity: a.item_entity,
        item_ids: a.item_ids,
    })))
}
