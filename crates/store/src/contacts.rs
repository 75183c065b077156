//! What the tracing engine reads (all check-ins, households, declared contacts, venue
//! kinds) and what tracing writes (the contacts of a case, with quarantine due dates).

use std::collections::HashMap;

use sqlx::Row;

use domain::contact::{ContactReason, ContactSetting, ContactStatus};
use domain::epi::VenueKind;
use domain::followup::FollowUpStatus;
use domain::{CaseId, PersonId, Structure, UnitPath, UserId};

use crate::audit::{self, AuditAction, AuditEntry, AuditList, Place};
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{greatest, insert_rows, least, union_of_intervals, Sql, Val};
use crate::typed;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// A check-in as the tracing index needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitRow {
    pub person_id: i64,
    pub venue_id: i64,
    pub t_in_s: i64,
    pub t_out_s: i64,
}

/// A declared direct contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredRow {
    pub person_id: i64,
    pub contact_id: i64,
    pub at_s: i64,
    pub setting: ContactSetting,
}

/// A traced contact to persist for a case.
#[derive(Debug, Clone)]
pub struct ContactRow {
    pub person_id: i64,
    pub degree: i64,
    pub via_person_id: i64,
    pub first_exposure_s: i64,
    pub exposure_s: i64,
    /// The reasons, kept as evidence (`contacts.reasons`, JSON).
    pub reasons: Vec<ContactReason>,
    /// `Quarantine` while due, `Monitor` when the policy in force has no quarantine.
    pub status: ContactStatus,
    pub quarantine_from_s: Option<i64>,
    pub quarantine_until_s: Option<i64>,
    /// When follow-up ends: the quarantine's end (or, with none, the exposure) plus the
    /// days of self-monitoring the rule adds for the contact's vaccination status; for an
    /// F2, the end of its monitoring (its F1's quarantine end). `None`: no end known.
    pub follow_up_until_s: Option<i64>,
    /// Days of quarantine on which a test is due, e.g. "1,7".
    pub test_days: String,
    /// The legal document the due dates come from.
    pub policy: String,
}

/// A persisted contact, for follow-up lists.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredContact {
    pub id: i64,
    /// The source case; `None` for a contact referred from another locality (its source
    /// case is theirs: `referred_from`).
    pub case_id: Option<CaseId>,
    pub person_id: PersonId,
    pub degree: i64,
    /// The person it was exposed to; `None` for a referred contact.
    pub via_person_id: Option<PersonId>,
    pub first_exposure_s: i64,
    pub exposure_s: i64,
    pub reasons: Vec<ContactReason>,
    pub status: ContactStatus,
    pub quarantine_from_s: Option<i64>,
    pub quarantine_until_s: Option<i64>,
    /// Quarantine and self-monitoring (see [`ContactRow::follow_up_until_s`]); `None` for a
    /// contact recorded before the store kept it.
    pub follow_up_until_s: Option<i64>,
    pub test_days: String,
    pub policy: String,
    pub unit_code: String,
    /// Where its follow-up stands (migration 0025).
    pub follow_status: FollowUpStatus,
    /// The case a positive test of the contact made.
    pub became_case_id: Option<CaseId>,
    /// The officer the contact is assigned to (migration 0030).
    pub assigned_to: Option<UserId>,
    /// The locality that traced and referred the contact here (migration 0039).
    pub referred_from: Option<String>,
    /// That locality's record key of the contact ("contact:01:1234").
    pub remote_ref: Option<String>,
}

/// The columns [`stored_contact`] reads, in its order (`unit_path` last but one, for the
/// audit's place).
pub(crate) const STORED_CONTACT_COLUMNS: &str =
    "id, case_id, person_id, degree, via_person_id, first_exposure_s, exposure_s, reasons, status,
     quarantine_from_s, quarantine_until_s, test_days, policy, unit_code, unit_path,
     follow_up_until_s, follow_status, became_case_id, assigned_to, referred_from, remote_ref";

