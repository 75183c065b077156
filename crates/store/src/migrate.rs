//! Schema migrations (one SQL file per dialect and version, compiled in) and the loading of
//! the administrative units registry.

use sqlx::Row;

use domain::refdata;
use domain::Structure;

use crate::sql::{insert_rows, Sql, Val};
use crate::{now_s, Dialect, Result, Store};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
    /// Work SQL cannot do in both dialects, run in the migration's transaction after its SQL.
    then: Option<Step>,
}

#[derive(Clone, Copy)]
enum Step {
    /// Fills `households.address_key` for the addresses already stored.
    AddressKeys,
    /// Fills `persons.name_folded` for the persons already stored.
    FoldedNames,
    /// Fills `venues.name_folded` for the venues already stored.
    VenueNames,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
        then: None,
    },
    Migration {
        version: 2,
        name: "locality",
        sqlite: include_str!("../migrations/sqlite/0002_locality.sql"),
        postgres: include_str!("../migrations/postgres/0002_locality.sql"),
        then: None,
    },
    Migration {
        version: 3,
        name: "contacts",
        sqlite: include_str!("../migrations/sqlite/0003_contacts.sql"),
        postgres: include_str!("../migrations/postgres/0003_contacts.sql"),
        then: None,
    },
    Migration {
        version: 4,
        name: "person_merge",
        sqlite: include_str!("../migrations/sqlite/0004_person_merge.sql"),
        postgres: include_str!("../migrations/postgres/0004_person_merge.sql"),
        then: None,
    },
    Migration {
        version: 5,
        name: "aid",
        sqlite: include_str!("../migrations/sqlite/0005_aid.sql"),
        postgres: include_str!("../migrations/postgres/0005_aid.sql"),
        then: None,
    },
    Migration {
        version: 6,
        name: "care",
        sqlite: include_str!("../migrations/sqlite/0006_care.sql"),
        postgres: include_str!("../migrations/postgres/0006_care.sql"),
        then: None,
    },
    Migration {
        version: 7,
        name: "unit_residents",
        sqlite: include_str!("../migrations/sqlite/0007_unit_residents.sql"),
        postgres: include_str!("../migrations/postgres/0007_unit_residents.sql"),
        then: None,
    },
    Migration {
        version: 8,
        name: "policy_overrides",
        sqlite: include_str!("../migrations/sqlite/0008_policy_overrides.sql"),
        postgres: include_str!("../migrations/postgres/0008_policy_overrides.sql"),
        then: None,
    },
    Migration {
        version: 9,
        name: "risk_history",
        sqlite: include_str!("../migrations/sqlite/0009_risk_history.sql"),
        postgres: include_str!("../migrations/postgres/0009_risk_history.sql"),
        then: None,
    },
    Migration {
        version: 10,
        name: "zone_units",
        sqlite: include_str!("../migrations/sqlite/0010_zone_units.sql"),
        postgres: include_str!("../migrations/postgres/0010_zone_units.sql"),
        then: Some(Step::AddressKeys),
    },
    Migration {
        version: 11,
        name: "unit_boundaries",
        sqlite: include_str!("../migrations/sqlite/0011_unit_boundaries.sql"),
        postgres: include_str!("../migrations/postgres/0011_unit_boundaries.sql"),
        then: None,
    },
    Migration {
        version: 12,
        name: "tallies",
        sqlite: include_str!("../migrations/sqlite/0012_tallies.sql"),
        postgres: include_str!("../migrations/postgres/0012_tallies.sql"),
        then: None,
    },
    Migration {
        version: 13,
        name: "birth_tallies",
        sqlite: include_str!("../migrations/sqlite/0013_birth_tallies.sql"),
        postgres: include_str!("../migrations/postgres/0013_birth_tallies.sql"),
        then: None,
    },
    Migration {
        version: 14,
        name: "login_limits",
        sqlite: include_str!("../migrations/sqlite/0014_login_limits.sql"),
        postgres: include_str!("../migrations/postgres/0014_login_limits.sql"),
        then: None,
    },
    Migration {
        version: 18,
        name: "checkin_submitters",
        sqlite: include_str!("../migrations/sqlite/0018_checkin_submitters.sql"),
        postgres: include_str!("../migrations/postgres/0018_checkin_submitters.sql"),
        then: None,
    },
    Migration {
        version: 19,
        name: "audit_scope",
        sqlite: include_str!("../migrations/sqlite/0019_audit_scope.sql"),
        postgres: include_str!("../migrations/postgres/0019_audit_scope.sql"),
        then: None,
    },
    Migration {
        version: 20,
        name: "kept_reads",
        sqlite: include_str!("../migrations/sqlite/0020_kept_reads.sql"),
        postgres: include_str!("../migrations/postgres/0020_kept_reads.sql"),
        then: None,
    },
    Migration {
        version: 21,
        name: "vocab",
        sqlite: include_str!("../migrations/sqlite/0021_vocab.sql"),
        postgres: include_str!("../migrations/postgres/0021_vocab.sql"),
        then: None,
    },
    Migration {
        version: 22,
        name: "vaccinated_by_birth_year",
        sqlite: include_str!("../migrations/sqlite/0022_vaccinated_by_birth_year.sql"),
        postgres: include_str!("../migrations/postgres/0022_vaccinated_by_birth_year.sql"),
        then: None,
    },
    Migration {
        version: 23,
        name: "follow_up_end",
        sqlite: include_str!("../migrations/sqlite/0023_follow_up_end.sql"),
        postgres: include_str!("../migrations/postgres/0023_follow_up_end.sql"),
        then: None,
    },
    Migration {
        version: 24,
        name: "person_search",
        sqlite: include_str!("../migrations/sqlite/0024_person_search.sql"),
        postgres: include_str!("../migrations/postgres/0024_person_search.sql"),
        then: Some(Step::FoldedNames),
    },
    Migration {
        version: 25,
        name: "follow_up",
        sqlite: include_str!("../migrations/sqlite/0025_follow_up.sql"),
        postgres: include_str!("../migrations/postgres/0025_follow_up.sql"),
        then: None,
    },
    Migration {
        version: 26,
        name: "venue_names",
        sqlite: include_str!("../migrations/sqlite/0026_venue_names.sql"),
        postgres: include_str!("../migrations/postgres/0026_venue_names.sql"),
        then: Some(Step::VenueNames),
    },
    Migration {
        version: 27,
        name: "capacity_plan",
        sqlite: include_str!("../migrations/sqlite/0027_capacity_plan.sql"),
        postgres: include_str!("../migrations/postgres/0027_capacity_plan.sql"),
        then: None,
    },
    Migration {
        version: 29,
        name: "person_pairs",
        sqlite: include_str!("../migrations/sqlite/0029_person_pairs.sql"),
        postgres: include_str!("../migrations/postgres/0029_person_pairs.sql"),
        then: None,
    },
    Migration {
        version: 30,
        name: "follow_up_work",
        sqlite: include_str!("../migrations/sqlite/0030_follow_up_work.sql"),
        postgres: include_str!("../migrations/postgres/0030_follow_up_work.sql"),
        then: None,
    },
    Migration {
        version: 31,
        name: "dose_lot",
        sqlite: include_str!("../migrations/sqlite/0031_dose_lot.sql"),
        postgres: include_str!("../migrations/postgres/0031_dose_lot.sql"),
        then: None,
    },
    Migration {
        version: 32,
        name: "contacts_open",
        sqlite: include_str!("../migrations/sqlite/0032_contacts_open.sql"),
        postgres: include_str!("../migrations/postgres/0032_contacts_open.sql"),
        then: None,
    },
    Migration {
        version: 33,
        name: "calls_by_day",
        sqlite: include_str!("../migrations/sqlite/0033_calls_by_day.sql"),
        postgres: include_str!("../migrations/postgres/0033_calls_by_day.sql"),
        then: None,
    },
    Migration {
        version: 34,
        name: "imports",
        sqlite: include_str!("../migrations/sqlite/0034_imports.sql"),
        postgres: include_str!("../migrations/postgres/0034_imports.sql"),
        then: None,
    },
    Migration {
        version: 35,
        name: "fhir_identifiers",
        sqlite: include_str!("../migrations/sqlite/0035_fhir_identifiers.sql"),
        postgres: include_str!("../migrations/postgres/0035_fhir_identifiers.sql"),
        then: None,
    },
    Migration {
        version: 36,
        name: "report_days",
        sqlite: include_str!("../migrations/sqlite/0036_report_days.sql"),
        postgres: include_str!("../migrations/postgres/0036_report_days.sql"),
        then: None,
    },
    Migration {
        version: 37,
        name: "fhir_identifiers_more",
        sqlite: include_str!("../migrations/sqlite/0037_fhir_identifiers_more.sql"),
        postgres: include_str!("../migrations/postgres/0037_fhir_identifiers_more.sql"),
        then: None,
    },
    Migration {
        version: 38,
        name: "link",
        sqlite: include_str!("../migrations/sqlite/0038_link.sql"),
        postgres: include_str!("../migrations/postgres/0038_link.sql"),
        then: None,
    },
    Migration {
        version: 39,
        name: "referrals",
        sqlite: include_str!("../migrations/sqlite/0039_referrals.sql"),
        postgres: include_str!("../migrations/postgres/0039_referrals.sql"),
        then: None,
    },
    Migration {
        version: 40,
        name: "gift_links",
        sqlite: include_str!("../migrations/sqlite/0040_gift_links.sql"),
        postgres: include_str!("../migrations/postgres/0040_gift_links.sql"),
        then: None,
    },
    Migration {
        version: 41,
        name: "handovers",
        sqlite: include_str!("../migrations/sqlite/0041_handovers.sql"),
        postgres: include_str!("../migrations/postgres/0041_handovers.sql"),
        then: None,
    },
    Migration {
        version: 42,
        name: "national",
        sqlite: include_str!("../migrations/sqlite/0042_national.sql"),
        postgres: include_str!("../migrations/postgres/0042_national.sql"),
        then: None,
    },
    Migration {
        version: 43,
        name: "shares",
        sqlite: include_str!("../migrations/sqlite/0043_shares.sql"),
        postgres: include_str!("../migrations/postgres/0043_shares.sql"),
        then: None,
    },
    Migration {
        version: 44,
        name: "letters",
        sqlite: include_str!("../migrations/sqlite/0044_letters.sql"),
        postgres: include_str!("../migrations/postgres/0044_letters.sql"),
        then: None,
    },
    Migration {
        version: 45,
        name: "care_elsewhere",
        sqlite: include_str!("../migrations/sqlite/0045_care_elsewhere.sql"),
        postgres: include_str!("../migrations/postgres/0045_care_elsewhere.sql"),
        then: None,
    },
    Migration {
        version: 46,
        name: "citizen_devices",
        sqlite: include_str!("../migrations/sqlite/0046_citizen_devices.sql"),
        postgres: include_str!("../migrations/postgres/0046_citizen_devices.sql"),
        then: None,
    },
    Migration {
        version: 47,
        name: "exposures",
        sqlite: include_str!("../migrations/sqlite/0047_exposures.sql"),
        postgres: include_str!("../migrations/postgres/0047_exposures.sql"),
        then: None,
    },
    Migration {
        version: 48,
        name: "declaration_outcomes",
        sqlite: include_str!("../migrations/sqlite/0048_declaration_outcomes.sql"),
        postgres: include_str!("../migrations/postgres/0048_declaration_outcomes.sql"),
        then: None,
    },
    Migration {
        version: 50,
        name: "clusters",
        sqlite: include_str!("../migrations/sqlite/0050_clusters.sql"),
        postgres: include_str!("../migrations/postgres/0050_clusters.sql"),
        then: None,
    },
];

