//! Doses: recorded in their order.

use app::vaccination::{dose, DoseInput};
use chrono::NaiveDate;
use domain::Reason;
use store::{both_databases, Caller, ItemOutcome, Store};

use crate::{app_at_now, seed};

/// A dose dated before an earlier dose of the same person (or after a later one) is refused
/// on its date; in order, it is taken.
async fn doses_come_in_their_order(store: Store) {
    seed(&store, 1).await;
    let app = app_at_now(store);
    let system = Caller::system("test");
    let today = NaiveDate::from_ymd_opt(2021, 11, 20).unwrap();
    let item = |id: &str, n: i64, on: &str| {
        let input = DoseInput {
            client_id: Some(id.into()),
            person_id: Some(1),
            product: Some("pfizer".into()),
            dose_no: Some(n),
            given_on: Some(on.into()),
            unit: Some("00001".into()),
            lot: None,
        };
        dose(&input, today, &mut Vec::new()).expect("a well-formed dose")
    };
    let first = [item("a", 1, "2021-08-01"), item("b", 2, "2021-09-01")];
    let out = app.record_doses(&system, &first).await.unwrap();
    assert_eq!(out, vec![ItemOutcome::Accepted; 2]);
    let out = app
        .record_doses(&system, &[item("c", 3, "2021-08-15")])
        .await
        .unwrap();
    let ItemOutcome::Rejected(fields) = &out[0] else {
        panic!("dose 3 before dose 2: {out:?}");
    };
    assert_eq!(
        (fields[0].field.as_str(), fields[0].reason),
        ("given_on", Reason::OutOfRange)
    );
    let out = app
        .record_doses(&system, &[item("d", 3, "2021-11-01")])
        .await
        .unwrap();
    assert_eq!(out, vec![ItemOutcome::Accepted]);
}

both_databases!(doses_come_in_their_order);
