//! The peer of the tracing benchmark (`chongdich bench trace`): the same check-ins in a plain
//! table with the best indexes each database offers, and F1 as one SQL query with a bounded
//! look-back. Not used to answer users.

use sqlx::Row;

use crate::sql::{greatest, insert_rows, least, union_of_intervals, Val};
use crate::{Dialect, Result, Store};

impl Store {
    /// Creates (or, `create` false, drops) a database of a benchmark's own on this
    /// PostgreSQL server, so its other databases are left as they were. `name` is made by
    /// the benchmark: lower-case letters, digits and `_` only.
    pub async fn bench_database(&self, name: &str, create: bool) -> Result<()> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        {
            return Err(crate::StoreError::Corrupt(format!(
                "database name {name:?}"
            )));
        }
        let sql = if create {
            format!("CREATE DATABASE {name}")
        } else {
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        };
        sqlx::query(&sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Drops and recreates `bench_checkins` (no constraints, no indexes yet).
    pub async fn bench_reset(&self) -> Result<()> {
        sqlx::query("DROP TABLE IF EXISTS bench_checkins")
            .execute(&self.pool)
            .await?;
        sqlx::query("CREATE TABLE bench_checkins (person BIGINT NOT NULL, venue BIGINT NOT NULL, t_in BIGINT NOT NULL, t_out BIGINT NOT NULL)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Appends `(person, venue, t_in, t_out)` rows in one transaction.
    pub async fn bench_load(&self, rows: &[(i64, i64, i64, i64)]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let n = insert_rows(
            &mut tx,
            self.dialect,
            "bench_checkins",
            &["person", "venue", "t_in", "t_out"],
            rows.iter()
                .map(|&(p, v, a, b)| vec![Val::Int(p), Val::Int(v), Val::Int(a), Val::Int(b)]),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The indexes a careful DBA would give the F1 query, then fresh statistics.
    pub async fn bench_index(&self) -> Result<()> {
        let stmts: &[&str] = match self.dialect {
            Dialect::Postgres => &[
                "CREATE INDEX bench_by_venue ON bench_checkins (venue, t_in) INCLUDE (t_out, person)",
                "CREATE INDEX bench_by_person ON bench_checkins (person) INCLUDE (venue, t_in, t_out)",
                "ANALYZE bench_checkins",
            ],
            // SQLite has no INCLUDE: covering composite indexes do the same.
            Dialect::Sqlite => &[
                "CREATE INDEX bench_by_venue ON bench_checkins (venue, t_in, t_out, person)",
                "CREATE INDEX bench_by_person ON bench_checkins (person, venue, t_in, t_out)",
                "ANALYZE",
            ],
        };
        for s in stmts {
            sqlx::query(s).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// F1 of `person` in `[lo_s, hi_s]`: per pair of stays at one venue (check-ins merged
    /// where they overlap or touch: [`crate::sql::union_of_intervals`]), overlap > 0 and
    /// ≥ `min_overlap_s`; `max_visit_s` bounds how far back a co-visitor's entry can be.
    /// `(person, first exposure)` by person. As the engine does it: the person's stays in
    /// the window first, then each co-visitor's check-ins inside each stay, merged.
    pub async fn bench_f1(
        &self,
        person: i64,
        lo_s: i64,
        hi_s: i64,
        max_visit_s: i64,
        min_overlap_s: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let own = union_of_intervals(
            &format!(
                "SELECT venue, {a} AS a, {b} AS b FROM bench_checkins
                 WHERE person = $1 AND t_in < $3 AND t_out > $2",
                a = greatest("t_in", "$2"),
                b = least("t_out", "$3"),
            ),
            "venue",
        );
        let others = union_of_intervals(
            "SELECT person, venue, stay_a, a, b FROM pieces",
            "person, venue, stay_a",
        );
        let sql = format!(
            "WITH own AS ({own}),
             pieces AS (
               SELECT c.person AS person, s.venue AS venue, s.a AS stay_a,
                      {a} AS a, {b} AS b
               FROM own s
               JOIN bench_checkins c ON c.venue = s.venue AND c.t_in >= s.a - $4 AND c.t_in < s.b
               WHERE c.person <> $1 AND c.t_out > s.a
             )
             SELECT person, MIN(a) FROM ({others}) met
             WHERE b - a > 0 AND b - a >= $5
             GROUP BY person ORDER BY person",
            a = greatest("c.t_in", "s.a"),
            b = least("c.t_out", "s.b"),
        );
        sqlx::query(&sql)
            .bind(person)
            .bind(lo_s)
            .bind(hi_s)
            .bind(max_visit_s)
            .bind(min_overlap_s)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}
