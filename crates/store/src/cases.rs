//! F0 cases: listed and read within the caller's scope, every access audited.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::epi::{CaseStatus, Severity, TestKind};
use domain::{CaseId, PersonId, Structure, UnitPath};

use crate::audit::{self, AuditAction, AuditEntry, AuditList, Place};
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::units::code_col;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: CaseId,
    pub person_id: PersonId,
    pub structure: Structure,
    pub unit_code: domain::UnitCode,
    pub unit_path: UnitPath,
    pub status: CaseStatus,
    pub severity: Severity,
    pub onset_s: Option<i64>,
    pub first_sample_s: i64,
    pub confirmed_at_s: i64,
    pub isolation_s: Option<i64>,
    pub community: bool,
    pub outcome_at_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub kind: TestKind,
    pub sample_s: i64,
    pub result_s: i64,
    pub positive: bool,
    pub ct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub at: DateTime<Utc>,
    pub status: CaseStatus,
    pub severity: Severity,
    pub actor: String,
    pub note: Option<String>,
}

/// A case with its tests and history, for the case page.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDetail {
    pub case: Case,
    pub tests: Vec<TestResult>,
    pub history: Vec<StatusChange>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    /// Confirmed at or after.
    pub confirmed_from_s: Option<i64>,
    /// Confirmed before.
    pub confirmed_to_s: Option<i64>,
    /// Only cases of this unit's subtree (still within the caller's scope).
    pub within: Option<domain::UnitPath>,
    pub severity: Option<domain::epi::Severity>,
    /// Oldest confirmed first (else newest first).
    pub oldest_first: bool,
}

impl CaseFilter {
    /// ` ORDER BY …` of the list's order, columns prefixed by `p`.
    pub(crate) fn order_by(&self, p: &str) -> String {
        let dir = if self.oldest_first { "ASC" } else { "DESC" };
        format!(" ORDER BY {p}confirmed_at_s {dir}, {p}id {dir}")
    }
}

pub(crate) const CASE_COLUMNS: &str =
    "id, person_id, structure, unit_code, unit_path, status, severity, onset_s, \
     first_sample_s, confirmed_at_s, isolation_s, community, outcome_at_s";

/// The list's filter, scope and cursor after `structure = …`, on columns prefixed by `p`
/// (`""`, or `"c."` in a join): one definition for the case list and its line list.
pub(crate) fn push_case_filter(
    sql: &mut Sql,
    p: &str,
    caller: &Caller,
    structure: Structure,
    filter: &CaseFilter,
    page: &PageRequest,
) -> Result<()> {
    sql.push_scope(&format!("{p}unit_path"), &caller.scope, structure);
    if let Some(s) = filter.status {
        sql.push(&format!(" AND {p}status = "))
            .bind(Val::Text(s.as_str().into()));
    }
    if let Some(t) = filter.confirmed_from_s {
        sql.push(&format!(" AND {p}confirmed_at_s >= "))
            .bind(Val::Int(t));
    }
    if let Some(path) = &filter.within {
        sql.push(&format!(" AND {p}unit_path >= "))
            .bind(Val::Text(path.as_str().into()));
        sql.push(&format!(" AND {p}unit_path < "))
            .bind(Val::Text(path.subtree_upper_bound()));
    }
    if let Some(s) = filter.severity {
        sql.push(&format!(" AND {p}severity = "))
            .bind(Val::Text(s.as_str().into()));
    }
    if let Some(t) = filter.confirmed_to_s {
        sql.push(&format!(" AND {p}confirmed_at_s < "))
            .bind(Val::Int(t));
    }
    if let Some(after) = &page.after {
        let [t, id] = after.expect(2)? else {
            return Err(StoreError::BadCursor);
        };
        let t: i64 = t.parse().map_err(|_| StoreError::BadCursor)?;
        let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
        // `t` bounds the time on its own as well (`<= t AND (< t OR id < …)`): with the OR
        // alone neither planner started the index walk at the cursor, so each page of an
        // export read again every case before it (68 ms a page at 1 million on SQLite).
        let (after, upto) = if filter.oldest_first {
            (">", ">=")
        } else {
            ("<", "<=")
        };
        sql.push(&format!(" AND {p}confirmed_at_s {upto} "))
            .bind(Val::Int(t));
        sql.push(&format!(" AND ({p}confirmed_at_s {after} "))
            .bind(Val::Int(t));
        sql.push(&format!(" OR {p}id {after} "))
            .bind(Val::Int(id))
            .push(")");
    }
    Ok(())
}

