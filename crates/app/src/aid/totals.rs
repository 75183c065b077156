//! Sums of the gifts in scope, converted into one currency at the recorded rates.

use chrono::NaiveDate;
use domain::aid::{self, Converted, Currency};
use store::aid::AidFilter;
use store::{Caller, StoreError};

use crate::App;

/// The gifts' sums per currency, converted into `currency`.
#[derive(Debug, Clone)]
pub struct Totals {
    pub currency: Currency,
    /// The rates used are those recorded on or before this date (None: the latest).
    pub as_of: Option<NaiveDate>,
    pub donations: i64,
    pub by_currency: Vec<Converted>,
    /// Every currency converted and summed; None if a rate is missing or a stored amount was
    /// left out: a partial total would look complete.
    pub total_minor: Option<i64>,
    /// Amounts and goods lines on record beyond the bounds, left out of these sums.
    pub left_out: i64,
    /// (item, unit, quantity).
    pub goods: Vec<(String, String, i64)>,
}

impl Totals {
    /// The currencies no recorded rate converts.
    pub fn missing_rates(&self) -> impl Iterator<Item = Currency> + '_ {
        self.by_currency
            .iter()
            .filter(|r| r.converted_minor.is_none())
            .map(|r| r.money.currency)
    }
}

impl App {
    /// Totals of the gifts the caller may see under `filter`, converted into `currency` at
    /// the rates recorded on or before `as_of`.
    pub async fn aid_totals(
        &self,
        caller: &Caller,
        filter: &AidFilter,
        currency: Currency,
        as_of: Option<NaiveDate>,
    ) -> Result<Totals, StoreError> {
        let t = self.store.aid_totals(caller, filter).await?;
        let rates = self.store.fx_rates().await?;
        let (by_currency, total) = aid::convert_sums(&t.money, currency, &rates, as_of);
        Ok(Totals {
            currency,
            as_of,
            donations: t.donations,
            by_currency,
            total_minor: total.filter(|_| t.left_out == 0),
            left_out: t.left_out,
            goods: t.goods,
        })
    }
}
