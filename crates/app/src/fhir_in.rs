//! A FHIR R4 Bundle taken in (issue #16): the persons, cases, tests, doses, facilities,
//! stays and F1 links it holds are created through the same use cases the forms call
//! (`register_person`, `create_case`, `add_case_test`, `update_case_status`,
//! `record_doses`, `register_facility`, `admit`, `transfer`, `discharge`) and the path
//! tracing records contacts by (`Store::persist_contacts`), so every rule of theirs holds.
//!
//! A facility is matched by an identifier taken in before, else by its name in its unit
//! (the caller's scope), else registered with the beds its Location lists. A stay's bed is
//! the one its Encounter names, else the one the admission form suggests (by severity).
//! An F1 link names its source case in the Bundle, or a case taken in before under its id
//! there; a source case not known here is named as ignored (post the source case's Bundle,
//! then this one again).
//!
//! Idempotent on identifiers: a record of ours named by its id, a Patient or Condition
//! whose identifier was taken in before (`fhir_identifiers`, migration 0035), a person
//! whose national ID is held, a case of the same positive test, a test already on the case
//! and a dose number already given are matched, not created again; posting the same
//! Bundle twice changes nothing.
//!
//! Record ids are an installation's own: ours (`…/sid/{our installation}/person`) name our
//! records directly; another installation's are kept in `fhir_identifiers` as its, so
//! Hà Nội's person 42 is never taken for HCMC's person 42 (`fhir::Installation`).
//!
//! All or nothing: every field is checked before anything is written, and the writes run
//! in one transaction (`Store::begin_unit`: the use cases' own Store, their transactions
//! savepoints in it). A refusal only the store can make (a national ID held outside the
//! caller's jurisdiction, a full ward) is named by its entry (`entry[7].national_id`) and
//! nothing of the Bundle is kept.

use chrono::DateTime;
use domain::contact::ContactStatus;
use domain::{CaseId, FacilityId, FieldError, PersonId, Reason, StayId};
use fhir::into::{CaseIn, ExposureIn, FacilityIn, Plan, SourceCase, StayFor, StayIn};
use fhir::model::{Bundle, Identifier};
use fhir::{Installation, RecordKind};
use store::{Caller, IdentifiedEntity, StoreError};

use crate::care::{AdmitInput, BedsInput, CareError, DischargeInput, FacilityInput, TransferInput};
use crate::cases::{CaseError, CaseInput, CaseTestInput, StatusInput, TestInput};
use crate::clock::WallClock;
use crate::persons::RegisterError;
use crate::vaccination::DoseInput;
use crate::App;

/// What a Bundle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taken {
    pub persons_created: u32,
    pub persons_matched: u32,
    pub cases_created: u32,
    pub cases_matched: u32,
    pub tests_added: u32,
    pub doses_added: u32,
    pub doses_matched: u32,
    pub facilities_created: u32,
    pub facilities_matched: u32,
    pub stays_added: u32,
    pub stays_matched: u32,
    pub contacts_added: u32,
    pub contacts_matched: u32,
    /// Entries not taken in (other resource types, units' Organizations, F2 links, an F1
    /// link whose source case is not known here): the entry and what it is.
    pub ignored: Vec<(usize, String)>,
    /// Our ids of the persons, in the Bundle's order, each with whether it was created.
    pub persons: Vec<(i64, bool)>,
    /// Our ids of the cases, in the Bundle's order, each with whether it was created.
    pub cases: Vec<(i64, bool)>,
}

#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    /// Fields at fault (`entry[3].birthDate`), every one named; nothing was written.
    #[error("invalid bundle")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn prefixed(entry: usize, fields: Vec<FieldError>) -> Vec<FieldError> {
    fields
        .into_iter()
        .map(|f| FieldError::new(format!("entry[{entry}].{}", f.field), f.reason))
        .collect()
}

fn pairs(ids: &[Identifier]) -> Vec<(String, String)> {
    ids.iter()
        .map(|i| (i.system.clone(), i.value.clone()))
        .collect()
}

fn seconds(t: Option<&str>) -> Option<i64> {
    DateTime::parse_from_rfc3339(t?).ok().map(|d| d.timestamp())
}

fn test_input(t: &fhir::into::TestIn) -> CaseTestInput {
    CaseTestInput {
        kind: Some(t.kind.clone()),
        sample_at: t.sample_at.clone(),
        result_at: t.result_at.clone(),
        positive: t.positive,
        ct: t.ct,
    }
}

