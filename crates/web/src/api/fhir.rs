//! FHIR R4 under `/fhir` (issue #16): reads of a person, their tests and doses, a case with
//! everything around it, and Bundles taken in. The resources are `fhir`'s; the records come
//! from the store, scoped and audited exactly as the JSON API's person reads (outside the
//! caller's jurisdiction a person is 404). Errors leave as OperationOutcome
//! (`error::render_errors` knows the `/fhir` prefix).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{CaseId, PersonId, Reason};
use fhir::model::{Bundle, Resource};
use fhir::out;
use fhir::systems as sys;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use crate::AppState;
use app::clock::WallClock;
pub use app::fhir_out::unit_names;
use app::fhir_out::Organizations;

/// A FHIR answer: JSON with FHIR's own content type.
pub struct Fhir<T>(pub StatusCode, pub T);

impl<T: Serialize> IntoResponse for Fhir<T> {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.1).unwrap_or_default();
        let mut resp = (self.0, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(fhir::CONTENT_TYPE),
        );
        resp
    }
}

/// A Bundle as an answer (through `Resource`, which writes its `resourceType`).
fn bundle(b: Bundle) -> Fhir<Resource> {
    Fhir(StatusCode::OK, Resource::Bundle(Box::new(b)))
}

/// The base of `fullUrl`s: the public origin, else the request's host.
fn base(state: &AppState, headers: &HeaderMap) -> String {
    let origin = state.public_origin.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            })
            .unwrap_or("localhost");
        format!("http://{host}")
    });
    format!("{}/fhir", origin.trim_end_matches('/'))
}

/// `GET /fhir/metadata`: what this server supports.
pub async fn metadata() -> Fhir<serde_json::Value> {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    Fhir(
        StatusCode::OK,
        fhir::capability::statement(env!("CARGO_PKG_VERSION"), &today),
    )
}

/// Our id in a path or a reference: digits only, else the resource is not ours (404).
fn our_id(s: &str) -> Result<i64, ApiError> {
    if !fhir::valid_id(s) {
        return Err(ApiError::not_found());
    }
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(ApiError::not_found)
}

async fn patient_of(
    state: &AppState,
    auth: &Auth,
    id: PersonId,
) -> Result<Option<fhir::model::Patient>, ApiError> {
    let Some(r) = state
        .store
        .person_record(&auth.0, id, WallClock::now_s())
        .await?
    else {
        return Ok(None);
    };
    let unit = unit_names(r.person.structure, r.person.unit_code.as_str());
    let at = state.installation().await?;
    Ok(Some(out::patient(
        &at,
        &r.person,
        r.address.as_deref(),
        &unit,
    )))
}

