//! Our records as FHIR R4 resources. Each function maps one record; the web edge reads the
//! records (scoped and audited by the store) and assembles Bundles.

use domain::epi::{CaseStatus, TestKind};
use domain::person::Person;
use store::Facility;
use store::{Case, Dose, TestResult};
use store::{ContactEpisode, StayEpisode};

use crate::model::*;
use crate::systems as sys;
use crate::{instant, Installation, RecordKind};

/// A unit with its names, for an address or an Organization.
#[derive(Debug, Clone, Default)]
pub struct UnitNames {
    /// `2021` or `2025`.
    pub structure: String,
    pub code: String,
    /// The unit's own name (a commune for a residence).
    pub name: String,
    pub district: Option<String>,
    pub province: Option<String>,
}

impl UnitNames {
    fn coding(&self) -> Coding {
        Coding {
            system: sys::UNIT.into(),
            code: format!("{}:{}", self.structure, self.code),
            display: Some(self.name.clone()),
        }
    }
}

pub fn patient(at: &Installation, p: &Person, address: Option<&str>, unit: &UnitNames) -> Patient {
    let mut identifier = vec![Identifier {
        system: at.system(RecordKind::Person),
        value: p.id.0.to_string(),
    }];
    if let Some(n) = &p.national_id {
        identifier.push(Identifier {
            system: sys::NATIONAL_ID.into(),
            value: n.as_str().into(),
        });
    }
    Patient {
        id: Some(p.id.0.to_string()),
        identifier,
        active: Some(p.merged_into.is_none()),
        name: vec![HumanName {
            text: Some(p.full_name.clone()),
        }],
        telecom: p
            .phone
            .iter()
            .map(|ph| ContactPoint {
                system: "phone".into(),
                value: ph.as_str().into(),
            })
            .collect(),
        gender: Some(p.sex.as_str().into()),
        birth_date: p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        address: vec![Address {
            line: address.iter().map(|a| a.to_string()).collect(),
            city: Some(unit.name.clone()),
            district: unit.district.clone(),
            state: unit.province.clone(),
            country: Some("VN".into()),
            extension: vec![Extension {
                url: sys::UNIT_EXT.into(),
                value_coding: Some(unit.coding()),
                ..Extension::default()
            }],
        }],
        link: p
            .merged_into
            .iter()
            .map(|m| PatientLink {
                other: Reference::to("Patient", m.0),
                kind: "replaced-by".into(),
            })
            .collect(),
    }
}

fn covid_code() -> CodeableConcept {
    CodeableConcept {
        coding: vec![
            Coding {
                system: sys::SNOMED.into(),
                code: "840539006".into(),
                display: Some(
                    "Disease caused by severe acute respiratory syndrome coronavirus 2 (disorder)"
                        .into(),
                ),
            },
            Coding {
                system: sys::ICD10.into(),
                code: "U07.1".into(),
                display: Some("COVID-19, virus identified".into()),
            },
        ],
        text: Some("COVID-19".into()),
    }
}

/// A case as a Condition: onset, clinical status (active, else resolved — FHIR has no
/// status for a death, so our own status rides in an extension beside it), severity.
pub fn condition(at: &Installation, c: &Case) -> Condition {
    let clinical = match c.status {
        CaseStatus::Active => "active",
        CaseStatus::Recovered | CaseStatus::Died => "resolved",
    };
    let mut extension = vec![
        Extension {
            url: sys::CASE_STATUS_EXT.into(),
            value_coding: Some(Coding {
                system: sys::CASE_STATUS.into(),
                code: c.status.as_str().into(),
                display: None,
            }),
            ..Extension::default()
        },
        Extension {
            url: sys::COMMUNITY_EXT.into(),
            value_boolean: Some(c.community),
            ..Extension::default()
        },
    ];
    if let Some(at) = c.isolation_s {
        extension.push(Extension {
            url: sys::ISOLATION_EXT.into(),
            value_date_time: Some(instant(at)),
            ..Extension::default()
        });
    }
    Condition {
        id: Some(c.id.0.to_string()),
        extension,
        identifier: vec![Identifier {
            system: at.system(RecordKind::Case),
            value: c.id.0.to_string(),
        }],
        clinical_status: Some(CodeableConcept {
            coding: vec![Coding {
                system: sys::CLINICAL.into(),
                code: clinical.into(),
                display: None,
            }],
            text: None,
        }),
        verification_status: Some(CodeableConcept::one(
            sys::VERIFICATION,
            "confirmed",
            "Confirmed",
        )),
        category: vec![CodeableConcept::one(
            sys::CONDITION_CATEGORY,
            "encounter-diagnosis",
            "Encounter Diagnosis",
        )],
        severity: Some(CodeableConcept::one(
            sys::SEVERITY,
            c.severity.as_str(),
            c.severity.as_str(),
        )),
        code: covid_code(),
        subject: Reference::to("Patient", c.person_id.0),
        onset_date_time: c.onset_s.map(instant),
        abatement_date_time: c.outcome_at_s.map(instant),
        recorded_date: Some(instant(c.confirmed_at_s)),
    }
}