impl App {
    /// Takes a transaction or collection Bundle in (see the module's comment).
    pub async fn take_bundle(&self, caller: &Caller, b: &Bundle) -> Result<Taken, TakeError> {
        let plan = self.plan_of(caller, b)?;
        let at = &self.installation().await?;
        // All or nothing: the use cases run on a Store in one transaction, kept only if
        // every entry was taken.
        let unit = self.store.begin_unit().await?;
        let app = App {
            store: unit.store().clone(),
            ..self.clone()
        };
        match app.write_plan(caller, at, &plan).await {
            Ok(taken) => {
                unit.commit().await?;
                Ok(taken)
            }
            Err(e) => {
                if let Err(r) = unit.rollback().await {
                    // Dropped anyway: its connection closes, and the database rolls back.
                    tracing::warn!("rolling a Bundle back: {r}");
                }
                Err(e)
            }
        }
    }

    /// A Bundle read and checked for `caller`, nothing written: what [`App::write_plan`]
    /// takes in (a hand-over accepted runs both in a unit of its own, with its answer).
    pub(crate) fn plan_of(&self, caller: &Caller, b: &Bundle) -> Result<Plan, TakeError> {
        let mut plan = fhir::into::read(b).map_err(TakeError::Invalid)?;
        if !caller.user.role.can(domain::role::Permission::ManageBeds) {
            // Facilities and stays are written by who may manage beds (the care forms'
            // permission), not by every role that may write personal data: named, not
            // taken.
            let (facilities, stays) = (
                std::mem::take(&mut plan.facilities),
                std::mem::take(&mut plan.stays),
            );
            plan.ignored.extend(
                facilities
                    .iter()
                    .map(|f| (f.entry, "Location (needs the right to manage beds)".into()))
                    .chain(
                        stays.iter().map(|s| {
                            (s.entry, "Encounter (needs the right to manage beds)".into())
                        }),
                    ),
            );
            plan.ignored.sort();
        }
        self.check_plan(&plan)?;
        Ok(plan)
    }

