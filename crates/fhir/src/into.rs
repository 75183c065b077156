//! A Bundle taken in, read into the inputs of the use cases the forms call: persons
//! (Patient), cases (Condition) with their tests (Observation with a LOINC test code),
//! doses (Immunization), facilities (Location, with the Organization that runs it), stays
//! (Encounter) and F1 links (the exposure Observation). Values stay text, as a form's
//! would, so the use cases check them with their own rules; here only the Bundle's shape
//! and codes are checked, every fault named by its entry (`entry[3].subject`).
//!
//! Not taken in, and named as ignored: resources of other types (Practitioner,
//! Provenance…), units' Organizations (units are the registry's, never created), a
//! facility's Organization without its Location (it has no kind nor address), Encounters
//! neither for a case nor for a contact or neither in progress nor finished, and F2 links
//! (the F1 they came through is not carried).

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

/// A facility (a Location, with its Organization's identifiers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacilityIn {
    pub entry: usize,
    /// The Location's and its Organization's identifiers.
    pub identifiers: Vec<Identifier>,
    pub name: String,
    /// A facility kind's slug.
    pub kind: Option<String>,
    /// `2021` or `2025`, and the unit's code.
    pub structure: Option<String>,
    pub unit: Option<String>,
    pub address: Option<String>,
    /// Bed types' slugs and capacities.
    pub beds: Vec<(Option<String>, Option<i64>)>,
}

/// Whose a stay is: a case's or a contact's (both indices in the [`Plan`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StayFor {
    Case(usize),
    Exposure(usize),
}

/// A stay (an Encounter).
#[derive(Debug, Clone, PartialEq)]
pub struct StayIn {
    pub entry: usize,
    pub person: usize,
    pub identifiers: Vec<Identifier>,
    pub occupant: StayFor,
    /// The facility's index in [`Plan::facilities`]; None: at home.
    pub facility: Option<usize>,
    pub bed_type: Option<String>,
    pub from: Option<String>,
    /// Its end (a finished Encounter).
    pub until: Option<String>,
    /// Why it ended: `recovered`, `died`, `released`, `transferred`.
    pub reason: Option<String>,
}

/// The case an F1 link names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceCase {
    /// A Condition of this Bundle (its index in [`Plan::cases`]).
    InBundle(usize),
    /// A Condition elsewhere, by its id there (`Condition/12`): a case of the
    /// installation the contact's Patient comes from (its id system), ours or one taken in
    /// before.
    Elsewhere(String),
}

/// An F1 link (the exposure Observation).
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureIn {
    pub entry: usize,
    pub person: usize,
    pub source: SourceCase,
    /// A contact status's slug.
    pub status: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
}

