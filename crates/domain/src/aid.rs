//! Aid between localities: who gives what to whom, in which currency, and where a gift is in
//! its life (pledged → dispatched → received → acknowledged). Also the relief kinds of
//! lockdown zones. Money is always integer minor units with its currency; conversion is
//! exact rational arithmetic with one stated rounding rule.

use std::fmt;
use std::str::FromStr;

use crate::validation::Reason;

/// The largest amount one gift, receipt or need may carry, in minor units of any currency:
/// 10^15, i.e. 10^15 đồng (about 40 billion USD) or 10^13 USD. The largest single gifts of the
/// 2021 wave were some thousand billion đồng (10^12), so this is a thousand times any real
/// gift, even in the weakest currency accepted (10^13 kip). It keeps sums safe: 9,000 gifts at
/// the bound still fit an i64, and the store sums in two halves added in i128 (see
/// `store::aid`), so millions of rows cannot overflow; a conversion multiplies at most
/// 10^15 × [`MAX_RATE_MICRO`] × 10^2, far inside an i128.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// The largest quantity of one goods line or need, in the item's unit: 10^12 (a million
/// tonnes of produce in kg, a thousand billion masks), far above any real gift.
pub const MAX_QUANTITY: i64 = 1_000_000_000_000;

/// The largest exchange rate, in millionths: 10^15 (a billion units of one currency for one
/// of another; 1 USD is about 25,000 VND).
pub const MAX_RATE_MICRO: i64 = 1_000_000_000_000_000;

/// Whether an amount is one a gift may carry: 1 to [`MAX_AMOUNT_MINOR`].
pub fn amount_in_bounds(minor: i64) -> bool {
    (1..=MAX_AMOUNT_MINOR).contains(&minor)
}

/// Whether a quantity is one a goods line may carry: 1 to [`MAX_QUANTITY`].
pub fn quantity_in_bounds(q: i64) -> bool {
    (1..=MAX_QUANTITY).contains(&q)
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

/// Who gives or receives: a locality (a unit of the registry, domestic or foreign partner)
/// or an organisation of a locality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyKind {
    Locality,
    PartyCommittee,
    PeoplesCommittee,
    Police,
    FatherlandFront,
    TradeUnion,
    Enterprise,
    ReligiousGroup,
    Individual,
}

impl PartyKind {
    pub const ALL: [PartyKind; 9] = [
        PartyKind::Locality,
        PartyKind::PartyCommittee,
        PartyKind::PeoplesCommittee,
        PartyKind::Police,
        PartyKind::FatherlandFront,
        PartyKind::TradeUnion,
        PartyKind::Enterprise,
        PartyKind::ReligiousGroup,
        PartyKind::Individual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Locality => "locality",
            PartyKind::PartyCommittee => "party_committee",
            PartyKind::PeoplesCommittee => "peoples_committee",
            PartyKind::Police => "police",
            PartyKind::FatherlandFront => "fatherland_front",
            PartyKind::TradeUnion => "trade_union",
            PartyKind::Enterprise => "enterprise",
            PartyKind::ReligiousGroup => "religious_group",
            PartyKind::Individual => "individual",
        }
    }
}

impl FromStr for PartyKind {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        PartyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// Where a gift is. Each step only moves forward by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AidStatus {
    Pledged,
    Dispatched,
    /// The receiver confirmed what arrived (and any shortfall).
    Received,
    /// Thanked: a letter or a delegation acknowledged the gift.
    Acknowledged,
}

impl AidStatus {
    pub const ALL: [AidStatus; 4] = [
        AidStatus::Pledged,
        AidStatus::Dispatched,
        AidStatus::Received,
        AidStatus::Acknowledged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AidStatus::Pledged => "pledged",
            AidStatus::Dispatched => "dispatched",
            AidStatus::Received => "received",
            AidStatus::Acknowledged => "acknowledged",
        }
    }

    /// The one step allowed from here, if any.
    pub fn next(self) -> Option<AidStatus> {
        match self {
            AidStatus::Pledged => Some(AidStatus::Dispatched),
            AidStatus::Dispatched => Some(AidStatus::Received),
            AidStatus::Received => Some(AidStatus::Acknowledged),
            AidStatus::Acknowledged => None,
        }
    }

    pub fn can_move_to(self, to: AidStatus) -> bool {
        self.next() == Some(to)
    }

    /// The steps from `Pledged` up to and including `self`, in order.
    pub fn path(self) -> impl Iterator<Item = AidStatus> {
        AidStatus::ALL.into_iter().filter(move |s| *s <= self)
    }

    /// Whether the recipient (true) or the donor (false) takes this step.
    pub fn taken_by_recipient(self) -> bool {
        matches!(self, AidStatus::Received | AidStatus::Acknowledged)
    }
}

