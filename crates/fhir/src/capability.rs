//! The CapabilityStatement of `GET /fhir/metadata`: what this server reads and takes in.

use serde_json::{json, Value};

/// What we serve, for a server of this software at `at` (the statement's date).
pub fn statement(software_version: &str, date: &str) -> Value {
    let read = |kind: &str, search: Value| {
        json!({
            "type": kind,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": search,
        })
    };
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "chongdich", "version": software_version},
        "implementation": {"description": "chongdich: epidemic response command platform"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Reads answer within the caller's jurisdiction (outside it: 404) and are audited. POST /fhir takes a transaction or collection Bundle of Patient, Condition, Observation (SARS-CoV-2 tests and exposures of F1 contacts), Immunization, Encounter (stays, with the right to manage beds), Location and Organization (facilities), idempotent on identifiers, all or nothing (one transaction; a refused entry is named and nothing is kept); other resource types are named as not taken in. Record ids are named under https://chongdich.vn/fhir/sid/{installation}/{person|case|facility|stay}, this installation's own systems (a partner's ids are kept as its); the national ID under https://chongdich.vn/fhir/sid/cccd.",
            "security": {"description": "Bearer token of POST /api/v1/auth/login."},
            "resource": [
                read("Patient", json!([{"name": "identifier", "type": "token"}])),
                {
                    "type": "Observation",
                    "interaction": [{"code": "search-type"}],
                    "searchParam": [{"name": "subject", "type": "reference"}],
                },
                {
                    "type": "Immunization",
                    "interaction": [{"code": "search-type"}],
                    "searchParam": [{"name": "patient", "type": "reference"}],
                },
                {"type": "Condition"},
                {"type": "Encounter"},
                {"type": "Location"},
                {"type": "Organization"},
            ],
            "operation": [{
                "name": "everything",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            }],
            "interaction": [{"code": "transaction"}],
        }],
    })
}
