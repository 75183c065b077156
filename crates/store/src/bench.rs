//! The peer of the tracing benchmark (`chongdich bench trace`): the same check-ins in a plain
//! table with the best indexes each database offers, and F1 as one SQL query with a bounded
//! look-back. Not used to answer users.

use sqlx::Row;

use crate::sql::{greatest, insert_rows, least, Val};
use crate::{Dialect, Result, Store};

impl Store {
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

    /// F1 of `person` in `[lo_s, hi_s]`: per pair of check-ins at one venue, overlap > 0 and
    /// ≥ `min_overlap_s`; `max_visit_s` bounds how far back a co-visitor's entry can be.
    /// `(person, first exposure)` by person.
    pub async fn bench_f1(
        &self,
        person: i64,
        lo_s: i64,
        hi_s: i64,
        max_visit_s: i64,
        min_overlap_s: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let start = greatest(&greatest("a.t_in", "b.t_in"), "$2");
        let end = least(&least("a.t_out", "b.t_out"), "$3");
        let sql = format!(
            "SELECT b.person, MIN({start}) FROM bench_checkins a
             JOIN bench_checkins b ON b.venue = a.venue AND b.t_in >= a.t_in - $4 AND b.t_in < {a_end}
             WHERE a.person = $1 AND a.t_in < $3 AND a.t_out > $2 AND b.person <> a.person
               AND {end} - {start} > 0 AND {end} - {start} >= $5
             GROUP BY b.person ORDER BY b.person",
            a_end = least("a.t_out", "$3"),
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