    /// The plan's records written through the use cases, entry by entry; a refusal names
    /// its entry. Run on a unit's Store (all or nothing).
    pub(crate) async fn write_plan(
        &self,
        caller: &Caller,
        at: &Installation,
        plan: &Plan,
    ) -> Result<Taken, TakeError> {
        let wall = WallClock::now_s();
        let mut taken = Taken {
            ignored: plan.ignored.clone(),
            ..Taken::default()
        };
        for p in &plan.persons {
            let before = taken.persons_created;
            let id = self
                .take_person(caller, at, p, wall, &mut taken)
                .await
                .map_err(|e| at_entry(p.entry, e))?;
            taken.persons.push((id, taken.persons_created > before));
        }
        for c in &plan.cases {
            let person = taken.persons[c.person].0;
            let before = taken.cases_created;
            let id = self
                .take_case(caller, at, c, person, wall, &mut taken)
                .await
                .map_err(|e| at_entry(c.entry, e))?;
            taken.cases.push((id, taken.cases_created > before));
        }
        let doses: Vec<_> = plan
            .doses
            .iter()
            .map(|d| DoseInput {
                // One id per person and dose number: the same dose sent again is a
                // duplicate the store recognises.
                client_id: Some(format!(
                    "fhir-p{}-d{}",
                    taken.persons[d.person].0,
                    d.dose_no.unwrap_or(0)
                )),
                person_id: Some(taken.persons[d.person].0),
                product: d.product.clone(),
                dose_no: d.dose_no,
                given_on: d.given_on.clone(),
                unit: d.unit.clone(),
                lot: d.lot.clone(),
            })
            .collect();
        if !doses.is_empty() {
            let mut errors = Vec::new();
            let items: Vec<_> = doses
                .iter()
                .filter_map(|d| crate::vaccination::dose(d, self.today(), &mut errors))
                .collect();
            if !errors.is_empty() {
                return Err(TakeError::Invalid(errors));
            }
            let outcomes = self.record_doses(caller, &items).await?;
            for (d, outcome) in plan.doses.iter().zip(outcomes) {
                match outcome {
                    store::ItemOutcome::Accepted => taken.doses_added += 1,
                    store::ItemOutcome::Duplicate => taken.doses_matched += 1,
                    // The person has this dose already (recorded through a form).
                    store::ItemOutcome::Rejected(fields)
                        if fields
                            .iter()
                            .all(|f| f.field == "dose_no" && f.reason == Reason::Duplicate) =>
                    {
                        taken.doses_matched += 1
                    }
                    store::ItemOutcome::Rejected(fields) => {
                        return Err(TakeError::Invalid(prefixed(d.entry, fields)));
                    }
                }
            }
        }
        let mut facilities = Vec::with_capacity(plan.facilities.len());
        for f in &plan.facilities {
            facilities.push(
                self.take_facility(caller, at, f, wall, &mut taken)
                    .await
                    .map_err(|e| at_entry(f.entry, e))?,
            );
        }
        let mut contacts = Vec::with_capacity(plan.exposures.len());
        for x in &plan.exposures {
            let person = taken.persons[x.person].0;
            let from = plan.persons[x.person].identifiers.as_slice();
            contacts.push(
                self.take_exposure(caller, at, x, (person, from), wall, &mut taken)
                    .await
                    .map_err(|e| at_entry(x.entry, e))?,
            );
        }
        // The stay before, per person: a transfer ends it and begins the next.
        let mut before: Option<(usize, StayId, Option<&str>)> = None;
        for s in &plan.stays {
            let occupant = match s.occupant {
                StayFor::Case(c) => (Some(taken.cases[c].0), None),
                StayFor::Exposure(x) => match contacts[x] {
                    Some(c) => (None, Some(c)),
                    None => {
                        taken.ignored.push((s.entry, "Encounter".into()));
                        continue;
                    }
                },
            };
            let from = before.filter(|b| b.0 == s.person && b.2 == Some("transferred"));
            let stay = self
                .take_stay(
                    caller,
                    at,
                    s,
                    occupant,
                    &facilities,
                    from.map(|b| b.1),
                    wall,
                    &mut taken,
                )
                .await
                .map_err(|e| at_entry(s.entry, e))?;
            before = Some((s.person, stay, s.reason.as_deref()));
        }
        // Outcomes last: a discharge as recovered or died has recorded its own.
        for (c, (id, _)) in plan.cases.iter().zip(&taken.cases) {
            self.take_outcome(caller, c, CaseId(*id), wall)
                .await
                .map_err(|e| at_entry(c.entry, e))?;
        }
        Ok(taken)
    }

    async fn take_facility(
        &self,
        caller: &Caller,
        at: &Installation,
        f: &FacilityIn,
        wall: i64,
        taken: &mut Taken,
    ) -> Result<FacilityId, TakeError> {
        let ids = pairs(&f.identifiers);
        let not_found = || {
            TakeError::Invalid(vec![FieldError::new(
                format!("entry[{}].identifier", f.entry),
                Reason::NotFound,
            )])
        };
        if let Some(id) = self
            .known(at, IdentifiedEntity::Facility, (f.entry, &ids))
            .await?
        {
            let id = FacilityId::new(id);
            if self.store.get_facility(&caller.scope, id).await?.is_none() {
                return Err(not_found());
            }
            taken.facilities_matched += 1;
            return Ok(id);
        }
        let input = facility_input(f);
        let new = crate::care::new_facility(&input)
            .map_err(|e| TakeError::Invalid(prefixed(f.entry, e)))?;
        // By name in its unit, among the caller's facilities.
        let same = self
            .store
            .list_facilities(&caller.scope, new.structure)
            .await?
            .into_iter()
            .find(|fb| fb.facility.name == new.name && fb.facility.unit_code == new.unit_code);
        let id = match same {
            Some(fb) => {
                taken.facilities_matched += 1;
                fb.facility.id
            }
            None => {
                let id = self
                    .register_facility(caller, &input)
                    .await
                    .map_err(|e| care_err(f.entry, e))?;
                taken.facilities_created += 1;
                id
            }
        };
        self.store
            .remember_identifiers(
                IdentifiedEntity::Facility,
                id.get(),
                &foreign(at, &ids),
                wall,
            )
            .await?;
        Ok(id)
    }

