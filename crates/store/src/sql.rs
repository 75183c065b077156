//! A small builder for SQL whose shape depends on input (scope filters, optional
//! filters, multi-row inserts). It writes a placeholder for each value as it is pushed:
//! `$N` on PostgreSQL, `?` on SQLite.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

use domain::{Scope, Structure};

use crate::Dialect;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Real(Option<f64>),
    Text(String),
    OptText(Option<String>),
}

#[derive(Debug)]
pub struct Sql {
    text: String,
    vals: Vec<Val>,
    /// `$N` for PostgreSQL, anonymous `?` for SQLite: SQLite keeps named and numbered
    /// parameters (`$N`, `?N`) in a list searched linearly, once when parsing and once per
    /// bind, which is quadratic in a statement's parameters (4 s to load the units).
    dialect: Dialect,
}

impl Sql {
    pub fn new(dialect: Dialect, text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            vals: Vec::new(),
            dialect,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `val`.
    pub fn bind(&mut self, val: Val) -> &mut Self {
        self.vals.push(val);
        match self.dialect {
            Dialect::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.vals.len().to_string());
            }
            // Values are pushed in the order their placeholders appear, so SQLite's anonymous
            // `?` (bound in sequence) is exact.
            Dialect::Sqlite => self.text.push('?'),
        }
        self
    }

    /// `(id, id, …)`: the list of an `IN`, one placeholder per id (callers chunk long lists).
    pub fn push_ints(&mut self, ids: &[i64]) -> &mut Self {
        self.text.push('(');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(Val::Int(*id));
        }
        self.text.push(')');
        self
    }

    /// `AND (<path column> in one of the scope's subtrees)` for one structure; nothing for a
    /// whole-country scope. A scope with no root in the structure matches no row.
    pub fn push_scope(&mut self, path_col: &str, scope: &Scope, structure: Structure) {
        if scope.is_everything() {
            return;
        }
        let roots: Vec<_> = scope.roots_in(structure).collect();
        if roots.is_empty() {
            self.push(" AND 1 = 0");
            return;
        }
        self.push(" AND (");
        for (i, root) in roots.into_iter().enumerate() {
            if i > 0 {
                self.push(" OR ");
            }
            self.push("(").push(path_col).push(" >= ");
            self.bind(Val::Text(root.as_str().to_string()));
            self.push(" AND ").push(path_col).push(" < ");
            self.bind(Val::Text(root.subtree_upper_bound()));
            self.push(")");
        }
        self.push(")");
    }

    /// Runs a query of two columns and returns its rows as pairs: the shape of every
    /// "figure per key" aggregate.
    pub async fn fetch_pairs<K, V>(&self, pool: &sqlx::AnyPool) -> crate::Result<Vec<(K, V)>>
    where
        K: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
        V: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
    {
        use sqlx::Row;
        self.query()
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The statement with SQLite's `EXPLAIN QUERY PLAN` before it, for tests of the plan.
    #[cfg(test)]
    pub(crate) fn explained(&self) -> Sql {
        Sql {
            text: format!("EXPLAIN QUERY PLAN {}", self.text),
            vals: self.vals.clone(),
            dialect: self.dialect,
        }
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        // sqlx 0.8's Any driver sends a NULL f64 to PostgreSQL typed as float4
        // (sqlx-core any/arguments.rs maps Null(Double) to Option<f32>). A cached statement
        // prepared with that type then fails when a later execution binds a real f64
        // ("incorrect binary data format"), so statements with a NULL real are not cached.
        let null_real = self.vals.iter().any(|v| matches!(v, Val::Real(None)));
        bind_all(sqlx::query(&self.text), &self.vals).persistent(!null_real)
    }
}

pub fn bind_all<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    vals: &[Val],
) -> Query<'q, Any, AnyArguments<'q>> {
    for v in vals {
        q = match v.clone() {
            Val::Int(i) => q.bind(i),
            Val::OptInt(i) => q.bind(i),
            Val::Real(f) => q.bind(f),
            Val::Text(s) => q.bind(s),
            Val::OptText(s) => q.bind(s),
        };
    }
    q
}

/// Inserts `rows` into `table` in statements of at most `rows_per_stmt` rows.
pub async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Val>>,
) -> Result<u64, sqlx::Error> {
    // 32,766 is SQLite's bound on placeholders per statement; stay far below it.
    let rows_per_stmt = (8_000 / columns.len()).max(1);
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut inserted = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = Sql::new(dialect, &head);
        for (i, row) in rows.by_ref().take(rows_per_stmt).enumerate() {
            debug_assert_eq!(row.len(), columns.len());
            sql.push(if i == 0 { "(" } else { ", (" });
            for (j, v) in row.into_iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.bind(v);
            }
            sql.push(")");
        }
        inserted += sql.query().execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

/// `GREATEST(a, b)` in SQL both dialects accept (SQLite spells it `MAX(a, b)`).
pub(crate) fn greatest(a: &str, b: &str) -> String {
    format!("(CASE WHEN {a} > {b} THEN {a} ELSE {b} END)")
}

/// `LEAST(a, b)` in SQL both dialects accept (SQLite spells it `MIN(a, b)`).
pub(crate) fn least(a: &str, b: &str) -> String {
    format!("(CASE WHEN {a} < {b} THEN {a} ELSE {b} END)")
}

/// Stays, as tracing defines them (`trace`'s crate documentation): the union of intervals.
/// `rows` is a query with the columns `keys` (comma-separated) and `a`, `b` (an interval,
/// `a < b`); the answer has one row per key and stay, `keys…, a, b`, overlapping or touching
/// intervals of one key merged. Why: the same visit scanned twice (two devices, 10:00–10:30
/// and 10:05–10:35) is one 35-minute stay, so co-presence is measured between stays, not
/// between check-ins.
///
/// Gaps and islands: sorted by `(a, b)`, an interval starts a new stay when it begins after
/// every earlier one of its key has ended; the running count of starts numbers the stays. The
/// count's frame includes the current row's peers (the default `RANGE` frame), so identical
/// intervals, whichever the database orders first among them, land in one stay.
pub(crate) fn union_of_intervals(rows: &str, keys: &str) -> String {
    format!(
        "SELECT {keys}, MIN(a) AS a, MAX(b) AS b FROM (
           SELECT {keys}, a, b,
                  SUM(starts) OVER (PARTITION BY {keys} ORDER BY a, b) AS stay
           FROM (
             SELECT {keys}, a, b,
                    CASE WHEN a <= MAX(b) OVER (
                                PARTITION BY {keys} ORDER BY a, b
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                         THEN 0 ELSE 1 END AS starts
             FROM ({rows}) intervals
           ) marked
         ) numbered GROUP BY {keys}, stay"
    )
}
