//! Lockdown zones and their relief rounds.

use chrono::NaiveDate;
use domain::aid::ReliefKind;
use domain::time::Dates;
use domain::{FieldError, Reason, Structure, UnitCode};
use store::aid::{NewRound, NewZone};

use crate::input::{in_range, opt_date, req_date, required, slug, text};

/// A zone as given.
#[derive(Debug, Clone, Default)]
pub struct ZoneInput {
    pub name: Option<String>,
    /// Unit codes, optionally `2025:`-prefixed, all of one structure.
    pub units: Option<Vec<String>>,
    /// The older one-unit form, read as `units: [unit]`; not together with `units`.
    pub unit: Option<String>,
    /// Address lines narrowing the zone.
    pub addresses: Option<Vec<String>>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub population: Option<i64>,
    pub households: Option<i64>,
}

/// A zone's unit list as given: `units`, or `unit` alone (its errors then name `unit`).
/// Returns the structure, the codes, and whether `unit` was used.
fn zone_units(
    r: &ZoneInput,
    errors: &mut Vec<FieldError>,
) -> Option<(Structure, Vec<UnitCode>, bool)> {
    let (given, short): (Vec<(String, &str)>, bool) = match (&r.units, r.unit.as_deref()) {
        (Some(list), Some(_)) if !list.is_empty() => {
            errors.push(FieldError::new("unit", Reason::Duplicate));
            return None;
        }
        (_, Some(u)) if !u.is_empty() => (vec![("unit".into(), u)], true),
        (list, _) => (
            list.iter()
                .flatten()
                .enumerate()
                .map(|(i, u)| (format!("units[{i}]"), u.as_str()))
                .collect(),
            false,
        ),
    };
    let mut structure = None;
    let mut codes = Vec::with_capacity(given.len());
    let mut ok = true;
    for (field, u) in &given {
        match domain::units::parse_unit_ref(u) {
            Err(e) => {
                errors.push(FieldError::new(field.as_str(), e.reason));
                ok = false;
            }
            Ok((s, _)) if structure.is_some_and(|first| first != s) => {
                errors.push(FieldError::new(field.as_str(), Reason::OutOfRange));
                ok = false;
            }
            Ok((s, code)) => {
                structure = Some(s);
                codes.push(code);
            }
        }
    }
    if ok {
        errors.extend(domain::zone::check_units(&codes).into_iter().map(|mut e| {
            if short {
                e.field = "unit".into();
            }
            e
        }));
    }
    Some((structure.unwrap_or(Structure::S2021), codes, short))
}

/// A zone from its input: every field checked, every error reported at once. The flag says
/// the older one-unit form (`unit`) was used, so that the store's refusals of `units[0]` can
/// be named `unit` too. Its dates lie from 2019-12 to a year after `today`, the end not
/// before the start.
pub fn new_zone(r: &ZoneInput, today: NaiveDate) -> Result<(NewZone, bool), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let units = zone_units(r, &mut errors);
    let addresses = r.addresses.clone().unwrap_or_default();
    if let Err(e) = domain::zone::zone_addresses(&addresses) {
        errors.extend(e);
    }
    let planned = Dates::planned(today);
    let starts_on = req_date("starts_on", r.starts_on.as_deref(), planned, &mut errors);
    let ends_on = opt_date("ends_on", r.ends_on.as_deref(), planned, &mut errors);
    if let (Some(a), Some(b)) = (starts_on, ends_on) {
        if b < a {
            errors.push(FieldError::new("ends_on", Reason::OutOfRange));
        }
    }
    let population = in_range("population", r.population, 0..=100_000_000, &mut errors);
    let households = in_range("households", r.households, 0..=100_000_000, &mut errors);
    let (
        Some(name),
        Some((structure, units, short)),
        Some(starts_on),
        Some(population),
        Some(households),
        true,
    ) = (
        name,
        units,
        starts_on,
        population,
        households,
        errors.is_empty(),
    )
    else {
        return Err(errors);
    };
    let new = NewZone {
        name,
        structure,
        units,
        addresses,
        starts_on,
        ends_on,
        population,
        households,
    };
    Ok((new, short))
}

/// A relief round as given.
#[derive(Debug, Clone, Default)]
pub struct RoundInput {
    pub name: Option<String>,
    /// `gift_pack`, `welfare_bag`, `produce` or `cash`.
    pub kind: Option<String>,
    pub starts_on: Option<String>,
}

/// A round from its input.
pub fn new_round(r: &RoundInput, today: NaiveDate) -> Result<NewRound, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let kind = slug::<ReliefKind>("kind", r.kind.as_deref(), &mut errors);
    let starts_on = req_date(
        "starts_on",
        r.starts_on.as_deref(),
        Dates::planned(today),
        &mut errors,
    );
    let (Some(name), Some(kind), Some(starts_on), true) =
        (name, kind, starts_on, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewRound {
        name,
        kind,
        starts_on,
    })
}
