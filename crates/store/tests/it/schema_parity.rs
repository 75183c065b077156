//! Schema parity: the SQLite and PostgreSQL migrations are written by hand, twice. Both
//! databases are migrated and each schema is read back from the database itself (not from the
//! SQL files) as a set of facts, one line each: tables, columns (type class, nullability,
//! generated key, default), primary keys, unique keys, CHECKs, indexes, foreign keys,
//! triggers and PostgreSQL's functions. Any fact one side has and the other lacks fails the
//! test unless `ALLOWED` lists it with the reason it is meant.
//!
//! Without `CHONGDICH_TEST_PG` only the SQLite half runs: its reading is checked on facts the
//! migrations are known to create.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

type Facts = BTreeSet<String>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Sqlite,
    Postgres,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Sqlite => "SQLite",
            Side::Postgres => "PostgreSQL",
        }
    }
}

/// A difference between the dialects that is meant: the fact only `only_in` has, and why.
struct Allowed {
    only_in: Side,
    fact: &'static str,
    why: &'static str,
}

/// The one list of meant differences. A new entry needs a reason a reviewer can check; an
/// entry that no longer matches a difference fails the test, so the list cannot go stale.
const ALLOWED: &[Allowed] = &[
    // The tallies (0012, 0013): SQLite's triggers run per row, with a WHEN clause each, so an
    // UPDATE needs one trigger to count the old row out and one to count the new row in.
    // PostgreSQL's run once per statement over transition tables and do both in one.
    Allowed {
        only_in: Side::Sqlite,
        fact: "trigger contacts.contacts_tally_update_new",
        why: "per-row SQLite triggers: the new row's count in (PostgreSQL: contacts_tally_update)",
    },
    Allowed {
        only_in: Side::Sqlite,
        fact: "trigger contacts.contacts_tally_update_old",
        why: "per-row SQLite triggers: the old row's count out (PostgreSQL: contacts_tally_update)",
    },
    Allowed {
        only_in: Side::Postgres,
        fact: "trigger contacts.contacts_tally_update",
        why: "one per-statement trigger does what SQLite's _old and _new pair does",
    },
    // The contacts still followed (0032): PostgreSQL's planner walks this partial index for a
    // province's work lists; SQLite's, once it had statistics, used it to read and sort every
    // followed contact for each page (9.3 s against 1.5 ms), so SQLite has none.
    Allowed {
        only_in: Side::Postgres,
        fact: "index contacts_open on contacts (id) where follow_status in 'to_reach' , 'in_quarantine' , 'monitoring'",
        why: "a partial index that helps PostgreSQL's plan of the province's work lists and ruins SQLite's",
    },
    // The follow-up tally (0030): PostgreSQL's contacts_tally function keeps it with the
    // quarantine tally in one pass; SQLite's per-row triggers need their own WHEN-less set.
    Allowed {
        only_in: Side::Sqlite,
        fact: "trigger contacts.follow_tally_insert",
        why: "per-row SQLite trigger of follow_tallies (PostgreSQL: contacts_tally_insert)",
    },
    Allowed {
        only_in: Side::Sqlite,
        fact: "trigger contacts.follow_tally_delete",
        why: "per-row SQLite trigger of follow_tallies (PostgreSQL: contacts_tally_delete)",
    },
    Allowed {
        only_in: Side::Sqlite,
        fact: "trigger contacts.follow_tally_update",
        why: "per-row SQLite trigger of follow_tallies (PostgreSQL: contacts_tally_update)",
    },
    Allowed {
        only_in: Side::Sqlite,
        fact: "trigger persons.persons_tally_update_new",
        why: "per-row SQLite triggers: the new row's count in (PostgreSQL: persons_tally_update)",
    },
    Allowed {
        only_in: Side::Sqlite,
        fact: "trigger persons.persons_tally_update_old",
        why: "per-row SQLite triggers: the old row's count out (PostgreSQL: persons_tally_update)",
    },
    Allowed {
        only_in: Side::Postgres,
        fact: "trigger persons.persons_tally_update",
        why: "one per-statement trigger does what SQLite's _old and _new pair does",
    },
    // PostgreSQL triggers call functions; SQLite's carry their statements in their body.
    Allowed {
        only_in: Side::Postgres,
        fact: "function tally_sql",
        why: "builds the per-statement tally upsert the PostgreSQL trigger functions EXECUTE",
    },
    Allowed {
        only_in: Side::Postgres,
        fact: "function cases_tally",
        why: "trigger function of the cases_tally_* triggers (SQLite: statements in the triggers)",
    },
    Allowed {
        only_in: Side::Postgres,
        fact: "function contacts_tally",
        why:
            "trigger function of the contacts_tally_* triggers (SQLite: statements in the triggers)",
    },
    Allowed {
        only_in: Side::Postgres,
        fact: "function persons_tally",
        why:
            "trigger function of the persons_tally_* triggers (SQLite: statements in the triggers)",
    },
    // A key column a rowid table declares without NOT NULL.
    null_key(Side::Sqlite, "column meta.key: text null"),
    null_key(Side::Postgres, "column meta.key: text not null"),
    null_key(Side::Sqlite, "column sessions.token_hash: text null"),
    null_key(Side::Postgres, "column sessions.token_hash: text not null"),
    null_key(Side::Sqlite, "column data_versions.name: text null"),
    null_key(Side::Postgres, "column data_versions.name: text not null"),
    // Made by `migrate.rs` itself with one statement for both dialects (BIGINT is not
    // SQLite's rowid alias, which only INTEGER is).
    null_key(
        Side::Sqlite,
        "column schema_migrations.version: integer null",
    ),
    null_key(
        Side::Postgres,
        "column schema_migrations.version: integer not null",
    ),
];

