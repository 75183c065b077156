//! Check-ins: the times a check-in may have, and a stored check-in traceable at once.

use domain::epi::ScanMode;
use domain::CaseId;
use store::{both_databases, CheckinItem, ItemOutcome, PersonRef, Store, VenueRef};

use crate::{app_at_now, seed, DAY, NOW};

fn visit(id: &str, person: i64, t_in_s: i64, t_out_s: Option<i64>) -> CheckinItem {
    CheckinItem {
        client_id: id.into(),
        person: PersonRef::Id(person),
        venue: VenueRef::Id(1),
        t_in_s,
        t_out_s,
        mode: ScanMode::SelfScan,
    }
}

/// A batch's check-ins are traceable the moment it is answered (the index is kept in step by
/// the use case, not by its caller); a resent item is a duplicate; a check-in without a time
/// out lasts the policy's default stay; tracing twice records the contacts once.
async fn ingested_checkins_are_traced_at_once(store: Store) {
    seed(&store, 4).await;
    let app = app_at_now(store);
    // A device's account (a resent item is recognised per sender); national scope.
    let system = crate::national(&app, "scanner", domain::Role::Tracer).await;
    // As a serving application starts: the index built from the stored data (households).
    app.contacts.rebuild(&app.store).await.unwrap();
    // Person 1 (the case) and person 3 at the market yesterday for an hour; person 4 came
    // two hours after person 1 left, with no scanned exit.
    let t = NOW - DAY;
    let batch = [
        visit("a", 1, t, Some(t + 3600)),
        visit("b", 3, t + 600, Some(t + 3000)),
        visit("c", 4, t + 3 * 3600, None),
    ];
    let done = app.ingest_checkins(&system, &batch, NOW).await.unwrap();
    assert_eq!(done.outcomes, vec![ItemOutcome::Accepted; 3]);
    let stay = app.default_stay_s(t);
    assert_eq!(
        stay,
        60 * 60,
        "the default stay of the tracing rule of 2021 (assumed 60 min)"
    );
    let again = app
        .ingest_checkins(&system, &batch[..1], NOW)
        .await
        .unwrap();
    assert_eq!(again.outcomes, vec![ItemOutcome::Duplicate]);

    let recorded = app::tracing::trace_and_record(&app, &system, CaseId(1))
        .await
        .unwrap();
    // F1: person 2 (household) and person 3 (the market); person 4 came after.
    assert_eq!(recorded.f1, 2, "{recorded:?}");
    assert_eq!(recorded.new_contacts, 2);
    let twice = app::tracing::trace_and_record(&app, &system, CaseId(1))
        .await
        .unwrap();
    assert_eq!(twice.new_contacts, 0, "tracing again adds nothing");
}

/// The window of a check-in's times follows the locality's clock and the retention rule.
async fn the_checkin_window_follows_the_locality_clock(store: Store) {
    let app = app_at_now(store);
    let w = app.checkin_window();
    assert!(w.holds(NOW) && w.holds(NOW - 20 * DAY));
    assert!(
        !w.holds(NOW - 22 * DAY),
        "older than the 21 days of retention"
    );
    assert!(!w.holds(NOW + 3600), "an hour ahead of the clock");
}

both_databases!(
    ingested_checkins_are_traced_at_once,
    the_checkin_window_follows_the_locality_clock,
);