/// A row of [`STORED_CONTACT_COLUMNS`].
pub(crate) fn stored_contact(r: &sqlx::any::AnyRow) -> Result<StoredContact> {
    Ok(StoredContact {
        id: r.try_get(0)?,
        case_id: r.try_get::<Option<i64>, _>(1)?.map(CaseId),
        person_id: PersonId(r.try_get(2)?),
        degree: r.try_get(3)?,
        via_person_id: r.try_get::<Option<i64>, _>(4)?.map(PersonId),
        first_exposure_s: r.try_get(5)?,
        exposure_s: r.try_get(6)?,
        reasons: typed::json(r, 7, "contacts.reasons")?,
        status: typed::slug(r, 8, "contacts.status")?,
        quarantine_from_s: r.try_get(9)?,
        quarantine_until_s: r.try_get(10)?,
        follow_up_until_s: r.try_get(15)?,
        test_days: r.try_get(11)?,
        policy: r.try_get(12)?,
        unit_code: r.try_get(13)?,
        follow_status: typed::slug(r, 16, "contacts.follow_status")?,
        became_case_id: r.try_get::<Option<i64>, _>(17)?.map(CaseId),
        assigned_to: r.try_get::<Option<i64>, _>(18)?.map(UserId),
        referred_from: r.try_get(19)?,
        remote_ref: r.try_get(20)?,
    })
}

/// Where a person lives, for scope and follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Residence {
    pub structure: Structure,
    pub unit_code: String,
    pub unit_path: UnitPath,
}

impl Store {
    /// Every check-in in id order, in pages of `page_rows`, handed to `f` (for building the
    /// tracing index and for exports: memory stays bounded).
    pub async fn for_each_visit_page(
        &self,
        page_rows: i64,
        mut f: impl FnMut(&[VisitRow]) -> std::io::Result<()>,
    ) -> Result<u64> {
        let mut after = 0i64;
        let mut total = 0;
        loop {
            let rows = sqlx::query(
                "SELECT id, person_id, venue_id, t_in_s, t_out_s FROM checkins
                 WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(page_rows)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(total);
            }
            let mut page = Vec::with_capacity(rows.len());
            for r in &rows {
                after = r.try_get(0)?;
                page.push(VisitRow {
                    person_id: r.try_get(1)?,
                    venue_id: r.try_get(2)?,
                    t_in_s: r.try_get(3)?,
                    t_out_s: r.try_get(4)?,
                });
            }
            total += page.len() as u64;
            f(&page)?;
        }
    }