fn test_code(kind: TestKind) -> CodeableConcept {
    match kind {
        TestKind::Pcr => CodeableConcept::one(
            sys::LOINC,
            "94500-6",
            "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory system specimen by NAA with probe detection",
        ),
        TestKind::Antigen => CodeableConcept::one(
            sys::LOINC,
            "94558-4",
            "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory system specimen by Rapid immunoassay",
        ),
    }
}

/// The Ct value's LOINC code (cycle threshold of the SARS-CoV-2 PCR).
pub const CT_LOINC: &str = "94509-7";

/// A test of a case: its `n`th, in sample order (tests carry no id of their own outside the
/// store, so the Observation's id is the case's and the position: `c12-t1`).
pub fn observation(c: &Case, n: usize, t: &TestResult) -> Observation {
    let (code, display) = if t.positive {
        ("10828004", "Positive")
    } else {
        ("260385009", "Negative")
    };
    Observation {
        id: Some(format!("c{}-t{}", c.id.0, n)),
        status: "final".into(),
        category: vec![CodeableConcept::one(
            sys::OBSERVATION_CATEGORY,
            "laboratory",
            "Laboratory",
        )],
        code: test_code(t.kind),
        subject: Some(Reference::to("Patient", c.person_id.0)),
        focus: vec![Reference::to("Condition", c.id.0)],
        effective_date_time: Some(instant(t.sample_s)),
        issued: Some(instant(t.result_s)),
        value_codeable_concept: Some(CodeableConcept::one(sys::SNOMED, code, display)),
        component: t
            .ct
            .iter()
            .map(|ct| ObservationComponent {
                code: CodeableConcept::one(
                    sys::LOINC,
                    CT_LOINC,
                    "SARS-CoV-2 (COVID-19) N gene [Cycle Threshold #] in Respiratory specimen by NAA with probe detection",
                ),
                value_quantity: Some(Quantity {
                    value: *ct,
                    unit: Some("{Ct_value}".into()),
                }),
            })
            .collect(),
        ..Observation::default()
    }
}

/// CVX codes of the products CVX lists (Abdala and Hayat-Vax carry only ours).
fn cvx(product: &str) -> Option<(&'static str, &'static str)> {
    Some(match product {
        "moderna" => (
            "207",
            "COVID-19, mRNA, LNP-S, PF, 100 mcg/0.5mL dose or 50 mcg/0.25mL dose",
        ),
        "pfizer" => ("208", "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose"),
        "astrazeneca" => ("210", "COVID-19 vaccine, vector-nr, rS-ChAdOx1, PF, 0.5 mL"),
        "janssen" => ("212", "COVID-19 vaccine, vector-nr, rS-Ad26, PF, 0.5 mL"),
        "sinopharm" => ("510", "COVID-19 IV Non-US Vaccine (BIBP, Sinopharm)"),
        _ => return None,
    })
}

/// A dose; where it was given is the unit, named by a logical reference (a unit has no
/// Location of its own).
pub fn immunization(person: domain::PersonId, d: &Dose, place: &UnitNames) -> Immunization {
    let mut coding = vec![Coding {
        system: sys::VACCINE.into(),
        code: d.product.clone(),
        display: Some(d.product.clone()),
    }];
    if let Some((code, display)) = cvx(&d.product) {
        coding.push(Coding {
            system: sys::CVX.into(),
            code: code.into(),
            display: Some(display.into()),
        });
    }
    Immunization {
        id: Some(format!("p{}-d{}", person.0, d.dose_no)),
        status: "completed".into(),
        vaccine_code: CodeableConcept { coding, text: None },
        patient: Reference::to("Patient", person.0),
        occurrence_date_time: d.given_on.format("%Y-%m-%d").to_string(),
        lot_number: d.lot.clone(),
        location: Some(Reference {
            reference: None,
            identifier: Some(Identifier {
                system: sys::UNIT.into(),
                value: format!("{}:{}", place.structure, place.code),
            }),
            display: Some(place.name.clone()),
        }),
        protocol_applied: vec![ProtocolApplied {
            dose_number_positive_int: u32::from(d.dose_no),
            series_doses_positive_int: d
                .product
                .parse::<domain::vaccination::Product>()
                .ok()
                .map(|p| u32::from(p.primary_doses())),
        }],
    }
}

