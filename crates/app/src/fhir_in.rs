//! A FHIR R4 Bundle taken in (issue #16): the persons, cases, tests and doses it holds are
//! created through the same use cases the forms call (`register_person`, `create_case`,
//! `add_case_test`, `update_case_status`, `record_doses`), so every rule of theirs holds.
//!
//! Idempotent on identifiers: a Patient or Condition whose identifier was taken in before
//! (`fhir_identifiers`, migration 0035), a person whose national ID is held, a case of the
//! same positive test, a test already on the case and a dose number already given are
//! matched, not created again; posting the same Bundle twice changes nothing.
//!
//! Every field is checked before anything is written (a bad Bundle writes nothing). What is
//! not all-or-nothing: a refusal only the store can make (a national ID held outside the
//! caller's jurisdiction, a race) stops the Bundle there, with what came before it kept;
//! posting the Bundle again after the fix completes it, matching what was kept.

use chrono::DateTime;
use domain::{CaseId, FieldError, PersonId, Reason};
use fhir::into::{CaseIn, Plan};
use fhir::model::{Bundle, Identifier};
use store::{Caller, IdentifiedEntity, StoreError};

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
    /// Entries of types not taken in (Encounter, Location, Organization, exposures).
    pub ignored: u32,
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
        let plan = fhir::into::read(b).map_err(TakeError::Invalid)?;
        self.check_plan(&plan)?;
        let wall = WallClock::now_s();
        let mut taken = Taken {
            ignored: u32::try_from(plan.ignored).unwrap_or(u32::MAX),
            ..Taken::default()
        };
        for p in &plan.persons {
            let before = taken.persons_created;
            let id = self.take_person(caller, p, wall, &mut taken).await?;
            taken.persons.push((id, taken.persons_created > before));
        }
        for c in &plan.cases {
            let person = taken.persons[c.person].0;
            let before = taken.cases_created;
            let id = self.take_case(caller, c, person, wall, &mut taken).await?;
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
        Ok(taken)
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
        p: &fhir::into::PersonIn,
        wall: i64,
        taken: &mut Taken,
    ) -> Result<i64, TakeError> {
        let ids = pairs(&p.identifiers);
        for (system, value) in &ids {
            let Some(id) = self
                .store
                .identified(IdentifiedEntity::Person, system, value)
                .await?
            else {
                continue;
            };
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
            .remember_identifiers(IdentifiedEntity::Person, id, &ids, wall)
            .await?;
        Ok(id)
    }

    async fn take_case(
        &self,
        caller: &Caller,
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
        let mut known = None;
        for (system, value) in &ids {
            if let Some(id) = self
                .store
                .identified(IdentifiedEntity::Case, system, value)
                .await?
            {
                known = Some(id);
                break;
            }
        }
        let id = match known {
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
            .remember_identifiers(IdentifiedEntity::Case, id.0, &ids, wall)
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
        Ok(id.0)
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