    /// The largest person and venue ids (the index sizes its arrays by them).
    pub async fn max_ids(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM persons), (SELECT COALESCE(MAX(id), 0) FROM venues)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// `(person_id, household_id)` of everyone who has a household.
    pub async fn household_members(&self) -> Result<Vec<(i64, i64)>> {
        sqlx::query("SELECT id, household_id FROM persons WHERE household_id IS NOT NULL ORDER BY household_id, id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// `(venue_id, kind)` of every venue.
    pub async fn venue_kinds(&self) -> Result<Vec<(i64, VenueKind)>> {
        sqlx::query("SELECT id, kind FROM venues ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let kind: String = r.try_get(1)?;
                Ok((
                    r.try_get(0)?,
                    kind.parse()
                        .map_err(|_| StoreError::Corrupt(format!("venue kind {kind:?}")))?,
                ))
            })
            .collect()
    }

    pub async fn declared_contacts(&self) -> Result<Vec<DeclaredRow>> {
        sqlx::query(
            "SELECT person_id, contact_id, at_s, setting FROM declared_contacts ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(DeclaredRow {
                person_id: r.try_get(0)?,
                contact_id: r.try_get(1)?,
                at_s: r.try_get(2)?,
                setting: typed::slug(r, 3, "declared_contacts.setting")?,
            })
        })
        .collect()
    }

    pub async fn add_declared_contact(
        &self,
        caller: &Caller,
        row: &DeclaredRow,
        now_s: i64,
    ) -> Result<i64> {
        let id: i64 = sqlx::query(
            "INSERT INTO declared_contacts (person_id, contact_id, at_s, setting, created_at_s, created_by)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(row.person_id)
        .bind(row.contact_id)
        .bind(row.at_s)
        .bind(row.setting.as_str())
        .bind(now_s)
        .bind(caller.user.id.0)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        Ok(id)
    }

    /// Residences of the given persons (those that exist).
    pub async fn residences(&self, ids: &[i64]) -> Result<HashMap<i64, Residence>> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(2_000) {
            let mut sql = Sql::new(
                self.dialect,
                "SELECT id, structure, unit_code, unit_path FROM persons WHERE id IN (",
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Val::Int(*id));
            }
            sql.push(")");
            for r in sql.query().fetch_all(&self.reader).await? {
                let structure: String = r.try_get(1)?;
                let path: String = r.try_get(3)?;
                out.insert(
                    r.try_get(0)?,
                    Residence {
                        structure: structure
                            .parse()
                            .map_err(|_| StoreError::Corrupt("persons.structure".into()))?,
                        unit_code: r.try_get(2)?,
                        unit_path: UnitPath::from_stored(&path)
                            .ok_or_else(|| StoreError::Corrupt("persons.unit_path".into()))?,
                    },
                );
            }
        }
        Ok(out)
    }

    /// What decides whether each of `ids` was fully vaccinated at an exposure: the date the
    /// primary series was first completed (the earliest dose that completes its product's
    /// series, `domain::vaccination::completes_series`) and the last recovery from a case
    /// (its outcome time). A person with neither is absent.
    pub async fn immunity_of(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, (Option<chrono::NaiveDate>, Option<i64>)>> {
        let mut out: HashMap<i64, (Option<chrono::NaiveDate>, Option<i64>)> = HashMap::new();
        for chunk in ids.chunks(2_000) {
            let list = |sql: &mut Sql| {
                sql.push(" person_id IN (");
                for (i, id) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.bind(Val::Int(*id));
                }
                sql.push(")");
            };
            let mut sql = Sql::new(
                self.dialect,
                "SELECT person_id, dose_no, product, given_on FROM vaccinations WHERE",
            );
            list(&mut sql);
            for r in sql.query().fetch_all(&self.pool).await? {
                let person: i64 = r.try_get(0)?;
                let dose_no: i64 = r.try_get(1)?;
                let product: String = r.try_get(2)?;
                let given_on: String = r.try_get(3)?;
                let product = product
                    .parse::<domain::vaccination::Product>()
                    .map_err(|_| crate::StoreError::Corrupt("vaccinations.product".into()))?;
                let given_on = chrono::NaiveDate::parse_from_str(&given_on, "%Y-%m-%d")
                    .map_err(|_| crate::StoreError::Corrupt("vaccinations.given_on".into()))?;
                let completes = u8::try_from(dose_no)
                    .is_ok_and(|n| domain::vaccination::completes_series(product, n));
                if completes {
                    let e = out.entry(person).or_default();
                    e.0 = Some(e.0.map_or(given_on, |d| d.min(given_on)));
                }
            }
            let mut sql = Sql::new(
                self.dialect,
                "SELECT person_id, MAX(outcome_at_s) FROM cases
                 WHERE status = 'recovered' AND outcome_at_s IS NOT NULL AND",
            );
            list(&mut sql);
            sql.push(" GROUP BY person_id");
            for r in sql.query().fetch_all(&self.pool).await? {
                let person: i64 = r.try_get(0)?;
                let at: Option<i64> = r.try_get(1)?;
                out.entry(person).or_default().1 = at;
            }
        }
        Ok(out)
    }

    /// Persists a case's traced contacts; a contact already recorded for the case is kept
    /// as it was. Returns how many were new. Audited as one change of the case.
    pub async fn persist_contacts(
        &self,
        caller: &Caller,
        case: CaseId,
        rows: &[ContactRow],
        residences: &HashMap<i64, Residence>,
        now_s: i64,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = self
            .persist_contacts_in(&mut tx, caller, case, rows, residences, "traced", now_s)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// [`Store::persist_contacts`] in `tx` (an import writes its contacts with its record
    /// in one transaction); `how` starts the audit's detail ("traced", "imported").
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn persist_contacts_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        case: CaseId,
        rows: &[ContactRow],
        residences: &HashMap<i64, Residence>,
        how: &str,
        now_s: i64,
    ) -> Result<u64> {
        let existing: std::collections::HashSet<i64> =
            sqlx::query("SELECT person_id FROM contacts WHERE case_id = $1")
                .bind(case.0)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
        let mut fresh: Vec<Vec<Val>> = Vec::with_capacity(rows.len());
        for r in rows.iter().filter(|r| !existing.contains(&r.person_id)) {
            let Some(home) = residences.get(&r.person_id) else {
                continue;
            };
            fresh.push(vec![
                Val::Int(case.0),
                Val::Int(r.person_id),
                Val::Int(r.degree),
                Val::Int(r.via_person_id),
                Val::Int(r.first_exposure_s),
                Val::Int(r.exposure_s),
                Val::Text(typed::to_json(&r.reasons, "contacts.reasons")?),
                Val::Text(r.status.as_str().into()),
                Val::OptInt(r.quarantine_from_s),
                Val::OptInt(r.quarantine_until_s),
                Val::OptInt(r.follow_up_until_s),
                Val::Text(r.test_days.clone()),
                Val::Text(r.policy.clone()),
                Val::Text(home.structure.as_str().into()),
                Val::Text(home.unit_code.clone()),
                Val::Text(home.unit_path.as_str().into()),
                Val::Int(now_s),
                Val::Int(caller.user.id.0),
            ]);
        }
        let n = insert_rows(
            tx,
            self.dialect,
            "contacts",
            &[
                "case_id",
                "person_id",
                "degree",
                "via_person_id",
                "first_exposure_s",
                "exposure_s",
                "reasons",
                "status",
                "quarantine_from_s",
                "quarantine_until_s",
                "follow_up_until_s",
                "test_days",
                "policy",
                "structure",
                "unit_code",
                "unit_path",
                "created_at_s",
                "created_by",
            ],
            fresh,
        )
        .await?;
        audit::append(
            tx,
            self.dialect,
            [AuditEntry {
                user: Some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Update,
                entity: "case",
                entity_id: case.to_string(),
                detail: Some(format!("{how}: {n} new contacts")),
            }],
            now_s,
        )
        .await?;
        Ok(n)
    }

    /// Contacts to follow up in the caller's jurisdiction (by the contact's residence),
    /// soonest quarantine end first; `due_until_s` keeps those whose quarantine ends by then.
    pub async fn list_contacts(
        &self,
        caller: &Caller,
        structure: Structure,
        case: Option<CaseId>,
        due_until_s: Option<i64>,
        page: &PageRequest,
        now_s: i64,
    ) -> Result<Page<StoredContact>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {STORED_CONTACT_COLUMNS} FROM contacts WHERE structure = "),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", &caller.scope, structure);
        if let Some(c) = case {
            sql.push(" AND case_id = ").bind(Val::Int(c.0));
        }
        if let Some(t) = due_until_s {
            sql.push(" AND quarantine_until_s <= ").bind(Val::Int(t));
        }
        let entity_id = case.map_or_else(String::new, |c| c.to_string());
        let detail = due_until_s.map(|t| format!("quarantine ending by {t}"));
        self.contact_page(caller, structure, sql, page, entity_id, detail, now_s)
            .await
    }

    /// Ends a query of contacts (the stored contact's columns selected, filters pushed): the
    /// page after the cursor in id order, and one audit row for the page naming every person
    /// on it (issue #12, item 15), under `entity_id` with `detail`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn contact_page(
        &self,
        caller: &Caller,
        structure: Structure,
        mut sql: Sql,
        page: &PageRequest,
        entity_id: String,
        detail: Option<String>,
        now_s: i64,
    ) -> Result<Page<StoredContact>> {
        if let Some(after) = &page.after {
            let [id] = after.expect(1)? else {
                return Err(StoreError::BadCursor);
            };
            let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND id > ").bind(Val::Int(id));
        }
        let limit = page.limit();
        sql.push(" ORDER BY id LIMIT ").bind(Val::Int(limit + 1));
        let mut conn = self.reader.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let items = rows
            .iter()
            .map(stored_contact)
            .collect::<Result<Vec<_>>>()?;
        let paths = rows
            .iter()
            .take(items.len().min(limit as usize))
            .map(|r| Ok(UnitPath::from_stored(&r.try_get::<String, _>(14)?)))
            .collect::<Result<Vec<_>>>()?;
        let page = Page::from_overfetch(items, limit, |c| Cursor::new(vec![c.id.to_string()]));
        let mut list = AuditList::new(
            caller,
            "contacts",
            entity_id,
            "person",
            page.items.iter().map(|c| c.person_id.0).collect(),
            Place::enclosing(paths.iter().flatten().map(|p| (structure, p))),
        );
        list.detail = detail;
        self.audit_read(conn, now_s, audit::Pending::List(list))
            .await?;
        Ok(page)
    }
}

