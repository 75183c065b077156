//! Spreadsheet imports (issue #16, item 1): the record of each committed import (migration
//! 0034), the persons a row may be, and the commit itself: the record and every row in one
//! transaction, through the same writes as a line list (`case_batch.rs`), so an import
//! creates what the forms create and is audited as they are.

use sqlx::Row;

use domain::PersonId;

use crate::person_pairs::PairReason;
use crate::users::Caller;
use crate::{LineCreated, Result, Store, StoreError};

/// An import as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    /// The kind of list (`cases`).
    pub kind: String,
    pub file_name: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    pub created_by: i64,
    pub actor: String,
    pub created_at_s: i64,
    pub counts: ImportCounts,
}

/// What an import did with its rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub total: i64,
    /// Rows that registered a new person.
    pub new: i64,
    /// Rows written for a person already registered.
    pub matched: i64,
    /// Rows recognised as already imported (the person already has the case of that
    /// sample), left as they were.
    pub already: i64,
    /// Rows refused (each named in the preview), not written.
    pub refused: i64,
}

/// An import to record with its rows.
#[derive(Debug, Clone)]
pub struct NewImport<'a> {
    pub kind: &'a str,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub counts: ImportCounts,
}

/// What a commit did.
#[derive(Debug, Clone)]
pub enum ImportCommit {
    /// Written: the record and the rows.
    Done {
        record: ImportRecord,
        created: Vec<LineCreated>,
    },
    /// The same file was committed before: nothing changed.
    AlreadyImported(ImportRecord),
}

/// Matches one row may have, each kind bounded.
const MATCHES_MAX: i64 = 5;

/// The most rows' keys one matching query binds.
const MATCH_KEYS_PER_QUERY: usize = 1000;

const COLUMNS: &str = "id, kind, file_name, sha256, created_by, actor, created_at_s,
                       rows_total, rows_new, rows_matched, rows_already, rows_refused";

fn record_from_row(r: &sqlx::any::AnyRow) -> Result<ImportRecord> {
    Ok(ImportRecord {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        file_name: r.try_get(2)?,
        sha256: r.try_get(3)?,
        created_by: r.try_get(4)?,
        actor: r.try_get(5)?,
        created_at_s: r.try_get(6)?,
        counts: ImportCounts {
            total: r.try_get(7)?,
            new: r.try_get(8)?,
            matched: r.try_get(9)?,
            already: r.try_get(10)?,
            refused: r.try_get(11)?,
        },
    })
}

/// What identifies a person in a row, as the person records store it (national ID and
/// phone normalised, name folded, birth date YYYY-MM-DD).
#[derive(Debug, Clone, Default)]
pub struct PersonKeys {
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub name_folded: Option<String>,
    pub birth_date: Option<String>,
}

