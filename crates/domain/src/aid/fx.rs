//! Exchange rates, and the exact conversion of amounts and per-currency sums by them.

use super::money::{Currency, Money};

/// The largest exchange rate, in millionths: 10^15 (a billion units of one currency for one
/// of another; 1 USD is about 25,000 VND).
pub const MAX_RATE_MICRO: i64 = 1_000_000_000_000_000;

/// An exchange rate as recorded: 1 unit of `base` is worth `rate_micro / 1e6` units of
/// `quote` (major units), on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxRate {
    pub base: Currency,
    pub quote: Currency,
    pub rate_micro: i64,
    pub on_date: chrono::NaiveDate,
    pub source: String,
    /// True when the figure is not from an official table (shown as *assumed*).
    pub assumed: bool,
}

/// How a converted amount is rounded: to the nearest minor unit of the target currency,
/// halves away from zero.
pub const ROUNDING_RULE: &str = "nearest minor unit of the target currency, halves away from zero";

fn div_round_half_away(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0);
    let q = num / den;
    let r = num % den;
    if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    }
}

impl FxRate {
    /// `minor` of `from` in minor units of `to`, if this rate links the two (either way).
    /// None when the result would not fit an i64 (or the rate is not positive, as a row an
    /// older version stored could be): a total then says it cannot be computed.
    pub fn convert(&self, minor: i64, from: Currency, to: Currency) -> Option<i64> {
        let pow = |e: u32| 10_i128.pow(e);
        let (m, rate) = (i128::from(minor), i128::from(self.rate_micro));
        if rate <= 0 {
            return None;
        }
        // to_minor = minor / 10^e_from × rate × 10^e_to, rate = rate_micro / 1e6 (or its inverse).
        // Checked: |minor| and the rate are each below 2^63, their product with 10^2 is not.
        let (num, den) = if from == self.base && to == self.quote {
            (
                m.checked_mul(rate)?.checked_mul(pow(to.exponent()))?,
                1_000_000 * pow(from.exponent()),
            )
        } else if from == self.quote && to == self.base {
            (
                m.checked_mul(1_000_000 * pow(to.exponent()))?,
                rate * pow(from.exponent()),
            )
        } else {
            return None;
        };
        i64::try_from(div_round_half_away(num, den)).ok()
    }

    pub fn links(&self, a: Currency, b: Currency) -> bool {
        (self.base == a && self.quote == b) || (self.base == b && self.quote == a)
    }
}

/// The rate to convert `from` into `to`: the latest recorded on or before `as_of` (any date
/// when `as_of` is None), in either direction.
pub fn pick_rate(
    rates: &[FxRate],
    from: Currency,
    to: Currency,
    as_of: Option<chrono::NaiveDate>,
) -> Option<&FxRate> {
    rates
        .iter()
        .filter(|r| r.links(from, to) && as_of.is_none_or(|d| r.on_date <= d))
        .max_by_key(|r| r.on_date)
}

/// One currency's sum, and that sum in the target currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub money: Money,
    /// None when no rate links the currencies.
    pub converted_minor: Option<i64>,
    pub rate: Option<FxRate>,
}

/// Converts per-currency sums into `to`, each at the rate `pick_rate` gives. The grand total
/// is None if any currency lacks a rate (a partial total would look complete).
pub fn convert_sums(
    sums: &[Money],
    to: Currency,
    rates: &[FxRate],
    as_of: Option<chrono::NaiveDate>,
) -> (Vec<Converted>, Option<i64>) {
    let mut total: Option<i128> = Some(0);
    let out = sums
        .iter()
        .map(|m| {
            let (converted, rate) = if m.currency == to {
                (Some(m.amount_minor), None)
            } else {
                match pick_rate(rates, m.currency, to, as_of) {
                    Some(r) => (r.convert(m.amount_minor, m.currency, to), Some(r.clone())),
                    None => (None, None),
                }
            };
            total = total
                .zip(converted)
                .and_then(|(t, c)| t.checked_add(i128::from(c)));
            Converted {
                money: *m,
                converted_minor: converted,
                rate,
            }
        })
        .collect();
    (out, total.and_then(|t| i64::try_from(t).ok()))
}
