//! Aid between localities (gifts, totals converted at recorded rates, exchange rates,
//! organisations) and relief of lockdown zones (zones, rounds, one package per household
//! per round).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use domain::aid::{self, AidStatus, Currency, FxRate, GoodsLine, Money, PartyKind, ReliefKind};
use domain::role::Permission;
use domain::time::Dates;
use domain::{FieldError, Reason, Structure, UnitCode};
use serde::{Deserialize, Serialize};
use store::aid::{AidFilter, NewDonation, NewOrg, NewRound, NewZone, PartyRef, PartySel, Receipt};
use utoipa::{IntoParams, ToSchema};

use super::cases::iso;
use super::casework::{required, slug};
use super::{opt_param, ListResponse, PageParams};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth};
use crate::AppState;

mod cooperation;
mod export;
#[cfg(test)]
mod fuzz;
pub(crate) mod needs;
pub use cooperation::*;
pub use export::*;
pub use needs::*;

/// Text fields of a gift: long enough for a quoted sentence, bounded.
const TEXT_MAX_CHARS: usize = 2000;

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct PartyDto {
    /// `locality`, `party_committee`, `peoples_committee`, `police`, `fatherland_front`,
    /// `trade_union`, `enterprise`, `religious_group` or `individual`.
    pub kind: String,
    /// A unit code for a locality ("01", "LA-VT"), an organisation id otherwise.
    pub code_or_id: String,
    /// Ignored in requests.
    #[serde(default)]
    pub name: String,
}

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

fn party_dto(p: &store::aid::Party) -> PartyDto {
    PartyDto {
        kind: p.kind.as_str().into(),
        code_or_id: p.code_or_id.clone(),
        name: p.name.clone(),
    }
}

fn money_dto(m: Money) -> MoneyDto {
    MoneyDto {
        amount_minor: m.amount_minor,
        currency: CurrencyCode(m.currency),
    }
}

pub(crate) fn donation_dto(d: &store::aid::Donation) -> DonationDto {
    DonationDto {
        id: d.id,
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

/// `01`, `LA-VT` (a unit and everything in it) or `org:5` (one organisation).
fn party_sel(s: &str) -> Result<PartySel, Reason> {
    match s.strip_prefix("org:") {
        Some(id) => id
            .parse::<i64>()
            .ok()
            .filter(|&i| i > 0)
            .map(PartySel::Org)
            .ok_or(Reason::InvalidFormat),
        None => UnitCode::parse(s).map(PartySel::Unit),
    }
}

fn date(s: &str) -> Result<NaiveDate, Reason> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Reason::InvalidFormat)
}

/// An optional YYYY-MM-DD field within its plausible range (`domain::time`).
pub(crate) fn opt_date(
    field: &str,
    v: Option<&str>,
    range: Dates,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match v {
        None | Some("") => None,
        Some(d) => domain::time::parse_date(d, range)
            .map_err(|e| errors.push(FieldError::new(field, e)))
            .ok(),
    }
}

/// A required YYYY-MM-DD field within its plausible range.
pub(crate) fn req_date(
    field: &str,
    v: Option<&str>,
    range: Dates,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let d = opt_date(field, v, range, errors);
    required(field, d, errors)
}

/// The locality's date now: the reference of every date range.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    crate::local_time::local_date(state.now_s())
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
        fn keep<T>(r: Result<Option<T>, ApiError>, errors: &mut Vec<FieldError>) -> Option<T> {
            r.map_err(|e| errors.extend(e.fields)).ok().flatten()
        }
        let mut errors = Vec::new();
        let filter = AidFilter {
            donor: keep(
                opt_param("donor", self.donor.as_deref(), party_sel),
                &mut errors,
            ),
            recipient: keep(
                opt_param("recipient", self.recipient.as_deref(), party_sel),
                &mut errors,
            ),
            from: keep(opt_param("from", self.from.as_deref(), date), &mut errors),
            to: keep(opt_param("to", self.to.as_deref(), date), &mut errors),
        };
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(ApiError::invalid(errors))
        }
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

