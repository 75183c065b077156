use chrono::NaiveDate;

use super::*;
use crate::validation::Reason;

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
