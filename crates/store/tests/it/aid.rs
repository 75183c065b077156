//! The aid ledger and relief rounds on both databases.

use chrono::NaiveDate;
use domain::aid::{item, AidStatus, Currency, FxRate, GoodsLine, Money, PartyKind};
use domain::{Role, RoundId, Structure, UnitCode};
use store::aid::{
    AidFilter, NewDonation, NewOrg, NewRound, NewZone, PartyRef, PartySel, Refusal, ZoneUnit,
};
use store::{both_databases, HouseholdRow, Store, StoreError, UnitRef};

use crate::{caller, NOW};

fn locality(code: &str) -> PartyRef {
    PartyRef {
        kind: PartyKind::Locality,
        code_or_id: code.into(),
    }
}

fn usd(major: i64) -> Option<Money> {
    Some(Money {
        amount_minor: major * 100,
        currency: Currency::USD,
    })
}

fn gift(donor: PartyRef, recipient: &str, money: Option<Money>) -> NewDonation {
    NewDonation {
        donor,
        recipient: locality(recipient),
        money,
        goods: Vec::new(),
        on_date: NaiveDate::from_ymd_opt(2021, 8, 26).unwrap(),
        status: AidStatus::Pledged,
        source: "001_dcb2878248db2b41.txt".into(),
        source_quote: None,
        note: None,
    }
}

