//! Published exposure places and citizens' declarations (issue #18, parts 3 and 4): places
//! proposed from the cases' check-ins in their infectious window (`tracing::window`, the
//! rule in force), reviewed by staff and published without personal data; a person's own
//! visits matched against them (`domain::exposure::match_visits`) with what to do under the
//! F1 rule in force; and a declaration ("I was there", or symptoms) that puts the person on
//! their commune officer's list.

use std::collections::HashMap;

use domain::exposure::{self, day_windows, is_symptom, local_day, local_day_start_s};
use domain::person::PersonInput;
use domain::policy::QuarantinePlace;
use domain::time::Dates;
use domain::{FieldError, PersonId, Reason, Scope, Structure, UnitLevel};
use store::{
    Caller, DeclarantKeys, DeclarationOutcome, Declared, ExposurePlace, ExposureStatus,
    NewDeclaration, StoreError,
};

use crate::input::opt_date;
use crate::local_time::local_date;
use crate::registry::Registry;
use crate::App;

/// Why an exposure command was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum ExposureError {
    /// Fields at fault, every one named; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A published place as the public sees it: no personal data, names not codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicPlace {
    pub id: i64,
    pub venue: String,
    pub address: Option<String>,
    /// The venue's commune and district by name ("Phường Bến Nghé", "Quận 1").
    pub commune: String,
    pub district: String,
    pub date: chrono::NaiveDate,
    pub from_s: i64,
    pub to_s: i64,
}

/// What an F1 does under the quarantine rule in force on the day of the exposure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    pub document: String,
    pub days_vaccinated: i64,
    pub days_unvaccinated: i64,
    pub test_days_vaccinated: Vec<i64>,
    pub test_days_unvaccinated: Vec<i64>,
    pub place: QuarantinePlace,
}

/// One of a person's visits that overlapped a published place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonExposure {
    pub place: PublicPlace,
    /// The overlap: when both the person and a case were there.
    pub from_s: i64,
    pub to_s: i64,
    /// `None` when no quarantine rule covers the day.
    pub advice: Option<Advice>,
}

/// A declaration as given (the public form, or the device page for its own person).
#[derive(Debug, Clone, Default)]
pub struct DeclareInput {
    /// The device's person; when given, the identity fields are not needed.
    pub person_id: Option<i64>,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub birth_year: Option<i64>,
    /// The commune of residence, "00001" or "2025:00001".
    pub commune: Option<String>,
    pub national_id: Option<String>,
    /// A published place: "I was there".
    pub place_id: Option<i64>,
    /// Codes of `domain::exposure::SYMPTOMS`.
    pub symptoms: Vec<String>,
    /// YYYY-MM-DD, local.
    pub onset: Option<String>,
}

/// Days the public list and a person's matching look back: as long as check-ins are kept
/// under the tracing rule in force (a visit older than that is gone anyway).
fn look_back_days(app: &App) -> i64 {
    app.policies
        .tracing_nearest(app.today())
        .map_or(21, |r| r.checkin_retention_days.value)
}

fn public_place(p: &ExposurePlace) -> PublicPlace {
    let registry = Registry::of(p.structure);
    let code = p
        .unit_path
        .as_str()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let name_at = |level| {
        registry
            .ancestor_at(code, level)
            .map_or_else(String::new, |u| u.full_name())
    };
    PublicPlace {
        id: p.id,
        venue: p.venue_name.clone(),
        address: p.address.clone(),
        commune: name_at(UnitLevel::Commune),
        district: name_at(UnitLevel::District),
        date: local_date(p.from_s),
        from_s: p.from_s,
        to_s: p.to_s,
    }
}

