//! The administrative units registry, filtered to the caller's jurisdiction.

use axum::extract::{Path, State};
use axum::Json;
use domain::{Reason, Structure, Unit, UnitCode, UnitKind, UnitLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{opt_param, ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    code: String,
    name: String,
    /// The name with its type, e.g. "Phường Phúc Xá".
    full_name: String,
    name_ascii: String,
    /// `country` (foreign partners only), `province`, `district` (2021 only) or `commune`.
    level: &'static str,
    /// `tinh`, `thanh_pho_tw`, `quan`, `huyen`, `thi_xa`, `thanh_pho`, `xa`, `phuong`,
    /// `thi_tran`, `dac_khu`, `foreign_country`, `foreign_capital`, `foreign_province`.
    #[serde(rename = "type")]
    unit_type: &'static str,
    /// `domestic` or `foreign` (a partner locality).
    kind: &'static str,
    parent_code: Option<String>,
    structure: &'static str,
    lat: Option<f64>,
    lon: Option<f64>,
    area_km2: Option<f64>,
}

impl From<Unit> for UnitDto {
    fn from(u: Unit) -> UnitDto {
        UnitDto {
            full_name: u.full_name(),
            code: u.code.to_string(),
            name: u.name,
            name_ascii: u.name_ascii,
            level: u.level.as_str(),
            unit_type: u.unit_type.as_str(),
            kind: u.kind.as_str(),
            parent_code: u.parent_code.map(|c| c.to_string()),
            structure: u.structure.as_str(),
            lat: u.lat,
            lon: u.lon,
            area_km2: u.area_km2,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UnitQuery {
    /// `2021` (default: the structure of the COVID-19 years) or `2025`.
    structure: Option<String>,
    /// `country`, `province`, `district` or `commune`.
    level: Option<String>,
    /// Only the direct children of this unit code.
    parent: Option<String>,
    /// `domestic` (default), `foreign` (partner localities) or `all`.
    kind: Option<String>,
    /// Part of the name, with or without diacritics.
    q: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Lists units in the caller's jurisdiction, in tree order, by cursor.
#[utoipa::path(get, path = "/api/v1/units", params(UnitQuery), responses(
    (status = 200, body = ListResponse<UnitDto>),
    (status = 400, body = crate::error::ErrorBody),
    (status = 401, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> Result<Json<ListResponse<UnitDto>>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let level = opt_param("level", q.level.as_deref(), str::parse::<UnitLevel>)?;
    let parent = opt_param("parent", q.parent.as_deref(), UnitCode::parse)?;
    let kind = match q.kind.as_deref() {
        None | Some("") => Some(UnitKind::Domestic),
        Some("all") => None,
        Some(k) => Some(
            k.parse::<UnitKind>()
                .map_err(|r| ApiError::field("kind", r))?,
        ),
    };
    let name_contains = match q.q.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) if s.chars().count() > 100 => return Err(ApiError::field("q", Reason::TooLong)),
        Some(s) => Some(domain::text::fold_diacritics(s)),
    };
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let filter = store::UnitFilter {
        structure,
        level,
        parent,
        kind,
        name_contains,
    };
    let units = state
        .store
        .list_units(&caller.scope, &filter, &page)
        .await?;
    Ok(Json(ListResponse::from_page(units, UnitDto::from)))
}

/// One unit, if it is in the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/units/{structure}/{code}", params(
    ("structure" = String, Path, description = "`2021` or `2025`"),
    ("code" = String, Path, description = "official code, e.g. `00001`")
), responses(
    (status = 200, body = UnitDto),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path((structure, code)): Path<(String, String)>,
) -> Result<Json<UnitDto>, ApiError> {
    let (Ok(structure), Ok(code)) = (structure.parse::<Structure>(), UnitCode::parse(&code)) else {
        return Err(ApiError::not_found());
    };
    let unit = state
        .store
        .get_unit(&caller.scope, structure, &code)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(unit.into()))
}