/// A stay as an Encounter: in a facility (inpatient, the facility as its Location, the bed
/// type in an extension) or at home (home health), with the case it was for (or the
/// contact's exposure, for a quarantine), and why it ended in HL7's words and ours.
pub fn encounter(at: &Installation, person: domain::PersonId, s: &StayEpisode) -> Encounter {
    let (code, display) = match s.facility_id {
        Some(_) => ("IMP", "inpatient encounter"),
        None => ("HH", "home health"),
    };
    Encounter {
        id: Some(s.id.to_string()),
        extension: s
            .bed_type
            .iter()
            .map(|b| Extension {
                url: sys::BED_TYPE_EXT.into(),
                value_coding: Some(Coding {
                    system: sys::BED_TYPE.into(),
                    code: b.clone(),
                    display: None,
                }),
                ..Extension::default()
            })
            .collect(),
        identifier: vec![Identifier {
            system: at.system(RecordKind::Stay),
            value: s.id.to_string(),
        }],
        status: if s.until_s.is_some() {
            "finished"
        } else {
            "in-progress"
        }
        .into(),
        class: Coding {
            system: sys::ACT_CODE.into(),
            code: code.into(),
            display: Some(display.into()),
        },
        subject: Reference::to("Patient", person.0),
        period: Some(Period {
            start: Some(instant(s.from_s)),
            end: s.until_s.map(instant),
        }),
        reason_reference: s
            .case_id
            .iter()
            .map(|c| Reference::to("Condition", c))
            .chain(
                s.contact_id
                    .iter()
                    .map(|c| Reference::to("Observation", format!("contact-{c}"))),
            )
            .collect(),
        hospitalization: s.discharge_reason.as_deref().map(|r| {
            let mut d = match r {
                "died" => CodeableConcept::one(sys::DISCHARGE, "exp", "Expired"),
                "transferred" => {
                    CodeableConcept::one(sys::DISCHARGE, "other-hcf", "Other healthcare facility")
                }
                _ => CodeableConcept::one(sys::DISCHARGE, "home", "Home"),
            };
            d.coding.push(Coding {
                system: sys::DISCHARGE_REASON.into(),
                code: r.into(),
                display: None,
            });
            Hospitalization {
                discharge_disposition: Some(d),
            }
        }),
        location: s
            .facility_id
            .iter()
            .map(|f| EncounterLocation {
                location: Reference {
                    reference: Some(format!("Location/{f}")),
                    identifier: None,
                    display: s.facility_name.clone(),
                },
            })
            .collect(),
        service_provider: s
            .facility_id
            .map(|f| Reference::to("Organization", format!("facility-{f}"))),
    }
}

/// A facility as the Location of its stays, with its beds (type and capacity).
pub fn location(
    at: &Installation,
    f: &Facility,
    beds: &[store::Beds],
    unit: &UnitNames,
) -> Location {
    Location {
        id: Some(f.id.get().to_string()),
        extension: beds
            .iter()
            .map(|b| Extension {
                url: sys::BEDS_EXT.into(),
                extension: vec![
                    Extension {
                        url: "type".into(),
                        value_coding: Some(Coding {
                            system: sys::BED_TYPE.into(),
                            code: b.bed_type.as_str().into(),
                            display: None,
                        }),
                        ..Extension::default()
                    },
                    Extension {
                        url: "capacity".into(),
                        value_unsigned_int: u32::try_from(b.capacity).ok(),
                        ..Extension::default()
                    },
                ],
                ..Extension::default()
            })
            .collect(),
        identifier: vec![Identifier {
            system: at.system(RecordKind::Facility),
            value: f.id.get().to_string(),
        }],
        status: Some("active".into()),
        name: f.name.clone(),
        kind: vec![CodeableConcept::one(
            sys::FACILITY_KIND,
            f.kind.as_str(),
            f.kind.as_str(),
        )],
        address: Some(Address {
            line: f.address.iter().cloned().collect(),
            city: Some(unit.name.clone()),
            district: unit.district.clone(),
            state: unit.province.clone(),
            country: Some("VN".into()),
            extension: vec![Extension {
                url: sys::UNIT_EXT.into(),
                value_coding: Some(unit.coding()),
                ..Extension::default()
            }],
        }),
        managing_organization: Some(Reference::to(
            "Organization",
            format!("facility-{}", f.id.get()),
        )),
    }
}

