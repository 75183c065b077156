//! FHIR R4 for chongdich (issue #16): the resources we exchange as a small typed subset
//! (`model`), our records mapped to them (`out`), Bundles taken in read back into the
//! inputs of the same use cases the forms call (`into`), and the CapabilityStatement.
//!
//! A typed subset rather than a generated crate: `fhirbolt` (R4) generates every resource
//! of the specification and takes minutes to compile on the two-core machines we build on;
//! `fhir-sdk` has no plain R4. We emit eight resource types and take in seven, so the types
//! are written here, and an independent validator (`@medplum/core` with its R4
//! definitions, `.ci/fhir/`) checks everything we emit in CI.
//!
//! No I/O: the web edge reads the store and calls these functions.

pub mod capability;
pub mod into;
pub mod model;
pub mod out;

/// The URIs we name our identifiers, codes and extensions with. Documented in
/// docs/ARCHITECTURE.md; changing one breaks every partner that stored it.
pub mod systems {
    /// Where the systems of record ids live: `{SID}{installation}/person` (see
    /// [`Installation`](crate::Installation)); `{SID}cccd`, `{SID}unit` are shared.
    pub const SID: &str = "https://chongdich.vn/fhir/sid/";
    /// Vietnam's citizen identity number (CCCD, 12 digits) or old identity card (CMND, 9).
    /// No system is registered for it in HL7's identifier registry; this one is ours.
    pub const NATIONAL_ID: &str = "https://chongdich.vn/fhir/sid/cccd";
    /// The extension on an Encounter with the bed's type (`valueCoding` of [`BED_TYPE`]).
    pub const BED_TYPE_EXT: &str = "https://chongdich.vn/fhir/StructureDefinition/bed-type";
    /// The extension on a Location with one kind of bed: `type` (`valueCoding` of
    /// [`BED_TYPE`]) and `capacity` (`valueUnsignedInt`); one per bed type.
    pub const BEDS_EXT: &str = "https://chongdich.vn/fhir/StructureDefinition/beds";
    /// Our bed types (`domain::facility::BedType`).
    pub const BED_TYPE: &str = "https://chongdich.vn/fhir/CodeSystem/bed-type";
    /// Why a stay ended (`recovered`, `died`, `released`, `transferred`), beside HL7's
    /// discharge disposition, which has one word (home) for a recovery and a release.
    pub const DISCHARGE_REASON: &str = "https://chongdich.vn/fhir/CodeSystem/discharge-reason";
    /// An administrative unit: `2021:00001` (structure, code of the General Statistics
    /// Office), on its Organization and in an address's extension.
    pub const UNIT: &str = "https://chongdich.vn/fhir/sid/unit";
    /// The extension on an Address holding the unit's code (the `Coding` of [`UNIT`]).
    pub const UNIT_EXT: &str = "https://chongdich.vn/fhir/StructureDefinition/unit";
    /// The extension on a contact's exposure Observation naming the source case's
    /// Condition (an F1 link).
    pub const SOURCE_CASE_EXT: &str = "https://chongdich.vn/fhir/StructureDefinition/source-case";
    /// The extension on a contact's exposure Observation with its degree (1: F1, 2: F2).
    pub const DEGREE_EXT: &str = "https://chongdich.vn/fhir/StructureDefinition/contact-degree";
    /// The extension on a Condition with the case's status (`active`, `recovered`, `died`):
    /// FHIR's clinical status has no word for death.
    pub const CASE_STATUS_EXT: &str = "https://chongdich.vn/fhir/StructureDefinition/case-status";
    /// The extension on a Condition with when isolation began (`valueDateTime`).
    pub const ISOLATION_EXT: &str = "https://chongdich.vn/fhir/StructureDefinition/isolation-start";
    /// The extension on a Condition saying the case was found in the community (outside
    /// quarantine and locked-down zones; `valueBoolean`).
    pub const COMMUNITY_EXT: &str = "https://chongdich.vn/fhir/StructureDefinition/community";
    pub const CASE_STATUS: &str = "https://chongdich.vn/fhir/CodeSystem/case-status";
    /// Severity classes of Decision 4689/QĐ-BYT.
    pub const SEVERITY: &str = "https://chongdich.vn/fhir/CodeSystem/severity";
    /// Our vaccine products (beside CVX where CVX has the product).
    pub const VACCINE: &str = "https://chongdich.vn/fhir/CodeSystem/vaccine";
    pub const FACILITY_KIND: &str = "https://chongdich.vn/fhir/CodeSystem/facility-kind";
    pub const CONTACT_STATUS: &str = "https://chongdich.vn/fhir/CodeSystem/contact-status";

