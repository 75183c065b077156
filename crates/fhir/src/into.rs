//! A Bundle taken in, read into the inputs of the use cases the forms call: persons
//! (Patient), cases (Condition) with their tests (Observation with a LOINC test code), and
//! doses (Immunization). Values stay text, as a form's would, so the use cases check them
//! with their own rules; here only the Bundle's shape and codes are checked, every fault
//! named by its entry (`entry[3].subject`).
//!
//! Not taken in: Encounters (a stay needs its facility here and a bed; admissions are
//! made through the care pages), Locations and Organizations (facilities and units are
//! ours), exposures (F1 links are found by tracing). They are counted as `ignored`.

use std::collections::HashMap;

use domain::{FieldError, Reason};

use crate::model::*;
use crate::systems as sys;

/// Most entries a Bundle taken in may hold.
pub const ENTRIES_MAX: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonIn {
    /// Its entry, for references and errors.
    pub entry: usize,
    /// Identifiers to match on and to remember (ours of another installation, national ID).
    pub identifiers: Vec<Identifier>,
    pub full_name: Option<String>,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    /// "00001" (2021) or "2025:00001".
    pub unit: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestIn {
    pub entry: usize,
    /// `pcr` or `antigen`.
    pub kind: String,
    pub sample_at: Option<String>,
    pub result_at: Option<String>,
    pub positive: Option<bool>,
    pub ct: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseIn {
    pub entry: usize,
    /// The person's index in [`Plan::persons`].
    pub person: usize,
    pub identifiers: Vec<Identifier>,
    pub severity: Option<String>,
    pub onset: Option<String>,
    pub isolation_at: Option<String>,
    pub community: Option<bool>,
    /// `active`, `recovered` or `died`.
    pub status: String,
    pub outcome_at: Option<String>,
    /// Its tests, in sample order.
    pub tests: Vec<TestIn>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DoseIn {
    pub entry: usize,
    pub person: usize,
    pub product: Option<String>,
    pub dose_no: Option<i64>,
    pub given_on: Option<String>,
    pub unit: Option<String>,
    pub lot: Option<String>,
}

/// What a Bundle asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub persons: Vec<PersonIn>,
    pub cases: Vec<CaseIn>,
    pub doses: Vec<DoseIn>,
    /// Entries of resource types we do not take in.
    pub ignored: usize,
}

fn at(i: usize, field: &str) -> String {
    format!("entry[{i}].{field}")
}

/// Our unit reference ("2021:00001") as a form's unit field ("00001", "2025:00001").
fn unit_field(code: &str) -> Option<String> {
    let (structure, code) = code.split_once(':')?;
    match structure {
        "2021" => Some(code.to_string()),
        "2025" => Some(format!("2025:{code}")),
        _ => None,
    }
}

/// Reads a transaction or collection Bundle. Every fault of shape is named at once.
pub fn read(b: &Bundle) -> Result<Plan, Vec<FieldError>> {
    let mut errors = Vec::new();
    if b.kind != "transaction" && b.kind != "collection" {
        errors.push(FieldError::new("type", Reason::InvalidFormat));
    }
    if b.entry.len() > ENTRIES_MAX {
        errors.push(FieldError::new("entry", Reason::OutOfRange));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Every name an entry may be referred to by: its fullUrl, and Kind/id.
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, e) in b.entry.iter().enumerate() {
        if let Some(u) = &e.full_url {
            names.insert(u.clone(), i);
        }
        if let Some(r) = &e.resource {
            if let Some(id) = r.id() {
                names.insert(format!("{}/{id}", r.kind()), i);
            }
        }
    }
    let resolve = |r: &Reference, want: &str| -> Option<usize> {
        let name = r.reference.as_deref()?;
        let i = *names
            .get(name)
            .or_else(|| names.get(name.rsplit_once("/_history").map_or(name, |x| x.0)))?;
        (b.entry[i].resource.as_ref()?.kind() == want).then_some(i)
    };
    let mut plan = Plan::default();
    let mut person_of_entry: HashMap<usize, usize> = HashMap::new();
    let mut case_of_entry: HashMap<usize, usize> = HashMap::new();
    // Patients first: everything else refers to them.
    for (i, e) in b.entry.iter().enumerate() {
        let Some(Resource::Patient(p)) = &e.resource else {
            continue;
        };
        person_of_entry.insert(i, plan.persons.len());
        plan.persons.push(person(i, p, &mut errors));
    }
    for (i, e) in b.entry.iter().enumerate() {
        let Some(Resource::Condition(c)) = &e.resource else {
            continue;
        };
        let covid = c.code.code_in(sys::SNOMED) == Some("840539006")
            || c.code.code_in(sys::ICD10) == Some("U07.1");
        if !covid {
            errors.push(FieldError::new(at(i, "code"), Reason::InvalidFormat));
        }
        let Some(person) = resolve(&c.subject, "Patient").and_then(|p| person_of_entry.get(&p))
        else {
            errors.push(FieldError::new(at(i, "subject"), Reason::InvalidFormat));
            continue;
        };
        let status = match Extension::find(&c.extension, sys::CASE_STATUS_EXT)
            .and_then(|x| x.value_coding.as_ref())
        {
            Some(code) => code.code.clone(),
            None => match c
                .clinical_status
                .as_ref()
                .and_then(|s| s.code_in(sys::CLINICAL))
            {
                Some("active" | "recurrence" | "relapse") | None => "active".into(),
                Some(_) => "recovered".into(),
            },
        };
        case_of_entry.insert(i, plan.cases.len());
        plan.cases.push(CaseIn {
            entry: i,
            person: *person,
            identifiers: c.identifier.clone(),
            severity: c
                .severity
                .as_ref()
                .and_then(|s| s.code_in(sys::SEVERITY))
                .map(str::to_string),
            onset: c.onset_date_time.clone(),
            isolation_at: Extension::find(&c.extension, sys::ISOLATION_EXT)
                .and_then(|x| x.value_date_time.clone()),
            community: Extension::find(&c.extension, sys::COMMUNITY_EXT)
                .and_then(|x| x.value_boolean),
            status,
            outcome_at: c.abatement_date_time.clone(),
            tests: Vec::new(),
        });
    }
    for (i, e) in b.entry.iter().enumerate() {
        match &e.resource {
            Some(Resource::Observation(o)) => {
                let kind = match o.code.code_in(sys::LOINC) {
                    Some("94500-6") => "pcr",
                    Some("94558-4") => "antigen",
                    _ if o.code.code_in(sys::SNOMED) == Some("840546002") => {
                        plan.ignored += 1;
                        continue;
                    }
                    _ => {
                        errors.push(FieldError::new(at(i, "code"), Reason::InvalidFormat));
                        continue;
                    }
                };
                // A test belongs to a case: its focus names the Condition.
                let Some(case) = o
                    .focus
                    .iter()
                    .find_map(|f| resolve(f, "Condition"))
                    .and_then(|c| case_of_entry.get(&c))
                else {
                    errors.push(FieldError::new(at(i, "focus"), Reason::InvalidFormat));
                    continue;
                };
                let positive = match o
                    .value_codeable_concept
                    .as_ref()
                    .and_then(|v| v.code_in(sys::SNOMED))
                {
                    Some("10828004") => Some(true),
                    Some("260385009") => Some(false),
                    _ => {
                        errors.push(FieldError::new(
                            at(i, "valueCodeableConcept"),
                            Reason::InvalidFormat,
                        ));
                        None
                    }
                };
                let ct = o
                    .component
                    .iter()
                    .find(|c| c.code.code_in(sys::LOINC) == Some(crate::out::CT_LOINC))
                    .and_then(|c| c.value_quantity.as_ref())
                    .map(|q| q.value);
                plan.cases[*case].tests.push(TestIn {
                    entry: i,
                    kind: kind.into(),
                    sample_at: o.effective_date_time.clone(),
                    result_at: o.issued.clone(),
                    positive,
                    ct,
                });
            }
            Some(Resource::Immunization(im)) => {
                let Some(person) =
                    resolve(&im.patient, "Patient").and_then(|p| person_of_entry.get(&p))
                else {
                    errors.push(FieldError::new(at(i, "patient"), Reason::InvalidFormat));
                    continue;
                };
                let unit = im
                    .location
                    .as_ref()
                    .and_then(|l| l.identifier.as_ref())
                    .filter(|id| id.system == sys::UNIT)
                    .and_then(|id| unit_field(&id.value));
                plan.doses.push(DoseIn {
                    entry: i,
                    person: *person,
                    product: im.vaccine_code.code_in(sys::VACCINE).map(str::to_string),
                    dose_no: im
                        .protocol_applied
                        .first()
                        .map(|p| i64::from(p.dose_number_positive_int)),
                    given_on: Some(im.occurrence_date_time.clone()),
                    unit,
                    lot: im.lot_number.clone(),
                });
            }
            Some(Resource::Patient(_) | Resource::Condition(_)) => {}
            Some(_) => plan.ignored += 1,
            None => errors.push(FieldError::new(at(i, "resource"), Reason::Required)),
        }
    }
    for c in &mut plan.cases {
        c.tests.sort_by(|a, b| a.sample_at.cmp(&b.sample_at));
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

fn person(i: usize, p: &Patient, errors: &mut Vec<FieldError>) -> PersonIn {
    let address = p.address.first();
    let unit = address.and_then(|a| {
        Extension::find(&a.extension, sys::UNIT_EXT)
            .and_then(|x| x.value_coding.as_ref())
            .filter(|c| c.system == sys::UNIT)
            .and_then(|c| unit_field(&c.code))
    });
    if unit.is_none() {
        errors.push(FieldError::new(at(i, "address"), Reason::Required));
    }
    PersonIn {
        entry: i,
        identifiers: p.identifier.clone(),
        full_name: p.name.first().and_then(|n| n.text.clone()),
        national_id: p
            .identifier
            .iter()
            .find(|id| id.system == sys::NATIONAL_ID)
            .map(|id| id.value.clone()),
        phone: p
            .telecom
            .iter()
            .find(|t| t.system == "phone")
            .map(|t| t.value.clone()),
        birth_date: p.birth_date.clone(),
        sex: p.gender.clone(),
        unit,
        address: address.and_then(|a| a.line.first().cloned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(v: serde_json::Value) -> Bundle {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn references_codes_and_sizes_are_checked() {
        let b = bundle(
            json!({"resourceType": "Bundle", "type": "collection", "entry": [
                {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "name": [{"text": "An"}],
                    "address": [{"extension": [{"url": sys::UNIT_EXT, "valueCoding": {"system": sys::UNIT, "code": "2021:00001"}}]}]}},
                {"resource": {"resourceType": "Condition", "code": {"coding": [{"system": sys::ICD10, "code": "U07.1"}]},
                    "subject": {"reference": "Patient/404"}}},
                {"resource": {"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": sys::LOINC, "code": "1-8"}]}}},
                {"resource": {"resourceType": "Immunization", "status": "completed", "vaccineCode": {},
                    "patient": {"reference": "urn:uuid:p"}, "occurrenceDateTime": "2021-07-01"}},
                {"resource": {"resourceType": "Location", "name": "x"}},
            ]}),
        );
        let fields: Vec<String> = read(&b)
            .unwrap_err()
            .iter()
            .map(|f| f.field.clone())
            .collect();
        assert_eq!(fields, ["entry[1].subject", "entry[2].code"]);

        let many = bundle(json!({"resourceType": "Bundle", "type": "batch",
            "entry": (0..=ENTRIES_MAX).map(|_| json!({})).collect::<Vec<_>>()}));
        let fields: Vec<String> = read(&many)
            .unwrap_err()
            .iter()
            .map(|f| f.field.clone())
            .collect();
        assert_eq!(fields, ["type", "entry"]);
    }

    #[test]
    fn a_patient_reads_into_a_form() {
        let b = bundle(
            json!({"resourceType": "Bundle", "type": "transaction", "entry": [
                {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient",
                    "identifier": [{"system": sys::NATIONAL_ID, "value": "001090012345"}],
                    "name": [{"text": "Nguyễn Văn An"}], "gender": "male", "birthDate": "1990-05-01",
                    "telecom": [{"system": "phone", "value": "0912345678"}],
                    "address": [{"line": ["12 Phó Đức Chính"], "extension": [{"url": sys::UNIT_EXT,
                        "valueCoding": {"system": sys::UNIT, "code": "2025:10105"}}]}]}},
            ]}),
        );
        let plan = read(&b).unwrap();
        let p = &plan.persons[0];
        assert_eq!(p.national_id.as_deref(), Some("001090012345"));
        assert_eq!(p.unit.as_deref(), Some("2025:10105"));
        assert_eq!(p.address.as_deref(), Some("12 Phó Đức Chính"));
        assert_eq!(p.sex.as_deref(), Some("male"));
    }

    #[test]
    fn ids_are_fhir_ids() {
        assert!(crate::valid_id("c12-t1"));
        assert!(!crate::valid_id(""));
        assert!(!crate::valid_id("a/b"));
        assert!(!crate::valid_id(&"1".repeat(65)));
    }
}