impl App {
    /// Proposes the exposure places of the days check-ins are still kept, up to `day`
    /// (today when absent): each case's check-ins within its infectious window, merged per
    /// venue and day. Proposals not yet reviewed are replaced; reviewed ones stay.
    pub async fn propose_exposures(&self, day: Option<&str>) -> Result<u64, ExposureError> {
        let mut errors = Vec::new();
        let today = self.today();
        let day = match day {
            None | Some("") => Some(today),
            d => opt_date("day", d, Dates::past(today), &mut errors),
        };
        let Some(day) = day else {
            return Err(ExposureError::Invalid(errors));
        };
        let last = local_day(crate::local_time::day_start_s(day));
        let first = last - look_back_days(self) + 1;
        let (from_s, to_s) = (local_day_start_s(first), local_day_start_s(last + 1));
        let mut spans: HashMap<i64, (i64, i64)> = HashMap::new();
        // A case confirmed long before the range can still have been isolated within it.
        for c in self.store.cases_since(from_s - 30 * 86_400).await?.iter() {
            let w = crate::tracing::window(
                &self.policies,
                c.onset_s,
                c.first_sample_s,
                c.confirmed_at_s,
                c.isolation_s,
            );
            let (a, b) = (w.from_s.max(from_s), w.to_s.min(to_s));
            if a < b {
                let e = spans.entry(c.person_id).or_insert((a, b));
                *e = (e.0.min(a), e.1.max(b));
            }
        }
        let windows = day_windows(&self.store.presences_in(&spans).await?);
        Ok(self
            .store
            .replace_proposals(first..=last, &windows, self.now_s())
            .await?)
    }

    /// The places of the last days (as long as check-ins are kept) at venues in the caller's
    /// scope, for review.
    pub async fn exposures_to_review(
        &self,
        caller: &Caller,
    ) -> Result<Vec<ExposurePlace>, StoreError> {
        let last = local_day(self.now_s());
        self.store
            .exposure_places(&caller.scope, last - look_back_days(self) + 1..=last, None)
            .await
    }

    /// Publishes (`true`) or withdraws a place; `None`: not the caller's.
    pub async fn review_exposure(
        &self,
        caller: &Caller,
        id: i64,
        publish: bool,
    ) -> Result<Option<ExposurePlace>, StoreError> {
        let to = if publish {
            ExposureStatus::Published
        } else {
            ExposureStatus::Withdrawn
        };
        self.store
            .review_exposure_place(caller, id, to, self.now_s())
            .await
    }

    /// The published places of the last days, newest first, by district.
    pub async fn public_exposures(&self) -> Result<Vec<PublicPlace>, StoreError> {
        let last = local_day(self.now_s());
        let rows = self
            .store
            .exposure_places(
                &Scope::everything(),
                last - look_back_days(self) + 1..=last,
                Some(ExposureStatus::Published),
            )
            .await?;
        let mut out: Vec<PublicPlace> = rows.iter().map(public_place).collect();
        out.sort_by(|a, b| {
            b.date
                .cmp(&a.date)
                .then_with(|| a.district.cmp(&b.district))
                .then_with(|| a.venue.cmp(&b.venue))
                .then_with(|| a.from_s.cmp(&b.from_s))
        });
        Ok(out)
    }

    /// What to do after an exposure on `date` under the quarantine rule then in force.
    pub fn advice_on(&self, date: chrono::NaiveDate) -> Option<Advice> {
        let rule = self.policies.quarantine_on(date).ok()?;
        let (v, u) = (rule.f1(true), rule.f1(false));
        Some(Advice {
            document: rule.document.clone(),
            days_vaccinated: v.days,
            days_unvaccinated: u.days,
            test_days_vaccinated: v.test_days.to_vec(),
            test_days_unvaccinated: u.test_days.to_vec(),
            place: rule.f1_place.value,
        })
    }

    /// The published places person `id`'s own check-ins overlapped, with the overlap and
    /// what to do: what the citizen's device page shows. The caller (the device) has
    /// already established that the person is its own.
    pub async fn exposures_for_person(
        &self,
        id: PersonId,
    ) -> Result<Vec<PersonExposure>, StoreError> {
        let places = self.public_exposures().await?;
        let rows = {
            let last = local_day(self.now_s());
            self.store
                .exposure_places(
                    &Scope::everything(),
                    last - look_back_days(self) + 1..=last,
                    Some(ExposureStatus::Published),
                )
                .await?
        };
        let since_s = rows.iter().map(|p| p.from_s).min().unwrap_or(i64::MAX);
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let visits = self.store.person_visits(id, since_s).await?;
        let published: Vec<exposure::Published> = rows
            .iter()
            .map(|p| exposure::Published {
                id: p.id,
                venue_id: p.venue_id,
                from_s: p.from_s,
                to_s: p.to_s,
            })
            .collect();
        let by_id: HashMap<i64, &PublicPlace> = places.iter().map(|p| (p.id, p)).collect();
        Ok(exposure::match_visits(&visits, &published)
            .into_iter()
            .filter_map(|e| {
                let place = (*by_id.get(&e.place_id)?).clone();
                Some(PersonExposure {
                    advice: self.advice_on(local_date(e.from_s)),
                    place,
                    from_s: e.from_s,
                    to_s: e.to_s,
                })
            })
            .collect())
    }

