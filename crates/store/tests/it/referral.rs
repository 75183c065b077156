//! Migration 0039 (issue #17, referrals): contacts recorded before it keep every column,
//! and the tallies their triggers keep, through SQLite's rebuild of the table; a contact
//! with no local case must name the locality that referred it.

use domain::epi::{CaseStatus, Severity};
use domain::followup::FollowUpStatus;
use domain::{CaseId, PersonId, Role, Structure};
use store::{CaseRow, PageRequest};

use crate::{caller, persons, unit, NOW};

async fn contacts_recorded_before_0039_are_kept(db: store::testing::TestDb) {
    let store = &db.store;
    let u = unit(store, "00001").await;
    store
        .bulk_persons(&persons(3, |_| u.clone(), |_| None), NOW)
        .await
        .unwrap();
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 1,
                unit: u.clone(),
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: NOW - 86_400,
                confirmed_at_s: NOW - 3_600,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }],
            NOW,
        )
        .await
        .unwrap();
    for (person, follow) in [(2, "in_quarantine"), (3, "released")] {
        store::testing::execute(
            store,
            &format!(
                "INSERT INTO contacts (case_id, person_id, degree, via_person_id, first_exposure_s,
                     exposure_s, reasons, status, quarantine_from_s, quarantine_until_s,
                     follow_up_until_s, test_days, policy, structure, unit_code, unit_path,
                     created_at_s, follow_status)
                 VALUES (1, {person}, 1, 1, {from}, 900, '[]', 'quarantine', {from}, {until},
                     {until}, '1,7', '5599/BYT-MT', '2021', '{code}', '{path}', {NOW}, '{follow}')",
                from = NOW - 86_400,
                until = NOW + 6 * 86_400,
                code = u.code.as_str(),
                path = u.path.as_str(),
            ),
        )
        .await;
    }
    let tallies = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM follow_tallies";
    let ends = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM quarantine_ends";
    let (t0, e0) = (
        store::testing::scalar(store, tallies).await,
        store::testing::scalar(store, ends).await,
    );
    assert_eq!((t0, e0), (2, 1));

    let report = store.migrate().await.unwrap();
    assert!(report.applied.iter().any(|m| m == "0039_referrals"));
    assert_eq!(store::testing::scalar(store, tallies).await, t0);
    assert_eq!(store::testing::scalar(store, ends).await, e0);
    let admin = caller(store, "admin", Role::Administrator, &["VN"]).await;
    let listed = store
        .list_contacts(
            &admin,
            Structure::S2021,
            None,
            None,
            &PageRequest::first(10),
            NOW,
        )
        .await
        .unwrap()
        .items;
    let got: Vec<_> = listed
        .iter()
        .map(|c| {
            (
                c.case_id,
                c.person_id,
                c.via_person_id,
                c.follow_status,
                c.referred_from.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                Some(CaseId(1)),
                PersonId(2),
                Some(PersonId(1)),
                FollowUpStatus::InQuarantine,
                None
            ),
            (
                Some(CaseId(1)),
                PersonId(3),
                Some(PersonId(1)),
                FollowUpStatus::Released,
                None
            ),
        ]
    );
    // The triggers came back: a new contact is counted.
    store::testing::execute(
        store,
        &format!(
            "INSERT INTO contacts (person_id, degree, first_exposure_s, exposure_s, reasons,
                 status, test_days, policy, structure, unit_code, unit_path, created_at_s,
                 referred_from, remote_ref)
             VALUES (2, 1, {NOW}, 900, '[]', 'monitor', '', '', '2021', '{code}', '{path}',
                 {NOW}, '79', 'contact:79:1')",
            code = u.code.as_str(),
            path = u.path.as_str(),
        ),
    )
    .await;
    assert_eq!(store::testing::scalar(store, tallies).await, t0 + 1);
    // No case here and no locality it came from: refused.
    let orphan = store::testing::try_execute(
        store,
        &format!(
            "INSERT INTO contacts (person_id, degree, first_exposure_s, exposure_s, reasons,
                 status, test_days, policy, structure, unit_code, unit_path, created_at_s)
             VALUES (3, 1, {NOW}, 900, '[]', 'monitor', '', '', '2021', '{code}', '{path}', {NOW})",
            code = u.code.as_str(),
            path = u.path.as_str(),
        ),
    )
    .await;
    assert!(orphan.is_err(), "{orphan:?}");
}

store::through_migration!(migration_0039, 38, contacts_recorded_before_0039_are_kept);
