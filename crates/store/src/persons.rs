//! The person registry (the foundation's part: create, read and list within scope, each
//! access audited).

use chrono::{DateTime, NaiveDate};
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::person::{NationalId, NewPerson, Person, Phone, Sex};
use domain::{FieldError, PersonId, Reason, Structure, UnitPath};

use crate::audit::{self, AuditAction, AuditEntry, AuditList, Place};
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::units::code_col;
use crate::users::Caller;
use crate::{Dialect, Result, Store, StoreError};

pub(crate) const PERSON_COLUMNS: &str =
    "id, full_name, national_id, phone, birth_date, sex, structure, \
                              unit_code, unit_path, created_at_s, merged_into";
pub(crate) const ENTITY: &str = "person";

pub(crate) fn entry(caller: &Caller, action: AuditAction, id: PersonId) -> AuditEntry {
    AuditEntry {
        user: Some(caller.user.id),
        actor: caller.user.username.clone(),
        action,
        entity: ENTITY,
        entity_id: id.to_string(),
        detail: None,
    }
}

impl Store {
    /// Registers a person in a unit of the caller's scope; the creation is audited in the
    /// same transaction.
    pub async fn create_person(
        &self,
        caller: &Caller,
        new: &NewPerson,
        now_s: i64,
    ) -> Result<Person> {
        self.create_person_at(caller, new, None, now_s).await
    }

