//! Numbered clusters (migration 0050; issue #19): which cluster each case is in, the
//! clusters' own fields (name, place, declared and closed days), what happened to them
//! (created, merged, split, …) and tracers' corrections of the links between cases. The
//! numbering itself is decided by `domain::cluster_identity::settle`; this stores it.

use std::collections::HashMap;

use sqlx::Row;

use domain::cluster_identity::{Assigned, Settlement};
use domain::{FieldError, Reason};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// The actor of what the linking rule did (no person did it).
pub const RULE_ACTOR: &str = "rule";

/// Case ids a statement names at most (well under SQLite's bound on placeholders).
const IDS_PER_STMT: usize = 1000;

/// Longest name, place and correction reason, in characters.
pub const CLUSTER_TEXT_MAX: usize = 200;

/// A numbered cluster's own record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCluster {
    pub id: i64,
    /// Local day numbers (days since 1970-01-01 in the locality's zone).
    pub created_day: i64,
    pub name: Option<String>,
    pub place: Option<String>,
    pub venue_id: Option<i64>,
    pub declared_day: Option<i64>,
    pub closed_day: Option<i64>,
    /// The cluster it was merged into, and when.
    pub became: Option<i64>,
    pub became_day: Option<i64>,
    pub split_from: Option<i64>,
}

/// What the command centre sets on a cluster; `None` clears a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterEdit {
    pub name: Option<String>,
    pub place: Option<String>,
    pub venue_id: Option<i64>,
    pub declared_day: Option<i64>,
    pub closed_day: Option<i64>,
}

/// One thing that happened to a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterEvent {
    pub kind: String,
    pub other_id: Option<i64>,
    pub day: i64,
    pub detail: Option<String>,
    pub actor: String,
    pub at_s: i64,
}

/// A case of a cluster none of whose cases is recent ([`Store::quiet_clusters`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietMember {
    pub cluster_id: i64,
    pub case_id: i64,
    pub confirmed_at_s: i64,
    pub structure: domain::Structure,
    pub unit_path: domain::UnitPath,
}

/// A tracer's correction of a link between two cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    Add,
    Remove,
}

impl LinkAction {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkAction::Add => "add",
            LinkAction::Remove => "remove",
        }
    }

    pub fn parse(s: &str) -> Option<LinkAction> {
        match s {
            "add" => Some(LinkAction::Add),
            "remove" => Some(LinkAction::Remove),
            _ => None,
        }
    }
}

/// The correction in force for a pair of cases (the newest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEdit {
    pub from_case: i64,
    pub to_case: i64,
    pub action: LinkAction,
    pub reason: String,
    pub actor: String,
    pub at_s: i64,
}

fn cluster_of(r: &sqlx::any::AnyRow) -> Result<StoredCluster> {
    Ok(StoredCluster {
        id: r.try_get(0)?,
        created_day: r.try_get(1)?,
        name: r.try_get(2)?,
        place: r.try_get(3)?,
        venue_id: r.try_get(4)?,
        declared_day: r.try_get(5)?,
        closed_day: r.try_get(6)?,
        became: r.try_get(7)?,
        became_day: r.try_get(8)?,
        split_from: r.try_get(9)?,
    })
}

const CLUSTER_COLUMNS: &str = "id, created_day, name, place, venue_id, declared_day, closed_day, \
     became, became_day, split_from";

fn too_long(field: &str, s: &Option<String>, errors: &mut Vec<FieldError>) {
    if s.as_deref()
        .is_some_and(|s| s.chars().count() > CLUSTER_TEXT_MAX)
    {
        errors.push(FieldError::new(field, Reason::TooLong));
    }
}

