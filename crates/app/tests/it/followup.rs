//! F1/F2 follow-up day by day (issue #15, item 3): the work lists, a call or visit, a test
//! result, release; on both databases.

use domain::contact::ContactStatus;
use domain::followup::FollowUpStatus;
use domain::{CaseId, Reason, Role, Structure};
use store::{both_databases, Caller, ContactRow, PageRequest, Store, StoreError, WorkList};

use crate::{app_at_now, national, seed, DAY, NOW};

/// An F1 of case 1 recorded `recorded_days_ago`, its quarantine from `from` to `until`,
/// follow-up to `follow_up`.
fn f1(person: i64, from: i64, until: i64, follow_up: i64) -> ContactRow {
    ContactRow {
        person_id: person,
        degree: 1,
        via_person_id: 1,
        first_exposure_s: from - DAY,
        exposure_s: 900,
        reasons: Vec::new(),
        status: ContactStatus::Quarantine,
        quarantine_from_s: Some(from),
        quarantine_until_s: Some(until),
        follow_up_until_s: Some(follow_up),
        test_days: "1,7".into(),
        policy: "test".into(),
    }
}

async fn record(app: &app::App, caller: &Caller, rows: &[ContactRow], at: i64) {
    let ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    let homes = app.store.residences(&ids).await.unwrap();
    app.store
        .persist_contacts(caller, CaseId(1), rows, &homes, at)
        .await
        .unwrap();
}

/// The contact ids of a work list, by person.
async fn persons_on(app: &app::App, caller: &Caller, list: WorkList) -> Vec<i64> {
    let page = PageRequest {
        limit: 100,
        after: None,
    };
    app.work_list(caller, Structure::S2021, list, false, &page)
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.person_id.0)
        .collect()
}

async fn contact_of(app: &app::App, caller: &Caller, person: i64) -> store::StoredContact {
    let page = PageRequest {
        limit: 100,
        after: None,
    };
    app.work_list(caller, Structure::S2021, WorkList::All, false, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.person_id.0 == person)
        .unwrap()
}

fn reached(day: Option<&str>) -> app::followup::FollowUpInput {
    app::followup::FollowUpInput {
        day: day.map(str::to_string),
        reached: Some(true),
        symptoms: Some(false),
        temperature: Some(36.8),
        note: Some("gọi điện".into()),
    }
}

async fn a_contact_due_today_leaves_the_list_once_reached(store: Store) {
    seed(&store, 5).await;
    let app = app_at_now(store);
    let tracer = national(&app, "tracer", Role::Tracer).await;
    // Person 2: quarantine day 3 today (no test due); person 3: day 7 (a test is due);
    // person 4: monitored without quarantine (no quarantine day, so no test day either).
    let monitored = ContactRow {
        status: ContactStatus::Monitor,
        quarantine_from_s: None,
        quarantine_until_s: None,
        test_days: String::new(),
        ..f1(4, NOW - 2 * DAY, NOW - 2 * DAY, NOW + 12 * DAY)
    };
    record(
        &app,
        &tracer,
        &[
            f1(2, NOW - 2 * DAY, NOW + 5 * DAY, NOW + 12 * DAY),
            f1(3, NOW - 6 * DAY, NOW + DAY, NOW + 8 * DAY),
            monitored,
        ],
        NOW - 2 * DAY,
    )
    .await;
    assert_eq!(
        persons_on(&app, &tracer, WorkList::DueToday).await,
        [2, 3, 4]
    );
    let c4 = contact_of(&app, &tracer, 4).await;
    app.record_follow_up(&tracer, c4.id, &reached(None))
        .await
        .unwrap()
        .unwrap();
    let c2 = contact_of(&app, &tracer, 2).await;
    assert_eq!(c2.follow_status, FollowUpStatus::ToReach);

    let done = app
        .record_follow_up(&tracer, c2.id, &reached(None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, FollowUpStatus::InQuarantine);
    let c3 = contact_of(&app, &tracer, 3).await;
    app.record_follow_up(&tracer, c3.id, &reached(None))
        .await
        .unwrap()
        .unwrap();
    // Person 2 is done for today; person 3 still has its day-7 test due.
    assert_eq!(persons_on(&app, &tracer, WorkList::DueToday).await, [3]);
    let negative = app::followup::ContactTestInput {
        day: None,
        kind: Some("pcr".into()),
        result: Some("negative".into()),
        severity: None,
    };
    let t = app
        .record_contact_test(&tracer, c3.id, &negative)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((t.status, t.case_id), (FollowUpStatus::InQuarantine, None));
    assert!(persons_on(&app, &tracer, WorkList::DueToday)
        .await
        .is_empty());
    let history = app.store.follow_ups_of(c2.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].temperature_c, Some(36.8));
}

