//! F1/F2 follow-up day by day (issue #15, item 3): a contact's calls and visits, its tests,
//! its status, and the daily work lists of a jurisdiction.

use chrono::NaiveDate;
use sqlx::Row;

use domain::contact::ContactStatus;
use domain::epi::TestKind;
use domain::followup::FollowUpStatus;
use domain::{CaseId, PersonId, Scope, Structure, UnitPath, UserId};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::contacts::STORED_CONTACT_COLUMNS;
use crate::page::{Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{day_number, local_day_start_s, typed, Dialect, Result, Store, StoreError};
use crate::{StoredContact, LOCAL_UTC_OFFSET_S};

/// A contact as its follow-up needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowedContact {
    pub id: i64,
    /// The source case; `None` for a contact referred from another locality.
    pub case_id: Option<CaseId>,
    pub person_id: PersonId,
    pub degree: i64,
    pub status: ContactStatus,
    pub follow_status: FollowUpStatus,
    pub quarantine_from_s: Option<i64>,
    pub quarantine_until_s: Option<i64>,
    pub follow_up_until_s: Option<i64>,
    pub became_case_id: Option<CaseId>,
    /// The locality that referred the contact here, and its record key (migration 0039).
    pub referred_from: Option<String>,
    pub remote_ref: Option<String>,
}

/// What a change of a referred contact's follow-up sends back to the locality that
/// referred it (issue #17): this locality's code and key, with which the `referral_status`
/// message is written in the change's own transaction.
#[derive(Clone, Copy)]
pub struct StatusBack<'a> {
    pub me: &'a link::LocalityCode,
    pub key: &'a link::KeyPair,
}

/// A call or visit of one local day.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFollowUp {
    pub day: NaiveDate,
    pub reached: bool,
    pub symptoms: Option<bool>,
    pub temperature_c: Option<f64>,
    pub note: Option<String>,
}

/// A test of a contact taken on `day`; a positive one names the case it made.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContactTest {
    pub day: NaiveDate,
    pub kind: TestKind,
    pub positive: bool,
    pub case_id: Option<CaseId>,
}

/// What a follow-up change writes beside the contact's new status.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUpChange {
    Record(NewFollowUp),
    Test(NewContactTest),
    Release,
    /// Could not be reached; leaves the daily lists.
    Lost,
}

/// A recorded call or visit, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFollowUp {
    pub day: NaiveDate,
    pub reached: bool,
    pub symptoms: Option<bool>,
    pub temperature_c: Option<f64>,
    pub note: Option<String>,
}

/// The daily work lists of a jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkList {
    /// Followed today and not reached yet today, or with a test due today not recorded.
    DueToday,
    /// Followed yesterday and not reached then.
    Missed,
    /// Follow-up ends today.
    EndingToday,
    /// Every contact, whatever its status.
    All,
}

impl WorkList {
    pub const ALL: [WorkList; 4] = [
        WorkList::DueToday,
        WorkList::Missed,
        WorkList::EndingToday,
        WorkList::All,
    ];

    /// How far a list's head counts before it says "more than": a day's lists test each
    /// contact against the day's calls and tests, so they stop at 1,000 (a commune's day
    /// is far below it; a province's work goes page by page, and the dashboard's counters
    /// give its totals); "all" is a plain index range and counts to 10,000.
    pub fn count_cap(self) -> i64 {
        match self {
            WorkList::All => 10_000,
            WorkList::DueToday | WorkList::Missed | WorkList::EndingToday => 1_000,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkList::DueToday => "due_today",
            WorkList::Missed => "missed",
            WorkList::EndingToday => "ending_today",
            WorkList::All => "all",
        }
    }
}

impl std::str::FromStr for WorkList {
    type Err = domain::Reason;
    fn from_str(s: &str) -> Result<WorkList, domain::Reason> {
        WorkList::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or(domain::Reason::UnknownValue)
    }
}

/// Which work list, for which local day, F1 only or all, and whose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkListQuery {
    pub list: WorkList,
    pub today: NaiveDate,
    pub f1_only: bool,
    /// Only the contacts assigned to this officer.
    pub assignee: Option<UserId>,
    /// Only the contacts at this follow-up status.
    pub status: Option<FollowUpStatus>,
    /// Only the contacts living in this unit's subtree (still within the caller's scope).
    pub within: Option<UnitPath>,
    /// Only the contacts whose quarantine ends by then (due and overdue).
    pub quarantine_ends_by_s: Option<i64>,
    /// Only the contacts of this source case.
    pub case: Option<CaseId>,
}

