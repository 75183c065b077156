//! Sums of the gifts in scope, converted into one currency at the recorded rates.

use axum::extract::State;
use axum::Json;
use domain::aid::{self, Currency};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{date, rate_dto, AidQuery, GoodsDto, RateDto};
use crate::api::opt_param;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use crate::AppState;

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
    let t = state.aid_totals(&auth.0, &filter, currency, as_of).await?;
    Ok(Json(totals_dto(t)))
}

/// The totals on the wire.
fn totals_dto(t: app::aid::Totals) -> TotalsDto {
    TotalsDto {
        left_out: t.left_out,
        currency: t.currency.code().into(),
        rounding: aid::ROUNDING_RULE,
        as_of: t.as_of.map(|d| d.to_string()),
        donations: t.donations,
        missing_rates: t.missing_rates().map(|c| c.code().to_string()).collect(),
        by_currency: t
            .by_currency
            .iter()
            .map(|r| CurrencyTotal {
                currency: r.money.currency.code().into(),
                amount_minor: r.money.amount_minor,
                converted_minor: r.converted_minor,
                rate: r.rate.as_ref().map(rate_dto),
            })
            .collect(),
        total_minor: t.total_minor,
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
    }
}