async fn a_contact_not_reached_yesterday_is_missed(store: Store) {
    seed(&store, 5).await;
    let app = app_at_now(store);
    let tracer = national(&app, "tracer", Role::Tracer).await;
    record(
        &app,
        &tracer,
        &[
            f1(2, NOW - 3 * DAY, NOW + 5 * DAY, NOW + 12 * DAY),
            f1(3, NOW - 3 * DAY, NOW + 5 * DAY, NOW + 12 * DAY),
        ],
        NOW - 3 * DAY,
    )
    .await;
    // Recorded today: not missed yesterday.
    record(
        &app,
        &tracer,
        &[f1(4, NOW, NOW + 7 * DAY, NOW + 14 * DAY)],
        NOW,
    )
    .await;
    assert_eq!(persons_on(&app, &tracer, WorkList::Missed).await, [2, 3]);
    let yesterday = (app.today() - chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    let c2 = contact_of(&app, &tracer, 2).await;
    app.record_follow_up(&tracer, c2.id, &reached(Some(&yesterday)))
        .await
        .unwrap()
        .unwrap();
    // A call that did not reach person 3 leaves it missed.
    let c3 = contact_of(&app, &tracer, 3).await;
    let unanswered = app::followup::FollowUpInput {
        reached: Some(false),
        day: Some(yesterday.clone()),
        ..Default::default()
    };
    let s = app
        .record_follow_up(&tracer, c3.id, &unanswered)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.status, FollowUpStatus::ToReach);
    assert_eq!(persons_on(&app, &tracer, WorkList::Missed).await, [3]);
}

async fn a_positive_test_makes_a_case_linked_to_its_source(store: Store) {
    seed(&store, 5).await;
    let app = app_at_now(store);
    let tracer = national(&app, "tracer", Role::Tracer).await;
    record(
        &app,
        &tracer,
        &[f1(3, NOW - 2 * DAY, NOW + 5 * DAY, NOW + 12 * DAY)],
        NOW - 2 * DAY,
    )
    .await;
    let c3 = contact_of(&app, &tracer, 3).await;
    let positive = app::followup::ContactTestInput {
        day: None,
        kind: Some("antigen".into()),
        result: Some("positive".into()),
        severity: Some("mild".into()),
    };
    let t = app
        .record_contact_test(&tracer, c3.id, &positive)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.status, FollowUpStatus::BecameCase);
    let new_case = t.case_id.unwrap();
    assert_ne!(new_case, CaseId(1));
    let c3 = contact_of(&app, &tracer, 3).await;
    assert_eq!(c3.follow_status, FollowUpStatus::BecameCase);
    // The link: the contact names its source case and the case it became.
    assert_eq!(
        (c3.case_id, c3.became_case_id),
        (Some(CaseId(1)), Some(new_case))
    );
    let case = app
        .store
        .get_case(&tracer, new_case, app.now_s())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.case.person_id.0, 3);
    // No longer followed: off the lists, and a second positive is refused.
    assert!(persons_on(&app, &tracer, WorkList::DueToday)
        .await
        .is_empty());
    let again = app.record_contact_test(&tracer, c3.id, &positive).await;
    assert!(
        matches!(&again, Err(app::followup::FollowUpError::Store(StoreError::Conflict(f))) if f[0].field == "status"),
        "{again:?}"
    );
}

