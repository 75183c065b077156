//! The national view (issue #17, "What travels" 5), on both databases: Hà Nội ("01", store
//! A) publishes its figures, the national instance ("VN", store N) keeps them; the transport
//! is in-process (A's unsent messages handed to N's `receive` through `app::link::dispatch`).

use chrono::NaiveDate;
use domain::facility::{BedType, FacilityKind};
use domain::{Role, Scope, Structure, UnitCode, UnitLevel};
use link::registry::Peer;
use link::{sign, Envelope, Kind};
use store::{both_databases, Caller, NewFacility, PublishedLevel, Received, Store};

use app::link::LinkError;
use app::national::{national_view, FiguresBody};
use app::referral::LinkSetup;

use crate::linked::{code, other_db};
use crate::{app_at_now, national, seed, DAY, NOW};

/// Hà Nội knows the national instance (which sends it nothing) and HCMC (which sends only
/// referral statuses, so is no recipient of figures); the national instance takes figures
/// from Hà Nội.
async fn link(a: &mut app::App, n: &mut app::App) {
    let (ka, kn) = (
        a.store.link_key().await.unwrap(),
        n.store.link_key().await.unwrap(),
    );
    let peer = |c: &str, name: &str, key: link::PublicKey, kinds: Vec<Kind>| Peer {
        code: code(c),
        name: name.into(),
        public_key: key,
        kinds: kinds.into_iter().collect(),
    };
    n.store
        .put_link_locality(
            &peer("01", "Thành phố Hà Nội", ka.public(), vec![Kind::Figures]),
            NOW,
        )
        .await
        .unwrap();
    a.store
        .put_link_locality(&peer("VN", "Quốc gia", kn.public(), vec![]), NOW)
        .await
        .unwrap();
    a.store
        .put_link_locality(
            &peer(
                "79",
                "TP. Hồ Chí Minh",
                link::KeyPair::generate().public(),
                vec![Kind::ReferralStatus],
            ),
            NOW,
        )
        .await
        .unwrap();
    let (ra, rn) = (
        a.store.link_registry(code("01")).await.unwrap(),
        n.store.link_registry(code("VN")).await.unwrap(),
    );
    a.set_link(Some(LinkSetup {
        me: code("01"),
        key: ka,
        registry: ra,
    }));
    n.set_link(Some(LinkSetup {
        me: code("VN"),
        key: kn,
        registry: rn,
    }));
}

/// Hands `bytes` to `to`'s `receive` with the application's dispatcher.
async fn receive(to: &app::App, bytes: &[u8]) -> Received {
    let registry = to.link.as_ref().unwrap().registry.clone();
    let app = to.clone();
    to.store
        .receive::<LinkError, _>(bytes, &registry, NOW, move |tx, e| {
            Box::pin(async move {
                let handled = app::link::dispatch(&app, tx, e).await?;
                assert_eq!(handled, app::link::Handled::Applied);
                Ok(())
            })
        })
        .await
        .unwrap()
}

/// Every unsent message of `from`, delivered `times` times each, then marked sent.
async fn deliver(from: &app::App, to: &app::App, times: usize) -> Vec<Received> {
    let unsent = from.store.unsent(1000).await.unwrap();
    let mut out = Vec::new();
    for (_, _, bytes) in &unsent {
        for _ in 0..times {
            out.push(receive(to, bytes).await);
        }
    }
    let ids: Vec<String> = unsent.into_iter().map(|(id, _, _)| id).collect();
    from.store.mark_sent(&ids, NOW).await.unwrap();
    out
}

/// Hà Nội's figures: case 1 of the seed, a facility (4 tier-1 beds, 10 quarantine places),
/// levels published for two communes, one open need.
async fn hanoi(a: &app::App) {
    seed(&a.store, 4).await;
    let system = Caller::system("test");
    a.store
        .create_facility(
            &system,
            &NewFacility {
                name: "Khu thu dung".into(),
                kind: FacilityKind::F0Isolation,
                structure: Structure::S2021,
                unit_code: UnitCode::parse("00001").unwrap(),
                address: None,
                beds: vec![(BedType::F0Tier1, 4), (BedType::Quarantine, 10)],
            },
            NOW,
        )
        .await
        .unwrap();
    let level = |unit: &str, level: u8| PublishedLevel {
        structure: Structure::S2021,
        unit_code: unit.into(),
        unit_level: UnitLevel::Commune,
        week_end: NaiveDate::from_ymd_opt(2021, 11, 14).unwrap(),
        level,
        policy: "test".into(),
        population: 1000,
        cases: 1,
        inputs: vec![],
        reason_vi: "thử".into(),
        reason_en: "test".into(),
        published_at_s: NOW - 5 * DAY,
        published_by: "test".into(),
    };
    a.store
        .publish_risk_levels(&[level("00001", 3), level("00004", 1)])
        .await
        .unwrap();
    let command = national(a, "command", Role::Command).await;
    a.store
        .post_need(
            &command,
            &store::aid::NewNeed {
                unit: UnitCode::parse("00001").unwrap(),
                item: domain::aid::item("masks").unwrap(),
                quantity: 5000,
                by_date: NaiveDate::from_ymd_opt(2021, 11, 30).unwrap(),
                note: None,
            },
            NOW,
        )
        .await
        .unwrap();
}

