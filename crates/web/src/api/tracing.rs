//! Contact tracing over the in-memory index: a case's F1 and F2 with reasons, persisting
//! them with quarantine due dates, and clusters of cases.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::policy::{Policies, QuarantinePlace};
use domain::{CaseId, Reason as FieldReason};
use serde::{Deserialize, Serialize};
use store::{Caller, Case, ContactRow, Store};
use trace::{CaseQuery, Isolation, Reason, Traced, Tracer};
use utoipa::{IntoParams, ToSchema};

use super::cases::{infectious_window, iso, window};
use super::opt_param;
use crate::contact_index::{id_of, idx, ContactIndex, SETTINGS};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiQuery, Auth};
use crate::local_time::local_date;
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

fn reason_dto(r: &Reason, window_to_s: i64) -> ReasonDto {
    match *r {
        Reason::Venue {
            venue,
            from_s,
            to_s,
            overlap_s,
        } => ReasonDto {
            kind: "venue",
            venue_id: Some(id_of(venue)),
            from: Some(iso(from_s)),
            to: Some(iso(to_s)),
            overlap_min: Some(overlap_s as f64 / 60.0),
            setting: None,
        },
        Reason::Household => ReasonDto {
            kind: "household",
            venue_id: None,
            from: None,
            to: Some(iso(window_to_s)),
            overlap_min: None,
            setting: None,
        },
        Reason::Declared { t_s, setting } => ReasonDto {
            kind: "declared",
            venue_id: None,
            from: Some(iso(t_s)),
            to: None,
            overlap_min: None,
            setting: SETTINGS.get(usize::from(setting)).copied(),
        },
    }
}

/// The last moment of exposure a contact's reasons show (quarantine counts from it).
fn last_exposure_s(reasons: &[Reason], window_to_s: i64) -> i64 {
    reasons
        .iter()
        .map(|r| match *r {
            Reason::Venue { to_s, .. } => to_s,
            Reason::Household => window_to_s,
            Reason::Declared { t_s, .. } => t_s,
        })
        .max()
        .unwrap_or(window_to_s)
}

/// Traces one case on the current index. Known isolation times of other cases bound the F2
/// windows of F1s that were themselves cases.
async fn run_trace(
    store: &Store,
    index: &ContactIndex,
    policies: &Policies,
    case: &Case,
    depth: u8,
) -> Result<(Traced, i64, i64, Option<String>), ApiError> {
    let (from, to, policy) = infectious_window(policies, case);
    let Some(person) = idx(case.person_id.0) else {
        return Err(ApiError::not_found());
    };
    let rule = policies
        .tracing_on(local_date(case.onset_s.unwrap_or(case.first_sample_s)))
        .or_else(|_| policies.tracing_on(local_date(case.confirmed_at_s)));
    let Ok(rule) = rule else {
        // No tracing rule covers this case's dates: nothing to trace by.
        return Ok((Traced::default(), from, to, None));
    };
    let isolation = Isolation::new(
        store
            .cases_since(from - 30 * 86_400)
            .await?
            .iter()
            .filter_map(|c| Some((idx(c.person_id)?, c.isolation_s.unwrap_or(c.confirmed_at_s))))
            .collect(),
    );
    let (snapshot, links) = index.snapshot();
    let rules = links.rules(rule);
    let q = CaseQuery {
        person,
        infectious_from_s: from,
        infectious_to_s: to,
        depth,
    };
    // Tracing is CPU work: keep it off the async workers.
    let traced = tokio::task::spawn_blocking(move || {
        Tracer::new(&snapshot, &rules, &links.households, &links.declared)
            .with_isolation(&isolation)
            .trace(&q)
    })
    .await
    .map_err(|_| ApiError::new(ErrorCode::Internal))?;
    Ok((traced, from, to, policy))
}

async fn case_in_scope(state: &AppState, caller: &Caller, id: &str) -> Result<Case, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    Ok(state
        .store
        .get_case(caller, CaseId(id), state.now_s())
        .await?
        .ok_or_else(ApiError::not_found)?
        .case)
}

