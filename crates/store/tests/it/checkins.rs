use domain::epi::{ScanMode, VenueKind};
use domain::person::Sex;
use domain::{Reason, Role};
use store::{
    both_databases, CheckinItem, ItemOutcome, PersonRef, PersonRow, Store, UnitRef, VenueRef,
    VenueRow,
};

use crate::{caller, unit, NOW};

async fn seed(store: &Store) {
    let phuc_xa = unit(store, "00001").await;
    let other = unit(store, "00004").await;
    let persons: Vec<PersonRow> = (1..=2)
        .map(|i| PersonRow {
            id: i,
            full_name: format!("Người {i}"),
            national_id: Some(format!("00109001234{i}")),
            phone: None,
            birth_date: None,
            sex: Sex::Male,
            unit: phuc_xa.clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, NOW).await.unwrap();
    let venue = |id: i64, u: &UnitRef| VenueRow {
        id,
        name: format!("Quán {id}"),
        kind: VenueKind::Cafe,
        unit: u.clone(),
        address: None,
        capacity: Some(40),
        open_min: 360,
        close_min: 1320,
        qr_payload: format!("CDV1:V:{id}"),
        synthetic: true,
    };
    store
        .bulk_venues(&[venue(1, &phuc_xa), venue(2, &other)], NOW)
        .await
        .unwrap();
}

fn item(id: &str, person: PersonRef, venue: VenueRef, t_out: Option<i64>) -> CheckinItem {
    CheckinItem {
        client_id: id.into(),
        person,
        venue,
        t_in_s: NOW,
        t_out_s: t_out,
        mode: ScanMode::SelfScan,
    }
}

async fn batches_are_idempotent_and_answered_per_item(store: Store) {
    seed(&store).await;
    let officer = caller(&store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let batch = vec![
        item("a", PersonRef::Id(1), VenueRef::Id(1), Some(NOW + 1800)),
        item(
            "b",
            PersonRef::Qr("001090012342|Người 2|01011990".into()),
            VenueRef::Qr("CDV1:V:1".into()),
            None,
        ),
        item("c", PersonRef::Id(99), VenueRef::Id(1), None),
        item("d", PersonRef::Id(1), VenueRef::Id(2), None),
        item("e", PersonRef::Id(1), VenueRef::Qr("nope".into()), None),
        item("a", PersonRef::Id(1), VenueRef::Id(1), Some(NOW + 1800)),
    ];
    let ingested = store
        .ingest_checkins(&officer, &batch, |_| 3600, NOW)
        .await
        .unwrap();
    assert_eq!(ingested.stored.len(), 2);
    assert_eq!(ingested.stored[1].t_out_s, NOW + 3600);
    let out = ingested.outcomes;
    assert_eq!(out[0], ItemOutcome::Accepted);
    assert_eq!(out[1], ItemOutcome::Accepted);
    let reasons = |o: &ItemOutcome| match o {
        ItemOutcome::Rejected(f) => f
            .iter()
            .map(|e| (e.field.clone(), e.reason))
            .collect::<Vec<_>>(),
        other => panic!("not rejected: {other:?}"),
    };
    assert_eq!(
        reasons(&out[2]),
        vec![("person".to_string(), Reason::NotFound)]
    );
    assert_eq!(
        reasons(&out[3]),
        vec![("venue".to_string(), Reason::OutOfScope)]
    );
    assert_eq!(
        reasons(&out[4]),
        vec![("venue".to_string(), Reason::NotFound)]
    );
    assert_eq!(out[5], ItemOutcome::Duplicate);
    assert_eq!(store.count_checkins().await.unwrap(), 2);

    // The whole batch retried: nothing is stored twice.
    let again = store
        .ingest_checkins(&officer, &batch, |_| 3600, NOW)
        .await
        .unwrap();
    assert!(again.stored.is_empty());
    let again = again.outcomes;
    assert_eq!(again[0], ItemOutcome::Duplicate);
    assert_eq!(again[1], ItemOutcome::Duplicate);
    assert_eq!(store.count_checkins().await.unwrap(), 2);

    // The default stay was applied to the open check-in.
    let mut rows = Vec::new();
    store
        .for_each_visit_page(10, |p| {
            rows.extend(
                p.iter()
                    .map(|v| (v.person_id, v.venue_id, v.t_in_s, v.t_out_s)),
            );
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(rows, vec![(1, 1, NOW, NOW + 1800), (2, 1, NOW, NOW + 3600)]);

    // Retention deletes what is older than the cut-off and says how many.
    assert_eq!(store.purge_checkins_before(NOW).await.unwrap(), 0);
    assert_eq!(store.purge_checkins_before(NOW + 1).await.unwrap(), 2);
    assert_eq!(store.count_checkins().await.unwrap(), 0);
}

both_databases!(batches_are_idempotent_and_answered_per_item);
