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

/// A case is never moved into (or admitted to) an F1 quarantine place, and a transfer names
/// its destination; a discharge as recovered is the case's outcome with its history line,
/// and a discharge the status rules refuse leaves the stay open.
async fn safe_moves_and_outcomes(store: Store) {
    seed(&store, 1).await;
    let app = app_at_now(store);
    let system = Caller::system("test");
    let care = facility(&app, "Khu thu dung 1", vec![(BedType::F0Tier1, 2)]).await;
    let camp = facility(&app, "Khu cách ly F1", vec![(BedType::Quarantine, 9)]).await;
    let into_camp = AdmitInput {
        case_id: Some(1),
        bed_type: Some("quarantine".into()),
        ..AdmitInput::default()
    };
    let Err(CareError::Invalid(fields)) = app.admit(&system, Some(camp), &into_camp).await else {
        panic!("an F0 is not admitted to quarantine");
    };
    assert_eq!(fields[0].field, "bed_type");
    assert_eq!(fields[0].reason, Reason::NotAllowed);
    let first = app
        .admit(
            &system,
            Some(care),
            &AdmitInput {
                case_id: Some(1),
                at: Some("2021-11-20T08:00:00+07:00".into()),
                ..AdmitInput::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    for (to, field) in [
        (TransferInput::default(), "facility_id"),
        (
            TransferInput {
                facility_id: Some(camp.get()),
                bed_type: Some("quarantine".into()),
                ..TransferInput::default()
            },
            "bed_type",
        ),
    ] {
        let Err(CareError::Invalid(fields)) = app.transfer(&system, first.stay, &to).await else {
            panic!("{field} refused");
        };
        assert_eq!(fields[0].field, field, "{fields:?}");
    }
    // A discharge dated before the case's confirmation is refused by the status rules:
    // nothing written, the stay still open.
    let early = DischargeInput {
        reason: Some("recovered".into()),
        at: Some("2021-11-20T08:30:00+07:00".into()),
        ..DischargeInput::default()
    };
    assert!(matches!(
        app.discharge(&system, first.stay, &early).await,
        Err(CareError::Store(StoreError::Refused(_)))
    ));
    let d = app
        .store
        .get_case(&system, domain::CaseId(1), crate::NOW)
        .await;
    assert_eq!(
        d.unwrap().unwrap().case.status,
        domain::epi::CaseStatus::Active
    );
    let recovered = DischargeInput {
        reason: Some("recovered".into()),
        ..DischargeInput::default()
    };
    assert!(app
        .discharge(&system, first.stay, &recovered)
        .await
        .unwrap());
    let d = app
        .store
        .get_case(&system, domain::CaseId(1), crate::NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.case.status, domain::epi::CaseStatus::Recovered);
    // The locality's clock read NOW when the test began and runs on: a slow machine can cross
    // a second boundary before the discharge, so the outcome is at NOW or a few seconds after.
    let outcome = d.case.outcome_at_s.expect("an outcome time");
    assert!(
        (crate::NOW..crate::NOW + 30).contains(&outcome),
        "{outcome}"
    );
    let last = d.history.last().unwrap();
    assert_eq!(
        (last.status, last.at.timestamp()),
        (domain::epi::CaseStatus::Recovered, outcome)
    );
}

both_databases!(safe_moves_and_outcomes);
