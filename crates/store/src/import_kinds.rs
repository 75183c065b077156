//! Imports of lists other than F0 line lists (issue #16, item 1): vaccination lists (doses)
//! and lab results. Each commit writes the `imports` record and its rows in one
//! transaction through the same writes as the forms (`record_doses_in`,
//! `add_case_test_in`, `create_case_in`), or nothing; the (kind, sha256) key makes a second
//! commit of the same file change nothing, as for F0 lists (`imports.rs`).

use sqlx::Row;

use domain::{CaseId, FieldError, PersonId};

use crate::cases::{NewCase, TestResult};
use crate::checkins::ItemOutcome;
use crate::imports::{ImportCommit, ImportRecord, NewImport};
use crate::users::Caller;
use crate::vaccination::DoseItem;
use crate::{Result, Store, StoreError};

/// A row of a lab list on its way to the store.
#[derive(Debug, Clone)]
pub enum LabRow {
    /// A result added to the person's case, as the case page's test form adds it.
    AddTest { case: CaseId, test: TestResult },
    /// A positive result of a person without a case: the case, as the case form makes it.
    NewCase(NewCase),
    /// A later result of a person whose case row `row` (of the same commit) makes.
    AddToRow { row: usize, test: TestResult },
}

/// `rows.N.field` for the N-th row written, as the F0 lists name a row's refusal.
fn row_errors(n: usize, errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    errors
        .into_iter()
        .map(move |e| FieldError::new(format!("rows.{n}.{}", e.field), e.reason))
}

