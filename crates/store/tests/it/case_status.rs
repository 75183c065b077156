//! A case's status changes by the rules of `domain::epi` under a row lock: racing changes
//! apply one after another, a refused one writes nothing, and the case's status is always the
//! last line of its history.

use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{CaseId, Role};
use store::aid::Refusal;
use store::{both_databases, CaseRow, PersonRow, StatusUpdate, Store, StoreError};

use crate::{caller, unit, NOW};

const CONFIRMED: i64 = NOW - 86_400;

async fn one_case(store: &Store) -> CaseId {
    let u = unit(store, "00001").await;
    store
        .bulk_persons(
            &[PersonRow {
                id: 1,
                full_name: "Người 1".into(),
                national_id: None,
                phone: None,
                birth_date: None,
                sex: Sex::Unknown,
                unit: u.clone(),
                household_id: None,
                synthetic: true,
            }],
            NOW,
        )
        .await
        .unwrap();
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 1,
                unit: u,
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: Some(CONFIRMED - 3_600),
                first_sample_s: CONFIRMED - 7_200,
                confirmed_at_s: CONFIRMED,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }],
            NOW,
        )
        .await
        .unwrap();
    CaseId(1)
}

fn change(status: CaseStatus, severity: Severity, at_s: i64) -> StatusUpdate {
    StatusUpdate {
        status,
        severity,
        isolation_s: None,
        note: None,
        at_s,
    }
}

async fn status_and_history(
    store: &Store,
    admin: &store::Caller,
    id: CaseId,
) -> (CaseStatus, Severity, CaseStatus, Severity, usize) {
    let d = store.get_case(admin, id, NOW).await.unwrap().unwrap();
    let last = d.history.last().expect("a history line");
    (
        d.case.status,
        d.case.severity,
        last.status,
        last.severity,
        d.history.len(),
    )
}

async fn died_is_final_and_changes_are_never_dated_back(store: Store) {
    let id = one_case(&store).await;
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    // Before the case's confirmation: refused, nothing written.
    let early = store
        .update_case_status(
            &admin,
            id,
            &change(CaseStatus::Active, Severity::Severe, CONFIRMED - 1),
            NOW,
        )
        .await;
    assert!(
        matches!(
            early,
            Err(StoreError::Refused(Refusal::CaseStatusTime {
                not_before_s: CONFIRMED
            }))
        ),
        "{early:?}"
    );
    assert!(store
        .update_case_status(
            &admin,
            id,
            &change(CaseStatus::Active, Severity::Severe, CONFIRMED + 10),
            NOW
        )
        .await
        .unwrap());
    // Before the last change: refused.
    let back = store
        .update_case_status(
            &admin,
            id,
            &change(CaseStatus::Died, Severity::Critical, CONFIRMED + 9),
            NOW,
        )
        .await;
    assert!(
        matches!(
            back,
            Err(StoreError::Refused(Refusal::CaseStatusTime { not_before_s }))
                if not_before_s == CONFIRMED + 10
        ),
        "{back:?}"
    );
    assert!(store
        .update_case_status(
            &admin,
            id,
            &change(CaseStatus::Died, Severity::Critical, CONFIRMED + 20),
            NOW
        )
        .await
        .unwrap());
    for to in CaseStatus::ALL {
        let r = store
            .update_case_status(&admin, id, &change(*to, Severity::Mild, NOW), NOW)
            .await;
        assert!(
            matches!(r, Err(StoreError::Refused(Refusal::CaseStatus))),
            "died → {to:?}: {r:?}"
        );
    }
    let (status, severity, last_status, last_severity, lines) =
        status_and_history(&store, &admin, id).await;
    assert_eq!((status, severity), (CaseStatus::Died, Severity::Critical));
    assert_eq!((last_status, last_severity), (status, severity));
    // The case's first line, and the two changes applied.
    assert_eq!(lines, 3);
}

/// 20 changes at once, dated in a scrambled order, some of them outcomes: each either applies
/// or is refused whole, and the status is the history's last line.
async fn racing_status_changes_agree_with_the_history(store: Store) {
    let id = one_case(&store).await;
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let severities = [Severity::Mild, Severity::Moderate, Severity::Severe];
    let tasks: Vec<_> = (0..20_i64)
        .map(|i| {
            let (store, admin) = (store.clone(), admin.clone());
            // Times 0..20 minutes after confirmation in a scrambled order; two outcomes.
            let at = CONFIRMED + 60 * ((i * 7) % 20);
            let status = match i {
                13 => CaseStatus::Recovered,
                17 => CaseStatus::Died,
                _ => CaseStatus::Active,
            };
            let severity = severities[(i % 3) as usize];
            tokio::spawn(async move {
                store
                    .update_case_status(&admin, id, &change(status, severity, at), NOW)
                    .await
            })
        })
        .collect();
    let mut applied = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(true) => applied += 1,
            Err(StoreError::Refused(_)) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(applied >= 1);
    let (status, severity, last_status, last_severity, lines) =
        status_and_history(&store, &admin, id).await;
    assert_eq!((status, severity), (last_status, last_severity));
    assert_eq!(lines, applied + 1, "the first line and each change applied");
    // The history, read in time order, is also the order the changes were applied in: an
    // outcome, if any, is its last line.
    let d = store.get_case(&admin, id, NOW).await.unwrap().unwrap();
    let outcomes = d
        .history
        .iter()
        .filter(|h| h.status != CaseStatus::Active)
        .count();
    assert!(outcomes <= 1);
    if outcomes == 1 {
        assert_ne!(last_status, CaseStatus::Active);
    }
}

both_databases!(
    died_is_final_and_changes_are_never_dated_back,
    racing_status_changes_agree_with_the_history
);