async fn gifts_are_scoped_summed_and_move_one_step_at_a_time(store: Store) {
    let command = caller(&store, "command", Role::Command, &["VN"]).await;
    let hanoi = caller(&store, "hanoi", Role::Command, &["01"]).await;
    let haugiang = caller(&store, "haugiang", Role::Partner, &["93"]).await;
    let mut vt = gift(locality("01"), "LA-VT", usd(40_000));
    vt.goods = vec![
        GoodsLine {
            item: item("masks").unwrap(),
            quantity: 30_000,
        },
        GoodsLine {
            item: item("antigen_test_kits").unwrap(),
            quantity: 10_000,
        },
    ];
    let vt_id = store.create_donation(&hanoi, &vt, NOW).await.unwrap();
    for p in [
        "LA-BK", "LA-HO", "LA-LM", "LA-LP", "LA-OU", "LA-PH", "LA-XA", "LA-XI",
    ] {
        store
            .create_donation(&hanoi, &gift(locality("01"), p, usd(20_000)), NOW)
            .await
            .unwrap();
    }
    let police = store
        .add_aid_org(
            &command,
            &NewOrg {
                kind: PartyKind::Police,
                name: "Công an TP Hồ Chí Minh".into(),
                unit: UnitCode::parse("79").unwrap(),
            },
            NOW,
        )
        .await
        .unwrap();
    let vnd = Some(Money {
        amount_minor: 500_000_000,
        currency: Currency::VND,
    });
    let police_ref = PartyRef {
        kind: PartyKind::Police,
        code_or_id: police.to_string(),
    };
    store
        .create_donation(&command, &gift(police_ref.clone(), "93", vnd), NOW)
        .await
        .unwrap();

    // Hậu Giang may not record a gift between Hà Nội and Laos; bad input names its fields.
    let refused = store
        .create_donation(&haugiang, &gift(locality("01"), "LA-VT", usd(1)), NOW)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(ref f)) if f[0].field == "donor"),
        "{refused:?}"
    );
    let bad = store
        .create_donation(&command, &gift(locality("ZZ"), "LA-QQ", None), NOW)
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(ref f)) if f.len() == 1 && f[0].field == "money"),
        "{bad:?}"
    );
    let bad = store
        .create_donation(&command, &gift(locality("ZZ"), "LA-QQ", usd(1)), NOW)
        .await;
    let Err(StoreError::Invalid(f)) = bad else {
        panic!("{bad:?}")
    };
    assert_eq!(
        f.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["donor.code_or_id", "recipient.code_or_id"]
    );

    // Scope: Hà Nội sees its nine gifts, Hậu Giang only the police's gift, command all ten.
    let first = store::PageRequest::first(1000);
    let all = |c| {
        let store = store.clone();
        let first = first.clone();
        async move {
            store
                .list_donations(&c, &AidFilter::default(), &first)
                .await
                .unwrap()
                .items
        }
    };
    assert_eq!(all(hanoi.clone()).await.len(), 9);
    assert_eq!(all(haugiang.clone()).await.len(), 1);
    assert_eq!(all(command.clone()).await.len(), 10);
    // Pages by cursor return every gift once.
    let mut seen = Vec::new();
    let mut page = store::PageRequest::first(3);
    loop {
        let p = store
            .list_donations(&command, &AidFilter::default(), &page)
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|d| d.id));
        match p.next {
            Some(c) => page.after = Some(c),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 10);

    // Totals: Hà Nội → Laos is 200,000 USD, 30,000 masks and 10,000 kits.
    let to_laos = AidFilter {
        donor: Some(PartySel::Unit(UnitCode::parse("01").unwrap())),
        recipient: Some(PartySel::Unit(UnitCode::parse("LA").unwrap())),
        ..AidFilter::default()
    };
    let t = store.aid_totals(&command, &to_laos).await.unwrap();
    assert_eq!(t.donations, 9);
    assert_eq!(
        t.money,
        vec![Money {
            amount_minor: 20_000_000,
            currency: Currency::USD
        }]
    );
    assert_eq!(
        t.goods,
        vec![
            ("antigen_test_kits".into(), "kits".into(), 10_000),
            ("masks".into(), "pieces".into(), 30_000)
        ]
    );
    let by_police = AidFilter {
        donor: Some(PartySel::Org(police)),
        ..AidFilter::default()
    };
    assert_eq!(
        store.aid_totals(&command, &by_police).await.unwrap().money[0].amount_minor,
        500_000_000
    );
    // A donor filter by locality includes its organisations.
    let from_hcmc = AidFilter {
        donor: Some(PartySel::Unit(UnitCode::parse("79").unwrap())),
        ..AidFilter::default()
    };
    assert_eq!(
        store
            .aid_totals(&command, &from_hcmc)
            .await
            .unwrap()
            .donations,
        1
    );
    let flows = store
        .aid_flows(&command, &AidFilter::default())
        .await
        .unwrap();
    let laos = flows
        .iter()
        .find(|f| f.recipient_root.as_str() == "LA")
        .unwrap();
    assert_eq!(
        (laos.recipients, laos.donations, laos.money[0].amount_minor),
        (9, 9, 20_000_000)
    );

    // Lifecycle: one step at a time; the recipient confirms receipt with a shortfall.
    let step = |to, who| {
        let store = store.clone();
        async move {
            store
                .advance_donation(&who, vt_id, to, None, None, NOW + 10)
                .await
        }
    };
    assert!(matches!(
        step(AidStatus::Received, command.clone()).await,
        Err(StoreError::Refused(Refusal::StatusStep))
    ));
    assert_eq!(
        step(AidStatus::Dispatched, hanoi.clone()).await.unwrap(),
        Some(AidStatus::Dispatched)
    );
    // Only the recipient's side confirms receipt: Hà Nội is the donor.
    assert!(matches!(
        step(AidStatus::Received, hanoi.clone()).await,
        Err(StoreError::Invalid(_))
    ));
    let receipt = store::aid::Receipt {
        money_minor: Some(3_900_000),
        goods: vec![("masks".into(), 29_000)],
    };
    store
        .advance_donation(
            &command,
            vt_id,
            AidStatus::Received,
            Some(&receipt),
            Some("thiếu 1.000 khẩu trang"),
            NOW + 20,
        )
        .await
        .unwrap();
    let d = store.get_donation(&command, vt_id).await.unwrap().unwrap();
    assert_eq!(d.donation.money_shortfall_minor(), Some(100_000));
    assert_eq!(d.donation.goods[0].received_quantity, Some(29_000));
    assert_eq!(d.donation.goods[1].received_quantity, Some(10_000));
    assert_eq!(
        d.history.iter().map(|h| h.status).collect::<Vec<_>>(),
        [
            AidStatus::Pledged,
            AidStatus::Dispatched,
            AidStatus::Received
        ]
    );
    // Sending the letter acknowledges the gift; Hậu Giang cannot see it at all.
    assert_eq!(
        store
            .record_letter_sent(&command, vt_id, "en", NOW + 30)
            .await
            .unwrap(),
        Some(AidStatus::Acknowledged)
    );
    assert_eq!(
        store
            .record_letter_sent(&haugiang, vt_id, "en", NOW + 30)
            .await
            .unwrap(),
        None
    );
    let d = store.get_donation(&command, vt_id).await.unwrap().unwrap();
    assert_eq!(d.letters.len(), 1);
    assert_eq!(d.donation.status, AidStatus::Acknowledged);

    // Rates: the latest on or before the date asked.
    let rate = FxRate {
        base: Currency::USD,
        quote: Currency::VND,
        rate_micro: 23_000_000_000,
        on_date: NaiveDate::from_ymd_opt(2021, 8, 26).unwrap(),
        source: "test".into(),
        assumed: true,
    };
    let id = store.put_fx_rate(&command, &rate, NOW).await.unwrap();
    // The same pair and date again replaces the rate: one row, the same id.
    assert_eq!(store.put_fx_rate(&command, &rate, NOW).await.unwrap(), id);
    assert_eq!(store.fx_rates().await.unwrap().len(), 1);
}

