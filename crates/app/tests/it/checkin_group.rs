//! Single check-ins group-committed (`app::checkin_group`): many concurrent requests, each
//! answered after its row is committed and traceable, stored exactly once; one bad item
//! refuses only itself; callers of different scopes share a group and keep their own checks.

use domain::epi::ScanMode;
use domain::{FieldError, Reason, Structure};
use store::{both_databases, Caller, CheckinItem, ItemOutcome, PersonRef, Store, VenueRef};

use crate::{app_at_now, seed, DAY, NOW};

fn item(id: String, person: i64, venue: i64, t_in_s: i64) -> CheckinItem {
    CheckinItem {
        client_id: id,
        person: PersonRef::Id(person),
        venue: VenueRef::Id(venue),
        t_in_s,
        t_out_s: Some(t_in_s + 1800),
        mode: ScanMode::SelfScan,
    }
}

/// How many visits of `person` the tracing index holds now.
fn indexed_visits(app: &app::App, person: i64) -> usize {
    let (index, _) = app.contacts.snapshot();
    app::contact_index::idx(person).map_or(0, |p| index.visits_of(p).count())
}

/// `caller` narrowed to commune 00004 (Trúc Bạch), which does not hold venue 1 (Phúc Xá).
fn elsewhere(caller: &Caller) -> Caller {
    let mut other = caller.clone();
    other.scope = domain::Scope::of([(
        Structure::S2021,
        domain::UnitPath::from_stored("/01/001/00004/").unwrap(),
    )]);
    other
}

const AUDITED_BATCHES: &str = "SELECT COUNT(*) FROM audit_log WHERE entity = 'checkin_batch'";

/// 2,000 check-ins from 200 concurrent tasks (two accounts, so groups mix callers), each
/// resent once: every one is answered `Accepted` and is in the tracing index the moment it
/// is answered, every resend is a `Duplicate`, and the database holds each exactly once.
/// The answers came from fewer transactions than requests (the audit keeps one row per
/// caller per group).
async fn concurrent_single_checkins_are_stored_once_and_traceable(store: Store) {
    const TASKS: i64 = 200;
    const EACH: i64 = 10;
    seed(&store, TASKS).await;
    let app = app_at_now(store);
    app.contacts.rebuild(&app.store).await.unwrap();
    let a = crate::national(&app, "phone-a", domain::Role::Tracer).await;
    let b = crate::national(&app, "phone-b", domain::Role::Tracer).await;
    let audit_before = store::testing::scalar(&app.store, AUDITED_BATCHES).await;
    let mut tasks = Vec::new();
    for p in 1..=TASKS {
        let app = app.clone();
        let caller = if p % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let before = indexed_visits(&app, p);
            for k in 0..EACH {
                let it = item(format!("p{p}-{k}"), p, 1, NOW - DAY + k * 3600);
                let got = app.checkin_one(&caller, it.clone(), NOW).await.unwrap();
                assert_eq!(got, ItemOutcome::Accepted, "person {p}, item {k}");
                assert_eq!(
                    indexed_visits(&app, p),
                    before + k as usize + 1,
                    "answered means traceable (person {p}, item {k})"
                );
                if k == 0 {
                    let again = app.checkin_one(&caller, it, NOW).await.unwrap();
                    assert_eq!(again, ItemOutcome::Duplicate, "a resent check-in");
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(app.store.count_checkins().await.unwrap(), TASKS * EACH);
    let audits = store::testing::scalar(&app.store, AUDITED_BATCHES).await - audit_before;
    assert!(
        (1..TASKS * (EACH + 1)).contains(&audits),
        "{audits} audit rows: the check-ins were written in groups"
    );
}

/// In one group: a good check-in, one naming an unknown person, one at an unknown venue,
/// and one by an account of another commune (the venue is outside its scope): only the bad
/// ones are refused, each with its own reason; the good ones are stored. Grouping off
/// (max 1) answers the same.
async fn one_bad_item_refuses_only_itself(store: Store) {
    seed(&store, 3).await;
    for max in [app::checkin_group::GROUP_MAX, 1] {
        let mut app = app_at_now(store.clone());
        app.set_checkin_group_max(max);
        let national = crate::national(&app, &format!("scanner-{max}"), domain::Role::Tracer).await;
        let elsewhere = elsewhere(&national);
        let t = NOW - DAY;
        let tag = |s: &str| format!("{s}-{max}");
        let (good, no_person, no_venue, out_of_scope, good2) = tokio::join!(
            app.checkin_one(&national, item(tag("good"), 2, 1, t), NOW),
            app.checkin_one(&national, item(tag("np"), 99_999, 1, t), NOW),
            app.checkin_one(&national, item(tag("nv"), 2, 99_999, t), NOW),
            app.checkin_one(&elsewhere, item(tag("scope"), 3, 1, t), NOW),
            app.checkin_one(&national, item(tag("good2"), 3, 1, t + 60), NOW),
        );
        assert_eq!(good.unwrap(), ItemOutcome::Accepted, "max {max}");
        assert_eq!(good2.unwrap(), ItemOutcome::Accepted, "max {max}");
        assert_eq!(
            no_person.unwrap(),
            ItemOutcome::Rejected(vec![FieldError::new("person", Reason::NotFound)])
        );
        assert_eq!(
            no_venue.unwrap(),
            ItemOutcome::Rejected(vec![FieldError::new("venue", Reason::NotFound)])
        );
        assert_eq!(
            out_of_scope.unwrap(),
            ItemOutcome::Rejected(vec![FieldError::new("venue", Reason::OutOfScope)])
        );
    }
    assert_eq!(store.count_checkins().await.unwrap(), 4);
}

both_databases!(
    concurrent_single_checkins_are_stored_once_and_traceable,
    one_bad_item_refuses_only_itself,
);