    pub const SNOMED: &str = "http://snomed.info/sct";
    pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
    pub const LOINC: &str = "http://loinc.org";
    pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
    pub const CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    pub const VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
    pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
    pub const OBSERVATION_CATEGORY: &str =
        "http://terminology.hl7.org/CodeSystem/observation-category";
    pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    pub const DISCHARGE: &str = "http://terminology.hl7.org/CodeSystem/discharge-disposition";
    pub const ORG_TYPE: &str = "http://terminology.hl7.org/CodeSystem/organization-type";
}

/// The kinds of record whose ids are an installation's own, each named under its
/// installation's systems: `https://chongdich.vn/fhir/sid/{installation}/{kind}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A person (`persons.id`), on the Patient.
    Person,
    /// A case (`cases.id`), on the Condition.
    Case,
    /// A facility, on its Location and Organization.
    Facility,
    /// A stay (`stays.id`), on its Encounter.
    Stay,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Person => "person",
            RecordKind::Case => "case",
            RecordKind::Facility => "facility",
            RecordKind::Stay => "stay",
        }
    }
}

/// One installation of chongdich, by its stable id (`meta.installation_id`, see
/// `Store::installation_id`). Record ids are an installation's own: Hà Nội's person 42 and
/// HCMC's person 42 are two people, so each installation names its ids under systems of
/// its own, and a Bundle taken in tells ours (read directly) from a partner's (kept as
/// external identifiers in `fhir_identifiers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation(String);

impl Installation {
    /// An installation id: 1 to 64 of `a-z 0-9 -` (a URI path segment as it is).
    pub fn new(id: &str) -> Option<Installation> {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| Installation(id.to_string()))
    }

    pub fn id(&self) -> &str {
        &self.0
    }

    /// The system of this installation's ids of `kind`.
    pub fn system(&self, kind: RecordKind) -> String {
        format!("{}{}/{}", systems::SID, self.0, kind.as_str())
    }

    /// Whether `system` names this installation's ids of `kind`.
    pub fn owns(&self, system: &str, kind: RecordKind) -> bool {
        record_system(system) == Some((self.0.as_str(), kind))
    }
}

/// The installation and kind a system of record ids names (`…/sid/{installation}/{kind}`),
/// or None for any other system (the national ID's, a unit's, another vendor's).
pub fn record_system(system: &str) -> Option<(&str, RecordKind)> {
    let (installation, kind) = system.strip_prefix(systems::SID)?.split_once('/')?;
    Installation::new(installation)?;
    let kind = match kind {
        "person" => RecordKind::Person,
        "case" => RecordKind::Case,
        "facility" => RecordKind::Facility,
        "stay" => RecordKind::Stay,
        _ => return None,
    };
    Some((installation, kind))
}

/// The content type of every answer under `/fhir`.
pub const CONTENT_TYPE: &str = "application/fhir+json";

/// A FHIR id: 1 to 64 of `A-Z a-z 0-9 - .`.
pub fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// A time as a FHIR `instant`/`dateTime`: RFC 3339 in UTC, to the second.
pub fn instant(at_s: i64) -> String {
    chrono::DateTime::from_timestamp(at_s, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
