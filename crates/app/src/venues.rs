//! Registering a venue (a place that puts up a QR poster), shared by the API and the page;
//! and the communes a caller may choose by name, for any form that asks for a place.

use domain::epi::VenueKind;
use domain::text::fold_diacritics;
use domain::{FieldError, Reason, Scope, Structure, Unit, UnitCode, UnitLevel};
use store::{Caller, NewVenue, StoreError, Venue};

use crate::input::{required, slug, unit};
use crate::registry::Registry;
use crate::App;

/// A venue's name: a shop sign or an official name, bounded.
pub const VENUE_NAME_MAX_CHARS: usize = 200;
/// A venue's address, bounded.
pub const ADDRESS_MAX_CHARS: usize = 500;
/// The most people a venue may say it holds at once: a stadium, not a typo's extra zeros.
pub const CAPACITY_MAX: i64 = 100_000;

/// Why a venue was not registered.
#[derive(Debug, thiserror::Error)]
pub enum VenueError {
    /// Fields at fault, every one named; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for VenueError {
    fn from(e: StoreError) -> VenueError {
        match e {
            StoreError::Invalid(fields) if !fields.is_empty() => VenueError::Invalid(fields),
            e => VenueError::Store(e),
        }
    }
}

/// A venue as given.
#[derive(Debug, Clone, Default)]
pub struct VenueInput {
    pub name: Option<String>,
    /// A venue kind's slug (`domain::epi::VenueKind`).
    pub kind: Option<String>,
    /// A commune's code, in `structure` (2021 unless `2025`).
    pub unit: Option<String>,
    pub structure: Option<String>,
    pub address: Option<String>,
    pub capacity: Option<i64>,
    /// Opening hours, "HH:MM" local time; absent: open all day (00:00–24:00).
    pub opens: Option<String>,
    pub closes: Option<String>,
}

/// "HH:MM" as minutes of the day; "24:00" is the day's end.
fn minutes(field: &str, v: Option<&str>, default: i64, errors: &mut Vec<FieldError>) -> i64 {
    let Some(v) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        return default;
    };
    let parsed = v
        .split_once(':')
        .filter(|(h, m)| h.len() == 2 && m.len() == 2)
        .and_then(|(h, m)| Some((h.parse::<i64>().ok()?, m.parse::<i64>().ok()?)))
        .filter(|&(h, m)| (0..24).contains(&h) && (0..60).contains(&m) || (h, m) == (24, 0));
    match parsed {
        Some((h, m)) => h * 60 + m,
        None => {
            errors.push(FieldError::new(field, Reason::InvalidFormat));
            default
        }
    }
}

/// A venue from its input: every field checked, every error named at once. Whether the
/// commune is in the caller's jurisdiction is the store's check, in the same step as the
/// insert.
pub fn new_venue(r: &VenueInput) -> Result<NewVenue, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = r.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let name = required("name", name, &mut errors);
    if name.is_some_and(|n| n.chars().count() > VENUE_NAME_MAX_CHARS) {
        errors.push(FieldError::new("name", Reason::TooLong));
    }
    let kind = slug::<VenueKind>("kind", r.kind.as_deref(), &mut errors);
    let structure = match r.structure.as_deref() {
        None | Some("") => Some(Structure::S2021),
        s => slug::<Structure>("structure", s, &mut errors),
    };
    let unit_code = unit("unit", r.unit.as_deref().map(str::trim), &mut errors);
    // A venue lies in a commune: that is where its check-ins and its poster are counted.
    if let (Some(s), Some(c)) = (structure, &unit_code) {
        match Registry::of(s).get(c.as_str()) {
            None => errors.push(FieldError::new("unit", Reason::NotFound)),
            Some(u) if u.level != UnitLevel::Commune => {
                errors.push(FieldError::new("unit", Reason::UnknownValue))
            }
            Some(_) => {}
        }
    }
    let address = r
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if address.is_some_and(|a| a.chars().count() > ADDRESS_MAX_CHARS) {
        errors.push(FieldError::new("address", Reason::TooLong));
    }
    if r.capacity.is_some_and(|c| !(1..=CAPACITY_MAX).contains(&c)) {
        errors.push(FieldError::new("capacity", Reason::OutOfRange));
    }
    let open_min = minutes("opens", r.opens.as_deref(), 0, &mut errors);
    let close_min = minutes("closes", r.closes.as_deref(), 1440, &mut errors);
    if open_min >= close_min
        && !errors
            .iter()
            .any(|e| e.field == "opens" || e.field == "closes")
    {
        errors.push(FieldError::new("closes", Reason::OutOfRange));
    }
    let (Some(name), Some(kind), Some(structure), Some(unit_code), true) =
        (name, kind, structure, unit_code, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewVenue {
        name: name.to_string(),
        kind,
        structure,
        unit_code,
        address: address.map(str::to_string),
        capacity: r.capacity,
        open_min,
        close_min,
    })
}