/// The times of a case that tracing needs, without personal details.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseTimes {
    pub id: CaseId,
    pub person_id: i64,
    pub onset_s: Option<i64>,
    pub first_sample_s: i64,
    pub confirmed_at_s: i64,
    pub isolation_s: Option<i64>,
    pub structure: Structure,
    pub unit_path: UnitPath,
}

impl Store {
    /// The F1 of a person by the definition, in plain SQL on the database: everyone with a
    /// stay (check-ins at one venue inside `[lo_s, hi_s]`, overlapping or touching ones
    /// merged: [`crate::sql::union_of_intervals`]) that overlapped one of the person's at the
    /// same venue by more than zero and at least the minimum (`zero_min_kinds`: kinds with no
    /// minimum), plus household members and declared contacts in the window.
    /// `(person_id, first exposure)` sorted by person. This is the peer the in-memory engine
    /// is checked and benchmarked against; it is not used to answer users.
    pub async fn f1_by_sql(
        &self,
        person_id: i64,
        lo_s: i64,
        hi_s: i64,
        min_overlap_s: i64,
        zero_min_kinds: &[domain::epi::VenueKind],
    ) -> Result<Vec<(i64, i64)>> {
        // Both stays are inside the window already.
        let start = greatest("x.a", "y.a");
        let end = least("x.b", "y.b");
        let kinds: Vec<String> = zero_min_kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect();
        let min_expr = if kinds.is_empty() {
            "$4".to_string()
        } else {
            format!(
                "(CASE WHEN v.kind IN ({}) THEN 0 ELSE $4 END)",
                kinds.join(", ")
            )
        };
        // Every check-in inside the window at a venue the person visited in it, clipped to
        // the window (clipping before merging gives the same stays: the window is one
        // interval, and intersection distributes over union).
        let stays = union_of_intervals(
            &format!(
                "SELECT person_id, venue_id, {a} AS a, {b} AS b FROM checkins
                 WHERE t_in_s < $3 AND t_out_s > $2
                   AND venue_id IN (SELECT venue_id FROM checkins
                                    WHERE person_id = $1 AND t_in_s < $3 AND t_out_s > $2)",
                a = greatest("t_in_s", "$2"),
                b = least("t_out_s", "$3"),
            ),
            "person_id, venue_id",
        );
        let sql = format!(
            "WITH stays AS ({stays})
             SELECT person_id, MIN(first_s) AS first_s FROM (
               SELECT y.person_id AS person_id, {start} AS first_s
               FROM stays x
               JOIN stays y ON y.venue_id = x.venue_id AND y.person_id <> x.person_id
               JOIN venues v ON v.id = x.venue_id
               WHERE x.person_id = $1
                 AND {end} - {start} > 0 AND {end} - {start} >= {min_expr}
               UNION ALL
               SELECT p2.id AS person_id, $2 AS first_s
               FROM persons p1 JOIN persons p2 ON p2.household_id = p1.household_id AND p2.id <> p1.id
               WHERE p1.id = $1
               UNION ALL
               SELECT CASE WHEN d.person_id = $1 THEN d.contact_id ELSE d.person_id END AS person_id,
                      d.at_s AS first_s
               FROM declared_contacts d
               WHERE (d.person_id = $1 OR d.contact_id = $1) AND d.person_id <> d.contact_id
                 AND d.at_s >= $2 AND d.at_s <= $3
             ) f1 GROUP BY person_id ORDER BY person_id"
        );
        sqlx::query(&sql)
            .bind(person_id)
            .bind(lo_s)
            .bind(hi_s)
            .bind(min_overlap_s)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}
