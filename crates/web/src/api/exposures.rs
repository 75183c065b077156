//! The published exposure places (`GET /api/v1/public/exposures`, issue #18 part 3): no
//! account, no personal data.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::local_time::iso;
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct PublicPlaceDto {
    id: i64,
    /// The venue's name.
    venue: String,
    address: Option<String>,
    /// The venue's commune and district by name.
    commune: String,
    district: String,
    /// The local day, YYYY-MM-DD.
    date: String,
    /// When a case was there (RFC 3339, UTC).
    from: String,
    to: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicPlaces {
    items: Vec<PublicPlaceDto>,
}

/// The published exposure places of the days check-ins are kept, newest first.
#[utoipa::path(get, path = "/api/v1/public/exposures", responses(
    (status = 200, body = PublicPlaces)
))]
pub async fn list(State(state): State<AppState>) -> Result<Json<PublicPlaces>, ApiError> {
    let mut places = state.public_exposures().await.map_err(ApiError::from)?;
    places.sort_by_key(|p| std::cmp::Reverse(p.from_s));
    Ok(Json(PublicPlaces {
        items: places
            .into_iter()
            .map(|p| PublicPlaceDto {
                id: p.id,
                venue: p.venue,
                address: p.address,
                commune: p.commune,
                district: p.district,
                date: p.date.to_string(),
                from: iso(p.from_s),
                to: iso(p.to_s),
            })
            .collect(),
    }))
}
