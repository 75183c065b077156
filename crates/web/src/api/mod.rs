//! Handlers of the JSON API and their wire types. Each module owns its request and response
//! types and converts from `domain`/`store` types; nothing else here knows JSON.

pub mod aid;
pub mod audit;
pub mod auth;
pub mod boundaries;
pub mod capacity;
pub mod care_elsewhere;
pub mod case_batch;
pub mod cases;
pub mod casework;
pub mod checkins;
pub mod exposures;
pub mod facilities;
pub mod fhir;
pub mod followup;
pub mod forecast;
pub mod handovers;
pub mod health;
pub mod imports;
pub mod letters;
pub mod national;
pub mod persons;
pub mod policies;
pub mod risk;
pub mod share;
pub mod tracing;
pub mod units;
pub mod vaccination;
pub mod venues;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// Every list answers `{"items": [...], "next_cursor": ...}`; `next_cursor` is null on the
/// last page.
#[derive(Serialize, ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> ListResponse<T> {
    pub fn from_page<U>(page: store::Page<U>, f: impl FnMut(U) -> T) -> ListResponse<T> {
        ListResponse {
            items: page.items.into_iter().map(f).collect(),
            next_cursor: page.next.map(|c| c.encode()),
        }
    }
}

/// `?limit=&cursor=`, common to every list.
#[derive(Deserialize, IntoParams, Default)]
pub struct PageParams {
    /// 1–1000, default 50.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn parse(&self) -> Result<store::PageRequest, ApiError> {
        let limit = match self.limit.as_deref() {
            None | Some("") => store::LIMIT_DEFAULT,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (1..=store::LIMIT_MAX).contains(&n) => n,
                Ok(_) => return Err(ApiError::field("limit", domain::Reason::OutOfRange)),
                Err(_) => return Err(ApiError::field("limit", domain::Reason::InvalidFormat)),
            },
        };
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => Some(store::Cursor::decode(c)?),
        };
        Ok(store::PageRequest { limit, after })
    }
}

/// Parses an optional query value with `parse`, reporting `field` on failure.
pub fn opt_param<T>(
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, domain::Reason>,
) -> Result<Option<T>, ApiError> {
    match value {
        None | Some("") => Ok(None),
        Some(v) => parse(v).map(Some).map_err(|r| ApiError::field(field, r)),
    }
}