    /// An F1 link recorded as tracing records one; the contact's id (None: its source case
    /// is not known here, named as ignored).
    async fn take_exposure(
        &self,
        caller: &Caller,
        at: &Installation,
        x: &ExposureIn,
        (person, person_ids): (i64, &[Identifier]),
        wall: i64,
        taken: &mut Taken,
    ) -> Result<Option<i64>, TakeError> {
        let case = match &x.source {
            SourceCase::InBundle(c) => Some(taken.cases[*c].0),
            SourceCase::Elsewhere(id) => {
                // `Condition/12` is a case of the installation the contact's Patient comes
                // from: named by its ids' system.
                let mut case = None;
                for i in person_ids {
                    if let Some((from, RecordKind::Person)) = fhir::record_system(&i.system) {
                        let Some(from) = Installation::new(from) else {
                            continue;
                        };
                        let pair = [(from.system(RecordKind::Case), id.clone())];
                        case = self
                            .known(at, IdentifiedEntity::Case, (x.entry, &pair))
                            .await?;
                        break;
                    }
                }
                case
            }
        };
        let Some(case) = case else {
            taken.ignored.push((x.entry, "Observation".into()));
            return Ok(None);
        };
        let Some(source) = self.store.get_case(caller, CaseId(case), wall).await? else {
            return Err(TakeError::Invalid(vec![FieldError::new(
                format!("entry[{}].extension", x.entry),
                Reason::NotFound,
            )]));
        };
        let (from, until) = (seconds(x.from.as_deref()), seconds(x.until.as_deref()));
        let status = match x.status.as_deref() {
            Some(s) => s.parse::<ContactStatus>().map_err(|_| {
                TakeError::Invalid(vec![FieldError::new(
                    format!("entry[{}].valueCodeableConcept", x.entry),
                    Reason::UnknownValue,
                )])
            })?,
            None if from.is_some() => ContactStatus::Quarantine,
            None => ContactStatus::Monitor,
        };
        // What the link carries; the evidence (venues, times together) stays with the
        // system that traced it.
        let exposed = from.unwrap_or(source.case.confirmed_at_s);
        let row = store::ContactRow {
            person_id: person,
            degree: 1,
            via_person_id: source.case.person_id.0,
            first_exposure_s: exposed,
            exposure_s: exposed,
            reasons: Vec::new(),
            status,
            quarantine_from_s: from,
            quarantine_until_s: until,
            follow_up_until_s: until,
            test_days: String::new(),
            policy: String::new(),
        };
        let homes = self.store.residences(&[person]).await?;
        let n = self
            .store
            .persist_contacts(caller, CaseId(case), &[row], &homes, self.now_s())
            .await?;
        if n > 0 {
            taken.contacts_added += 1;
        } else {
            taken.contacts_matched += 1;
        }
        let contact = self
            .store
            .person_record(caller, PersonId(person), wall)
            .await?
            .and_then(|r| {
                r.contacts
                    .iter()
                    .find(|c| c.case_id == Some(case))
                    .map(|c| c.id)
            });
        Ok(contact)
    }

    /// A stay: matched by an identifier taken in before (and ended if it has ended since),
    /// else begun by an admission (or a transfer from the stay before it), and ended by a
    /// discharge if it has ended.
    #[allow(clippy::too_many_arguments)]
    async fn take_stay(
        &self,
        caller: &Caller,
        at: &Installation,
        s: &StayIn,
        (case_id, contact_id): (Option<i64>, Option<i64>),
        facilities: &[FacilityId],
        transferred_from: Option<StayId>,
        wall: i64,
        taken: &mut Taken,
    ) -> Result<StayId, TakeError> {
        let ids = pairs(&s.identifiers);
        let not_found = |field: &str| {
            TakeError::Invalid(vec![FieldError::new(
                format!("entry[{}].{field}", s.entry),
                Reason::NotFound,
            )])
        };
        let facility = s.facility.map(|f| facilities[f]);
        let known = self
            .known(at, IdentifiedEntity::Stay, (s.entry, &ids))
            .await?;
        let stay = match known.map(StayId::new) {
            Some(id) => {
                // Ours, or taken in before: the caller's to see.
                if self.store.stay_for(caller, id).await?.is_none() {
                    return Err(not_found("identifier"));
                }
                taken.stays_matched += 1;
                id
            }
            None => {
                let open_before = match transferred_from {
                    Some(b) => self.open_stay(caller, b).await?,
                    None => None,
                };
                let admitted = match (open_before, facility) {
                    (Some(b), Some(f)) => self
                        .transfer(
                            caller,
                            b,
                            &TransferInput {
                                facility_id: Some(f.get()),
                                bed_type: s.bed_type.clone(),
                                at: s.from.clone(),
                                note: None,
                            },
                        )
                        .await
                        .map_err(|e| care_err(s.entry, e))?,
                    _ => self
                        .admit(
                            caller,
                            facility,
                            &AdmitInput {
                                case_id,
                                contact_id,
                                bed_type: s.bed_type.clone(),
                                at: s.from.clone(),
                                note: None,
                            },
                        )
                        .await
                        .map_err(|e| care_err(s.entry, e))?,
                };
                let a = admitted.ok_or_else(|| not_found("reasonReference"))?;
                taken.stays_added += 1;
                self.store
                    .remember_identifiers(
                        IdentifiedEntity::Stay,
                        a.stay.get(),
                        &foreign(at, &ids),
                        wall,
                    )
                    .await?;
                a.stay
            }
        };
        // Ended there and still open here: ended the same way (a transfer ends it when
        // the next stay is taken).
        if let (Some(until), Some(reason)) = (&s.until, s.reason.as_deref()) {
            if reason != "transferred" && self.open_stay(caller, stay).await?.is_some() {
                self.discharge(
                    caller,
                    stay,
                    &DischargeInput {
                        reason: Some(reason.into()),
                        at: Some(until.clone()),
                        note: None,
                    },
                )
                .await
                .map_err(|e| care_err(s.entry, e))?;
            }
        }
        Ok(stay)
    }

