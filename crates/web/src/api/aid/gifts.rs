//! Gifts recorded, and moved one step at a time along their status.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::aid::AidStatus;
use serde::{Deserialize, Serialize};
use store::aid::Receipt;
use utoipa::ToSchema;

use super::{id_of, text, today, Created, GoodsDto, PartyDto};
use crate::api::casework::slug;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
pub struct NewDonationRequest {
    pub donor: Option<PartyDto>,
    pub recipient: Option<PartyDto>,
    pub money: Option<serde_json::Value>,
    #[serde(default)]
    pub goods: Vec<GoodsDto>,
    /// YYYY-MM-DD.
    pub date: Option<String>,
    /// Default `pledged`; a gift recorded later may start further along.
    pub status: Option<String>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
    pub note: Option<String>,
}

/// Records a gift of money and/or goods. The caller's jurisdiction must hold the donor or the
/// recipient.
#[utoipa::path(post, path = "/api/v1/aid/donations", request_body = NewDonationRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_donation(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<NewDonationRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new = app::aid::new_donation(&r.into(), today(&state)).map_err(ApiError::invalid)?;
    // Through the application: a gift to a linked locality is sent with it.
    let id = app::gift::record_donation(&state.app, &auth.0, &new).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Deserialize, ToSchema)]
pub struct ReceivedGoods {
    pub item: String,
    pub quantity: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct ReceivedRequest {
    /// Money that arrived, in the gift's currency (default: all of it).
    pub money_minor: Option<i64>,
    #[serde(default)]
    pub goods: Vec<ReceivedGoods>,
}

#[derive(Deserialize, ToSchema)]
pub struct StatusRequest {
    /// The next step: `dispatched` (donor), `received` or `acknowledged` (recipient).
    pub status: Option<String>,
    pub note: Option<String>,
    /// With `received`: what arrived.
    pub received: Option<ReceivedRequest>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusDto {
    pub status: String,
}

/// Moves a gift one step along pledged → dispatched → received → acknowledged.
#[utoipa::path(post, path = "/api/v1/aid/donations/{id}/status", params(("id" = i64, Path)), request_body = StatusRequest, responses(
    (status = 200, body = StatusDto),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn advance(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<StatusRequest>,
) -> Result<Json<StatusDto>, ApiError> {
    let id = id_of(&id)?;
    let mut errors = Vec::new();
    let to = slug::<AidStatus>("status", r.status.as_deref(), &mut errors);
    let note = text("note", r.note.as_deref(), &mut errors);
    let receipt = r.received.as_ref().map(|rc| Receipt {
        money_minor: rc.money_minor,
        goods: rc
            .goods
            .iter()
            .map(|g| (g.item.clone(), g.quantity))
            .collect(),
    });
    let (Some(to), true) = (to, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let moved = app::gift::advance_donation(
        &state.app,
        &auth.0,
        id,
        to,
        receipt.as_ref(),
        note.as_deref(),
    )
    .await?
    .ok_or_else(ApiError::not_found)?;
    Ok(Json(StatusDto {
        status: moved.as_str().into(),
    }))
}

impl From<PartyDto> for app::aid::PartyInput {
    fn from(p: PartyDto) -> Self {
        app::aid::PartyInput {
            kind: p.kind,
            code_or_id: p.code_or_id,
        }
    }
}

/// Money on the wire: `{"amount_minor": 5000, "currency": "USD"}`; null is no money. The
/// amount is read as JSON has it, so that a number too big for an i64 is told apart from a
/// string.
fn money_input(v: serde_json::Value) -> Option<app::aid::MoneyInput> {
    use app::aid::AmountInput;
    if v.is_null() {
        return None;
    }
    let amount = v.get("amount_minor");
    let amount_minor = match amount.and_then(serde_json::Value::as_i64) {
        Some(a) => AmountInput::Whole(a),
        None if amount.is_none_or(serde_json::Value::is_null) => AmountInput::Missing,
        None if amount
            .is_some_and(|a| a.is_u64() || a.as_f64().is_some_and(|f| f.fract() == 0.0)) =>
        {
            AmountInput::TooBig
        }
        None => AmountInput::Malformed,
    };
    Some(app::aid::MoneyInput {
        amount_minor,
        currency: v
            .get("currency")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string),
    })
}

impl From<NewDonationRequest> for app::aid::DonationInput {
    fn from(r: NewDonationRequest) -> Self {
        app::aid::DonationInput {
            donor: r.donor.map(Into::into),
            recipient: r.recipient.map(Into::into),
            money: r.money.and_then(money_input),
            goods: r
                .goods
                .into_iter()
                .map(|g| app::aid::GoodsInput {
                    item: g.item,
                    quantity: g.quantity,
                })
                .collect(),
            date: r.date,
            status: r.status,
            source: r.source,
            source_quote: r.source_quote,
            note: r.note,
        }
    }
}