impl App {
    /// Registers a venue in a commune of the caller's jurisdiction (audited), and tells the
    /// tracing index its kind, whose rule sets the overlap that makes a contact there.
    pub async fn register_venue(
        &self,
        caller: &Caller,
        r: &VenueInput,
    ) -> Result<Venue, VenueError> {
        let new = new_venue(r).map_err(VenueError::Invalid)?;
        let venue = self.store.create_venue(caller, &new, self.now_s()).await?;
        if let Err(e) = self.contacts.reload_links(&self.store).await {
            // Registered; until the next reload its check-ins count under the default overlap.
            tracing::error!("reloading tracing links after a new venue: {e}");
        }
        Ok(venue)
    }
}

/// The communes of a caller's jurisdiction, in path order: what a form offers to choose by
/// name.
pub fn communes_in(scope: &Scope, structure: Structure) -> Vec<&'static Unit> {
    let reg = Registry::of(structure);
    let mut out: Vec<&Unit> = if scope.is_everything() {
        reg.provinces()
            .flat_map(|p| reg.communes_under(p.code.as_str()))
            .collect()
    } else {
        scope
            .roots_in(structure)
            .filter_map(|root| root.as_str().trim_end_matches('/').rsplit('/').next())
            .flat_map(|code| reg.communes_under(code))
            .collect()
    };
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.code == b.code);
    out
}

/// How a form shows a commune, and reads it back: "Phường Phúc Xá, Quận Ba Đình".
pub fn commune_label(structure: Structure, code: &str) -> String {
    Registry::of(structure).name_with_parent(code)
}

/// The commune of the caller's jurisdiction a person typed or picked by name: its label
/// ([`commune_label`]), its name with or without its type and diacritics ("phuc xa"), or
/// its code. A name two communes share is `Duplicate` (the label tells them apart); a name
/// none has is `NotFound`.
pub fn commune_by_name(
    scope: &Scope,
    structure: Structure,
    text: &str,
) -> Result<UnitCode, Reason> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Reason::Required);
    }
    let communes = communes_in(scope, structure);
    if let Some(u) = communes.iter().find(|u| u.code.as_str() == text) {
        return Ok(u.code.clone());
    }
    let folded = fold_diacritics(text);
    let same = |u: &&&Unit| {
        fold_diacritics(&commune_label(structure, u.code.as_str())) == folded
            || fold_diacritics(&u.full_name()) == folded
            || fold_diacritics(&u.name) == folded
    };
    let mut found = communes.iter().filter(same);
    match (found.next(), found.next()) {
        (Some(u), None) => Ok(u.code.clone()),
        (Some(_), Some(_)) => Err(Reason::Duplicate),
        (None, _) => Err(Reason::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_venue_names_every_bad_field() {
        let r = VenueInput {
            name: Some("x".repeat(VENUE_NAME_MAX_CHARS + 1)),
            kind: Some("spa".into()),
            unit: Some("99999".into()),
            structure: None,
            address: Some("y".repeat(ADDRESS_MAX_CHARS + 1)),
            capacity: Some(0),
            opens: Some("25:00".into()),
            closes: Some("7h".into()),
        };
        let fields: Vec<String> = new_venue(&r)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["name", "kind", "unit", "address", "capacity", "opens", "closes"]
        );
    }

    #[test]
    fn hours_default_to_the_whole_day_and_must_run_forward() {
        let mut r = VenueInput {
            name: Some(" Phở Thìn ".into()),
            kind: Some("restaurant".into()),
            unit: Some("00004".into()),
            ..VenueInput::default()
        };
        let v = new_venue(&r).unwrap();
        assert_eq!(
            (v.name.as_str(), v.open_min, v.close_min),
            ("Phở Thìn", 0, 1440)
        );
        r.opens = Some("22:00".into());
        r.closes = Some("06:00".into());
        assert_eq!(new_venue(&r).unwrap_err()[0].field, "closes");
    }

    #[test]
    fn a_commune_is_found_by_its_name_without_diacritics() {
        let hanoi = Registry::of(Structure::S2021)
            .get("01")
            .unwrap()
            .path
            .clone();
        let scope = Scope::of([(Structure::S2021, hanoi)]);
        let code = commune_by_name(&scope, Structure::S2021, "phuc xa").unwrap();
        assert_eq!(code.as_str(), "00001");
        let label = commune_label(Structure::S2021, "00001");
        assert_eq!(
            commune_by_name(&scope, Structure::S2021, &label)
                .unwrap()
                .as_str(),
            "00001"
        );
        assert_eq!(
            commune_by_name(&scope, Structure::S2021, "nowhere at all"),
            Err(Reason::NotFound)
        );
        // A commune of another province is not offered.
        let hcm_commune = Registry::of(Structure::S2021)
            .communes_under("79")
            .first()
            .map(|u| u.code.to_string())
            .unwrap();
        assert!(commune_by_name(&scope, Structure::S2021, &hcm_commune).is_err());
    }
}