const REFDATA_KEY: &str = "units_fingerprint";

/// What `migrate` did.
#[derive(Debug, Clone, Default)]
pub struct MigrateReport {
    pub applied: Vec<String>,
    /// Units (both structures, partners included) loaded; 0 when the registry was current.
    pub units_loaded: u64,
    pub correspondence_loaded: u64,
}

/// Applies the pending migrations up to `through` (a version), then reloads the units.
pub(crate) async fn run(store: &Store, through: i64) -> Result<MigrateReport> {
    let mut report = MigrateReport::default();
    let mut conn = store.pool.acquire().await?;
    if store.dialect == Dialect::Postgres {
        // Two servers starting together must not both migrate: hold a session-level lock.
        sqlx::query("SELECT pg_advisory_lock(7305171)")
            .execute(&mut *conn)
            .await?;
    }
    let result = apply(store, &mut conn, &mut report, through).await;
    if store.dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_unlock(7305171)")
            .execute(&mut *conn)
            .await?;
    }
    result?;
    Ok(report)
}

async fn apply(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    report: &mut MigrateReport,
    through: i64,
) -> Result<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at_s BIGINT NOT NULL
        )",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    for m in MIGRATIONS.iter().take_while(|m| m.version <= through) {
        if applied.contains(&m.version) {
            continue;
        }
        let text = match store.dialect {
            Dialect::Sqlite => m.sqlite,
            Dialect::Postgres => m.postgres,
        };
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::raw_sql(text).execute(&mut *tx).await?;
        match m.then {
            Some(Step::AddressKeys) => fill_address_keys(&mut tx, store.dialect).await?,
            Some(Step::FoldedNames) => {
                fill_folded_names(&mut tx, store.dialect).await?;
            }
            Some(Step::VenueNames) => fill_venue_names(&mut tx, store.dialect).await?,
            None => {}
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at_s) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(now_s())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        report.applied.push(format!("{:04}_{}", m.version, m.name));
    }
    load_units(conn, store.dialect, report).await
}

