//! Clusters of recent cases: cases linked by contact (and venues within a gap) form one
//! cluster. Computed once per index snapshot and case set (`Memo`, owned by the `App`), so
//! the dashboard and the clusters pages do not re-trace every recent case.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use domain::policy::TracingRule;
use domain::{Structure, UnitPath};
use store::{Caller, CaseTimes, LinkAction, LinkEdit, RecentCases, StoredCluster};
use trace::{CaseOnset, CaseQuery, Cluster, Index, Reason};

use crate::contact_index::{id_of, idx, Links};
use crate::local_time::local_date;
use crate::tracing::{window, TracingError};
use crate::App;

/// How a link between two cases in a cluster was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOrigin {
    /// The linking rule: the second case was the first's F1 for this reason.
    Rule(Reason),
    /// A tracer added it (`cluster_link_edits`), with a reason kept there.
    Added,
}

/// One cluster as the caller may see it: every member counted, the members in the
/// caller's jurisdiction named.
#[derive(Debug, Clone)]
pub struct ClusterView {
    /// The cluster's number: kept while it grows (`domain::cluster_identity`).
    pub id: i64,
    /// Its record: name, place, declared and closed days, what it split from.
    pub record: StoredCluster,
    pub size: usize,
    /// Case ids in the caller's jurisdiction, ascending.
    pub cases: Vec<i64>,
    pub venues: Vec<i64>,
    pub first_confirmed_s: i64,
    pub last_confirmed_s: i64,
    /// New cases per local day.
    pub growth: BTreeMap<NaiveDate, usize>,
    /// Links between cases in the caller's jurisdiction: (from, to, how).
    pub edges: Vec<(i64, i64, LinkOrigin)>,
    /// No longer one of the rule's components of recent cases (its cases left the
    /// [`WINDOW_DAYS`] window, or all but unlinked ones did): shown from its stored cases (no
    /// links) until someone closes it.
    pub quiet: bool,
    /// Proposed for closing: no new case for longer than the policy's days.
    pub proposal: Option<Proposal>,
}

/// A proposal to close a cluster (`cluster_close_after_days` in data/policies/tracing.toml):
/// shown on the list and the cluster's page; only a person's press closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposal {
    /// Whole local days since the day of its newest case.
    pub quiet_days: i64,
    /// The policy's days without a new case.
    pub close_after_days: i64,
    /// The day it would be closed on (a local day number): the day after its newest case's
    /// day plus the policy's days, the first day the criterion held (today if earlier, and
    /// never before it was declared).
    pub closed_day: i64,
}

/// Cases confirmed in this many days are regrouped by the rule each time; older cases keep
/// the cluster they were in. Four weeks: two of the longest incubation periods the rules
/// use (14 days), so a chain still growing is seen whole.
pub const WINDOW_DAYS: i64 = 28;

