//! The proof on a real three-server JetStream cluster (issue #17): three localities —
//! Hà Nội ("01"), HCMC ("79") and Vientiane ("LA-VT") — each with its own database, its own
//! key and its own runtime (relay and consumer) running the application's dispatcher. Every
//! message goes through NATS, end to end: a referral and its follow-up back, a case shared for
//! view pseudonymised and then revoked, a hand-over rejected and one accepted, a gift and its
//! receipt with a shortfall. Skipped without `CHONGDICH_TEST_NATS_BIN`; on SQLite, then on
//! PostgreSQL when `CHONGDICH_TEST_PG` is set.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::link::{LinkConfig, LinkRuntime};
use app::referral::LinkSetup;
use domain::aid::AidStatus;
use domain::followup::FollowUpStatus;
use domain::share::Pseudonymisation;
use domain::{CaseId, Role};
use link::registry::Peer;
use link::testing::{nats_bin, Cluster};
use link::{Kind, LocalityCode};
use store::aid::{AidFilter, Receipt};
use store::testing::TestDb;
use store::{Caller, HandoverDirection, HandoverStatus, PageRequest, WorkList};

use crate::handover::positive_pcr;
use crate::link_gift::masks_and_money;
use crate::referral::{hanoi_with_a_visitor_from_hcmc, listed, reached};
use crate::{app_at_now, national, NOW};

const CODES: [&str; 3] = ["01", "79", "LA-VT"];

fn code(s: &str) -> LocalityCode {
    LocalityCode::parse(s).unwrap()
}

/// Polls `done` every 50 ms until it holds; panics naming `what` after a minute.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Three databases of one dialect: SQLite, or PostgreSQL when configured.
async fn databases(postgres: bool) -> Option<Vec<TestDb>> {
    let mut out = Vec::new();
    for _ in CODES {
        out.push(match postgres {
            false => store::testing::sqlite().await,
            true => store::testing::postgres().await?,
        });
    }
    Some(out)
}