/// Households' address keys computed from their stored addresses.
async fn fill_address_keys(conn: &mut sqlx::AnyConnection, dialect: Dialect) -> Result<()> {
    fill_computed(
        conn,
        dialect,
        "households",
        "address",
        "address_key",
        |address| Some(domain::zone::address_key(address)).filter(|k| !k.is_empty()),
    )
    .await
}

/// Venues' folded names computed from their stored names.
async fn fill_venue_names(conn: &mut sqlx::AnyConnection, dialect: Dialect) -> Result<()> {
    fill_computed(conn, dialect, "venues", "name", "name_folded", |name| {
        Some(domain::text::fold_diacritics(name))
    })
    .await
}

/// Sets `table.target` to `f(table.source)` for the rows already stored (where `f` gives a
/// value), in batches by id: a column computed in Rust cannot be filled by the SQL alone.
async fn fill_computed(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    table: &str,
    source: &str,
    target: &str,
    f: impl Fn(&str) -> Option<String>,
) -> Result<()> {
    const BATCH: i64 = 2000;
    let mut after = 0_i64;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT id, {source} FROM {table} WHERE {source} IS NOT NULL AND id > $1
             ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get(0)?;
        let mut sql = Sql::new(
            dialect,
            &format!("UPDATE {table} SET {target} = v.column2 FROM (VALUES "),
        );
        let mut any = false;
        for r in &rows {
            let Some(value) = f(&r.try_get::<String, _>(1)?) else {
                continue;
            };
            sql.push(if any { ", (" } else { "(" });
            sql.bind(Val::Int(r.try_get(0)?)).push(", ");
            sql.bind(Val::Text(value)).push(")");
            any = true;
        }
        sql.push(&format!(") AS v WHERE {table}.id = v.column1"));
        if any {
            sql.query().execute(&mut *conn).await?;
        }
    }
}