/// The clusters with a case confirmed in the last `days` days and a case in the caller's
/// scope (all, or the one numbered `one`), largest first, audited as one list naming the
/// cases shown.
pub async fn clusters(
    app: &App,
    caller: &Caller,
    days: i64,
    one: Option<i64>,
) -> Result<Vec<ClusterView>, TracingError> {
    let (found, places) = gather(app, caller, days, one).await?;
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

/// The clusters [`clusters`] returns, not audited. The whole window's list (and one
/// cluster by number) also has the quiet clusters: not closed, none of their cases recent.
async fn gather(
    app: &App,
    caller: &Caller,
    days: i64,
    one: Option<i64>,
) -> Result<(Vec<ClusterView>, CasePlaces), TracingError> {
    let numbered = numbered(app).await?;
    let now = app.now_s();
    let since = now - days * 86_400;
    let (mut found, mut places) = placed(caller, &numbered);
    found.retain(|c| c.last_confirmed_s >= since && one.is_none_or(|id| c.id == id));
    let wanted = |id: i64| one.is_none_or(|o| o == id);
    if (days >= WINDOW_DAYS || one.is_some()) && !numbered.numbers.iter().any(|n| Some(*n) == one) {
        let members = quiet_members(app, &numbered, one).await?;
        let mut by_cluster: BTreeMap<i64, Vec<store::QuietMember>> = BTreeMap::new();
        for m in members.iter() {
            if wanted(m.cluster_id) {
                by_cluster.entry(m.cluster_id).or_default().push(m.clone());
            }
        }
        let ids: Vec<i64> = by_cluster.keys().copied().collect();
        let records = app.store.clusters_by_id(&ids).await?;
        let mut quiet = Vec::new();
        for (id, members) in by_cluster {
            let Some(record) = records.get(&id).cloned() else {
                continue;
            };
            let mut cases = Vec::new();
            for m in members
                .iter()
                .filter(|m| caller.scope.contains(m.structure, &m.unit_path))
            {
                places.insert(m.case_id, (m.structure, m.unit_path.clone()));
                cases.push(m.case_id);
            }
            if cases.is_empty() {
                continue;
            }
            let times = || members.iter().map(|m| m.confirmed_at_s);
            let mut growth = BTreeMap::new();
            for t in times() {
                *growth.entry(local_date(t)).or_insert(0) += 1;
            }
            quiet.push(ClusterView {
                id,
                record,
                size: members.len(),
                cases,
                venues: Vec::new(),
                first_confirmed_s: times().min().unwrap_or(0),
                last_confirmed_s: times().max().unwrap_or(0),
                growth,
                edges: Vec::new(),
                quiet: true,
                proposal: None,
            });
        }
        quiet.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
        found.extend(quiet);
    }
    let close_after = app
        .policies
        .tracing_on(local_date(now))
        .map(|r| r.cluster_close_after_days.value)
        .ok();
    let today = domain::exposure::local_day(now);
    for c in &mut found {
        c.proposal = close_after.and_then(|n| proposal(&c.record, c.last_confirmed_s, n, today));
    }
    Ok((found, places))
}

/// The cases of the open clusters outside the numbering (`Store::quiet_clusters`), read
/// once per numbering: they change only when the numbering does or a cluster is edited
/// (which drops the numbering). With `one`, that cluster's, read again when it is closed.
async fn quiet_members(
    app: &App,
    numbered: &Arc<Numbered>,
    one: Option<i64>,
) -> Result<Arc<Vec<store::QuietMember>>, TracingError> {
    let all = {
        let mut kept = app.clusters.quiet.lock().await;
        match kept.as_ref() {
            Some((n, all)) if Arc::ptr_eq(n, numbered) => all.clone(),
            _ => {
                let all = Arc::new(app.store.quiet_clusters(&numbered.numbers, None).await?);
                *kept = Some((numbered.clone(), all.clone()));
                all
            }
        }
    };
    match one {
        Some(id) if !all.iter().any(|m| m.cluster_id == id) => Ok(Arc::new(
            app.store
                .quiet_clusters(&numbered.numbers, Some(id))
                .await?,
        )),
        _ => Ok(all),
    }
}

/// Whether a cluster whose newest case was confirmed at `last_s` is proposed for closing on
/// local day `today` when the policy closes after `close_after` days without a case.
pub fn proposal(
    record: &StoredCluster,
    last_s: i64,
    close_after: i64,
    today: i64,
) -> Option<Proposal> {
    if record.closed_day.is_some() || record.became.is_some() {
        return None;
    }
    let last_day = domain::exposure::local_day(last_s);
    let quiet_days = today - last_day;
    (quiet_days > close_after).then(|| Proposal {
        quiet_days,
        close_after_days: close_after,
        closed_day: (last_day + close_after + 1)
            .min(today)
            .max(record.declared_day.unwrap_or(i64::MIN)),
    })
}

/// Closes cluster `id` as proposed (a person pressed the proposal's button): refused when it
/// is not proposed now. Audited and kept in its history as the other edits are.
pub async fn close_proposed(
    app: &App,
    caller: &Caller,
    id: i64,
) -> Result<StoredCluster, ClusterError> {
    let (found, _) = gather(app, caller, WINDOW_DAYS, Some(id)).await?;
    let Some(c) = found.into_iter().find(|c| c.id == id) else {
        return Err(ClusterError::NotFound);
    };
    let Some(p) = c.proposal else {
        return Err(ClusterError::NotProposed);
    };
    let r = c.record;
    let edit = store::ClusterEdit {
        name: r.name,
        place: r.place,
        venue_id: r.venue_id,
        declared_day: r.declared_day,
        closed_day: Some(p.closed_day),
    };
    store_edit(app, caller, id, &edit).await
}

/// A cluster as the daily report names it (aggregate: no case is named).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterLine {
    pub id: i64,
    pub name: Option<String>,
    /// Its cases now (for a past day too: sizes are not kept by day).
    pub size: usize,
}

