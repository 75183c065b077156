//! Contact tracing in wire form: a case's F1 and F2 with reasons, tracing a case to record
//! them (both use cases of `app::tracing`), and clusters of cases.

use std::collections::BTreeMap;

use app::tracing::{stored_reason, ShownContact, TracingError};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::contact::ContactReason;
use domain::{CaseId, Reason as FieldReason};
use serde::{Deserialize, Serialize};
use store::Caller;
use trace::Reason;
use utoipa::{IntoParams, ToSchema};

use super::cases::iso;
use super::opt_param;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiQuery, Auth};
use crate::AppState;

#[derive(Serialize, ToSchema, Clone)]
pub struct ReasonDto {
    /// `venue`, `household` or `declared`.
    pub kind: &'static str,
    pub venue_id: Option<i64>,
    /// RFC 3339 UTC: the co-presence at the venue, or the declared contact's time.
    from: Option<String>,
    to: Option<String>,
    pub overlap_min: Option<f64>,
    /// For a declared contact: `household`, `care`, `face_to_face` or `other`.
    pub setting: Option<&'static str>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct ContactDto {
    pub person_id: i64,
    /// 1 (F1) or 2 (F2).
    pub degree: u8,
    /// The case (for F1) or the F1 (for F2) the contact was exposed to; absent when that
    /// F1 lives outside the caller's jurisdiction (it is counted in `referred` instead).
    pub via_person_id: Option<i64>,
    pub reasons: Vec<ReasonDto>,
    /// Total minutes of exposure, the ranking key.
    pub exposure_min: f64,
    first_exposure: String,
    /// Whether the contact lives in the caller's jurisdiction (always, in a case's list:
    /// the others are counted in `referred`).
    in_scope: bool,
}