/// The three localities linked: each registers the other two for every kind, and runs its
/// runtime on the cluster.
async fn linked(cluster: &Cluster, dbs: &[TestDb]) -> (Vec<app::App>, Vec<LinkRuntime>) {
    let mut apps: Vec<app::App> = dbs.iter().map(|d| app_at_now(d.store.clone())).collect();
    let mut keys = Vec::new();
    for app in &apps {
        keys.push(app.store.link_key().await.unwrap());
    }
    for (i, app) in apps.iter().enumerate() {
        for (j, other) in CODES.iter().enumerate().filter(|(j, _)| *j != i) {
            let peer = Peer {
                code: code(other),
                name: other.to_string(),
                public_key: keys[j].public(),
                kinds: Kind::ALL.into(),
            };
            app.store.put_link_locality(&peer, NOW).await.unwrap();
        }
    }
    let mut runtimes = Vec::new();
    for (i, app) in apps.iter_mut().enumerate() {
        let registry = app.store.link_registry(code(CODES[i])).await.unwrap();
        app.set_link(Some(LinkSetup {
            me: code(CODES[i]),
            key: keys[i].clone(),
            registry: registry.clone(),
        }));
        let bus = Arc::new(cluster.bus(CODES[i]).await.unwrap());
        runtimes.push(LinkRuntime::start(
            app,
            bus,
            registry,
            LinkConfig::default(),
        ));
    }
    (apps, runtimes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_localities_exchange_everything_through_jetstream() {
    let Some(bin) = nats_bin() else {
        return;
    };
    let cluster = Cluster::start(&bin, 3, &CODES)
        .await
        .expect("a three-server cluster starts");
    for postgres in [false, true] {
        let Some(dbs) = databases(postgres).await else {
            continue;
        };
        let (apps, runtimes) = linked(&cluster, &dbs).await;
        let (hn, hcm, vt) = (&apps[0], &apps[1], &apps[2]);
        scenario(hn, hcm, vt).await;
        for r in runtimes {
            let counts = r.metrics();
            assert_eq!(
                (counts.refused, counts.set_aside, counts.failed),
                (0, 0, 0),
                "postgres {postgres}: {counts:?}"
            );
            r.shutdown(Duration::from_secs(5)).await;
        }
    }
}

async fn scenario(hn: &app::App, hcm: &app::App, vt: &app::App) {
    let system = Caller::system("test");

    // 1. A referral: a trace in Hà Nội finds an F1 living in HCMC, who lands on HCMC's
    //    follow-up list; HCMC reaches them, and Hà Nội's contact says so.
    hanoi_with_a_visitor_from_hcmc(hn).await;
    let tracer_a = national(hn, "tracer", Role::Tracer).await;
    let tracer_b = national(hcm, "tracer", Role::Tracer).await;
    app::tracing::trace_and_record(hn, &tracer_a, CaseId(1))
        .await
        .unwrap();
    eventually("the referral on HCMC's list", || async {
        listed(hcm, &tracer_b, WorkList::All).await.len() == 1
    })
    .await;
    let theirs = listed(hcm, &tracer_b, WorkList::All).await.remove(0);
    assert_eq!(theirs.referred_from.as_deref(), Some("01"));
    hcm.record_follow_up(&tracer_b, theirs.id, &reached())
        .await
        .unwrap()
        .unwrap();
    eventually("the follow-up back in Hà Nội", || async {
        listed(hn, &tracer_a, WorkList::All)
            .await
            .iter()
            .any(|c| c.person_id.0 == 5 && c.follow_status == FollowUpStatus::InQuarantine)
    })
    .await;

    // 2. A case shared for view with Vientiane, pseudonymised: no name there; then revoked.
    let cmd_a = national(hn, "command", Role::Command).await;
    let cmd_vt = national(vt, "command", Role::Command).await;
    let all = Pseudonymisation {
        no_identifiers: true,
        birth_year_only: true,
        commune_only: true,
    };
    let share = hn
        .share_case(&cmd_a, CaseId(1), &code("LA-VT"), all)
        .await
        .unwrap();
    eventually("the shared copy in Vientiane", || async {
        vt.shared_with_us(&cmd_vt).await.unwrap().len() == 1
    })
    .await;
    let copy = vt.shared_with_us(&cmd_vt).await.unwrap().remove(0);
    let person = &copy.case.as_ref().expect("the shared case").person;
    assert_eq!(
        (
            person.full_name.as_ref(),
            person.national_id.as_ref(),
            person.phone.as_ref()
        ),
        (None, None, None)
    );
    assert_eq!(person.birth_date, None, "birth year only");
    assert!(hn.revoke_share(&cmd_a, share).await.unwrap());
    eventually("the copy gone in Vientiane", || async {
        vt.shared_case(&cmd_vt, copy.id).await.unwrap().is_none()
    })
    .await;

    // 3. A hand-over rejected, then one accepted: HCMC owns the case, Hà Nội's is read-only.
    let cmd_b = national(hcm, "command", Role::Command).await;
    let offer_in = |n: usize| async move {
        let offers = hcm
            .store
            .handovers(Some(HandoverDirection::In), 100)
            .await
            .unwrap();
        (offers.len() >= n).then(|| offers.into_iter().max_by_key(|h| h.id).unwrap())
    };
    // The case's positive test travels with it (a case is taken in through its test).
    assert!(hn
        .add_case_test(&system, CaseId(1), &positive_pcr())
        .await
        .unwrap());
    let first = hn
        .hand_over(&cmd_a, CaseId(1), &code("79"), "chuyển viện")
        .await
        .unwrap()
        .unwrap();
    eventually("the offer in HCMC", || async {
        offer_in(1).await.is_some()
    })
    .await;
    let offer = offer_in(1).await.unwrap();
    assert_eq!(
        hcm.answer_handover(&cmd_b, offer.id, false, Some("hết giường"))
            .await
            .unwrap(),
        None
    );
    let status_in_hn =
        |id: i64| async move { hn.store.handover(id).await.unwrap().unwrap().status };
    eventually("the rejection in Hà Nội", || async {
        status_in_hn(first).await == HandoverStatus::Rejected
    })
    .await;
    let second = hn
        .hand_over(&cmd_a, CaseId(1), &code("79"), "chuyển viện lần hai")
        .await
        .unwrap()
        .unwrap();
    eventually("the second offer in HCMC", || async {
        offer_in(2).await.is_some()
    })
    .await;
    let offer = offer_in(2).await.unwrap();
    assert!(hcm
        .answer_handover(&cmd_b, offer.id, true, Some("nhận"))
        .await
        .unwrap()
        .is_some());
    eventually("the acceptance in Hà Nội", || async {
        status_in_hn(second).await == HandoverStatus::Accepted
    })
    .await;
    assert_eq!(
        hn.store
            .case_handed_over_to(CaseId(1))
            .await
            .unwrap()
            .as_deref(),
        Some("79")
    );

    // 4. A gift from Hà Nội to Vientiane, received there with a shortfall: Hà Nội's row says so.
    let gift = app::gift::record_donation(hn, &system, &masks_and_money("01", "LA-VT"))
        .await
        .unwrap();
    let incoming = || async {
        vt.store
            .list_donations(&system, &AidFilter::default(), &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|d| d.donor.code_or_id == "01")
    };
    app::gift::advance_donation(hn, &system, gift, AidStatus::Dispatched, None, None)
        .await
        .unwrap();
    eventually("the gift dispatched, in Vientiane", || async {
        incoming()
            .await
            .is_some_and(|d| d.status == AidStatus::Dispatched)
    })
    .await;
    let there = incoming().await.unwrap();
    let receipt = Receipt {
        money_minor: Some(1_500_000),
        goods: vec![("masks".into(), 900_000)],
    };
    app::gift::advance_donation(
        vt,
        &system,
        there.id,
        AidStatus::Received,
        Some(&receipt),
        None,
    )
    .await
    .unwrap();
    eventually("the receipt in Hà Nội", || async {
        let d = hn.store.get_donation(&system, gift).await.unwrap().unwrap();
        d.donation.status == AidStatus::Received
    })
    .await;
    let d = hn.store.get_donation(&system, gift).await.unwrap().unwrap();
    assert_eq!(d.donation.money_shortfall_minor(), Some(500_000));
}
