//! An import's rows written in bulk (issue #16, item 1, big files): the same records as a
//! line list's row-at-a-time writes (`case_batch.rs`: the person with its residents' tally,
//! its suspected duplicate pairs and its audit line; the case with its positive test, the
//! first line of its history and its audit line), but a batch of new persons and their
//! cases in a few multi-row statements instead of about fifteen statements a row. Rows of
//! registered persons (merged or matched; few in a list) still take the line list's path,
//! with its checks (an open case, a merged person).
//!
//! Ids are taken before the inserts (SQLite: past the largest, under the write lock the
//! import's record already holds; PostgreSQL: from the identity sequences), so a case names
//! its new person without a read-back.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use domain::{FieldError, PersonId, Reason};

use crate::audit::{self, AuditAction};
use crate::case_batch::{row_field, LineCase, LineCreated, LinePerson};
use crate::person_pairs::PairReason;
use crate::sql::{insert_rows, Val};
use crate::users::Caller;
use crate::{Dialect, Result, Store, StoreError};

/// New persons written per round of statements.
const ROWS_PER_ROUND: usize = 500;

/// Units read by an import, by structure and code: the unit, or why a row may not name it.
pub(crate) type UnitsKnown =
    HashMap<(domain::Structure, String), std::result::Result<domain::units::Unit, Reason>>;

/// Suspected duplicates filed per person and rule, as `person_pairs::file_pairs_in` does.
const PAIRS_PER_RULE: usize = 5;