/// Why a PRIMARY KEY column's nullability differs.
const fn null_key(only_in: Side, fact: &'static str) -> Allowed {
    Allowed {
        only_in,
        fact,
        why: "SQLite lets a rowid table's PRIMARY KEY column that is not INTEGER hold NULL unless \
              declared NOT NULL (its documented legacy rule); PostgreSQL makes every key column \
              NOT NULL. The store binds these keys from non-optional values, so no NULL is \
              written; declaring NOT NULL on SQLite would take rebuilding the tables",
    }
}

#[test]
fn every_allowed_difference_says_why() {
    for a in ALLOWED {
        assert!(a.why.len() > 20, "ALLOWED `{}` needs its reason", a.fact);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dialects_have_the_same_schema() {
    let lite_db = store::testing::sqlite().await;
    let lite = sqlite_facts(&lite_db.url).await;
    assert_reads_the_schema(Side::Sqlite, &lite);
    // What the allowlist says of SQLite holds even without a server to compare with.
    let stale: Vec<String> = ALLOWED
        .iter()
        .filter(|a| (a.only_in == Side::Sqlite) != lite.contains(a.fact))
        .map(|a| format!("  {} (only in {})", a.fact, a.only_in.name()))
        .collect();
    assert!(
        stale.is_empty(),
        "allowlist entries SQLite's schema contradicts:\n{}",
        stale.join("\n")
    );

    let Some(pg_db) = store::testing::postgres().await else {
        return;
    };
    let pg = postgres_facts(&pg_db.url).await;
    assert_reads_the_schema(Side::Postgres, &pg);
    let problems = differences(&lite, &pg, ALLOWED);
    assert!(
        problems.is_empty(),
        "the SQLite and PostgreSQL schemas differ ({} lines below; fix the migrations with a new \
         one for both dialects, or add a meant difference to ALLOWED in {} with its reason):\n{}",
        problems.len(),
        file!(),
        problems.join("\n")
    );
}

/// The comparison itself: an index created on one database only is reported, by name, table
/// and columns (the case the test exists for), and nothing else is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_on_one_side_only_is_reported() {
    let db = store::testing::sqlite().await;
    let before = sqlite_facts(&db.url).await;
    store::testing::execute(
        &db.store,
        "CREATE INDEX persons_by_sex ON persons (sex, unit_path)",
    )
    .await;
    let after = sqlite_facts(&db.url).await;
    assert_eq!(
        differences(&after, &before, &[]),
        vec!["only in SQLite:     index persons_by_sex on persons (sex, unit_path)".to_string()]
    );
    // A stale allowlist entry is reported too.
    let entry = [Allowed {
        only_in: Side::Postgres,
        fact: "table nowhere",
        why: "test",
    }];
    assert_eq!(
        differences(&before, &before, &entry),
        vec!["allowlist entry matches no difference: table nowhere (only in PostgreSQL)"]
    );
}

#[test]
fn expressions_are_compared_as_both_databases_write_them() {
    // SQLite keeps the text as written; PostgreSQL prints its parse tree back.
    for (sqlite, postgres) in [
        ("CHECK (quantity > 0)", "CHECK ((quantity > 0))"),
        (
            "CHECK (progress_pct BETWEEN 0 AND 100)",
            "CHECK (((progress_pct >= 0) AND (progress_pct <= 100)))",
        ),
        ("until_s IS NULL", "(until_s IS NULL)"),
        ("'quarantine'", "'quarantine'::text"),
        ("a != 1", "(a <> 1)"),
        (
            "CHECK (status IN ('quarantine', 'monitor'))",
            "CHECK ((status = ANY (ARRAY['quarantine'::text, 'monitor'::text])))",
        ),
    ] {
        assert_eq!(
            normalise(&tokens(sqlite)),
            normalise(&tokens(postgres)),
            "{sqlite}"
        );
    }
    assert_ne!(
        normalise(&tokens("x > 0")),
        normalise(&tokens("x >= 0")),
        "operators are kept"
    );
    assert_ne!(
        normalise(&tokens("CHECK (s IN ('a', 'b'))")),
        normalise(&tokens("CHECK ((s = ANY (ARRAY['a'::text, 'c'::text])))")),
        "the values of a list are kept"
    );
}

/// Facts every reader must find, one per kind of fact, so that a reader that silently finds
/// nothing (a wrong query, a renamed catalog column) cannot pass as parity.
fn assert_reads_the_schema(side: Side, facts: &Facts) {
    for expected in [
        "table persons",
        "column persons.id: integer not null generated",
        "column persons.full_name: text not null",
        "column persons.national_id: text null",
        "column units.lat: real null",
        "column households.synthetic: integer not null default 0",
        "primary key units (structure, code)",
        "primary key birth_tallies (structure, unit_path, birth_year)",
        "unique users (username)",
        "unique contacts (case_id, person_id)",
        "unique vaccinations (person_id, dose_no)",
        "check aid_goods: quantity > 0",
        "check contacts: status in 'quarantine' , 'monitor'",
        "index persons_by_scope on persons (structure, unit_path, id)",
        "index units_by_path on units (structure, path) unique",
        "index stays_open_by_person on stays (person_id) unique where until_s is null",
        "foreign key user_units (user_id) references users (id) on delete cascade",
        "foreign key cases (person_id) references persons (id) on delete no action",
        "trigger cases.cases_tally_insert",
    ] {
        assert!(
            facts.contains(expected),
            "{} schema as read lacks `{expected}`; it has:\n{}",
            side.name(),
            facts.iter().cloned().collect::<Vec<_>>().join("\n")
        );
    }
}

/// Every difference not allowed, one per line, then every allowlist entry matching none.
fn differences(lite: &Facts, pg: &Facts, allowed: &[Allowed]) -> Vec<String> {
    let is_allowed =
        |side: Side, fact: &str| allowed.iter().any(|a| a.only_in == side && a.fact == fact);
    let mut out = Vec::new();
    for fact in lite.difference(pg) {
        if !is_allowed(Side::Sqlite, fact) {
            out.push(format!("only in SQLite:     {fact}"));
        }
    }
    for fact in pg.difference(lite) {
        if !is_allowed(Side::Postgres, fact) {
            out.push(format!("only in PostgreSQL: {fact}"));
        }
    }
    for a in allowed {
        let (this, other) = match a.only_in {
            Side::Sqlite => (lite, pg),
            Side::Postgres => (pg, lite),
        };
        let differs = this.contains(a.fact) && !other.contains(a.fact);
        if !differs {
            out.push(format!(
                "allowlist entry matches no difference: {} (only in {})",
                a.fact,
                a.only_in.name()
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reading SQLite's schema: sqlite_master and the table-valued PRAGMA functions.

async fn sqlite_facts(url: &str) -> Facts {
    let pool = sqlx::SqlitePool::connect(url).await.expect("open SQLite");
    let mut facts = Facts::new();
    let tables: Vec<(String, String)> = sqlx::query(
        "SELECT name, sql FROM sqlite_master
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .fetch_all(&pool)
    .await
    .expect("read sqlite_master")
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let mut primary_keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, _) in &tables {
        let cols = sqlx::query(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY pk",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .expect("table_info");
        let key: Vec<String> = cols
            .iter()
            .filter(|c| c.get::<i64, _>(4) > 0)
            .map(|c| c.get(0))
            .collect();
        primary_keys.insert(table.clone(), key);
    }
    for (table, sql) in &tables {
        facts.insert(format!("table {table}"));
        let toks = tokens(sql);
        let without_rowid = toks.ends_with(&["without".into(), "rowid".into()]);
        let key = &primary_keys[table];
        if !key.is_empty() {
            facts.insert(format!("primary key {table} ({})", key.join(", ")));
        }
        let cols =
            sqlx::query("SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info(?)")
                .bind(table)
                .fetch_all(&pool)
                .await
                .expect("table_info");
        for c in &cols {
            let name: String = c.get(0);
            let declared: String = c.get(1);
            // `INTEGER PRIMARY KEY` names the rowid: never NULL, assigned when not given.
            let rowid = !without_rowid
                && key.len() == 1
                && key[0] == name
                && declared.eq_ignore_ascii_case("INTEGER");
            // A WITHOUT ROWID table's key refuses NULL whatever was declared; a rowid table's
            // other key columns take NULL unless declared NOT NULL (SQLite's legacy rule).
            let not_null =
                c.get::<i64, _>(2) != 0 || rowid || (without_rowid && key.contains(&name));
            let default: Option<String> = c.get(3);
            facts.insert(column_fact(
                table,
                &name,
                sqlite_class(&declared),
                not_null,
                rowid,
                default.as_deref(),
            ));
        }
        for check in checks_in_create_table(&toks) {
            facts.insert(format!("check {table}: {check}"));
        }
        let indexes = sqlx::query(
            "SELECT l.name, l.\"unique\", l.origin, l.partial, m.sql
             FROM pragma_index_list(?) l LEFT JOIN sqlite_master m ON m.name = l.name",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .expect("index_list");
        for ix in &indexes {
            let name: String = ix.get(0);
            let unique = ix.get::<i64, _>(1) != 0;
            let origin: String = ix.get(2);
            let partial = ix.get::<i64, _>(3) != 0;
            let columns = sqlx::query(
                "SELECT name, \"desc\" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno",
            )
            .bind(&name)
            .fetch_all(&pool)
            .await
            .expect("index_xinfo")
            .iter()
            .map(|c| {
                let col: Option<String> = c.get(0);
                let col = col.unwrap_or_else(|| "<expression>".into());
                if c.get::<i64, _>(1) != 0 {
                    format!("{col} desc")
                } else {
                    col
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    facts.insert(format!("unique {table} ({columns})"));
                }
                _ => {
                    let predicate = if partial {
                        let sql: String = ix.get(4);
                        let toks = tokens(&sql);
                        let at = toks.iter().position(|t| t == "where").unwrap_or(toks.len());
                        Some(normalise(toks.get(at + 1..).unwrap_or_default()))
                    } else {
                        None
                    };
                    facts.extend(index_facts(
                        table,
                        &name,
                        &columns,
                        unique,
                        predicate.as_deref(),
                    ));
                }
            }
        }
        let fks = sqlx::query(
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete
             FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .expect("foreign_key_list");
        // One entry per constraint id, its columns in order.
        let mut by_id: BTreeMap<i64, ForeignKey> = BTreeMap::new();
        for fk in &fks {
            let entry = by_id.entry(fk.get(0)).or_insert_with(|| ForeignKey {
                target: fk.get(1),
                from: Vec::new(),
                to: Vec::new(),
                on_update: fk.get::<String, _>(4).to_lowercase(),
                on_delete: fk.get::<String, _>(5).to_lowercase(),
            });
            entry.from.push(fk.get(2));
            if let Some(to) = fk.get::<Option<String>, _>(3) {
                entry.to.push(to);
            }
        }
        for mut fk in by_id.into_values() {
            // No column named: the referenced table's primary key.
            if fk.to.is_empty() {
                fk.to = primary_keys.get(&fk.target).cloned().unwrap_or_default();
            }
            facts.insert(foreign_key_fact(
                table,
                &fk.from,
                &fk.target,
                &fk.to,
                &fk.on_update,
                &fk.on_delete,
            ));
        }
    }
    for r in sqlx::query("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        .fetch_all(&pool)
        .await
        .expect("read triggers")
    {
        facts.insert(format!(
            "trigger {}.{}",
            r.get::<String, _>(0),
            r.get::<String, _>(1)
        ));
    }
    pool.close().await;
    facts
}

struct ForeignKey {
    target: String,
    from: Vec<String>,
    to: Vec<String>,
    on_update: String,
    on_delete: String,
}

/// A declared type's class by SQLite's affinity rules (datatype3.html, 3.1), booleans apart.
fn sqlite_class(declared: &str) -> String {
    let t = declared.to_ascii_uppercase();
    let class = if t.contains("BOOL") {
        "boolean"
    } else if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.is_empty() || t.contains("BLOB") {
        "blob"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "real"
    } else {
        "numeric"
    };
    class.into()
}

/// The normalised expressions of a CREATE TABLE's CHECK constraints, column and table ones.
fn checks_in_create_table(toks: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t != "check" || toks.get(i + 1).map(String::as_str) != Some("(") {
            continue;
        }
        let mut depth = 0;
        for (j, u) in toks.iter().enumerate().skip(i + 1) {
            match u.as_str() {
                "(" => depth += 1,
                ")" => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                out.push(normalise(&toks[i + 2..j]));
                break;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reading PostgreSQL's schema: information_schema and pg_catalog, current schema only.

async fn postgres_facts(url: &str) -> Facts {
    let pool = sqlx::PgPool::connect(url).await.expect("open PostgreSQL");
    let mut facts = Facts::new();
    let tables: BTreeSet<String> = sqlx::query(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&pool)
    .await
    .expect("read tables")
    .iter()
    .map(|r| r.get(0))
    .collect();
    for t in &tables {
        facts.insert(format!("table {t}"));
    }
    for c in sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text,
                is_identity::text, column_default::text
         FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .expect("read columns")
    {
        let table: String = c.get(0);
        if !tables.contains(&table) {
            continue;
        }
        let default: Option<String> = c.get(5);
        // An identity column, or a serial one (a sequence's nextval as its default).
        let serial = default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        let generated = c.get::<String, _>(4) == "YES" || serial;
        facts.insert(column_fact(
            &table,
            &c.get::<String, _>(1),
            postgres_class(&c.get::<String, _>(2)),
            c.get::<String, _>(3) == "NO",
            generated,
            if serial { None } else { default.as_deref() },
        ));
    }
    // Constraints, columns in key order (conkey holds a key's columns, not INCLUDE ones).
    for c in sqlx::query(
        "SELECT r.relname::text, c.contype::text, pg_get_constraintdef(c.oid),
                (SELECT string_agg(a.attname::text, ', ' ORDER BY k.n)
                 FROM unnest(c.conkey) WITH ORDINALITY k(att, n)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att),
                f.relname::text,
                (SELECT string_agg(a.attname::text, ', ' ORDER BY k.n)
                 FROM unnest(c.confkey) WITH ORDINALITY k(att, n)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att),
                c.confupdtype::text, c.confdeltype::text
         FROM pg_constraint c
         JOIN pg_class r ON r.oid = c.conrelid
         JOIN pg_namespace s ON s.oid = r.relnamespace
         LEFT JOIN pg_class f ON f.oid = c.confrelid
         WHERE s.nspname = current_schema() AND c.contype IN ('p', 'u', 'c', 'f')",
    )
    .fetch_all(&pool)
    .await
    .expect("read constraints")
    {
        let table: String = c.get(0);
        let columns: String = c.get::<Option<String>, _>(3).unwrap_or_default();
        match c.get::<String, _>(1).as_str() {
            "p" => {
                facts.insert(format!("primary key {table} ({columns})"));
            }
            "u" => {
                facts.insert(format!("unique {table} ({columns})"));
            }
            "c" => {
                facts.insert(format!(
                    "check {table}: {}",
                    normalise(&tokens(&c.get::<String, _>(2)))
                ));
            }
            _ => {
                let from: Vec<String> = columns.split(", ").map(String::from).collect();
                let to: Vec<String> = c
                    .get::<Option<String>, _>(5)
                    .unwrap_or_default()
                    .split(", ")
                    .map(String::from)
                    .collect();
                facts.insert(foreign_key_fact(
                    &table,
                    &from,
                    &c.get::<String, _>(4),
                    &to,
                    fk_action(&c.get::<String, _>(6)),
                    fk_action(&c.get::<String, _>(7)),
                ));
            }
        }
    }
    // Indexes created as such: those behind a primary key or UNIQUE constraint are facts of
    // their constraint above, as SQLite's automatic ones are.
    for ix in sqlx::query(
        "SELECT t.relname::text, c.relname::text, i.indisunique,
                (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true)
                                   || CASE WHEN i.indoption[k - 1] & 1 = 1 THEN ' desc' ELSE '' END,
                                   ', ' ORDER BY k)
                 FROM generate_series(1, i.indnkeyatts) k),
                pg_get_expr(i.indpred, i.indrelid)
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace s ON s.oid = t.relnamespace
         WHERE s.nspname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                           WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))",
    )
    .fetch_all(&pool)
    .await
    .expect("read indexes")
    {
        let predicate: Option<String> = ix.get(4);
        facts.extend(index_facts(
            &ix.get::<String, _>(0),
            &ix.get::<String, _>(1),
            &ix.get::<String, _>(3),
            ix.get(2),
            predicate.map(|p| normalise(&tokens(&p))).as_deref(),
        ));
    }
    for r in sqlx::query(
        "SELECT c.relname::text, t.tgname::text FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace s ON s.oid = c.relnamespace
         WHERE s.nspname = current_schema() AND NOT t.tgisinternal",
    )
    .fetch_all(&pool)
    .await
    .expect("read triggers")
    {
        facts.insert(format!(
            "trigger {}.{}",
            r.get::<String, _>(0),
            r.get::<String, _>(1)
        ));
    }
    // Functions the migrations made (an extension's own are not the schema's).
    for r in sqlx::query(
        "SELECT p.proname::text FROM pg_proc p
         JOIN pg_namespace s ON s.oid = p.pronamespace
         WHERE s.nspname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
    )
    .fetch_all(&pool)
    .await
    .expect("read functions")
    {
        facts.insert(format!("function {}", r.get::<String, _>(0)));
    }
    pool.close().await;
    facts
}

fn postgres_class(data_type: &str) -> String {
    match data_type {
        "bigint" | "integer" | "smallint" => "integer",
        "text" | "character varying" | "character" => "text",
        "double precision" | "real" => "real",
        "bytea" => "blob",
        "boolean" => "boolean",
        "numeric" => "numeric",
        // Shown as is, so that it differs from anything SQLite has.
        other => other,
    }
    .into()
}

/// pg_constraint's confupdtype / confdeltype letter as SQLite's foreign_key_list words it.
fn fk_action(code: &str) -> &'static str {
    match code {
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        _ => "no action",
    }
}

// ---------------------------------------------------------------------------------------
// Facts, worded the same for both dialects.

fn column_fact(
    table: &str,
    column: &str,
    class: String,
    not_null: bool,
    generated: bool,
    default: Option<&str>,
) -> String {
    let mut fact = format!(
        "column {table}.{column}: {class} {}",
        if not_null { "not null" } else { "null" }
    );
    if generated {
        fact.push_str(" generated");
    }
    if let Some(d) = default {
        fact.push_str(" default ");
        fact.push_str(&normalise(&tokens(d)));
    }
    fact
}

/// An index by name, table and key columns; a unique one also as its table's unique key
/// (so that a UNIQUE constraint on one side and a unique index on the other show as one
/// difference, of the index) unless partial.
fn index_facts(
    table: &str,
    name: &str,
    columns: &str,
    unique: bool,
    predicate: Option<&str>,
) -> Vec<String> {
    let mut fact = format!("index {name} on {table} ({columns})");
    if unique {
        fact.push_str(" unique");
    }
    if let Some(p) = predicate {
        fact.push_str(" where ");
        fact.push_str(p);
    }
    let mut out = vec![fact];
    if unique && predicate.is_none() {
        out.push(format!("unique {table} ({columns})"));
    }
    out
}

fn foreign_key_fact(
    table: &str,
    from: &[String],
    target: &str,
    to: &[String],
    on_update: &str,
    on_delete: &str,
) -> String {
    let mut fact = format!(
        "foreign key {table} ({}) references {target} ({}) on delete {on_delete}",
        from.join(", "),
        to.join(", ")
    );
    if on_update != "no action" {
        fact.push_str(&format!(" on update {on_update}"));
    }
    fact
}

// ---------------------------------------------------------------------------------------
// SQL text: enough of a tokenizer to find CHECKs and WHERE clauses and to compare the
// expressions both databases keep (SQLite as written, PostgreSQL as it prints them back).

/// Words lower-cased, quoted identifiers unquoted, string literals kept, comments dropped.
fn tokens(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || c == '"' {
            // A quoted string or identifier; a doubled quote stands for itself.
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        text.push(c);
                        i += 2;
                        continue;
                    }
                    break;
                }
                text.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push(if c == '\'' {
                format!("'{}'", text.replace('\'', "''"))
            } else {
                text.to_lowercase()
            });
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else if "<>=!|:+-*/%".contains(c) {
            let start = i;
            while i < chars.len() && "<>=!|:+-*/%".contains(chars[i]) {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// One line for an expression: parentheses and `::type` casts dropped, `!=` as `<>`,
/// `x BETWEEN a AND b` as PostgreSQL stores it (`x >= a AND x <= b`), and PostgreSQL's
/// `x = ANY (ARRAY[a, b])` as the `x IN (a, b)` it was written as. Dropping parentheses
/// loses grouping; for telling whether the same CHECK is on both sides that is enough.
fn normalise(toks: &[String]) -> String {
    let mut kept: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i].as_str();
        match t {
            "(" | ")" => {}
            "::" => {
                // The type: one word, or the two-word ones.
                i += 1;
                if matches!(
                    (
                        toks.get(i).map(String::as_str),
                        toks.get(i + 1).map(String::as_str)
                    ),
                    (Some("double"), Some("precision")) | (Some("character"), Some("varying"))
                ) {
                    i += 1;
                }
            }
            "!=" => kept.push("<>".into()),
            _ => kept.push(t.into()),
        }
        i += 1;
    }
    // Leading CHECK of pg_get_constraintdef's text.
    if kept.first().map(String::as_str) == Some("check") {
        kept.remove(0);
    }
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let mut in_array = false;
    while i < kept.len() {
        if kept[i..].starts_with(&["=".into(), "any".into(), "array".into(), "[".into()]) {
            out.push("in".into());
            in_array = true;
            i += 4;
        } else if in_array && kept[i] == "]" {
            in_array = false;
            i += 1;
        } else if kept[i] == "between" && i > 0 && i + 3 < kept.len() && kept[i + 2] == "and" {
            let subject = out.pop().unwrap_or_default();
            out.extend([
                subject.clone(),
                ">=".into(),
                kept[i + 1].clone(),
                "and".into(),
                subject,
                "<=".into(),
                kept[i + 3].clone(),
            ]);
            i += 4;
        } else {
            out.push(kept[i].clone());
            i += 1;
        }
    }
    out.join(" ")
}
