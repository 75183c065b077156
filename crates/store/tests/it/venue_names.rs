//! Venues are found by name without diacritics: migration 0026 folds the names already
//! stored, and every insert after it folds its own.

use domain::{Structure, UnitCode};
use store::{PageRequest, VenueFilter};

async fn venues_stored_before_0026_are_found_without_diacritics(db: store::testing::TestDb) {
    let phuc_xa = db
        .store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let path = phuc_xa.path.as_str();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query(&format!(
        "INSERT INTO venues (id, name, kind, structure, unit_code, unit_path, open_min,
                             close_min, qr_payload, created_at_s)
         VALUES (1, 'Phở Thìn Lò Đúc', 'restaurant', '2021', '00001', '{path}', 360, 1320, 'q1', 0),
                (2, 'Chợ Đồng Xuân', 'market', '2021', '00001', '{path}', 300, 1080, 'q2', 0)"
    ))
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let report = db.store.migrate().await.unwrap();
    assert!(report.applied.iter().any(|m| m == "0026_venue_names"));
    let everyone = store::Caller::system("test");
    for (q, want) in [
        ("pho thin", 1),
        ("PHỞ", 1),
        ("cho dong xuan", 2),
        ("lo duc", 1),
    ] {
        let filter = VenueFilter {
            name_contains: Some(q.into()),
            ..VenueFilter::default()
        };
        let found = db
            .store
            .list_venues(
                &everyone.scope,
                Structure::S2021,
                &filter,
                &PageRequest::first(10),
            )
            .await
            .unwrap();
        assert_eq!(
            found.items.iter().map(|v| v.id.0).collect::<Vec<_>>(),
            [want],
            "{q}"
        );
    }
}

store::through_migration!(
    migration_0026,
    25,
    venues_stored_before_0026_are_found_without_diacritics
);