fn id_of(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().map_err(|_| ApiError::not_found())
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

/// A required whole number within `range`.
pub(crate) fn in_range(
    field: &str,
    v: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    match v {
        Some(n) if range.contains(&n) => Some(n),
        Some(_) => {
            errors.push(FieldError::new(field, Reason::OutOfRange));
            None
        }
        None => required(field, None, errors),
    }
}

fn text(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = v.map(str::trim).filter(|s| !s.is_empty())?;
    if v.chars().count() > TEXT_MAX_CHARS {
        errors.push(FieldError::new(field, Reason::TooLong));
        return None;
    }
    Some(v.to_string())
}

fn party_ref(field: &str, p: Option<&PartyDto>, errors: &mut Vec<FieldError>) -> Option<PartyRef> {
    let p = required(field, p, errors)?;
    let kind = slug::<PartyKind>(&format!("{field}.kind"), Some(&p.kind), errors);
    let code = required(
        &format!("{field}.code_or_id"),
        Some(p.code_or_id.trim()).filter(|c| !c.is_empty() && c.len() <= 32),
        errors,
    );
    Some(PartyRef {
        kind: kind?,
        code_or_id: code?.to_string(),
    })
}

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

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
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

#[derive(Deserialize, IntoParams)]
pub struct TotalsQuery {
    pub donor: Option<String>,
    pub recipient: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Convert into this currency (default VND).
    pub currency: Option<String>,
    /// Use the rates recorded on or before this date (default: the latest).
    pub as_of: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RateDto {
    pub base: String,
    pub quote: String,
    /// Units of `quote` for one unit of `base`, as a decimal string.
    pub rate: String,
    pub rate_micro: i64,
    pub date: String,
    pub source: String,
    /// Not from an official table: shown as *assumed*.
    pub assumed: bool,
}

pub(crate) fn rate_dto(r: &FxRate) -> RateDto {
    RateDto {
        base: r.base.code().into(),
        quote: r.quote.code().into(),
        rate: decimal_micro(r.rate_micro),
        rate_micro: r.rate_micro,
        date: r.on_date.to_string(),
        source: r.source.clone(),
        assumed: r.assumed,
    }
}

/// 23000000000 → "23000"; 1234567 → "1.234567" (a sign first, should a stored rate have one).
pub(crate) fn decimal_micro(v: i64) -> String {
    let a = v.unsigned_abs();
    let s = format!("{}.{:06}", a / 1_000_000, a % 1_000_000);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if v < 0 {
        format!("-{s}")
    } else {
        s.to_string()
    }
}

#[derive(Serialize, ToSchema)]
pub struct CurrencyTotal {
    pub currency: String,
    pub amount_minor: i64,
    /// In the asked currency; null when no rate links the two.
    pub converted_minor: Option<i64>,
    pub rate: Option<RateDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TotalsDto {
    pub currency: String,
    pub rounding: &'static str,
    pub as_of: Option<String>,
    pub donations: i64,
    pub by_currency: Vec<CurrencyTotal>,
    /// Every currency converted and summed; null if a rate is missing (see `missing_rates`)
    /// or a stored amount was left out (see `left_out`): a partial total would look complete.
    pub total_minor: Option<i64>,
    /// Amounts and goods lines on record beyond the bounds (at most 10^15 minor units, 10^12
    /// of an item; an older version could store more), left out of these sums. Not zero:
    /// every sum here is incomplete.
    pub left_out: i64,
    pub missing_rates: Vec<String>,
    pub goods: Vec<GoodsDto>,
}

/// Totals of the gifts in scope, per currency and converted into one currency with the
/// recorded rates used.
#[utoipa::path(get, path = "/api/v1/aid/totals", params(TotalsQuery), responses(
    (status = 200, body = TotalsDto),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn totals(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TotalsQuery>,
) -> Result<Json<TotalsDto>, ApiError> {
    let filter = AidQuery {
        donor: q.donor,
        recipient: q.recipient,
        from: q.from,
        to: q.to,
        ..AidQuery::default()
    }
    .filter();
    let currency = opt_param("currency", q.currency.as_deref(), str::parse::<Currency>);
    let as_of = opt_param("as_of", q.as_of.as_deref(), date);
    let (filter, currency, as_of) = match (filter, currency, as_of) {
        (Ok(f), Ok(c), Ok(a)) => (f, c.unwrap_or(Currency::VND), a),
        (f, c, a) => {
            let mut fields = Vec::new();
            for e in [f.err(), c.err(), a.err()].into_iter().flatten() {
                fields.extend(e.fields);
            }
            return Err(ApiError::invalid(fields));
        }
    };
    Ok(Json(
        totals_of(&state, &auth.0, &filter, currency, as_of).await?,
    ))
}

pub(crate) async fn totals_of(
    state: &AppState,
    caller: &store::Caller,
    filter: &AidFilter,
    currency: Currency,
    as_of: Option<NaiveDate>,
) -> Result<TotalsDto, ApiError> {
    let t = state.store.aid_totals(caller, filter).await?;
    let rates = state.store.fx_rates().await?;
    let (rows, total) = aid::convert_sums(&t.money, currency, &rates, as_of);
    let total = total.filter(|_| t.left_out == 0);
    Ok(TotalsDto {
        left_out: t.left_out,
        currency: currency.code().into(),
        rounding: aid::ROUNDING_RULE,
        as_of: as_of.map(|d| d.to_string()),
        donations: t.donations,
        missing_rates: rows
            .iter()
            .filter(|r| r.converted_minor.is_none())
            .map(|r| r.money.currency.code().to_string())
            .collect(),
        by_currency: rows
            .iter()
            .map(|r| CurrencyTotal {
                currency: r.money.currency.code().into(),
                amount_minor: r.money.amount_minor,
                converted_minor: r.converted_minor,
                rate: r.rate.as_ref().map(rate_dto),
            })
            .collect(),
        total_minor: total,
        goods: t
            .goods
            .into_iter()
            .map(|(item, unit, quantity)| GoodsDto {
                item,
                quantity,
                unit,
                received_quantity: None,
            })
            .collect(),
    })
}

/// The recorded exchange rates.
#[utoipa::path(get, path = "/api/v1/aid/rates", responses(
    (status = 200, body = Vec<RateDto>)
), security(("bearer" = [])))]
pub async fn list_rates(
    State(state): State<AppState>,
    _auth: Auth,
) -> Result<Json<Vec<RateDto>>, ApiError> {
    Ok(Json(
        state.store.fx_rates().await?.iter().map(rate_dto).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RateRequest {
    pub base: Option<String>,
    pub quote: Option<String>,
    /// Units of `quote` per unit of `base`, a decimal string with at most 6 decimals.
    pub rate: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub assumed: bool,
}

/// Records an exchange rate with its date and source (command centres and administrators).
#[utoipa::path(post, path = "/api/v1/aid/rates", request_body = RateRequest, responses(
    (status = 204),
    (status = 400, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn put_rate(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<RateRequest>,
) -> Result<StatusCode, ApiError> {
    let rate = new_rate(&r, today(&state)).map_err(ApiError::invalid)?;
    state
        .store
        .put_fx_rate(&auth.0, &rate, state.now_s())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Exchange rates are recorded by command centres and administrators.
pub(crate) fn may_record_rates(role: domain::Role) -> bool {
    role.can(Permission::RecordRates)
}

/// A rate from its request: every field checked, every error reported at once (the API and
/// the aid page's form share it).
pub(crate) fn new_rate(r: &RateRequest, today: NaiveDate) -> Result<FxRate, Vec<FieldError>> {
    let mut errors = Vec::new();
    let base = slug::<Currency>("base", r.base.as_deref(), &mut errors);
    let quote = slug::<Currency>("quote", r.quote.as_deref(), &mut errors);
    let rate_micro = match r.rate.as_deref() {
        None | Some("") => required::<i64>("rate", None, &mut errors),
        Some(s) => parse_micro(s)
            .and_then(|v| {
                Some(v)
                    .filter(|v| (1..=aid::MAX_RATE_MICRO).contains(v))
                    .ok_or(Reason::OutOfRange)
            })
            .map_err(|e| errors.push(FieldError::new("rate", e)))
            .ok(),
    };
    let on_date = req_date("date", r.date.as_deref(), Dates::past(today), &mut errors);
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    if base.is_some() && base == quote {
        errors.push(FieldError::new("quote", Reason::Duplicate));
    }
    let (Some(base), Some(quote), Some(rate_micro), Some(on_date), Some(source), true) =
        (base, quote, rate_micro, on_date, source, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(FxRate {
        base,
        quote,
        rate_micro,
        on_date,
        source,
        assumed: r.assumed,
    })
}

/// "23000" or "0.000043" in millionths; digits beyond an i64 are out of range.
pub(crate) fn parse_micro(s: &str) -> Result<i64, Reason> {
    let (int, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if int.is_empty()
        || frac.len() > 6
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(Reason::InvalidFormat);
    }
    let int: i64 = int.parse().map_err(|_| Reason::OutOfRange)?;
    let frac: i64 = format!("{frac:0<6}")
        .parse()
        .map_err(|_| Reason::InvalidFormat)?;
    int.checked_mul(1_000_000)
        .and_then(|v| v.checked_add(frac))
        .ok_or(Reason::OutOfRange)
}

#[derive(Deserialize, ToSchema)]
pub struct OrgRequest {
    pub kind: Option<String>,
    pub name: Option<String>,
    /// The organisation's locality (unit code).
    pub unit: Option<String>,
}

/// Registers an organisation that gives or receives aid (or returns the existing one).
#[utoipa::path(post, path = "/api/v1/aid/organisations", request_body = OrgRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_org(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<OrgRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let mut errors = Vec::new();
    let kind = slug::<PartyKind>("kind", r.kind.as_deref(), &mut errors);
    if kind == Some(PartyKind::Locality) {
        errors.push(FieldError::new("kind", Reason::UnknownValue));
    }
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let unit = match r.unit.as_deref() {
        None | Some("") => required::<UnitCode>("unit", None, &mut errors),
        Some(u) => UnitCode::parse(u)
            .map_err(|e| errors.push(FieldError::new("unit", e)))
            .ok(),
    };
    let (Some(kind), Some(name), Some(unit), true) = (kind, name, unit, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let id = state
        .store
        .add_aid_org(&auth.0, &NewOrg { kind, name, unit }, state.now_s())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ZoneRequest {
    pub name: Option<String>,
    /// The zone's units, each meaning its subtree: codes, optionally `2025:`-prefixed, all of
    /// one structure; 1 to 50, none twice or inside another, all in the caller's jurisdiction.
    pub units: Option<Vec<String>>,
    /// The older one-unit form, read as `units: [unit]`; not together with `units`.
    pub unit: Option<String>,
    /// Address lines narrowing the zone (at most 100, each up to 200 characters): a household
    /// is in the zone when its address contains one of them word for word, ignoring case,
    /// diacritics and punctuation ("ngõ 328 Lê Trọng Tấn", "Chung cư Hồ Gươm Plaza").
    /// Absent or empty: every household of the units.
    pub addresses: Option<Vec<String>>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// Population affected, as declared.
    pub population: Option<i64>,
    /// Households affected, as declared.
    pub households: Option<i64>,
}

/// A zone's unit list as given: `units`, or `unit` alone (its errors then name `unit`).
/// Returns the structure, the codes, and whether `unit` was used.
fn zone_units(
    r: &ZoneRequest,
    errors: &mut Vec<FieldError>,
) -> Option<(Structure, Vec<UnitCode>, bool)> {
    let (given, short): (Vec<(String, &str)>, bool) = match (&r.units, r.unit.as_deref()) {
        (Some(list), Some(_)) if !list.is_empty() => {
            errors.push(FieldError::new("unit", Reason::Duplicate));
            return None;
        }
        (_, Some(u)) if !u.is_empty() => (vec![("unit".into(), u)], true),
        (list, _) => (
            list.iter()
                .flatten()
                .enumerate()
                .map(|(i, u)| (format!("units[{i}]"), u.as_str()))
                .collect(),
            false,
        ),
    };
    let mut structure = None;
    let mut codes = Vec::with_capacity(given.len());
    let mut ok = true;
    for (field, u) in &given {
        match domain::units::parse_unit_ref(u) {
            Err(e) => {
                errors.push(FieldError::new(field.as_str(), e.reason));
                ok = false;
            }
            Ok((s, _)) if structure.is_some_and(|first| first != s) => {
                errors.push(FieldError::new(field.as_str(), Reason::OutOfRange));
                ok = false;
            }
            Ok((s, code)) => {
                structure = Some(s);
                codes.push(code);
            }
        }
    }
    if ok {
        errors.extend(domain::zone::check_units(&codes).into_iter().map(|mut e| {
            if short {
                e.field = "unit".into();
            }
            e
        }));
    }
    Some((structure.unwrap_or(Structure::S2021), codes, short))
}

/// Declares a lockdown zone: units of the caller's jurisdiction, optionally narrowed to
/// addresses. Every bad field is reported at once and nothing is saved.
#[utoipa::path(post, path = "/api/v1/relief/zones", request_body = ZoneRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_zone(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(r): ApiJson<ZoneRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let (new, short) = new_zone(&r, today(&state)).map_err(ApiError::invalid)?;
    let id = match state.store.create_zone(&auth.0, &new, state.now_s()).await {
        Err(store::StoreError::Invalid(mut fields)) if short => {
            for f in &mut fields {
                if f.field.starts_with("units") {
                    f.field = "unit".into();
                }
            }
            return Err(ApiError::invalid(fields));
        }
        other => other?,
    };
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A zone from its request: every field checked, every error reported at once (the API and
/// the aid page's form share it). The flag says the older one-unit form (`unit`) was used,
/// so that the store's refusals of `units[0]` can be named `unit` too.
/// Its dates lie from 2019-12 to a year after `today`, the end not before the start.
pub(crate) fn new_zone(
    r: &ZoneRequest,
    today: NaiveDate,
) -> Result<(NewZone, bool), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let units = zone_units(r, &mut errors);
    let addresses = r.addresses.clone().unwrap_or_default();
    if let Err(e) = domain::zone::zone_addresses(&addresses) {
        errors.extend(e);
    }
    let planned = Dates::planned(today);
    let starts_on = req_date("starts_on", r.starts_on.as_deref(), planned, &mut errors);
    let ends_on = opt_date("ends_on", r.ends_on.as_deref(), planned, &mut errors);
    if let (Some(a), Some(b)) = (starts_on, ends_on) {
        if b < a {
            errors.push(FieldError::new("ends_on", Reason::OutOfRange));
        }
    }
    let population = in_range("population", r.population, 0..=100_000_000, &mut errors);
    let households = in_range("households", r.households, 0..=100_000_000, &mut errors);
    let (
        Some(name),
        Some((structure, units, short)),
        Some(starts_on),
        Some(population),
        Some(households),
        true,
    ) = (
        name,
        units,
        starts_on,
        population,
        households,
        errors.is_empty(),
    )
    else {
        return Err(errors);
    };
    let new = NewZone {
        name,
        structure,
        units,
        addresses,
        starts_on,
        ends_on,
        population,
        households,
    };
    Ok((new, short))
}

#[derive(Deserialize, ToSchema)]
pub struct RoundRequest {
    pub name: Option<String>,
    /// `gift_pack`, `welfare_bag`, `produce` or `cash`.
    pub kind: Option<String>,
    pub starts_on: Option<String>,
}

/// Opens a relief round in a zone.
#[utoipa::path(post, path = "/api/v1/relief/zones/{id}/rounds", params(("id" = i64, Path)), request_body = RoundRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn create_round(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RoundRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let zone = id_of(&id)?;
    let new = new_round(&r, today(&state)).map_err(ApiError::invalid)?;
    let id = state
        .store
        .create_round(&auth.0, zone, &new, state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A round from its request (the API and the aid page's form share it).
pub(crate) fn new_round(r: &RoundRequest, today: NaiveDate) -> Result<NewRound, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let kind = slug::<ReliefKind>("kind", r.kind.as_deref(), &mut errors);
    let starts_on = req_date(
        "starts_on",
        r.starts_on.as_deref(),
        Dates::planned(today),
        &mut errors,
    );
    let (Some(name), Some(kind), Some(starts_on), true) =
        (name, kind, starts_on, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewRound {
        name,
        kind,
        starts_on,
    })
}

#[derive(Deserialize, ToSchema)]
pub struct PackageRequest {
    pub household_id: Option<i64>,
}

/// Hands a household its package of a round: once. A second package for the same household
/// in the same round is refused with 409 `package_already_given`, also when requests race.
#[utoipa::path(post, path = "/api/v1/relief/rounds/{id}/packages", params(("id" = i64, Path)), request_body = PackageRequest, responses(
    (status = 201, body = Created),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody),
    (status = 409, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn give_package(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<PackageRequest>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let round = id_of(&id)?;
    let mut errors = Vec::new();
    let Some(household) = required(
        "household_id",
        r.household_id.filter(|&h| h > 0),
        &mut errors,
    ) else {
        return Err(ApiError::invalid(errors));
    };
    let id = state
        .store
        .give_package(&auth.0, round, household, state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
pub struct RoundDto {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub starts_on: String,
    pub given: i64,
    /// Households of the zone still without this round's package.
    pub gap: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ZoneUnitDto {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ZoneDto {
    pub id: i64,
    pub name: String,
    /// The first of `units` (for clients of the one-unit zones).
    pub unit_code: String,
    /// The zone's units, each with its subtree, in the order declared.
    pub units: Vec<ZoneUnitDto>,
    /// Address lines narrowing the zone; empty when it is its units whole.
    pub addresses: Vec<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    /// Population affected, as declared.
    pub population: i64,
    /// Households affected, as declared.
    pub households: i64,
    /// Households in the zone now, counted by its units and addresses: each round's target.
    pub households_in_zone: i64,
    pub rounds: Vec<RoundDto>,
}

/// Lockdown zones touching the caller's jurisdiction (a unit of the zone in it, or it in a
/// unit of the zone), with the households in each and each round's progress and gap. Counts
/// only: no household is listed.
#[utoipa::path(get, path = "/api/v1/relief/zones", responses(
    (status = 200, body = Vec<ZoneDto>)
), security(("bearer" = [])))]
pub async fn list_zones(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<ZoneDto>>, ApiError> {
    let zones = state.store.relief_progress(&auth.0).await?;
    Ok(Json(
        zones
            .into_iter()
            .map(|z| ZoneDto {
                rounds: z
                    .rounds
                    .into_iter()
                    .map(|r| RoundDto {
                        gap: (z.households_in_zone - r.given).max(0),
                        id: r.id,
                        name: r.name,
                        kind: r.kind,
                        starts_on: r.starts_on,
                        given: r.given,
                    })
                    .collect(),
                id: z.id,
                name: z.name,
                unit_code: z.units.first().map(|u| u.code.clone()).unwrap_or_default(),
                units: z
                    .units
                    .into_iter()
                    .map(|u| ZoneUnitDto {
                        code: u.code,
                        name: u.name,
                    })
                    .collect(),
                addresses: z.addresses,
                starts_on: z.starts_on,
                ends_on: z.ends_on,
                population: z.population,
                households: z.households,
                households_in_zone: z.households_in_zone,
            })
            .collect(),
    ))
}