/// What a Bundle asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub persons: Vec<PersonIn>,
    pub cases: Vec<CaseIn>,
    pub doses: Vec<DoseIn>,
    pub facilities: Vec<FacilityIn>,
    /// In the order they began, per person.
    pub stays: Vec<StayIn>,
    pub exposures: Vec<ExposureIn>,
    /// Entries not taken in: the entry and what it is (`Practitioner`, `Encounter`).
    pub ignored: Vec<(usize, String)>,
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
/// Whether a system names an installation's facility ids (ours or a partner's).
fn is_facility(system: &str) -> bool {
    crate::record_system(system).is_some_and(|(_, kind)| kind == crate::RecordKind::Facility)
}

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
    // Facilities, from their Locations (an Organization alone has no kind nor address).
    let mut facility_of_entry: HashMap<usize, usize> = HashMap::new();
    let mut facility_ids: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut managing: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for (i, e) in b.entry.iter().enumerate() {
        let Some(Resource::Location(l)) = &e.resource else {
            continue;
        };
        let mut f = location(i, l, &mut errors);
        if let Some(o) = l
            .managing_organization
            .as_ref()
            .and_then(|r| resolve(r, "Organization"))
        {
            managing.insert(o);
            if let Some(Resource::Organization(org)) = &b.entry[o].resource {
                f.identifiers.extend(org.identifier.iter().cloned());
            }
        }
        for id in &l.identifier {
            if is_facility(&id.system) {
                facility_ids.insert(id.value.as_str());
            }
        }
        facility_of_entry.insert(i, plan.facilities.len());
        plan.facilities.push(f);
    }
    for (i, e) in b.entry.iter().enumerate() {
        match &e.resource {
            Some(Resource::Observation(o)) => {
                let kind = match o.code.code_in(sys::LOINC) {
                    Some("94500-6") => "pcr",
                    Some("94558-4") => "antigen",
                    _ if o.code.code_in(sys::SNOMED) == Some(EXPOSURE_SNOMED) => {
                        exposure(
                            i,
                            o,
                            &resolve,
                            &person_of_entry,
                            &case_of_entry,
                            &mut plan,
                            &mut errors,
                        );
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
            Some(
                Resource::Patient(_)
                | Resource::Condition(_)
                | Resource::Location(_)
                | Resource::Encounter(_),
            ) => {}
            Some(Resource::Organization(o)) => {
                // A facility's is read with its Location; a unit's names one of ours.
                let facility =
                    o.identifier.iter().any(|id| {
                        is_facility(&id.system) && facility_ids.contains(id.value.as_str())
                    }) || managing.contains(&i);
                if !facility {
                    plan.ignored.push((i, "Organization".into()));
                }
            }
            Some(r) => plan.ignored.push((i, r.type_name().to_string())),
            None => errors.push(FieldError::new(at(i, "resource"), Reason::Required)),
        }
    }
    // Stays, after the exposures they may be for.
    let exposure_of_entry: HashMap<usize, usize> = plan
        .exposures
        .iter()
        .enumerate()
        .map(|(n, x)| (x.entry, n))
        .collect();
    for (i, e) in b.entry.iter().enumerate() {
        let Some(Resource::Encounter(en)) = &e.resource else {
            continue;
        };
        let Some(person) = resolve(&en.subject, "Patient").and_then(|p| person_of_entry.get(&p))
        else {
            errors.push(FieldError::new(at(i, "subject"), Reason::InvalidFormat));
            continue;
        };
        let occupant = en.reason_reference.iter().find_map(|r| {
            resolve(r, "Condition")
                .and_then(|c| case_of_entry.get(&c))
                .map(|c| StayFor::Case(*c))
                .or_else(|| {
                    resolve(r, "Observation")
                        .and_then(|o| exposure_of_entry.get(&o))
                        .map(|x| StayFor::Exposure(*x))
                })
        });
        let finished = match en.status.as_str() {
            "in-progress" => false,
            "finished" => true,
            _ => {
                plan.ignored.push((i, "Encounter".into()));
                continue;
            }
        };
        let Some(occupant) = occupant else {
            plan.ignored.push((i, "Encounter".into()));
            continue;
        };
        let facility = match en.location.first() {
            None => None,
            Some(l) => {
                match resolve(&l.location, "Location").and_then(|l| facility_of_entry.get(&l)) {
                    Some(f) => Some(*f),
                    None => {
                        errors.push(FieldError::new(at(i, "location"), Reason::InvalidFormat));
                        continue;
                    }
                }
            }
        };
        let period = en.period.clone().unwrap_or_default();
        let disposition = en
            .hospitalization
            .as_ref()
            .and_then(|h| h.discharge_disposition.as_ref());
        let reason = disposition
            .and_then(|d| d.code_in(sys::DISCHARGE_REASON))
            .map(str::to_string)
            .or_else(|| {
                Some(
                    match disposition?.code_in(sys::DISCHARGE)? {
                        "exp" => "died",
                        "other-hcf" | "hosp" | "long" | "snf" | "rehab" | "psy" => "transferred",
                        _ if matches!(occupant, StayFor::Case(_)) => "recovered",
                        _ => "released",
                    }
                    .to_string(),
                )
            });
        if finished && (period.end.is_none() || reason.is_none()) {
            errors.push(FieldError::new(at(i, "period"), Reason::Required));
            continue;
        }
        plan.stays.push(StayIn {
            entry: i,
            person: *person,
            identifiers: en.identifier.clone(),
            occupant,
            facility,
            bed_type: Extension::find(&en.extension, sys::BED_TYPE_EXT)
                .and_then(|x| x.value_coding.as_ref())
                .filter(|c| c.system == sys::BED_TYPE)
                .map(|c| c.code.clone()),
            from: period.start,
            until: if finished { period.end } else { None },
            reason: if finished { reason } else { None },
        });
    }
    // A transfer is the end of one stay and the start of the next: in time order.
    plan.stays
        .sort_by(|a, b| (a.person, &a.from).cmp(&(b.person, &b.from)));
    for c in &mut plan.cases {
        c.tests.sort_by(|a, b| a.sample_at.cmp(&b.sample_at));
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// SNOMED CT: exposure to SARS-CoV-2 (an F1 link).
pub const EXPOSURE_SNOMED: &str = "840546002";

/// An F1 link: the contact's Patient (in the Bundle) and the source case's Condition (in
/// the Bundle, or elsewhere by its id). An F2 link is named as ignored: the F1 it came
/// through is not carried.
#[allow(clippy::too_many_arguments)]
fn exposure(
    i: usize,
    o: &Observation,
    resolve: &dyn Fn(&Reference, &str) -> Option<usize>,
    person_of_entry: &HashMap<usize, usize>,
    case_of_entry: &HashMap<usize, usize>,
    plan: &mut Plan,
    errors: &mut Vec<FieldError>,
) {
    let degree = Extension::find(&o.extension, sys::DEGREE_EXT).and_then(|x| x.value_positive_int);
    if degree.is_some_and(|d| d != 1) {
        plan.ignored.push((i, "Observation".into()));
        return;
    }
    let Some(person) = o
        .subject
        .as_ref()
        .and_then(|s| resolve(s, "Patient"))
        .and_then(|p| person_of_entry.get(&p))
    else {
        errors.push(FieldError::new(at(i, "subject"), Reason::InvalidFormat));
        return;
    };
    let source = Extension::find(&o.extension, sys::SOURCE_CASE_EXT)
        .and_then(|x| x.value_reference.as_ref())
        .and_then(
            |r| match resolve(r, "Condition").and_then(|c| case_of_entry.get(&c)) {
                Some(c) => Some(SourceCase::InBundle(*c)),
                None => {
                    let name = r.reference.as_deref()?;
                    let id = name.rsplit_once("Condition/")?.1;
                    let id = id.split_once("/_history").map_or(id, |x| x.0);
                    crate::valid_id(id).then(|| SourceCase::Elsewhere(id.to_string()))
                }
            },
        );
    let Some(source) = source else {
        errors.push(FieldError::new(at(i, "extension"), Reason::Required));
        return;
    };
    let period = o.effective_period.clone().unwrap_or_default();
    plan.exposures.push(ExposureIn {
        entry: i,
        person: *person,
        source,
        status: o
            .value_codeable_concept
            .as_ref()
            .and_then(|v| v.code_in(sys::CONTACT_STATUS))
            .map(str::to_string),
        from: period.start,
        until: period.end,
    });
}

/// A facility from its Location: name, kind, unit, address line and beds.
fn location(i: usize, l: &Location, errors: &mut Vec<FieldError>) -> FacilityIn {
    let unit = l.address.as_ref().and_then(|a| {
        Extension::find(&a.extension, sys::UNIT_EXT)
            .and_then(|x| x.value_coding.as_ref())
            .filter(|c| c.system == sys::UNIT)
            .and_then(|c| c.code.split_once(':'))
    });
    if unit.is_none() {
        errors.push(FieldError::new(at(i, "address"), Reason::Required));
    }
    FacilityIn {
        entry: i,
        identifiers: l.identifier.clone(),
        name: l.name.clone(),
        kind: l
            .kind
            .iter()
            .find_map(|k| k.code_in(sys::FACILITY_KIND))
            .map(str::to_string),
        structure: unit.map(|u| u.0.to_string()),
        unit: unit.map(|u| u.1.to_string()),
        address: l.address.as_ref().and_then(|a| a.line.first().cloned()),
        beds: l
            .extension
            .iter()
            .filter(|x| x.url == sys::BEDS_EXT)
            .map(|x| {
                let part = |url: &str| Extension::find(&x.extension, url);
                (
                    part("type")
                        .and_then(|t| t.value_coding.as_ref())
                        .filter(|c| c.system == sys::BED_TYPE)
                        .map(|c| c.code.clone()),
                    part("capacity")
                        .and_then(|c| c.value_unsigned_int)
                        .map(i64::from),
                )
            })
            .collect(),
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
                {"resource": {"resourceType": "Encounter", "status": "finished", "class": {"system": sys::ACT_CODE, "code": "HH"},
                    "subject": {"reference": "urn:uuid:p"}, "reasonReference": [{"reference": "urn:uuid:c"}]}},
            ]}),
        );
        let fields: Vec<String> = read(&b)
            .unwrap_err()
            .iter()
            .map(|f| f.field.clone())
            .collect();
        // A Location needs its unit; an Encounter for no case of the Bundle is not a stay.
        assert_eq!(
            fields,
            ["entry[1].subject", "entry[4].address", "entry[2].code"]
        );

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
    fn other_types_f2_links_and_units_are_named_as_ignored() {
        let b: Bundle = serde_json::from_value(json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "name": [{"text": "An"}],
                "address": [{"extension": [{"url": sys::UNIT_EXT, "valueCoding": {"system": sys::UNIT, "code": "2021:00001"}}]}]}},
            {"resource": {"resourceType": "Practitioner", "name": [{"text": "BS Hoa"}]}},
            {"resource": {"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": sys::SNOMED, "code": EXPOSURE_SNOMED}]},
                "subject": {"reference": "urn:uuid:p"},
                "extension": [{"url": sys::SOURCE_CASE_EXT, "valueReference": {"reference": "Condition/9"}},
                              {"url": sys::DEGREE_EXT, "valuePositiveInt": 2}]}},
            {"resource": {"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": sys::SNOMED, "code": EXPOSURE_SNOMED}]},
                "subject": {"reference": "urn:uuid:p"},
                "extension": [{"url": sys::SOURCE_CASE_EXT, "valueReference": {"reference": "http://elsewhere/fhir/Condition/9"}}],
                "valueCodeableConcept": {"coding": [{"system": sys::CONTACT_STATUS, "code": "quarantine"}]}}},
            {"resource": {"resourceType": "Organization", "name": "Phúc Xá",
                "identifier": [{"system": sys::UNIT, "value": "2021:00001"}]}},
        ]}))
        .unwrap();
        let plan = read(&b).unwrap();
        assert_eq!(
            plan.ignored,
            [
                (1, "Practitioner".to_string()),
                (2, "Observation".to_string()),
                (4, "Organization".to_string())
            ]
        );
        assert_eq!(plan.exposures.len(), 1);
        assert_eq!(plan.exposures[0].source, SourceCase::Elsewhere("9".into()));
        assert_eq!(plan.exposures[0].status.as_deref(), Some("quarantine"));
        // A resource without a type is not one.
        let bad = serde_json::from_value::<Bundle>(
            json!({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"name": "x"}}]}),
        );
        assert!(bad.is_err());
    }

    #[test]
    fn ids_are_fhir_ids() {
        assert!(crate::valid_id("c12-t1"));
        assert!(!crate::valid_id(""));
        assert!(!crate::valid_id("a/b"));
        assert!(!crate::valid_id(&"1".repeat(65)));
    }
}