fn audit_entry(caller: &Caller, action: AuditAction, id: CaseId) -> AuditEntry {
    AuditEntry {
        user: Some(caller.user.id),
        actor: caller.user.username.clone(),
        action,
        entity: "case",
        entity_id: id.to_string(),
        detail: None,
    }
}

impl Store {
    /// Newest confirmed first, within the caller's scope; every listed case is audited.
    pub async fn list_cases(
        &self,
        caller: &Caller,
        structure: Structure,
        filter: &CaseFilter,
        page: &PageRequest,
        now_s: i64,
    ) -> Result<Page<Case>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {CASE_COLUMNS} FROM cases WHERE structure = "),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        push_case_filter(&mut sql, "", caller, structure, filter, page)?;
        let limit = page.limit();
        sql.push(&filter.order_by(""))
            .push(" LIMIT ")
            .bind(Val::Int(limit + 1));
        let mut conn = self.reader.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let items = rows.iter().map(case_from_row).collect::<Result<Vec<_>>>()?;
        let page = Page::from_overfetch(items, limit, |c| {
            Cursor::new(vec![c.confirmed_at_s.to_string(), c.id.to_string()])
        });
        // One row for the page, naming every case on it (issue #12, item 15).
        let list = AuditList::new(
            caller,
            "cases",
            "",
            "case",
            page.items.iter().map(|c| c.id.0).collect(),
            Place::enclosing(page.items.iter().map(|c| (c.structure, &c.unit_path))),
        );
        self.audit_read(conn, now_s, audit::Pending::List(list))
            .await?;
        Ok(page)
    }

    /// How many cases a filtered list holds, counting at most `cap` (`None`: more than
    /// that): a figure for the list's head that stays cheap however many cases there are.
    pub async fn count_cases(
        &self,
        caller: &Caller,
        structure: Structure,
        filter: &CaseFilter,
        cap: i64,
    ) -> Result<Option<i64>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        push_case_filter(
            &mut sql,
            "",
            caller,
            structure,
            filter,
            &PageRequest::first(1),
        )?;
        sql.push(" LIMIT ")
            .bind(Val::Int(cap + 1))
            .push(") AS listed");
        let n: i64 = sql.query().fetch_one(&self.reader).await?.try_get(0)?;
        Ok((n <= cap).then_some(n))
    }

    /// A case in scope with its tests and history (audited as read), or None.
    pub async fn get_case(
        &self,
        caller: &Caller,
        id: CaseId,
        now_s: i64,
    ) -> Result<Option<CaseDetail>> {
        let mut conn = self.reader.acquire().await?;
        let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(case) = row.as_ref().map(case_from_row).transpose()? else {
            return Ok(None);
        };
        if !caller.scope.contains(case.structure, &case.unit_path) {
            return Ok(None);
        }
        let tests = sqlx::query(
            "SELECT kind, sample_s, result_s, positive, ct FROM tests
             WHERE case_id = $1 ORDER BY sample_s, id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(TestResult {
                kind: kind
                    .parse()
                    .map_err(|_| StoreError::Corrupt("tests.kind".into()))?,
                sample_s: r.try_get("sample_s")?,
                result_s: r.try_get("result_s")?,
                positive: r.try_get::<i64, _>("positive")? != 0,
                ct: r.try_get("ct")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let history = sqlx::query(
            "SELECT at_s, status, severity, actor, note FROM case_status_history
             WHERE case_id = $1 ORDER BY at_s, id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            let severity: String = r.try_get("severity")?;
            Ok(StatusChange {
                at: DateTime::from_timestamp(r.try_get("at_s")?, 0).unwrap_or_default(),
                status: status
                    .parse()
                    .map_err(|_| StoreError::Corrupt("history.status".into()))?,
                severity: severity
                    .parse()
                    .map_err(|_| StoreError::Corrupt("history.severity".into()))?,
                actor: r.try_get("actor")?,
                note: r.try_get("note")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        self.audit_read(
            conn,
            now_s,
            audit::Pending::Rows(vec![audit_entry(caller, AuditAction::Read, id)]),
        )
        .await?;
        Ok(Some(CaseDetail {
            case,
            tests,
            history,
        }))
    }
}

pub(crate) fn case_from_row(r: &AnyRow) -> Result<Case> {
    let corrupt = |w: &str| StoreError::Corrupt(format!("cases.{w}"));
    let structure: String = r.try_get("structure")?;
    let status: String = r.try_get("status")?;
    let severity: String = r.try_get("severity")?;
    let path: String = r.try_get("unit_path")?;
    Ok(Case {
        id: CaseId(r.try_get("id")?),
        person_id: PersonId(r.try_get("person_id")?),
        structure: structure.parse().map_err(|_| corrupt("structure"))?,
        unit_code: code_col(r, "unit_code")?,
        unit_path: UnitPath::from_stored(&path).ok_or_else(|| corrupt("unit_path"))?,
        status: status.parse().map_err(|_| corrupt("status"))?,
        severity: severity.parse().map_err(|_| corrupt("severity"))?,
        onset_s: r.try_get("onset_s")?,
        first_sample_s: r.try_get("first_sample_s")?,
        confirmed_at_s: r.try_get("confirmed_at_s")?,
        isolation_s: r.try_get("isolation_s")?,
        community: r.try_get::<i64, _>("community")? != 0,
        outcome_at_s: r.try_get("outcome_at_s")?,
    })
}

/// A change of a case's status, severity or isolation, at a time.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub status: CaseStatus,
    pub severity: Severity,
    pub isolation_s: Option<i64>,
    pub note: Option<String>,
    pub at_s: i64,
}

/// A new F0 from a positive test.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub person_id: PersonId,
    pub severity: Severity,
    pub onset_s: Option<i64>,
    pub test: TestResult,
    pub isolation_s: Option<i64>,
    pub community: bool,
}

impl Store {
    /// Registers an F0 for a person in scope (the case's unit is the person's residence),
    /// with its positive test and the first line of its history, audited.
    pub async fn create_case(&self, caller: &Caller, new: &NewCase, now_s: i64) -> Result<CaseId> {
        let mut tx = self.pool.begin().await?;
        let id = self.create_case_in(&mut tx, caller, new, now_s).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// [`Store::create_case`] inside the caller's transaction (a line list of several
    /// cases is written in one); on an error the caller rolls back.
    pub(crate) async fn create_case_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        new: &NewCase,
        now_s: i64,
    ) -> Result<CaseId> {
        // The person's row is locked (PostgreSQL; SQLite has one writer) so that two
        // registrations of the same episode cannot both pass the check below.
        let lock = match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "SELECT structure, unit_code, unit_path, merged_into FROM persons WHERE id = $1{lock}"
        ))
        .bind(new.person_id.0)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Invalid(vec![domain::FieldError::new(
                "person_id",
                domain::Reason::NotFound,
            )]));
        };
        let structure: String = row.try_get(0)?;
        let unit_code: String = row.try_get(1)?;
        let path: String = row.try_get(2)?;
        let merged: Option<i64> = row.try_get(3)?;
        let (Ok(s), Some(p)) = (structure.parse::<Structure>(), UnitPath::from_stored(&path))
        else {
            return Err(StoreError::Corrupt("persons.unit".into()));
        };
        if !caller.scope.contains(s, &p) || merged.is_some() {
            return Err(StoreError::Invalid(vec![domain::FieldError::new(
                "person_id",
                domain::Reason::NotFound,
            )]));
        }
        // One case per person per episode: not while one is active, and not twice from the
        // same positive test. A reinfection after recovery is a new case.
        let existing: Option<i64> = sqlx::query(
            "SELECT id FROM cases WHERE person_id = $1 AND (status = 'active' OR first_sample_s = $2)
             ORDER BY id LIMIT 1",
        )
        .bind(new.person_id.0)
        .bind(new.test.sample_s)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        if let Some(existing) = existing {
            return Err(StoreError::CaseExists {
                existing: CaseId(existing),
            });
        }
        let id: i64 = sqlx::query(
            "INSERT INTO cases (person_id, structure, unit_code, unit_path, status, severity, onset_s,
                                first_sample_s, confirmed_at_s, isolation_s, community, outcome_at_s,
                                created_at_s, created_by, updated_at_s)
             VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $10, NULL, $11, $12, $11) RETURNING id",
        )
        .bind(new.person_id.0)
        .bind(&structure)
        .bind(&unit_code)
        .bind(&path)
        .bind(new.severity.as_str())
        .bind(new.onset_s)
        .bind(new.test.sample_s)
        .bind(new.test.result_s)
        .bind(new.isolation_s)
        .bind(i64::from(new.community))
        .bind(now_s)
        .bind(caller.user.id.0)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO tests (person_id, case_id, kind, sample_s, result_s, positive, ct)
             VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(new.person_id.0)
        .bind(id)
        .bind(new.test.kind.as_str())
        .bind(new.test.sample_s)
        .bind(new.test.result_s)
        .bind(new.test.ct)
        // sqlx 0.8's Any driver types a NULL f64 as float4 for PostgreSQL; a cached statement
        // would then reject a later real Ct value (see sql.rs).
        .persistent(false)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO case_status_history (case_id, at_s, status, severity, actor, note)
             VALUES ($1, $2, 'active', $3, $4, NULL)",
        )
        .bind(id)
        .bind(new.test.result_s)
        .bind(new.severity.as_str())
        .bind(&caller.user.username)
        .execute(&mut **tx)
        .await?;
        audit::append(
            tx,
            self.dialect,
            [audit_entry(caller, AuditAction::Create, CaseId(id))],
            now_s,
        )
        .await?;
        crate::recent_cases::bump(tx, crate::recent_cases::CASES).await?;
        Ok(CaseId(id))
    }

    /// Records a change of status or severity (or isolation), with who and when. False when
    /// the case is not in scope. The change must be one the case's life allows and be dated
    /// no earlier than what the record holds (`domain::epi::check_status_change`), else
    /// `Refused` and nothing is written. The case's row is locked while the rule is checked
    /// and the change written (`FOR UPDATE` on PostgreSQL; SQLite's one connection serialises
    /// the transaction), so racing changes apply one after another and the case's status is
    /// always the last line of its history.
    pub async fn update_case_status(
        &self,
        caller: &Caller,
        id: CaseId,
        change: &StatusUpdate,
        now_s: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let change = Outcome {
            status: change.status,
            severity: Some(change.severity),
            isolation_s: change.isolation_s,
            note: change.note.clone(),
            at_s: change.at_s,
            same_is_done: false,
        };
        if !self
            .change_status_in(&mut tx, caller, id, &change, now_s)
            .await?
        {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The status change of [`Store::update_case_status`] inside the caller's transaction
    /// (a discharge as recovered or died records the case's outcome in its own). False when
    /// the case is not in scope; nothing is written then, and the caller rolls back.
    pub(crate) async fn change_status_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        caller: &Caller,
        id: CaseId,
        change: &Outcome,
        now_s: i64,
    ) -> Result<bool> {
        let status = change.status;
        let (isolation_s, at_s) = (change.isolation_s, change.at_s);
        let lock = match self.dialect {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        // Lock first, then read: on PostgreSQL a statement that waited for the lock still
        // reads the rest of the database (the history) as it was when it started, so the
        // state is read by the next statement, once the lock is held.
        if sqlx::query(&format!("SELECT id FROM cases WHERE id = $1{lock}"))
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Ok(false);
        }
        let row = sqlx::query(
            "SELECT structure, unit_path, status, confirmed_at_s, onset_s, outcome_at_s,
                    (SELECT MAX(h.at_s) FROM case_status_history h WHERE h.case_id = cases.id),
                    severity
             FROM cases WHERE id = $1",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
        let structure: String = row.try_get(0)?;
        let path: String = row.try_get(1)?;
        let visible = structure
            .parse::<Structure>()
            .ok()
            .zip(UnitPath::from_stored(&path))
            .is_some_and(|(s, p)| caller.scope.contains(s, &p));
        if !visible {
            return Ok(false);
        }
        let current: String = row.try_get(2)?;
        let current: CaseStatus = current
            .parse()
            .map_err(|_| StoreError::Corrupt("cases.status".into()))?;
        if change.same_is_done && current == status && status != CaseStatus::Active {
            // The outcome is already recorded (a status change came first): kept as it is.
            return Ok(true);
        }
        let severity = match change.severity {
            Some(s) => s,
            None => {
                let s: String = row.try_get(7)?;
                s.parse()
                    .map_err(|_| StoreError::Corrupt("cases.severity".into()))?
            }
        };
        // The case's status holds since its last change, or its confirmation, onset or
        // outcome, whichever is latest (cases loaded in bulk have no history lines).
        let since = [
            Some(row.try_get::<i64, _>(3)?),
            row.try_get::<Option<i64>, _>(4)?,
            row.try_get::<Option<i64>, _>(5)?,
            row.try_get::<Option<i64>, _>(6)?,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(i64::MIN);
        domain::epi::check_status_change(current, since, status, at_s).map_err(|r| {
            StoreError::Refused(match r {
                domain::epi::StatusRefusal::Transition => crate::aid::Refusal::CaseStatus,
                domain::epi::StatusRefusal::TooEarly => crate::aid::Refusal::CaseStatusTime {
                    not_before_s: since,
                },
            })
        })?;
        let outcome = (status != CaseStatus::Active).then_some(at_s);
        sqlx::query(
            "UPDATE cases SET status = $1, severity = $2, isolation_s = COALESCE($3, isolation_s),
                              outcome_at_s = $4, updated_at_s = $5 WHERE id = $6",
        )
        .bind(status.as_str())
        .bind(severity.as_str())
        .bind(isolation_s)
        .bind(outcome)
        .bind(now_s)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO case_status_history (case_id, at_s, status, severity, actor, note)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.0)
        .bind(at_s)
        .bind(status.as_str())
        .bind(severity.as_str())
        .bind(&caller.user.username)
        .bind(change.note.clone())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut *tx,
            self.dialect,
            [audit_entry(caller, AuditAction::Update, id)],
            now_s,
        )
        .await?;
        crate::recent_cases::bump(&mut *tx, crate::recent_cases::CASES).await?;
        Ok(true)
    }

    /// Adds a test result to a case (a later PCR, a negative or release test), with who and
    /// when in the audit. False when the case is not in scope; nothing is written then.
    pub async fn add_case_test(
        &self,
        caller: &Caller,
        id: CaseId,
        test: &TestResult,
        now_s: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let added = self
            .add_case_test_in(&mut tx, caller, id, test, now_s)
            .await?;
        if added {
            tx.commit().await?;
        }
        Ok(added)
    }

    /// [`Store::add_case_test`]'s writes inside the caller's transaction (an import commits
    /// them with its record, or nothing).
    pub(crate) async fn add_case_test_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        id: CaseId,
        test: &TestResult,
        now_s: i64,
    ) -> Result<bool> {
        let Some(row) =
            sqlx::query("SELECT person_id, structure, unit_path FROM cases WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?
        else {
            return Ok(false);
        };
        let (person, structure, path): (i64, String, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let visible = structure
            .parse::<Structure>()
            .ok()
            .zip(UnitPath::from_stored(&path))
            .is_some_and(|(s, p)| caller.scope.contains(s, &p));
        if !visible {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO tests (person_id, case_id, kind, sample_s, result_s, positive, ct)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(person)
        .bind(id.0)
        .bind(test.kind.as_str())
        .bind(test.sample_s)
        .bind(test.result_s)
        .bind(i64::from(test.positive))
        .bind(test.ct)
        // A NULL f64 is typed float4 by sqlx's Any driver for PostgreSQL (see create_case).
        .persistent(false)
        .execute(&mut **tx)
        .await?;
        let mut entry = audit_entry(caller, AuditAction::Update, id);
        entry.detail = Some("test".into());
        audit::append(tx, self.dialect, [entry], now_s).await?;
        crate::recent_cases::bump(tx, crate::recent_cases::CASES).await?;
        Ok(true)
    }
}

/// A change of a case's status as [`Store::change_status_in`] takes it: the severity kept
/// when absent, and (for an outcome recorded by a discharge) nothing written when the case
/// already has that outcome.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub status: CaseStatus,
    pub severity: Option<Severity>,
    pub isolation_s: Option<i64>,
    pub note: Option<String>,
    pub at_s: i64,
    pub same_is_done: bool,
}

/// The dashboard's case figures within a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseCounts {
    pub new_today: i64,
    pub new_7d: i64,
    pub active: i64,
    pub recovered: i64,
    pub died: i64,
    /// Active cases per severity slug.
    pub active_by_severity: Vec<(String, i64)>,
    /// Contacts in quarantine whose quarantine has not ended.
    pub f1_in_quarantine: i64,
}