/// Contacts of one degree and follow-up status within a scope (the `follow_tallies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowCount {
    pub degree: i64,
    pub status: FollowUpStatus,
    pub n: i64,
}

/// Contacts assigned to officers at once: at most this many (a page of the list, several
/// times over); a larger batch is refused, not cut.
pub const ASSIGN_MAX: usize = 1000;

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Open statuses as an SQL list (slugs only: no input reaches it).
fn open_statuses() -> String {
    FollowUpStatus::OPEN
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Pushes "the contact is followed on the local day starting at `start`": an open status,
/// recorded by the day's end, and its follow-up (else quarantine) not ended before the day.
/// A contact with neither end stays followed until someone closes it.
fn push_followed_on(sql: &mut Sql, start: i64) {
    sql.push(&format!(" AND follow_status IN ({})", open_statuses()));
    sql.push(" AND created_at_s < ")
        .bind(Val::Int(start + 86_400));
    sql.push(" AND (COALESCE(follow_up_until_s, quarantine_until_s) IS NULL OR COALESCE(follow_up_until_s, quarantine_until_s) >= ")
        .bind(Val::Int(start))
        .push(")");
}

fn push_not_reached_on(sql: &mut Sql, day: NaiveDate) {
    sql.push(" AND NOT EXISTS (SELECT 1 FROM contact_followups f WHERE f.contact_id = contacts.id AND f.reached = 1 AND f.day = ")
        .bind(Val::Text(ymd(day)))
        .push(")");
}

impl Store {
    /// The contact `id` if the caller may see it (by the contact's residence).
    pub async fn followed_contact(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Option<FollowedContact>> {
        let mut conn = self.pool.acquire().await?;
        read_followed(&mut conn, self.dialect, caller, id, false).await
    }

    /// Applies one follow-up change to contact `id` under a lock of its row: `decide` gets
    /// the contact as it stands and answers its next status (`Err`: refused, nothing
    /// written); the record or test is written with the status and audited in the same
    /// transaction. `None`: the contact is not the caller's.
    pub async fn change_follow_up(
        &self,
        caller: &Caller,
        id: i64,
        change: &FollowUpChange,
        decide: impl FnOnce(&FollowedContact) -> Result<FollowUpStatus>,
        now_s: i64,
    ) -> Result<Option<FollowUpStatus>> {
        self.change_follow_up_sending(caller, id, change, decide, now_s, None)
            .await
    }

    /// [`Store::change_follow_up`] that, on a contact referred from another locality and
    /// with `back` given, also writes the `referral_status` message to that locality in the
    /// same transaction (record key: theirs, so their contact gets it in order).
    pub async fn change_follow_up_sending(
        &self,
        caller: &Caller,
        id: i64,
        change: &FollowUpChange,
        decide: impl FnOnce(&FollowedContact) -> Result<FollowUpStatus>,
        now_s: i64,
        back: Option<StatusBack<'_>>,
    ) -> Result<Option<FollowUpStatus>> {
        let mut tx = self.pool.begin().await?;
        let Some(contact) = read_followed(&mut tx, self.dialect, caller, id, true).await? else {
            return Ok(None);
        };
        let next = decide(&contact)?;
        let detail = match change {
            FollowUpChange::Record(r) => {
                sqlx::query(
                    "INSERT INTO contact_followups (contact_id, day, reached, symptoms, temperature_c, note, created_at_s, created_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(ymd(r.day))
                .bind(i64::from(r.reached))
                .bind(r.symptoms.map(i64::from))
                .bind(r.temperature_c)
                .bind(r.note.clone())
                .bind(now_s)
                .bind(caller.user.id.0)
                .execute(&mut *tx)
                .await?;
                format!("follow-up {} reached={}", ymd(r.day), r.reached)
            }
            FollowUpChange::Test(t) => {
                sqlx::query(
                    "INSERT INTO contact_tests (contact_id, day, kind, positive, case_id, created_at_s, created_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(ymd(t.day))
                .bind(t.kind.as_str())
                .bind(i64::from(t.positive))
                .bind(t.case_id.map(|c| c.0))
                .bind(now_s)
                .bind(caller.user.id.0)
                .execute(&mut *tx)
                .await?;
                if let Some(c) = t.case_id {
                    sqlx::query("UPDATE contacts SET became_case_id = $1 WHERE id = $2")
                        .bind(c.0)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                format!(
                    "test {} {} {}",
                    ymd(t.day),
                    t.kind.as_str(),
                    if t.positive { "positive" } else { "negative" }
                )
            }
            FollowUpChange::Release => "released".to_string(),
            FollowUpChange::Lost => "lost".to_string(),
        };
        if next != contact.follow_status {
            sqlx::query("UPDATE contacts SET follow_status = $1 WHERE id = $2")
                .bind(next.as_str())
                .bind(id)
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
                entity: "contact",
                entity_id: id.to_string(),
                detail: Some(format!("{detail}; status {}", next.as_str())),
            }],
            now_s,
        )
        .await?;
        if let (Some(back), Some(from), Some(record)) =
            (back, &contact.referred_from, &contact.remote_ref)
        {
            let to = link::LocalityCode::parse(from)
                .map_err(|_| StoreError::Corrupt("contacts.referred_from".into()))?;
            let body = serde_json::json!({
                "v": 1,
                "follow_status": next.as_str(),
                "event": detail,
                "became_case": next == FollowUpStatus::BecameCase,
            });
            self.enqueue_in(
                &mut tx,
                back.me,
                &to,
                link::Kind::ReferralStatus,
                record,
                body,
                now_s,
                back.key,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(next))
    }

    /// The calls and visits recorded for contact `id`, oldest first (the caller has read
    /// the contact through [`Store::followed_contact`]).
    pub async fn follow_ups_of(&self, id: i64) -> Result<Vec<StoredFollowUp>> {
        sqlx::query(
            "SELECT day, reached, symptoms, temperature_c, note FROM contact_followups
             WHERE contact_id = $1 ORDER BY day, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let day: String = r.try_get(0)?;
            Ok(StoredFollowUp {
                day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .map_err(|_| StoreError::Corrupt("contact_followups.day".into()))?,
                reached: r.try_get::<i64, _>(1)? == 1,
                symptoms: r.try_get::<Option<i64>, _>(2)?.map(|s| s == 1),
                temperature_c: r.try_get(3)?,
                note: r.try_get(4)?,
            })
        })
        .collect()
    }

    /// A daily work list of the caller's jurisdiction (by the contact's residence), in id
    /// order, paged; one audit row names every person it showed.
    pub async fn work_list(
        &self,
        caller: &Caller,
        structure: Structure,
        q: &WorkListQuery,
        page: &PageRequest,
        now_s: i64,
    ) -> Result<Page<StoredContact>> {
        let sql = self.work_sql(
            &format!("SELECT {STORED_CONTACT_COLUMNS}"),
            caller,
            structure,
            q,
        );
        let detail = format!("work list {} {}", q.list.as_str(), ymd(q.today));
        self.contact_page(
            caller,
            structure,
            sql,
            page,
            String::new(),
            Some(detail),
            now_s,
        )
        .await
    }

    /// How many contacts a work list holds, counting at most `cap` (`None`: more than
    /// that): a figure for the list's head that stays cheap however long the list is.
    pub async fn work_list_count(
        &self,
        caller: &Caller,
        structure: Structure,
        q: &WorkListQuery,
        cap: i64,
    ) -> Result<Option<i64>> {
        let mut sql = self.work_sql("SELECT COUNT(*) FROM (SELECT 1", caller, structure, q);
        sql.push(" LIMIT ")
            .bind(Val::Int(cap + 1))
            .push(") AS listed");
        let n: i64 = sql.query().fetch_one(&self.reader).await?.try_get(0)?;
        Ok((n <= cap).then_some(n))
    }

    /// The query of a work list's rows, `select` the text before its `FROM`.
    fn work_sql(
        &self,
        select: &str,
        caller: &Caller,
        structure: Structure,
        q: &WorkListQuery,
    ) -> Sql {
        let today = day_number(q.today);
        let start = local_day_start_s(today);
        let mut sql = Sql::new(
            self.dialect,
            &format!("{select} FROM contacts WHERE structure = "),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", &caller.scope, structure);
        if q.f1_only {
            sql.push(" AND degree = 1");
        }
        if let Some(u) = q.assignee {
            sql.push(" AND assigned_to = ").bind(Val::Int(u.0));
        }
        if let Some(s) = q.status {
            sql.push(" AND follow_status = ")
                .bind(Val::Text(s.as_str().into()));
        }
        if let Some(c) = q.case {
            sql.push(" AND case_id = ").bind(Val::Int(c.0));
        }
        if let Some(t) = q.quarantine_ends_by_s {
            sql.push(" AND quarantine_until_s <= ").bind(Val::Int(t));
        }
        if let Some(path) = &q.within {
            sql.push(" AND unit_path >= ")
                .bind(Val::Text(path.as_str().into()));
            sql.push(" AND unit_path < ")
                .bind(Val::Text(path.subtree_upper_bound()));
        }
        match q.list {
            WorkList::DueToday => {
                push_followed_on(&mut sql, start);
                // Due: not reached today, or a test due today (day 1 is the quarantine's
                // first local day: test days lie in 1..=its days) and none recorded today.
                // Written as its negation in one NOT EXISTS: "no call reached them today
                // unless a test is due and missing". PostgreSQL turns one NOT EXISTS into an
                // anti-join that walks today's calls in step with the contacts; the two
                // NOT EXISTS joined by OR were a subplan hashing every call of the day
                // before the first row (the province's count: 107 -> 14 ms on a scratch
                // database; docs/BENCHMARKS.md). The test-day test is never NULL (each
                // operand is guarded), so its negation is exact.
                sql.push(" AND NOT EXISTS (SELECT 1 FROM contact_followups f WHERE f.contact_id = contacts.id AND f.reached = 1 AND f.day = ")
                    .bind(Val::Text(ymd(q.today)));
                sql.push(" AND NOT (quarantine_from_s IS NOT NULL AND test_days IS NOT NULL AND (',' || test_days || ',') LIKE ('%,' || CAST(")
                    .bind(Val::Int(today + 1))
                    .push(&format!(
                        " - (quarantine_from_s + {LOCAL_UTC_OFFSET_S}) / 86400 AS TEXT) || ',%')"
                    ));
                sql.push(" AND NOT EXISTS (SELECT 1 FROM contact_tests t WHERE t.contact_id = contacts.id AND t.day = ")
                    .bind(Val::Text(ymd(q.today)))
                    .push(")))");
            }
            WorkList::Missed => {
                let yesterday = q.today.pred_opt().unwrap_or(q.today);
                push_followed_on(&mut sql, start - 86_400);
                push_not_reached_on(&mut sql, yesterday);
            }
            WorkList::EndingToday => {
                sql.push(&format!(" AND follow_status IN ({})", open_statuses()));
                sql.push(" AND COALESCE(follow_up_until_s, quarantine_until_s) >= ")
                    .bind(Val::Int(start))
                    .push(" AND COALESCE(follow_up_until_s, quarantine_until_s) < ")
                    .bind(Val::Int(start + 86_400));
            }
            WorkList::All => {}
        }
        sql
    }
}

impl Store {
    /// Assigns the contacts `ids` to `officer` (`None`: to nobody), all or none: every
    /// contact must be the caller's and inside `officer_scope` (the officer must be able to
    /// see whom they follow), else nothing changes and the ids at fault are answered
    /// (`Err(ids)`). One audit row names the contacts and the officer.
    pub async fn assign_contacts(
        &self,
        caller: &Caller,
        ids: &[i64],
        officer: Option<(UserId, &Scope)>,
        now_s: i64,
    ) -> Result<std::result::Result<u64, Vec<i64>>> {
        let mut tx = self.pool.begin().await?;
        let mut refused = Vec::new();
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(
                self.dialect,
                "SELECT id, structure, unit_path FROM contacts WHERE id IN (",
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Val::Int(*id));
            }
            sql.push(")");
            let rows = sql.query().fetch_all(&mut *tx).await?;
            let mut seen = std::collections::HashSet::new();
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                let structure: Structure = typed::slug(r, 1, "contacts.structure")?;
                let path: String = r.try_get(2)?;
                let path = UnitPath::from_stored(&path)
                    .ok_or_else(|| StoreError::Corrupt("contacts.unit_path".into()))?;
                let theirs = officer.is_none_or(|(_, s)| s.contains(structure, &path));
                if caller.scope.contains(structure, &path) && theirs {
                    seen.insert(id);
                }
            }
            refused.extend(chunk.iter().filter(|id| !seen.contains(id)));
        }
        if !refused.is_empty() {
            refused.sort_unstable();
            refused.dedup();
            return Ok(Err(refused));
        }
        let mut changed = 0;
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(self.dialect, "UPDATE contacts SET assigned_to = ");
            sql.bind(match officer {
                Some((u, _)) => Val::OptInt(Some(u.0)),
                None => Val::OptInt(None),
            });
            sql.push(" WHERE id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Val::Int(*id));
            }
            sql.push(")");
            changed += sql.query().execute(&mut *tx).await?.rows_affected();
        }
        let detail = match officer {
            Some((u, _)) => format!("assigned to user {}", u.0),
            None => "assignment removed".into(),
        };
        // One row per contact: each record's history shows who was given it.
        let entries: Vec<AuditEntry> = ids
            .iter()
            .map(|id| AuditEntry {
                user: Some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Update,
                entity: "contact",
                entity_id: id.to_string(),
                detail: Some(detail.clone()),
            })
            .collect();
        audit::append(&mut tx, self.dialect, entries, now_s).await?;
        tx.commit().await?;
        Ok(Ok(changed))
    }

    /// The follow-up counters within a scope, from the tally the triggers keep: a sum over
    /// the scope's units. Statuses with no contact are left out.
    pub async fn follow_counts(
        &self,
        scope: &Scope,
        structure: Structure,
    ) -> Result<Vec<FollowCount>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT degree, follow_status, CAST(SUM(n) AS BIGINT) FROM follow_tallies WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(" GROUP BY degree, follow_status ORDER BY degree, follow_status");
        let mut out = Vec::new();
        for r in sql.query().fetch_all(&self.reader).await? {
            let n: i64 = r.try_get(2)?;
            if n == 0 {
                continue;
            }
            out.push(FollowCount {
                degree: r.try_get(0)?,
                status: typed::slug(&r, 1, "follow_tallies.follow_status")?,
                n,
            });
        }
        Ok(out)
    }
}

