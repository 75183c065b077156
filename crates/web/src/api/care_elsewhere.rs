//! `GET /api/v1/care-elsewhere` (issue #17, "What travels" 4): the numbers of the
//! `/care-elsewhere` page (`app::care_away`) — per partner locality, our residents it
//! vaccinated, treated and helped home over a date range, and the persons for roles that
//! may read personal data (a viewer gets the counts only).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::opt_param;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

#[derive(Deserialize, IntoParams)]
pub struct CareElsewhereQuery {
    /// YYYY-MM-DD, default 90 days before `to`.
    from: Option<String>,
    /// YYYY-MM-DD, default today.
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaredPersonDto {
    person_id: i64,
    full_name: String,
    /// `vaccinated`, `treated` or `helped_home`.
    kind: String,
    /// YYYY-MM-DD.
    on: String,
    detail: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PartnerCareDto {
    /// The partner locality's code.
    code: String,
    /// Its name in the registry.
    name: String,
    vaccinated: i64,
    treated: i64,
    helped_home: i64,
    /// Absent for a role that may not read personal data.
    persons: Option<Vec<CaredPersonDto>>,
    /// The thank-you letter's form for this partner.
    letter: String,
}

#[derive(Serialize, ToSchema)]
pub struct CareElsewhereDto {
    from: String,
    to: String,
    partners: Vec<PartnerCareDto>,
}

/// Our residents cared for in partner localities, per partner.
#[utoipa::path(get, path = "/api/v1/care-elsewhere", params(CareElsewhereQuery), responses(
    (status = 200, body = CareElsewhereDto),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn care_elsewhere(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CareElsewhereQuery>,
) -> Result<Json<CareElsewhereDto>, ApiError> {
    let to = opt_param("to", q.to.as_deref(), app::input::date)?;
    let from = opt_param("from", q.from.as_deref(), app::input::date)?;
    let to = to.unwrap_or_else(|| state.app.today());
    let from = from.unwrap_or(to - chrono::Days::new(90)).min(to);
    let view = state.app.care_elsewhere_view(&auth.0, from, to).await?;
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    Ok(Json(CareElsewhereDto {
        from: day(view.from),
        to: day(view.to),
        partners: view
            .partners
            .into_iter()
            .map(|p| PartnerCareDto {
                letter: crate::ui::care_elsewhere_letter(&p.code),
                vaccinated: p.counts[0],
                treated: p.counts[1],
                helped_home: p.counts[2],
                persons: view.names.then(|| {
                    p.persons
                        .iter()
                        .map(|c| CaredPersonDto {
                            person_id: c.person_id.0,
                            full_name: c.full_name.clone(),
                            kind: c.kind.as_str().into(),
                            on: day(c.on_date),
                            detail: c.detail.clone(),
                        })
                        .collect()
                }),
                code: p.code,
                name: p.name,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct HelpedHomeRequest {
    /// YYYY-MM-DD, from 2020-01-23 to today; default today.
    on: Option<String>,
    /// The means or a note, at most 500 characters.
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HelpedHomeDto {
    id: i64,
}

/// Records that a person living in another linked locality was helped home (`App::helped_home`):
/// their home locality gets it and puts them on its follow-up list. 400 names the field:
/// `on` (malformed, in the future or before 2020-01-23), `note` (too long), `person_id`
/// `not_allowed` (the person does not live in another linked locality); 404: the person is
/// not in the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/persons/{id}/helped-home", params(("id" = i64, Path)),
    request_body = HelpedHomeRequest, responses(
    (status = 201, body = HelpedHomeDto),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn helped_home(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<HelpedHomeRequest>,
) -> Result<(StatusCode, Json<HelpedHomeDto>), ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let input = app::care_away::HelpedHomeInput {
        on: r.on,
        note: r.note,
    };
    match state
        .app
        .helped_home(&auth.0, domain::PersonId(id), &input)
        .await
    {
        Ok(Some(id)) => Ok((StatusCode::CREATED, Json(HelpedHomeDto { id }))),
        Ok(None) => Err(ApiError::not_found()),
        Err(app::care_away::HelpedHomeError::Invalid(f)) => Err(ApiError::invalid(f)),
        Err(app::care_away::HelpedHomeError::Store(e)) => Err(e.into()),
    }
}
