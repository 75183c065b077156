//! Property tests of the aid parsers the API and the page forms share: whatever strings and
//! numbers arrive, they answer `Ok` with values inside the bounds, or named field errors;
//! they never panic (an overflow in a debug build would).

use chrono::NaiveDate;
use domain::aid::{self, Currency, MAX_AMOUNT_MINOR, MAX_QUANTITY, MAX_RATE_MICRO};
use domain::time::Dates;
use proptest::prelude::*;
use serde_json::{json, Value};

use app::aid::{decimal_micro, parse_micro};

use super::needs::NeedRequest;
use super::{GoodsDto, NewDonationRequest, PartyDto, RateRequest};

// The requests as the API maps them, into the application's parsers.
fn new_donation(
    r: NewDonationRequest,
    today: NaiveDate,
) -> Result<store::aid::NewDonation, Vec<domain::FieldError>> {
    app::aid::new_donation(&r.into(), today)
}

fn new_need(
    r: NeedRequest,
    today: NaiveDate,
) -> Result<store::aid::NewNeed, Vec<domain::FieldError>> {
    app::aid::new_need(&r.into(), today)
}

fn new_rate(r: RateRequest, today: NaiveDate) -> Result<aid::FxRate, Vec<domain::FieldError>> {
    app::aid::new_rate(&r.into(), today)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 11, 20).expect("a date")
}

/// A string that is often meaningful to the parser (a slug, a number, a date) and otherwise
/// anything at all.
fn text(meaningful: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(meaningful).prop_map(|s| Some(s.to_string())),
        any::<String>().prop_map(Some),
        any::<i64>().prop_map(|n| Some(n.to_string())),
        any::<u128>().prop_map(|n| Some(n.to_string())),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0..=MAX_AMOUNT_MINOR + 2).prop_map(|n| json!(n)),
        any::<String>().prop_map(Value::String),
        Just(Value::Null),
        Just(json!([1, 2])),
    ]
}

const DATES: &[&str] = &[
    "2021-08-26",
    "2021-11-20",
    "2021-11-21",
    "2019-11-30",
    "9999-12-31",
    "0001-01-01",
    "+10000-01-01",
    "2021-02-30",
];
const CURRENCIES: &[&str] = &["VND", "usd", "LAK", "JPY", "XYZ", ""];
const KINDS: &[&str] = &["locality", "enterprise", "army", ""];
const CODES: &[&str] = &["01", "79", "LA-VT", "5", ""];
const ITEMS: &[&str] = &["masks", "produce", "gold", ""];
const STATUSES: &[&str] = &["pledged", "received", "lost"];

fn party() -> impl Strategy<Value = Option<PartyDto>> {
    proptest::option::of(
        (
            text(KINDS).prop_map(Option::unwrap_or_default),
            text(CODES).prop_map(Option::unwrap_or_default),
        )
            .prop_map(|(kind, code_or_id)| PartyDto {
                kind,
                code_or_id,
                name: String::new(),
            }),
    )
}

fn goods() -> impl Strategy<Value = Vec<GoodsDto>> {
    proptest::collection::vec(
        (
            text(ITEMS).prop_map(Option::unwrap_or_default),
            prop_oneof![any::<i64>(), 0..=MAX_QUANTITY + 2],
        )
            .prop_map(|(item, quantity)| GoodsDto {
                item,
                quantity,
                unit: String::new(),
                received_quantity: None,
            }),
        0..4,
    )
}

fn money() -> impl Strategy<Value = Option<Value>> {
    proptest::option::of(prop_oneof![
        (number(), text(CURRENCIES)).prop_map(|(a, c)| json!({"amount_minor": a, "currency": c})),
        number(),
    ])
}

/// Every error names a field; an accepted gift is inside every bound.
fn check_fields(errors: &[domain::FieldError]) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty());
    for e in errors {
        prop_assert!(!e.field.is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn gifts_parse_or_name_their_fields(
        donor in party(),
        recipient in party(),
        money in money(),
        goods in goods(),
        date in text(DATES),
        status in text(STATUSES),
        source in text(&["report", ""]),
        note in text(&[""]),
    ) {
        let r = NewDonationRequest {
            donor, recipient, money, goods, date, status, source, source_quote: None, note,
        };
        match new_donation(r, today()) {
            Ok(d) => {
                if let Some(m) = d.money {
                    prop_assert!(aid::amount_in_bounds(m.amount_minor));
                }
                for g in &d.goods {
                    prop_assert!(aid::quantity_in_bounds(g.quantity));
                }
                prop_assert!(Dates::past(today()).contains(d.on_date));
            }
            Err(e) => check_fields(&e)?,
        }
    }

    #[test]
    fn needs_parse_or_name_their_fields(
        unit in text(CODES),
        item in text(ITEMS),
        quantity in proptest::option::of(prop_oneof![any::<i64>(), 0..=MAX_QUANTITY + 2]),
        by_date in text(DATES),
        note in text(&[""]),
    ) {
        let r = NeedRequest { unit, item, quantity, by_date, note };
        match new_need(r, today()) {
            Ok(n) => prop_assert!(aid::quantity_in_bounds(n.quantity)),
            Err(e) => check_fields(&e)?,
        }
    }

    #[test]
    fn amounts_parse_within_the_bound(s in text(&["0", "1.5", "1000000000000000", "15000.50", "1.", ".5"]), c in text(CURRENCIES)) {
        let (Some(s), Some(Ok(c))) = (s, c.map(|c| c.parse::<Currency>())) else { return Ok(()) };
        if let Ok(v) = c.parse_major(&s) {
            prop_assert!((0..=MAX_AMOUNT_MINOR).contains(&v));
        }
    }

    #[test]
    fn rates_parse_within_the_bound_and_print_back(
        rate in text(&["23000", "0.000043", "20500.5", "1000000000", "1e5", "-1"]),
        date in text(DATES),
        v in any::<i64>(),
    ) {
        let r = RateRequest {
            base: Some("USD".into()), quote: Some("VND".into()), rate: rate.clone(), date,
            source: Some("x".into()), assumed: false,
        };
        match new_rate(r, today()) {
            Ok(fx) => {
                prop_assert!((1..=MAX_RATE_MICRO).contains(&fx.rate_micro));
                prop_assert_eq!(parse_micro(&decimal_micro(fx.rate_micro)), Ok(fx.rate_micro));
            }
            Err(e) => check_fields(&e)?,
        }
        // Any stored number prints, and a non-negative one reads back.
        let printed = decimal_micro(v);
        if v >= 0 {
            prop_assert_eq!(parse_micro(&printed), Ok(v));
        }
    }

    #[test]
    fn gift_bodies_of_any_shape_do_not_panic(body in any::<String>(), n in number()) {
        let _ = serde_json::from_str::<NewDonationRequest>(&body)
            .map(|r| new_donation(r, today()));
        let v = json!({"donor": {"kind": "locality", "code_or_id": "01"},
                       "recipient": {"kind": "locality", "code_or_id": "79"},
                       "money": {"amount_minor": n, "currency": "VND"},
                       "goods": [{"item": "masks", "quantity": 1}],
                       "date": "2021-08-26", "source": "x"});
        if let Ok(r) = serde_json::from_value::<NewDonationRequest>(v) {
            if let Ok(d) = new_donation(r, today()) {
                prop_assert!(d.money.is_some_and(|m| aid::amount_in_bounds(m.amount_minor)));
            }
        }
    }
}