impl Store {
    /// The cluster each of `cases` is in now (cases in none are absent).
    pub async fn cluster_numbers(&self, cases: &[i64]) -> Result<HashMap<i64, i64>> {
        let mut out = HashMap::with_capacity(cases.len());
        for chunk in cases.chunks(IDS_PER_STMT) {
            let mut sql = Sql::new(
                self.dialect,
                "SELECT case_id, cluster_id FROM cluster_cases WHERE case_id IN ",
            );
            sql.push_ints(chunk);
            for r in sql.query().fetch_all(&self.reader).await? {
                out.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }
        Ok(out)
    }

    /// Stores one run of the linking rule: `components` (case ids) numbered by `settlement`
    /// (made from [`Store::cluster_numbers`] of the same cases as `before`), on local day
    /// `day`; `formed` is the day each component came into being (a new cluster's creation
    /// day). `recent` are the cases the rule looked at: those of them in no component leave
    /// their cluster; older cases keep theirs. Returns each component's number.
    #[allow(clippy::too_many_arguments)]
    pub async fn settle_clusters(
        &self,
        components: &[Vec<i64>],
        settlement: &Settlement,
        before: &HashMap<i64, i64>,
        recent: &[i64],
        formed: &[i64],
        day: i64,
        now_s: i64,
    ) -> Result<Vec<i64>> {
        if settlement.assigned.len() != components.len() || formed.len() != components.len() {
            return Err(StoreError::Corrupt(
                "a settlement for other components".into(),
            ));
        }
        let unchanged = settlement.merged.is_empty()
            && settlement
                .assigned
                .iter()
                .all(|a| matches!(a, Assigned::Keep(_)))
            && components
                .iter()
                .zip(&settlement.assigned)
                .all(|(members, a)| {
                    members
                        .iter()
                        .all(|c| matches!(a, Assigned::Keep(k) if before.get(c) == Some(k)))
                })
            && {
                let placed: std::collections::HashSet<i64> =
                    components.iter().flatten().copied().collect();
                recent
                    .iter()
                    .all(|c| placed.contains(c) || !before.contains_key(c))
            };
        if unchanged {
            // The usual case (nothing new since the last run): no write at all.
            return Ok(settlement
                .assigned
                .iter()
                .map(|a| match a {
                    Assigned::Keep(k) => *k,
                    Assigned::New { .. } => 0,
                })
                .collect());
        }
        let mut tx = self.pool.begin().await?;
        let mut numbers = Vec::with_capacity(components.len());
        let mut events: Vec<Vec<Val>> = Vec::new();
        let event = |cluster: i64, kind: &str, other: Option<i64>, day: i64| {
            vec![
                Val::Int(cluster),
                Val::Text(kind.into()),
                Val::OptInt(other),
                Val::Int(day),
                Val::Text(RULE_ACTOR.into()),
                Val::Int(now_s),
            ]
        };
        for (a, &formed_day) in settlement.assigned.iter().zip(formed) {
            match *a {
                Assigned::Keep(k) => numbers.push(k),
                Assigned::New { split_from } => {
                    // A new cluster dates from when it formed; a part split off, from today.
                    let created = if split_from.is_some() {
                        day
                    } else {
                        formed_day
                    };
                    let id: i64 = sqlx::query(
                        "INSERT INTO clusters (created_day, split_from, updated_at_s)
                         VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(created)
                    .bind(split_from)
                    .bind(now_s)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                    events.push(event(id, "created", split_from, created));
                    if let Some(parent) = split_from {
                        events.push(event(parent, "split", Some(id), day));
                    }
                    numbers.push(id);
                }
            }
        }
        for &(k, i) in &settlement.merged {
            let into = numbers[i];
            sqlx::query(
                "UPDATE clusters SET became = $1, became_day = $2, updated_at_s = $3 WHERE id = $4",
            )
            .bind(into)
            .bind(day)
            .bind(now_s)
            .bind(k)
            .execute(&mut *tx)
            .await?;
            events.push(event(into, "merged", Some(k), day));
        }
        // Memberships: only the cases whose cluster changed are written.
        let mut moved: Vec<(i64, i64)> = Vec::new();
        let mut placed = std::collections::HashSet::new();
        for (members, &number) in components.iter().zip(&numbers) {
            for &case in members {
                placed.insert(case);
                if before.get(&case) != Some(&number) {
                    moved.push((case, number));
                }
            }
        }
        let left: Vec<i64> = recent
            .iter()
            .copied()
            .filter(|c| !placed.contains(c) && before.contains_key(c))
            .collect();
        let gone: Vec<i64> = moved.iter().map(|(c, _)| *c).chain(left).collect();
        for chunk in gone.chunks(IDS_PER_STMT) {
            let mut sql = Sql::new(self.dialect, "DELETE FROM cluster_cases WHERE case_id IN ");
            sql.push_ints(chunk);
            sql.query().execute(&mut *tx).await?;
        }
        let rows: Vec<Vec<Val>> = moved
            .iter()
            .map(|(c, k)| vec![Val::Int(*c), Val::Int(*k), Val::Int(day)])
            .collect();
        crate::sql::insert_rows(
            &mut tx,
            self.dialect,
            "cluster_cases",
            &["case_id", "cluster_id", "since_day"],
            rows,
        )
        .await?;
        crate::sql::insert_rows(
            &mut tx,
            self.dialect,
            "cluster_events",
            &["cluster_id", "kind", "other_id", "day", "actor", "at_s"],
            events,
        )
        .await?;
        tx.commit().await?;
        Ok(numbers)
    }

    /// The clusters numbered `ids` (those that exist).
    pub async fn clusters_by_id(&self, ids: &[i64]) -> Result<HashMap<i64, StoredCluster>> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_STMT) {
            let mut sql = Sql::new(
                self.dialect,
                &format!("SELECT {CLUSTER_COLUMNS} FROM clusters WHERE id IN "),
            );
            sql.push_ints(chunk);
            for r in sql.query().fetch_all(&self.reader).await? {
                let c = cluster_of(&r)?;
                out.insert(c.id, c);
            }
        }
        Ok(out)
    }

