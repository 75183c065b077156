//! A unit of work: a [`Store`] whose every statement, through any of its methods, runs in
//! one transaction, kept or dropped as a whole (a FHIR Bundle taken in, issue #16).
//!
//! Why a Store rather than in-transaction variants of each write: a Bundle runs many use
//! cases (persons, cases, tests, status, doses, facilities, admissions, transfers,
//! discharges, contacts), each with its checks and reads of what the Bundle wrote before.
//! The unit's Store has a pool of one connection on which a transaction is open; the
//! methods' own transactions become savepoints in it (sqlx counts the depth per
//! connection), and their reads see the Bundle's writes.
//!
//! The connection is a new one beside the Store's pool. On SQLite it takes the write lock
//! at once (`BEGIN IMMEDIATE`), and the unit holds the Store's one writer connection
//! meanwhile, unused: the process's other writes queue for it as they do behind a long
//! import commit, rather than meet a locked database (a deferred transaction that read
//! before the unit wrote would fail at once with SQLITE_BUSY). Keep units short. Reads' audit rows are written in the unit too (its own
//! audit writer), so a read done for a unit that is dropped leaves no row: its data never
//! left the server.

use std::borrow::Cow;

use sqlx::{Any, Database, TransactionManager};

use crate::{Dialect, Result, Store, StoreError};

type Manager = <Any as Database>::TransactionManager;

/// A Store in one transaction: [`Unit::store`] to work, then [`Unit::commit`]; dropped or
/// [`Unit::rollback`]ed, nothing it wrote is kept.
pub struct Unit {
    store: Store,
    /// On SQLite, the Store's writer, held so that no other write of the process starts
    /// while the unit has the lock. Declared after `store`: dropped after it.
    writer: Option<sqlx::pool::PoolConnection<Any>>,
}

impl Store {
    /// Opens a unit of work (see the module). Not for an in-memory SQLite database, where
    /// each connection is a database of its own.
    pub async fn begin_unit(&self) -> Result<Unit> {
        let options = self.pool.connect_options();
        if options.database_url.as_str().contains(":memory:") {
            return Err(StoreError::UnsupportedUrl(
                "a unit of work needs a database file".into(),
            ));
        }
        let sqlite = self.dialect == Dialect::Sqlite;
        let writer = match sqlite {
            true => Some(self.pool.acquire().await?),
            false => None,
        };
        let pool = Self::pool_of(&options, sqlite, false, Some(1)).await?;
        {
            let mut conn = pool.acquire().await?;
            // IMMEDIATE: the write lock now, not at the first write, when another
            // connection's write meanwhile would fail the unit with SQLITE_BUSY.
            let begin: Option<Cow<'static, str>> = sqlite.then_some("BEGIN IMMEDIATE".into());
            Manager::begin(&mut conn, begin).await?;
            // The connection goes back to the pool inside its transaction: every method of
            // the unit's Store then runs in it.
        }
        Ok(Unit {
            store: Store {
                pool: pool.clone(),
                reader: pool,
                audit: Default::default(),
                // Kept figures of the unit's own: what it reads before it commits must not
                // be kept for the others.
                recent_cases: Default::default(),
                sessions: self.sessions.clone(),
                dialect: self.dialect,
            },
            writer,
        })
    }
}

impl Unit {
    /// The Store to work through; its clones are the unit's too.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Keeps everything the unit wrote.
    pub async fn commit(self) -> Result<()> {
        self.end(true).await
    }

    /// Keeps nothing the unit wrote.
    pub async fn rollback(self) -> Result<()> {
        self.end(false).await
    }

    async fn end(mut self, keep: bool) -> Result<()> {
        let mut conn = self.store.pool.acquire().await?;
        if Manager::get_transaction_depth(&conn) != 1 {
            // A method left a savepoint open: never commit half of it.
            return Err(StoreError::Corrupt(
                "unit of work: savepoint left open".into(),
            ));
        }
        if keep {
            Manager::commit(&mut conn).await?;
        } else {
            Manager::rollback(&mut conn).await?;
        }
        drop(conn);
        self.store.pool.close().await;
        // The lock is released: the process's writes may go on.
        self.writer.take();
        Ok(())
    }
}
