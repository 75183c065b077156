//! Fresh, migrated databases for tests (feature `testing`): a temporary SQLite file, or a
//! new database on the PostgreSQL server named by `CHONGDICH_TEST_PG`, dropped afterwards.
//!
//! Without `CHONGDICH_TEST_PG`, PostgreSQL tests are skipped with a note — except under CI
//! (`CI` set), where a missing server is a failure, so CI can never pass on SQLite alone.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::Store;

pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("chongdich_test_{}_{}_{}", std::process::id(), n, nanos)
}

pub async fn sqlite() -> TestDb {
    sqlite_through(i64::MAX).await
}

/// A SQLite database migrated up to `version` only.
pub async fn sqlite_through(version: i64) -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.expect("open test SQLite");
    store
        .migrate_through(version)
        .await
        .expect("migrate test SQLite");
    TestDb {
        store,
        url,
        cleanup: Cleanup::File(path),
    }
}

/// None (and a note on stderr) when no server is configured outside CI.
pub async fn postgres() -> Option<TestDb> {
    postgres_through(i64::MAX).await
}

/// A PostgreSQL database migrated up to `version` only; None as for `postgres`.
pub async fn postgres_through(version: i64) -> Option<TestDb> {
    let admin_url = match std::env::var("CHONGDICH_TEST_PG") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but CHONGDICH_TEST_PG is not: PostgreSQL tests cannot be skipped in CI");
            }
            eprintln!("skipping PostgreSQL test: set CHONGDICH_TEST_PG=postgres://USER:PASS@HOST/postgres");
            return None;
        }
    };
    let name = unique_name();
    let admin = Store::connect(&admin_url)
        .await
        .expect("connect to CHONGDICH_TEST_PG");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin.pool)
        .await
        .expect("create test database");
    admin.close().await;
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("CHONGDICH_TEST_PG must end in /DATABASE"),
    };
    let store = Store::connect(&url).await.expect("open test database");
    store
        .migrate_through(version)
        .await
        .expect("migrate test PostgreSQL");
    Some(TestDb {
        store,
        url,
        cleanup: Cleanup::Database { admin_url, name },
    })
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(admin) = Store::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&admin.pool)
                            .await;
                            admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Runs one statement as written, for a test that stores what the API refuses today (a row an
/// older version could have written); the number of rows changed.
pub async fn execute(store: &Store, sql: &str) -> u64 {
    sqlx::query(sql)
        .execute(&store.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows_affected()
}

/// One number a query written for an older schema answers (the current code's reads may
/// name columns that schema lacks): its first row's first column, as a BIGINT.
pub async fn scalar(store: &Store, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_one(&store.pool)
        .await
        .and_then(|r| r.try_get::<i64, _>(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs one statement as written and gives back the database's answer, for a test that the
/// database itself refuses a row (a CHECK, a foreign key): the error as the database says it.
pub async fn try_execute(store: &Store, sql: &str) -> Result<u64, String> {
    sqlx::query(sql)
        .execute(&store.pool)
        .await
        .map(|r| r.rows_affected())
        .map_err(|e| e.to_string())
}

/// Declares a test that runs once on SQLite and once on PostgreSQL:
/// `both_databases!(name);` for an `async fn name(store: Store)` in scope.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::sqlite().await;
                super::$name(db.store.clone()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::testing::postgres().await else { return };
                super::$name(db.store.clone()).await;
            }
        }
    )+};
}

/// A migration test on both databases: `$test(db)` gets a database migrated through
/// `$version` only (so it can store rows the way an older version did), in a module `$module`.
#[macro_export]
macro_rules! through_migration {
    ($module:ident, $version:expr, $test:ident) => {
        mod $module {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::sqlite_through($version).await;
                super::$test(db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::testing::postgres_through($version).await else {
                    return;
                };
                super::$test(db).await;
            }
        }
    };
}
