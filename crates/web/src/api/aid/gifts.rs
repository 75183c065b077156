//! Gifts recorded, and moved one step at a time along their status.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use domain::aid::{self, AidStatus, Currency, GoodsLine, Money};
use domain::time::Dates;
use domain::{FieldError, Reason};
use serde::{Deserialize, Serialize};
use store::aid::{NewDonation, Receipt};
use utoipa::ToSchema;

use super::parties::party_ref;
use super::{id_of, req_date, text, today, Created, GoodsDto, PartyDto};
use crate::api::casework::{required, slug};
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

fn money_field(v: Option<&serde_json::Value>, errors: &mut Vec<FieldError>) -> Option<Money> {
    let v = v.filter(|v| !v.is_null())?;
    let amount = v.get("amount_minor");
    let amount = match amount.and_then(serde_json::Value::as_i64) {
        Some(a) if aid::amount_in_bounds(a) => Some(a),
        Some(_) => {
            errors.push(FieldError::new("money.amount_minor", Reason::OutOfRange));
            None
        }
        None if amount.is_none_or(serde_json::Value::is_null) => {
            required::<i64>("money.amount_minor", None, errors)
        }
        // A whole number beyond an i64 (or a u64) is out of range, not malformed.
        None if amount
            .is_some_and(|a| a.is_u64() || a.as_f64().is_some_and(|f| f.fract() == 0.0)) =>
        {
            errors.push(FieldError::new("money.amount_minor", Reason::OutOfRange));
            None
        }
        None => {
            errors.push(FieldError::new("money.amount_minor", Reason::InvalidFormat));
            None
        }
    };
    let currency = slug::<Currency>(
        "money.currency",
        v.get("currency").and_then(serde_json::Value::as_str),
        errors,
    );
    Some(Money {
        amount_minor: amount?,
        currency: currency?,
    })
}

/// Validates a gift: every bad field named at once. Its date has happened by `today`.
pub(crate) fn new_donation(
    r: &NewDonationRequest,
    today: NaiveDate,
) -> Result<NewDonation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let donor = party_ref("donor", r.donor.as_ref(), &mut errors);
    let recipient = party_ref("recipient", r.recipient.as_ref(), &mut errors);
    let money = money_field(r.money.as_ref(), &mut errors);
    let mut goods = Vec::new();
    for (i, g) in r.goods.iter().enumerate() {
        match aid::item(&g.item) {
            None => errors.push(FieldError::new(
                format!("goods[{i}].item"),
                Reason::UnknownValue,
            )),
            Some(_) if !aid::quantity_in_bounds(g.quantity) => errors.push(FieldError::new(
                format!("goods[{i}].quantity"),
                Reason::OutOfRange,
            )),
            Some(item) => goods.push(GoodsLine {
                item,
                quantity: g.quantity,
            }),
        }
    }
    if r.goods.len() > store::aid::GOODS_LINES_MAX {
        errors.push(FieldError::new("goods", Reason::TooLong));
    }
    if r.money.as_ref().is_none_or(|m| m.is_null()) && r.goods.is_empty() {
        errors.push(FieldError::new("money", Reason::Required));
    }
    let on_date = req_date("date", r.date.as_deref(), Dates::past(today), &mut errors);
    let status = match r.status.as_deref() {
        None | Some("") => Some(AidStatus::Pledged),
        s => slug::<AidStatus>("status", s, &mut errors),
    };
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    let source_quote = text("source_quote", r.source_quote.as_deref(), &mut errors);
    let note = text("note", r.note.as_deref(), &mut errors);
    let (Some(donor), Some(recipient), Some(on_date), Some(status), Some(source), true) =
        (donor, recipient, on_date, status, source, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewDonation {
        donor,
        recipient,
        money,
        goods,
        on_date,
        status,
        source,
        source_quote,
        note,
    })
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
    let new = new_donation(&r, today(&state)).map_err(ApiError::invalid)?;
    let id = state
        .store
        .create_donation(&auth.0, &new, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
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
    let moved = state
        .store
        .advance_donation(
            &auth.0,
            id,
            to,
            receipt.as_ref(),
            note.as_deref(),
            state.now_s(),
        )
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(StatusDto {
        status: moved.as_str().into(),
    }))
}