fn contact_dtos(
    state_scope: &domain::Scope,
    traced: &Traced,
    to_s: i64,
    homes: &HashMap<i64, store::Residence>,
) -> Vec<ContactDto> {
    traced
        .contacts
        .iter()
        .map(|c| {
            let person_id = id_of(c.person);
            ContactDto {
                person_id,
                degree: c.degree,
                via_person_id: Some(id_of(c.via)),
                reasons: c.reasons.iter().map(|r| reason_dto(r, to_s)).collect(),
                exposure_min: c.exposure_s as f64 / 60.0,
                first_exposure: iso(c.first_exposure_s),
                in_scope: homes
                    .get(&person_id)
                    .is_some_and(|h| state_scope.contains(h.structure, &h.unit_path)),
            }
        })
        .collect()
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
pub async fn contacts_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    depth: u8,
) -> Result<ContactsResponse, ApiError> {
    let case = case_in_scope(state, caller, id).await?;
    let (traced, from, to, policy) =
        run_trace(&state.store, &state.contacts, &state.policies, &case, depth).await?;
    let ids: Vec<i64> = traced.contacts.iter().map(|c| id_of(c.person)).collect();
    let homes = state.store.residences(&ids).await?;
    let (contacts, referred) = split_by_scope(
        &caller.scope,
        contact_dtos(&caller.scope, &traced, to, &homes),
        &homes,
    );
    // The list leaves with its audit row: the persons shown, placed where they and the
    // case live (issue #12, item 11). API, page and CLI all come through here.
    let mut list = store::AuditList::new(
        caller,
        "case_contacts",
        case.id.to_string(),
        "person",
        contacts.iter().map(|c| c.person_id).collect(),
        store::Place::enclosing(
            std::iter::once((case.structure, &case.unit_path)).chain(
                contacts
                    .iter()
                    .filter_map(|c| homes.get(&c.person_id))
                    .map(|h| (h.structure, &h.unit_path)),
            ),
        ),
    );
    list.detail = Some(format!(
        "F1/F2 to depth {depth}; {} referred elsewhere",
        referred.iter().map(|r| r.f1 + r.f2).sum::<usize>()
    ));
    state.store.audit_list(list, state.now_s()).await?;
    Ok(ContactsResponse {
        case_id: case.id.0,
        policy,
        infectious_from: iso(from),
        infectious_to: iso(to),
        truncated: traced.truncated,
        contacts,
        referred,
    })
}

