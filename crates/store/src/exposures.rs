//! Exposure places and citizens' declarations (migration 0047; issue #18, parts 3 and 4).
//! A place is a venue, a local day and a window; it is proposed from the cases' check-ins,
//! reviewed by staff and only then public. Its row holds no personal data. A declaration
//! ties a person (found or registered) to a place or to symptoms, listed for the officer of
//! the person's commune.

use std::collections::HashMap;

use sqlx::Row;

use domain::exposure::{DayWindow, Presence};
use domain::{FieldError, PersonId, Reason, Scope, Structure, UnitPath};

use crate::audit::{self, AuditAction, AuditEntry};
use crate::sql::{Sql, Val};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// Rows one list returns at most (a day's places in a city, a commune's open declarations).
pub const EXPOSURE_LIST_MAX: i64 = 1000;

/// Where a proposed place stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExposureStatus {
    Proposed,
    Published,
    Withdrawn,
}

impl ExposureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExposureStatus::Proposed => "proposed",
            ExposureStatus::Published => "published",
            ExposureStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ExposureStatus> {
        match s {
            "proposed" => Some(ExposureStatus::Proposed),
            "published" => Some(ExposureStatus::Published),
            "withdrawn" => Some(ExposureStatus::Withdrawn),
            _ => None,
        }
    }
}

/// An exposure place with its venue's name and unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposurePlace {
    pub id: i64,
    pub venue_id: i64,
    pub venue_name: String,
    pub address: Option<String>,
    pub day: i64,
    pub from_s: i64,
    pub to_s: i64,
    pub structure: Structure,
    pub unit_path: UnitPath,
    pub status: ExposureStatus,
    pub reviewed_by: Option<String>,
}

const PLACE_COLUMNS: &str = "e.id, e.venue_id, v.name, v.address, e.day, e.from_s, e.to_s, \
                             e.structure, e.unit_path, e.status, e.reviewed_by";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("exposure_places.{what}"))
}

fn place_from_row(r: &sqlx::any::AnyRow) -> Result<ExposurePlace> {
    let structure: String = r.try_get(7)?;
    let path: String = r.try_get(8)?;
    let status: String = r.try_get(9)?;
    Ok(ExposurePlace {
        id: r.try_get(0)?,
        venue_id: r.try_get(1)?,
        venue_name: r.try_get(2)?,
        address: r.try_get(3)?,
        day: r.try_get(4)?,
        from_s: r.try_get(5)?,
        to_s: r.try_get(6)?,
        structure: structure.parse().map_err(|_| corrupt("structure"))?,
        unit_path: UnitPath::from_stored(&path).ok_or_else(|| corrupt("unit_path"))?,
        status: ExposureStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
        reviewed_by: r.try_get(10)?,
    })
}

/// A declaration to record: who (found by the keys, else registered as `register`) and
/// what.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeclaration {
    /// A person already known to the caller (the device's own person); else `keys`.
    pub person_id: Option<PersonId>,
    pub keys: Option<DeclarantKeys>,
    /// A published place ("I was there"), or symptoms with their onset day.
    pub place_id: Option<i64>,
    pub symptoms: Vec<String>,
    pub onset_date: Option<chrono::NaiveDate>,
}

/// How a declarant is matched to a person, and registered when none matches.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclarantKeys {
    pub person: domain::person::NewPerson,
    pub birth_year: i32,
}

/// What a declaration left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    pub id: i64,
    pub person_id: PersonId,
    /// A known person was found (else one was registered).
    pub matched: bool,
}

/// What the commune officer's call on a declaration found (migration 0048).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclarationOutcome {
    /// Called and advised; not a contact to follow.
    Reached,
    /// No answer; may be marked again once reached.
    Unreachable,
    /// Confirmed as an F1: the declaration's person is the one to follow.
    BecameF1,
}