/// `GET /fhir/Patient/{id}`.
pub async fn read_patient(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Fhir<Resource>, ApiError> {
    let id = our_id(&id)?;
    let patient = patient_of(&state, &auth, PersonId(id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Fhir(StatusCode::OK, Resource::Patient(patient)))
}

#[derive(Deserialize)]
pub struct PatientSearch {
    identifier: Option<String>,
}

/// `GET /fhir/Patient?identifier=system|value`: by our person id (under this
/// installation's system) or a national ID.
pub async fn search_patient(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
    ApiQuery(q): ApiQuery<PatientSearch>,
) -> Result<Fhir<Resource>, ApiError> {
    let bad = || ApiError::field("identifier", Reason::InvalidFormat);
    let token = q
        .identifier
        .as_deref()
        .ok_or_else(|| ApiError::field("identifier", Reason::Required))?;
    if token.len() > 300 {
        return Err(bad());
    }
    let (system, value) = token.split_once('|').ok_or_else(bad)?;
    let mut found = Vec::new();
    let at = state.installation().await?;
    match system {
        _ if at.owns(system, fhir::RecordKind::Person) => {
            let id = value
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(bad)?;
            found.extend(patient_of(&state, &auth, PersonId(id)).await?);
        }
        sys::NATIONAL_ID => {
            let n = domain::person::NationalId::parse(value).map_err(|_| bad())?;
            let query = store::PersonQuery::Number {
                national_id: Some(n.clone()),
                phone: None,
            };
            let page = store::PageRequest {
                limit: 10,
                after: None,
            };
            let hits = state
                .store
                .search_persons(&auth.0, &query, &page, WallClock::now_s())
                .await?;
            for f in hits.items {
                if f.person.national_id.as_ref() == Some(&n) {
                    found.extend(patient_of(&state, &auth, f.person.id).await?);
                }
            }
        }
        _ => return Err(bad()),
    }
    Ok(bundle(out::searchset(
        &base(&state, &headers),
        found.into_iter().map(Resource::Patient).collect(),
    )))
}

/// `Patient/{id}` in a search parameter; a bare id is taken too.
fn patient_param(field: &str, value: Option<&str>) -> Result<PersonId, ApiError> {
    let v = value.ok_or_else(|| ApiError::field(field, Reason::Required))?;
    let id = v.strip_prefix("Patient/").unwrap_or(v);
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0 && fhir::valid_id(id))
        .map(PersonId)
        .ok_or_else(|| ApiError::field(field, Reason::InvalidFormat))
}

/// Everything of a person the caller may see, as resources: the Patient, the Conditions
/// with their tests, the exposures (F1 links), the doses, the stays with their facilities.
/// None when the person is not in the caller's scope. Every read is audited by the store.
pub async fn everything_of(
    state: &AppState,
    caller: &store::Caller,
    id: PersonId,
) -> Result<Option<Vec<Resource>>, ApiError> {
    let now = WallClock::now_s();
    let Some(r) = state.store.person_record(caller, id, now).await? else {
        return Ok(None);
    };
    let unit = unit_names(r.person.structure, r.person.unit_code.as_str());
    let at = state.installation().await?;
    let mut res = vec![Resource::Patient(out::patient(
        &at,
        &r.person,
        r.address.as_deref(),
        &unit,
    ))];
    let mut orgs = Organizations::new();
    orgs.insert(out::unit_id(&unit), out::unit_organization(&unit));
    let (conditions, tests) = cases_of(state, &at, caller, &r.cases, now).await?;
    res.extend(conditions);
    res.extend(tests);
    res.extend(
        r.contacts
            .iter()
            .map(|c| Resource::Observation(out::contact_link(id, c))),
    );
    res.extend(
        state
            .care_resources(
                caller,
                &at,
                id,
                r.person.structure,
                &r.stays,
                None,
                &mut orgs,
                now,
            )
            .await?,
    );
    res.extend(orgs.into_values().map(Resource::Organization));
    Ok(Some(res))
}

/// The Conditions of a person's cases and the Observations of their tests.
async fn cases_of(
    state: &AppState,
    at: &fhir::Installation,
    caller: &store::Caller,
    cases: &[store::CaseEpisode],
    now: i64,
) -> Result<(Vec<Resource>, Vec<Resource>), ApiError> {
    let (mut conditions, mut tests) = (Vec::new(), Vec::new());
    for c in cases {
        let Some(d) = state.store.get_case(caller, CaseId(c.id), now).await? else {
            continue;
        };
        conditions.push(Resource::Condition(out::condition(at, &d.case)));
        tests.extend(
            d.tests
                .iter()
                .enumerate()
                .map(|(n, t)| Resource::Observation(out::observation(&d.case, n + 1, t))),
        );
    }
    Ok((conditions, tests))
}

#[derive(Deserialize)]
pub struct ObservationSearch {
    subject: Option<String>,
}

/// `GET /fhir/Observation?subject=Patient/{id}`: the person's SARS-CoV-2 tests and
/// exposures.
pub async fn search_observation(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
    ApiQuery(q): ApiQuery<ObservationSearch>,
) -> Result<Fhir<Resource>, ApiError> {
    let id = patient_param("subject", q.subject.as_deref())?;
    let now = WallClock::now_s();
    let mut found = Vec::new();
    if let Some(r) = state.store.person_record(&auth.0, id, now).await? {
        found.extend(
            cases_of(&state, &state.installation().await?, &auth.0, &r.cases, now)
                .await?
                .1,
        );
        found.extend(
            r.contacts
                .iter()
                .map(|c| Resource::Observation(out::contact_link(id, c))),
        );
    }
    Ok(bundle(out::searchset(&base(&state, &headers), found)))
}

#[derive(Deserialize)]
pub struct ImmunizationSearch {
    patient: Option<String>,
}

/// `GET /fhir/Immunization?patient=Patient/{id}`.
pub async fn search_immunization(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
    ApiQuery(q): ApiQuery<ImmunizationSearch>,
) -> Result<Fhir<Resource>, ApiError> {
    let id = patient_param("patient", q.patient.as_deref())?;
    let now = WallClock::now_s();
    let mut found = Vec::new();
    if let Some(p) = state.store.get_person(&auth.0, id, now).await? {
        for d in state
            .store
            .person_doses(&auth.0, id, now)
            .await?
            .unwrap_or_default()
        {
            let place = unit_names(p.structure, d.place.as_str());
            found.push(Resource::Immunization(out::immunization(id, &d, &place)));
        }
    }
    Ok(bundle(out::searchset(&base(&state, &headers), found)))
}

/// `GET /fhir/Patient/{id}/$everything`: a collection Bundle of the person with their
/// cases, tests, exposures, doses and stays, and the facilities and units they name.
pub async fn everything(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Fhir<Resource>, ApiError> {
    let id = our_id(&id)?;
    let res = everything_of(&state, &auth.0, PersonId(id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(bundle(out::collection(
        &base(&state, &headers),
        WallClock::now_s(),
        res,
    )))
}

/// Most bytes a Bundle taken in may have (a thousand entries of ours take about 1 MiB).
pub const FHIR_BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// `POST /fhir`: a transaction or collection Bundle of Patients, Conditions, test and
/// exposure Observations, Immunizations, Encounters, Locations and Organizations, created
/// through the forms' use cases and matched on identifiers (posting it twice changes
/// nothing). Answers a transaction-response Bundle naming our persons and cases, in the
/// order they were taken, and an OperationOutcome naming the entries not taken in.
pub async fn take(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Auth,
    body: axum::body::Bytes,
) -> Result<Fhir<Resource>, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let ct = ct.split(';').next().unwrap_or("").trim();
            ct == fhir::CONTENT_TYPE || ct == "application/json"
        });
    if !json {
        return Err(ApiError::new(crate::error::ErrorCode::UnsupportedMediaType));
    }
    // The Bundle is read as itself, not through `Resource`: serde cannot read an
    // internally tagged enum (its entries' resources) inside another from its buffer.
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::new(crate::error::ErrorCode::InvalidJson))?;
    if value.get("resourceType").and_then(|t| t.as_str()) != Some("Bundle") {
        return Err(ApiError::field("resourceType", Reason::InvalidFormat));
    }
    let taken_in: Bundle = serde_json::from_value(value)
        .map_err(|_| ApiError::new(crate::error::ErrorCode::InvalidJson))?;
    let taken = state
        .take_bundle(&auth.0, &taken_in)
        .await
        .map_err(|e| match e {
            app::fhir_in::TakeError::Invalid(fields) => ApiError::invalid(fields),
            app::fhir_in::TakeError::Store(e) => e.into(),
        })?;
    let entry = taken
        .persons
        .iter()
        .map(|p| ("Patient", *p))
        .chain(taken.cases.iter().map(|c| ("Condition", *c)))
        .map(|(kind, (id, created))| fhir::model::BundleEntry {
            full_url: None,
            resource: None,
            search: None,
            request: None,
            response: Some(fhir::model::BundleResponse {
                status: if created { "201 Created" } else { "200 OK" }.into(),
                location: Some(format!("{kind}/{id}")),
            }),
        })
        .chain(ignored_outcome(&taken.ignored))
        .collect();
    Ok(bundle(Bundle {
        kind: if taken_in.kind == "transaction" {
            "transaction-response"
        } else {
            "batch-response"
        }
        .into(),
        entry,
        ..Bundle::default()
    }))
}

/// The entries not taken in, named in an OperationOutcome of information (one issue each:
/// the entry and its type), as the response's last entry; none when all were taken.
fn ignored_outcome(ignored: &[(usize, String)]) -> Option<fhir::model::BundleEntry> {
    if ignored.is_empty() {
        return None;
    }
    let issue = ignored
        .iter()
        .map(|(i, kind)| fhir::model::Issue {
            severity: "information".into(),
            code: "informational".into(),
            diagnostics: Some(format!("{kind}: not taken in")),
            expression: vec![format!("Bundle.entry[{i}]")],
        })
        .collect();
    Some(fhir::model::BundleEntry {
        full_url: None,
        resource: Some(Resource::OperationOutcome(fhir::model::OperationOutcome {
            issue,
        })),
        search: None,
        request: None,
        response: Some(fhir::model::BundleResponse {
            status: "200 OK".into(),
            location: None,
        }),
    })
}