impl Store {
    /// Inserts the import's record in `tx`; none when the same file holds the key already.
    pub(crate) async fn insert_import_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        caller: &Caller,
        import: &NewImport<'_>,
        now_s: i64,
    ) -> Result<Option<ImportRecord>> {
        let id: Option<i64> = sqlx::query(
            "INSERT INTO imports (kind, file_name, sha256, created_by, actor, created_at_s,
                                  rows_total, rows_new, rows_matched, rows_already, rows_refused)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (kind, sha256) DO NOTHING RETURNING id",
        )
        .bind(import.kind)
        .bind(import.file_name)
        .bind(import.sha256)
        .bind(caller.user.id.0)
        .bind(&caller.user.username)
        .bind(now_s)
        .bind(import.counts.total)
        .bind(import.counts.new)
        .bind(import.counts.matched)
        .bind(import.counts.already)
        .bind(import.counts.refused)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
        Ok(id.map(|id| ImportRecord {
            id,
            kind: import.kind.to_string(),
            file_name: import.file_name.to_string(),
            sha256: import.sha256.to_string(),
            created_by: caller.user.id.0,
            actor: caller.user.username.clone(),
            created_at_s: now_s,
            counts: import.counts,
        }))
    }

    /// The record of a file whose key another commit took meanwhile.
    pub(crate) async fn taken(&self, import: &NewImport<'_>) -> Result<ImportCommit> {
        match self.import_by_hash(import.kind, import.sha256).await? {
            Some(done) => Ok(ImportCommit::AlreadyImported(done)),
            None => Err(StoreError::Corrupt(
                "imports: key held but not found".into(),
            )),
        }
    }

    /// Records a vaccination list's import and its doses in one transaction, through the
    /// dose form's writes (scope, order of doses, coverage counts, audit), or nothing: a
    /// dose the store refuses is named `rows.N.field` (`Invalid`).
    pub async fn commit_dose_import(
        &self,
        caller: &Caller,
        import: &NewImport<'_>,
        doses: &[DoseItem],
        now_s: i64,
    ) -> Result<ImportCommit> {
        if let Some(done) = self.import_by_hash(import.kind, import.sha256).await? {
            return Ok(ImportCommit::AlreadyImported(done));
        }
        let mut tx = self.pool.begin().await?;
        let Some(record) = self
            .insert_import_in(&mut tx, caller, import, now_s)
            .await?
        else {
            drop(tx);
            return self.taken(import).await;
        };
        let mut errors = Vec::new();
        // The form's batches are bounded; an import writes its doses batch by batch in
        // the one transaction.
        for (b, chunk) in doses.chunks(crate::DOSE_BATCH_MAX).enumerate() {
            let out = self.record_doses_in(&mut tx, caller, chunk, now_s).await?;
            for (i, o) in out.into_iter().enumerate() {
                if let ItemOutcome::Rejected(e) = o {
                    errors.extend(row_errors(b * crate::DOSE_BATCH_MAX + i, e));
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        tx.commit().await?;
        Ok(ImportCommit::Done {
            record,
            created: Vec::new(),
        })
    }

    /// Records a lab list's import and its results in one transaction, through the case
    /// page's test form (`add_case_test_in`) and the case form (`create_case_in`), or
    /// nothing: a row the store refuses is named `rows.N.field` (`Invalid`).
    pub async fn commit_lab_import(
        &self,
        caller: &Caller,
        import: &NewImport<'_>,
        rows: &[LabRow],
        now_s: i64,
    ) -> Result<ImportCommit> {
        if let Some(done) = self.import_by_hash(import.kind, import.sha256).await? {
            return Ok(ImportCommit::AlreadyImported(done));
        }
        let mut tx = self.pool.begin().await?;
        let Some(record) = self
            .insert_import_in(&mut tx, caller, import, now_s)
            .await?
        else {
            drop(tx);
            return self.taken(import).await;
        };
        let mut errors = Vec::new();
        // The case each row made, for the rows after it.
        let mut made: Vec<Option<CaseId>> = Vec::with_capacity(rows.len());
        for (n, row) in rows.iter().enumerate() {
            made.push(None);
            match row {
                LabRow::AddTest { case, test } => {
                    if !self
                        .add_case_test_in(&mut tx, caller, *case, test, now_s)
                        .await?
                    {
                        errors.push(FieldError::new(
                            format!("rows.{n}.case"),
                            domain::Reason::NotFound,
                        ));
                    }
                }
                LabRow::AddToRow { row, test } => {
                    let added = match made.get(*row).copied().flatten() {
                        Some(case) => {
                            self.add_case_test_in(&mut tx, caller, case, test, now_s)
                                .await?
                        }
                        None => false,
                    };
                    if !added {
                        errors.push(FieldError::new(
                            format!("rows.{n}.case"),
                            domain::Reason::NotFound,
                        ));
                    }
                }
                LabRow::NewCase(new) => {
                    match self.create_case_in(&mut tx, caller, new, now_s).await {
                        Ok(id) => made[n] = Some(id),
                        Err(StoreError::Invalid(e)) => errors.extend(row_errors(n, e)),
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        tx.commit().await?;
        Ok(ImportCommit::Done {
            record,
            created: Vec::new(),
        })
    }

    /// Whether the person has a dose of this number (a row imported before, from this or
    /// another list, or entered on the form).
    pub async fn has_dose(&self, person: PersonId, dose_no: u8) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM vaccinations WHERE person_id = $1 AND dose_no = $2")
            .bind(person.0)
            .bind(i64::from(dose_no))
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.is_some())
    }

    /// Whether the person has a test of this kind sampled at `sample_s`: the same sample,
    /// imported or entered before.
    pub async fn has_test_sampled(
        &self,
        person: PersonId,
        kind: &str,
        sample_s: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM tests WHERE person_id = $1 AND sample_s = $2 AND kind = $3 LIMIT 1",
        )
        .bind(person.0)
        .bind(sample_s)
        .bind(kind)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.is_some())
    }

    /// The person's case a result belongs to: their latest case first sampled by
    /// `sample_s`; a result sampled before every case of theirs belongs to none.
    pub async fn case_for_result(&self, person: PersonId, sample_s: i64) -> Result<Option<CaseId>> {
        let row = sqlx::query(
            "SELECT id FROM cases WHERE person_id = $1 AND first_sample_s <= $2
              ORDER BY first_sample_s DESC, id DESC LIMIT 1",
        )
        .bind(person.0)
        .bind(sample_s)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| Ok(CaseId(r.try_get(0)?))).transpose()
    }
}
