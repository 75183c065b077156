//! People (issue #15, item 1): a person's whole record (identity and every episode the store
//! holds), search by folded name, phone or national ID, and corrections with their history.
//! Every read is audited as `get_person`'s is; a person outside the caller's scope answers as
//! missing.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::person::{NationalId, Person, Phone, Sex};
use domain::{PersonId, Scope, Structure, UnitPath};

use crate::audit::{self, AuditAction, AuditEntry, AuditList, Place};
use crate::page::{Cursor, Page, PageRequest};
use crate::persons::{entry, person_from_row, ENTITY, PERSON_COLUMNS};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Dialect, Result, Store, StoreError};

/// What a person search looks for. Built by `app::persons::parse_search`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonQuery {
    /// A prefix of the name as `domain::text::fold_diacritics` writes it.
    Name(String),
    /// A number: the national ID it is, the phone it is (either or both).
    Number {
        national_id: Option<NationalId>,
        phone: Option<Phone>,
    },
}

/// A person found by a search, with the key its page is ordered by.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub person: Person,
    pub name_folded: String,
}

/// A case of the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEpisode {
    pub id: i64,
    pub status: String,
    pub severity: String,
    pub confirmed_at_s: i64,
    pub unit_code: String,
}

/// A contact record of the person (an F1/F2 of a case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEpisode {
    pub id: i64,
    /// The source case; `None` for a contact referred from another locality.
    pub case_id: Option<i64>,
    /// The locality that referred the contact here (issue #17).
    pub referred_from: Option<String>,
    pub degree: i64,
    pub status: String,
    pub quarantine_from_s: Option<i64>,
    pub quarantine_until_s: Option<i64>,
}

/// The columns of a [`StayEpisode`], in [`stay_from_row`]'s order, and the tables they come
/// from (`s`: the stay, `f`: its facility, if any).
pub(crate) const STAY_COLUMNS: &str = "s.id, s.place, s.facility_id, f.name, s.case_id,
    s.contact_id, s.from_s, s.until_s, s.discharge_reason, s.bed_type";
pub(crate) const STAY_FROM: &str = "FROM stays s LEFT JOIN facilities f ON f.id = s.facility_id";

/// A stay read with [`STAY_COLUMNS`] first.
pub(crate) fn stay_from_row(r: &AnyRow) -> Result<StayEpisode> {
    Ok(StayEpisode {
        id: r.try_get(0)?,
        place: r.try_get(1)?,
        facility_id: r.try_get(2)?,
        facility_name: r.try_get(3)?,
        case_id: r.try_get(4)?,
        contact_id: r.try_get(5)?,
        from_s: r.try_get(6)?,
        until_s: r.try_get(7)?,
        discharge_reason: r.try_get(8)?,
        bed_type: r.try_get(9)?,
    })
}

/// A stay of the person (isolation, care or quarantine; in a facility or at home).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StayEpisode {
    pub id: i64,
    pub place: String,
    pub facility_id: Option<i64>,
    pub facility_name: Option<String>,
    pub case_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub from_s: i64,
    pub until_s: Option<i64>,
    pub discharge_reason: Option<String>,
    /// The bed's type slug (None at home).
    pub bed_type: Option<String>,
}

/// A dose given to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseEpisode {
    pub dose_no: i64,
    pub product: String,
    pub given_on: String,
    pub lot: Option<String>,
}

/// A relief package given to the person's household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReliefEpisode {
    pub round_id: i64,
    pub given_at_s: i64,
}

/// One corrected field: its value before and after, who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionRecord {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub at_s: i64,
    pub actor: String,
}

/// A person's whole record.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub person: Person,
    /// The person's own address, else their household's.
    pub address: Option<String>,
    pub household_id: Option<i64>,
    pub cases: Vec<CaseEpisode>,
    pub contacts: Vec<ContactEpisode>,
    pub stays: Vec<StayEpisode>,
    pub doses: Vec<DoseEpisode>,
    pub relief: Vec<ReliefEpisode>,
    /// Oldest first.
    pub corrections: Vec<CorrectionRecord>,
}