impl Store {
    /// The import of this file, if it was committed.
    pub async fn import_by_hash(&self, kind: &str, sha256: &str) -> Result<Option<ImportRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM imports WHERE kind = $1 AND sha256 = $2"
        ))
        .bind(kind)
        .bind(sha256)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// The most recent imports made by users within the caller's jurisdiction, newest
    /// first (at most `limit`). A maker is within it when every one of their jurisdictions
    /// is: an import by a district officer is listed to the district, its city and the
    /// country, not to another district. The system (the CLI's operator, no account) and a
    /// maker of the whole country are listed only to whole-country callers.
    pub async fn imports(&self, caller: &Caller, limit: i64) -> Result<Vec<ImportRecord>> {
        // Imports are few (one row per file): read newest first, a page at a time, until
        // `limit` are kept.
        const PAGE: i64 = 500;
        let mut kept = Vec::new();
        let mut makers: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
        let mut offset = 0;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM imports ORDER BY created_at_s DESC, id DESC
                  LIMIT $1 OFFSET $2"
            ))
            .bind(PAGE)
            .bind(offset)
            .fetch_all(&self.reader)
            .await?;
            let n = rows.len() as i64;
            for r in &rows {
                let record = record_from_row(r)?;
                let within = match makers.get(&record.created_by) {
                    Some(w) => *w,
                    None => {
                        let w = self.maker_within(caller, record.created_by).await?;
                        makers.insert(record.created_by, w);
                        w
                    }
                };
                if within {
                    kept.push(record);
                    if kept.len() as i64 >= limit {
                        return Ok(kept);
                    }
                }
            }
            if n < PAGE {
                return Ok(kept);
            }
            offset += PAGE;
        }
    }

    /// Whether every jurisdiction of user `maker` lies within the caller's scope.
    async fn maker_within(&self, caller: &Caller, maker: i64) -> Result<bool> {
        if caller.scope.is_everything() {
            return Ok(true);
        }
        let rows = sqlx::query_as::<_, (String, String, Option<String>)>(
            "SELECT uu.structure, uu.code, un.path FROM user_units uu
             LEFT JOIN units un ON un.structure = uu.structure AND un.code = uu.code
             WHERE uu.user_id = $1",
        )
        .bind(maker)
        .fetch_all(&self.reader)
        .await?;
        // No jurisdiction (the system) or the whole country (`VN`, no unit row): beyond any
        // scope but the whole country's.
        if rows.is_empty() {
            return Ok(false);
        }
        Ok(rows.iter().all(|(structure, _, path)| {
            match (
                structure.parse::<domain::Structure>(),
                path.as_deref().and_then(domain::UnitPath::from_stored),
            ) {
                (Ok(s), Some(p)) => caller.scope.contains(s, &p),
                _ => false,
            }
        }))
    }

    /// The unmerged persons in the caller's scope a row may be, by the rules of the
    /// duplicate review (`person_pairs.rs`): the same national ID; the same phone and
    /// folded name; the same folded name and birth date. The strongest reason first.
    pub async fn person_matches(
        &self,
        caller: &Caller,
        keys: &PersonKeys,
    ) -> Result<Vec<(PersonId, PairReason)>> {
        let mut found: Vec<(PersonId, PairReason)> = Vec::new();
        let mut tries: Vec<(&str, Vec<&String>, PairReason)> = Vec::new();
        if let Some(n) = &keys.national_id {
            tries.push(("national_id = $1", vec![n], PairReason::NationalId));
        }
        if let (Some(ph), Some(f)) = (&keys.phone, &keys.name_folded) {
            tries.push((
                "phone = $1 AND name_folded = $2",
                vec![ph, f],
                PairReason::PhoneName,
            ));
        }
        if let (Some(f), Some(b)) = (&keys.name_folded, &keys.birth_date) {
            tries.push((
                "name_folded = $1 AND birth_date = $2",
                vec![f, b],
                PairReason::NameBirth,
            ));
        }
        for (cond, binds, reason) in tries {
            let n = binds.len() + 1;
            let sql = format!(
                "SELECT id, structure, unit_path FROM persons
                  WHERE {cond} AND merged_into IS NULL ORDER BY id LIMIT ${n}"
            );
            let mut q = sqlx::query_as::<_, (i64, String, String)>(&sql);
            for b in binds {
                q = q.bind(b.clone());
            }
            for (id, structure, path) in q.bind(MATCHES_MAX).fetch_all(&self.reader).await? {
                let (Ok(s), Some(p)) = (
                    structure.parse::<domain::Structure>(),
                    domain::UnitPath::from_stored(&path),
                ) else {
                    return Err(StoreError::Corrupt("persons.unit".into()));
                };
                // A person the caller may not see is not offered (nor disclosed).
                if caller.scope.contains(s, &p) && !found.iter().any(|(f, _)| f.0 == id) {
                    found.push((PersonId(id), reason));
                }
            }
        }
        Ok(found)
    }

    /// [`Store::person_matches`] for many rows at once (an import's batch): one query per
    /// rule over all the rows' keys instead of up to three per row. The answer is the same
    /// as asking row by row, in the rows' order.
    pub async fn person_matches_many(
        &self,
        caller: &Caller,
        keys: &[PersonKeys],
    ) -> Result<Vec<Vec<(PersonId, PairReason)>>> {
        let mut found: Vec<Vec<(PersonId, PairReason)>> = vec![Vec::new(); keys.len()];
        // Each rule: its columns, each row's values for them (None: the rule does not apply).
        type Values = Option<Vec<String>>;
        let rules: [(&[&str], PairReason, Vec<Values>); 3] = [
            (
                &["national_id"],
                PairReason::NationalId,
                keys.iter()
                    .map(|k| k.national_id.clone().map(|n| vec![n]))
                    .collect(),
            ),
            (
                &["phone", "name_folded"],
                PairReason::PhoneName,
                keys.iter()
                    .map(|k| Some(vec![k.phone.clone()?, k.name_folded.clone()?]))
                    .collect(),
            ),
            (
                &["name_folded", "birth_date"],
                PairReason::NameBirth,
                keys.iter()
                    .map(|k| Some(vec![k.name_folded.clone()?, k.birth_date.clone()?]))
                    .collect(),
            ),
        ];
        for (columns, reason, values) in rules {
            let mut distinct: Vec<&Vec<String>> = values.iter().flatten().collect();
            distinct.sort();
            distinct.dedup();
            // Bounded binds per statement (SQLite's and PostgreSQL's limits are far above).
            for chunk in distinct.chunks(MATCH_KEYS_PER_QUERY) {
                let width = columns.len();
                let tuples: Vec<String> = (0..chunk.len())
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
                for v in chunk.iter().flat_map(|v| v.iter()) {
                    q = q.bind(v.clone());
                }
                // Persons by their values, in id order, at most MATCHES_MAX each (as one
                // row's query would give them).
                let mut by_value: std::collections::HashMap<
                    Vec<String>,
                    Vec<(i64, String, String)>,
                > = std::collections::HashMap::new();
                for r in q.fetch_all(&self.reader).await? {
                    let id: i64 = r.try_get(0)?;
                    let structure: String = r.try_get(1)?;
                    let path: String = r.try_get(2)?;
                    let mut value = Vec::with_capacity(width);
                    for c in 0..width {
                        value.push(r.try_get::<String, _>(3 + c)?);
                    }
                    let list = by_value.entry(value).or_default();
                    if (list.len() as i64) < MATCHES_MAX {
                        list.push((id, structure, path));
                    }
                }
                for (row, v) in values.iter().enumerate() {
                    let Some(list) = v.as_ref().and_then(|v| by_value.get(v)) else {
                        continue;
                    };
                    for (id, structure, path) in list {
                        let (Ok(s), Some(p)) = (
                            structure.parse::<domain::Structure>(),
                            domain::UnitPath::from_stored(path),
                        ) else {
                            return Err(StoreError::Corrupt("persons.unit".into()));
                        };
                        let f = &mut found[row];
                        if caller.scope.contains(s, &p) && !f.iter().any(|(x, _)| x.0 == *id) {
                            f.push((PersonId(*id), reason));
                        }
                    }
                }
            }
        }
        Ok(found)
    }

    /// Which of `(person, sample_s)` have a case of that sample (see
    /// [`Store::has_case_sampled`]), in one query.
    pub async fn cases_sampled(&self, pairs: &[(PersonId, i64)]) -> Result<Vec<bool>> {
        let mut have = std::collections::HashSet::new();
        for chunk in pairs.chunks(MATCH_KEYS_PER_QUERY) {
            let tuples: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let sql = format!(
                "SELECT DISTINCT person_id, first_sample_s FROM cases
                  WHERE (person_id, first_sample_s) IN ({})",
                tuples.join(", ")
            );
            let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
            for (p, s) in chunk {
                q = q.bind(p.0).bind(*s);
            }
            have.extend(q.fetch_all(&self.reader).await?);
        }
        Ok(pairs
            .iter()
            .map(|(p, s)| have.contains(&(p.0, *s)))
            .collect())
    }

    /// Whether the person has a case from a positive test sampled at `sample_s`: a row of
    /// a list imported before (from this or another file).
    pub async fn has_case_sampled(&self, person: PersonId, sample_s: i64) -> Result<bool> {
        let row =
            sqlx::query("SELECT 1 FROM cases WHERE person_id = $1 AND first_sample_s = $2 LIMIT 1")
                .bind(person.0)
                .bind(sample_s)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.is_some())
    }

    /// Saves a column mapping by name (replacing one of the same name and kind).
    pub async fn save_import_mapping(
        &self,
        caller: &Caller,
        kind: &str,
        name: &str,
        mapping_json: &str,
        now_s: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO import_mappings (kind, name, mapping, created_by, updated_at_s)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kind, name) DO UPDATE SET mapping = excluded.mapping,
                 created_by = excluded.created_by, updated_at_s = excluded.updated_at_s",
        )
        .bind(kind)
        .bind(name)
        .bind(mapping_json)
        .bind(caller.user.id.0)
        .bind(now_s)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The saved mappings of a kind, by name: (name, mapping JSON).
    pub async fn import_mappings(&self, kind: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as::<_, (String, String)>(
            "SELECT name, mapping FROM import_mappings WHERE kind = $1 ORDER BY name",
        )
        .bind(kind)
        .fetch_all(&self.reader)
        .await?)
    }
}