    /// Records a declaration: "I was there" (a published place) or symptoms (from the fixed
    /// vocabulary, with an onset day within the days check-ins are kept). The person is
    /// `person_id` (the device's own), else the known person matching the identity (national
    /// ID, else phone + name + birth year), else registered from it. Audited under
    /// `caller` (`Caller::system("citizen")` for the public form); the person appears on
    /// their commune officer's list of declarations.
    pub async fn declare(
        &self,
        caller: &Caller,
        d: &DeclareInput,
    ) -> Result<Declared, ExposureError> {
        let mut errors = Vec::new();
        let today = self.today();
        let keys = if d.person_id.is_some() {
            None
        } else {
            let year = match d.birth_year {
                None => {
                    errors.push(FieldError::new("birth_year", Reason::Required));
                    None
                }
                Some(y) if !(1900..=i64::from(chrono::Datelike::year(&today))).contains(&y) => {
                    errors.push(FieldError::new("birth_year", Reason::OutOfRange));
                    None
                }
                Some(y) => i32::try_from(y).ok(),
            };
            if d.phone
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .is_empty()
                && d.national_id
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or_default()
                    .is_empty()
            {
                errors.push(FieldError::new("phone", Reason::Required));
            }
            let person = PersonInput {
                full_name: d.full_name.clone(),
                national_id: d.national_id.clone(),
                phone: d.phone.clone(),
                birth_date: None,
                sex: None,
                unit: d.commune.clone(),
            }
            .validate(today)
            .map_err(|f| {
                errors.extend(f.into_iter().map(|mut e| {
                    if e.field == "unit" {
                        e.field = "commune".into();
                    }
                    e
                }))
            })
            .ok();
            match (person, year) {
                (Some(person), Some(birth_year)) => Some(DeclarantKeys { person, birth_year }),
                _ => None,
            }
        };
        let mut symptoms: Vec<String> = Vec::new();
        for s in d
            .symptoms
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            if !is_symptom(s) {
                errors.push(FieldError::new("symptoms", Reason::InvalidFormat));
                break;
            }
            if !symptoms.iter().any(|x| x == s) {
                symptoms.push(s.to_string());
            }
        }
        let earliest = today
            .checked_sub_days(chrono::Days::new(look_back_days(self).max(0) as u64))
            .unwrap_or(today);
        let onset = opt_date(
            "onset",
            d.onset.as_deref().filter(|s| !s.trim().is_empty()),
            Dates::past(today).not_before(earliest),
            &mut errors,
        );
        match (d.place_id, symptoms.is_empty()) {
            (None, true) => errors.push(FieldError::new("place", Reason::Required)),
            (Some(_), false) => errors.push(FieldError::new("symptoms", Reason::NotAllowed)),
            (None, false) if onset.is_none() && !errors.iter().any(|e| e.field == "onset") => {
                errors.push(FieldError::new("onset", Reason::Required))
            }
            _ => {}
        }
        if !errors.is_empty() {
            return Err(ExposureError::Invalid(errors));
        }
        let new = NewDeclaration {
            person_id: d.person_id.map(PersonId),
            keys,
            place_id: d.place_id,
            symptoms,
            onset_date: onset,
        };
        Ok(self.store.declare(caller, &new, self.now_s()).await?)
    }

    /// The declarations of persons living in the caller's scope (the officer's list): the
    /// open ones, and when `handled` the handled ones after them.
    pub async fn declarations(
        &self,
        caller: &Caller,
        structure: Structure,
        handled: bool,
    ) -> Result<Vec<store::DeclarationRow>, StoreError> {
        self.store
            .declarations(caller, structure, handled, self.now_s())
            .await
    }

    /// Records the outcome of the officer's call on declaration `id` (`reached`,
    /// `unreachable`, `became_f1`), audited. `Ok(false)`: not a declaration of a person in
    /// the caller's scope; nothing changed.
    pub async fn mark_declaration(
        &self,
        caller: &Caller,
        id: i64,
        outcome: &str,
    ) -> Result<bool, ExposureError> {
        let Some(outcome) = DeclarationOutcome::parse(outcome.trim()) else {
            return Err(ExposureError::Invalid(vec![FieldError::new(
                "outcome",
                Reason::InvalidFormat,
            )]));
        };
        Ok(self
            .store
            .mark_declaration(caller, id, outcome, self.now_s())
            .await?)
    }
}
