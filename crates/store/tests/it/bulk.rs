use chrono::NaiveDate;
use domain::epi::{CaseStatus, ScanMode, Severity, TestKind, VenueKind};
use domain::person::{PersonInput, Sex};
use domain::{Role, Structure, UnitCode};
use store::{
    both_databases, CaseRow, CheckinRow, DoseRow, HouseholdRow, PersonRow, Store, TestRow, UnitRef,
    VenueRow,
};

use crate::{caller, NOW};

async fn phuc_xa(store: &Store) -> UnitRef {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    UnitRef::from(&u)
}

async fn bulk_rows_are_written_and_ids_continue(store: Store) {
    let unit = phuc_xa(&store).await;
    store
        .bulk_households(
            &[HouseholdRow {
                id: 1,
                unit: unit.clone(),
                address: Some("Số 1".into()),
                synthetic: true,
            }],
            NOW,
        )
        .await
        .unwrap();
    let persons: Vec<PersonRow> = (1..=3)
        .map(|i| PersonRow {
            id: i,
            full_name: format!("Người {i}"),
            national_id: Some(format!("00109000000{i}")),
            phone: None,
            birth_date: Some(NaiveDate::from_ymd_opt(1980, 1, i as u32).unwrap()),
            sex: Sex::Female,
            unit: unit.clone(),
            household_id: Some(1),
            synthetic: true,
        })
        .collect();
    assert_eq!(store.bulk_persons(&persons, NOW).await.unwrap(), 3);
    store
        .bulk_venues(
            &[VenueRow {
                id: 1,
                name: "Chợ Phúc Xá".into(),
                kind: VenueKind::Market,
                unit: unit.clone(),
                address: None,
                capacity: Some(300),
                open_min: 300,
                close_min: 1140,
                qr_payload: "CDV1:V:0:x".into(),
                synthetic: true,
            }],
            NOW,
        )
        .await
        .unwrap();
    let checkins: Vec<CheckinRow> = (1..=3)
        .map(|p| CheckinRow {
            client_id: None,
            person_id: p,
            venue_id: 1,
            t_in_s: NOW + p * 60,
            t_out_s: NOW + 3600,
            t_out_default: false,
            mode: ScanMode::SelfScan,
        })
        .collect();
    assert_eq!(store.bulk_checkins(&checkins, NOW).await.unwrap(), 3);
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 2,
                unit: unit.clone(),
                status: CaseStatus::Recovered,
                severity: Severity::Mild,
                onset_s: Some(NOW),
                first_sample_s: NOW + 10,
                confirmed_at_s: NOW + 20,
                isolation_s: Some(NOW + 20),
                community: true,
                outcome_at_s: Some(NOW + 86_400 * 10),
            }],
            NOW,
        )
        .await
        .unwrap();
    store
        .bulk_tests(&[TestRow {
            person_id: 2,
            case_id: Some(1),
            kind: TestKind::Pcr,
            sample_s: NOW + 10,
            result_s: NOW + 20,
            positive: true,
            ct: Some(22.5),
        }])
        .await
        .unwrap();
    store
        .bulk_doses(
            &[DoseRow {
                person_id: 1,
                dose_no: 1,
                product: "AstraZeneca".into(),
                given_on: NaiveDate::from_ymd_opt(2021, 8, 1).unwrap(),
                structure: Structure::S2021,
                unit_code: unit.code.clone(),
            }],
            NOW,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
    let counts = store.record_counts().await.unwrap();
    assert_eq!(
        counts,
        vec![
            ("households", 1),
            ("persons", 3),
            ("venues", 1),
            ("checkins", 3),
            ("cases", 1),
            ("tests", 1),
            ("vaccinations", 1)
        ]
    );
    // A person registered afterwards gets the next id, on PostgreSQL too.
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let new = PersonInput {
        full_name: Some("Mới".into()),
        unit: Some("00001".into()),
        ..Default::default()
    }
    .validate(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
    .unwrap();
    let p = store.create_person(&admin, &new, NOW).await.unwrap();
    assert_eq!(p.id.0, 4);
    // The export walks every check-in in id order.
    let mut seen = Vec::new();
    let n = store
        .for_each_visit_page(2, |page| {
            seen.extend(
                page.iter()
                    .map(|v| (v.person_id, v.venue_id, v.t_in_s, v.t_out_s)),
            );
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(seen[0], (1, 1, NOW + 60, NOW + 3600));
    // A duplicate dose number for one person is refused, and nothing of that batch is kept.
    let dup = DoseRow {
        person_id: 1,
        dose_no: 1,
        product: "Pfizer-BioNTech".into(),
        given_on: NaiveDate::from_ymd_opt(2021, 9, 1).unwrap(),
        structure: Structure::S2021,
        unit_code: unit.code.clone(),
    };
    let mut second = dup.clone();
    second.dose_no = 2;
    assert!(store.bulk_doses(&[second, dup], NOW).await.is_err());
    assert_eq!(store.record_counts().await.unwrap()[6], ("vaccinations", 1));
}

async fn meta_values_round_trip(store: Store) {
    assert_eq!(store.meta("clock_as_of_s").await.unwrap(), None);
    store.set_meta("clock_as_of_s", "1").await.unwrap();
    store.set_meta("clock_as_of_s", "2").await.unwrap();
    assert_eq!(
        store.meta("clock_as_of_s").await.unwrap().as_deref(),
        Some("2")
    );
}

/// A case whose outcome precedes its confirmation is refused whole: its history would end
/// before it began, and its status would not be its history's last line.
async fn an_outcome_before_confirmation_is_refused(store: Store) {
    let unit = phuc_xa(&store).await;
    store
        .bulk_persons(
            &[PersonRow {
                id: 1,
                full_name: "Người 1".into(),
                national_id: None,
                phone: None,
                birth_date: None,
                sex: Sex::Unknown,
                unit: unit.clone(),
                household_id: None,
                synthetic: true,
            }],
            NOW,
        )
        .await
        .unwrap();
    let case = CaseRow {
        id: 1,
        person_id: 1,
        unit,
        status: CaseStatus::Recovered,
        severity: Severity::Mild,
        onset_s: None,
        first_sample_s: NOW - 10 * 86_400,
        confirmed_at_s: NOW - 9 * 86_400,
        isolation_s: None,
        community: true,
        outcome_at_s: Some(NOW - 9 * 86_400 - 1),
    };
    let Err(store::StoreError::Invalid(fields)) =
        store.bulk_cases(std::slice::from_ref(&case), NOW).await
    else {
        panic!("refused");
    };
    assert_eq!(fields[0].field, "cases[0].outcome_at_s");
    let ok = CaseRow {
        outcome_at_s: Some(NOW - 2 * 86_400),
        ..case
    };
    assert_eq!(store.bulk_cases(&[ok], NOW).await.unwrap(), 1);
}

both_databases!(
    bulk_rows_are_written_and_ids_continue,
    meta_values_round_trip,
    an_outcome_before_confirmation_is_refused,
);
