//! The recent cases kept in memory (`Store::cases_since`) follow every path that writes
//! cases, also when another process writes them (here a second `Store` on the same
//! database, as a CLI import would be).

use domain::epi::{CaseStatus, Severity, TestKind};
use domain::{CaseId, PersonId, Role};
use store::{CaseRow, NewCase, StatusUpdate, Store, TestResult};

use crate::{caller, persons, unit, NOW};

const DAY: i64 = 86_400;

/// (case id, person id, isolation) of the cases confirmed since `since_s`, by id.
async fn kept(store: &Store, since_s: i64) -> Vec<(i64, i64, Option<i64>)> {
    store
        .cases_since(since_s)
        .await
        .unwrap()
        .iter()
        .map(|c| (c.id.0, c.person_id, c.isolation_s))
        .collect()
}

async fn kept_cases_follow_every_write(db: store::testing::TestDb) {
    let here = &db.store;
    let elsewhere = Store::connect(&db.url).await.unwrap();
    let u = unit(here, "00001").await;
    here.bulk_persons(&persons(3, |_| u.clone(), |_| None), NOW)
        .await
        .unwrap();
    let admin = caller(here, "admin", Role::Administrator, &["VN"]).await;
    assert_eq!(kept(here, NOW - 10 * DAY).await, vec![]);

    // A bulk write (an import) made elsewhere.
    elsewhere
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 1,
                unit: u.clone(),
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: NOW - 2 * DAY,
                confirmed_at_s: NOW - 2 * DAY + 3_600,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }],
            NOW,
        )
        .await
        .unwrap();
    elsewhere.sync_id_sequences().await.unwrap();
    assert_eq!(kept(here, NOW - 10 * DAY).await, vec![(1, 1, None)]);
    // A narrower window reads the same copy; an older case is outside it.
    assert_eq!(kept(here, NOW - DAY).await, vec![]);

    // A case registered elsewhere.
    let new = elsewhere
        .create_case(
            &admin,
            &NewCase {
                person_id: PersonId(2),
                severity: Severity::Mild,
                onset_s: None,
                test: TestResult {
                    kind: TestKind::Pcr,
                    sample_s: NOW - 3_600,
                    result_s: NOW - 60,
                    positive: true,
                    ct: Some(20.0),
                },
                isolation_s: None,
                community: false,
            },
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        kept(here, NOW - 10 * DAY).await,
        vec![(1, 1, None), (new.0, 2, None)]
    );

    // Its isolation recorded elsewhere.
    elsewhere
        .update_case_status(
            &admin,
            CaseId(1),
            &StatusUpdate {
                status: CaseStatus::Active,
                severity: Severity::Moderate,
                isolation_s: Some(NOW - DAY),
                note: None,
                at_s: NOW - DAY,
            },
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        kept(here, NOW - 10 * DAY).await,
        vec![(1, 1, Some(NOW - DAY)), (new.0, 2, None)]
    );

    // Person 1 merged into person 3 elsewhere: the case moves with them.
    elsewhere
        .merge_persons(&admin, PersonId(1), PersonId(3), NOW)
        .await
        .unwrap();
    assert_eq!(
        kept(here, NOW - 10 * DAY).await,
        vec![(1, 3, Some(NOW - DAY)), (new.0, 2, None)]
    );
    elsewhere.close().await;
}

mod kept_cases_follow_every_write {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::kept_cases_follow_every_write(store::testing::sqlite().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(db) = store::testing::postgres().await else {
            return;
        };
        super::kept_cases_follow_every_write(db).await;
    }
}
