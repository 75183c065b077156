//! Thank-you letters sent and received (issue #17, "What travels" 4): the list, and recording
//! a letter (sent to a linked locality, it travels there through `app::letters`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use store::Letter;
use utoipa::ToSchema;

use super::aid::{today, Created};
use super::{ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct LetterDto {
    pub id: i64,
    /// `sent` or `received`.
    pub direction: String,
    /// The partner locality's code; null for another partner named only.
    pub partner_code: Option<String>,
    /// The partner's name (a linked locality's as our registry names it).
    pub partner_name: String,
    /// `gift`, `help` or `residents_cared`.
    pub kind: String,
    /// YYYY-MM-DD.
    pub on_date: String,
    pub subject: String,
    pub text: String,
    pub signed_by: String,
    pub donation_id: Option<i64>,
    /// Who recorded it (`link:<code>` for a letter received through the link).
    pub recorded_by: String,
}

fn dto(l: Letter) -> LetterDto {
    LetterDto {
        id: l.id.get(),
        direction: l.row.direction.as_str().into(),
        partner_code: l.row.partner_code,
        partner_name: l.row.partner_name,
        kind: l.row.kind.as_str().into(),
        on_date: l.row.on_date.to_string(),
        subject: l.row.subject,
        text: l.row.text,
        signed_by: l.row.signed_by,
        donation_id: l.row.donation_id.map(|d| d.get()),
        recorded_by: l.created_by,
    }
}

/// Letters sent and received, newest first.
#[utoipa::path(get, path = "/api/v1/letters", params(PageParams), responses(
    (status = 200, body = ListResponse<LetterDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list_letters(
    State(state): State<AppState>,
    _auth: Auth,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Json<ListResponse<LetterDto>>, ApiError> {
    let page = state.store.list_letters(&q.parse()?).await?;
    Ok(Json(ListResponse::from_page(page, dto)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct LetterRequest {
    /// A locality code (a linked locality's letter travels there); empty or absent with
    /// `partner_name` for another partner.
    pub to: Option<String>,
    pub partner_name: Option<String>,
    /// `gift`, `help` or `residents_cared`.
    pub kind: Option<String>,
    /// YYYY-MM-DD, not after today.
    pub on_date: Option<String>,
    /// At most 200 characters.
    pub subject: Option<String>,
    /// At most 8,000 characters.
    pub text: Option<String>,
    /// Name and office, at most 200 characters.
    pub signed_by: Option<String>,
    /// The gift thanked for (kind `gift` only, and then required).
    pub donation_id: Option<i64>,
}

impl From<LetterRequest> for app::letters::LetterInput {
    fn from(r: LetterRequest) -> Self {
        app::letters::LetterInput {
            to: r.to,
            partner_name: r.partner_name,
            kind: r.kind,
            on_date: r.on_date,
            subject: r.subject,
            text: r.text,
            signed_by: r.signed_by,
            donation_id: r.donation_id,
        }
    }
}

/// Records a thank-you letter we sent. To a linked locality it travels and is recorded there
/// as received; a `gift` letter for a received gift acknowledges it.
#[utoipa::path(post, path = "/api/v1/letters", request_body = LetterRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn post_letter(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<LetterRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let draft = app::letters::new_letter(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    let id = app::letters::record_letter(&state.app, &auth.0, &draft).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}
