//! Vaccine doses: each item of a batch checked, then the batch recorded in one transaction.

use chrono::NaiveDate;
use domain::vaccination::Product;
use domain::{FieldError, PersonId, Reason};
use store::{Caller, DoseItem, ItemOutcome, StoreError, DOSE_NO_MAX};

use crate::input::{req_date, required, slug, unit};
use crate::App;

/// COVID-19 vaccination in Vietnam began on 8 March 2021: no dose is older.
pub const FIRST_DOSE_DAY: NaiveDate = NaiveDate::from_ymd_opt(2021, 3, 8).expect("a valid date");

/// A dose as given; the sender's id has been read by the edge (its shape is the wire's).
#[derive(Debug, Clone, Default)]
pub struct DoseInput {
    pub client_id: Option<String>,
    pub person_id: Option<i64>,
    /// A product's slug (`astrazeneca`, `pfizer`, …).
    pub product: Option<String>,
    /// 1 to [`DOSE_NO_MAX`].
    pub dose_no: Option<i64>,
    /// YYYY-MM-DD.
    pub given_on: Option<String>,
    /// The unit where the dose was given.
    pub unit: Option<String>,
    /// The vaccine lot, as written on the vial (at most [`LOT_MAX_CHARS`]).
    pub lot: Option<String>,
}

/// A lot number's length: lots are short codes ("A1234", "FF2593"); anything longer is a
/// note typed in the wrong box.
pub const LOT_MAX_CHARS: usize = 40;

/// A dose from its input, its errors added to `errors` (which may already hold the edge's).
/// Given: not before vaccination began, not after `today`.
pub fn dose(r: &DoseInput, today: NaiveDate, errors: &mut Vec<FieldError>) -> Option<DoseItem> {
    let person = required("person_id", r.person_id.filter(|&p| p > 0), errors);
    let product = slug::<Product>("product", r.product.as_deref(), errors);
    let dose_no = match r.dose_no {
        None => required::<u8>("dose_no", None, errors),
        Some(n) => u8::try_from(n)
            .ok()
            .filter(|n| (1..=DOSE_NO_MAX).contains(n))
            .or_else(|| {
                errors.push(FieldError::new("dose_no", Reason::OutOfRange));
                None
            }),
    };
    let given_on = req_date(
        "given_on",
        r.given_on.as_deref(),
        domain::time::Dates::past(today).not_before(FIRST_DOSE_DAY),
        errors,
    );
    let place = unit("unit", r.unit.as_deref(), errors);
    let lot = r
        .lot
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    if lot
        .as_ref()
        .is_some_and(|l| l.chars().count() > LOT_MAX_CHARS)
    {
        errors.push(FieldError::new("lot", Reason::TooLong));
    }
    match (&r.client_id, person, product, dose_no, given_on, place) {
        (Some(client_id), Some(p), Some(product), Some(dose_no), Some(given_on), Some(place))
            if errors.is_empty() =>
        {
            Some(DoseItem {
                client_id: client_id.clone(),
                person_id: PersonId(p),
                product,
                dose_no,
                given_on,
                place,
                lot,
            })
        }
        _ => None,
    }
}

impl App {
    /// Records checked doses of persons in the caller's jurisdiction, each answered
    /// (accepted, duplicate of a resent id, or refused); coverage counts change in the same
    /// transaction. A linked locality also tells a person's home locality, in that
    /// transaction, of a dose given here to someone living there (`care_away`).
    pub async fn record_doses(
        &self,
        caller: &Caller,
        items: &[DoseItem],
    ) -> Result<Vec<ItemOutcome>, StoreError> {
        if let Some(setup) = self.link.clone() {
            return crate::care_away::record_doses_linked(self, &setup, caller, items).await;
        }
        self.store.record_doses(caller, items, self.now_s()).await
    }
}
