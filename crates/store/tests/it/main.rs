//! The store's contract: every test runs on SQLite and on PostgreSQL.

mod aid;
mod audit;
mod bulk;
mod capacity;
mod care;
mod case_status;
mod checkins;
mod coverage;
mod link;
mod person_search;
mod persons;
mod recent_cases;
mod referral;
mod schema_parity;
mod tallies;
mod tracing;
mod unit;
mod units;
mod users;
mod venue_entry;
mod venue_names;
mod vocab;

use domain::person::Sex;
use domain::units::parse_unit_ref;
use domain::{Role, Scope, Structure, UnitCode};
use store::{Caller, NewUser, PersonRow, Store, UnitRef, UserUnit};

pub const NOW: i64 = 1_700_000_000;

/// A 2021 unit by its code, as the bulk rows refer to it.
pub async fn unit(store: &Store, code: &str) -> UnitRef {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse(code).unwrap())
        .await
        .unwrap()
        .unwrap();
    UnitRef::from(&u)
}

/// Creates an account with the given jurisdictions and returns it as a caller.
pub async fn caller(store: &Store, username: &str, role: Role, units: &[&str]) -> Caller {
    let units = units
        .iter()
        .map(|u| {
            let (structure, code) = parse_unit_ref(u).unwrap();
            UserUnit { structure, code }
        })
        .collect();
    let user = store
        .create_user(
            &NewUser {
                username: username.into(),
                // Not a real hash: these tests never check a password.
                password_hash: "x".into(),
                role,
                units,
            },
            NOW,
        )
        .await
        .unwrap();
    let token_hash = format!("hash-of-{username}");
    store
        .create_session(user.id, &token_hash, NOW, 3600)
        .await
        .unwrap();
    store
        .caller_by_token(&token_hash, NOW + 1)
        .await
        .unwrap()
        .unwrap()
}

pub fn path_scope(store_paths: &[(Structure, &str)]) -> Scope {
    Scope::of(
        store_paths
            .iter()
            .map(|(s, p)| (*s, domain::UnitPath::from_stored(p).unwrap())),
    )
}

/// Persons 1..=n, each in `unit(i)`, born `birth(i)`.
/// Writes `rows` as a schema older than migration 0024 holds them (without the folded name
/// `Store::bulk_persons` writes now), for tests that migrate rows stored before a migration.
pub async fn persons_before_0024(store: &Store, rows: &[PersonRow]) {
    for r in rows {
        let birth = r.birth_date.map_or("NULL".to_string(), |d| {
            format!("'{}'", d.format("%Y-%m-%d"))
        });
        store::testing::execute(
            store,
            &format!(
                "INSERT INTO persons (id, full_name, birth_date, sex, structure, unit_code,
                                      unit_path, synthetic, created_at_s, updated_at_s)
                 VALUES ({}, '{}', {birth}, '{}', '{}', '{}', '{}', 1, {NOW}, {NOW})",
                r.id,
                r.full_name.replace('\'', "''"),
                r.sex.as_str(),
                r.unit.structure.as_str(),
                r.unit.code.as_str(),
                r.unit.path.as_str()
            ),
        )
        .await;
    }
}

pub fn persons(
    n: i64,
    unit: impl Fn(i64) -> UnitRef,
    birth: impl Fn(i64) -> Option<chrono::NaiveDate>,
) -> Vec<PersonRow> {
    (1..=n)
        .map(|i| PersonRow {
            id: i,
            full_name: format!("Người {i}"),
            national_id: None,
            phone: None,
            birth_date: birth(i),
            sex: Sex::Unknown,
            unit: unit(i),
            household_id: None,
            synthetic: true,
        })
        .collect()
}