async fn one_package_per_household_per_round_even_when_requests_race(store: Store) {
    let officer = caller(&store, "phuong", Role::CommuneOfficer, &["00001"]).await;
    let other = caller(&store, "khac", Role::CommuneOfficer, &["00004"]).await;
    let unit = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let away = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00004").unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .bulk_households(
            &[
                HouseholdRow {
                    id: 1,
                    unit: UnitRef::from(&unit),
                    address: None,
                    synthetic: true,
                },
                HouseholdRow {
                    id: 2,
                    unit: UnitRef::from(&unit),
                    address: None,
                    synthetic: true,
                },
                HouseholdRow {
                    id: 3,
                    unit: UnitRef::from(&away),
                    address: None,
                    synthetic: true,
                },
            ],
            NOW,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
    let zone = store
        .create_zone(
            &officer,
            &NewZone {
                name: "Phúc Xá".into(),
                structure: Structure::S2021,
                units: vec![unit.code.clone()],
                addresses: Vec::new(),
                starts_on: NaiveDate::from_ymd_opt(2021, 8, 1).unwrap(),
                ends_on: None,
                population: 9_000,
                households: 2,
            },
            NOW,
        )
        .await
        .unwrap();
    let round = store
        .create_round(
            &officer,
            zone,
            &NewRound {
                name: "Đợt 1".into(),
                kind: domain::aid::ReliefKind::GiftPack,
                starts_on: NaiveDate::from_ymd_opt(2021, 8, 2).unwrap(),
            },
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .create_round(
                &other,
                zone,
                &NewRound {
                    name: "x".into(),
                    kind: domain::aid::ReliefKind::Cash,
                    starts_on: NaiveDate::from_ymd_opt(2021, 8, 2).unwrap()
                },
                NOW
            )
            .await
            .unwrap(),
        None
    );
    // Eight requests race for household 1: exactly one package is given.
    let results = futures_join(&store, &officer, round, 1, 8).await;
    assert_eq!(
        results.iter().filter(|r| matches!(r, Ok(Some(_)))).count(),
        1,
        "{results:?}"
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Refused(Refusal::PackageAlreadyGiven))))
            .count(),
        7
    );
    assert!(store
        .give_package(&officer, round, 2, NOW)
        .await
        .unwrap()
        .is_some());
    // A household outside the zone, or outside the caller's jurisdiction, gets nothing.
    assert!(matches!(
        store.give_package(&officer, round, 3, NOW).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.give_package(&other, round, 2, NOW).await.unwrap(),
        None
    );
    let progress = store.relief_progress(&officer).await.unwrap();
    assert_eq!(progress[0].rounds[0].given, 2);
    assert!(store.relief_progress(&other).await.unwrap().is_empty());
}

