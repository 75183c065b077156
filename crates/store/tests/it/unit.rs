//! A unit of work (`Store::begin_unit`): everything written through its Store, by methods
//! with transactions of their own or without, is kept together or not at all.

use domain::{Role, Structure, UnitCode};
use store::{both_databases, NewUser, Store, UserUnit};

use crate::NOW;

fn account(username: &str) -> NewUser {
    NewUser {
        username: username.into(),
        password_hash: "x".into(),
        role: Role::Command,
        units: vec![UserUnit {
            structure: Structure::S2021,
            code: UnitCode::parse("001").unwrap(),
        }],
    }
}

async fn users(store: &Store) -> i64 {
    store::testing::scalar(store, "SELECT COUNT(*) FROM users").await
}

async fn a_unit_is_kept_whole_or_not_at_all(store: Store) {
    let before = users(&store).await;
    // Dropped by rollback: its account (written in a transaction of the method's own, a
    // savepoint here) and its meta row (a plain statement) are gone.
    let unit = store.begin_unit().await.unwrap();
    unit.store().create_user(&account("a"), NOW).await.unwrap();
    unit.store().set_meta("unit_test", "a").await.unwrap();
    // The unit reads what it wrote; a refusal inside it leaves it usable.
    assert_eq!(users(unit.store()).await, before + 1);
    assert!(unit.store().create_user(&account("a"), NOW).await.is_err());
    unit.store().create_user(&account("b"), NOW).await.unwrap();
    unit.rollback().await.unwrap();
    assert_eq!(users(&store).await, before);
    store.create_user(&account("b"), NOW).await.unwrap();
    assert_eq!(store.meta("unit_test").await.unwrap(), None);

    let unit = store.begin_unit().await.unwrap();
    unit.store().create_user(&account("c"), NOW).await.unwrap();
    unit.store().set_meta("unit_test", "c").await.unwrap();
    unit.commit().await.unwrap();
    assert_eq!(users(&store).await, before + 2);
    assert_eq!(store.meta("unit_test").await.unwrap().as_deref(), Some("c"));

    // Dropped without a word (a request given up): nothing kept either.
    {
        let unit = store.begin_unit().await.unwrap();
        unit.store().create_user(&account("d"), NOW).await.unwrap();
    }
    assert_eq!(users(&store).await, before + 2);
}

/// The installation's id (FHIR's systems of our record ids) is made once and kept.
async fn the_installation_id_is_made_once(store: Store) {
    let id = store.installation_id().await.unwrap();
    assert_eq!(id.len(), 16, "{id}");
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(store.installation_id().await.unwrap(), id);
    assert_eq!(store.meta("installation_id").await.unwrap(), Some(id));
}

both_databases!(
    a_unit_is_kept_whole_or_not_at_all,
    the_installation_id_is_made_once
);