/// Keeps the contacts living in `scope` in full and counts the others by their unit. An
/// F2 in scope reached through an F1 outside it keeps its reasons but not that F1's id.
fn split_by_scope(
    scope: &domain::Scope,
    all: Vec<ContactDto>,
    homes: &HashMap<i64, store::Residence>,
) -> (Vec<ContactDto>, Vec<ReferredDto>) {
    let in_scope = |id: i64| {
        homes
            .get(&id)
            .is_some_and(|h| scope.contains(h.structure, &h.unit_path))
    };
    let mut counts: BTreeMap<(&'static str, String), (usize, usize)> = BTreeMap::new();
    let mut shown = Vec::new();
    for mut c in all {
        if c.in_scope {
            if c.degree == 2 && !c.via_person_id.is_some_and(in_scope) {
                c.via_person_id = None;
            }
            shown.push(c);
            continue;
        }
        let key = homes.get(&c.person_id).map_or(("", String::new()), |h| {
            (h.structure.as_str(), h.unit_code.clone())
        });
        let n = counts.entry(key).or_default();
        if c.degree == 1 {
            n.0 += 1;
        } else {
            n.1 += 1;
        }
    }
    let mut referred: Vec<ReferredDto> = counts
        .into_iter()
        .map(|((structure, unit), (f1, f2))| ReferredDto {
            structure,
            unit_name: unit_and_parent(structure, &unit),
            unit,
            f1,
            f2,
        })
        .collect();
    referred.sort_by_key(|r| std::cmp::Reverse(r.f1 + r.f2));
    (shown, referred)
}

/// "Phường Phúc Xá, Quận Ba Đình": a unit and its parent, by name (the code if unknown).
fn unit_and_parent(structure: &str, code: &str) -> String {
    let Ok(structure) = structure.parse::<domain::Structure>() else {
        return code.to_string();
    };
    let registry = crate::registry::Registry::of(structure);
    match registry
        .get(code)
        .and_then(|u| u.parent_code.as_ref())
        .and_then(|p| registry.get(p.as_str()))
        .filter(|p| p.level != domain::UnitLevel::Province)
    {
        Some(parent) => format!("{}, {}", registry.name(code), parent.full_name()),
        None => registry.name(code),
    }
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
pub async fn trace_and_persist(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<TraceResponse, ApiError> {
    let case = case_in_scope(state, caller, id).await?;
    let (traced, _from, to, policy) =
        run_trace(&state.store, &state.contacts, &state.policies, &case, 2).await?;
    let ids: Vec<i64> = traced.contacts.iter().map(|c| id_of(c.person)).collect();
    let homes = state.store.residences(&ids).await?;
    let doses = state
        .store
        .doses_before(&ids, local_date(state.now_s()))
        .await?;
    let dtos = contact_dtos(&caller.scope, &traced, to, &homes);
    // An F1's quarantine end, for its F2s to be monitored as long.
    let mut f1_until: HashMap<i64, Option<i64>> = HashMap::new();
    let mut rows = Vec::with_capacity(traced.contacts.len());
    for (c, dto) in traced.contacts.iter().zip(&dtos) {
        let person_id = id_of(c.person);
        let last = last_exposure_s(&c.reasons, to);
        let rule = state.policies.quarantine_on(local_date(last)).ok();
        let vaccinated = doses.get(&person_id).copied().unwrap_or(0) >= 2;
        let (status, from_s, until_s, test_days, doc) = match (c.degree, rule) {
            (1, Some(r)) if r.f1_place.value != QuarantinePlace::None => {
                let days = if vaccinated {
                    r.f1_days_vaccinated.value
                } else {
                    r.f1_days_unvaccinated.value
                };
                let days_list: Vec<String> =
                    r.f1_test_days.value.iter().map(|d| d.to_string()).collect();
                (
                    "quarantine",
                    Some(last),
                    Some(last + days * 86_400),
                    days_list.join(","),
                    r.document.clone(),
                )
            }
            (2, _) => {
                let until = f1_until.get(&id_of(c.via)).copied().flatten();
                (
                    "monitor",
                    Some(c.first_exposure_s),
                    until,
                    String::new(),
                    rule.map(|r| r.document.clone()).unwrap_or_default(),
                )
            }
            (_, r) => (
                "monitor",
                None,
                None,
                String::new(),
                r.map(|r| r.document.clone()).unwrap_or_default(),
            ),
        };
        if c.degree == 1 {
            f1_until.insert(person_id, until_s);
        }
        rows.push(ContactRow {
            person_id,
            degree: i64::from(c.degree),
            via_person_id: id_of(c.via),
            first_exposure_s: c.first_exposure_s,
            exposure_s: c.exposure_s,
            reasons_json: serde_json::to_string(&dto.reasons).unwrap_or_else(|_| "[]".into()),
            status: status.to_string(),
            quarantine_from_s: from_s,
            quarantine_until_s: until_s,
            test_days,
            policy: doc,
        });
    }
    let new = state
        .store
        .persist_contacts(caller, case.id, &rows, &homes, state.now_s())
        .await?;
    Ok(TraceResponse {
        case_id: case.id.0,
        policy,
        new_contacts: new,
        f1: traced.degree(1).count(),
        f2: traced.degree(2).count(),
        truncated: traced.truncated,
    })
}

#[derive(Serialize, ToSchema)]
pub struct ClusterDto {
    /// The smallest case id of the cluster: stable while the cluster only grows.
    pub id: i64,
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
    pub reason: ReasonDto,
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
    /// Cases confirmed in this many days up to now (1–90, default 28).
    days: Option<String>,
    /// Two cases infectious at one venue at most this many hours apart are one cluster
    /// (0–72; default 0: only when their visits there overlapped). Contacts always link.
    venue_gap_h: Option<String>,
}

/// The clusters (all, or the one with id `one`) as the API and the pages show them, with
/// their audit row: the cases shown, placed where they lie (issue #12, item 11).
pub async fn clusters_for(
    state: &AppState,
    caller: &Caller,
    days: i64,
    venue_gap_s: i64,
    one: Option<i64>,
) -> Result<Vec<ClusterDetailDto>, ApiError> {
    let (mut found, places) = clusters_placed(state, caller, days, venue_gap_s).await?;
    if let Some(id) = one {
        found.retain(|c| c.cluster.id == id);
    }
    let cases: Vec<i64> = found
        .iter()
        .flat_map(|c| c.cluster.cases.iter().copied())
        .collect();
    let place = store::Place::enclosing(
        cases
            .iter()
            .filter_map(|id| places.get(id))
            .map(|(s, p)| (*s, p)),
    );
    let subject = one.map_or_else(String::new, |id| id.to_string());
    let list = store::AuditList::new(caller, "clusters", subject, "case", cases, place);
    state.store.audit_list(list, state.now_s()).await?;
    Ok(found)
}

type CasePlaces = HashMap<i64, (domain::Structure, domain::UnitPath)>;

/// Cases confirmed in the last `days` days and the clusters they form (memoised per index
/// snapshot and case set).
async fn recent_clusters(
    state: &AppState,
    days: i64,
    venue_gap_s: i64,
) -> Result<(store::RecentCases, std::sync::Arc<Vec<trace::Cluster>>), ApiError> {
    let now = state.now_s();
    let recent = state.store.cases_since(now - days * 86_400).await?;
    let (snapshot, links) = state.contacts.snapshot();
    let policies = state.policies.clone();
    let mut queries = Vec::new();
    for c in recent.iter() {
        let Some(p) = idx(c.person_id) else { continue };
        let (from, to, _) = window(
            &policies,
            c.onset_s,
            c.first_sample_s,
            c.confirmed_at_s,
            c.isolation_s,
        );
        queries.push(CaseQuery {
            person: p,
            infectious_from_s: from,
            infectious_to_s: to,
            depth: 1,
        });
    }
    // One rule for the batch: the one in force now (rules change rarely within 90 days).
    let Ok(rule) = policies.tracing_on(local_date(now)).cloned() else {
        return Ok((recent, std::sync::Arc::new(Vec::new())));
    };
    let clusters = cluster_memo::get_or_compute(snapshot, links, &rule, queries, venue_gap_s)
        .await
        .map_err(|_| ApiError::new(ErrorCode::Internal))?;
    Ok((recent, clusters))
}

/// How many clusters of the last `days` days with a case in the caller's scope began at or
/// after `since_s`: the dashboard's figure, without building each cluster's cases, growth
/// and graph.
pub async fn new_cluster_count(
    state: &AppState,
    caller: &Caller,
    days: i64,
    since_s: i64,
) -> Result<i64, ApiError> {
    let (recent, clusters) = recent_clusters(state, days, 0).await?;
    let case_of_person: HashMap<u32, &store::CaseTimes> = recent
        .iter()
        .filter_map(|c| Some((idx(c.person_id)?, c)))
        .collect();
    Ok(clusters
        .iter()
        .filter(|cl| {
            let members = || cl.members.iter().filter_map(|p| case_of_person.get(p));
            members().map(|c| c.confirmed_at_s).min() >= Some(since_s)
                && members().any(|c| caller.scope.contains(c.structure, &c.unit_path))
        })
        .count() as i64)
}

async fn clusters_placed(
    state: &AppState,
    caller: &Caller,
    days: i64,
    venue_gap_s: i64,
) -> Result<(Vec<ClusterDetailDto>, CasePlaces), ApiError> {
    let (recent, clusters) = recent_clusters(state, days, venue_gap_s).await?;
    let case_of_person: HashMap<u32, &store::CaseTimes> = recent
        .iter()
        .filter_map(|c| Some((idx(c.person_id)?, c)))
        .collect();
    let mut out = Vec::new();
    let mut places = CasePlaces::new();
    for cl in clusters.iter() {
        let members: Vec<&store::CaseTimes> = cl
            .members
            .iter()
            .filter_map(|p| case_of_person.get(p).copied())
            .collect();
        let Some(first) = members.iter().map(|c| c.confirmed_at_s).min() else {
            continue;
        };
        let last = members
            .iter()
            .map(|c| c.confirmed_at_s)
            .max()
            .unwrap_or(first);
        let visible: Vec<&store::CaseTimes> = members
            .iter()
            .copied()
            .filter(|c| caller.scope.contains(c.structure, &c.unit_path))
            .collect();
        if visible.is_empty() {
            continue;
        }
        let mut growth = BTreeMap::new();
        for c in &members {
            *growth
                .entry(local_date(c.confirmed_at_s).to_string())
                .or_insert(0) += 1;
        }
        let visible_person: HashMap<u32, i64> = cl
            .members
            .iter()
            .filter_map(|p| {
                case_of_person
                    .get(p)
                    .filter(|c| caller.scope.contains(c.structure, &c.unit_path))
                    .map(|c| (*p, c.id.0))
            })
            .collect();
        let edges = cl
            .edges
            .iter()
            .filter_map(|(a, b, r)| {
                Some(EdgeDto {
                    from_case: *visible_person.get(a)?,
                    to_case: *visible_person.get(b)?,
                    reason: reason_dto(r, 0),
                })
            })
            .collect();
        for c in &visible {
            places.insert(c.id.0, (c.structure, c.unit_path.clone()));
        }
        let mut cases: Vec<i64> = visible.iter().map(|c| c.id.0).collect();
        cases.sort_unstable();
        out.push(ClusterDetailDto {
            cluster: ClusterDto {
                id: members.iter().map(|c| c.id.0).min().unwrap_or(0),
                size: members.len(),
                cases,
                venues: cl.venues.iter().map(|v| id_of(*v)).collect(),
                first_confirmed: iso(first),
                last_confirmed: iso(last),
                growth,
            },
            edges,
        });
    }
    // Largest first: where the response should look first.
    out.sort_by(|a, b| {
        b.cluster
            .size
            .cmp(&a.cluster.size)
            .then(a.cluster.id.cmp(&b.cluster.id))
    });
    Ok((out, places))
}

/// The clusters of the last computation, kept while the index snapshot, the cases and their
/// windows are the same: pages and the dashboard then read clusters without re-tracing every
/// recent case (which costs about 0.1 s at demo scale).
mod cluster_memo {
    use std::hash::{Hash, Hasher};
    use std::sync::{Arc, Mutex};

    use domain::policy::TracingRule;
    use trace::{CaseQuery, Cluster, Index};

    use crate::contact_index::Links;

    struct Memo {
        index: Arc<Index>,
        links: Arc<Links>,
        key: u64,
        clusters: Arc<Vec<Cluster>>,
    }

    static MEMO: Mutex<Option<Memo>> = Mutex::new(None);

    fn key(rule: &TracingRule, queries: &[CaseQuery], gap_s: i64) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        rule.document.hash(&mut h);
        gap_s.hash(&mut h);
        for q in queries {
            (q.person, q.infectious_from_s, q.infectious_to_s).hash(&mut h);
        }
        h.finish()
    }

    pub async fn get_or_compute(
        index: Arc<Index>,
        links: Arc<Links>,
        rule: &TracingRule,
        queries: Vec<CaseQuery>,
        gap_s: i64,
    ) -> Result<Arc<Vec<Cluster>>, tokio::task::JoinError> {
        let key = key(rule, &queries, gap_s);
        if let Ok(memo) = MEMO.lock() {
            if let Some(m) = memo.as_ref().filter(|m| {
                m.key == key && Arc::ptr_eq(&m.index, &index) && Arc::ptr_eq(&m.links, &links)
            }) {
                return Ok(m.clusters.clone());
            }
        }
        let rule = rule.clone();
        let (i, l) = (index.clone(), links.clone());
        let clusters = tokio::task::spawn_blocking(move || {
            let rules = l.rules(&rule);
            let traced = trace::trace_batch(&i, &rules, &l.households, &l.declared, &queries);
            trace::clusters_with(&queries, &traced, gap_s)
        })
        .await?;
        let clusters = Arc::new(clusters);
        if let Ok(mut memo) = MEMO.lock() {
            *memo = Some(Memo {
                index,
                links,
                key,
                clusters: clusters.clone(),
            });
        }
        Ok(clusters)
    }
}

fn gap_param(q: &ClusterQuery) -> Result<i64, ApiError> {
    Ok(opt_param("venue_gap_h", q.venue_gap_h.as_deref(), |d| {
        match d.parse::<i64>() {
            Ok(n) if (0..=72).contains(&n) => Ok(n * 3600),
            Ok(_) => Err(FieldReason::OutOfRange),
            Err(_) => Err(FieldReason::InvalidFormat),
        }
    })?
    .unwrap_or(0))
}

fn days_param(q: &ClusterQuery) -> Result<i64, ApiError> {
    Ok(
        opt_param("days", q.days.as_deref(), |d| match d.parse::<i64>() {
            Ok(n) if (1..=90).contains(&n) => Ok(n),
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
    let all = clusters_for(&state, &auth.0, days, gap_param(&q)?, None).await?;
    Ok(Json(ClusterList {
        items: all.into_iter().map(|c| c.cluster).collect(),
        next_cursor: None,
    }))
}

/// One cluster: members, venues, growth and its transmission graph.
#[utoipa::path(get, path = "/api/v1/clusters/{id}", params(("id" = i64, Path), ClusterQuery), responses(
    (status = 200, body = ClusterDetailDto),
    (status = 404, body = crate::error::ErrorBody)
), security(("bearer" = [])))]
pub async fn get_cluster(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ClusterQuery>,
) -> Result<Json<ClusterDetailDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let days = days_param(&q)?;
    clusters_for(&state, &auth.0, days, gap_param(&q)?, Some(id))
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(ApiError::not_found)
}
