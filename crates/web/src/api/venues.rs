//! Venues: search, one venue, registration, and its printable QR poster.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::epi::VenueKind;
use domain::{Reason, Structure, VenueId};
use serde::{Deserialize, Serialize};
use store::{Venue, VenueFilter};
use utoipa::{IntoParams, ToSchema};

use super::{opt_param, ListResponse, PageParams};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::qr;
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct VenueDto {
    id: i64,
    name: String,
    /// `market`, `supermarket`, `restaurant`, `cafe`, `office`, `factory`,
    /// `industrial_park`, `school`, `hospital`, `clinic`, `pagoda`, `church`,
    /// `apartment_lobby` or `bus_station`.
    kind: &'static str,
    unit_code: String,
    structure: &'static str,
    address: Option<String>,
    capacity: Option<i64>,
    /// Opening hours, "HH:MM" local time.
    opens: String,
    closes: String,
    qr_payload: String,
}

use app::local_time::hhmm;

impl From<Venue> for VenueDto {
    fn from(v: Venue) -> VenueDto {
        VenueDto {
            id: v.id.0,
            name: v.name,
            kind: v.kind.as_str(),
            unit_code: v.unit_code.to_string(),
            structure: v.structure.as_str(),
            address: v.address,
            capacity: v.capacity,
            opens: hhmm(v.open_min),
            closes: hhmm(v.close_min),
            qr_payload: v.qr_payload,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct VenueQuery {
    /// `2021` (default) or `2025`.
    structure: Option<String>,
    kind: Option<String>,
    /// Part of the name.
    q: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// Venues in the caller's jurisdiction, by unit.
#[utoipa::path(get, path = "/api/v1/venues", params(VenueQuery), responses(
    (status = 200, body = ListResponse<VenueDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<VenueQuery>,
) -> Result<Json<ListResponse<VenueDto>>, ApiError> {
    let structure = opt_param("structure", q.structure.as_deref(), str::parse::<Structure>)?
        .unwrap_or(Structure::S2021);
    let kind = opt_param("kind", q.kind.as_deref(), str::parse::<VenueKind>)?;
    let name_contains = match q.q.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) if s.chars().count() > 100 => return Err(ApiError::field("q", Reason::TooLong)),
        Some(s) => Some(s.to_string()),
    };
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let venues = state
        .store
        .list_venues(
            &auth.0.scope,
            structure,
            &VenueFilter {
                kind,
                name_contains,
            },
            &page,
        )
        .await?;
    Ok(Json(ListResponse::from_page(venues, VenueDto::from)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewVenueRequest {
    name: Option<String>,
    /// A venue kind (see `VenueDto::kind`).
    kind: Option<String>,
    /// The commune's code (2021 structure unless `structure` says 2025), in the caller's
    /// jurisdiction.
    unit: Option<String>,
    structure: Option<String>,
    address: Option<String>,
    /// How many people it holds at once, 1 to 100,000.
    capacity: Option<i64>,
    /// Opening hours, "HH:MM" local time; absent: 00:00 and 24:00.
    opens: Option<String>,
    closes: Option<String>,
}

/// Registers a venue in a commune of the caller's jurisdiction; its QR payload is made from
/// its id. Audited.
#[utoipa::path(post, path = "/api/v1/venues", request_body = NewVenueRequest, responses(
    (status = 201, body = VenueDto),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<NewVenueRequest>,
) -> Result<(StatusCode, Json<VenueDto>), ApiError> {
    let input = app::venues::VenueInput {
        name: r.name,
        kind: r.kind,
        unit: r.unit,
        structure: r.structure,
        address: r.address,
        capacity: r.capacity,
        opens: r.opens,
        closes: r.closes,
    };
    let venue = state
        .register_venue(&auth.0, &input)
        .await
        .map_err(|e| match e {
            app::venues::VenueError::Invalid(fields) => ApiError::invalid(fields),
            app::venues::VenueError::Store(e) => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(venue.into())))
}

async fn venue_in_scope(state: &AppState, auth: &Auth, id: &str) -> Result<Venue, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    state
        .store
        .get_venue(&auth.0.scope, VenueId(id))
        .await?
        .ok_or_else(ApiError::not_found)
}

/// One venue; 404 outside the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/venues/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = VenueDto),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<VenueDto>, ApiError> {
    Ok(Json(venue_in_scope(&state, &auth, &id).await?.into()))
}

/// The printable A4 poster with the venue's QR code (SVG).
#[utoipa::path(get, path = "/api/v1/venues/{id}/poster.svg", params(("id" = i64, Path)), responses(
    (status = 200, content_type = "image/svg+xml", body = String),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn poster_svg(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let v = venue_in_scope(&state, &auth, &id).await?;
    // The code opens the citizen's page (`/v/{token}`), not the old `CDV1:` payload.
    let url = crate::ui::citizen::poster_url(&state, &headers, v.id.0).await?;
    let place = state
        .store
        .unit_unscoped(v.structure, &v.unit_code)
        .await?
        .map(|u| u.full_name())
        .unwrap_or_default();
    let svg = qr::poster_svg(&qr::Poster {
        payload: &url,
        venue_name: &v.name,
        kind_label: v.kind.label_vi(),
        place: &place,
        venue_id: v.id.0,
    })
    .map_err(|e| {
        tracing::error!("poster for venue {}: {e}", v.id);
        ApiError::new(ErrorCode::Internal)
    })?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}

/// The venue's QR code alone as a PNG image (8 px per module, with its quiet zone).
#[utoipa::path(get, path = "/api/v1/venues/{id}/qr.png", params(("id" = i64, Path)), responses(
    (status = 200, content_type = "image/png", body = Vec<u8>),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn qr_png(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let v = venue_in_scope(&state, &auth, &id).await?;
    let url = crate::ui::citizen::poster_url(&state, &headers, v.id.0).await?;
    let png = qr::code_png(&url, 8).map_err(|e| {
        tracing::error!("QR PNG for venue {}: {e}", v.id);
        ApiError::new(ErrorCode::Internal)
    })?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}