impl DeclarationOutcome {
    pub const ALL: [DeclarationOutcome; 3] = [
        DeclarationOutcome::Reached,
        DeclarationOutcome::Unreachable,
        DeclarationOutcome::BecameF1,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeclarationOutcome::Reached => "reached",
            DeclarationOutcome::Unreachable => "unreachable",
            DeclarationOutcome::BecameF1 => "became_f1",
        }
    }

    pub fn parse(s: &str) -> Option<DeclarationOutcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A declaration as the officer's list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclarationRow {
    pub id: i64,
    pub person_id: PersonId,
    pub full_name: String,
    pub phone: Option<String>,
    pub birth_year: Option<i64>,
    pub unit_path: UnitPath,
    pub matched: bool,
    pub place: Option<ExposurePlace>,
    pub symptoms: Vec<String>,
    pub onset_date: Option<String>,
    pub created_at_s: i64,
    /// `None` while open.
    pub outcome: Option<DeclarationOutcome>,
    pub handled_by: Option<String>,
    pub handled_at_s: Option<i64>,
}

impl Store {
    /// The check-ins of the given persons, each clipped to that person's span (a case's
    /// infectious window), as presences at venues. `spans`: person id → (from_s, to_s).
    pub async fn presences_in(&self, spans: &HashMap<i64, (i64, i64)>) -> Result<Vec<Presence>> {
        let (Some(lo), Some(hi)) = (
            spans.values().map(|s| s.0).min(),
            spans.values().map(|s| s.1).max(),
        ) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let ids: Vec<i64> = spans.keys().copied().collect();
        // A few hundred ids per statement, far below either database's bound.
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(
                self.dialect,
                "SELECT person_id, venue_id, t_in_s, t_out_s FROM checkins WHERE t_in_s < ",
            );
            sql.bind(Val::Int(hi))
                .push(" AND t_out_s > ")
                .bind(Val::Int(lo));
            sql.push(" AND person_id IN ").push_ints(chunk);
            for r in sql.query().fetch_all(&self.reader).await? {
                let person: i64 = r.try_get(0)?;
                let Some(&(from_s, to_s)) = spans.get(&person) else {
                    continue;
                };
                let (t_in, t_out): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
                let p = Presence {
                    venue_id: r.try_get(1)?,
                    from_s: t_in.max(from_s),
                    to_s: t_out.min(to_s),
                };
                if p.from_s < p.to_s {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// Replaces the proposals (not yet reviewed) of local days `days` by `windows`; a
    /// window already published or withdrawn (same venue, day and start) stays as reviewed.
    /// Returns how many proposals were written.
    pub async fn replace_proposals(
        &self,
        days: std::ops::RangeInclusive<i64>,
        windows: &[DayWindow],
        now_s: i64,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM exposure_places WHERE status = 'proposed' AND day >= $1 AND day <= $2",
        )
        .bind(*days.start())
        .bind(*days.end())
        .execute(&mut *tx)
        .await?;
        let mut n = 0;
        for w in windows.iter().filter(|w| days.contains(&w.day)) {
            n += sqlx::query(
                "INSERT INTO exposure_places (venue_id, day, from_s, to_s, structure, unit_path,
                                              status, proposed_at_s)
                 SELECT id, $2, $3, $4, structure, unit_path, 'proposed', $5 FROM venues
                 WHERE id = $1
                 ON CONFLICT (venue_id, day, from_s) DO NOTHING",
            )
            .bind(w.venue_id)
            .bind(w.day)
            .bind(w.from_s)
            .bind(w.to_s)
            .bind(now_s)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The places of local days `days` at venues in the caller's scope, at `status` (all
    /// when `None`), by day (newest first), then venue and time.
    pub async fn exposure_places(
        &self,
        scope: &Scope,
        days: std::ops::RangeInclusive<i64>,
        status: Option<ExposureStatus>,
    ) -> Result<Vec<ExposurePlace>> {
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT {PLACE_COLUMNS} FROM exposure_places e JOIN venues v ON v.id = e.venue_id \
                 WHERE e.day >= "
            ),
        );
        sql.bind(Val::Int(*days.start()))
            .push(" AND e.day <= ")
            .bind(Val::Int(*days.end()));
        if let Some(s) = status {
            sql.push(" AND e.status = ")
                .bind(Val::Text(s.as_str().into()));
        }
        if !scope.is_everything() {
            sql.push(" AND (1 = 0");
            for structure in Structure::ALL {
                if scope.roots_in(structure).next().is_some() {
                    sql.push(" OR (e.structure = ")
                        .bind(Val::Text(structure.as_str().into()));
                    sql.push_scope("e.unit_path", scope, structure);
                    sql.push(")");
                }
            }
            sql.push(")");
        }
        sql.push(" ORDER BY e.day DESC, e.unit_path, v.name, e.from_s, e.id LIMIT ")
            .bind(Val::Int(EXPOSURE_LIST_MAX));
        sql.query()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(place_from_row)
            .collect()
    }

    /// One place by id, if its venue lies in `scope`.
    pub async fn exposure_place(&self, scope: &Scope, id: i64) -> Result<Option<ExposurePlace>> {
        let row = sqlx::query(&format!(
            "SELECT {PLACE_COLUMNS} FROM exposure_places e JOIN venues v ON v.id = e.venue_id \
             WHERE e.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        let Some(p) = row.as_ref().map(place_from_row).transpose()? else {
            return Ok(None);
        };
        Ok(scope.contains(p.structure, &p.unit_path).then_some(p))
    }

    /// Publishes or withdraws place `id` (a venue in the caller's scope), audited. None:
    /// no such place for the caller.
    pub async fn review_exposure_place(
        &self,
        caller: &Caller,
        id: i64,
        to: ExposureStatus,
        now_s: i64,
    ) -> Result<Option<ExposurePlace>> {
        if to == ExposureStatus::Proposed {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "status",
                Reason::NotAllowed,
            )]));
        }
        if self.exposure_place(&caller.scope, id).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE exposure_places SET status = $1, reviewed_by = $2, reviewed_at_s = $3
             WHERE id = $4",
        )
        .bind(to.as_str())
        .bind(&caller.user.username)
        .bind(now_s)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.dialect,
            [AuditEntry {
                user: Some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Update,
                entity: "exposure_place",
                entity_id: id.to_string(),
                detail: Some(to.as_str().into()),
            }],
            now_s,
        )
        .await?;
        tx.commit().await?;
        self.exposure_place(&caller.scope, id).await
    }

    /// A person's check-ins from `since_s` on, as (venue, in, out), oldest first.
    pub async fn person_visits(
        &self,
        person: PersonId,
        since_s: i64,
    ) -> Result<Vec<domain::exposure::Visit>> {
        sqlx::query(
            "SELECT venue_id, t_in_s, t_out_s FROM checkins WHERE person_id = $1 AND t_out_s > $2
             ORDER BY t_in_s LIMIT 10000",
        )
        .bind(person.0)
        .bind(since_s)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| {
            Ok(domain::exposure::Visit {
                venue_id: r.try_get(0)?,
                t_in_s: r.try_get(1)?,
                t_out_s: r.try_get(2)?,
            })
        })
        .collect()
    }

    /// Records a declaration: the person given, else the one matching the keys (national
    /// ID; else phone, name and birth year), else one registered from them; audited with
    /// the caller (`citizen` for the public form) in the same transaction.
    pub async fn declare(
        &self,
        caller: &Caller,
        d: &NewDeclaration,
        now_s: i64,
    ) -> Result<Declared> {
        // Read before the write transaction opens (SQLite has one writer connection).
        let unit = match &d.keys {
            Some(k) => Some(self.person_unit(caller, &k.person).await?),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let (person_id, matched) = match (d.person_id, &d.keys, &unit) {
            (Some(id), _, _) => (id, true),
            (None, Some(k), Some(unit)) => match find_declarant(&mut tx, k).await? {
                Some(id) => (id, true),
                None => {
                    let p = self
                        .insert_person_in(&mut tx, caller, &k.person, unit, None, now_s)
                        .await?;
                    (p.id, false)
                }
            },
            _ => {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "person",
                    Reason::Required,
                )]))
            }
        };
        let home = sqlx::query(
            "SELECT structure, unit_path FROM persons WHERE id = $1 AND merged_into IS NULL",
        )
        .bind(person_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Invalid(vec![FieldError::new("person", Reason::NotFound)]))?;
        let (structure, path): (String, String) = (home.try_get(0)?, home.try_get(1)?);
        if let Some(place) = d.place_id {
            let published =
                sqlx::query("SELECT 1 FROM exposure_places WHERE id = $1 AND status = 'published'")
                    .bind(place)
                    .fetch_optional(&mut *tx)
                    .await?;
            if published.is_none() {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "place",
                    Reason::NotFound,
                )]));
            }
        }
        let symptoms = (!d.symptoms.is_empty()).then(|| d.symptoms.join(","));
        let id: i64 = sqlx::query(
            "INSERT INTO declarations (person_id, structure, unit_path, kind, place_id, symptoms,
                                       onset_date, birth_year, matched, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(person_id.0)
        .bind(&structure)
        .bind(&path)
        .bind(if d.place_id.is_some() {
            "visit"
        } else {
            "symptoms"
        })
        .bind(d.place_id)
        .bind(symptoms)
        .bind(d.onset_date.map(|t| t.format("%Y-%m-%d").to_string()))
        .bind(d.keys.as_ref().map(|k| i64::from(k.birth_year)))
        .bind(i64::from(matched))
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let detail = match d.place_id {
            Some(p) => format!("visit place {p} person {}", person_id.0),
            None => format!("symptoms person {}", person_id.0),
        };
        audit::append(
            &mut tx,
            self.dialect,
            [AuditEntry {
                user: (caller.user.id.0 > 0).then_some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Create,
                entity: "declaration",
                entity_id: id.to_string(),
                detail: Some(detail),
            }],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(Declared {
            id,
            person_id,
            matched,
        })
    }

    /// The declarations of persons living in the caller's scope: the open ones first, each
    /// part newest first, with its place; the handled ones only when `handled`. The list's
    /// read audited (it names persons).
    pub async fn declarations(
        &self,
        caller: &Caller,
        structure: Structure,
        handled: bool,
        now_s: i64,
    ) -> Result<Vec<DeclarationRow>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT d.id, d.person_id, p.full_name, p.phone, d.birth_year, d.unit_path, d.matched,
                    d.place_id, d.symptoms, d.onset_date, d.created_at_s, d.outcome,
                    d.handled_by, d.handled_at_s
             FROM declarations d JOIN persons p ON p.id = d.person_id WHERE d.structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("d.unit_path", &caller.scope, structure);
        if !handled {
            sql.push(" AND d.outcome IS NULL");
        }
        sql.push(" ORDER BY CASE WHEN d.outcome IS NULL THEN 0 ELSE 1 END, d.id DESC LIMIT ")
            .bind(Val::Int(EXPOSURE_LIST_MAX));
        let rows = sql.query().fetch_all(&self.reader).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let path: String = r.try_get(5)?;
            let place: Option<i64> = r.try_get(7)?;
            let symptoms: Option<String> = r.try_get(8)?;
            let matched: i64 = r.try_get(6)?;
            out.push(DeclarationRow {
                id: r.try_get(0)?,
                person_id: PersonId(r.try_get(1)?),
                full_name: r.try_get(2)?,
                phone: r.try_get(3)?,
                birth_year: r.try_get(4)?,
                unit_path: UnitPath::from_stored(&path)
                    .ok_or_else(|| StoreError::Corrupt("declarations.unit_path".into()))?,
                matched: matched != 0,
                // Places are public; read with the whole country's scope.
                place: match place {
                    Some(id) => self.exposure_place(&Scope::everything(), id).await?,
                    None => None,
                },
                symptoms: symptoms
                    .map(|s| s.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
                onset_date: r.try_get(9)?,
                created_at_s: r.try_get(10)?,
                outcome: match r.try_get::<Option<String>, _>(11)? {
                    Some(o) => Some(
                        DeclarationOutcome::parse(&o)
                            .ok_or_else(|| StoreError::Corrupt("declarations.outcome".into()))?,
                    ),
                    None => None,
                },
                handled_by: r.try_get(12)?,
                handled_at_s: r.try_get(13)?,
            });
        }
        if !out.is_empty() {
            let mut conn = self.pool.acquire().await?;
            audit::append_list(
                &mut conn,
                self.dialect,
                audit::AuditList::new(
                    caller,
                    "declarations",
                    structure.as_str(),
                    "person",
                    out.iter().map(|d| d.person_id.0).collect(),
                    None,
                ),
                now_s,
            )
            .await?;
        }
        Ok(out)
    }
}

