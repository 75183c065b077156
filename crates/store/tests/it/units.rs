use std::collections::HashSet;

use domain::{refdata, Scope, Structure, UnitCode, UnitKind, UnitLevel};
use store::{both_databases, PageRequest, Store, StoreError, UnitFilter};

use crate::path_scope;

fn filter(structure: Structure) -> UnitFilter {
    UnitFilter {
        structure,
        level: None,
        parent: None,
        kind: Some(UnitKind::Domestic),
        name_contains: None,
    }
}

async fn count_all(store: &Store, scope: &Scope, f: &UnitFilter) -> Vec<String> {
    let mut codes = Vec::new();
    let mut page = PageRequest::first(1000);
    loop {
        let p = store.list_units(scope, f, &page).await.unwrap();
        codes.extend(p.items.iter().map(|u| u.code.to_string()));
        match p.next {
            Some(c) => page.after = Some(c),
            None => break,
        }
    }
    codes
}

async fn registry_counts_and_idempotent_migrate(store: Store) {
    let stats = store.unit_stats().await.unwrap();
    let get = |s: &str, k: &str, l: &str| {
        stats
            .iter()
            .find(|x| x.structure == s && x.kind == k && x.level == l)
            .map_or(0, |x| x.count)
    };
    assert_eq!(get("2021", "domestic", "province"), 63);
    assert_eq!(get("2021", "domestic", "district"), 696);
    assert_eq!(get("2021", "domestic", "commune"), 10_035);
    assert_eq!(get("2025", "domestic", "province"), 34);
    assert_eq!(get("2025", "domestic", "commune"), 3_321);
    assert_eq!(get("2025", "domestic", "district"), 0);
    assert_eq!(get("2025", "foreign", "province"), 9);
    let again = store.migrate().await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(
        again.units_loaded, 0,
        "registry reloaded although unchanged"
    );
}

async fn subtree_matches_reference_data(store: Store) {
    let code = UnitCode::parse("01").unwrap();
    let sub = store.subtree(Structure::S2021, &code).await.unwrap();
    let reference: HashSet<String> = refdata::units(Structure::S2021)
        .unwrap()
        .into_iter()
        .filter(|u| u.path.as_str().starts_with("/01/"))
        .map(|u| u.code.to_string())
        .collect();
    let got: HashSet<String> = sub.iter().map(|u| u.code.to_string()).collect();
    assert_eq!(got, reference);
    assert_eq!(sub[0].code.as_str(), "01", "root first");
    assert!(got.contains("00001") && got.contains("001"));
    // Hà Nội's range must not catch province "010…" paths or anything else.
    assert!(sub.iter().all(|u| u.path.as_str().starts_with("/01/")));
    assert!(store
        .subtree(Structure::S2021, &UnitCode::parse("99999").unwrap())
        .await
        .unwrap()
        .is_empty());
}

async fn pages_cover_every_unit_once_in_order(store: Store) {
    let mut f = filter(Structure::S2025);
    f.level = Some(UnitLevel::Commune);
    let codes = count_all(&store, &Scope::everything(), &f).await;
    assert_eq!(codes.len(), 3_321);
    let unique: HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len());
    // A short page says there is more, and its cursor continues exactly after it.
    let first = store
        .list_units(&Scope::everything(), &f, &PageRequest::first(7))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 7);
    let second = store
        .list_units(
            &Scope::everything(),
            &f,
            &PageRequest {
                limit: 7,
                after: first.next.clone(),
            },
        )
        .await
        .unwrap();
    let got: Vec<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|u| u.code.to_string())
        .collect();
    assert_eq!(got, codes[..14]);
}

async fn scope_limits_units(store: Store) {
    let scope = path_scope(&[(Structure::S2021, "/01/001/00001/")]);
    let codes = count_all(&store, &scope, &filter(Structure::S2021)).await;
    assert_eq!(codes, vec!["00001"]);
    // No jurisdiction in the 2025 structure: nothing there.
    assert!(count_all(&store, &scope, &filter(Structure::S2025))
        .await
        .is_empty());
    let district = path_scope(&[(Structure::S2021, "/01/001/")]);
    let codes = count_all(&store, &district, &filter(Structure::S2021)).await;
    assert_eq!(codes[0], "001");
    assert!(codes.len() > 10);
    assert!(store
        .get_unit(&scope, Structure::S2021, &UnitCode::parse("00004").unwrap())
        .await
        .unwrap()
        .is_none());
}

async fn filters_by_parent_kind_and_name(store: Store) {
    let mut f = filter(Structure::S2025);
    f.kind = Some(UnitKind::Foreign);
    f.level = Some(UnitLevel::Province);
    let lao = count_all(&store, &Scope::everything(), &f).await;
    assert_eq!(lao.len(), 9);
    assert!(lao.contains(&"LA-VT".to_string()));
    let mut f = filter(Structure::S2021);
    f.parent = Some(UnitCode::parse("001").unwrap());
    let children = count_all(&store, &Scope::everything(), &f).await;
    assert!(children.contains(&"00001".to_string()));
    let mut f = filter(Structure::S2021);
    f.name_contains = Some("phuc xa".into());
    let found = count_all(&store, &Scope::everything(), &f).await;
    assert_eq!(found, vec!["00001"]);
    let mut f = filter(Structure::S2025);
    f.name_contains = Some("100%_".into());
    assert!(count_all(&store, &Scope::everything(), &f).await.is_empty());
}

async fn malformed_cursor_is_rejected(_store: Store) {
    let bad = store::Cursor::decode("Zm9v");
    assert!(matches!(bad, Err(StoreError::BadCursor)));
    assert!(matches!(
        store::Cursor::decode(""),
        Err(StoreError::BadCursor)
    ));
    assert!(matches!(
        store::Cursor::decode(&"A".repeat(600)),
        Err(StoreError::BadCursor)
    ));
}

async fn successors_follow_the_correspondence(store: Store) {
    let new = store
        .successors(&UnitCode::parse("00001").unwrap())
        .await
        .unwrap();
    assert_eq!(new, vec![UnitCode::parse("00097").unwrap()]);
    // Hoàng Sa had no communes: the district itself maps to the special zone.
    let hs = store
        .successors(&UnitCode::parse("498").unwrap())
        .await
        .unwrap();
    assert_eq!(hs, vec![UnitCode::parse("20333").unwrap()]);
}

both_databases!(
    registry_counts_and_idempotent_migrate,
    subtree_matches_reference_data,
    pages_cover_every_unit_once_in_order,
    scope_limits_units,
    filters_by_parent_kind_and_name,
    malformed_cursor_is_rejected,
    successors_follow_the_correspondence,
);
