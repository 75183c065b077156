//! Money: currencies with their minor units, amounts as integers of them, and the bound an
//! amount may reach.

use std::fmt;
use std::str::FromStr;

use crate::validation::Reason;

/// The largest amount one gift, receipt or need may carry, in minor units of any currency:
/// 10^15, i.e. 10^15 đồng (about 40 billion USD) or 10^13 USD. The largest single gifts of the
/// 2021 wave were some thousand billion đồng (10^12), so this is a thousand times any real
/// gift, even in the weakest currency accepted (10^13 kip). It keeps sums safe: 9,000 gifts at
/// the bound still fit an i64, and the store sums in two halves added in i128 (see
/// `store::aid`), so millions of rows cannot overflow; a conversion multiplies at most
/// 10^15 × [`MAX_RATE_MICRO`](super::MAX_RATE_MICRO) × 10^2, far inside an i128.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// Whether an amount is one a gift may carry: 1 to [`MAX_AMOUNT_MINOR`].
pub fn amount_in_bounds(minor: i64) -> bool {
    (1..=MAX_AMOUNT_MINOR).contains(&minor)
}

/// An ISO 4217 currency the ledger accepts, with its minor-unit exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(&'static str, u32);

/// ISO 4217 codes and exponents. VND has no minor unit in use; LAK's ISO exponent is 2.
const CURRENCIES: &[(&str, u32)] = &[
    ("VND", 0),
    ("USD", 2),
    ("LAK", 2),
    ("EUR", 2),
    ("CNY", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("THB", 2),
];

impl Currency {
    pub const VND: Currency = Currency("VND", 0);
    pub const USD: Currency = Currency("USD", 2);

    pub fn code(self) -> &'static str {
        self.0
    }

    /// Digits after the decimal point: 100 minor units make one USD, 1 makes one VND.
    pub fn exponent(self) -> u32 {
        self.1
    }

    /// An amount in minor units written in major units ("40000.00", "500000000").
    pub fn format_minor(self, minor: i64) -> String {
        let e = self.exponent();
        if e == 0 {
            return group(minor.unsigned_abs(), minor < 0);
        }
        let p = 10_u64.pow(e);
        let abs = minor.unsigned_abs();
        format!(
            "{}.{:0width$}",
            group(abs / p, minor < 0),
            abs % p,
            width = e as usize
        )
    }
}

impl Currency {
    /// Minor units of an amount written in major units ("40000", "15000.50"). No sign, no
    /// separators, at most the currency's number of decimals, at most [`MAX_AMOUNT_MINOR`].
    pub fn parse_major(self, s: &str) -> Result<i64, Reason> {
        let s = s.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || (!frac.is_empty() && !digits(frac)) || s.ends_with('.') {
            return Err(Reason::InvalidFormat);
        }
        if frac.len() > self.exponent() as usize {
            return Err(Reason::InvalidFormat);
        }
        let scale = 10_i64.pow(self.exponent() - frac.len() as u32);
        let int: i64 = int.parse().map_err(|_| Reason::OutOfRange)?;
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| Reason::OutOfRange)?
        };
        int.checked_mul(10_i64.pow(self.exponent()))
            .and_then(|v| v.checked_add(frac * scale))
            .filter(|&v| v <= MAX_AMOUNT_MINOR)
            .ok_or(Reason::OutOfRange)
    }
}

/// Thousands separated by commas: 500,000,000.
fn group(n: u64, negative: bool) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if negative {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl FromStr for Currency {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        let up = s.trim().to_ascii_uppercase();
        if up.len() != 3 || !up.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Reason::InvalidFormat);
        }
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == up)
            .map(|(c, e)| Currency(c, *e))
            .ok_or(Reason::UnknownValue)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// An amount of money: integer minor units (cents, đồng), never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}