impl FromStr for AidStatus {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        AidStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// One item of the goods catalogue: its slug, the unit it is counted in, and its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub slug: &'static str,
    pub unit: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
}

/// The goods catalogue. Quantities are whole numbers of the item's unit; produce is in
/// kilograms so "hundreds of tonnes" stays an integer.
pub const ITEMS: &[Item] = &[
    Item {
        slug: "masks",
        unit: "pieces",
        name_vi: "khẩu trang y tế",
        name_en: "medical masks",
    },
    Item {
        slug: "antigen_test_kits",
        unit: "kits",
        name_vi: "bộ xét nghiệm kháng nguyên",
        name_en: "antigen test kits",
    },
    Item {
        slug: "pcr_test_kits",
        unit: "kits",
        name_vi: "bộ xét nghiệm PCR",
        name_en: "PCR test kits",
    },
    Item {
        slug: "ventilators",
        unit: "pieces",
        name_vi: "máy thở",
        name_en: "ventilators",
    },
    Item {
        slug: "oxygen_cylinders",
        unit: "cylinders",
        name_vi: "bình ô-xy",
        name_en: "oxygen cylinders",
    },
    Item {
        slug: "oxygen_concentrators",
        unit: "pieces",
        name_vi: "máy tạo ô-xy",
        name_en: "oxygen concentrators",
    },
    Item {
        slug: "protective_suits",
        unit: "sets",
        name_vi: "bộ đồ bảo hộ",
        name_en: "protective suits",
    },
    Item {
        slug: "produce",
        unit: "kg",
        name_vi: "nông sản, thủy sản",
        name_en: "farm and fish produce",
    },
    Item {
        slug: "gift_packs",
        unit: "packs",
        name_vi: "phần quà thiết yếu",
        name_en: "gift packs of essentials",
    },
    Item {
        slug: "welfare_bags",
        unit: "bags",
        name_vi: "túi an sinh",
        name_en: "welfare bags",
    },
    Item {
        slug: "medicine_packs",
        unit: "boxes",
        name_vi: "túi thuốc",
        name_en: "medicine packs",
    },
];

pub fn item(slug: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.slug == slug)
}

/// A line of goods in a gift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodsLine {
    pub item: &'static Item,
    pub quantity: i64,
}

/// What a relief round hands to each household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReliefKind {
    GiftPack,
    WelfareBag,
    Produce,
    Cash,
}

impl ReliefKind {
    pub const ALL: [ReliefKind; 4] = [
        ReliefKind::GiftPack,
        ReliefKind::WelfareBag,
        ReliefKind::Produce,
        ReliefKind::Cash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReliefKind::GiftPack => "gift_pack",
            ReliefKind::WelfareBag => "welfare_bag",
            ReliefKind::Produce => "produce",
            ReliefKind::Cash => "cash",
        }
    }
}

impl FromStr for ReliefKind {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        ReliefKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// What kind of meeting a cooperation activity was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    DelegationVisit,
    OnlineTalks,
    Conference,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 3] = [
        ActivityKind::DelegationVisit,
        ActivityKind::OnlineTalks,
        ActivityKind::Conference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::DelegationVisit => "delegation_visit",
            ActivityKind::OnlineTalks => "online_talks",
            ActivityKind::Conference => "conference",
        }
    }
}

impl FromStr for ActivityKind {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        ActivityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// The nine fields of the Hà Nội – Hồ Chí Minh City comprehensive cooperation MoU of
/// 18 October 2023 (report 003): the default list of a new agreement's fields.
pub const DEFAULT_COOPERATION_FIELDS: [&str; 9] = [
    "Công tác xây dựng Đảng, hệ thống chính trị",
    "Quản lý nhà nước và cơ chế, chính sách",
    "Kinh tế, thương mại và xúc tiến, thu hút đầu tư",
    "Phát triển đô thị, bảo vệ môi trường",
    "Văn hóa, thể thao và du lịch",
    "Giáo dục và y tế",
    "Nông nghiệp và phát triển nông thôn",
    "Quốc phòng, an ninh",
    "Báo chí, tuyên truyền",
];

/// Where a need stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedStatus {
    Open,
    Met,
    Withdrawn,
}

