//! Recording the bed plan (`app::capacity`): every bad field named, a unit outside the
//! caller's jurisdiction refused as not found, and nothing written on a refusal.

use app::capacity::{CapacityError, PlanInput};
use domain::{Reason, Role, Scope, Structure, UnitCode};
use store::{both_databases, Store};

use crate::app_at_now;

fn hanoi_plan() -> PlanInput {
    PlanInput {
        unit: Some("01".into()),
        bed_type: Some("quarantine".into()),
        beds: Some(70_000),
        from: Some("2021-09-01".into()),
        note: Some("Hà Nội, 2021".into()),
    }
}

async fn a_plan_entry_is_checked_scoped_and_recorded(store: Store) {
    let app = app_at_now(store);
    // A district's command centre (Ba Đình) cannot plan for the city.
    let mut ba_dinh = crate::national(&app, "badinh", Role::Command).await;
    let path = app
        .store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("001").unwrap())
        .await
        .unwrap()
        .unwrap()
        .path;
    ba_dinh.scope = Scope::of([(Structure::S2021, path)]);
    match app.add_capacity_plan(&ba_dinh, &hanoi_plan()).await {
        Err(CapacityError::Invalid(f)) => {
            assert_eq!(
                (f[0].field.as_str(), f[0].reason),
                ("unit", Reason::NotFound)
            )
        }
        other => panic!("{other:?}"),
    }
    // Beyond the planning range (more than a year after 2021-11-20), and no beds.
    let bad = PlanInput {
        beds: Some(0),
        from: Some("2022-11-22".into()),
        ..hanoi_plan()
    };
    let city = crate::national(&app, "hanoi", Role::Command).await;
    match app.add_capacity_plan(&city, &bad).await {
        Err(CapacityError::Invalid(f)) => {
            let fields: Vec<_> = f.iter().map(|e| (e.field.as_str(), e.reason)).collect();
            assert_eq!(
                fields,
                [("beds", Reason::OutOfRange), ("from", Reason::OutOfRange)]
            );
        }
        other => panic!("{other:?}"),
    }
    let everything = Scope::everything();
    assert!(app
        .store
        .capacity_plan(&everything, Structure::S2021)
        .await
        .unwrap()
        .is_empty());

    let id = app.add_capacity_plan(&city, &hanoi_plan()).await.unwrap();
    let plan = app
        .store
        .capacity_plan(&everything, Structure::S2021)
        .await
        .unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].id, id);
    assert_eq!(plan[0].beds, 70_000);
    assert_eq!(plan[0].created_by.as_deref(), Some("hanoi"));
}

both_databases!(a_plan_entry_is_checked_scoped_and_recorded);
