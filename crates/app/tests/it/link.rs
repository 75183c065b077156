//! The linked localities' runtime (issue #17) on a real three-server JetStream cluster: Hà Nội
//! ("01") sends, HCMC ("79") receives; every message enqueued in Hà Nội is applied in HCMC once
//! and in order per record, through a server's loss, the receiver's absence, the sender's
//! restart; forged and unallowed messages are refused and recorded. Skipped (with a note)
//! without `CHONGDICH_TEST_NATS_BIN`; each scenario runs on SQLite, then on PostgreSQL when
//! `CHONGDICH_TEST_PG` is set (both localities on the same kind of database).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::link::{dispatcher, Dispatch, Handled, LinkConfig, LinkCounts, LinkError, LinkRuntime};
use link::registry::Peer;
use link::testing::{nats_bin, Cluster};
use link::{sign, Envelope, KeyPair, Kind, LocalityCode, Registry};
use serde_json::json;
use store::testing::TestDb;
use store::{both_databases, OutMessage, Received, Store, StoreError};
use tokio::sync::Notify;

use crate::NOW;

pub(crate) fn code(s: &str) -> LocalityCode {
    LocalityCode::parse(s).unwrap()
}

pub(crate) fn wall_s() -> i64 {
    app::clock::WallClock::now_s()
}

/// When each envelope was applied, by id (the latency's end).
pub(crate) type AppliedAt = Arc<Mutex<HashMap<String, Instant>>>;

/// The test's handler: appends the message's seq to `meta.got:RECORD` in the receiving
/// transaction, so exactly once and the order are read back from the database.
pub(crate) fn recording(applied_at: AppliedAt) -> Dispatch {
    dispatcher(move |tx, env| {
        let applied_at = applied_at.clone();
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = meta.value || ',' || excluded.value",
            )
            .bind(format!("got:{}", env.record))
            .bind(env.seq.to_string())
            .execute(&mut **tx)
            .await
            .map_err(|e| LinkError::Store(StoreError::from(e)))?;
            applied_at
                .lock()
                .unwrap()
                .insert(env.id.clone(), Instant::now());
            Ok(Handled::Applied)
        })
    })
}

/// One side: its database, key, bus and (when running) runtime.
pub(crate) struct Locality {
    pub(crate) db: TestDb,
    pub(crate) me: LocalityCode,
    pub(crate) key: KeyPair,
    pub(crate) wake: Arc<Notify>,
    pub(crate) applied_at: AppliedAt,
    runtime: Option<LinkRuntime>,
    /// Counts of runtimes already shut down, added up.
    before: LinkCounts,
}

impl Locality {
    pub(crate) fn store(&self) -> &Store {
        &self.db.store
    }

    pub(crate) async fn start(&mut self, cluster: &Cluster) {
        assert!(self.runtime.is_none());
        let bus = Arc::new(cluster.bus(self.me.as_str()).await.expect("bus"));
        let registry = self.store().link_registry(self.me.clone()).await.unwrap();
        self.runtime = Some(LinkRuntime::start_with(
            self.store().clone(),
            bus,
            registry,
            recording(self.applied_at.clone()),
            Arc::new(wall_s),
            self.wake.clone(),
            LinkConfig::default(),
        ));
    }

    pub(crate) async fn stop(&mut self) {
        if let Some(r) = self.runtime.take() {
            let c = r.metrics();
            r.shutdown(Duration::from_secs(10)).await;
            self.before = sum(self.before, c);
        }
    }

    fn counts(&self) -> LinkCounts {
        let now = self
            .runtime
            .as_ref()
            .map(|r| r.metrics())
            .unwrap_or_default();
        sum(self.before, now)
    }

    /// Enqueues message number `n` (of record `n % records`) to `to`; returns its id.
    async fn send(&self, to: &LocalityCode, kind: Kind, n: usize, records: usize) -> String {
        let e = self
            .store()
            .enqueue(
                &self.me,
                to,
                kind,
                &format!("contact:01:{}", n % records),
                json!({"n": n}),
                wall_s(),
                &self.key,
            )
            .await
            .unwrap();
        self.wake.notify_one();
        e.id
    }
}