fn kept_body(view: &app::national::NationalView) -> FiguresBody {
    assert_eq!(view.rows.len(), 1, "{view:?}");
    view.rows[0].figures.clone()
}

async fn hanoi_figures_reach_the_national_instance_once_and_the_latest_day_stands(store: Store) {
    let db_n = other_db(&store).await;
    let (mut a, mut n) = (app_at_now(store), app_at_now(db_n.store.clone()));
    link(&mut a, &mut n).await;
    hanoi(&a).await;
    let today = a.today();

    // One message, to the national instance only (HCMC sends no figures).
    assert_eq!(a.publish_figures(today).await.unwrap(), 1);
    let unsent = a.store.unsent(100).await.unwrap();
    assert_eq!(unsent.len(), 1);
    assert_eq!(unsent[0].1, "link.01.VN.figures");
    let env = Envelope::from_bytes(&unsent[0].2).unwrap();
    assert_eq!(env.record, "figures:01");

    // Delivered twice: kept once.
    assert_eq!(
        deliver(&a, &n, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let view = national_view(&n).await.unwrap();
    assert_eq!(view.rows[0].name, "Thành phố Hà Nội");
    let kept = kept_body(&view);

    // The dashboard's numbers, read as the dashboard reads them for the whole locality.
    let everything = Scope::everything();
    let counts = a
        .store
        .case_counts(&everything, Structure::S2021, NOW)
        .await
        .unwrap();
    let coverage = a
        .store
        .coverage_by_unit(&everything, Structure::S2021, UnitLevel::Province, today)
        .await
        .unwrap();
    assert_eq!(kept.day, today.format("%Y-%m-%d").to_string());
    assert_eq!(
        (
            kept.cases_new,
            kept.cases_active,
            kept.deaths,
            kept.recovered,
            kept.f1_under_follow_up,
            kept.vaccinated
        ),
        (
            counts.new_today,
            counts.active,
            counts.died,
            counts.recovered,
            counts.f1_in_quarantine,
            coverage.iter().map(|c| c.adults_1dose).sum::<i64>()
        )
    );
    assert_eq!(
        (kept.cases_new, kept.cases_active),
        (1, 1),
        "case 1 of the seed"
    );
    assert_eq!(kept.levels.week.as_deref(), Some("2021-11-14"));
    assert_eq!(kept.levels.counts, [1, 0, 1, 0]);
    assert_eq!(kept.levels.units.get("00001"), Some(&3));
    assert_eq!(kept.levels.worst(), Some(3));
    let tier = |t: u8| kept.beds.iter().find(|b| b.tier == t).copied().unwrap();
    assert_eq!((tier(1).total, tier(1).free), (4, 4));
    assert_eq!((tier(0).total, tier(0).free), (10, 10));
    assert_eq!(kept.needs.len(), 1);
    assert_eq!(
        (kept.needs[0].item.as_str(), kept.needs[0].quantity),
        ("masks", 5000)
    );
    // The totals of one row are that row.
    assert_eq!(view.total.cases_active, kept.cases_active);
    assert_eq!(view.total.level_counts, kept.levels.counts);
    assert_eq!(view.total.beds_free, [10, 4, 0, 0]);
    assert_eq!(view.total.open_needs, 1);

    // Yesterday's figures published after today's: applied in order, yet today's stand.
    assert_eq!(
        a.publish_figures(today.pred_opt().unwrap()).await.unwrap(),
        1
    );
    assert_eq!(deliver(&a, &n, 1).await, [Received::Applied]);
    assert_eq!(kept_body(&national_view(&n).await.unwrap()).day, kept.day);

    // An old message (seq 1 of the record, a new id) after the newer ones: stale.
    let setup = a.link.as_ref().unwrap();
    let mut old = Envelope::new(
        code("01"),
        code("VN"),
        Kind::Figures,
        "figures:01",
        1,
        NOW,
        serde_json::to_value(FiguresBody {
            cases_new: 999,
            ..kept.clone()
        })
        .unwrap(),
    )
    .unwrap();
    sign::sign(&mut old, &setup.key);
    assert_eq!(receive(&n, &old.to_bytes()).await, Received::Stale);
    assert_eq!(kept_body(&national_view(&n).await.unwrap()), kept);

    // A later day supersedes.
    a.clock = app::clock::LocalityClock::reading(NOW + DAY);
    n.clock = app::clock::LocalityClock::reading(NOW + DAY);
    let tomorrow = a.today();
    assert_eq!(a.publish_figures(tomorrow).await.unwrap(), 1);
    assert_eq!(deliver(&a, &n, 1).await, [Received::Applied]);
    let later = kept_body(&national_view(&n).await.unwrap());
    assert_eq!(later.day, tomorrow.format("%Y-%m-%d").to_string());
    assert_eq!(later.cases_new, 0, "nothing confirmed on the next day");
}

both_databases!(hanoi_figures_reach_the_national_instance_once_and_the_latest_day_stands);

/// A locality that is not linked publishes nothing.
async fn an_unlinked_locality_cannot_publish(store: Store) {
    let a = app_at_now(store);
    assert!(matches!(
        a.publish_figures(a.today()).await,
        Err(app::national::NationalError::NotLinked)
    ));
}

both_databases!(an_unlinked_locality_cannot_publish);