    /// [`Store::create_person`] with the person's own address (house, street, hamlet).
    pub async fn create_person_at(
        &self,
        caller: &Caller,
        new: &NewPerson,
        address: Option<&str>,
        now_s: i64,
    ) -> Result<Person> {
        let unit = self.person_unit(caller, new).await?;
        let mut tx = self.pool.begin().await?;
        let person = self
            .insert_person_in(&mut tx, caller, new, &unit, address, now_s)
            .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// The unit of residence of a person to register: it must exist and be in the caller's
    /// scope (`unit`: `not_found` or `out_of_scope`). Read before a write transaction opens,
    /// as SQLite has one connection.
    pub(crate) async fn person_unit(
        &self,
        caller: &Caller,
        new: &NewPerson,
    ) -> Result<domain::units::Unit> {
        let unit = self
            .unit_unscoped(new.structure, &new.unit_code)
            .await?
            .ok_or_else(|| StoreError::Invalid(vec![FieldError::new("unit", Reason::NotFound)]))?;
        if !caller.scope.contains(unit.structure, &unit.path) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "unit",
                Reason::OutOfScope,
            )]));
        }
        Ok(unit)
    }

    /// Registers a person inside the caller's transaction, in `unit` (from
    /// [`Store::person_unit`]); a national ID already held is `Duplicate`, nothing written.
    pub(crate) async fn insert_person_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        new: &NewPerson,
        unit: &domain::units::Unit,
        address: Option<&str>,
        now_s: i64,
    ) -> Result<Person> {
        if let Some(nid) = &new.national_id {
            let row = sqlx::query(
                "SELECT id, structure, unit_path FROM persons
                 WHERE national_id = $1 AND merged_into IS NULL ORDER BY id LIMIT 1",
            )
            .bind(nid.as_str())
            .fetch_optional(&mut **tx)
            .await?;
            if let Some(r) = row {
                let (id, structure, path): (i64, String, String) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                let visible = structure
                    .parse::<Structure>()
                    .ok()
                    .zip(UnitPath::from_stored(&path))
                    .is_some_and(|(s, p)| caller.scope.contains(s, &p));
                return Err(StoreError::Duplicate {
                    field: "national_id",
                    existing: visible.then_some(PersonId(id)),
                });
            }
        }
        let id: i64 = sqlx::query(
            "INSERT INTO persons (full_name, national_id, phone, birth_date, sex, structure,
                                  unit_code, unit_path, created_at_s, created_by, updated_at_s,
                                  name_folded, address)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11, $12) RETURNING id",
        )
        .bind(&new.full_name)
        .bind(new.national_id.as_ref().map(|n| n.as_str().to_string()))
        .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
        .bind(new.birth_date.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(new.sex.as_str())
        .bind(unit.structure.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(now_s)
        // The system (a linked locality's referral, issue #17) is no account.
        .bind((caller.user.id.0 > 0).then_some(caller.user.id.0))
        .bind(domain::text::fold_diacritics(&new.full_name))
        .bind(address.map(str::to_string))
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        let id = PersonId(id);
        let one =
            crate::residents::Delta::one(unit.structure, unit.code.as_str(), unit.path.as_str(), 1);
        crate::residents::add(tx, one).await?;
        crate::person_pairs::file_pairs_in(tx, id, now_s).await?;
        audit::append(
            tx,
            self.dialect,
            [entry(caller, AuditAction::Create, id)],
            now_s,
        )
        .await?;
        Ok(Person {
            id,
            full_name: new.full_name.clone(),
            national_id: new.national_id.clone(),
            phone: new.phone.clone(),
            birth_date: new.birth_date,
            sex: new.sex,
            structure: unit.structure,
            unit_code: unit.code.clone(),
            unit_path: unit.path.clone(),
            created_at: DateTime::from_timestamp(now_s, 0).unwrap_or_default(),
            merged_into: None,
        })
    }

    /// A person in the caller's scope, or None — also when the person exists outside it.
    /// A returned person is audited as read.
    pub async fn get_person(
        &self,
        caller: &Caller,
        id: PersonId,
        now_s: i64,
    ) -> Result<Option<Person>> {
        let mut conn = self.reader.acquire().await?;
        let row = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(person) = row.as_ref().map(person_from_row).transpose()? else {
            return Ok(None);
        };
        if !caller.scope.contains(person.structure, &person.unit_path) {
            return Ok(None);
        }
        self.audit_read(
            conn,
            now_s,
            audit::Pending::Rows(vec![entry(caller, AuditAction::Read, id)]),
        )
        .await?;
        Ok(Some(person))
    }

    /// One page of the persons in the caller's scope in one structure, ordered by unit then
    /// id (the `persons_by_scope` index order). Every listed person is audited.
    pub async fn list_persons(
        &self,
        caller: &Caller,
        structure: Structure,
        page: &PageRequest,
        now_s: i64,
    ) -> Result<Page<Person>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!("SELECT {PERSON_COLUMNS} FROM persons WHERE structure = "),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", &caller.scope, structure);
        if let Some(after) = &page.after {
            let [path, id] = after.expect(2)? else {
                return Err(StoreError::BadCursor);
            };
            let id: i64 = id.parse().map_err(|_| StoreError::BadCursor)?;
            sql.push(" AND (unit_path > ").bind(Val::Text(path.clone()));
            sql.push(" OR (unit_path = ").bind(Val::Text(path.clone()));
            sql.push(" AND id > ").bind(Val::Int(id)).push("))");
        }
        let limit = page.limit();
        sql.push(" ORDER BY unit_path, id LIMIT ")
            .bind(Val::Int(limit + 1));
        let mut conn = self.reader.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let items = rows
            .iter()
            .map(person_from_row)
            .collect::<Result<Vec<_>>>()?;
        let page = Page::from_overfetch(items, limit, |p| {
            Cursor::new(vec![p.unit_path.as_str().to_string(), p.id.to_string()])
        });
        // One row for the page, naming every person on it (issue #12, item 15).
        let list = AuditList::new(
            caller,
            "persons",
            "",
            ENTITY,
            page.items.iter().map(|p| p.id.0).collect(),
            Place::enclosing(page.items.iter().map(|p| (p.structure, &p.unit_path))),
        );
        self.audit_read(conn, now_s, audit::Pending::List(list))
            .await?;
        Ok(page)
    }
}

