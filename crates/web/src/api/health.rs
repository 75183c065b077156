use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
    database: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, body = Health),
    (status = 503, body = crate::error::ErrorBody, description = "database not answering")
))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|_| ApiError::new(ErrorCode::Unavailable))?;
    Ok(Json(Health {
        status: "ok",
        database: state.store_dialect(),
    }))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

impl AppState {
    fn store_dialect(&self) -> &'static str {
        match self.store.dialect() {
            store::Dialect::Sqlite => "sqlite",
            store::Dialect::Postgres => "postgres",
        }
    }
}