async fn futures_join(
    store: &Store,
    who: &store::Caller,
    round: RoundId,
    household: i64,
    n: usize,
) -> Vec<Result<Option<i64>, StoreError>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (store, who) = (store.clone(), who.clone());
            tokio::spawn(async move { store.give_package(&who, round, household, NOW).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

both_databases!(
    gifts_are_scoped_summed_and_move_one_step_at_a_time,
    one_package_per_household_per_round_even_when_requests_race
);

/// Migration 0010 on a database holding a zone of 0005's shape: the zone keeps its unit (now
/// in relief_zone_units, named) and its round, and stored addresses get their keys.
async fn zone_units_migration_moves_zones_and_keys_addresses(db: store::testing::TestDb) {
    let phuc_xa = db
        .store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let path = phuc_xa.path.as_str();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for sql in [
        format!(
            "INSERT INTO households (id, structure, unit_code, unit_path, address, synthetic,
                                     created_at_s)
             VALUES (1, '2021', '00001', '{path}', 'Số 5, Ngõ 328 Lê Trọng Tấn', 1, 0),
                    (2, '2021', '00001', '{path}', NULL, 1, 0),
                    (3, '2021', '00001', '{path}', 'Số 5, ngõ 32 Lê Trọng Tấn', 1, 0)"
        ),
        format!(
            "INSERT INTO relief_zones (name, structure, unit_code, unit_path, starts_on,
                                       population, households, created_at_s)
             VALUES ('Phúc Xá', '2021', '00001', '{path}', '2021-08-01', 9000, 3, 0)"
        ),
        "INSERT INTO relief_rounds (zone_id, name, kind, starts_on, created_at_s)
         SELECT id, 'Đợt 1', 'gift_pack', '2021-08-02', 0 FROM relief_zones"
            .to_string(),
    ] {
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let report = db.store.migrate().await.unwrap();
    assert_eq!(
        report.applied.first().map(String::as_str),
        Some("0010_zone_units")
    );
    db.store.sync_id_sequences().await.unwrap();
    let officer = caller(&db.store, "phuong", Role::CommuneOfficer, &["00001"]).await;
    let zones = db.store.relief_progress(&officer).await.unwrap();
    assert_eq!(zones.len(), 1);
    assert_eq!(
        zones[0].units,
        [ZoneUnit {
            code: "00001".into(),
            name: phuc_xa.name.clone()
        }]
    );
    assert_eq!(zones[0].households_in_zone, 3);
    assert_eq!(zones[0].rounds[0].given, 0);
    let round = zones[0].rounds[0].id;
    assert!(db
        .store
        .give_package(&officer, round, 2, NOW)
        .await
        .unwrap()
        .is_some());
    // The addresses stored before the migration match by their keys.
    let alley = db
        .store
        .create_zone(
            &officer,
            &NewZone {
                name: "Ngõ 328".into(),
                structure: Structure::S2021,
                units: vec![phuc_xa.code.clone()],
                addresses: vec!["ngo 328 LE TRONG TAN".into()],
                starts_on: NaiveDate::from_ymd_opt(2021, 8, 1).unwrap(),
                ends_on: None,
                population: 10,
                households: 1,
            },
            NOW,
        )
        .await
        .unwrap();
    let zones = db.store.relief_progress(&officer).await.unwrap();
    let alley = zones.iter().find(|z| z.id == alley).unwrap();
    assert_eq!(alley.households_in_zone, 1);
}

store::through_migration!(
    zone_units_migration,
    9,
    zone_units_migration_moves_zones_and_keys_addresses
);
