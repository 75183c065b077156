//! Donors and recipients on the wire, and the organisations that give or receive aid.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::aid::PartyKind;
use domain::{FieldError, Reason, UnitCode};
use serde::{Deserialize, Serialize};
use store::aid::{NewOrg, PartyRef, PartySel};
use utoipa::ToSchema;

use super::{text, Created};
use crate::api::casework::{required, slug};
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct PartyDto {
    /// `locality`, `party_committee`, `peoples_committee`, `police`, `fatherland_front`,
    /// `trade_union`, `enterprise`, `religious_group` or `individual`.
    pub kind: String,
    /// A unit code for a locality ("01", "LA-VT"), an organisation id otherwise.
    pub code_or_id: String,
    /// Ignored in requests.
    #[serde(default)]
    pub name: String,
}

pub(super) fn party_dto(p: &store::aid::Party) -> PartyDto {
    PartyDto {
        kind: p.kind.as_str().into(),
        code_or_id: p.code_or_id.clone(),
        name: p.name.clone(),
    }
}

/// `01`, `LA-VT` (a unit and everything in it) or `org:5` (one organisation).
pub(super) fn party_sel(s: &str) -> Result<PartySel, Reason> {
    match s.strip_prefix("org:") {
        Some(id) => id
            .parse::<i64>()
            .ok()
            .filter(|&i| i > 0)
            .map(PartySel::Org)
            .ok_or(Reason::InvalidFormat),
        None => UnitCode::parse(s).map(PartySel::Unit),
    }
}

pub(super) fn party_ref(
    field: &str,
    p: Option<&PartyDto>,
    errors: &mut Vec<FieldError>,
) -> Option<PartyRef> {
    let p = required(field, p, errors)?;
    let kind = slug::<PartyKind>(&format!("{field}.kind"), Some(&p.kind), errors);
    let code = required(
        &format!("{field}.code_or_id"),
        Some(p.code_or_id.trim()).filter(|c| !c.is_empty() && c.len() <= 32),
        errors,
    );
    Some(PartyRef {
        kind: kind?,
        code_or_id: code?.to_string(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct OrgRequest {
    pub kind: Option<String>,
    pub name: Option<String>,
    /// The organisation's locality (unit code).
    pub unit: Option<String>,
}

/// Registers an organisation that gives or receives aid (or returns the existing one).
#[utoipa::path(post, path = "/api/v1/aid/organisations", request_body = OrgRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_org(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<OrgRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let mut errors = Vec::new();
    let kind = slug::<PartyKind>("kind", r.kind.as_deref(), &mut errors);
    if kind == Some(PartyKind::Locality) {
        errors.push(FieldError::new("kind", Reason::UnknownValue));
    }
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let unit = match r.unit.as_deref() {
        None | Some("") => required::<UnitCode>("unit", None, &mut errors),
        Some(u) => UnitCode::parse(u)
            .map_err(|e| errors.push(FieldError::new("unit", e)))
            .ok(),
    };
    let (Some(kind), Some(name), Some(unit), true) = (kind, name, unit, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let id = state
        .store
        .add_aid_org(&auth.0, &NewOrg { kind, name, unit }, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