impl Locality {
    /// Enqueues referrals `first..first + k` (of records `n % records`) to `to` in one
    /// transaction, as a trace does its referrals; their ids.
    pub(crate) async fn send_many(
        &self,
        to: &LocalityCode,
        first: usize,
        k: usize,
        records: usize,
    ) -> Vec<String> {
        let messages = (first..first + k)
            .map(|n| OutMessage {
                to: to.clone(),
                kind: Kind::Referral,
                record: format!("contact:01:{}", n % records),
                body: json!({"n": n}),
            })
            .collect();
        let mut tx = self.store().begin_transaction().await.unwrap();
        let sent = self
            .store()
            .enqueue_many_in(&mut tx, &self.me, messages, wall_s(), &self.key)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        self.wake.notify_one();
        sent.into_iter().map(|e| e.id).collect()
    }
}

fn sum(a: LinkCounts, b: LinkCounts) -> LinkCounts {
    LinkCounts {
        published: a.published + b.published,
        applied: a.applied + b.applied,
        set_aside: a.set_aside + b.set_aside,
        duplicates: a.duplicates + b.duplicates,
        stale: a.stale + b.stale,
        refused: a.refused + b.refused,
        out_of_order: a.out_of_order + b.out_of_order,
        failed: a.failed + b.failed,
        bus_errors: a.bus_errors + b.bus_errors,
    }
}

async fn locality(db: TestDb, me: &str) -> Locality {
    let key = db.store.link_key().await.unwrap();
    Locality {
        db,
        me: code(me),
        key,
        wake: Arc::default(),
        applied_at: Arc::default(),
        runtime: None,
        before: LinkCounts::default(),
    }
}

/// Hà Nội and HCMC, each with the other in its registry. Hà Nội may send HCMC referrals only;
/// HCMC may send Hà Nội anything.
pub(crate) async fn pair(a: TestDb, b: TestDb) -> (Locality, Locality) {
    let (hn, hcm) = (locality(a, "01").await, locality(b, "79").await);
    hcm.store()
        .put_link_locality(
            &Peer {
                code: hn.me.clone(),
                name: "Hà Nội".into(),
                public_key: hn.key.public(),
                kinds: [Kind::Referral, Kind::ReferralStatus].into(),
            },
            NOW,
        )
        .await
        .unwrap();
    hn.store()
        .put_link_locality(
            &Peer {
                code: hcm.me.clone(),
                name: "TP. Hồ Chí Minh".into(),
                public_key: hcm.key.public(),
                kinds: Kind::ALL.into(),
            },
            NOW,
        )
        .await
        .unwrap();
    (hn, hcm)
}

/// A pair on SQLite, then one on PostgreSQL when configured.
pub(crate) async fn pairs() -> Vec<(&'static str, TestDb, TestDb)> {
    let mut out = vec![(
        "sqlite",
        store::testing::sqlite().await,
        store::testing::sqlite().await,
    )];
    if let (Some(a), Some(b)) = (
        store::testing::postgres().await,
        store::testing::postgres().await,
    ) {
        out.push(("postgres", a, b));
    }
    out
}

pub(crate) async fn cluster() -> Option<Cluster> {
    let bin = nats_bin()?;
    Some(
        Cluster::start(&bin, 3, &["01", "79"])
            .await
            .expect("a three-server cluster starts"),
    )
}

/// Waits until `done` holds, for at most `limit`; panics with `what` otherwise.
pub(crate) async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every record of the `n` messages over `records` got its seqs once each, in order.
pub(crate) async fn assert_all_in_order(store: &Store, n: usize, records: usize) {
    for r in 0..records {
        let per = (0..n).filter(|i| i % records == r).count();
        let want: Vec<String> = (1..=per).map(|s| s.to_string()).collect();
        let got = store
            .meta(&format!("got:contact:01:{r}"))
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(got, want.join(","), "record {r}");
    }
    let unsent = store.unsent(10).await.unwrap();
    assert!(unsent.is_empty(), "the receiver sent nothing");
}

