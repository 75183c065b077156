//! The person registry (the foundation's part: create, read and list within scope, each
//! access audited).

use chrono::{DateTime, NaiveDate};
use sqlx::any::AnyRow;
use sqlx::Row;

use domain::person::{NationalId, NewPerson, Person, Phone, Sex};
use domain::{FieldError, PersonId, Reason, Structure, UnitPath};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::page::{Cursor, Page, PageRequest};
use crate::sql::{Sql, Val};
use crate::units::code_col;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

const PERSON_COLUMNS: &str = "id, full_name, national_id, phone, birth_date, sex, structure, \
                              unit_code, unit_path, created_at_s";
const ENTITY: &str = "person";

fn entry(caller: &Caller, action: AuditAction, id: PersonId) -> AuditEntry {
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
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO persons (full_name, national_id, phone, birth_date, sex, structure,
                                  unit_code, unit_path, created_at_s, created_by, updated_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9) RETURNING id",
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
        .bind(caller.user.id.0)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let id = PersonId(id);
        audit::append(
            &mut tx,
            self.dialect,
            [entry(caller, AuditAction::Create, id)],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(Person {
            id,
            full_name: new.full_name.clone(),
            national_id: new.national_id.clone(),
            phone: new.phone.clone(),
            birth_date: new.birth_date,
            sex: new.sex,
            structure: unit.structure,
            unit_code: unit.code,
            unit_path: unit.path,
            created_at: DateTime::from_timestamp(now_s, 0).unwrap_or_default(),
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
        let mut conn = self.pool.acquire().await?;
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
        audit::append(
            &mut conn,
            self.dialect,
            [entry(caller, AuditAction::Read, id)],
            now_s,
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
        let mut conn = self.pool.acquire().await?;
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let items = rows
            .iter()
            .map(person_from_row)
            .collect::<Result<Vec<_>>>()?;
        let page = Page::from_overfetch(items, limit, |p| {
            Cursor::new(vec![p.unit_path.as_str().to_string(), p.id.to_string()])
        });
        let entries: Vec<AuditEntry> = page
            .items
            .iter()
            .map(|p| entry(caller, AuditAction::List, p.id))
            .collect();
        audit::append(&mut conn, self.dialect, entries, now_s).await?;
        Ok(page)
    }
}

fn person_from_row(r: &AnyRow) -> Result<Person> {
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
    })
}
