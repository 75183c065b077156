//! Planned capacity (migration 0027): entries recorded in the caller's scope with their audit
//! row, listed by scope, the plan in force at a date (the latest entry per unit and bed type
//! on or before it), and the database's own refusals.

use chrono::NaiveDate;
use domain::facility::BedType;
use domain::{Reason, Role, Scope, Structure, UnitCode};
use store::testing::try_execute;
use store::{both_databases, NewPlanEntry, PageRequest, PlannedBeds, Store, StoreError};

use crate::{caller, NOW};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn entry(unit: &str, bed_type: BedType, beds: i64, from: &str) -> NewPlanEntry {
    NewPlanEntry {
        structure: Structure::S2021,
        unit_code: UnitCode::parse(unit).unwrap(),
        bed_type,
        beds,
        from: d(from),
        note: Some("Kế hoạch 2021".into()),
    }
}

async fn at(store: &Store, scope: &Scope, on: &str) -> Vec<PlannedBeds> {
    store
        .capacity_plan_in_force(scope, Structure::S2021, d(on))
        .await
        .unwrap()
}

async fn plan_in_force_is_the_latest_entry_per_unit_and_type(store: Store) {
    let hanoi = caller(&store, "hanoi", Role::Command, &["01"]).await;
    let ba_dinh = caller(&store, "badinh", Role::Command, &["001"]).await;
    // Hà Nội's 2021 plan, revised once, and a district's own beds.
    let first = store
        .add_capacity_plan(
            &hanoi,
            &entry("01", BedType::F0Tier1, 20_000, "2021-08-01"),
            NOW,
        )
        .await
        .unwrap();
    store
        .add_capacity_plan(
            &hanoi,
            &entry("01", BedType::F0Tier1, 30_000, "2021-09-01"),
            NOW,
        )
        .await
        .unwrap();
    store
        .add_capacity_plan(
            &hanoi,
            &entry("01", BedType::Quarantine, 70_000, "2021-09-01"),
            NOW,
        )
        .await
        .unwrap();
    store
        .add_capacity_plan(
            &ba_dinh,
            &entry("001", BedType::F0Tier1, 500, "2021-08-15"),
            NOW,
        )
        .await
        .unwrap();

    let all = store
        .capacity_plan(&hanoi.scope, Structure::S2021)
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].id, first);
    assert_eq!(all[0].created_by.as_deref(), Some("hanoi"));
    assert_eq!(all[0].note.as_deref(), Some("Kế hoạch 2021"));
    assert_eq!(at(&store, &hanoi.scope, "2021-07-31").await, vec![]);
    let f0 = |beds| PlannedBeds {
        bed_type: BedType::F0Tier1,
        beds,
    };
    assert_eq!(
        at(&store, &hanoi.scope, "2021-08-20").await,
        vec![f0(20_500)]
    );
    let q = PlannedBeds {
        bed_type: BedType::Quarantine,
        beds: 70_000,
    };
    assert_eq!(
        at(&store, &hanoi.scope, "2021-09-01").await,
        vec![q, f0(30_500)]
    );

    // The district sees its own entry only: the city's plan lies above its jurisdiction.
    let seen = store
        .capacity_plan_in_force(&ba_dinh.scope, Structure::S2021, d("2021-09-01"))
        .await
        .unwrap();
    assert_eq!(seen, vec![f0(500)]);

    // Each entry was audited with the write.
    let audit = store
        .list_audit(
            &store::Caller::system("test"),
            None,
            &PageRequest::first(100),
        )
        .await
        .unwrap();
    let planned = audit
        .items
        .iter()
        .filter(|a| a.entity == "capacity_plan" && a.action == "create")
        .count();
    assert_eq!(planned, 4);
}

async fn a_unit_outside_the_scope_or_a_bad_count_is_refused(store: Store) {
    let ba_dinh = caller(&store, "badinh", Role::Command, &["001"]).await;
    // Hoàn Kiếm (002) is not Ba Đình's: refused as not found, nothing written.
    let e = store
        .add_capacity_plan(
            &ba_dinh,
            &entry("002", BedType::F0Tier1, 100, "2021-08-01"),
            NOW,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(f) if f[0].field == "unit" && f[0].reason == Reason::NotFound),
        "{e:?}"
    );
    for beds in [0, -1, store::PLANNED_BEDS_MAX + 1] {
        let e = store
            .add_capacity_plan(
                &ba_dinh,
                &entry("001", BedType::F0Tier1, beds, "2021-08-01"),
                NOW,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(f) if f[0].field == "beds"),
            "{e:?}"
        );
    }
    let everything = store::Caller::system("test");
    assert!(store
        .capacity_plan(&everything.scope, Structure::S2021)
        .await
        .unwrap()
        .is_empty());
    // The database itself refuses a bed type no enum has, and a count of none.
    for bad in [
        "INSERT INTO capacity_plans (structure, unit_code, unit_path, bed_type, beds, from_date, created_at_s)
         VALUES ('2021', '001', '/01/001/', 'sofa', 1, '2021-08-01', 0)",
        "INSERT INTO capacity_plans (structure, unit_code, unit_path, bed_type, beds, from_date, created_at_s)
         VALUES ('2021', '001', '/01/001/', 'icu', 0, '2021-08-01', 0)",
    ] {
        assert!(try_execute(&store, bad).await.is_err(), "{bad}");
    }
}

both_databases!(
    plan_in_force_is_the_latest_entry_per_unit_and_type,
    a_unit_outside_the_scope_or_a_bad_count_is_refused,
);
