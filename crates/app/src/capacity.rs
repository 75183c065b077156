//! Planned capacity: recording a locality's bed plan (beds of a type planned in a unit from a
//! date), which the facilities and forecast pages show beside the registered beds and the
//! forecast's alerts count once its date has come (`store::capacity` says which entries are
//! in force).
//!
//! Who plans: `Permission::SetPolicy` (administrators and command-centre staff), not
//! `ManageBeds`. A plan is the steering committee's decision for the whole locality (Hà Nội's
//! 70,000 F1 places were decided by the city, not by a facility), and it moves the forecast's
//! alerts for everyone; a facility manager or commune officer registers the beds that exist,
//! not the ones the city means to open.

use chrono::NaiveDate;
use domain::facility::BedType;
use domain::time::Dates;
use domain::{FieldError, Structure, UnitCode};
use store::{Caller, NewPlanEntry, StoreError, PLANNED_BEDS_MAX};

use crate::input::{in_range, req_date, required, slug, text};
use crate::App;

/// A plan entry as given (a form's text, a JSON body).
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// A unit code of the caller's scope, optionally `2025:`-prefixed.
    pub unit: Option<String>,
    /// A `BedType` slug: `quarantine` (F1 places) or an F0 bed of a tier.
    pub bed_type: Option<String>,
    pub beds: Option<i64>,
    /// `YYYY-MM-DD`, the first day the beds count.
    pub from: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CapacityError {
    /// Fields at fault, every one named; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A plan entry from its input, every bad field named at once: a unit code, a bed type, beds
/// 1..=`PLANNED_BEDS_MAX`, a date from 2019-12 to a year after `today` (a plan may be
/// entered after the fact, and no plan reaches further than a year).
pub fn new_plan_entry(r: &PlanInput, today: NaiveDate) -> Result<NewPlanEntry, Vec<FieldError>> {
    let mut errors = Vec::new();
    let unit = match r.unit.as_deref().map(str::trim) {
        None | Some("") => required::<(Structure, UnitCode)>("unit", None, &mut errors),
        Some(u) => domain::units::parse_unit_ref(u)
            .map_err(|e| errors.push(FieldError::new("unit", e.reason)))
            .ok(),
    };
    let bed_type = slug::<BedType>("bed_type", r.bed_type.as_deref(), &mut errors);
    let beds = in_range("beds", r.beds, 1..=PLANNED_BEDS_MAX, &mut errors);
    let from = req_date(
        "from",
        r.from.as_deref(),
        Dates::planned(today),
        &mut errors,
    );
    let note = text("note", r.note.as_deref(), &mut errors);
    match (unit, bed_type, beds, from, errors.is_empty()) {
        (Some((structure, unit_code)), Some(bed_type), Some(beds), Some(from), true) => {
            Ok(NewPlanEntry {
                structure,
                unit_code,
                bed_type,
                beds,
                from,
                note,
            })
        }
        _ => Err(errors),
    }
}

impl App {
    /// Records a plan entry: checked, then written with its audit row. A unit outside the
    /// caller's scope is refused as not found (`unit`), alike whether it exists.
    pub async fn add_capacity_plan(
        &self,
        caller: &Caller,
        r: &PlanInput,
    ) -> Result<i64, CapacityError> {
        let new = new_plan_entry(r, self.today()).map_err(CapacityError::Invalid)?;
        match self
            .store
            .add_capacity_plan(caller, &new, self.now_s())
            .await
        {
            Err(StoreError::Invalid(fields)) => Err(CapacityError::Invalid(fields)),
            other => Ok(other?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Reason;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 8, 1).expect("date")
    }

    #[test]
    fn every_bad_field_is_named() {
        let r = PlanInput {
            unit: Some("x".into()),
            bed_type: Some("sofa".into()),
            beds: Some(0),
            from: Some("2023-01-01".into()),
            note: None,
        };
        let errors = new_plan_entry(&r, today()).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["unit", "bed_type", "beds", "from"]);
        assert_eq!(errors[3].reason, Reason::OutOfRange);
        let missing = new_plan_entry(&PlanInput::default(), today()).expect_err("refused");
        assert!(missing.iter().all(|e| e.reason == Reason::Required));
        assert_eq!(missing.len(), 4);
    }

    #[test]
    fn hanoi_plan_is_accepted() {
        let r = PlanInput {
            unit: Some("01".into()),
            bed_type: Some("quarantine".into()),
            beds: Some(70_000),
            from: Some("2021-09-01".into()),
            note: Some("Kế hoạch của Hà Nội".into()),
        };
        let e = new_plan_entry(&r, today()).expect("accepted");
        assert_eq!((e.beds, e.bed_type), (70_000, BedType::Quarantine));
    }
}