/// Persons' folded names computed from their stored names.
async fn fill_folded_names(conn: &mut sqlx::AnyConnection, dialect: Dialect) -> Result<()> {
    fill_computed(
        conn,
        dialect,
        "persons",
        "full_name",
        "name_folded",
        |name| Some(domain::text::fold_diacritics(name)),
    )
    .await
}

/// Replaces the registry when the embedded data differs from what was loaded last.
/// Records keep a copy of their unit's code and path, so a reload never orphans them.
async fn load_units(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    report: &mut MigrateReport,
) -> Result<()> {
    let fingerprint = refdata::fingerprint();
    let current: Option<String> = sqlx::query("SELECT value FROM meta WHERE key = $1")
        .bind(REFDATA_KEY)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    if current.as_deref() == Some(fingerprint.as_str()) {
        return Ok(());
    }
    let mut all = Vec::new();
    for s in Structure::ALL {
        all.extend(refdata::units(s)?);
    }
    let correspondence = refdata::correspondence()?;

    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query("DELETE FROM units").execute(&mut *tx).await?;
    sqlx::query("DELETE FROM unit_correspondence")
        .execute(&mut *tx)
        .await?;
    report.units_loaded = insert_rows(
        &mut tx,
        dialect,
        "units",
        &[
            "structure",
            "code",
            "name",
            "name_ascii",
            "level",
            "unit_type",
            "kind",
            "parent_code",
            "path",
            "lat",
            "lon",
            "area_km2",
        ],
        all.into_iter().map(|u| {
            vec![
                Val::Text(u.structure.as_str().into()),
                Val::Text(u.code.as_str().into()),
                Val::Text(u.name),
                Val::Text(u.name_ascii),
                Val::Text(u.level.as_str().into()),
                Val::Text(u.unit_type.as_str().into()),
                Val::Text(u.kind.as_str().into()),
                Val::OptText(u.parent_code.map(|c| c.as_str().to_string())),
                Val::Text(u.path.as_str().into()),
                Val::Real(u.lat),
                Val::Real(u.lon),
                Val::Real(u.area_km2),
            ]
        }),
    )
    .await?;
    report.correspondence_loaded = insert_rows(
        &mut tx,
        dialect,
        "unit_correspondence",
        &["old_code", "new_code"],
        correspondence.into_iter().map(|c| {
            vec![
                Val::Text(c.old_unit.as_str().into()),
                Val::Text(c.new_commune.as_str().into()),
            ]
        }),
    )
    .await?;
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(REFDATA_KEY)
    .bind(fingerprint)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
