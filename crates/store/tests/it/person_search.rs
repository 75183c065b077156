//! The folded name persons are searched by (migration 0024) is kept by every write: filled
//! for the rows already there when migrating, written by registration and bulk loads, and
//! changed by a correction.

use domain::person::{PersonInput, Sex};
use domain::{Role, Structure, UnitCode};
use store::testing::{execute, TestDb};
use store::{
    both_databases, PageRequest, PersonCorrection, PersonQuery, PersonRow, Store, UnitRef,
};

use crate::{caller, NOW};

async fn names(store: &Store, who: &store::Caller, prefix: &str) -> Vec<String> {
    store
        .search_persons(
            who,
            &PersonQuery::Name(prefix.into()),
            &PageRequest::first(100),
            NOW,
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|f| f.person.full_name)
        .collect()
}

async fn folded_names_follow_every_write(store: Store) {
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let new = PersonInput {
        full_name: Some("Nguyễn Văn Kiểm".into()),
        unit: Some("00001".into()),
        ..Default::default()
    }
    .validate(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
    .unwrap();
    let kiem = store.create_person(&admin, &new, NOW).await.unwrap();
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .bulk_persons(
            &[PersonRow {
                id: 1000,
                full_name: "Đặng Thị Hà".into(),
                national_id: None,
                phone: None,
                birth_date: None,
                sex: Sex::Female,
                unit: UnitRef::from(&u),
                household_id: None,
                synthetic: true,
            }],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        names(&store, &admin, "nguyen van k").await,
        ["Nguyễn Văn Kiểm"]
    );
    assert_eq!(names(&store, &admin, "dang thi").await, ["Đặng Thị Hà"]);
    // A prefix ends inside a word too; another name is not found.
    assert_eq!(names(&store, &admin, "nguyen v").await.len(), 1);
    assert!(names(&store, &admin, "nguyen vanx").await.is_empty());

    let fix = PersonCorrection {
        full_name: Some("Lê Văn Kiểm".into()),
        ..Default::default()
    };
    let changed = store
        .correct_person(&admin, kiem.id, &fix, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed, ["full_name"]);
    assert!(names(&store, &admin, "nguyen").await.is_empty());
    assert_eq!(names(&store, &admin, "le van kiem").await, ["Lê Văn Kiểm"]);
    let record = store
        .person_record(&admin, kiem.id, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.corrections.len(), 1);
    assert_eq!(
        record.corrections[0].old_value.as_deref(),
        Some("Nguyễn Văn Kiểm")
    );
}

both_databases!(folded_names_follow_every_write);

/// Persons stored before migration 0024 are found by their folded names after it.
async fn the_migration_folds_the_names_already_there(db: TestDb) {
    let store = &db.store;
    execute(
        store,
        "INSERT INTO persons (id, full_name, sex, structure, unit_code, unit_path, created_at_s, updated_at_s)
         VALUES (7, 'Phạm Thị Thu Hương', 'female', '2021', '00001', '/01/001/00001/', 0, 0)",
    )
    .await;
    store.migrate().await.unwrap();
    let admin = caller(store, "admin", Role::Administrator, &["VN"]).await;
    assert_eq!(
        names(store, &admin, "pham thi thu huong").await,
        ["Phạm Thị Thu Hương"]
    );
}

mod migration_0024 {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let db = store::testing::sqlite_through(23).await;
        super::the_migration_folds_the_names_already_there(db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(db) = store::testing::postgres_through(23).await else {
            return;
        };
        super::the_migration_folds_the_names_already_there(db).await;
    }
}
