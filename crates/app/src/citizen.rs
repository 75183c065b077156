//! Citizens checking in by scanning a venue's poster (issue #18, parts 1, 2 and 5): who the
//! device's person is, registering once, checking in and out. No account: every write is
//! made as the system under the actor `citizen` and audited (store::citizen).
//!
//! "The locality" a citizen may say they live in is the province of the venue they scanned:
//! the server has no other notion of its own area when it is not linked.

use domain::citizen_token::{Kind, Secret};
use domain::epi::ScanMode;
use domain::person::{NationalId, PersonInput, Phone, NAME_LEN_MAX};
use domain::units::UnitLevel;
use domain::{FieldError, Reason, Structure};
use store::{
    Caller, CheckinItem, CitizenVisit, PersonRef, StoreError, Venue, VenueRef, CITIZEN_ACTOR,
};

use crate::registry::Registry;
use crate::App;

/// The structure citizens' communes are chosen in (the one forms use).
pub const STRUCTURE: Structure = Structure::S2021;
/// Visits `/me/visits` lists: the retention window holds far fewer for one person.
pub const VISITS_SHOWN: i64 = 200;

/// What the registration form sends, as typed.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub birth_year: Option<String>,
    pub unit: Option<String>,
    pub national_id: Option<String>,
    /// The district whose communes the form lists (not stored).
    pub district: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CitizenError {
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The communes of the venue's province as (code, "Commune, District"), by name.
pub fn communes_near(venue: &Venue) -> Vec<(String, String)> {
    let registry = Registry::of(STRUCTURE);
    let Some(province) = registry.ancestor_at(venue.unit_code.as_str(), UnitLevel::Province) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = registry
        .communes_under(province.code.as_str())
        .into_iter()
        .map(|u| {
            (
                u.code.to_string(),
                registry.name_with_parent(u.code.as_str()),
            )
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// The districts of the venue's province as (code, name), by name: the page lists one
/// district's communes at a time (a whole province's would make the page far over 30 KB).
pub fn districts_near(venue: &Venue) -> Vec<(String, String)> {
    let registry = Registry::of(STRUCTURE);
    let Some(province) = registry.ancestor_at(venue.unit_code.as_str(), UnitLevel::Province) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = registry
        .children(province.code.as_str())
        .map(|u| (u.code.to_string(), registry.name(u.code.as_str())))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// The communes of `district` (one of [`districts_near`], else the venue's own district)
/// as (code, name), and the district chosen.
pub fn communes_of_district(
    venue: &Venue,
    district: Option<&str>,
) -> (String, Vec<(String, String)>) {
    let registry = Registry::of(STRUCTURE);
    let own = registry
        .ancestor_at(venue.unit_code.as_str(), UnitLevel::District)
        .map(|u| u.code.to_string())
        .unwrap_or_default();
    let chosen = district
        .filter(|d| districts_near(venue).iter().any(|(c, _)| c == d))
        .map_or(own, str::to_string);
    let mut out: Vec<(String, String)> = registry
        .communes_under(&chosen)
        .into_iter()
        .map(|u| (u.code.to_string(), registry.name(u.code.as_str())))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    (chosen, out)
}

fn citizen() -> Caller {
    Caller::system(CITIZEN_ACTOR)
}

impl App {
    /// The secret signing venue and personal tokens.
    pub async fn citizen_secret(&self) -> Result<Secret, StoreError> {
        self.citizen_secret
            .get_or_try_init(|| self.store.citizen_key())
            .await
            .cloned()
    }

    /// The venue a poster's token names, when the token is genuine and the venue exists.
    pub async fn venue_of_token(&self, token: &str) -> Result<Option<Venue>, StoreError> {
        let Some(id) = self.citizen_secret().await?.verify(Kind::Venue, token) else {
            return Ok(None);
        };
        self.store
            .get_venue(&domain::Scope::everything(), domain::ids::VenueId(id))
            .await
    }

    /// Registers the device's person (matched to a known person by national ID, else by
    /// phone, name and year of birth; else a new person) and records the device by its
    /// key's hash. Every field is checked and every bad one named.
    pub async fn citizen_register(
        &self,
        venue: &Venue,
        form: &Registration,
        device_hash: &str,
        now_s: i64,
    ) -> Result<i64, CitizenError> {
        let mut errors = Vec::new();
        let name = form
            .full_name
            .as_deref()
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "));
        match name.as_deref() {
            None | Some("") => errors.push(FieldError::new("full_name", Reason::Required)),
            Some(n) if n.chars().count() > NAME_LEN_MAX => {
                errors.push(FieldError::new("full_name", Reason::TooLong))
            }
            Some(_) => {}
        }
        let phone = match form.phone.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("phone", Reason::Required));
                None
            }
            Some(p) => Phone::parse(p)
                .map_err(|r| errors.push(FieldError::new("phone", r)))
                .ok(),
        };
        let this_year = chrono::Datelike::year(&self.today());
        let year = match form.birth_year.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("birth_year", Reason::Required));
                None
            }
            Some(y) => match y.parse::<i32>() {
                Ok(y) if (1900..=this_year).contains(&y) => Some(y),
                Ok(_) => {
                    errors.push(FieldError::new("birth_year", Reason::OutOfRange));
                    None
                }
                Err(_) => {
                    errors.push(FieldError::new("birth_year", Reason::InvalidFormat));
                    None
                }
            },
        };
        let unit = form.unit.as_deref().map(str::trim).unwrap_or_default();
        if unit.is_empty() {
            errors.push(FieldError::new("unit", Reason::Required));
        } else if !communes_near(venue).iter().any(|(c, _)| c == unit) {
            errors.push(FieldError::new("unit", Reason::OutOfRange));
        }
        let nid = match form.national_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => NationalId::parse(n)
                .map_err(|r| errors.push(FieldError::new("national_id", r)))
                .ok(),
        };
        let (Some(name), Some(phone), Some(year)) = (name, phone, year) else {
            return Err(CitizenError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(CitizenError::Invalid(errors));
        }
        let known = self
            .store
            .citizen_match_person(
                nid.as_ref().map(|n| n.as_str()),
                phone.as_str(),
                &name,
                year,
            )
            .await?;
        let person = match known {
            Some(p) => p,
            None => {
                // The record holds a full date; a citizen gives the year only, recorded as
                // its first day (the match above compares the year alone).
                let input = PersonInput {
                    full_name: Some(name),
                    national_id: nid.map(|n| n.as_str().to_string()),
                    phone: Some(phone.as_str().to_string()),
                    birth_date: Some(format!("{year:04}-01-01")),
                    sex: None,
                    unit: Some(unit.to_string()),
                };
                match self.register_person(&citizen(), &input, None, now_s).await {
                    Ok(r) => r.person.id.0,
                    Err(crate::persons::RegisterError::Invalid(e)) => {
                        return Err(CitizenError::Invalid(e))
                    }
                    Err(crate::persons::RegisterError::Store(e)) => return Err(e.into()),
                }
            }
        };
        self.store
            .add_citizen_device(device_hash, person, now_s)
            .await?;
        Ok(person)
    }

    /// Checks the person in at the venue now (the policy's default stay until a check-out),
    /// stored and traceable before returning.
    pub async fn citizen_check_in(
        &self,
        person: i64,
        venue: &Venue,
        now_s: i64,
    ) -> Result<bool, StoreError> {
        // A second tap while checked in here changes nothing.
        if self
            .citizen_open_visit(person, venue, now_s)
            .await?
            .is_some()
        {
            return Ok(true);
        }
        // A nonce: a check-in right after a check-out in the same second is a new visit.
        let nonce = &domain::auth::new_token()[..11];
        let item = CheckinItem {
            client_id: format!("citizen:{person}:{}:{now_s}:{nonce}", venue.id.0),
            person: PersonRef::Id(person),
            venue: VenueRef::Id(venue.id.0),
            t_in_s: now_s,
            t_out_s: None,
            mode: ScanMode::SelfScan,
        };
        // Phones scan one at a time: grouped with the other scans of the moment into one
        // commit (`checkin_group`); answered once committed and traceable.
        let outcome = match self.checkin_one(&citizen(), item.clone(), now_s).await {
            Ok(outcome) => outcome,
            Err(crate::checkin_group::CheckinError::Store(e)) => return Err(e),
            // The writer has stopped (shutting down): this one alone.
            Err(crate::checkin_group::CheckinError::Stopped) => self
                .ingest_checkins(&citizen(), std::slice::from_ref(&item), now_s)
                .await?
                .outcomes
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Corrupt("no outcome for a check-in".into()))?,
        };
        Ok(matches!(
            outcome,
            store::ItemOutcome::Accepted | store::ItemOutcome::Duplicate
        ))
    }

    /// The person's visit at this venue still open now (checked in, default stay not over,
    /// not checked out).
    pub async fn citizen_open_visit(
        &self,
        person: i64,
        venue: &Venue,
        now_s: i64,
    ) -> Result<Option<CitizenVisit>, StoreError> {
        Ok(self
            .store
            .citizen_visits(person, 5)
            .await?
            .into_iter()
            .find(|v| v.venue_id == venue.id.0 && v.t_out_default && v.t_out_s > now_s))
    }

    /// Checks the person out of their open visit here. The tracing index keeps the default
    /// stay until its next rebuild (it only takes new visits); the database has the exit.
    pub async fn citizen_check_out(
        &self,
        person: i64,
        venue: &Venue,
        now_s: i64,
    ) -> Result<bool, StoreError> {
        match self.citizen_open_visit(person, venue, now_s).await? {
            // A stay of at least a minute: a check-out in the same second as the check-in
            // (a double tap) still ends the visit.
            Some(v) => {
                let t_out = now_s.max(v.t_in_s + 60);
                self.store
                    .citizen_check_out(person, v.checkin_id, t_out, now_s)
                    .await
            }
            None => Ok(false),
        }
    }

    /// The person's own visits, newest first.
    pub async fn citizen_visits(&self, person: i64) -> Result<Vec<CitizenVisit>, StoreError> {
        self.store.citizen_visits(person, VISITS_SHOWN).await
    }
}