    /// Cluster `id`'s record, if it was ever numbered.
    pub async fn cluster(&self, id: i64) -> Result<Option<StoredCluster>> {
        Ok(self.clusters_by_id(&[id]).await?.remove(&id))
    }

    /// Every case in cluster `id` now (also those older than the rule's window), ascending.
    pub async fn cluster_case_ids(&self, id: i64) -> Result<Vec<i64>> {
        sqlx::query("SELECT case_id FROM cluster_cases WHERE cluster_id = $1 ORDER BY case_id")
            .bind(id)
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
    }

    /// The cases of the clusters not closed nor merged, except those numbered `current` (the
    /// rule's components of recent cases, which the caller has): the others are no longer
    /// regrouped, but they stay open until a person closes them. Ordered by cluster, then
    /// case. With `one`, only that cluster, closed or not (its page shows it closed).
    pub async fn quiet_clusters(
        &self,
        current: &[i64],
        one: Option<i64>,
    ) -> Result<Vec<QuietMember>> {
        let current: std::collections::HashSet<i64> = current.iter().copied().collect();
        let which = match one {
            Some(_) => "k.id = $1",
            None => "k.closed_day IS NULL",
        };
        let sql = format!(
            "SELECT cc.cluster_id, c.id, c.confirmed_at_s, c.structure, c.unit_path
             FROM clusters k
             JOIN cluster_cases cc ON cc.cluster_id = k.id
             JOIN cases c ON c.id = cc.case_id
             WHERE k.became IS NULL AND {which}
             ORDER BY cc.cluster_id, c.id"
        );
        let query = sqlx::query(&sql);
        let query = match one {
            Some(id) => query.bind(id),
            None => query,
        };
        query
            .fetch_all(&self.reader)
            .await?
            .iter()
            .filter(|r| {
                r.try_get::<i64, _>(0)
                    .map_or(true, |k| !current.contains(&k))
            })
            .map(|r| {
                let structure: String = r.try_get(3)?;
                let path: String = r.try_get(4)?;
                Ok(QuietMember {
                    cluster_id: r.try_get(0)?,
                    case_id: r.try_get(1)?,
                    confirmed_at_s: r.try_get(2)?,
                    structure: structure
                        .parse()
                        .map_err(|_| StoreError::Corrupt("cases.structure".into()))?,
                    unit_path: domain::UnitPath::from_stored(&path)
                        .ok_or_else(|| StoreError::Corrupt("cases.unit_path".into()))?,
                })
            })
            .collect()
    }

