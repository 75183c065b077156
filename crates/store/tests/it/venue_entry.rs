//! Venues registered by hand: folded for search like the simulator's, placed in a commune of
//! the caller's jurisdiction, with the QR payload of their id, audited.

use domain::epi::VenueKind;
use domain::{Reason, Role, Structure, UnitCode};
use store::{NewVenue, PageRequest, StoreError, VenueFilter};

use crate::caller;

fn pho(unit: &str) -> NewVenue {
    NewVenue {
        name: "Phở Thìn Lò Đúc".into(),
        kind: VenueKind::Restaurant,
        structure: Structure::S2021,
        unit_code: UnitCode::parse(unit).unwrap(),
        address: Some("13 Lò Đúc".into()),
        capacity: Some(40),
        open_min: 360,
        close_min: 1320,
    }
}

async fn a_registered_venue_is_found_without_diacritics(store: store::Store) {
    let store = &store;
    let officer = caller(store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let v = store
        .create_venue(&officer, &pho("00001"), 100)
        .await
        .unwrap();
    assert_eq!(v.unit_path.as_str(), "/01/001/00001/");
    // The payload the simulator's venues carry, from the id: a scanner checks both alike.
    assert_eq!(
        domain::venue_qr::parse_qr_payload(&v.qr_payload),
        Some(u32::try_from(v.id.0 - 1).unwrap())
    );
    assert_eq!(
        store.get_venue(&officer.scope, v.id).await.unwrap(),
        Some(v.clone())
    );
    let found = store
        .list_venues(
            &officer.scope,
            Structure::S2021,
            &VenueFilter {
                name_contains: Some("pho thin".into()),
                ..VenueFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(found.items, std::slice::from_ref(&v));
    // A second one gets its own id and payload.
    let w = store
        .create_venue(&officer, &pho("00001"), 100)
        .await
        .unwrap();
    assert_ne!(w.qr_payload, v.qr_payload);
    // Written to the audit log, placed in its commune.
    let trail = store
        .list_audit(
            &store::Caller::system("test"),
            Some(("venue", &v.id.0.to_string())),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(trail.items.len(), 1);
    assert_eq!(
        (
            trail.items[0].action.as_str(),
            trail.items[0].actor.as_str()
        ),
        ("create", "phucxa")
    );
}

async fn a_venue_outside_the_jurisdiction_is_refused(store: store::Store) {
    let store = &store;
    let officer = caller(store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    for (unit, reason) in [("00004", Reason::OutOfScope), ("99998", Reason::NotFound)] {
        match store.create_venue(&officer, &pho(unit), 100).await {
            Err(StoreError::Invalid(f)) => {
                assert_eq!(
                    (f[0].field.as_str(), f[0].reason),
                    ("unit", reason),
                    "{unit}"
                )
            }
            other => panic!("{unit}: {other:?}"),
        }
    }
    let everyone = store::Caller::system("test");
    let all = store
        .list_venues(
            &everyone.scope,
            Structure::S2021,
            &VenueFilter::default(),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert!(all.items.is_empty(), "nothing half-saved");
}

store::both_databases!(
    a_registered_venue_is_found_without_diacritics,
    a_venue_outside_the_jurisdiction_is_refused,
);