impl NeedStatus {
    pub const ALL: [NeedStatus; 3] = [NeedStatus::Open, NeedStatus::Met, NeedStatus::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            NeedStatus::Open => "open",
            NeedStatus::Met => "met",
            NeedStatus::Withdrawn => "withdrawn",
        }
    }
}

impl FromStr for NeedStatus {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        NeedStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// What is known of a needing locality's situation when an offer is matched.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedSituation {
    /// Cases confirmed in its territory in the last 7 days, and in the 7 days before.
    pub cases_7d: i64,
    pub cases_prev_7d: i64,
    /// Great-circle distance from the offering locality, when both have centroids.
    pub distance_km: Option<f64>,
    /// The locality's latest published risk level (1–4), if any was published.
    pub risk_level: Option<u8>,
    /// Free F0 treatment beds in its territory, when facilities are on record there.
    pub free_beds: Option<i64>,
}

impl NeedSituation {
    /// Week-on-week growth of cases, smoothed by one case so an empty week is not a
    /// division by zero: (c7 + 1) / (prev + 1).
    pub fn growth(&self) -> f64 {
        (self.cases_7d as f64 + 1.0) / (self.cases_prev_7d as f64 + 1.0)
    }
}

/// The order in which needs should receive an offer: the highest published risk level
/// first, then a locality out of free treatment beds before one with beds (fewest free
/// first; unknown after known), then the heaviest load (cases in the last 7 days), the
/// fastest growth, and the nearest.
pub fn rank_needs(situations: &[NeedSituation]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..situations.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&situations[a], &situations[b]);
        y.risk_level
            .unwrap_or(0)
            .cmp(&x.risk_level.unwrap_or(0))
            .then(
                x.free_beds
                    .unwrap_or(i64::MAX)
                    .cmp(&y.free_beds.unwrap_or(i64::MAX)),
            )
            .then(y.cases_7d.cmp(&x.cases_7d))
            .then(y.growth().total_cmp(&x.growth()))
            .then(
                x.distance_km
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&y.distance_km.unwrap_or(f64::INFINITY)),
            )
            .then(a.cmp(&b))
    });
    order
}

