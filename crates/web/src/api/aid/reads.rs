//! Reading gifts: a gift on the wire, the filtered newest-first list, one gift with its history.

use axum::extract::{Path, State};
use axum::Json;
use domain::aid::{Currency, Money};
use serde::{Deserialize, Serialize};
use store::aid::AidFilter;
use utoipa::{IntoParams, ToSchema};

use super::parties::party_dto;
use super::{id_of, PartyDto};
use crate::api::cases::iso;
use crate::api::{ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use crate::AppState;

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
pub struct MoneyDto {
    /// Integer minor units (cents for USD, đồng for VND).
    pub amount_minor: i64,
    /// ISO 4217.
    #[schema(value_type = String)]
    pub currency: CurrencyCode,
}

/// An ISO 4217 code on the wire.
#[derive(Clone, Copy)]
pub struct CurrencyCode(Currency);

impl Serialize for CurrencyCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.code())
    }
}

impl<'de> Deserialize<'de> for CurrencyCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map(CurrencyCode)
            .map_err(|_| serde::de::Error::custom("unknown currency"))
    }
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct GoodsDto {
    /// A catalogue slug: `masks`, `antigen_test_kits`, `produce` (kg), `gift_packs`...
    pub item: String,
    pub quantity: i64,
    /// The catalogue's unit for the item (ignored in requests).
    #[serde(default)]
    pub unit: String,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub received_quantity: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DonationDto {
    pub id: i64,
    pub donor: PartyDto,
    pub recipient: PartyDto,
    /// `pledged`, `dispatched`, `received` or `acknowledged`.
    pub status: String,
    pub money: Option<MoneyDto>,
    pub goods: Vec<GoodsDto>,
    /// YYYY-MM-DD.
    pub date: String,
    /// Where the fact comes from (a report, a document number).
    pub source: String,
    pub source_quote: Option<String>,
    pub note: Option<String>,
    /// Money confirmed received, once received.
    pub received_money_minor: Option<i64>,
    /// Money pledged but not received, once received.
    pub shortfall_minor: Option<i64>,
}

fn money_dto(m: Money) -> MoneyDto {
    MoneyDto {
        amount_minor: m.amount_minor,
        currency: CurrencyCode(m.currency),
    }
}

pub(crate) fn donation_dto(d: &store::aid::Donation) -> DonationDto {
    DonationDto {
        id: d.id.get(),
        donor: party_dto(&d.donor),
        recipient: party_dto(&d.recipient),
        status: d.status.as_str().into(),
        money: d.money.map(money_dto),
        goods: d
            .goods
            .iter()
            .map(|g| GoodsDto {
                item: g.item.clone(),
                quantity: g.quantity,
                unit: g.unit.clone(),
                received_quantity: g.received_quantity,
            })
            .collect(),
        date: d.on_date.to_string(),
        source: d.source.clone(),
        source_quote: d.source_quote.clone(),
        note: d.note.clone(),
        received_money_minor: d.received_money_minor,
        shortfall_minor: d.money_shortfall_minor(),
    }
}

#[derive(Deserialize, IntoParams, Default)]
pub struct AidQuery {
    /// A unit code (the unit and its organisations) or `org:ID`.
    pub donor: Option<String>,
    pub recipient: Option<String>,
    /// Gifts dated on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Gifts dated on or before (YYYY-MM-DD).
    pub to: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl AidQuery {
    pub(crate) fn filter(&self) -> Result<AidFilter, ApiError> {
        app::aid::aid_filter(&app::aid::AidFilterInput {
            donor: self.donor.clone(),
            recipient: self.recipient.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        })
        .map_err(ApiError::invalid)
    }
}

/// Gifts in the caller's jurisdiction (as donor or recipient), newest first.
#[utoipa::path(get, path = "/api/v1/aid/donations", params(AidQuery), responses(
    (status = 200, body = ListResponse<DonationDto>),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn list_donations(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AidQuery>,
) -> Result<Json<ListResponse<DonationDto>>, ApiError> {
    let filter = q.filter()?;
    let page = PageParams {
        limit: q.limit.clone(),
        cursor: q.cursor.clone(),
    }
    .parse()?;
    let found = state.store.list_donations(&auth.0, &filter, &page).await?;
    Ok(Json(ListResponse::from_page(found, |d| donation_dto(&d))))
}

#[derive(Serialize, ToSchema)]
pub struct StepDto {
    pub at: String,
    pub status: String,
    pub actor: String,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LetterDto {
    pub lang: String,
    pub sent_at: String,
    pub actor: String,
}

#[derive(Serialize, ToSchema)]
pub struct DonationDetailDto {
    #[serde(flatten)]
    pub donation: DonationDto,
    pub history: Vec<StepDto>,
    pub letters: Vec<LetterDto>,
}

/// A gift with its status history and thank-you letters.
#[utoipa::path(get, path = "/api/v1/aid/donations/{id}", params(("id" = i64, Path)), responses(
    (status = 200, body = DonationDetailDto),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_donation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<DonationDetailDto>, ApiError> {
    let d = state
        .store
        .get_donation(&auth.0, id_of(&id)?)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(DonationDetailDto {
        donation: donation_dto(&d.donation),
        history: d
            .history
            .iter()
            .map(|h| StepDto {
                at: iso(h.at_s),
                status: h.status.as_str().into(),
                actor: h.actor.clone(),
                note: h.note.clone(),
            })
            .collect(),
        letters: d
            .letters
            .iter()
            .map(|l| LetterDto {
                lang: l.lang.clone(),
                sent_at: iso(l.sent_at_s),
                actor: l.actor.clone(),
            })
            .collect(),
    }))
}
