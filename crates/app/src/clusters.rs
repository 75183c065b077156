//! Clusters of recent cases: cases linked by contact (and venues within a gap) form one
//! cluster. Computed once per index snapshot and case set (`Memo`, owned by the `App`), so
//! the dashboard and the clusters pages do not re-trace every recent case.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use domain::policy::TracingRule;
use domain::{Structure, UnitPath};
use store::{Caller, CaseTimes, RecentCases};
use trace::{CaseQuery, Cluster, Index, Reason};

use crate::contact_index::{id_of, idx, Links};
use crate::local_time::local_date;
use crate::tracing::{window, TracingError};
use crate::App;

/// One cluster as the caller may see it: every member counted, the members in the
/// caller's jurisdiction named.
#[derive(Debug, Clone)]
pub struct ClusterView {
    /// The smallest case id of the cluster: stable while the cluster only grows.
    pub id: i64,
    pub size: usize,
    /// Case ids in the caller's jurisdiction, ascending.
    pub cases: Vec<i64>,
    pub venues: Vec<i64>,
    pub first_confirmed_s: i64,
    pub last_confirmed_s: i64,
    /// New cases per local day.
    pub growth: BTreeMap<NaiveDate, usize>,
    /// Transmission links between cases in the caller's jurisdiction: (from, to, reason).
    pub edges: Vec<(i64, i64, Reason)>,
}

/// The clusters of the last `days` days with a case in the caller's scope (all, or the one
/// with id `one`), largest first, audited as one list naming the cases shown.
pub async fn clusters(
    app: &App,
    caller: &Caller,
    days: i64,
    venue_gap_s: i64,
    one: Option<i64>,
) -> Result<Vec<ClusterView>, TracingError> {
    let (recent, clusters) = recent_clusters(app, days, venue_gap_s).await?;
    let (mut found, places) = placed(caller, &recent, &clusters);
    if let Some(id) = one {
        found.retain(|c| c.id == id);
    }
    let cases: Vec<i64> = found.iter().flat_map(|c| c.cases.iter().copied()).collect();
    let place = store::Place::enclosing(
        cases
            .iter()
            .filter_map(|id| places.get(id))
            .map(|(s, p)| (*s, p)),
    );
    let subject = one.map_or_else(String::new, |id| id.to_string());
    let list = store::AuditList::new(caller, "clusters", subject, "case", cases, place);
    app.store.audit_list(list, app.now_s()).await?;
    Ok(found)
}

/// How many clusters of the last `days` days with a case in the caller's scope began at or
/// after `since_s`: the dashboard's figure, without building each cluster's cases, growth
/// and graph.
pub async fn new_cluster_count(
    app: &App,
    caller: &Caller,
    days: i64,
    since_s: i64,
) -> Result<i64, TracingError> {
    let (recent, clusters) = recent_clusters(app, days, 0).await?;
    let case_of_person: HashMap<u32, &CaseTimes> = recent
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

/// The confirmation time of each case (by id, as [`ClusterView`] names them) confirmed in
/// the last `days` days.
pub async fn confirmed_since(app: &App, days: i64) -> Result<HashMap<i64, i64>, TracingError> {
    Ok(app
        .store
        .cases_since(app.now_s() - days * 86_400)
        .await?
        .iter()
        .map(|t| (t.id.0, t.confirmed_at_s))
        .collect())
}

type CasePlaces = HashMap<i64, (Structure, UnitPath)>;

/// Cases confirmed in the last `days` days and the clusters they form.
async fn recent_clusters(
    app: &App,
    days: i64,
    venue_gap_s: i64,
) -> Result<(RecentCases, Arc<Vec<Cluster>>), TracingError> {
    let now = app.now_s();
    let recent = app.store.cases_since(now - days * 86_400).await?;
    let (snapshot, links) = app.contacts.snapshot();
    let mut queries = Vec::new();
    for c in recent.iter() {
        let Some(p) = idx(c.person_id) else { continue };
        let w = window(
            &app.policies,
            c.onset_s,
            c.first_sample_s,
            c.confirmed_at_s,
            c.isolation_s,
        );
        queries.push(CaseQuery {
            person: p,
            infectious_from_s: w.from_s,
            infectious_to_s: w.to_s,
            depth: 1,
        });
    }
    // One rule for the batch: the one in force now (rules change rarely within 90 days).
    let Ok(rule) = app.policies.tracing_on(local_date(now)).cloned() else {
        return Ok((recent, Arc::new(Vec::new())));
    };
    let clusters = app
        .clusters
        .get_or_compute(snapshot, links, &rule, queries, venue_gap_s)
        .await
        .map_err(|_| TracingError::Worker)?;
    Ok((recent, clusters))
}

fn placed(
    caller: &Caller,
    recent: &RecentCases,
    clusters: &[Cluster],
) -> (Vec<ClusterView>, CasePlaces) {
    let case_of_person: HashMap<u32, &CaseTimes> = recent
        .iter()
        .filter_map(|c| Some((idx(c.person_id)?, c)))
        .collect();
    let mut out = Vec::new();
    let mut places = CasePlaces::new();
    for cl in clusters {
        let members: Vec<&CaseTimes> = cl
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
        let visible: Vec<&CaseTimes> = members
            .iter()
            .copied()
            .filter(|c| caller.scope.contains(c.structure, &c.unit_path))
            .collect();
        if visible.is_empty() {
            continue;
        }
        let mut growth = BTreeMap::new();
        for c in &members {
            *growth.entry(local_date(c.confirmed_at_s)).or_insert(0) += 1;
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
            .filter_map(|(a, b, r)| Some((*visible_person.get(a)?, *visible_person.get(b)?, *r)))
            .collect();
        for c in &visible {
            places.insert(c.id.0, (c.structure, c.unit_path.clone()));
        }
        let mut cases: Vec<i64> = visible.iter().map(|c| c.id.0).collect();
        cases.sort_unstable();
        out.push(ClusterView {
            id: members.iter().map(|c| c.id.0).min().unwrap_or(0),
            size: members.len(),
            cases,
            venues: cl.venues.iter().map(|v| id_of(*v)).collect(),
            first_confirmed_s: first,
            last_confirmed_s: last,
            growth,
            edges,
        });
    }
    // Largest first: where the response should look first.
    out.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
    (out, places)
}

/// The clusters of the last computation, kept while the index snapshot, the cases and their
/// windows are the same (re-tracing every recent case costs about 0.1 s at demo scale).
#[derive(Default)]
pub struct Memo {
    last: Mutex<Option<Computed>>,
}

struct Computed {
    index: Arc<Index>,
    links: Arc<Links>,
    key: u64,
    clusters: Arc<Vec<Cluster>>,
}

impl Memo {
    fn key(rule: &TracingRule, queries: &[CaseQuery], gap_s: i64) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        rule.document.hash(&mut h);
        gap_s.hash(&mut h);
        for q in queries {
            (q.person, q.infectious_from_s, q.infectious_to_s).hash(&mut h);
        }
        h.finish()
    }

    async fn get_or_compute(
        &self,
        index: Arc<Index>,
        links: Arc<Links>,
        rule: &TracingRule,
        queries: Vec<CaseQuery>,
        gap_s: i64,
    ) -> Result<Arc<Vec<Cluster>>, tokio::task::JoinError> {
        let key = Self::key(rule, &queries, gap_s);
        if let Ok(last) = self.last.lock() {
            if let Some(m) = last.as_ref().filter(|m| {
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
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Computed {
                index,
                links,
                key,
                clusters: clusters.clone(),
            });
        }
        Ok(clusters)
    }
}