/// A correction: each `Some` field is set (an inner `None` clears an optional field); `None`
/// leaves the field as it is. Built by `app::persons::parse_correction`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonCorrection {
    pub full_name: Option<String>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub sex: Option<Sex>,
    pub phone: Option<Option<Phone>>,
    pub national_id: Option<Option<NationalId>>,
    pub address: Option<Option<String>>,
}

/// Episodes per kind shown at most: a page, not an export.
const EPISODES_MAX: i64 = 500;

/// `AND (row in the scope, in its own structure)`; nothing for a whole-country scope.
fn push_any_structure_scope(sql: &mut Sql, scope: &Scope) {
    if scope.is_everything() {
        return;
    }
    sql.push(" AND (1 = 0");
    for structure in Structure::ALL {
        if scope.roots_in(structure).next().is_none() {
            continue;
        }
        sql.push(" OR (structure = ")
            .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        sql.push(")");
    }
    sql.push(")");
}

/// The least text greater than every text starting with `prefix` in byte order (SQLite's
/// BINARY, PostgreSQL's "C").
fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push(char::MAX);
    s
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

impl Store {
    /// One page of the unmerged persons in the caller's scope (both structures) matching
    /// `query`, ordered by folded name then id. A name is a prefix of the folded name (the
    /// `persons_by_name_folded` index, walked in its order); a number matches the national
    /// ID or phone exactly (their indexes). Every listed person is audited in one row.
    pub async fn search_persons(
        &self,
        caller: &Caller,
        query: &PersonQuery,
        page: &PageRequest,
        now_s: i64,
    ) -> Result<Page<Found>> {
        let sql = self.search_sql(caller, query, page)?;
        let limit = page.limit();
        let mut conn = self.reader.acquire().await?;
        // Planned for its own values each time: a name prefix as common as "nguyen" and one
        // as rare as "vo thi khue" want different plans, and PostgreSQL's generic plan for a
        // reused statement read every person of the scope (1.3 s at 5 million).
        let rows = sql.query().persistent(false).fetch_all(&mut *conn).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(Found {
                    person: person_from_row(r)?,
                    name_folded: r
                        .try_get::<Option<String>, _>("name_folded")?
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let page = Page::from_overfetch(items, limit, |f| {
            Cursor::new(vec![f.name_folded.clone(), f.person.id.to_string()])
        });
        let list = AuditList::new(
            caller,
            "person_search",
            "",
            ENTITY,
            page.items.iter().map(|f| f.person.id.0).collect(),
            Place::enclosing(
                page.items
                    .iter()
                    .map(|f| (f.person.structure, &f.person.unit_path)),
            ),
        );
        self.audit_read(conn, now_s, audit::Pending::List(list))
            .await?;
        Ok(page)
    }

    /// The search's statement: the page after the cursor, in folded-name order.
    fn search_sql(&self, caller: &Caller, query: &PersonQuery, page: &PageRequest) -> Result<Sql> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {PERSON_COLUMNS}, name_folded FROM persons WHERE merged_into IS NULL"),
        );
        match query {
            PersonQuery::Name(prefix) => {
                sql.push(" AND name_folded >= ")
                    .bind(Val::Text(prefix.clone()));
                sql.push(" AND name_folded < ")
                    .bind(Val::Text(prefix_upper_bound(prefix)));
            }
            PersonQuery::Number { national_id, phone } => {
                // Each term alone, or the two joined by OR, so that SQLite looks each up in
                // its index: a constant false term before them (`1 = 0 OR …`) made it scan
                // every person (35 s at 5 million; docs/BENCHMARKS.md).
                let terms: Vec<(&str, String)> = [
                    national_id
                        .as_ref()
                        .map(|n| ("national_id", n.as_str().to_string())),
                    phone.as_ref().map(|p| ("phone", p.as_str().to_string())),
                ]
                .into_iter()
                .flatten()
                .collect();
                if terms.is_empty() {
                    sql.push(" AND 1 = 0");
                }
                for (i, (col, v)) in terms.into_iter().enumerate() {
                    sql.push(if i == 0 { " AND (" } else { " OR " });
                    sql.push(&format!("{col} = ")).bind(Val::Text(v));
                }
                if national_id.is_some() || phone.is_some() {
                    sql.push(")");
                }
            }
        }
        push_any_structure_scope(&mut sql, &caller.scope);
        if let Some(after) = &page.after {
            let [name, id] = after.expect(2)? else {
                return Err(StoreError::BadCursor);
            };
            let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND (name_folded > ")
                .bind(Val::Text(name.clone()));
            sql.push(" OR (name_folded = ")
                .bind(Val::Text(name.clone()));
            sql.push(" AND id > ").bind(Val::Int(id)).push("))");
        }
        sql.push(" ORDER BY name_folded, id LIMIT ")
            .bind(Val::Int(page.limit() + 1));
        Ok(sql)
    }

    /// A person's whole record, or None when the person does not exist or lies outside the
    /// caller's scope. Audited as `get_person` is (a read of the person), with a read of
    /// each case shown.
    pub async fn person_record(
        &self,
        caller: &Caller,
        id: PersonId,
        now_s: i64,
    ) -> Result<Option<PersonRecord>> {
        let mut conn = self.reader.acquire().await?;
        let columns = PERSON_COLUMNS
            .split(',')
            .map(|c| format!("p.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let row = sqlx::query(&format!(
            "SELECT {columns}, p.address AS own_address, p.household_id,
                    h.address AS household_address
             FROM persons p LEFT JOIN households h ON h.id = p.household_id
             WHERE p.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let person = person_from_row(&row)?;
        if !caller.scope.contains(person.structure, &person.unit_path) {
            return Ok(None);
        }
        let own: Option<String> = row.try_get("own_address")?;
        let household: Option<String> = row.try_get("household_address")?;
        let household_id: Option<i64> = row.try_get("household_id")?;
        let cases = sqlx::query(
            "SELECT id, status, severity, confirmed_at_s, unit_code FROM cases
             WHERE person_id = $1 ORDER BY confirmed_at_s, id LIMIT $2",
        )
        .bind(id.0)
        .bind(EPISODES_MAX)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(CaseEpisode {
                id: r.try_get(0)?,
                status: r.try_get(1)?,
                severity: r.try_get(2)?,
                confirmed_at_s: r.try_get(3)?,
                unit_code: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let contacts = sqlx::query(
            "SELECT id, case_id, degree, status, quarantine_from_s, quarantine_until_s,
                    referred_from
             FROM contacts WHERE person_id = $1 ORDER BY first_exposure_s, id LIMIT $2",
        )
        .bind(id.0)
        .bind(EPISODES_MAX)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(ContactEpisode {
                id: r.try_get(0)?,
                case_id: r.try_get(1)?,
                degree: r.try_get(2)?,
                status: r.try_get(3)?,
                quarantine_from_s: r.try_get(4)?,
                quarantine_until_s: r.try_get(5)?,
                referred_from: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let stays = sqlx::query(&format!(
            "SELECT {STAY_COLUMNS} {STAY_FROM}
                 WHERE s.person_id = $1 ORDER BY s.from_s, s.id LIMIT $2"
        ))
        .bind(id.0)
        .bind(EPISODES_MAX)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(stay_from_row)
        .collect::<Result<Vec<_>>>()?;
        let doses = sqlx::query(
            "SELECT dose_no, product, given_on, lot FROM vaccinations
             WHERE person_id = $1 ORDER BY dose_no LIMIT $2",
        )
        .bind(id.0)
        .bind(EPISODES_MAX)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(DoseEpisode {
                dose_no: r.try_get(0)?,
                product: r.try_get(1)?,
                given_on: r.try_get(2)?,
                lot: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let relief = match household_id {
            None => Vec::new(),
            Some(h) => sqlx::query(
                "SELECT round_id, given_at_s FROM relief_packages
                 WHERE household_id = $1 ORDER BY given_at_s, id LIMIT $2",
            )
            .bind(h)
            .bind(EPISODES_MAX)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok(ReliefEpisode {
                    round_id: r.try_get(0)?,
                    given_at_s: r.try_get(1)?,
                })
            })
            .collect::<Result<Vec<_>>>()?,
        };
        let corrections = corrections_of(&mut conn, id).await?;
        let mut rows = vec![AuditEntry {
            detail: Some("record".into()),
            ..entry(caller, AuditAction::Read, id)
        }];
        rows.extend(cases.iter().map(|c| AuditEntry {
            user: Some(caller.user.id),
            actor: caller.user.username.clone(),
            action: AuditAction::Read,
            entity: "case",
            entity_id: c.id.to_string(),
            detail: Some(format!("person {id}")),
        }));
        self.audit_read(conn, now_s, audit::Pending::Rows(rows))
            .await?;
        Ok(Some(PersonRecord {
            person,
            address: own.or(household),
            household_id,
            cases,
            contacts,
            stays,
            doses,
            relief,
            corrections,
        }))
    }

    /// Corrects a person's identity: each changed field is written with its old and new
    /// value to `person_corrections`, the folded name follows the name, and the change is
    /// audited, all in one transaction. None when the person does not exist or lies outside
    /// the caller's scope; a merged record is `Conflict` (`merged`); a national ID another
    /// person holds is `Duplicate`. Returns the fields changed (none when nothing differed).
    pub async fn correct_person(
        &self,
        caller: &Caller,
        id: PersonId,
        correction: &PersonCorrection,
        now_s: i64,
    ) -> Result<Option<Vec<&'static str>>> {
        crate::conflict::retrying(|| self.correct_once(caller, id, correction, now_s)).await
    }

    async fn correct_once(
        &self,
        caller: &Caller,
        id: PersonId,
        c: &PersonCorrection,
        now_s: i64,
    ) -> Result<Option<Vec<&'static str>>> {
        let mut tx = self.pool.begin().await?;
        let lock = match self.dialect {
            Dialect::Postgres => " FOR UPDATE",
            Dialect::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS}, address AS own_address FROM persons WHERE id = $1{lock}"
        ))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let person = person_from_row(&row)?;
        if !caller.scope.contains(person.structure, &person.unit_path) {
            return Ok(None);
        }
        if person.merged_into.is_some() {
            return Err(StoreError::Conflict(vec![domain::FieldError::new(
                "id",
                domain::Reason::Merged,
            )]));
        }
        let own_address: Option<String> = row.try_get("own_address")?;
        // (field, old, new) for each field that changes.
        let mut changes: Vec<(&'static str, Option<String>, Option<String>)> = Vec::new();
        let mut change = |field: &'static str, old: Option<String>, new: Option<String>| {
            if old != new {
                changes.push((field, old, new));
            }
        };
        if let Some(n) = &c.full_name {
            change("full_name", Some(person.full_name.clone()), Some(n.clone()));
        }
        if let Some(d) = c.birth_date {
            change("birth_date", date_text(person.birth_date), date_text(d));
        }
        if let Some(s) = c.sex {
            change(
                "sex",
                Some(person.sex.as_str().into()),
                Some(s.as_str().into()),
            );
        }
        if let Some(p) = &c.phone {
            change(
                "phone",
                person.phone.as_ref().map(|p| p.as_str().into()),
                p.as_ref().map(|p| p.as_str().into()),
            );
        }
        if let Some(n) = &c.national_id {
            change(
                "national_id",
                person.national_id.as_ref().map(|n| n.as_str().into()),
                n.as_ref().map(|n| n.as_str().into()),
            );
        }
        if let Some(a) = &c.address {
            change("address", own_address, a.clone());
        }
        if changes.is_empty() {
            return Ok(Some(Vec::new()));
        }
        if let Some((_, _, Some(nid))) = changes.iter().find(|(f, _, _)| *f == "national_id") {
            let other = sqlx::query(
                "SELECT id, structure, unit_path FROM persons
                 WHERE national_id = $1 AND merged_into IS NULL AND id <> $2
                 ORDER BY id LIMIT 1",
            )
            .bind(nid)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(r) = other {
                let (other, structure, path): (i64, String, String) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                let visible = structure
                    .parse::<Structure>()
                    .ok()
                    .zip(UnitPath::from_stored(&path))
                    .is_some_and(|(s, p)| caller.scope.contains(s, &p));
                return Err(StoreError::Duplicate {
                    field: "national_id",
                    existing: visible.then_some(PersonId(other)),
                });
            }
        }
        let mut sql = Sql::new(self.dialect, "UPDATE persons SET updated_at_s = ");
        sql.bind(Val::Int(now_s));
        for (field, _, new) in &changes {
            sql.push(&format!(", {field} = "))
                .bind(Val::OptText(new.clone()));
            if *field == "full_name" {
                sql.push(", name_folded = ").bind(Val::OptText(
                    new.as_deref().map(domain::text::fold_diacritics),
                ));
            }
        }
        sql.push(" WHERE id = ").bind(Val::Int(id.0));
        sql.query().execute(&mut *tx).await?;
        for (field, old, new) in &changes {
            sqlx::query(
                "INSERT INTO person_corrections
                   (person_id, field, old_value, new_value, at_s, user_id, actor)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.0)
            .bind(*field)
            .bind(old.clone())
            .bind(new.clone())
            .bind(now_s)
            .bind(caller.user.id.0)
            .bind(&caller.user.username)
            .execute(&mut *tx)
            .await?;
        }
        let fields: Vec<&'static str> = changes.iter().map(|(f, _, _)| *f).collect();
        // A corrected name, phone, birth date or national ID may make (or reveal) a pair.
        crate::person_pairs::file_pairs_in(&mut tx, id, now_s).await?;
        audit::append(
            &mut tx,
            self.dialect,
            [AuditEntry {
                detail: Some(format!("correct {}", fields.join(","))),
                ..entry(caller, AuditAction::Update, id)
            }],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(fields))
    }
}

async fn corrections_of(
    conn: &mut sqlx::AnyConnection,
    id: PersonId,
) -> Result<Vec<CorrectionRecord>> {
    sqlx::query(
        "SELECT field, old_value, new_value, at_s, actor FROM person_corrections
         WHERE person_id = $1 ORDER BY id LIMIT $2",
    )
    .bind(id.0)
    .bind(EPISODES_MAX)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(correction_from_row)
    .collect()
}

fn correction_from_row(r: &AnyRow) -> Result<CorrectionRecord> {
    Ok(CorrectionRecord {
        field: r.try_get(0)?,
        old_value: r.try_get(1)?,
        new_value: r.try_get(2)?,
        at_s: r.try_get(3)?,
        actor: r.try_get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How SQLite plans a search: one line per step.
    async fn plan(store: &Store, query: PersonQuery) -> Vec<String> {
        let sql = store
            .search_sql(&Caller::system("test"), &query, &PageRequest::first(50))
            .unwrap()
            .explained();
        sql.query()
            .fetch_all(&store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect()
    }

    /// A number is looked up in the phone and national-ID indexes; before, a constant false
    /// term joined to them by OR made SQLite read every person (35 s at 5 million).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_number_is_looked_up_in_its_index_not_scanned() {
        let db = crate::testing::sqlite().await;
        let both = PersonQuery::Number {
            national_id: Some(NationalId::from_stored("001203000001".into())),
            phone: Some(Phone::from_stored("0912345671".into())),
        };
        let phone = PersonQuery::Number {
            national_id: None,
            phone: Some(Phone::from_stored("0912345671".into())),
        };
        let name = PersonQuery::Name("nguyen van k".into());
        for (what, q) in [("both", both), ("phone", phone), ("name", name)] {
            let steps = plan(&db.store, q).await;
            assert!(
                steps
                    .iter()
                    .any(|s| s.contains("USING INDEX") || s.contains("USING COVERING INDEX"))
                    && !steps.iter().any(|s| s.starts_with("SCAN persons")),
                "{what}: {steps:?}"
            );
        }
    }
}