impl Store {
    /// Records the outcome of the officer's call on declaration `id`, audited in the same
    /// transaction; may be marked again (an unreachable person reached later). `false`: no
    /// such declaration of a person living in the caller's scope (nothing changed).
    pub async fn mark_declaration(
        &self,
        caller: &Caller,
        id: i64,
        outcome: DeclarationOutcome,
        now_s: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT structure, unit_path FROM declarations WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let (structure, path): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let structure: Structure = structure
            .parse()
            .map_err(|_| StoreError::Corrupt("declarations.structure".into()))?;
        let path = UnitPath::from_stored(&path)
            .ok_or_else(|| StoreError::Corrupt("declarations.unit_path".into()))?;
        // Out of scope answers as absent (the caller learns nothing of other wards).
        if !caller.scope.contains(structure, &path) {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE declarations SET outcome = $1, handled_by = $2, handled_at_s = $3
             WHERE id = $4",
        )
        .bind(outcome.as_str())
        .bind(&caller.user.username)
        .bind(now_s)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.dialect,
            [AuditEntry {
                user: (caller.user.id.0 > 0).then_some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Update,
                entity: "declaration",
                entity_id: id.to_string(),
                detail: Some(outcome.as_str().into()),
            }],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes the declarations recorded before `before_s` (retention: they carry personal
    /// data); returns how many.
    pub async fn purge_declarations_before(&self, before_s: i64) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM declarations WHERE created_at_s < $1")
                .bind(before_s)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

/// The person a declarant is ([`person_by_keys`]).
async fn find_declarant(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    k: &DeclarantKeys,
) -> Result<Option<PersonId>> {
    person_by_keys(
        tx,
        k.person.national_id.as_ref().map(|n| n.as_str()),
        k.person.phone.as_ref().map(|p| p.as_str()),
        &k.person.full_name,
        k.birth_year,
    )
    .await
}

/// The person a citizen names (registering at a poster, or declaring): by national ID,
/// else by phone, folded name and birth year; the oldest live record when several match.
/// One matcher for both, so a person a declaration registered is found by a later scan.
pub(crate) async fn person_by_keys(
    conn: &mut sqlx::AnyConnection,
    national_id: Option<&str>,
    phone: Option<&str>,
    full_name: &str,
    birth_year: i32,
) -> Result<Option<PersonId>> {
    if let Some(nid) = national_id {
        let row = sqlx::query(
            "SELECT id FROM persons WHERE national_id = $1 AND merged_into IS NULL
             ORDER BY id LIMIT 1",
        )
        .bind(nid)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(r) = row {
            return Ok(Some(PersonId(r.try_get(0)?)));
        }
    }
    let Some(phone) = phone else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT id FROM persons p WHERE phone = $1 AND name_folded = $2 AND merged_into IS NULL
         AND (birth_date LIKE $3 OR (birth_date IS NULL AND EXISTS (
              SELECT 1 FROM declarations d WHERE d.person_id = p.id AND d.birth_year = $4)))
         ORDER BY id LIMIT 1",
    )
    .bind(phone)
    .bind(domain::text::fold_diacritics(full_name))
    .bind(format!("{birth_year:04}-%"))
    // A person a declaration registered has no birth date, only the year it gave.
    .bind(i64::from(birth_year))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok(PersonId(r.try_get(0)?))).transpose()
}