/// Contacts living outside the caller's jurisdiction, counted by the unit they are referred
/// to for follow-up (their residence): who they are, where and when is that unit's to see.
#[derive(Serialize, ToSchema, Clone)]
pub struct ReferredDto {
    /// `2021` or `2025`.
    pub structure: &'static str,
    /// The unit's code ("" when the contact's residence is unknown).
    pub unit: String,
    /// The unit and its parent, e.g. "Phường Phúc Xá, Quận Ba Đình".
    pub unit_name: String,
    pub f1: usize,
    pub f2: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ContactsResponse {
    case_id: i64,
    /// The legal document whose rule gave the window and the minimum co-presence.
    policy: Option<String>,
    infectious_from: String,
    infectious_to: String,
    /// A bound (rows, frontier, work) cut the answer short.
    truncated: bool,
    /// The contacts living in the caller's jurisdiction, in full.
    pub contacts: Vec<ContactDto>,
    /// The others, as counts per unit they are referred to, most first.
    pub referred: Vec<ReferredDto>,
}

/// A reason in wire form: the shape a recorded contact stores (`domain::contact::ContactReason`).
fn reason_dto(r: &Reason, window_to_s: i64) -> ReasonDto {
    let ContactReason {
        kind,
        venue_id,
        from,
        to,
        overlap_min,
        setting,
        ..
    } = stored_reason(r, window_to_s);
    ReasonDto {
        kind: kind.as_str(),
        venue_id,
        from: from.map(|t| iso(t.timestamp())),
        to: to.map(|t| iso(t.timestamp())),
        overlap_min,
        setting: setting.map(|s| s.as_str()),
    }
}

/// A case id from the path: anything else is a case that does not exist.
fn case_id(id: &str) -> Result<CaseId, ApiError> {
    id.parse::<i64>()
        .map(CaseId)
        .map_err(|_| ApiError::not_found())
}

impl From<TracingError> for ApiError {
    fn from(e: TracingError) -> ApiError {
        match e {
            TracingError::NotFound => ApiError::not_found(),
            TracingError::Store(e) => e.into(),
            TracingError::Worker => ApiError::new(ErrorCode::Internal),
        }
    }
}

fn contact_dto(c: &ShownContact, window_to_s: i64) -> ContactDto {
    ContactDto {
        person_id: c.person_id,
        degree: c.degree,
        via_person_id: c.via_person_id,
        reasons: c
            .reasons
            .iter()
            .map(|r| reason_dto(r, window_to_s))
            .collect(),
        exposure_min: c.exposure_s as f64 / 60.0,
        first_exposure: iso(c.first_exposure_s),
        in_scope: true,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ContactsQuery {
    /// 1 (F1 only, default) or 2 (F1 and F2).
    depth: Option<String>,
}

/// A case's F1 (and F2) under the policy in force, each with its reasons, ranked by exposure.
#[utoipa::path(get, path = "/api/v1/cases/{id}/contacts", params(("id" = i64, Path), ContactsQuery), responses(
    (status = 200, body = ContactsResponse),
    (status = 400, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn contacts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> Result<Json<ContactsResponse>, ApiError> {
    let depth = opt_param("depth", q.depth.as_deref(), |d| match d {
        "1" => Ok(1u8),
        "2" => Ok(2u8),
        _ => Err(FieldReason::UnknownValue),
    })?
    .unwrap_or(1);
    Ok(Json(contacts_for(&state, &auth.0, &id, depth).await?))
}

/// The contacts of case `id` as the API answers them (also for `chongdich trace`).
/// The contacts of case `id` as the API answers them (also for the case page and
/// `chongdich trace`): `app::tracing::case_contacts` in wire form.
pub async fn contacts_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    depth: u8,
) -> Result<ContactsResponse, ApiError> {
    let found = app::tracing::case_contacts(state, caller, case_id(id)?, depth).await?;
    let to = found.window.to_s;
    Ok(ContactsResponse {
        case_id: found.case_id.0,
        policy: found.window.policy,
        infectious_from: iso(found.window.from_s),
        infectious_to: iso(to),
        truncated: found.truncated,
        contacts: found.contacts.iter().map(|c| contact_dto(c, to)).collect(),
        referred: found
            .referred
            .into_iter()
            .map(|r| ReferredDto {
                structure: r.structure.map_or("", |s| s.as_str()),
                unit_name: r.unit_name(),
                unit: r.unit_code,
                f1: r.f1,
                f2: r.f2,
            })
            .collect(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct TraceResponse {
    pub case_id: i64,
    pub policy: Option<String>,
    /// Contacts recorded now; a contact recorded by an earlier trace is not repeated.
    pub new_contacts: u64,
    pub f1: usize,
    pub f2: usize,
    pub truncated: bool,
}

/// Traces a case to depth 2 and records its contacts: status, quarantine dates and test
/// days from the quarantine rule in force on the day of exposure, follow-up by the contact's
/// residence. Idempotent: tracing again adds only contacts not recorded yet.
#[utoipa::path(post, path = "/api/v1/cases/{id}/trace", params(("id" = i64, Path)), responses(
    (status = 200, body = TraceResponse),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn trace_case(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<TraceResponse>), ApiError> {
    Ok((
        StatusCode::OK,
        Json(trace_and_persist(&state, &auth.0, &id).await?),
    ))
}

/// Traces case `id` to depth 2 and records its contacts (for the API and the case page).
/// Traces case `id` to depth 2 and records its contacts (for the API and the case page):
/// `app::tracing::trace_and_record` in wire form.
pub async fn trace_and_persist(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<TraceResponse, ApiError> {
    let r = app::tracing::trace_and_record(state, caller, case_id(id)?).await?;
    Ok(TraceResponse {
        case_id: r.case_id.0,
        policy: r.policy,
        new_contacts: r.new_contacts,
        f1: r.f1,
        f2: r.f2,
        truncated: r.truncated,
    })
}

#[derive(Serialize, ToSchema)]
pub struct ClusterDto {
    /// The cluster's number: kept as it grows. When two come together the one with more
    /// cases keeps its number and the other's answers with `merged_into`.
    pub id: i64,
    /// The command centre's name for it ("Ổ dịch chợ Long Biên"), if given.
    pub name: Option<String>,
    pub place: Option<String>,
    /// YYYY-MM-DD, if declared / closed.
    pub declared_on: Option<String>,
    pub closed_on: Option<String>,
    /// The cluster it split off from, if it did.
    pub split_from: Option<i64>,
    /// Proposed for closing: the days since its newest case's day, when longer than the
    /// policy's `cluster_close_after_days` (a person closes it; nothing is closed alone).
    pub proposed_close_quiet_days: Option<i64>,
    pub size: usize,
    /// Case ids in the caller's jurisdiction (others are counted in `size` only).
    pub cases: Vec<i64>,
    pub venues: Vec<i64>,
    pub first_confirmed: String,
    pub last_confirmed: String,
    /// New cases per local day, "YYYY-MM-DD" → count.
    pub growth: BTreeMap<String, usize>,
}

#[derive(Serialize, ToSchema)]
pub struct EdgeDto {
    pub from_case: i64,
    pub to_case: i64,
    /// Why the rule links them; absent for a link a tracer added (`added`).
    pub reason: Option<ReasonDto>,
    /// A tracer added this link (its reason is in the cluster's history).
    pub added: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ClusterDetailDto {
    #[serde(flatten)]
    pub cluster: ClusterDto,
    /// The transmission graph between cases in the caller's jurisdiction.
    pub edges: Vec<EdgeDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct ClusterQuery {
    /// Clusters with a case confirmed in this many days up to now (1–28, default 28).
    days: Option<String>,
}

/// The clusters (all, or the one with id `one`) as the API and the pages show them
/// (`app::clusters::clusters` in wire form, audited there).
pub async fn clusters_for(
    state: &AppState,
    caller: &Caller,
    days: i64,
    one: Option<i64>,
) -> Result<Vec<ClusterDetailDto>, ApiError> {
    let on = |d: Option<i64>| d.map(|d| app::clusters::day_date(d).to_string());
    Ok(app::clusters::clusters(state, caller, days, one)
        .await?
        .into_iter()
        .map(|c| ClusterDetailDto {
            cluster: ClusterDto {
                id: c.id,
                name: c.record.name.clone(),
                place: c.record.place.clone(),
                declared_on: on(c.record.declared_day),
                closed_on: on(c.record.closed_day),
                split_from: c.record.split_from,
                proposed_close_quiet_days: c.proposal.map(|p| p.quiet_days),
                size: c.size,
                cases: c.cases,
                venues: c.venues,
                first_confirmed: iso(c.first_confirmed_s),
                last_confirmed: iso(c.last_confirmed_s),
                growth: c
                    .growth
                    .into_iter()
                    .map(|(d, n)| (d.to_string(), n))
                    .collect(),
            },
            edges: c
                .edges
                .iter()
                .map(|(from_case, to_case, how)| EdgeDto {
                    from_case: *from_case,
                    to_case: *to_case,
                    reason: match how {
                        app::clusters::LinkOrigin::Rule(r) => Some(reason_dto(r, 0)),
                        app::clusters::LinkOrigin::Added => None,
                    },
                    added: matches!(how, app::clusters::LinkOrigin::Added),
                })
                .collect(),
        })
        .collect())
}

fn days_param(q: &ClusterQuery) -> Result<i64, ApiError> {
    Ok(
        opt_param("days", q.days.as_deref(), |d| match d.parse::<i64>() {
            Ok(n) if (1..=app::clusters::WINDOW_DAYS).contains(&n) => Ok(n),
            Ok(_) => Err(FieldReason::OutOfRange),
            Err(_) => Err(FieldReason::InvalidFormat),
        })?
        .unwrap_or(28),
    )
}

#[derive(Serialize, ToSchema)]
pub struct ClusterList {
    items: Vec<ClusterDto>,
    /// Clusters are computed whole; there is no further page.
    next_cursor: Option<String>,
}

/// Clusters with at least one case in the caller's jurisdiction, largest first.
#[utoipa::path(get, path = "/api/v1/clusters", params(ClusterQuery), responses(
    (status = 200, body = ClusterList)
), security(("bearer" = [])))]
pub async fn list_clusters(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ClusterQuery>,
) -> Result<Json<ClusterList>, ApiError> {
    let days = days_param(&q)?;
    let all = clusters_for(&state, &auth.0, days, None).await?;
    Ok(Json(ClusterList {
        items: all.into_iter().map(|c| c.cluster).collect(),
        next_cursor: None,
    }))
}

/// One cluster: members, venues, growth and its transmission graph. An old number that was
/// merged into another answers 301 with the number it became in `Location`.
#[utoipa::path(get, path = "/api/v1/clusters/{id}", params(("id" = i64, Path), ClusterQuery), responses(
    (status = 200, body = ClusterDetailDto),
    (status = 301, description = "merged: `Location` names the cluster it became"),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_cluster(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ClusterQuery>,
) -> Result<Response, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let days = days_param(&q)?;
    if let Some(c) = clusters_for(&state, &auth.0, days, Some(id))
        .await?
        .into_iter()
        .next()
    {
        return Ok(Json(c).into_response());
    }
    // An old number still answers: where it went (the cluster itself is then scoped as
    // any other when followed).
    match app::clusters::merged_into(&state, id).await? {
        Some((to, _)) => Ok((
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("/api/v1/clusters/{to}"))],
        )
            .into_response()),
        None => Err(ApiError::not_found()),
    }
}