impl Store {
    /// Writes an import's lines in `tx` (units from [`Store::line_units`]): new persons in
    /// bulk, the others by the line list's writes. Refused rows are named (`rows.N.field`,
    /// N the place in `lines`) and `Invalid` returned; the caller then drops `tx`.
    pub(crate) async fn write_import_lines_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        lines: &[LineCase],
        units: &[Option<domain::units::Unit>],
        now_s: i64,
    ) -> Result<Vec<LineCreated>> {
        let mut created = Vec::with_capacity(lines.len());
        let mut errors = Vec::new();
        let new: Vec<usize> = (0..lines.len())
            .filter(|&i| matches!(lines[i].person, LinePerson::New { .. }))
            .collect();
        for round in new.chunks(ROWS_PER_ROUND) {
            match self
                .write_new_round(tx, caller, lines, units, round, now_s)
                .await
            {
                Ok(c) => created.extend(c),
                Err(StoreError::Invalid(f)) => errors.extend(f),
                Err(e) => return Err(e),
            }
        }
        // Registered persons: the line list's own writes, row by row, named by their place.
        let others: Vec<usize> = (0..lines.len())
            .filter(|&i| matches!(lines[i].person, LinePerson::Existing(_)))
            .collect();
        if !others.is_empty() {
            let subset: Vec<LineCase> = others.iter().map(|&i| lines[i].clone()).collect();
            let none = vec![None; subset.len()];
            match self.write_lines_in(tx, caller, &subset, &none, now_s).await {
                Ok(c) => created.extend(c),
                Err(StoreError::Invalid(fields)) => {
                    errors.extend(fields.into_iter().map(|f| renumber(f, &others)))
                }
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        Ok(created)
    }

    /// [`Store::line_units`] for an import, read in its transaction: a list names the same
    /// units again and again, so each unit is read once per import (`known` is kept from
    /// batch to batch).
    pub(crate) async fn import_units_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        lines: &[LineCase],
        known: &mut UnitsKnown,
    ) -> Result<Vec<Option<domain::units::Unit>>> {
        let mut errors = Vec::new();
        let mut units = Vec::with_capacity(lines.len());
        for (row, line) in lines.iter().enumerate() {
            let LinePerson::New { person, .. } = &line.person else {
                units.push(None);
                continue;
            };
            let key = (person.structure, person.unit_code.as_str().to_string());
            if !known.contains_key(&key) {
                // As `Store::person_unit`: the unit must exist and lie in the jurisdiction.
                let found =
                    match Self::unit_unscoped_on(tx, person.structure, &person.unit_code).await? {
                        None => Err(Reason::NotFound),
                        Some(u) if !caller.scope.contains(u.structure, &u.path) => {
                            Err(Reason::OutOfScope)
                        }
                        Some(u) => Ok(u),
                    };
                known.insert(key.clone(), found);
            }
            match &known[&key] {
                Ok(u) => units.push(Some(u.clone())),
                Err(reason) => {
                    errors.push(FieldError::new(row_field(row, "unit"), *reason));
                    units.push(None);
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        Ok(units)
    }

    /// One round of new persons (`round`: their places in `lines`) with their cases.
    async fn write_new_round(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        lines: &[LineCase],
        units: &[Option<domain::units::Unit>],
        round: &[usize],
        now_s: i64,
    ) -> Result<Vec<LineCreated>> {
        let mut rows = Vec::with_capacity(round.len());
        for &i in round {
            let (LinePerson::New { person, address }, Some(unit)) = (&lines[i].person, &units[i])
            else {
                return Err(StoreError::Corrupt("import: unit not resolved".into()));
            };
            rows.push((i, person, address, unit, &lines[i].case));
        }
        // A national ID already held is refused, as one registration would be.
        let nids: Vec<String> = rows
            .iter()
            .filter_map(|(_, p, ..)| p.national_id.as_ref().map(|n| n.as_str().to_string()))
            .collect();
        let held = self.held_national_ids(tx, &nids).await?;
        let mut errors = Vec::new();
        let mut in_round = std::collections::HashSet::new();
        for (i, p, ..) in &rows {
            if let Some(n) = &p.national_id {
                if held.contains(n.as_str()) || !in_round.insert(n.as_str()) {
                    errors.push(FieldError::new(
                        row_field(*i, "national_id"),
                        Reason::Duplicate,
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let person_ids = self.next_ids(tx, "persons", rows.len()).await?;
        let case_ids = self.next_ids(tx, "cases", rows.len()).await?;
        insert_rows(
            tx,
            self.dialect,
            "persons",
            &[
                "id",
                "full_name",
                "national_id",
                "phone",
                "birth_date",
                "sex",
                "structure",
                "unit_code",
                "unit_path",
                "created_at_s",
                "created_by",
                "updated_at_s",
                "name_folded",
                "address",
            ],
            materialize(
                rows.iter()
                    .zip(&person_ids)
                    .map(|((_, p, address, unit, _), id)| {
                        vec![
                            Val::Int(*id),
                            Val::Text(p.full_name.clone()),
                            Val::OptText(p.national_id.as_ref().map(|n| n.as_str().to_string())),
                            Val::OptText(p.phone.as_ref().map(|n| n.as_str().to_string())),
                            Val::OptText(p.birth_date.map(|d| d.format("%Y-%m-%d").to_string())),
                            Val::Text(p.sex.as_str().into()),
                            Val::Text(unit.structure.as_str().into()),
                            Val::Text(unit.code.as_str().into()),
                            Val::Text(unit.path.as_str().into()),
                            Val::Int(now_s),
                            Val::Int(caller.user.id.0),
                            Val::Int(now_s),
                            Val::Text(domain::text::fold_diacritics(&p.full_name)),
                            Val::OptText((*address).clone()),
                        ]
                    }),
            ),
        )
        .await?;
        let mut deltas: BTreeMap<crate::residents::Delta, i64> = BTreeMap::new();
        for (_, _, _, unit, _) in &rows {
            for (d, n) in crate::residents::Delta::one(
                unit.structure,
                unit.code.as_str(),
                unit.path.as_str(),
                1,
            ) {
                *deltas.entry(d).or_default() += n;
            }
        }
        crate::residents::add(tx, deltas).await?;
        self.file_pairs_many_in(tx, &person_ids, now_s).await?;
        insert_rows(
            tx,
            self.dialect,
            "cases",
            &[
                "id",
                "person_id",
                "structure",
                "unit_code",
                "unit_path",
                "status",
                "severity",
                "onset_s",
                "first_sample_s",
                "confirmed_at_s",
                "isolation_s",
                "community",
                "outcome_at_s",
                "created_at_s",
                "created_by",
                "updated_at_s",
            ],
            materialize(rows.iter().zip(person_ids.iter().zip(&case_ids)).map(
                |((_, _, _, unit, c), (pid, cid))| {
                    vec![
                        Val::Int(*cid),
                        Val::Int(*pid),
                        Val::Text(unit.structure.as_str().into()),
                        Val::Text(unit.code.as_str().into()),
                        Val::Text(unit.path.as_str().into()),
                        Val::Text("active".into()),
                        Val::Text(c.severity.as_str().into()),
                        Val::OptInt(c.onset_s),
                        Val::Int(c.test.sample_s),
                        Val::Int(c.test.result_s),
                        Val::OptInt(c.isolation_s),
                        Val::Int(i64::from(c.community)),
                        Val::OptInt(None),
                        Val::Int(now_s),
                        Val::Int(caller.user.id.0),
                        Val::Int(now_s),
                    ]
                },
            )),
        )
        .await?;
        insert_rows(
            tx,
            self.dialect,
            "tests",
            &[
                "person_id",
                "case_id",
                "kind",
                "sample_s",
                "result_s",
                "positive",
                "ct",
            ],
            materialize(rows.iter().zip(person_ids.iter().zip(&case_ids)).map(
                |((_, _, _, _, c), (pid, cid))| {
                    vec![
                        Val::Int(*pid),
                        Val::Int(*cid),
                        Val::Text(c.test.kind.as_str().into()),
                        Val::Int(c.test.sample_s),
                        Val::Int(c.test.result_s),
                        Val::Int(1),
                        Val::Real(c.test.ct),
                    ]
                },
            )),
        )
        .await?;
        insert_rows(
            tx,
            self.dialect,
            "case_status_history",
            &["case_id", "at_s", "status", "severity", "actor", "note"],
            materialize(rows.iter().zip(&case_ids).map(|((_, _, _, _, c), cid)| {
                vec![
                    Val::Int(*cid),
                    Val::Int(c.test.result_s),
                    Val::Text("active".into()),
                    Val::Text(c.severity.as_str().into()),
                    Val::Text(caller.user.username.clone()),
                    Val::OptText(None),
                ]
            })),
        )
        .await?;
        // One audit line per record written, as the forms write them.
        let entries = person_ids
            .iter()
            .map(|id| crate::persons::entry(caller, AuditAction::Create, PersonId(*id)))
            .chain(case_ids.iter().map(|id| audit::AuditEntry {
                user: Some(caller.user.id),
                actor: caller.user.username.clone(),
                action: AuditAction::Create,
                entity: "case",
                entity_id: id.to_string(),
                detail: None,
            }))
            .collect::<Vec<_>>();
        audit::append(tx, self.dialect, entries, now_s).await?;
        crate::recent_cases::bump(tx, crate::recent_cases::CASES).await?;
        Ok(person_ids
            .iter()
            .zip(&case_ids)
            .map(|(p, c)| LineCreated {
                case_id: domain::CaseId(*c),
                person_id: PersonId(*p),
                new_person: true,
            })
            .collect())
    }

    /// The national IDs among `nids` an unmerged person holds.
    async fn held_national_ids(
        &self,
        tx: &mut sqlx::AnyConnection,
        nids: &[String],
    ) -> Result<std::collections::HashSet<String>> {
        let mut held = std::collections::HashSet::new();
        for chunk in nids.chunks(ROWS_PER_ROUND) {
            let ps: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT national_id FROM persons WHERE national_id IN ({}) AND merged_into IS NULL",
                ps.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for n in chunk {
                q = q.bind(n.clone());
            }
            for r in q.fetch_all(&mut *tx).await? {
                held.insert(r.try_get::<String, _>(0)?);
            }
        }
        Ok(held)
    }

    /// `n` new ids of `table` (persons or cases), taken inside the write transaction.
    async fn next_ids(
        &self,
        tx: &mut sqlx::AnyConnection,
        table: &str,
        n: usize,
    ) -> Result<Vec<i64>> {
        match self.dialect {
            // SQLite has one writer, and this transaction is it (the import's record is
            // already written): nothing else takes ids until it ends.
            Dialect::Sqlite => {
                let max: i64 = sqlx::query(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                Ok((1..=n as i64).map(|k| max + k).collect())
            }
            Dialect::Postgres => {
                let rows = sqlx::query(&format!(
                    "SELECT nextval(pg_get_serial_sequence('{table}', 'id'))
                       FROM generate_series(1, $1)"
                ))
                .bind(n as i64)
                .fetch_all(&mut *tx)
                .await?;
                rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
            }
        }
    }

    /// The suspected duplicate pairs of new persons, filed as `person_pairs::file_pairs_in`
    /// files them one person at a time: per rule, the first few unmerged others by id, the
    /// pair under the older record's unit.
    async fn file_pairs_many_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        ids: &[i64],
        now_s: i64,
    ) -> Result<()> {
        type Person = (
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            String,
        );
        let ps: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, national_id, phone, name_folded, birth_date, structure, unit_path
               FROM persons WHERE id IN ({})",
            ps.join(", ")
        );
        let mut q = sqlx::query_as::<_, Person>(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        let me: Vec<Person> = q.fetch_all(&mut *tx).await?;
        let mut pairs: Vec<(i64, i64, PairReason, String, String)> = Vec::new();
        let rules: [(&[&str], PairReason); 3] = [
            (&["national_id"], PairReason::NationalId),
            (&["phone", "name_folded"], PairReason::PhoneName),
            (&["name_folded", "birth_date"], PairReason::NameBirth),
        ];
        for (columns, reason) in rules {
            let value = |p: &Person| -> Option<Vec<String>> {
                let (_, nid, phone, folded, birth, ..) = p;
                match reason {
                    PairReason::NationalId => Some(vec![nid.clone()?]),
                    PairReason::PhoneName => Some(vec![phone.clone()?, folded.clone()?]),
                    PairReason::NameBirth => Some(vec![folded.clone()?, birth.clone()?]),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            };
            let mut values: Vec<Vec<String>> = me.iter().filter_map(value).collect();
            values.sort();
            values.dedup();
            if values.is_empty() {
                continue;
            }
            let width = columns.len();
            let tuples: Vec<String> = (0..values.len())
                .map(|i| {
                    let ps: Vec<String> = (0..width)
                        .map(|c| format!("${}", i * width + c + 1))
                        .collect();
                    format!("({})", ps.join(", "))
                })
                .collect();
            let sql = format!(
                "SELECT id, structure, unit_path, {cols} FROM persons
                  WHERE ({cols}) IN ({tuples}) AND merged_into IS NULL ORDER BY id",
                cols = columns.join(", "),
                tuples = tuples.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for v in values.iter().flatten() {
                q = q.bind(v.clone());
            }
            let mut by_value: HashMap<Vec<String>, Vec<(i64, String, String)>> = HashMap::new();
            for r in q.fetch_all(&mut *tx).await? {
                let mut v = Vec::with_capacity(width);
                for c in 0..width {
                    v.push(r.try_get::<String, _>(3 + c)?);
                }
                by_value
                    .entry(v)
                    .or_default()
                    .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
            }
            for p in &me {
                let Some(others) = value(p).and_then(|v| by_value.get(&v)) else {
                    continue;
                };
                let id = p.0;
                for (other, o_structure, o_path) in others
                    .iter()
                    .filter(|(o, ..)| *o != id)
                    .take(PAIRS_PER_RULE)
                {
                    // Filed under the older record's unit.
                    let (a, b, s, path) = if *other < id {
                        (*other, id, o_structure.clone(), o_path.clone())
                    } else {
                        (id, *other, p.5.clone(), p.6.clone())
                    };
                    pairs.push((a, b, reason, s, path));
                }
            }
        }
        pairs.sort_by(|x, y| (x.0, x.1, x.2.as_str()).cmp(&(y.0, y.1, y.2.as_str())));
        pairs.dedup_by(|x, y| (x.0, x.1, x.2) == (y.0, y.1, y.2));
        for chunk in pairs.chunks(ROWS_PER_ROUND) {
            let mut sql = crate::sql::Sql::new(
                self.dialect,
                "INSERT INTO person_pairs (a_id, b_id, reason, structure, unit_path, found_at_s) VALUES ",
            );
            for (i, (a, b, reason, s, path)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(Val::Int(*a)).push(", ");
                sql.bind(Val::Int(*b)).push(", ");
                sql.bind(Val::Text(reason.as_str().into())).push(", ");
                sql.bind(Val::Text(s.clone())).push(", ");
                sql.bind(Val::Text(path.clone())).push(", ");
                sql.bind(Val::Int(now_s)).push(")");
            }
            sql.push(" ON CONFLICT DO NOTHING");
            sql.query().execute(&mut *tx).await?;
        }
        Ok(())
    }
}

/// The rows of an insert built before it is awaited: an iterator with closures held across
/// an await makes the future's `Send` proof fail in a router (rustc #100013).
fn materialize(rows: impl Iterator<Item = Vec<Val>>) -> Vec<Vec<Val>> {
    rows.collect()
}

/// A refusal of the `k`-th of `places` named again by its place among all the lines.
fn renumber(f: FieldError, places: &[usize]) -> FieldError {
    let renamed = f
        .field
        .strip_prefix("rows.")
        .and_then(|r| r.split_once('.'))
        .and_then(|(n, rest)| {
            let k: usize = n.parse().ok()?;
            Some(row_field(*places.get(k)?, rest))
        });
    match renamed {
        Some(field) => FieldError::new(field, f.reason),
        None => f,
    }
}