pub(crate) fn person_from_row(r: &AnyRow) -> Result<Person> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("persons.{what}"));
    let sex: String = r.try_get("sex")?;
    let structure: String = r.try_get("structure")?;
    let birth: Option<String> = r.try_get("birth_date")?;
    let path: String = r.try_get("unit_path")?;
    Ok(Person {
        id: PersonId(r.try_get("id")?),
        full_name: r.try_get("full_name")?,
        national_id: r
            .try_get::<Option<String>, _>("national_id")?
            .map(NationalId::from_stored),
        phone: r
            .try_get::<Option<String>, _>("phone")?
            .map(Phone::from_stored),
        birth_date: birth
            .map(|b| NaiveDate::parse_from_str(&b, "%Y-%m-%d").map_err(|_| corrupt("birth_date")))
            .transpose()?,
        sex: Sex::parse(&sex).map_err(|_| corrupt("sex"))?,
        structure: structure.parse().map_err(|_| corrupt("structure"))?,
        unit_code: code_col(r, "unit_code")?,
        unit_path: UnitPath::from_stored(&path).ok_or_else(|| corrupt("unit_path"))?,
        created_at: DateTime::from_timestamp(r.try_get("created_at_s")?, 0).unwrap_or_default(),
        merged_into: r.try_get::<Option<i64>, _>("merged_into")?.map(PersonId),
    })
}

/// What a merge moved from the duplicate to the kept person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    pub moved: Vec<(&'static str, u64)>,
}

impl Store {
    /// Persons in the caller's scope who may be the same as `new`: the same phone number, or
    /// the same name and birth date. Merged records are not candidates.
    pub async fn similar_persons(
        &self,
        caller: &Caller,
        new: &NewPerson,
        exclude: Option<PersonId>,
    ) -> Result<Vec<PersonId>> {
        let rows = sqlx::query(
            "SELECT id, structure, unit_path FROM persons
             WHERE merged_into IS NULL AND id <> $4
               AND ((phone IS NOT NULL AND phone = $1) OR (full_name = $2 AND birth_date = $3))
             ORDER BY id LIMIT 50",
        )
        .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
        .bind(&new.full_name)
        .bind(new.birth_date.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(exclude.map_or(0, |p| p.0))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let structure: String = r.try_get(1)?;
            let path: String = r.try_get(2)?;
            if let (Ok(s), Some(p)) = (structure.parse::<Structure>(), UnitPath::from_stored(&path))
            {
                if caller.scope.contains(s, &p) {
                    out.push(PersonId(r.try_get(0)?));
                }
            }
        }
        Ok(out)
    }

