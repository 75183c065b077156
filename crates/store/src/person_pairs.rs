//! Suspected duplicate persons (issue #15, item 1): pairs found when a person is registered
//! or corrected, kept in `person_pairs` (migration 0029) so that the review list reads one
//! index range in the caller's scope, by cursor, at any number of persons.

use sqlx::Row;

use domain::person::Person;
use domain::{PersonId, Structure};

use crate::audit::{self, AuditList, Place};
use crate::page::{Cursor, Page, PageRequest};
use crate::persons::{person_from_row, ENTITY, PERSON_COLUMNS};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// Why two records may be the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairReason {
    /// The same national ID number.
    NationalId,
    /// The same phone and the same name without diacritics.
    PhoneName,
    /// The same name without diacritics and the same birth date.
    NameBirth,
}

impl PairReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PairReason::NationalId => "national_id",
            PairReason::PhoneName => "phone_name",
            PairReason::NameBirth => "name_birth",
        }
    }

    fn parse(s: &str) -> Option<PairReason> {
        [
            PairReason::NationalId,
            PairReason::PhoneName,
            PairReason::NameBirth,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A suspected pair: the older record (`a`, the lower id) and the newer.
#[derive(Debug, Clone)]
pub struct PersonPair {
    pub a: Person,
    pub b: Person,
    pub reason: PairReason,
}

/// Matches a person may have, each kind bounded (a very common name and birth date is not
/// a list of thousands).
const MATCHES_MAX: i64 = 50;

/// The unmerged records matching `keys` (bound first), then the person's own id and the
/// bound, as (id, structure, unit path, reason).
async fn matches(
    tx: &mut sqlx::AnyConnection,
    sql: &'static str,
    keys: &[&String],
    id: PersonId,
    reason: PairReason,
) -> Result<Vec<(i64, String, String, PairReason)>> {
    let mut q = sqlx::query(sql);
    for k in keys {
        q = q.bind((*k).clone());
    }
    let rows = q.bind(id.0).bind(MATCHES_MAX).fetch_all(&mut *tx).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, reason)))
        .collect()
}

