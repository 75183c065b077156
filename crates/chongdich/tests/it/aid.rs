//! The demo holds the reports' aid: the figures, read back from the built database.

use domain::aid::{Currency, Money};
use domain::UnitCode;
use store::aid::{AidFilter, PartySel};
use store::{Caller, Store};

use crate::{run, stderr, temp_sqlite};

fn sel(code: &str) -> Option<PartySel> {
    Some(PartySel::Unit(UnitCode::parse(code).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_holds_the_reports_gifts_and_converts_them() {
    let (db, _file) = temp_sqlite("aid");
    let build = || {
        let built = run(
            &[
                "demo",
                "--db",
                &db,
                "--no-serve",
                "--people",
                "3000",
                "--days",
                "14",
            ],
            None,
        );
        assert!(built.status.success(), "{}", stderr(&built));
    };
    build();
    let store = Store::connect(&db).await.unwrap();
    let all = Caller::system("test");
    let totals = |donor: &str, recipient: &str| {
        let (store, all) = (store.clone(), all.clone());
        let f = AidFilter {
            donor: sel(donor),
            recipient: sel(recipient),
            ..AidFilter::default()
        };
        async move { store.aid_totals(&all, &f).await.unwrap() }
    };
    let usd = |major: i64| Money {
        amount_minor: major * 100,
        currency: Currency::USD,
    };
    let to_laos = totals("01", "LA").await;
    assert_eq!(
        (to_laos.donations, to_laos.money.clone()),
        (9, vec![usd(200_000)])
    );
    assert_eq!(
        to_laos.goods,
        [
            ("antigen_test_kits".into(), "kits".into(), 10_000),
            ("masks".into(), "pieces".into(), 30_000)
        ]
    );
    assert_eq!(totals("LA-VT", "01").await.money, vec![usd(15_000)]);
    let police = totals("79", "93").await;
    assert_eq!(
        police.money,
        vec![Money {
            amount_minor: 500_000_000,
            currency: Currency::VND
        }]
    );
    // Converted with the recorded (assumed) rate: 23,000 VND per USD, halves away from zero.
    let rates = store.fx_rates().await.unwrap();
    let (rows, total) = domain::aid::convert_sums(&police.money, Currency::USD, &rates, None);
    assert_eq!(
        (rows[0].converted_minor, total),
        (Some(2_173_913), Some(2_173_913))
    );
    assert!(rows[0].rate.as_ref().unwrap().assumed);
    // Every gift names its report.
    let page = store
        .list_donations(&all, &AidFilter::default(), &store::PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 13);
    assert!(page
        .items
        .iter()
        .all(|d| d.source.contains('«') && d.source_quote.is_some()));
    // Sources are the reports as readers know them, never an internal file name.
    assert!(page.items.iter().all(|d| !d.source.contains(".txt")));
    let (agreements, activities) = store.list_cooperation(&all).await.unwrap();
    assert_eq!((agreements[0].fields.len(), activities.len()), (9, 4));
    let campaigns = store.list_campaigns(&all).await.unwrap();
    assert_eq!(campaigns[0].tasks.len(), 8);
    // Relief: a zone of two communes, one of one commune, one of 20 house numbers of a
    // commune; each zone's declared households (counted in the simulation) are those its
    // units and addresses find in the database, and 85 % of them have their package.
    let zones = store.relief_progress(&all).await.unwrap();
    assert_eq!(zones.len(), 3, "{zones:?}");
    assert!(zones
        .iter()
        .any(|z| z.units.len() == 2 && z.addresses.is_empty()));
    let street = zones.iter().find(|z| !z.addresses.is_empty()).unwrap();
    assert_eq!((street.units.len(), street.addresses.len()), (1, 20));
    for z in &zones {
        assert!(z.households_in_zone > 0, "{z:?}");
        assert_eq!(z.households, z.households_in_zone, "{z:?}");
        assert_eq!(z.rounds[0].given, z.households_in_zone * 85 / 100);
    }
    // A second build of the same demo adds nothing twice.
    build();
    let page = store
        .list_donations(&all, &AidFilter::default(), &store::PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 13);
    store.close().await;
}