async fn read_followed(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    caller: &Caller,
    id: i64,
    lock: bool,
) -> Result<Option<FollowedContact>> {
    let lock = match (dialect, lock) {
        (Dialect::Postgres, true) => " FOR UPDATE",
        _ => "",
    };
    let row = sqlx::query(&format!(
        "SELECT id, case_id, person_id, degree, status, follow_status, quarantine_from_s,
                quarantine_until_s, follow_up_until_s, became_case_id, structure, unit_path,
                referred_from, remote_ref
         FROM contacts WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let structure: Structure = typed::slug(&r, 10, "contacts.structure")?;
    let path: String = r.try_get(11)?;
    let path = UnitPath::from_stored(&path)
        .ok_or_else(|| StoreError::Corrupt("contacts.unit_path".into()))?;
    if !caller.scope.contains(structure, &path) {
        return Ok(None);
    }
    Ok(Some(FollowedContact {
        id: r.try_get(0)?,
        case_id: r.try_get::<Option<i64>, _>(1)?.map(CaseId),
        person_id: PersonId(r.try_get(2)?),
        degree: r.try_get(3)?,
        status: typed::slug(&r, 4, "contacts.status")?,
        follow_status: typed::slug(&r, 5, "contacts.follow_status")?,
        quarantine_from_s: r.try_get(6)?,
        quarantine_until_s: r.try_get(7)?,
        follow_up_until_s: r.try_get(8)?,
        became_case_id: r.try_get::<Option<i64>, _>(9)?.map(CaseId),
        referred_from: r.try_get(12)?,
        remote_ref: r.try_get(13)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::open_statuses;

    /// The lists' condition on the status is the open-contacts index's own, word for word:
    /// a planner uses a partial index only when the query says what its condition says.
    #[test]
    fn the_open_contacts_index_says_what_the_lists_say() {
        let said = format!("follow_status IN ({})", open_statuses());
        // PostgreSQL only: SQLite planned worse with it (migration 0032's note).
        let file = include_str!("../migrations/postgres/0032_contacts_open.sql");
        assert!(file.contains(&said), "{said}");
    }
}