/// The clusters of one day for the daily report (issue #19), in the caller's scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayClusters {
    /// Numbered (created) that day.
    pub new: Vec<ClusterLine>,
    /// Open at the end of the day: not closed, with a case in the policy's close-after days
    /// (`active_days`) up to the day. Not 14 days: a cluster stays under watch, and on the
    /// clusters page without a proposal, until that many days pass without a case; counting
    /// fewer would report as over a cluster the page still shows open. For today these are
    /// the /clusters rows neither closed nor proposed for closing.
    pub active: Vec<ClusterLine>,
    /// Closed that day.
    pub closed: Vec<ClusterLine>,
    /// Merged that day: (the cluster that took the other in, the other's number).
    pub merged: Vec<(ClusterLine, i64)>,
    /// The policy's `cluster_close_after_days` on the day.
    pub active_days: i64,
}

/// The clusters of `day` in the caller's scope: its events (`cluster_events`) and the
/// clusters open at its end. Not audited: numbers, names and sizes only.
pub async fn day_clusters(
    app: &App,
    caller: &Caller,
    day: NaiveDate,
) -> Result<DayClusters, TracingError> {
    let (mut views, _) = gather(app, caller, WINDOW_DAYS, None).await?;
    let day_n = store::day_number(day);
    let active_days = app
        .policies
        .tracing_on(day)
        .map(|r| r.cluster_close_after_days.value)
        .unwrap_or(WINDOW_DAYS);
    let day_end = crate::local_time::day_end_s(day);
    let line = |c: &ClusterView| ClusterLine {
        id: c.id,
        name: c.record.name.clone(),
        size: c.size,
    };
    let mut out = DayClusters {
        active_days,
        ..DayClusters::default()
    };
    for c in &views {
        let last_day = domain::exposure::local_day(c.last_confirmed_s.min(day_end));
        let open = c.record.closed_day.is_none_or(|d| d > day_n)
            && c.first_confirmed_s <= day_end
            && day_n - last_day <= active_days;
        if open {
            out.active.push(line(c));
        }
    }
    let events = app
        .store
        .cluster_events_on(day_n)
        .await
        .map_err(TracingError::from)?;
    for (id, kind, other) in events {
        let c = match views.iter().find(|c| c.id == id) {
            Some(c) => c.clone(),
            None => {
                // A closed (or no longer listed) cluster: its own record, if in scope.
                let (mut one, _) = gather(app, caller, WINDOW_DAYS, Some(id)).await?;
                let Some(c) = one.pop() else { continue };
                views.push(c.clone());
                c
            }
        };
        match kind.as_str() {
            "created" => out.new.push(line(&c)),
            "closed" => out.closed.push(line(&c)),
            "reopened" => out.closed.retain(|l| l.id != id),
            "merged" => {
                if let Some(o) = other {
                    out.merged.push((line(&c), o));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Where an old number now lives: the cluster it was merged into (followed through later
/// merges), or `None` when `id` was never merged (or never existed).
pub async fn merged_into(app: &App, id: i64) -> Result<Option<(i64, NaiveDate)>, TracingError> {
    let mut at = id;
    let mut first_day = None;
    // Bounded: a chain of merges is short; a loop would be a bug, not a reason to hang.
    for _ in 0..64 {
        match app.store.cluster(at).await? {
            Some(StoredCluster {
                became: Some(next),
                became_day,
                ..
            }) => {
                first_day = first_day.or(became_day);
                at = next;
            }
            _ => break,
        }
    }
    Ok((at != id).then(|| (at, day_date(first_day.unwrap_or(0)))))
}

/// A local day number as a date.
pub fn day_date(day: i64) -> NaiveDate {
    chrono::DateTime::UNIX_EPOCH.date_naive() + chrono::Days::new(day.max(0) as u64)
}

/// How many clusters with a case in the caller's scope began at or after `since_s` (their
/// first case confirmed then): the dashboard's figure.
pub async fn new_cluster_count(
    app: &App,
    caller: &Caller,
    since_s: i64,
) -> Result<i64, TracingError> {
    let numbered = numbered(app).await?;
    Ok(numbered
        .clusters
        .iter()
        .filter(|cl| {
            let members = || cl.cases.iter().filter_map(|i| numbered.recent.get(*i));
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

/// The times and unit of each case (by id) confirmed in the last `days` days: a cluster's
/// graph places a case by its onset (else confirmation) day and filters by unit.
pub async fn case_times_since(
    app: &App,
    days: i64,
) -> Result<HashMap<i64, CaseTimes>, TracingError> {
    Ok(app
        .store
        .cases_since(app.now_s() - days * 86_400)
        .await?
        .iter()
        .map(|t| (t.id.0, t.clone()))
        .collect())
}

type CasePlaces = HashMap<i64, (Structure, UnitPath)>;

/// Cases confirmed in the last `days` days and the rule's clusters of them.
async fn recent_clusters(
    app: &App,
    days: i64,
) -> Result<(RecentCases, Arc<Vec<Cluster>>), TracingError> {
    let now = app.now_s();
    let recent = app.store.cases_since(now - days * 86_400).await?;
    let (snapshot, links) = app.contacts.snapshot();
    let mut cases = Vec::new();
    for c in recent.iter() {
        let Some(p) = idx(c.person_id) else { continue };
        let w = window(
            &app.policies,
            c.onset_s,
            c.first_sample_s,
            c.confirmed_at_s,
            c.isolation_s,
        );
        cases.push(CaseOnset {
            query: CaseQuery {
                person: p,
                infectious_from_s: w.from_s,
                infectious_to_s: w.to_s,
                depth: 1,
            },
            // When the illness became visible: onset, else the first positive sample.
            onset_s: c.onset_s.unwrap_or(c.first_sample_s),
        });
    }
    // One rule for the batch: the one in force now (rules change rarely within 90 days).
    let Ok(rule) = app.policies.tracing_on(local_date(now)).cloned() else {
        return Ok((recent, Arc::new(Vec::new())));
    };
    let clusters = app
        .clusters
        .get_or_compute(snapshot, links, &rule, cases)
        .await
        .map_err(|_| TracingError::Worker)?;
    Ok((recent, clusters))
}

/// One component of linked recent cases, in indices into [`Numbered::recent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Indices into the recent cases, ascending by case id.
    pub cases: Vec<usize>,
    /// (from, to, how), as indices into the recent cases.
    pub edges: Vec<(usize, usize, LinkOrigin)>,
    pub venues: Vec<i64>,
}

/// Groups the recent cases by the rule's links between them, corrected by tracers' edits:
/// a removed link is not used, an added one is. A case linked to no other is in no cluster.
/// Components come ordered by their smallest case id, so the numbering does not depend on
/// the engine's order.
pub fn components(
    recent: &[CaseTimes],
    rule_clusters: &[Cluster],
    edits: &[LinkEdit],
) -> Vec<Component> {
    let by_person: HashMap<u32, usize> = recent
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((idx(c.person_id)?, i)))
        .collect();
    let by_case: HashMap<i64, usize> = recent
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.0, i))
        .collect();
    let pair = |a: usize, b: usize| (a.min(b), a.max(b));
    let mut removed = std::collections::HashSet::new();
    let mut edges: Vec<(usize, usize, LinkOrigin)> = Vec::new();
    for e in edits {
        let (Some(&a), Some(&b)) = (by_case.get(&e.from_case), by_case.get(&e.to_case)) else {
            continue;
        };
        match e.action {
            LinkAction::Remove => {
                removed.insert(pair(a, b));
            }
            LinkAction::Add => edges.push((a, b, LinkOrigin::Added)),
        }
    }
    for cl in rule_clusters {
        for (from, to, reason) in &cl.edges {
            let (Some(&a), Some(&b)) = (by_person.get(from), by_person.get(to)) else {
                continue;
            };
            if a != b && !removed.contains(&pair(a, b)) {
                edges.push((a, b, LinkOrigin::Rule(*reason)));
            }
        }
    }
    // An added link the rule also has is drawn once, as the rule's.
    let mut seen = std::collections::HashSet::new();
    edges.sort_by_key(|(a, b, how)| (pair(*a, *b), matches!(how, LinkOrigin::Added)));
    edges.retain(|(a, b, _)| seen.insert(pair(*a, *b)));

    let mut sets = trace::UnionFind::new(recent.len());
    for (a, b, _) in &edges {
        sets.union(*a, *b);
    }
    let mut groups: BTreeMap<usize, Component> = BTreeMap::new();
    for (a, b, how) in edges {
        let root = sets.find(a);
        let g = groups.entry(root).or_insert_with(|| Component {
            cases: Vec::new(),
            edges: Vec::new(),
            venues: Vec::new(),
        });
        g.cases.push(a);
        g.cases.push(b);
        if let LinkOrigin::Rule(Reason::Venue { venue, .. }) = how {
            g.venues.push(id_of(venue));
        }
        g.edges.push((a, b, how));
    }
    let mut out: Vec<Component> = groups
        .into_values()
        .map(|mut g| {
            g.cases.sort_by_key(|i| recent[*i].id.0);
            g.cases.dedup();
            g.venues.sort_unstable();
            g.venues.dedup();
            g
        })
        .collect();
    out.sort_by_key(|g| g.cases.first().map(|i| recent[*i].id.0));
    out
}

/// The rule's clusters of the recent cases, numbered.
pub struct Numbered {
    pub recent: Vec<CaseTimes>,
    pub clusters: Vec<Component>,
    /// The number of each of `clusters`.
    pub numbers: Vec<i64>,
    pub records: HashMap<i64, StoredCluster>,
}

/// The numbered clusters of the last [`WINDOW_DAYS`]: computed by the rule when the index,
/// the cases or the corrections changed, then numbered and stored (once: one numbering at a
/// time, so two requests cannot both create a cluster).
pub async fn numbered(app: &App) -> Result<Arc<Numbered>, TracingError> {
    let (recent, raw) = recent_clusters(app, WINDOW_DAYS).await?;
    let recent = recent.to_vec();
    let edits = app.store.cluster_link_edits().await?;
    let edits_key = {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for e in &edits {
            (e.from_case, e.to_case, e.action.as_str()).hash(&mut h);
        }
        h.finish()
    };
    let mut last = app.clusters.numbered.lock().await;
    if let Some((r, k, n)) = last.as_ref() {
        if Arc::ptr_eq(r, &raw) && *k == edits_key && n.recent.len() == recent.len() {
            return Ok(n.clone());
        }
    }
    let comps = components(&recent, &raw, &edits);
    let ids: Vec<i64> = recent.iter().map(|c| c.id.0).collect();
    let before = app.store.cluster_numbers(&ids).await?;
    let case_lists: Vec<Vec<i64>> = comps
        .iter()
        .map(|g| g.cases.iter().map(|i| recent[*i].id.0).collect())
        .collect();
    let settlement = domain::cluster_identity::settle(&case_lists, &before);
    // A recent case in no component leaves its cluster only when that cluster lives on
    // (numbered to a component, or merged into one): its link was removed or broke. When
    // the cluster itself left the window around it (its other cases aged out), the case is
    // the cluster's newest and stays, or the cluster would look quiet days too early and be
    // proposed for closing on a wrong day.
    let live: std::collections::HashSet<i64> = settlement
        .assigned
        .iter()
        .filter_map(|a| match a {
            domain::cluster_identity::Assigned::Keep(k) => Some(*k),
            domain::cluster_identity::Assigned::New { .. } => None,
        })
        .chain(settlement.merged.iter().map(|(k, _)| *k))
        .collect();
    let placed_now: std::collections::HashSet<i64> = case_lists.iter().flatten().copied().collect();
    let looked_at: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|c| placed_now.contains(c) || before.get(c).is_none_or(|k| live.contains(k)))
        .collect();
    let now = app.now_s();
    let day = domain::exposure::local_day(now);
    // A cluster came into being when its second case was confirmed (the one that made two
    // linked cases): its day of creation, whenever the numbering first saw it.
    let formed: Vec<i64> = comps
        .iter()
        .map(|g| {
            let mut days: Vec<i64> = g
                .cases
                .iter()
                .map(|i| domain::exposure::local_day(recent[*i].confirmed_at_s))
                .collect();
            days.sort_unstable();
            days.get(1)
                .or(days.first())
                .copied()
                .unwrap_or(day)
                .min(day)
        })
        .collect();
    let numbers = app
        .store
        .settle_clusters(
            &case_lists,
            &settlement,
            &before,
            &looked_at,
            &formed,
            day,
            now,
        )
        .await?;
    let records = app.store.clusters_by_id(&numbers).await?;
    let n = Arc::new(Numbered {
        recent,
        clusters: comps,
        numbers,
        records,
    });
    *last = Some((raw, edits_key, n.clone()));
    Ok(n)
}

fn placed(caller: &Caller, numbered: &Numbered) -> (Vec<ClusterView>, CasePlaces) {
    let recent = &numbered.recent;
    let mut out = Vec::new();
    let mut places = CasePlaces::new();
    for (cl, &number) in numbered.clusters.iter().zip(&numbered.numbers) {
        let members: Vec<&CaseTimes> = cl.cases.iter().filter_map(|i| recent.get(*i)).collect();
        let Some(first) = members.iter().map(|c| c.confirmed_at_s).min() else {
            continue;
        };
        let last = members
            .iter()
            .map(|c| c.confirmed_at_s)
            .max()
            .unwrap_or(first);
        let visible = |i: usize| {
            recent
                .get(i)
                .filter(|c| caller.scope.contains(c.structure, &c.unit_path))
        };
        if !cl.cases.iter().any(|i| visible(*i).is_some()) {
            continue;
        }
        let mut growth = BTreeMap::new();
        for c in &members {
            *growth.entry(local_date(c.confirmed_at_s)).or_insert(0) += 1;
        }
        let edges = cl
            .edges
            .iter()
            .filter_map(|(a, b, how)| Some((visible(*a)?.id.0, visible(*b)?.id.0, *how)))
            .collect();
        let mut cases = Vec::new();
        for i in &cl.cases {
            if let Some(c) = visible(*i) {
                places.insert(c.id.0, (c.structure, c.unit_path.clone()));
                cases.push(c.id.0);
            }
        }
        cases.sort_unstable();
        let record = numbered
            .records
            .get(&number)
            .cloned()
            .unwrap_or(StoredCluster {
                id: number,
                created_day: 0,
                name: None,
                place: None,
                venue_id: None,
                declared_day: None,
                closed_day: None,
                became: None,
                became_day: None,
                split_from: None,
            });
        out.push(ClusterView {
            id: number,
            record,
            size: members.len(),
            cases,
            venues: cl.venues.clone(),
            first_confirmed_s: first,
            last_confirmed_s: last,
            growth,
            edges,
            quiet: false,
            proposal: None,
        });
    }
    // Largest first: where the response should look first.
    out.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
    (out, places)
}

/// The clusters of the last computation, kept while the index snapshot, the cases and their
/// windows are the same (re-tracing every recent case costs about 0.1 s at demo scale).
/// The rule's clusters numbered, the corrections' hash, and the numbering.
type LastNumbering = (Arc<Vec<Cluster>>, u64, Arc<Numbered>);

#[derive(Default)]
pub struct Memo {
    last: Mutex<Option<Computed>>,
    /// The last numbering: of which computation, with which corrections.
    numbered: tokio::sync::Mutex<Option<LastNumbering>>,
    /// The open clusters outside that numbering, read for it ([`quiet_members`]).
    quiet: QuietKept,
}

type QuietKept = tokio::sync::Mutex<Option<(Arc<Numbered>, Arc<Vec<store::QuietMember>>)>>;

struct Computed {
    index: Arc<Index>,
    links: Arc<Links>,
    key: u64,
    clusters: Arc<Vec<Cluster>>,
}

impl Memo {
    fn key(rule: &TracingRule, cases: &[CaseOnset]) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        rule.document.hash(&mut h);
        (
            rule.incubation_min_days.value,
            rule.incubation_max_days.value,
            rule.incubation_typical_days.value,
        )
            .hash(&mut h);
        for c in cases {
            let q = &c.query;
            (q.person, q.infectious_from_s, q.infectious_to_s, c.onset_s).hash(&mut h);
        }
        h.finish()
    }

    async fn get_or_compute(
        &self,
        index: Arc<Index>,
        links: Arc<Links>,
        rule: &TracingRule,
        cases: Vec<CaseOnset>,
    ) -> Result<Arc<Vec<Cluster>>, tokio::task::JoinError> {
        let key = Self::key(rule, &cases);
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
            let queries: Vec<CaseQuery> = cases.iter().map(|c| c.query).collect();
            let traced = trace::trace_batch(&i, &rules, &l.households, &l.declared, &queries);
            // A case is linked to its likeliest source among its F1 exposures whose timing
            // fits the incubation window (data/policies/tracing.toml): one infector per
            // case, so clusters are transmission trees, not everyone who shared a market.
            let day = 86_400;
            let link = trace::LinkRule {
                incubation_min_s: rule.incubation_min_days.value * day,
                incubation_max_s: rule.incubation_max_days.value * day,
                venue_min_overlap_s: 0,
                incubation_typical_s: Some(rule.incubation_typical_days.value * day),
            };
            trace::clusters_by_incubation(&cases, &traced, &link)
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

/// Why a cluster command was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Fields at fault, every one named; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<domain::FieldError>),
    /// No such cluster with a case in the caller's jurisdiction.
    #[error("no such cluster")]
    NotFound,
    /// Closing as proposed, when the cluster is not proposed for closing (any more).
    #[error("the cluster is not proposed for closing")]
    NotProposed,
    #[error(transparent)]
    Tracing(#[from] TracingError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// A cluster's fields as a form or the API gives them (text, parsed here once).
#[derive(Debug, Clone, Default)]
pub struct ClusterInput {
    pub name: Option<String>,
    pub place: Option<String>,
    /// YYYY-MM-DD, empty for none.
    pub declared_on: Option<String>,
    pub closed_on: Option<String>,
}

/// A correction of the rule's link between two cases of a cluster.
#[derive(Debug, Clone, Default)]
pub struct LinkInput {
    /// `add` or `remove`.
    pub action: Option<String>,
    pub from_case: Option<String>,
    pub to_case: Option<String>,
    pub reason: Option<String>,
}

/// Whether the numbered cluster `id` is current and has a case in the caller's scope.
async fn current_in_scope(app: &App, caller: &Caller, id: i64) -> Result<bool, TracingError> {
    let (found, _) = gather(app, caller, WINDOW_DAYS, Some(id)).await?;
    Ok(found.iter().any(|c| c.id == id))
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Names, places, declares or closes cluster `id` (one with a case in the caller's scope).
pub async fn edit_cluster(
    app: &App,
    caller: &Caller,
    id: i64,
    input: &ClusterInput,
) -> Result<StoredCluster, ClusterError> {
    let mut errors = Vec::new();
    let today = app.today();
    let range = domain::time::Dates::past(today);
    let declared = crate::input::opt_date(
        "declared_on",
        input.declared_on.as_deref(),
        range,
        &mut errors,
    );
    let closed =
        crate::input::opt_date("closed_on", input.closed_on.as_deref(), range, &mut errors);
    if !errors.is_empty() {
        return Err(ClusterError::Invalid(errors));
    }
    if !current_in_scope(app, caller, id).await? {
        return Err(ClusterError::NotFound);
    }
    let edit = store::ClusterEdit {
        name: trimmed(&input.name),
        place: trimmed(&input.place),
        venue_id: None,
        declared_day: declared.map(store::day_number),
        closed_day: closed.map(store::day_number),
    };
    store_edit(app, caller, id, &edit).await
}

/// Writes a cluster's fields (audited, with its events) and drops the numbering, which keeps
/// the records it read: the next read takes this one.
async fn store_edit(
    app: &App,
    caller: &Caller,
    id: i64,
    edit: &store::ClusterEdit,
) -> Result<StoredCluster, ClusterError> {
    let now = app.now_s();
    match app
        .store
        .edit_cluster(caller, id, edit, domain::exposure::local_day(now), now)
        .await
    {
        Ok(Some(c)) => {
            *app.clusters.numbered.lock().await = None;
            Ok(c)
        }
        Ok(None) => Err(ClusterError::NotFound),
        Err(store::StoreError::Invalid(e)) => Err(ClusterError::Invalid(e)),
        Err(e) => Err(e.into()),
    }
}

/// Adds or removes a link between two cases, from cluster `id`'s page: both cases must be
/// recent cases in the caller's scope, and one of them in the cluster. The correction is
/// kept and holds each time the rule runs again; the clusters are renumbered at once.
pub async fn edit_link(
    app: &App,
    caller: &Caller,
    id: i64,
    input: &LinkInput,
) -> Result<(), ClusterError> {
    use domain::{FieldError, Reason as Why};
    let mut errors = Vec::new();
    let action = match input.action.as_deref() {
        Some("add") => Some(LinkAction::Add),
        Some("remove") => Some(LinkAction::Remove),
        None | Some("") => {
            errors.push(FieldError::new("action", Why::Required));
            None
        }
        Some(_) => {
            errors.push(FieldError::new("action", Why::InvalidFormat));
            None
        }
    };
    let case = |field: &str, v: &Option<String>, errors: &mut Vec<FieldError>| match v
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => {
            errors.push(FieldError::new(field, Why::Required));
            None
        }
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push(FieldError::new(field, Why::InvalidFormat));
                None
            }
        },
    };
    let from = case("from_case", &input.from_case, &mut errors);
    let to = case("to_case", &input.to_case, &mut errors);
    let reason = trimmed(&input.reason);
    if reason.is_none() {
        errors.push(FieldError::new("reason", Why::Required));
    }
    if !errors.is_empty() {
        return Err(ClusterError::Invalid(errors));
    }
    let (Some(action), Some(from), Some(to), Some(reason)) = (action, from, to, reason) else {
        return Err(ClusterError::Invalid(errors));
    };
    let numbered = numbered(app).await?;
    // Checked in a block of its own: nothing borrowed from the numbering is held across the
    // writes below (the future must stay `Send`).
    {
        let (found, _) = placed(caller, &numbered);
        let Some(cluster) = found.iter().find(|c| c.id == id) else {
            return Err(ClusterError::NotFound);
        };
        // Both cases recent and the caller's; one of them in this cluster.
        for (field, case) in [("from_case", from), ("to_case", to)] {
            let mine = numbered
                .recent
                .iter()
                .any(|c| c.id.0 == case && caller.scope.contains(c.structure, &c.unit_path));
            if !mine {
                errors.push(FieldError::new(field, Why::NotFound));
            }
        }
        if !cluster.cases.contains(&from) && !cluster.cases.contains(&to) {
            errors.push(FieldError::new("to_case", Why::OutOfRange));
        }
    }
    drop(numbered);
    if !errors.is_empty() {
        return Err(ClusterError::Invalid(errors));
    }
    let now = app.now_s();
    match app
        .store
        .edit_cluster_link(
            caller,
            id,
            from,
            to,
            action,
            &reason,
            domain::exposure::local_day(now),
            now,
        )
        .await
    {
        Ok(()) => {}
        Err(store::StoreError::Invalid(e)) => return Err(ClusterError::Invalid(e)),
        Err(e) => return Err(e.into()),
    }
    // Renumber now, so the page the tracer comes back to shows the correction.
    self::numbered(app).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(declared: Option<i64>, closed: Option<i64>) -> StoredCluster {
        StoredCluster {
            id: 1,
            created_day: 0,
            name: None,
            place: None,
            venue_id: None,
            declared_day: declared,
            closed_day: closed,
            became: None,
            became_day: None,
            split_from: None,
        }
    }

    #[test]
    fn a_cluster_is_proposed_only_after_the_policys_days_without_a_case() {
        // The newest case on local day 100 (noon in Hà Nội), closing after 28 days.
        let last_s = 100 * 86_400 + 5 * 3_600;
        assert_eq!(domain::exposure::local_day(last_s), 100);
        let open = record(None, None);
        assert_eq!(proposal(&open, last_s, 28, 128), None, "28 days: not yet");
        let p = proposal(&open, last_s, 28, 129).unwrap();
        assert_eq!(
            (p.quiet_days, p.close_after_days, p.closed_day),
            (29, 28, 129)
        );
        // Pressed later, it is closed on the day the criterion first held.
        assert_eq!(proposal(&open, last_s, 28, 140).unwrap().closed_day, 129);
        // Never before the day it was declared.
        let declared = record(Some(135), None);
        assert_eq!(
            proposal(&declared, last_s, 28, 140).unwrap().closed_day,
            135
        );
        // A closed or merged cluster is not proposed.
        assert_eq!(proposal(&record(None, Some(120)), last_s, 28, 140), None);
        let merged = StoredCluster {
            became: Some(2),
            ..record(None, None)
        };
        assert_eq!(proposal(&merged, last_s, 28, 140), None);
    }
}