    /// Merges the record `duplicate` into `kept`: every case, test, check-in, dose, contact
    /// and declared contact moves to `kept`, `kept` takes the identifiers it lacked, and the
    /// duplicate stays, marked `merged_into`, with the moves recorded. Both must be in scope
    /// (else `id`/`into: not_found`) and unmerged (else `Conflict`, `merged`).
    ///
    /// Both person rows are locked first, in the order of their ids (PostgreSQL), so that
    /// concurrent merges of the same two records (A into B, B into A) run one after the
    /// other and the second sees the first's `merged_into`; a deadlock or serialization
    /// failure with other writers re-runs the merge (`conflict::retrying`).
    pub async fn merge_persons(
        &self,
        caller: &Caller,
        duplicate: PersonId,
        kept: PersonId,
        now_s: i64,
    ) -> Result<Merged> {
        if duplicate == kept {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "into",
                Reason::InvalidFormat,
            )]));
        }
        crate::conflict::retrying(|| self.merge_once(caller, duplicate, kept, now_s)).await
    }

    async fn merge_once(
        &self,
        caller: &Caller,
        duplicate: PersonId,
        kept: PersonId,
        now_s: i64,
    ) -> Result<Merged> {
        let mut tx = self.pool.begin().await?;
        let lock = match self.dialect {
            Dialect::Postgres => " FOR UPDATE",
            // One connection: the transaction already runs alone.
            Dialect::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE id IN ($1, $2) ORDER BY id{lock}"
        ))
        .bind(duplicate.0)
        .bind(kept.0)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(person_from_row)
        .collect::<Result<Vec<_>>>()?;
        let fields = [("id", duplicate), ("into", kept)];
        // Scope before state: a merged record outside the scope answers as missing.
        let mut found = Vec::new();
        for (field, id) in fields {
            match rows.iter().find(|p| p.id == id) {
                Some(p) if caller.scope.contains(p.structure, &p.unit_path) => found.push(p),
                _ => {
                    return Err(StoreError::Invalid(vec![FieldError::new(
                        field,
                        Reason::NotFound,
                    )]))
                }
            }
        }
        let merged: Vec<FieldError> = fields
            .iter()
            .zip(&found)
            .filter(|(_, p)| p.merged_into.is_some())
            .map(|((field, _), _)| FieldError::new(*field, Reason::Merged))
            .collect();
        if !merged.is_empty() {
            return Err(StoreError::Conflict(merged));
        }
        // The duplicate record stops counting as a resident of its unit.
        let leaving = found.first().map(|p| {
            crate::residents::Delta::one(
                p.structure,
                p.unit_code.as_str(),
                p.unit_path.as_str(),
                -1,
            )
        });
        let (d, k) = (duplicate.0, kept.0);
        // Both persons' shares of the coverage counts leave, and the kept person's (with the
        // doses moved to it, and perhaps a birth date) comes back below.
        for p in [d, k] {
            crate::vaccination::tally_person_doses(&mut tx, p, -1).await?;
        }
        // Rows that would collide with one the kept person already has are the same fact twice.
        sqlx::query("DELETE FROM contacts WHERE person_id = $1 AND case_id IN (SELECT case_id FROM contacts WHERE person_id = $2)")
            .bind(d).bind(k).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM vaccinations WHERE person_id = $1 AND dose_no IN (SELECT dose_no FROM vaccinations WHERE person_id = $2)")
            .bind(d).bind(k).execute(&mut *tx).await?;
        let mut merged = Merged::default();
        for (table, col) in [
            ("cases", "person_id"),
            ("tests", "person_id"),
            ("checkins", "person_id"),
            ("vaccinations", "person_id"),
            ("contacts", "person_id"),
            ("contacts", "via_person_id"),
            ("declared_contacts", "person_id"),
            ("declared_contacts", "contact_id"),
        ] {
            let n = sqlx::query(&format!("UPDATE {table} SET {col} = $1 WHERE {col} = $2"))
                .bind(k)
                .bind(d)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                merged.moved.push((table, n));
            }
        }
        sqlx::query(
            "UPDATE persons SET
               national_id = COALESCE(national_id, (SELECT national_id FROM persons WHERE id = $2)),
               phone = COALESCE(phone, (SELECT phone FROM persons WHERE id = $2)),
               birth_date = COALESCE(birth_date, (SELECT birth_date FROM persons WHERE id = $2)),
               household_id = COALESCE(household_id, (SELECT household_id FROM persons WHERE id = $2)),
               updated_at_s = $3
             WHERE id = $1",
        )
        .bind(k).bind(d).bind(now_s).execute(&mut *tx).await?;
        if let Some(leaving) = leaving {
            crate::residents::add(&mut tx, leaving).await?;
        }
        sqlx::query("UPDATE persons SET merged_into = $1, updated_at_s = $3 WHERE id = $2")
            .bind(k)
            .bind(d)
            .bind(now_s)
            .execute(&mut *tx)
            .await?;
        crate::vaccination::tally_person_doses(&mut tx, k, 1).await?;
        let moved = merged
            .moved
            .iter()
            .map(|(t, n)| format!("{t}:{n}"))
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query("INSERT INTO person_merges (duplicate_id, kept_id, moved, at_s, actor) VALUES ($1, $2, $3, $4, $5)")
            .bind(d).bind(k).bind(&moved).bind(now_s).bind(&caller.user.username)
            .execute(&mut *tx).await?;
        let entries: Vec<AuditEntry> = [duplicate, kept]
            .into_iter()
            .map(|id| AuditEntry {
                user: Some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Update,
                entity: ENTITY,
                entity_id: id.to_string(),
                detail: Some(format!("merge {d} into {k}: {moved}")),
            })
            .collect();
        audit::append(&mut tx, self.dialect, entries, now_s).await?;
        // Cases may have moved to the kept person.
        crate::recent_cases::bump(&mut tx, crate::recent_cases::CASES).await?;
        tx.commit().await?;
        Ok(merged)
    }
}