/// ` AND day <op> ` for a tally read within `scope`. The tallies have two indexes, by unit
/// path then day and by day; SQLite picks between them without statistics, so a scoped read
/// says `+day` (an expression no index serves, the same number on both databases) to keep
/// it on the path index, and the whole locality's read leaves `day` to the day index.
fn day_col(scope: &domain::Scope, op: &str) -> String {
    let col = if scope.is_everything() { "day" } else { "+day" };
    format!(" AND {col}{op}")
}

impl Store {
    /// Counts for the dashboard within a scope, from the tallies the triggers keep
    /// (`case_tallies`, `case_days`, `quarantine_ends`): a sum over the scope's units,
    /// however many cases and contacts there are.
    pub async fn case_counts(
        &self,
        scope: &domain::Scope,
        structure: Structure,
        now_s: i64,
    ) -> Result<CaseCounts> {
        let today = crate::local_day(now_s);
        let mut c = CaseCounts::default();

        let mut sql = Sql::new(
            self.dialect,
            "SELECT status, severity, CAST(SUM(n) AS BIGINT) FROM case_tallies WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(" GROUP BY status, severity ORDER BY status, severity");
        for r in sql.query().fetch_all(&self.reader).await? {
            let status: String = r.try_get(0)?;
            let severity: String = r.try_get(1)?;
            let n: i64 = r.try_get(2)?;
            if n == 0 {
                continue;
            }
            match status.as_str() {
                "active" => {
                    c.active += n;
                    c.active_by_severity.push((severity, n));
                }
                "recovered" => c.recovered += n,
                "died" => c.died += n,
                _ => {}
            }
        }

        let mut sql = Sql::new(self.dialect, "SELECT CAST(COALESCE(SUM(CASE WHEN day = ");
        sql.bind(Val::Int(today));
        sql.push(" THEN n ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM case_days WHERE structure = ")
            .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(&day_col(scope, " >= ")).bind(Val::Int(today - 6));
        sql.push(&day_col(scope, " <= ")).bind(Val::Int(today));
        let r = sql.query().fetch_one(&self.reader).await?;
        c.new_today = r.try_get(0)?;
        c.new_7d = r.try_get(1)?;

        // In quarantine now: those whose quarantine ends on a later day (tallied), and those
        // ending later today (counted: a day's releases at most).
        let mut sql = Sql::new(
            self.dialect,
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM quarantine_ends WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(&day_col(scope, " > ")).bind(Val::Int(today));
        let later: i64 = sql.query().fetch_one(&self.reader).await?.try_get(0)?;
        let mut sql = Sql::new(
            self.dialect,
            "SELECT COUNT(*) FROM contacts WHERE status = 'quarantine'
             AND follow_status NOT IN ('released', 'became_case') AND quarantine_until_s > ",
        );
        sql.bind(Val::Int(now_s));
        sql.push(" AND quarantine_until_s < ")
            .bind(Val::Int(crate::local_day_start_s(today + 1)));
        sql.push(" AND structure = ")
            .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        let today_left: i64 = sql.query().fetch_one(&self.reader).await?.try_get(0)?;
        c.f1_in_quarantine = later + today_left;
        Ok(c)
    }
}

impl Store {
    /// Cases confirmed on each local day from `first` to `last` (inclusive), within a scope,
    /// from the `case_days` tally: one count per day, days without cases as zero.
    pub async fn daily_case_counts(
        &self,
        scope: &domain::Scope,
        structure: Structure,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> Result<Vec<i64>> {
        let (from, to) = (crate::day_number(first), crate::day_number(last));
        let mut sql = Sql::new(
            self.dialect,
            "SELECT day, CAST(SUM(n) AS BIGINT) FROM case_days WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(&day_col(scope, " >= ")).bind(Val::Int(from));
        sql.push(&day_col(scope, " <= ")).bind(Val::Int(to));
        sql.push(" GROUP BY day");
        let mut days = vec![0; usize::try_from(to - from + 1).unwrap_or(0)];
        for (day, n) in sql.fetch_pairs::<i64, i64>(&self.reader).await? {
            if let Some(slot) = usize::try_from(day - from)
                .ok()
                .and_then(|i| days.get_mut(i))
            {
                *slot = n;
            }
        }
        Ok(days)
    }

    /// Cases confirmed from local day `first` to `last` (inclusive) within the scope, per
    /// severity as recorded on the case now (a case that worsened counts as its worst
    /// recorded state once it is recorded): the locality's own severity mix. Severities
    /// without cases are left out.
    pub async fn severity_counts(
        &self,
        scope: &domain::Scope,
        structure: Structure,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> Result<Vec<(Severity, i64)>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT severity, COUNT(*) FROM cases WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(" AND confirmed_at_s >= ")
            .bind(Val::Int(crate::local_day_start_s(crate::day_number(first))));
        sql.push(" AND confirmed_at_s < ")
            .bind(Val::Int(crate::local_day_start_s(
                crate::day_number(last) + 1,
            )));
        sql.push(" GROUP BY severity");
        sql.fetch_pairs::<String, i64>(&self.reader)
            .await?
            .into_iter()
            .map(|(s, n)| {
                let s = s
                    .parse()
                    .map_err(|_| StoreError::Corrupt("cases.severity".into()))?;
                Ok((s, n))
            })
            .collect()
    }

    /// Cases confirmed from local day `first` to `last` (inclusive) per unit of record (the
    /// commune), within the scope, from the `case_days` tally; the map and risk levels roll
    /// communes up themselves.
    pub async fn cases_by_unit(
        &self,
        scope: &domain::Scope,
        structure: Structure,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> Result<Vec<(String, i64)>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT unit_code, CAST(SUM(n) AS BIGINT) FROM case_days WHERE structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(&day_col(scope, " >= "))
            .bind(Val::Int(crate::day_number(first)));
        sql.push(&day_col(scope, " <= "))
            .bind(Val::Int(crate::day_number(last)));
        sql.push(" GROUP BY unit_code HAVING SUM(n) > 0");
        sql.fetch_pairs(&self.reader).await
    }
}