/// Files the pairs of person `id` (as it is now in the transaction) with every unmerged
/// record sharing its national ID, its phone and folded name, or its folded name and birth
/// date. A pair already filed stays as it is.
pub(crate) async fn file_pairs_in(
    tx: &mut sqlx::AnyConnection,
    id: PersonId,
    now_s: i64,
) -> Result<()> {
    let me = sqlx::query(
        "SELECT national_id, phone, name_folded, birth_date, structure, unit_path
           FROM persons WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(me) = me else { return Ok(()) };
    let nid: Option<String> = me.try_get(0)?;
    let phone: Option<String> = me.try_get(1)?;
    let folded: Option<String> = me.try_get(2)?;
    let birth: Option<String> = me.try_get(3)?;
    let (structure, path): (String, String) = (me.try_get(4)?, me.try_get(5)?);
    let mut found = Vec::new();
    if let Some(n) = &nid {
        let sql = "SELECT id, structure, unit_path FROM persons
                    WHERE national_id = $1 AND id <> $2 AND merged_into IS NULL
                    ORDER BY id LIMIT $3";
        found.extend(matches(tx, sql, &[n], id, PairReason::NationalId).await?);
    }
    if let (Some(ph), Some(f)) = (&phone, &folded) {
        let sql = "SELECT id, structure, unit_path FROM persons
                    WHERE phone = $1 AND name_folded = $2 AND id <> $3 AND merged_into IS NULL
                    ORDER BY id LIMIT $4";
        found.extend(matches(tx, sql, &[ph, f], id, PairReason::PhoneName).await?);
    }
    if let (Some(f), Some(bd)) = (&folded, &birth) {
        let sql = "SELECT id, structure, unit_path FROM persons
                    WHERE name_folded = $1 AND birth_date = $2 AND id <> $3 AND merged_into IS NULL
                    ORDER BY id LIMIT $4";
        found.extend(matches(tx, sql, &[f, bd], id, PairReason::NameBirth).await?);
    }
    for (other, o_structure, o_path, reason) in found {
        // Filed under the older record's unit.
        let (a, b, s, p) = if other < id.0 {
            (other, id.0, &o_structure, &o_path)
        } else {
            (id.0, other, &structure, &path)
        };
        sqlx::query(
            "INSERT INTO person_pairs (a_id, b_id, reason, structure, unit_path, found_at_s)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(a)
        .bind(b)
        .bind(reason.as_str())
        .bind(s.clone())
        .bind(p.clone())
        .bind(now_s)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// One page of the suspected pairs whose two records both lie in the caller's scope and
    /// are both unmerged, by the older record's unit then ids (the index
    /// `person_pairs_by_scope`, one range per scope root). Audited as a list of persons.
    pub async fn duplicate_pairs(
        &self,
        caller: &Caller,
        structure: Structure,
        page: &PageRequest,
        now_s: i64,
    ) -> Result<Page<PersonPair>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT pp.a_id, pp.b_id, pp.reason, pp.unit_path FROM person_pairs pp
               JOIN persons a ON a.id = pp.a_id
               JOIN persons b ON b.id = pp.b_id
              WHERE a.merged_into IS NULL AND b.merged_into IS NULL AND pp.structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("pp.unit_path", &caller.scope, structure);
        // The newer record in scope too (in the same structure; one in the other structure
        // is shown only to a national scope).
        if !caller.scope.is_everything() {
            sql.push(" AND b.structure = ")
                .bind(Val::Text(structure.as_str().into()));
            sql.push_scope("b.unit_path", &caller.scope, structure);
        }
        if let Some(after) = &page.after {
            let [path, a, b] = after.expect(3)? else {
                return Err(StoreError::BadCursor);
            };
            let a: i64 = a.parse().map_err(|_| StoreError::BadCursor)?;
            let b: i64 = b.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND (pp.unit_path > ")
                .bind(Val::Text(path.clone()));
            sql.push(" OR (pp.unit_path = ")
                .bind(Val::Text(path.clone()));
            sql.push(" AND (pp.a_id > ").bind(Val::Int(a));
            sql.push(" OR (pp.a_id = ").bind(Val::Int(a));
            sql.push(" AND pp.b_id > ").bind(Val::Int(b)).push("))))");
        }
        let limit = page.limit();
        sql.push(" ORDER BY pp.unit_path, pp.a_id, pp.b_id LIMIT ")
            .bind(Val::Int(limit + 1));
        let mut conn = self.reader.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let mut keys = Vec::with_capacity(rows.len());
        for r in &rows {
            let reason: String = r.try_get(2)?;
            let reason = PairReason::parse(&reason)
                .ok_or_else(|| StoreError::Corrupt("person_pairs.reason".into()))?;
            keys.push((
                r.try_get::<i64, _>(0)?,
                r.try_get::<i64, _>(1)?,
                reason,
                r.try_get::<String, _>(3)?,
            ));
        }
        // The page's persons in one statement.
        let mut ids: Vec<i64> = keys.iter().flat_map(|k| [k.0, k.1]).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut persons = std::collections::HashMap::new();
        if !ids.is_empty() {
            let mut q = Sql::new(
                self.dialect,
                &format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id IN ("),
            );
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(Val::Int(*id));
            }
            q.push(")");
            for r in q.query().fetch_all(&mut *conn).await? {
                let p = person_from_row(&r)?;
                persons.insert(p.id.0, p);
            }
        }
        let mut items = Vec::with_capacity(keys.len());
        let mut cursors = Vec::with_capacity(keys.len());
        for (a, b, reason, path) in keys {
            let (Some(pa), Some(pb)) = (persons.get(&a), persons.get(&b)) else {
                return Err(StoreError::Corrupt("person_pairs: person missing".into()));
            };
            items.push(PersonPair {
                a: pa.clone(),
                b: pb.clone(),
                reason,
            });
            cursors.push(Cursor::new(vec![path, a.to_string(), b.to_string()]));
        }
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next = if more {
            cursors.get(items.len().saturating_sub(1)).cloned()
        } else {
            None
        };
        let page = Page { items, next };
        let list = AuditList::new(
            caller,
            "person_pairs",
            "",
            ENTITY,
            page.items
                .iter()
                .flat_map(|p| [p.a.id.0, p.b.id.0])
                .collect(),
            Place::enclosing(page.items.iter().map(|p| (p.a.structure, &p.a.unit_path))),
        );
        self.audit_read(conn, now_s, audit::Pending::List(list))
            .await?;
        Ok(page)
    }
}