    /// What happened to cluster `id`, oldest first.
    pub async fn cluster_events(&self, id: i64) -> Result<Vec<ClusterEvent>> {
        sqlx::query(
            "SELECT kind, other_id, day, detail, actor, at_s FROM cluster_events
             WHERE cluster_id = $1 ORDER BY id LIMIT 1000",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| {
            Ok(ClusterEvent {
                kind: r.try_get(0)?,
                other_id: r.try_get(1)?,
                day: r.try_get(2)?,
                detail: r.try_get(3)?,
                actor: r.try_get(4)?,
                at_s: r.try_get(5)?,
            })
        })
        .collect()
    }

    /// The events of `kind`s on local days `from..=to`: (cluster, kind, day).
    pub async fn cluster_events_between(
        &self,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<(i64, String, i64)>> {
        sqlx::query(
            "SELECT cluster_id, kind, day FROM cluster_events WHERE day BETWEEN $1 AND $2
             ORDER BY day, cluster_id",
        )
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
    }

    /// The events of local day `day` of the kinds the daily report counts (created, merged,
    /// closed, reopened): (cluster, kind, other), in the order they happened.
    pub async fn cluster_events_on(&self, day: i64) -> Result<Vec<(i64, String, Option<i64>)>> {
        sqlx::query(
            "SELECT cluster_id, kind, other_id FROM cluster_events
             WHERE day = $1 AND kind IN ('created', 'merged', 'closed', 'reopened')
             ORDER BY id",
        )
        .bind(day)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
    }

    /// Sets cluster `id`'s own fields, audited and recorded as events (named, declared,
    /// closed, reopened). `None`: no such cluster.
    pub async fn edit_cluster(
        &self,
        caller: &Caller,
        id: i64,
        edit: &ClusterEdit,
        day: i64,
        now_s: i64,
    ) -> Result<Option<StoredCluster>> {
        let mut errors = Vec::new();
        too_long("name", &edit.name, &mut errors);
        too_long("place", &edit.place, &mut errors);
        if let (Some(d), Some(c)) = (edit.declared_day, edit.closed_day) {
            if c < d {
                errors.push(FieldError::new("closed_on", Reason::OutOfRange));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let Some(before) = self.cluster(id).await? else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE clusters SET name = $1, place = $2, venue_id = $3, declared_day = $4,
             closed_day = $5, updated_at_s = $6 WHERE id = $7",
        )
        .bind(&edit.name)
        .bind(&edit.place)
        .bind(edit.venue_id)
        .bind(edit.declared_day)
        .bind(edit.closed_day)
        .bind(now_s)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let mut kinds: Vec<(&str, Option<String>)> = Vec::new();
        if before.name != edit.name || before.place != edit.place {
            kinds.push(("named", edit.name.clone()));
        }
        if before.declared_day != edit.declared_day && edit.declared_day.is_some() {
            kinds.push(("declared", None));
        }
        match (before.closed_day, edit.closed_day) {
            (None, Some(_)) => kinds.push(("closed", None)),
            (Some(_), None) => kinds.push(("reopened", None)),
            _ => {}
        }
        for (kind, detail) in &kinds {
            sqlx::query(
                "INSERT INTO cluster_events (cluster_id, kind, day, detail, actor, at_s)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(*kind)
            .bind(day)
            .bind(detail)
            .bind(&caller.user.username)
            .bind(now_s)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            self.dialect,
            [AuditEntry {
                user: Some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Update,
                entity: "cluster",
                entity_id: id.to_string(),
                detail: Some(kinds.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(",")),
            }],
            now_s,
        )
        .await?;
        tx.commit().await?;
        self.cluster(id).await
    }

    /// Records a tracer's correction of the link between two cases (audited), and an event
    /// on `cluster` (the cluster it was made from).
    #[allow(clippy::too_many_arguments)]
    pub async fn edit_cluster_link(
        &self,
        caller: &Caller,
        cluster: i64,
        from_case: i64,
        to_case: i64,
        action: LinkAction,
        reason: &str,
        day: i64,
        now_s: i64,
    ) -> Result<()> {
        let reason = reason.trim();
        let mut errors = Vec::new();
        if reason.is_empty() {
            errors.push(FieldError::new("reason", Reason::Required));
        }
        too_long("reason", &Some(reason.to_owned()), &mut errors);
        if from_case == to_case {
            errors.push(FieldError::new("to_case", Reason::OutOfRange));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO cluster_link_edits (from_case, to_case, action, reason, actor, at_s)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(from_case)
        .bind(to_case)
        .bind(action.as_str())
        .bind(reason)
        .bind(&caller.user.username)
        .bind(now_s)
        .execute(&mut *tx)
        .await?;
        let kind = match action {
            LinkAction::Add => "link_added",
            LinkAction::Remove => "link_removed",
        };
        sqlx::query(
            "INSERT INTO cluster_events (cluster_id, kind, day, detail, actor, at_s)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(cluster)
        .bind(kind)
        .bind(day)
        .bind(format!("{from_case}→{to_case}: {reason}"))
        .bind(&caller.user.username)
        .bind(now_s)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.dialect,
            [AuditEntry {
                user: Some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Update,
                entity: "cluster_link",
                entity_id: format!("{from_case}-{to_case}"),
                detail: Some(format!("{}: {reason}", action.as_str())),
            }],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The corrections in force: the newest for each pair of cases (either direction).
    pub async fn cluster_link_edits(&self) -> Result<Vec<LinkEdit>> {
        let rows = sqlx::query(
            "SELECT from_case, to_case, action, reason, actor, at_s FROM cluster_link_edits
             ORDER BY id",
        )
        .fetch_all(&self.reader)
        .await?;
        let mut newest: HashMap<(i64, i64), LinkEdit> = HashMap::new();
        for r in rows {
            let (a, b): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            let action: String = r.try_get(2)?;
            let action = LinkAction::parse(&action)
                .ok_or_else(|| StoreError::Corrupt(format!("cluster link action {action}")))?;
            newest.insert(
                (a.min(b), a.max(b)),
                LinkEdit {
                    from_case: a,
                    to_case: b,
                    action,
                    reason: r.try_get(3)?,
                    actor: r.try_get(4)?,
                    at_s: r.try_get(5)?,
                },
            );
        }
        let mut out: Vec<LinkEdit> = newest.into_values().collect();
        out.sort_by_key(|e| (e.from_case.min(e.to_case), e.from_case.max(e.to_case)));
        Ok(out)
    }
}
