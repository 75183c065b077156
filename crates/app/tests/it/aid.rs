//! Aid: gifts parsed once and recorded, totals converted at the recorded rates.

use app::aid::{
    new_donation, new_rate, AmountInput, DonationInput, MoneyInput, PartyInput, RateInput,
};
use chrono::NaiveDate;
use domain::aid::Currency;
use domain::Reason;
use store::aid::AidFilter;
use store::{both_databases, Caller, Store};

use crate::{app_at_now, NOW};

fn today() -> NaiveDate {
    app::local_time::local_date(NOW)
}

fn gift(amount: AmountInput, currency: &str) -> DonationInput {
    let locality = |code: &str| PartyInput {
        kind: "locality".into(),
        code_or_id: code.into(),
    };
    DonationInput {
        donor: Some(locality("01")),
        recipient: Some(locality("LA-VT")),
        money: Some(MoneyInput {
            amount_minor: amount,
            currency: Some(currency.into()),
        }),
        date: Some("2021-08-26".into()),
        source: Some("Báo Nhân Dân".into()),
        ..DonationInput::default()
    }
}

/// Every bad field is named at once, and a number too big for the ledger is out of range,
/// not malformed.
#[test]
fn a_gift_names_every_bad_field() {
    let mut bad = gift(AmountInput::TooBig, "ABC");
    bad.date = Some("2031-01-01".into());
    bad.source = None;
    let errors = new_donation(&bad, today()).unwrap_err();
    let named: Vec<(&str, Reason)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.reason))
        .collect();
    assert!(
        named.contains(&("money.amount_minor", Reason::OutOfRange)),
        "{named:?}"
    );
    assert!(
        named.contains(&("money.currency", Reason::UnknownValue)),
        "{named:?}"
    );
    assert!(named.contains(&("date", Reason::OutOfRange)), "{named:?}");
    assert!(named.contains(&("source", Reason::Required)), "{named:?}");
    let malformed = new_donation(&gift(AmountInput::Malformed, "USD"), today()).unwrap_err();
    assert_eq!(malformed[0].reason, Reason::InvalidFormat);
}

/// Totals convert each currency at the rate recorded for it; without a rate the grand total
/// is absent rather than partial.
async fn totals_convert_at_recorded_rates(store: Store) {
    let app = app_at_now(store);
    let system = Caller::system("test");
    for (amount, currency) in [(50_000_000, "USD"), (1_000_000_000, "LAK")] {
        let new = new_donation(&gift(AmountInput::Whole(amount), currency), today()).unwrap();
        app.store.create_donation(&system, &new, NOW).await.unwrap();
    }
    let usd_vnd = new_rate(
        &RateInput {
            base: Some("USD".into()),
            quote: Some("VND".into()),
            rate: Some("22850".into()),
            date: Some("2021-08-26".into()),
            source: Some("Vietcombank".into()),
            assumed: false,
        },
        today(),
    )
    .unwrap();
    app.store.put_fx_rate(&system, &usd_vnd, NOW).await.unwrap();
    let all = AidFilter::default();
    let t = app
        .aid_totals(&system, &all, Currency::VND, None)
        .await
        .unwrap();
    assert_eq!(t.donations, 2);
    let usd = t
        .by_currency
        .iter()
        .find(|c| c.money.currency == Currency::USD)
        .unwrap();
    assert_eq!(usd.converted_minor, Some(500_000 * 22_850));
    assert_eq!(
        t.missing_rates().collect::<Vec<_>>(),
        vec!["LAK".parse::<Currency>().unwrap()]
    );
    assert_eq!(t.total_minor, None, "a partial total would look complete");
    let lak_vnd = RateInput {
        base: Some("LAK".into()),
        quote: Some("VND".into()),
        rate: Some("2.3".into()),
        date: Some("2021-08-26".into()),
        source: Some("SBV".into()),
        assumed: true,
    };
    let lak_vnd = new_rate(&lak_vnd, today()).unwrap();
    app.store.put_fx_rate(&system, &lak_vnd, NOW).await.unwrap();
    let t = app
        .aid_totals(&system, &all, Currency::VND, None)
        .await
        .unwrap();
    // 1,000,000,000 minor units of kíp are 10,000,000 ₭ (two decimals), 23,000,000 ₫.
    assert_eq!(t.total_minor, Some(500_000 * 22_850 + 23_000_000));
}

both_databases!(totals_convert_at_recorded_rates);