/// A facility as the Organization that runs it, under its unit's Organization.
pub fn facility_organization(at: &Installation, f: &Facility, unit: &UnitNames) -> Organization {
    Organization {
        id: Some(format!("facility-{}", f.id.get())),
        identifier: vec![Identifier {
            system: at.system(RecordKind::Facility),
            value: f.id.get().to_string(),
        }],
        active: Some(true),
        kind: vec![CodeableConcept::one(
            sys::ORG_TYPE,
            "prov",
            "Healthcare Provider",
        )],
        name: f.name.clone(),
        part_of: Some(Reference::to("Organization", unit_id(unit))),
    }
}

/// The Organization id of a unit: `unit-2021-00001`.
pub fn unit_id(u: &UnitNames) -> String {
    format!("unit-{}-{}", u.structure, u.code)
}

/// An administrative unit as a government Organization.
pub fn unit_organization(u: &UnitNames) -> Organization {
    Organization {
        id: Some(unit_id(u)),
        identifier: vec![Identifier {
            system: sys::UNIT.into(),
            value: format!("{}:{}", u.structure, u.code),
        }],
        active: Some(true),
        kind: vec![CodeableConcept::one(sys::ORG_TYPE, "govt", "Government")],
        name: u.name.clone(),
        part_of: None,
    }
}

/// The F1 link of a contact: an Observation of exposure to SARS-CoV-2 (SNOMED 840546002)
/// about the contact's Patient, naming the source case's Condition in an extension. Why an
/// Observation: FHIR R4 has no resource for "exposed to this case"; RelatedPerson would say
/// the two are kin or carers, which most contacts (a market stall, a bus) are not, and the
/// case id (not the source person) is what the contact's record already shows, so nothing
/// outside the caller's scope is named.
pub fn contact_link(person: domain::PersonId, c: &ContactEpisode) -> Observation {
    Observation {
        id: Some(format!("contact-{}", c.id)),
        // A contact referred from another locality (issue #17) has no source case here:
        // the extension is left out rather than sent without a value.
        extension: [
            c.case_id.map(|id| Extension {
                url: sys::SOURCE_CASE_EXT.into(),
                value_reference: Some(Reference::to("Condition", id)),
                ..Extension::default()
            }),
            Some(Extension {
                url: sys::DEGREE_EXT.into(),
                value_positive_int: u32::try_from(c.degree).ok().filter(|d| *d > 0),
                ..Extension::default()
            }),
        ]
        .into_iter()
        .flatten()
        .collect(),
        status: "final".into(),
        category: vec![CodeableConcept::one(
            sys::OBSERVATION_CATEGORY,
            "social-history",
            "Social History",
        )],
        code: CodeableConcept::one(
            sys::SNOMED,
            "840546002",
            "Exposure to severe acute respiratory syndrome coronavirus 2 (event)",
        ),
        subject: Some(Reference::to("Patient", person.0)),
        effective_period: c.quarantine_from_s.map(|from| Period {
            start: Some(instant(from)),
            end: c.quarantine_until_s.map(instant),
        }),
        value_codeable_concept: Some(CodeableConcept::one(
            sys::CONTACT_STATUS,
            &c.status,
            &c.status,
        )),
        ..Observation::default()
    }
}

/// A searchset Bundle of resources found.
pub fn searchset(base: &str, resources: Vec<Resource>) -> Bundle {
    Bundle {
        kind: "searchset".into(),
        total: Some(u32::try_from(resources.len()).unwrap_or(u32::MAX)),
        entry: resources
            .into_iter()
            .map(|r| BundleEntry {
                full_url: r.id().map(|id| format!("{base}/{}/{id}", r.kind())),
                resource: Some(r),
                search: Some(BundleSearch {
                    mode: "match".into(),
                }),
                request: None,
                response: None,
            })
            .collect(),
        ..Bundle::default()
    }
}

/// A collection Bundle (a case with its person, tests, doses and stays).
pub fn collection(base: &str, at_s: i64, resources: Vec<Resource>) -> Bundle {
    Bundle {
        kind: "collection".into(),
        timestamp: Some(instant(at_s)),
        entry: resources
            .into_iter()
            .map(|r| BundleEntry {
                full_url: r.id().map(|id| format!("{base}/{}/{id}", r.kind())),
                resource: Some(r),
                search: None,
                request: None,
                response: None,
            })
            .collect(),
        ..Bundle::default()
    }
}

/// An OperationOutcome of one error.
pub fn outcome(code: &str, diagnostics: &str, expression: Vec<String>) -> OperationOutcome {
    OperationOutcome {
        issue: vec![Issue {
            severity: "error".into(),
            code: code.into(),
            diagnostics: Some(diagnostics.into()),
            expression,
        }],
    }
}
