//! Merging a duplicate person: the tracing index follows without a rebuild.

use domain::epi::ScanMode;
use domain::{CaseId, PersonId};
use store::{both_databases, Caller, CheckinItem, PersonRef, Store, VenueRef};

use crate::{app_at_now, seed, DAY, NOW};

/// Person 5 is a duplicate record of person 3. Only the duplicate checked in at the market
/// with the case; after the merge, person 3 is the case's F1 through those check-ins, and the
/// duplicate is no longer anyone's contact — with no rebuild of the index.
async fn a_merge_moves_the_duplicates_checkins_in_the_index(store: Store) {
    seed(&store, 5).await;
    let app = app_at_now(store);
    app.contacts.rebuild(&app.store).await.unwrap();
    let system = Caller::system("test");
    let t = NOW - DAY;
    let visit = |id: &str, person: i64| CheckinItem {
        client_id: id.into(),
        person: PersonRef::Id(person),
        venue: VenueRef::Id(1),
        t_in_s: t,
        t_out_s: Some(t + 3600),
        mode: ScanMode::StaffScan,
    };
    app.ingest_checkins(&system, &[visit("a", 1), visit("b", 5)], NOW)
        .await
        .unwrap();
    let case = app::tracing::case_in_scope(&app, &system, CaseId(1))
        .await
        .unwrap();
    let f1 = |traced: &trace::Traced| -> Vec<i64> {
        let mut ids: Vec<i64> = traced
            .contacts
            .iter()
            .filter(|c| c.degree == 1)
            .map(|c| app::contact_index::id_of(c.person))
            .collect();
        ids.sort_unstable();
        ids
    };
    let (before, _) = app::tracing::trace_case(&app, &case, 1).await.unwrap();
    assert_eq!(
        f1(&before),
        vec![2, 5],
        "household member 2, the duplicate 5"
    );

    app.merge_persons(&system, PersonId(5), PersonId(3), NOW)
        .await
        .unwrap();
    let indexed = app.contacts.snapshot().0;
    assert_eq!(
        indexed.visits_of(4).count(),
        0,
        "the duplicate (index 4) has none left"
    );
    let (after, _) = app::tracing::trace_case(&app, &case, 1).await.unwrap();
    assert_eq!(
        f1(&after),
        vec![2, 3],
        "the kept person, through the duplicate's visit"
    );
}

both_databases!(a_merge_moves_the_duplicates_checkins_in_the_index);