async fn release_waits_for_the_end_of_follow_up(store: Store) {
    seed(&store, 5).await;
    let app = app_at_now(store);
    let tracer = national(&app, "tracer", Role::Tracer).await;
    record(
        &app,
        &tracer,
        &[
            f1(2, NOW - 2 * DAY, NOW + 5 * DAY, NOW + 12 * DAY),
            // Follow-up ends at 11:00 today.
            f1(4, NOW - 14 * DAY, NOW - 7 * DAY, NOW + 3600),
        ],
        NOW - 2 * DAY,
    )
    .await;
    let c2 = contact_of(&app, &tracer, 2).await;
    app.record_follow_up(&tracer, c2.id, &reached(None))
        .await
        .unwrap()
        .unwrap();
    let early = app.release_contact(&tracer, c2.id).await;
    assert!(
        matches!(&early, Err(app::followup::FollowUpError::Store(StoreError::Conflict(f))) if f[0].field == "follow_up_until" && f[0].reason == Reason::NotAllowed),
        "{early:?}"
    );
    assert_eq!(
        contact_of(&app, &tracer, 2).await.follow_status,
        FollowUpStatus::InQuarantine
    );
    assert_eq!(persons_on(&app, &tracer, WorkList::EndingToday).await, [4]);
    // Never reached: not released (lost, if anything).
    let c4 = contact_of(&app, &tracer, 4).await;
    let unreached = app.release_contact(&tracer, c4.id).await;
    assert!(
        matches!(&unreached, Err(app::followup::FollowUpError::Store(StoreError::Conflict(f))) if f[0].field == "status"),
        "{unreached:?}"
    );
    let s = app
        .record_follow_up(&tracer, c4.id, &reached(None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.status, FollowUpStatus::Monitoring);
    let r = app.release_contact(&tracer, c4.id).await.unwrap().unwrap();
    assert_eq!(r.status, FollowUpStatus::Released);
    assert!(persons_on(&app, &tracer, WorkList::EndingToday)
        .await
        .is_empty());
}

async fn bad_fields_are_named_and_nothing_is_saved(store: Store) {
    seed(&store, 5).await;
    let app = app_at_now(store);
    let tracer = national(&app, "tracer", Role::Tracer).await;
    record(
        &app,
        &tracer,
        &[f1(2, NOW - 2 * DAY, NOW + 5 * DAY, NOW + 12 * DAY)],
        NOW - 2 * DAY,
    )
    .await;
    let c2 = contact_of(&app, &tracer, 2).await;
    let bad = app::followup::FollowUpInput {
        day: Some("2030-01-01".into()),
        reached: None,
        temperature: Some(365.0),
        ..Default::default()
    };
    let Err(app::followup::FollowUpError::Invalid(fields)) =
        app.record_follow_up(&tracer, c2.id, &bad).await
    else {
        panic!("refused");
    };
    let mut named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    named.sort();
    assert_eq!(named, ["day", "reached", "temperature"]);
    let bad_test = app::followup::ContactTestInput {
        kind: Some("blood".into()),
        result: Some("maybe".into()),
        ..Default::default()
    };
    let Err(app::followup::FollowUpError::Invalid(fields)) =
        app.record_contact_test(&tracer, c2.id, &bad_test).await
    else {
        panic!("refused");
    };
    assert_eq!(fields.len(), 2);
    assert!(app.store.follow_ups_of(c2.id).await.unwrap().is_empty());
    // Someone else's contact, or none: not found.
    assert!(app
        .record_follow_up(&tracer, 999_999, &reached(None))
        .await
        .unwrap()
        .is_none());
}

both_databases!(
    a_contact_due_today_leaves_the_list_once_reached,
    a_contact_not_reached_yesterday_is_missed,
    a_positive_test_makes_a_case_linked_to_its_source,
    release_waits_for_the_end_of_follow_up,
    bad_fields_are_named_and_nothing_is_saved
);