/// A file kept between its preview and its commit.
#[derive(Debug, Clone)]
pub struct StoredUpload {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// How long an upload is kept.
const UPLOAD_KEPT_S: i64 = 86_400;

impl Store {
    /// Keeps an uploaded file for its uploader; uploads older than a day are deleted.
    pub async fn stash_upload(
        &self,
        caller: &Caller,
        kind: &str,
        file_name: &str,
        bytes: &[u8],
        now_s: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM import_uploads WHERE created_at_s < $1")
            .bind(now_s - UPLOAD_KEPT_S)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query(
            "INSERT INTO import_uploads (kind, file_name, bytes, created_by, created_at_s)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(kind)
        .bind(file_name)
        .bind(bytes.to_vec())
        .bind(caller.user.id.0)
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.commit().await?;
        Ok(id)
    }

    /// An upload of the caller's; none if another's, expired or unknown.
    pub async fn upload(
        &self,
        caller: &Caller,
        id: i64,
        now_s: i64,
    ) -> Result<Option<StoredUpload>> {
        let row = sqlx::query(
            "SELECT id, kind, file_name, bytes FROM import_uploads
              WHERE id = $1 AND created_by = $2 AND created_at_s >= $3",
        )
        .bind(id)
        .bind(caller.user.id.0)
        .bind(now_s - UPLOAD_KEPT_S)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StoredUpload {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                file_name: r.try_get(2)?,
                bytes: r.try_get(3)?,
            })
        })
        .transpose()
    }
}
