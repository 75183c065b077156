//! Needs posted by localities.

use chrono::NaiveDate;
use domain::aid;
use domain::time::Dates;
use domain::{FieldError, Reason};
use store::aid::NewNeed;

use crate::input::{in_range, req_date, required, text, unit};

/// A need as given.
#[derive(Debug, Clone, Default)]
pub struct NeedInput {
    /// The needing locality (a unit of the caller's jurisdiction).
    pub unit: Option<String>,
    /// A catalogue item.
    pub item: Option<String>,
    pub quantity: Option<i64>,
    /// YYYY-MM-DD.
    pub by_date: Option<String>,
    pub note: Option<String>,
}

/// A need from its input: every field checked, every error reported at once.
pub fn new_need(r: &NeedInput, today: NaiveDate) -> Result<NewNeed, Vec<FieldError>> {
    let mut errors = Vec::new();
    let unit = unit("unit", r.unit.as_deref(), &mut errors);
    let item = match r.item.as_deref() {
        None | Some("") => required("item", None, &mut errors),
        Some(i) => aid::item(i).or_else(|| {
            errors.push(FieldError::new("item", Reason::UnknownValue));
            None
        }),
    };
    let quantity = in_range("quantity", r.quantity, 1..=aid::MAX_QUANTITY, &mut errors);
    let by_date = req_date(
        "by_date",
        r.by_date.as_deref(),
        Dates::planned(today),
        &mut errors,
    );
    let note = text("note", r.note.as_deref(), &mut errors);
    let (Some(unit), Some(item), Some(quantity), Some(by_date), true) =
        (unit, item, quantity, by_date, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewNeed {
        unit,
        item,
        quantity,
        by_date,
        note,
    })
}