/// Haversine distance between two (lat, lon) points in degrees, on a 6,371 km sphere.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Who may record gifts and move them along: command centres and partner localities
/// (within their scope), and administrators.
pub fn may_record_aid(role: crate::Role) -> bool {
    role.can(crate::role::Permission::RecordAid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn usd_vnd(rate_micro: i64) -> FxRate {
        FxRate {
            base: Currency::USD,
            quote: Currency::VND,
            rate_micro,
            on_date: NaiveDate::from_ymd_opt(2021, 8, 26).unwrap(),
            source: "test".into(),
            assumed: true,
        }
    }

    #[test]
    fn conversion_is_exact_both_ways_with_stated_rounding() {
        let r = usd_vnd(23_000_000_000); // 23,000 VND per USD
                                         // 15,000.00 USD → 345,000,000 VND.
        assert_eq!(
            r.convert(1_500_000, Currency::USD, Currency::VND),
            Some(345_000_000)
        );
        // 500,000,000 VND → 21,739.130… USD → 2,173,913 cents (…0.43 rounds down).
        assert_eq!(
            r.convert(500_000_000, Currency::VND, Currency::USD),
            Some(2_173_913)
        );
        // Half a cent rounds away from zero: 115 VND = 0.5 cent.
        assert_eq!(r.convert(115, Currency::VND, Currency::USD), Some(1));
        assert_eq!(r.convert(-115, Currency::VND, Currency::USD), Some(-1));
        assert_eq!(r.convert(114, Currency::VND, Currency::USD), Some(0));
        let lak: Currency = "LAK".parse().unwrap();
        assert_eq!(r.convert(100, lak, Currency::USD), None);
        // Extremes give None, never a panic or a wrapped number.
        let huge = usd_vnd(i64::MAX);
        assert_eq!(huge.convert(i64::MAX, Currency::USD, Currency::VND), None);
        assert_eq!(huge.convert(i64::MIN, Currency::USD, Currency::VND), None);
        assert_eq!(
            huge.convert(i64::MAX, Currency::VND, Currency::USD),
            Some(100_000_000)
        );
        assert_eq!(usd_vnd(0).convert(1, Currency::VND, Currency::USD), None);
        assert_eq!(usd_vnd(-5).convert(1, Currency::USD, Currency::VND), None);
    }

    #[test]
    fn sums_convert_at_the_latest_rate_and_a_missing_rate_leaves_no_total() {
        let old = FxRate {
            on_date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            ..usd_vnd(20_000_000_000)
        };
        let rates = vec![old, usd_vnd(23_000_000_000)];
        let sums = [
            Money {
                amount_minor: 20_000_000,
                currency: Currency::USD,
            },
            Money {
                amount_minor: 500_000_000,
                currency: Currency::VND,
            },
        ];
        let (rows, total) = convert_sums(&sums, Currency::VND, &rates, None);
        assert_eq!(rows[0].converted_minor, Some(4_600_000_000));
        assert_eq!(total, Some(5_100_000_000));
        let (_, total_2020) = convert_sums(
            &sums,
            Currency::VND,
            &rates,
            NaiveDate::from_ymd_opt(2020, 6, 1),
        );
        assert_eq!(total_2020, Some(4_500_000_000));
        let lak = Money {
            amount_minor: 1,
            currency: "LAK".parse().unwrap(),
        };
        assert_eq!(convert_sums(&[lak], Currency::USD, &rates, None).1, None);
    }

    #[test]
    fn currencies_parse_and_format() {
        assert_eq!(Currency::USD.parse_major("40000"), Ok(4_000_000));
        assert_eq!(Currency::USD.parse_major("0.5"), Ok(50));
        assert_eq!(Currency::VND.parse_major("500000000"), Ok(500_000_000));
        assert!(Currency::VND.parse_major("1.5").is_err());
        assert!(Currency::USD.parse_major("-1").is_err());
        assert!(Currency::USD.parse_major("1e5").is_err());
        // Beyond the bound, and beyond an i64: refused, never wrapped.
        assert_eq!(
            Currency::VND.parse_major("1000000000000000"),
            Ok(MAX_AMOUNT_MINOR)
        );
        assert_eq!(
            Currency::VND.parse_major("1000000000000001"),
            Err(Reason::OutOfRange)
        );
        assert_eq!(
            Currency::VND.parse_major("9223372036854775807"),
            Err(Reason::OutOfRange)
        );
        assert_eq!(
            Currency::USD.parse_major("99999999999999999999999.99"),
            Err(Reason::OutOfRange)
        );
        assert_eq!("usd".parse::<Currency>(), Ok(Currency::USD));
        assert_eq!("XYZ".parse::<Currency>(), Err(Reason::UnknownValue));
        assert_eq!("US".parse::<Currency>(), Err(Reason::InvalidFormat));
        assert_eq!(Currency::USD.format_minor(20_000_000), "200,000.00");
        assert_eq!(Currency::VND.format_minor(500_000_000), "500,000,000");
        assert_eq!(Currency::USD.format_minor(-5), "-0.05");
    }

    #[test]
    fn needs_rank_by_load_then_growth_then_distance() {
        let s = |c7, prev, d| NeedSituation {
            cases_7d: c7,
            cases_prev_7d: prev,
            distance_km: d,
            risk_level: None,
            free_beds: None,
        };
        let needs = [
            s(10, 10, Some(5.0)),
            s(500, 100, Some(900.0)),
            s(10, 2, Some(50.0)),
            s(10, 2, Some(20.0)),
            s(0, 0, None),
        ];
        assert_eq!(rank_needs(&needs), vec![1, 3, 2, 0, 4]);
        // A higher risk level outranks any load; then a locality out of beds comes first.
        let mut with_level = needs.clone();
        with_level[4].risk_level = Some(4);
        with_level[0].risk_level = Some(3);
        with_level[2].risk_level = Some(3);
        with_level[2].free_beds = Some(0);
        with_level[0].free_beds = Some(40);
        assert_eq!(rank_needs(&with_level), vec![4, 2, 0, 1, 3]);
        // Hà Nội – Vientiane is about 480 km.
        let d = distance_km((21.03, 105.83), (18.1, 102.7));
        assert!((440.0..520.0).contains(&d), "{d}");
    }

    #[test]
    fn lifecycle_moves_one_step_forward_only() {
        use AidStatus::*;
        assert!(Pledged.can_move_to(Dispatched));
        assert!(!Pledged.can_move_to(Received));
        assert!(!Received.can_move_to(Dispatched));
        assert!(!Acknowledged.can_move_to(Acknowledged));
        assert_eq!(
            Received.path().collect::<Vec<_>>(),
            vec![Pledged, Dispatched, Received]
        );
    }
}
