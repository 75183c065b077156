use chrono::NaiveDate;
use domain::person::PersonInput;
use domain::{Reason, Role, Structure};
use store::{both_databases, PageRequest, Store, StoreError};

use crate::{caller, NOW};

fn person(name: &str, unit: &str) -> domain::person::NewPerson {
    PersonInput {
        full_name: Some(name.into()),
        phone: Some("0912345678".into()),
        birth_date: Some("1980-02-03".into()),
        unit: Some(unit.into()),
        ..Default::default()
    }
    .validate(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
    .unwrap()
}

async fn persons_outside_scope_do_not_exist(store: Store) {
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let phuc_xa = caller(&store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let hoan_kiem = caller(&store, "hoankiem", Role::CommuneOfficer, &["002"]).await;
    let a = store
        .create_person(&phuc_xa, &person("Nguyễn Văn A", "00001"), NOW)
        .await
        .unwrap();
    assert_eq!(a.unit_path.as_str(), "/01/001/00001/");
    // Phúc Xá's officer cannot register someone in another commune.
    let err = store
        .create_person(&phuc_xa, &person("Trần Thị B", "00004"), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref f) if f[0].reason == Reason::OutOfScope));
    let err = store
        .create_person(&admin, &person("Nobody", "99999"), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref f) if f[0].reason == Reason::NotFound));
    let b = store
        .create_person(&admin, &person("Trần Thị B", "00004"), NOW)
        .await
        .unwrap();

    assert!(store
        .get_person(&phuc_xa, a.id, NOW)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .get_person(&phuc_xa, b.id, NOW)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get_person(&hoan_kiem, a.id, NOW)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.get_person(&admin, b.id, NOW).await.unwrap().unwrap(),
        b
    );

    let listed = store
        .list_persons(&phuc_xa, Structure::S2021, &PageRequest::first(50), NOW)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].id, a.id);
    let none = store
        .list_persons(&hoan_kiem, Structure::S2021, &PageRequest::first(50), NOW)
        .await
        .unwrap();
    assert!(none.items.is_empty());
}

async fn every_access_is_audited(store: Store) {
    let officer = caller(&store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let other = caller(&store, "other", Role::CommuneOfficer, &["00004"]).await;
    let a = store
        .create_person(&officer, &person("Lê Văn C", "00001"), NOW)
        .await
        .unwrap();
    store
        .get_person(&officer, a.id, NOW + 5)
        .await
        .unwrap()
        .unwrap();
    store
        .list_persons(&officer, Structure::S2021, &PageRequest::first(10), NOW + 6)
        .await
        .unwrap();
    // A refused read leaves no trace of data returned.
    assert!(store
        .get_person(&other, a.id, NOW + 7)
        .await
        .unwrap()
        .is_none());
    let trail = store
        .list_audit(
            &store::Caller::system("test"),
            Some(("person", &a.id.to_string())),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = trail
        .items
        .iter()
        .map(|r| (r.action.as_str(), r.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![("list", "phucxa"), ("read", "phucxa"), ("create", "phucxa")]
    );
    assert_eq!(trail.items[1].at.timestamp(), NOW + 5);
    assert_eq!(trail.items[1].user, Some(officer.user.id));
}

async fn person_pages_are_keyset_over_units(store: Store) {
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let mut ids = Vec::new();
    for (i, unit) in [
        "00004", "00001", "00004", "00001", "00006", "00001", "00007",
    ]
    .iter()
    .enumerate()
    {
        let p = store
            .create_person(&admin, &person(&format!("Người {i}"), unit), NOW)
            .await
            .unwrap();
        ids.push(p.id);
    }
    let district = caller(&store, "badinh", Role::Tracer, &["001"]).await;
    let mut seen = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let p = store
            .list_persons(&district, Structure::S2021, &page, NOW)
            .await
            .unwrap();
        assert!(p.items.len() <= 2);
        seen.extend(
            p.items
                .iter()
                .map(|x| (x.unit_path.as_str().to_string(), x.id)),
        );
        match p.next {
            Some(c) => page.after = Some(c),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "pages come in (unit, id) order");
    let mut expected: Vec<_> = ids.clone();
    expected.sort();
    let mut got: Vec<_> = seen.iter().map(|(_, id)| *id).collect();
    got.sort();
    assert_eq!(got, expected, "every person of Ba Đình exactly once");
    // A units cursor (one part) is malformed for the persons list.
    let units_cursor = store
        .list_units(
            &domain::Scope::everything(),
            &store::UnitFilter {
                structure: Structure::S2021,
                level: None,
                parent: None,
                kind: None,
                name_contains: None,
            },
            &PageRequest::first(1),
        )
        .await
        .unwrap()
        .next;
    let err = store
        .list_persons(
            &district,
            Structure::S2021,
            &PageRequest {
                limit: 2,
                after: units_cursor,
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BadCursor));
}

/// Residents per unit follow registrations and merges, and only the caller's units are told.
async fn residents_per_unit_are_kept_up_to_date(store: Store) {
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let phuc_xa = caller(&store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let count = |rows: Vec<(String, i64)>, unit: &str| {
        rows.iter().find(|(u, _)| u == unit).map_or(0, |(_, n)| *n)
    };
    let a = store
        .create_person(&admin, &person("Nguyễn Văn A", "00001"), NOW)
        .await
        .unwrap();
    let b = store
        .create_person(&admin, &person("Nguyễn Văn A.", "00001"), NOW)
        .await
        .unwrap();
    store
        .create_person(&admin, &person("Trần Thị B", "00004"), NOW)
        .await
        .unwrap();
    let all = store
        .residents_by_unit(&admin.scope, Structure::S2021)
        .await
        .unwrap();
    assert_eq!((count(all.clone(), "00001"), count(all, "00004")), (2, 1));
    let mine = store
        .residents_by_unit(&phuc_xa.scope, Structure::S2021)
        .await
        .unwrap();
    assert_eq!(mine, vec![("00001".to_string(), 2)]);
    // The same person registered twice: merging leaves one resident.
    store.merge_persons(&admin, b.id, a.id, NOW).await.unwrap();
    let all = store
        .residents_by_unit(&admin.scope, Structure::S2021)
        .await
        .unwrap();
    assert_eq!(count(all, "00001"), 1);
    // A merge refused changes nothing.
    assert!(store.merge_persons(&admin, b.id, a.id, NOW).await.is_err());
    let all = store
        .residents_by_unit(&admin.scope, Structure::S2021)
        .await
        .unwrap();
    assert_eq!(count(all, "00001"), 1);
}

both_databases!(
    residents_per_unit_are_kept_up_to_date,
    persons_outside_scope_do_not_exist,
    every_access_is_audited,
    person_pages_are_keyset_over_units,
);