    /// This installation, whose systems name our record ids (`Store::installation_id`).
    pub async fn installation(&self) -> Result<Installation, StoreError> {
        let id = self.store.installation_id().await?;
        Installation::new(&id)
            .ok_or_else(|| StoreError::Corrupt(format!("meta.installation_id {id:?}")))
    }

    /// Our id of the record some identifiers name: one under our own system is our id as
    /// it is; another installation's (or another system's) is looked up among those taken
    /// in before. The caller checks the record is there and in scope when it reads it.
    async fn known(
        &self,
        at: &Installation,
        entity: IdentifiedEntity,
        (entry, ids): (usize, &[(String, String)]),
    ) -> Result<Option<i64>, TakeError> {
        let kind = record_kind(entity);
        for (system, value) in ids {
            if at.owns(system, kind) {
                match value.parse::<i64>() {
                    Ok(id) if id > 0 => return Ok(Some(id)),
                    // Not an id of ours: the entry is wrong, not someone else's record.
                    _ => {
                        return Err(TakeError::Invalid(vec![FieldError::new(
                            format!("entry[{entry}].identifier"),
                            Reason::NotFound,
                        )]))
                    }
                }
            }
            if let Some(id) = self.store.identified(entity, system, value).await? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Every field of the plan, checked as the use cases will: nothing is written when one
    /// is wrong.
    fn check_plan(&self, plan: &Plan) -> Result<(), TakeError> {
        let (today, now) = (self.today(), self.now_s());
        let mut errors = Vec::new();
        for p in &plan.persons {
            let input = person_input(p);
            if let Err(f) = input.validate(today) {
                errors.extend(prefixed(p.entry, f));
            }
            let mut f = Vec::new();
            crate::persons::parse_address(p.address.as_deref(), &mut f);
            errors.extend(prefixed(p.entry, f));
        }
        for c in &plan.cases {
            if !matches!(c.status.as_str(), "active" | "recovered" | "died") {
                errors.push(FieldError::new(
                    format!("entry[{}].extension", c.entry),
                    Reason::InvalidFormat,
                ));
            }
            if !c.tests.iter().any(|t| t.positive == Some(true)) {
                errors.push(FieldError::new(
                    format!("entry[{}].test", c.entry),
                    Reason::Required,
                ));
            }
            for t in &c.tests {
                if let Err(f) = crate::cases::check_case_test(&test_input(t), now) {
                    errors.extend(prefixed(t.entry, f));
                }
            }
        }
        for f in &plan.facilities {
            if let Err(e) = crate::care::new_facility(&facility_input(f)) {
                errors.extend(prefixed(f.entry, e));
            }
        }
        for d in &plan.doses {
            let mut f = Vec::new();
            let input = DoseInput {
                client_id: Some("x".into()),
                person_id: Some(1),
                product: d.product.clone(),
                dose_no: d.dose_no,
                given_on: d.given_on.clone(),
                unit: d.unit.clone(),
                lot: d.lot.clone(),
            };
            crate::vaccination::dose(&input, today, &mut f);
            errors.extend(prefixed(d.entry, f));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TakeError::Invalid(errors))
        }
    }

    async fn take_person(
        &self,
        caller: &Caller,
        at: &Installation,
        p: &fhir::into::PersonIn,
        wall: i64,
        taken: &mut Taken,
    ) -> Result<i64, TakeError> {
        let ids = pairs(&p.identifiers);
        if let Some(id) = self
            .known(at, IdentifiedEntity::Person, (p.entry, &ids))
            .await?
        {
            // Known: the person (or the one a duplicate was merged into), if in scope.
            match self.store.get_person(caller, PersonId(id), wall).await? {
                Some(found) => {
                    taken.persons_matched += 1;
                    return Ok(found.merged_into.unwrap_or(found.id).0);
                }
                None => {
                    return Err(TakeError::Invalid(vec![FieldError::new(
                        format!("entry[{}].identifier", p.entry),
                        Reason::NotFound,
                    )]))
                }
            }
        }
        let id = match self
            .register_person(caller, &person_input(p), p.address.as_deref(), wall)
            .await
        {
            Ok(r) => {
                taken.persons_created += 1;
                r.person.id.0
            }
            Err(RegisterError::Store(StoreError::Duplicate {
                existing: Some(e), ..
            })) => {
                taken.persons_matched += 1;
                e.0
            }
            Err(RegisterError::Invalid(f)) => return Err(TakeError::Invalid(prefixed(p.entry, f))),
            Err(RegisterError::Store(StoreError::Invalid(f))) => {
                return Err(TakeError::Invalid(prefixed(p.entry, f)))
            }
            Err(RegisterError::Store(e)) => return Err(e.into()),
        };
        self.store
            .remember_identifiers(IdentifiedEntity::Person, id, &foreign(at, &ids), wall)
            .await?;
        Ok(id)
    }

    async fn take_case(
        &self,
        caller: &Caller,
        at: &Installation,
        c: &CaseIn,
        person: i64,
        wall: i64,
        taken: &mut Taken,
    ) -> Result<i64, TakeError> {
        let ids = pairs(&c.identifiers);
        let invalid = |f: Vec<FieldError>| TakeError::Invalid(prefixed(c.entry, f));
        let case_err = |e: CaseError| match e {
            CaseError::Invalid(f) => invalid(f),
            CaseError::Store(StoreError::Invalid(f)) => invalid(f),
            CaseError::Store(e) => TakeError::Store(e),
        };
        let id = match self
            .known(at, IdentifiedEntity::Case, (c.entry, &ids))
            .await?
        {
            Some(id) => {
                taken.cases_matched += 1;
                CaseId(id)
            }
            None => {
                // The first positive test makes the case, as on the form.
                let first = c
                    .tests
                    .iter()
                    .find(|t| t.positive == Some(true))
                    .ok_or_else(|| invalid(vec![FieldError::new("test", Reason::Required)]))?;
                let input = CaseInput {
                    person_id: Some(person),
                    severity: c.severity.clone(),
                    onset: c.onset.clone(),
                    test: Some(TestInput {
                        kind: Some(first.kind.clone()),
                        sample_at: first.sample_at.clone(),
                        result_at: first.result_at.clone(),
                        ct: first.ct,
                    }),
                    isolation_at: c.isolation_at.clone(),
                    community: c.community,
                };
                match self.create_case(caller, &input).await {
                    Ok(id) => {
                        taken.cases_created += 1;
                        id
                    }
                    Err(CaseError::Store(StoreError::CaseExists { existing })) => {
                        taken.cases_matched += 1;
                        existing
                    }
                    Err(e) => return Err(case_err(e)),
                }
            }
        };
        self.store
            .remember_identifiers(IdentifiedEntity::Case, id.0, &foreign(at, &ids), wall)
            .await?;
        let Some(detail) = self.store.get_case(caller, id, wall).await? else {
            return Err(invalid(vec![FieldError::new(
                "identifier",
                Reason::NotFound,
            )]));
        };
        // The tests the case does not hold yet.
        for t in &c.tests {
            let held = detail.tests.iter().any(|h| {
                h.kind.as_str() == t.kind
                    && Some(h.sample_s) == seconds(t.sample_at.as_deref())
                    && Some(h.result_s) == seconds(t.result_at.as_deref())
                    && Some(h.positive) == t.positive
            });
            if held {
                continue;
            }
            if self
                .add_case_test(caller, id, &test_input(t))
                .await
                .map_err(case_err)?
            {
                taken.tests_added += 1;
            }
        }
        Ok(id.0)
    }

    /// The stay if it is the caller's and has not ended.
    async fn open_stay(&self, caller: &Caller, stay: StayId) -> Result<Option<StayId>, TakeError> {
        Ok(self
            .store
            .stay_for(caller, stay)
            .await?
            .filter(|s| s.until_s.is_none())
            .map(|s| s.id))
    }

    /// A case's outcome, once (a case ended here already is left as it is).
    async fn take_outcome(
        &self,
        caller: &Caller,
        c: &CaseIn,
        id: CaseId,
        wall: i64,
    ) -> Result<(), TakeError> {
        if c.status == "active" {
            return Ok(());
        }
        let Some(detail) = self.store.get_case(caller, id, wall).await? else {
            return Ok(());
        };
        let invalid = |f: Vec<FieldError>| TakeError::Invalid(prefixed(c.entry, f));
        let case_err = |e: CaseError| match e {
            CaseError::Invalid(f) => invalid(f),
            CaseError::Store(StoreError::Invalid(f)) => invalid(f),
            CaseError::Store(e) => TakeError::Store(e),
        };
        // Its outcome, once.
        if c.status != "active" && detail.case.status.as_str() == "active" {
            let status = StatusInput {
                status: Some(c.status.clone()),
                severity: Some(detail.case.severity.as_str().into()),
                isolation_at: None,
                at: c.outcome_at.clone(),
                note: None,
            };
            self.update_case_status(caller, id, &status)
                .await
                .map_err(case_err)?;
        }
        Ok(())
    }
}

/// A store's refusal while taking entry `entry` in, named by the entry (`entry[4].national_id`)
/// as the check of fields names them; a database fault stays one.
fn at_entry(entry: usize, e: TakeError) -> TakeError {
    let field = |f: &str| format!("entry[{entry}].{f}");
    match e {
        TakeError::Store(StoreError::Invalid(f)) => TakeError::Invalid(prefixed(entry, f)),
        TakeError::Store(StoreError::Conflict(f)) => {
            TakeError::Store(StoreError::Conflict(prefixed(entry, f)))
        }
        TakeError::Store(StoreError::Duplicate { field: f, .. }) => {
            TakeError::Invalid(vec![FieldError::new(field(f), Reason::Duplicate)])
        }
        TakeError::Store(StoreError::CaseExists { .. }) => {
            TakeError::Invalid(vec![FieldError::new(field("subject"), Reason::Duplicate)])
        }
        e => e,
    }
}

fn record_kind(entity: IdentifiedEntity) -> RecordKind {
    match entity {
        IdentifiedEntity::Person => RecordKind::Person,
        IdentifiedEntity::Case => RecordKind::Case,
        IdentifiedEntity::Facility => RecordKind::Facility,
        IdentifiedEntity::Stay => RecordKind::Stay,
    }
}

/// The identifiers that are not our own record ids: ours resolve directly and are not
/// kept in `fhir_identifiers`.
fn foreign(at: &Installation, ids: &[(String, String)]) -> Vec<(String, String)> {
    ids.iter()
        .filter(|(system, _)| fhir::record_system(system).is_none_or(|(i, _)| i != at.id()))
        .cloned()
        .collect()
}

fn care_err(entry: usize, e: CareError) -> TakeError {
    match e {
        CareError::Invalid(f) | CareError::Store(StoreError::Invalid(f)) => {
            TakeError::Invalid(prefixed(entry, f))
        }
        CareError::Store(e) => TakeError::Store(e),
    }
}

fn facility_input(f: &FacilityIn) -> FacilityInput {
    FacilityInput {
        name: Some(f.name.clone()),
        kind: f.kind.clone(),
        unit: f.unit.clone(),
        structure: f.structure.clone(),
        address: f.address.clone(),
        beds: f
            .beds
            .iter()
            .map(|(t, c)| BedsInput {
                bed_type: t.clone(),
                capacity: *c,
            })
            .collect(),
    }
}

fn person_input(p: &fhir::into::PersonIn) -> domain::person::PersonInput {
    domain::person::PersonInput {
        full_name: p.full_name.clone(),
        national_id: p.national_id.clone(),
        phone: p.phone.clone(),
        birth_date: p.birth_date.clone(),
        sex: p.sex.clone(),
        unit: p.unit.clone(),
    }
}
