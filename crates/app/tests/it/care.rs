//! Care: admitting to the bed a case's severity calls for, transferring, discharging.

use app::care::{AdmitInput, CareError, DischargeInput, TransferInput};
use domain::facility::{BedType, FacilityKind};
use domain::{Reason, Structure, UnitCode};
use store::{both_databases, Caller, NewFacility, Store, StoreError};

use crate::{app_at_now, seed};

async fn facility(app: &app::App, name: &str, beds: Vec<(BedType, i64)>) -> domain::FacilityId {
    app.store
        .create_facility(
            &Caller::system("test"),
            &NewFacility {
                name: name.into(),
                kind: FacilityKind::F0Isolation,
                structure: Structure::S2021,
                unit_code: UnitCode::parse("00001").unwrap(),
                address: None,
                beds,
            },
            crate::NOW,
        )
        .await
        .unwrap()
}

/// A mild case is given a tier-1 bed unless one is named; a full bed type refuses and writes
/// nothing; a transfer moves the patient and ends the first stay; a discharge cannot pose as
/// a transfer; every bad field is named at once.
async fn admit_transfer_discharge(store: Store) {
    seed(&store, 1).await;
    let app = app_at_now(store);
    let system = Caller::system("test");
    let a = facility(&app, "Khu thu dung 1", vec![(BedType::F0Tier1, 1)]).await;
    let b = facility(&app, "Bệnh viện dã chiến", vec![(BedType::Oxygen, 5)]).await;

    let bad = AdmitInput {
        bed_type: Some("sofa".into()),
        at: Some("yesterday".into()),
        ..AdmitInput::default()
    };
    let Err(CareError::Invalid(fields)) = app.admit(&system, Some(a), &bad).await else {
        panic!("a request naming no one is refused");
    };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, vec!["case_id", "bed_type", "at"], "{fields:?}");

    let case = AdmitInput {
        case_id: Some(1),
        ..AdmitInput::default()
    };
    let first = app.admit(&system, Some(a), &case).await.unwrap().unwrap();
    assert_eq!(first.bed, Some(BedType::F0Tier1), "a mild case's bed");
    // Already in care: the store refuses, nothing written.
    assert!(matches!(
        app.admit(&system, Some(a), &case).await,
        Err(CareError::Store(
            StoreError::Conflict(_) | StoreError::Duplicate { .. }
        ))
    ));
    let as_transfer = DischargeInput {
        reason: Some("transferred".into()),
        ..DischargeInput::default()
    };
    let Err(CareError::Invalid(fields)) = app.discharge(&system, first.stay, &as_transfer).await
    else {
        panic!("a transfer is its own command");
    };
    assert_eq!(fields[0].reason, Reason::UnknownValue);

    let moved = app
        .transfer(
            &system,
            first.stay,
            &TransferInput {
                facility_id: Some(b.get()),
                bed_type: Some("oxygen".into()),
                ..TransferInput::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_ne!(moved.stay, first.stay);
    // The first stay has ended; the new one can be discharged once.
    let recovered = DischargeInput {
        reason: Some("recovered".into()),
        ..DischargeInput::default()
    };
    let ended = |r: Result<bool, CareError>| matches!(r, Err(CareError::Store(StoreError::Invalid(f))) if f[0].field == "stay");
    assert!(ended(app.discharge(&system, first.stay, &recovered).await));
    assert!(app
        .discharge(&system, moved.stay, &recovered)
        .await
        .unwrap());
    assert!(ended(app.discharge(&system, moved.stay, &recovered).await));
}

both_databases!(admit_transfer_discharge);
