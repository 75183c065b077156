//! An F0 list's import written as it is judged (issue #16, item 1, big files): the import's
//! record is inserted first, in a transaction that stays open; each batch of judged rows is
//! written in it as it comes (`write_import_lines_in`), so no more than a batch of rows is
//! ever held, whatever the file's size; the counts are set and the transaction committed at
//! the end, or it is dropped and nothing is kept. The same file begun twice finds its key
//! taken (`imports (kind, sha256)`): the second changes nothing.
//!
//! On SQLite the open transaction holds the process's one writing connection for the whole
//! import: other writes wait for it (the judging reads through the read-only connections).

use crate::case_batch::{LineCase, LinePerson};
use crate::import_lines::UnitsKnown;
use crate::imports::{ImportCommit, ImportCounts, ImportRecord, NewImport};
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// An import under way: its record inserted, its rows written batch by batch, all in one
/// transaction. Dropped without [`ImportWriter::finish`], nothing of it is kept.
pub struct ImportWriter {
    store: Store,
    tx: sqlx::Transaction<'static, sqlx::Any>,
    caller: Caller,
    record: ImportRecord,
    now_s: i64,
    units: UnitsKnown,
    /// New persons and registered persons' cases written so far.
    new: i64,
    matched: i64,
}

/// What beginning an import found.
pub enum ImportBegun {
    /// The record is inserted: write the rows, then finish.
    Open(Box<ImportWriter>),
    /// The same file was committed before: nothing to do.
    AlreadyImported(ImportRecord),
}

impl Store {
    /// Begins an F0 list's import: its record (counts set at the end) in a new transaction.
    pub async fn begin_import(
        &self,
        caller: &Caller,
        import: &NewImport<'_>,
        now_s: i64,
    ) -> Result<ImportBegun> {
        if let Some(done) = self.import_by_hash(import.kind, import.sha256).await? {
            return Ok(ImportBegun::AlreadyImported(done));
        }
        let mut tx = self.pool.begin().await?;
        // The key is checked again inside the transaction: two commits of the same file at
        // once write one record; the second finds nothing inserted and changes nothing.
        let Some(record) = self
            .insert_import_in(&mut tx, caller, import, now_s)
            .await?
        else {
            drop(tx);
            return match self.taken(import).await? {
                ImportCommit::AlreadyImported(r) => Ok(ImportBegun::AlreadyImported(r)),
                ImportCommit::Done { record, .. } => Ok(ImportBegun::AlreadyImported(record)),
            };
        };
        Ok(ImportBegun::Open(Box::new(ImportWriter {
            store: self.clone(),
            tx,
            caller: caller.clone(),
            record,
            now_s,
            units: UnitsKnown::new(),
            new: 0,
            matched: 0,
        })))
    }
}

impl ImportWriter {
    /// Writes a batch of rows. A refused row is named `rows.N.field` (N its place in
    /// `lines`) and `Invalid` answered: the import cannot be finished, drop it.
    pub async fn write(&mut self, lines: &[LineCase]) -> Result<()> {
        let units =
            Store::import_units_in(&mut self.tx, &self.caller, lines, &mut self.units).await?;
        self.store
            .write_import_lines_in(&mut self.tx, &self.caller, lines, &units, self.now_s)
            .await?;
        for l in lines {
            match l.person {
                LinePerson::New { .. } => self.new += 1,
                LinePerson::Existing(_) => self.matched += 1,
            }
        }
        Ok(())
    }

    /// Sets the import's counts and commits. `counts.new` and `counts.matched` are those of
    /// the rows written; the others are the caller's (rows judged, already there, refused).
    pub async fn finish(mut self, counts: ImportCounts) -> Result<ImportRecord> {
        let counts = ImportCounts {
            new: self.new,
            matched: self.matched,
            ..counts
        };
        let updated = sqlx::query(
            "UPDATE imports SET rows_total = $1, rows_new = $2, rows_matched = $3,
                                rows_already = $4, rows_refused = $5
             WHERE id = $6",
        )
        .bind(counts.total)
        .bind(counts.new)
        .bind(counts.matched)
        .bind(counts.already)
        .bind(counts.refused)
        .bind(self.record.id)
        .execute(&mut *self.tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Corrupt(
                "imports: record gone mid-import".into(),
            ));
        }
        self.tx.commit().await?;
        Ok(ImportRecord {
            counts,
            ..self.record
        })
    }

    /// The import's record as begun (its id, file and hash).
    pub fn record(&self) -> &ImportRecord {
        &self.record
    }
}