async fn unsent(l: &Locality) -> usize {
    l.store().unsent(100_000).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_messages_over_ten_records_arrive_once_and_in_order() {
    let Some(cluster) = cluster().await else {
        return;
    };
    for (db, a, b) in pairs().await {
        let (mut hn, mut hcm) = pair(a, b).await;
        hn.start(&cluster).await;
        hcm.start(&cluster).await;
        for n in 0..1000 {
            hn.send(&hcm.me, Kind::Referral, n, 10).await;
        }
        wait_until(Duration::from_secs(120), "1,000 applied", || {
            hcm.counts().applied >= 1000
        })
        .await;
        // A moment for anything extra to show up.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(hcm.counts().applied, 1000, "{db}");
        assert_all_in_order(hcm.store(), 1000, 10).await;
        assert_eq!(unsent(&hn).await, 0, "{db}: every row marked sent");
        assert_eq!(hn.counts().published, 1000, "{db}");
        hn.stop().await;
        hcm.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_server_lost_midway_loses_nothing() {
    let Some(mut cluster) = cluster().await else {
        return;
    };
    for (round, (db, a, b)) in pairs().await.into_iter().enumerate() {
        let (mut hn, mut hcm) = pair(a, b).await;
        hn.start(&cluster).await;
        hcm.start(&cluster).await;
        // 10,000 referrals over 1,000 records, a hundred a transaction.
        for n in (0..TEN_THOUSAND).step_by(100) {
            if n == 4_000 {
                // A crash, not a graceful leave; another server each round.
                cluster.stop(round % 3);
            }
            hn.send_many(&hcm.me, n, 100, 1_000).await;
        }
        wait_until(Duration::from_secs(600), "10,000 applied", || {
            hcm.counts().applied >= TEN_THOUSAND as u64
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(hcm.counts().applied, TEN_THOUSAND as u64, "{db}");
        assert_all_in_order(hcm.store(), TEN_THOUSAND, 1_000).await;
        assert_eq!(unsent(&hn).await, 0, "{db}");
        hn.stop().await;
        hcm.stop().await;
        cluster
            .restart(round % 3)
            .await
            .expect("the server is back");
    }
}

/// The fault runs' size: the 10,000 referrals.
const TEN_THOUSAND: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_stopped_for_the_whole_batch_gets_it_all_after_its_restart() {
    let Some(cluster) = cluster().await else {
        return;
    };
    for (db, a, b) in pairs().await {
        let (mut hn, mut hcm) = pair(a, b).await;
        hn.start(&cluster).await;
        hcm.start(&cluster).await;
        // The first few while it runs, then it stops for the whole batch of 10,000.
        for n in 0..100 {
            hn.send(&hcm.me, Kind::Referral, n, 1_000).await;
        }
        wait_until(Duration::from_secs(60), "100 applied", || {
            hcm.counts().applied >= 100
        })
        .await;
        hcm.stop().await;
        for n in (100..TEN_THOUSAND + 100).step_by(100) {
            hn.send_many(&hcm.me, n, 100, 1_000).await;
        }
        let total = TEN_THOUSAND + 100;
        wait_until(Duration::from_secs(300), "all published", || {
            hn.counts().published >= total as u64
        })
        .await;
        assert_eq!(
            hcm.counts().applied,
            100,
            "{db}: nothing taken in while stopped"
        );
        let admin = cluster.admin().await.unwrap();
        // Packed (up to PACK_MAX envelopes a message): at least that many messages wait.
        let waiting = admin.inbox_backlog(&hcm.me).await.unwrap();
        assert!(
            waiting >= (TEN_THOUSAND / link::pack::PACK_MAX) as u64
                && waiting <= TEN_THOUSAND as u64,
            "{db}: {waiting} messages wait"
        );
        hcm.start(&cluster).await;
        wait_until(Duration::from_secs(600), "all applied", || {
            hcm.counts().applied >= total as u64
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(hcm.counts().applied, total as u64, "{db}");
        assert_all_in_order(hcm.store(), total, 1_000).await;
        hn.stop().await;
        hcm.stop().await;
        assert_eq!(admin.inbox_backlog(&hcm.me).await.unwrap(), 0, "{db}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_unallowed_messages_are_refused_and_recorded() {
    let Some(cluster) = cluster().await else {
        return;
    };
    for (db, a, b) in pairs().await {
        let (mut hn, mut hcm) = pair(a, b).await;
        hcm.start(&cluster).await;
        // Someone with Hà Nội's NATS password but not its key: signed with another key.
        let mut forged = Envelope::new(
            hn.me.clone(),
            hcm.me.clone(),
            Kind::Referral,
            "contact:01:0",
            1,
            wall_s(),
            json!({"n": "forged"}),
        )
        .unwrap();
        sign::sign(&mut forged, &KeyPair::generate());
        let bus = cluster.bus("01").await.unwrap();
        bus.publish(&forged.subject(), &forged.id, &forged.to_bytes())
            .await
            .expect("the bus carries it: the signature is the receiver's to check");
        // Hà Nội itself, on a kind HCMC's registry does not allow it.
        hn.send(&hcm.me, Kind::Gift, 5, 10).await;
        hn.start(&cluster).await;
        // And an honest one of the forged record: applied as its seq 1.
        hn.send(&hcm.me, Kind::Referral, 0, 10).await;
        wait_until(Duration::from_secs(60), "all three taken in", || {
            let c = hcm.counts();
            c.refused >= 2 && c.applied >= 1
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let c = hcm.counts();
        assert_eq!((c.refused, c.applied), (2, 1), "{db}: {c:?}");
        assert_eq!(
            hcm.store()
                .meta("got:contact:01:0")
                .await
                .unwrap()
                .as_deref(),
            Some("1"),
            "{db}: the honest message, not the forged one"
        );
        assert_eq!(
            hcm.store().meta("got:contact:01:5").await.unwrap(),
            None,
            "{db}"
        );
        let mut reasons: Vec<String> = Vec::new();
        for id in 1..=2 {
            let r = store::testing::scalar(
                hcm.store(),
                &format!(
                    "SELECT CASE reason WHEN 'bad_signature' THEN 1 WHEN 'kind_not_allowed' THEN 2 ELSE 0 END
                     FROM link_refusals WHERE id = {id}"
                ),
            )
            .await;
            reasons.push(r.to_string());
        }
        reasons.sort();
        assert_eq!(reasons, ["1", "2"], "{db}: both recorded with their reason");
        let admin = cluster.admin().await.unwrap();
        hn.stop().await;
        hcm.stop().await;
        assert_eq!(
            admin.inbox_backlog(&hcm.me).await.unwrap(),
            0,
            "{db}: refusals are acknowledged, not redelivered forever"
        );
    }
}

/// Over NATS, a message delivered twice (published again under another `Nats-Msg-Id`, so
/// JetStream's own de-duplication does not catch it) and a record's second update published
/// before its first: each applied once, the record's updates in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_and_an_early_update_apply_once_in_order() {
    let Some(cluster) = cluster().await else {
        return;
    };
    for (db, a, b) in pairs().await {
        let (hn, mut hcm) = pair(a, b).await;
        let message = |seq: i64| {
            let mut e = Envelope::new(
                hn.me.clone(),
                hcm.me.clone(),
                Kind::Referral,
                "contact:01:7",
                seq,
                wall_s(),
                json!({"n": seq}),
            )
            .unwrap();
            sign::sign(&mut e, &hn.key);
            e
        };
        let (first, second) = (message(1), message(2));
        let bus = cluster.bus("01").await.unwrap();
        for (e, msg_id) in [
            (&second, second.id.clone()),
            (&first, first.id.clone()),
            (&first, format!("{}-again", first.id)),
        ] {
            bus.publish(&e.subject(), &msg_id, &e.to_bytes())
                .await
                .unwrap();
        }
        hcm.start(&cluster).await;
        wait_until(Duration::from_secs(60), "both applied", || {
            hcm.counts().applied >= 2
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let c = hcm.counts();
        assert_eq!((c.applied, c.duplicates), (2, 1), "{db}: {c:?}");
        assert_eq!(
            hcm.store()
                .meta("got:contact:01:7")
                .await
                .unwrap()
                .as_deref(),
            Some("1,2"),
            "{db}"
        );
        let admin = cluster.admin().await.unwrap();
        hcm.stop().await;
        assert_eq!(admin.inbox_backlog(&hcm.me).await.unwrap(), 0, "{db}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_resumes_unsent_rows_after_the_sender_restarts() {
    let Some(cluster) = cluster().await else {
        return;
    };
    for (db, a, b) in pairs().await {
        let (mut hn, mut hcm) = pair(a, b).await;
        hcm.start(&cluster).await;
        for n in 0..600 {
            hn.send(&hcm.me, Kind::Referral, n, 10).await;
        }
        // The relay crashed after publishing the first 50 and before marking them sent.
        let bus = cluster.bus("01").await.unwrap();
        for (id, subject, bytes) in hn.store().unsent(50).await.unwrap() {
            bus.publish(&subject, &id, &bytes).await.unwrap();
        }
        // Started, then stopped before it is done (a small batch makes it take a while).
        let runtime = LinkRuntime::start_with(
            hn.store().clone(),
            Arc::new(cluster.bus("01").await.unwrap()),
            hn.store().link_registry(hn.me.clone()).await.unwrap(),
            recording(hn.applied_at.clone()),
            Arc::new(wall_s),
            hn.wake.clone(),
            LinkConfig {
                batch: 20,
                ..LinkConfig::default()
            },
        );
        wait_until(Duration::from_secs(60), "some published", || {
            runtime.metrics().published >= 100
        })
        .await;
        runtime.shutdown(Duration::from_secs(10)).await;
        let left = unsent(&hn).await;
        assert!(left > 0 && left < 600, "{db}: stopped midway ({left} left)");
        for n in 600..1000 {
            hn.send(&hcm.me, Kind::Referral, n, 10).await;
        }
        hn.start(&cluster).await;
        wait_until(Duration::from_secs(120), "1,000 applied", || {
            hcm.counts().applied >= 1000
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(hcm.counts().applied, 1000, "{db}");
        assert_all_in_order(hcm.store(), 1000, 10).await;
        assert_eq!(unsent(&hn).await, 0, "{db}");
        hn.stop().await;
        hcm.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_the_server_refuses_does_not_hold_the_others_back() {
    let Some(cluster) = cluster().await else {
        return;
    };
    let (_, a, b) = pairs().await.into_iter().next().unwrap();
    let (mut hn, mut hcm) = pair(a, b).await;
    // Misaddressed: written as from HCMC, which Hà Nội's NATS user may not publish.
    let wrong = hn
        .store()
        .enqueue(
            &hcm.me,
            &hn.me,
            Kind::Referral,
            "contact:79:1",
            json!({}),
            wall_s(),
            &hn.key,
        )
        .await
        .unwrap();
    hn.start(&cluster).await;
    hcm.start(&cluster).await;
    let started = Instant::now();
    let mut committed = HashMap::new();
    for n in 0..300 {
        let id = hn.send(&hcm.me, Kind::Referral, n, 10).await;
        committed.insert(id, Instant::now());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    wait_until(Duration::from_secs(60), "300 applied", || {
        hcm.counts().applied >= 300
    })
    .await;
    let applied = hcm.applied_at.lock().unwrap().clone();
    // The first batch learns of the refusal only when its acknowledgement times out (2 s);
    // after that, were the row tried in every batch, each would wait as long again.
    let slowest_later = committed
        .iter()
        .filter(|(_, at)| at.duration_since(started) > Duration::from_millis(2500))
        .map(|(id, at)| applied[id].saturating_duration_since(*at))
        .max()
        .expect("messages after the first batch");
    assert!(
        slowest_later < Duration::from_millis(1000),
        "{slowest_later:?}"
    );
    let left = hn.store().unsent(10).await.unwrap();
    assert_eq!(left.len(), 1, "the refused row is kept, not dropped");
    assert_eq!(left[0].0, wrong.id);
    assert_all_in_order(hcm.store(), 300, 10).await;
    hn.stop().await;
    hcm.stop().await;
}

// The application's dispatcher, without NATS: a message its handler refuses for good (here a
// `letter` whose body is no letter; before letters had a handler, any letter) is set aside —
// recorded and taken in — so the record's next message is not held behind it.

async fn a_message_its_handler_refuses_is_set_aside_not_stuck(store: Store) {
    let app = crate::app_at_now(store.clone());
    let hn = KeyPair::generate();
    store
        .put_link_locality(
            &Peer {
                code: code("01"),
                name: "Hà Nội".into(),
                public_key: hn.public(),
                kinds: Kind::ALL.into(),
            },
            NOW,
        )
        .await
        .unwrap();
    let registry: Registry = store.link_registry(code("79")).await.unwrap();
    let dispatch = app::link::app_dispatch(&app);
    for seq in 1..=2 {
        let mut e = Envelope::new(
            code("01"),
            code("79"),
            Kind::Letter,
            "letter:01:1",
            seq,
            NOW,
            json!({"text": "Cảm ơn"}),
        )
        .unwrap();
        sign::sign(&mut e, &hn);
        let d = dispatch.clone();
        let got = store
            .receive::<LinkError, _>(&e.to_bytes(), &registry, NOW, move |tx, env| {
                Box::pin(async move {
                    assert_eq!(d(tx, env).await?, Handled::SetAside);
                    Ok(())
                })
            })
            .await
            .unwrap();
        assert_eq!(got, Received::Applied, "seq {seq} taken in");
    }
    assert_eq!(
        store::testing::scalar(
            &store,
            "SELECT COUNT(*) FROM link_refusals WHERE reason LIKE 'refused: malformed letter body%'"
        )
        .await,
        2
    );
}

both_databases!(a_message_its_handler_refuses_is_set_aside_not_stuck);

// A referral its handler refuses for good (here, a body of an unknown version) is set aside
// with the handler's reason, nothing of it kept, and the record's next message still passes.

async fn a_referral_refused_by_its_handler_is_set_aside(store: Store) {
    let app = crate::app_at_now(store.clone());
    let hn = KeyPair::generate();
    store
        .put_link_locality(
            &Peer {
                code: code("01"),
                name: "Hà Nội".into(),
                public_key: hn.public(),
                kinds: Kind::ALL.into(),
            },
            NOW,
        )
        .await
        .unwrap();
    let registry: Registry = store.link_registry(code("79")).await.unwrap();
    let dispatch = app::link::app_dispatch(&app);
    let contacts_before = store::testing::scalar(&store, "SELECT COUNT(*) FROM contacts").await;
    for seq in 1..=2 {
        let mut e = Envelope::new(
            code("01"),
            code("79"),
            Kind::Referral,
            "contact:01:1",
            seq,
            NOW,
            json!({"v": 99}),
        )
        .unwrap();
        sign::sign(&mut e, &hn);
        let d = dispatch.clone();
        let got = store
            .receive::<LinkError, _>(&e.to_bytes(), &registry, NOW, move |tx, env| {
                Box::pin(async move {
                    assert_eq!(d(tx, env).await?, Handled::SetAside);
                    Ok(())
                })
            })
            .await
            .unwrap();
        assert_eq!(got, Received::Applied, "seq {seq} taken in");
    }
    assert_eq!(
        store::testing::scalar(
            &store,
            "SELECT COUNT(*) FROM link_refusals WHERE reason LIKE 'refused: malformed referral body%'"
        )
        .await,
        2
    );
    assert_eq!(
        store::testing::scalar(&store, "SELECT COUNT(*) FROM contacts").await,
        contacts_before
    );
}

both_databases!(a_referral_refused_by_its_handler_is_set_aside);
