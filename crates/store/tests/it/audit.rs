//! The audit log read by jurisdiction (issue #12, item 11): each row is placed where its
//! records lie, else where the acting account works; a row is read within that place.

use domain::{Role, Structure, UnitPath};
use store::{both_databases, AuditList, Caller, PageRequest, Place, Store};

use crate::{caller, NOW};

async fn seen_by(store: &Store, reader: &Caller) -> Vec<String> {
    let mut lists: Vec<String> = store
        .list_audit(reader, None, &PageRequest::first(100))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.entity_id)
        .collect();
    lists.sort();
    lists
}

async fn audit_rows_are_read_where_they_are_placed(store: Store) {
    let country = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let district = caller(&store, "admin_badinh", Role::Administrator, &["001"]).await;
    let phuc_xa_admin = caller(&store, "admin_phucxa", Role::Administrator, &["00001"]).await;
    let truc_bach_admin = caller(&store, "admin_trucbach", Role::Administrator, &["00004"]).await;
    let phuc_xa = caller(&store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let both = caller(&store, "both", Role::CommuneOfficer, &["00001", "00004"]).await;
    let path = |s: &str| UnitPath::from_stored(s).unwrap();
    let s = Structure::S2021;
    let rows = [
        // Records in Phúc Xá.
        (
            &phuc_xa,
            "in-phucxa",
            Some(Place::new(s, &path("/01/001/00001/"))),
        ),
        // Records in two communes of the district: the district's.
        (
            &both,
            "across-district",
            Place::enclosing([(s, &path("/01/001/00001/")), (s, &path("/01/001/00004/"))]),
        ),
        // No known place: the account's one commune ...
        (&phuc_xa, "by-phucxa", None),
        // ... or, for an account of several units or the system, the whole country's.
        (&both, "by-both", None),
        (&Caller::system("cli"), "by-system", None),
    ];
    for (who, subject, place) in rows {
        let list = AuditList::new(who, "persons", subject, "person", vec![1], place);
        assert_eq!(store.audit_list(list, NOW).await.unwrap(), 1);
    }
    assert_eq!(
        seen_by(&store, &phuc_xa_admin).await,
        ["by-phucxa", "in-phucxa"]
    );
    assert!(seen_by(&store, &truc_bach_admin).await.is_empty());
    assert_eq!(
        seen_by(&store, &district).await,
        ["across-district", "by-phucxa", "in-phucxa"]
    );
    assert_eq!(seen_by(&store, &country).await.len(), 5);
    // A trail is read within the same bounds.
    let trail = store
        .list_audit(
            &truc_bach_admin,
            Some(("person", "1")),
            &PageRequest::first(100),
        )
        .await
        .unwrap();
    assert!(trail.items.is_empty());
    // An empty list showed no one and leaves no row.
    let empty = AuditList::new(&phuc_xa, "persons", "", "person", vec![], None);
    assert_eq!(store.audit_list(empty, NOW).await.unwrap(), 0);
}

both_databases!(audit_rows_are_read_where_they_are_placed);
