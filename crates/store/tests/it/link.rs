//! Linked localities' messages (issue #17): the outbox is written with the change it carries,
//! numbered per record; the inbox applies each message once and in order, and refuses and
//! records what is forged or not allowed.

use link::registry::{Peer, Refusal, Registry};
use link::{sign, Envelope, KeyPair, Kind, LocalityCode};
use serde_json::json;
use store::{both_databases, LinkTx, OutMessage, Received, Store, StoreError};

use crate::NOW;

fn code(s: &str) -> LocalityCode {
    LocalityCode::parse(s).unwrap()
}

async fn count(store: &Store, sql: &str) -> i64 {
    store::testing::scalar(store, sql).await
}

/// A change of this locality's own, written in the caller's transaction.
async fn change(tx: &mut LinkTx, key: &str) {
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, 'x')")
        .bind(key)
        .execute(&mut **tx)
        .await
        .unwrap();
}

async fn a_message_is_kept_or_dropped_with_its_change(store: Store) {
    let key = store.link_key().await.unwrap();
    // Made once, then the same.
    assert_eq!(
        store.link_key().await.unwrap().public(),
        key.public(),
        "the key pair is kept"
    );
    let (hn, hcm) = (code("01"), code("79"));

    let mut tx = store.begin_transaction().await.unwrap();
    change(&mut tx, "dropped").await;
    store
        .enqueue_in(
            &mut tx,
            &hn,
            &hcm,
            Kind::Referral,
            "contact:01:1",
            json!({}),
            NOW,
            &key,
        )
        .await
        .unwrap();
    drop(tx);
    assert_eq!(store.meta("dropped").await.unwrap(), None);
    assert!(store.unsent(10).await.unwrap().is_empty());

    let mut tx = store.begin_transaction().await.unwrap();
    change(&mut tx, "kept").await;
    let sent = store
        .enqueue_in(
            &mut tx,
            &hn,
            &hcm,
            Kind::Referral,
            "contact:01:1",
            json!({"a": 1}),
            NOW,
            &key,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.meta("kept").await.unwrap().as_deref(), Some("x"));
    // The dropped message's seq went with it: the kept one is the record's first.
    assert_eq!(sent.seq, 1);
    assert_eq!(sign::verify(&sent, &key.public()), Ok(()));

    let unsent = store.unsent(10).await.unwrap();
    assert_eq!(unsent.len(), 1);
    let (id, subject, bytes) = &unsent[0];
    assert_eq!(id, &sent.id);
    assert_eq!(subject, "link.01.79.referral");
    assert_eq!(Envelope::from_bytes(bytes).unwrap(), sent);

    store
        .mark_sent(std::slice::from_ref(&sent.id), NOW + 1)
        .await
        .unwrap();
    assert!(store.unsent(10).await.unwrap().is_empty());
    // Marked twice: the first time stays.
    store
        .mark_sent(std::slice::from_ref(&sent.id), NOW + 9)
        .await
        .unwrap();
    assert_eq!(
        count(&store, "SELECT sent_at_s FROM link_outbox").await,
        NOW + 1
    );
}

async fn seqs_count_per_peer_and_record(store: Store) {
    let key = KeyPair::generate();
    let (hn, hcm, vt) = (code("01"), code("79"), code("LA-VT"));
    let mut seqs = Vec::new();
    for (to, record) in [
        (&hcm, "contact:01:1"),
        (&hcm, "contact:01:1"),
        (&hcm, "contact:01:2"),
        (&vt, "contact:01:1"),
        (&hcm, "contact:01:1"),
    ] {
        let e = store
            .enqueue(&hn, to, Kind::Referral, record, json!(null), NOW, &key)
            .await
            .unwrap();
        seqs.push(e.seq);
    }
    assert_eq!(seqs, [1, 2, 1, 1, 3]);
    // Oldest first, and a record's messages in seq order within a second.
    let order: Vec<(String, i64)> = store
        .unsent(10)
        .await
        .unwrap()
        .iter()
        .map(|(_, s, b)| (s.clone(), Envelope::from_bytes(b).unwrap().seq))
        .collect();
    assert_eq!(order.len(), 5);
    let hcm1: Vec<i64> = order
        .iter()
        .filter(|(s, _)| s == "link.01.79.referral")
        .map(|(_, q)| *q)
        .collect();
    assert_eq!(hcm1, [1, 1, 2, 3]);
    assert_eq!(store.unsent(2).await.unwrap().len(), 2);

    let bad = store
        .enqueue(&hn, &hcm, Kind::Referral, "", json!(null), NOW, &key)
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
}

/// Many messages in one call: each record numbered on from its last seq, in the order given,
/// more records than one statement holds; signed and in the outbox as one at a time would be.
async fn many_messages_are_numbered_as_one_at_a_time(store: Store) {
    let key = KeyPair::generate();
    let (hn, hcm, vt) = (code("01"), code("79"), code("LA-VT"));
    store
        .enqueue(&hn, &hcm, Kind::Referral, "r:a", json!(null), NOW, &key)
        .await
        .unwrap();
    let mut messages: Vec<OutMessage> = [
        (&hcm, "r:a"),
        (&hcm, "r:b"),
        (&hcm, "r:a"),
        (&vt, "r:a"),
        (&hcm, "r:a"),
    ]
    .into_iter()
    .map(|(to, record)| OutMessage {
        to: to.clone(),
        kind: Kind::Referral,
        record: record.into(),
        body: json!({"to": to.as_str()}),
    })
    .collect();
    // Beyond one statement's rows: 700 more records, one message each.
    messages.extend((0..700).map(|n| OutMessage {
        to: hcm.clone(),
        kind: Kind::Referral,
        record: format!("r:{n}"),
        body: json!(n),
    }));
    let mut tx = store.begin_transaction().await.unwrap();
    let sent = store
        .enqueue_many_in(&mut tx, &hn, messages, NOW, &key)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let seqs: Vec<i64> = sent.iter().take(5).map(|e| e.seq).collect();
    assert_eq!(seqs, [2, 1, 3, 1, 4]);
    assert!(sent[5..].iter().all(|e| e.seq == 1));
    assert!(sent.iter().all(|e| sign::verify(e, &key.public()).is_ok()));
    let unsent = store.unsent(10_000).await.unwrap();
    assert_eq!(unsent.len(), 706);
    let stored: std::collections::HashMap<String, Vec<u8>> =
        unsent.into_iter().map(|(id, _, b)| (id, b)).collect();
    for e in &sent {
        assert_eq!(stored[&e.id], e.to_bytes(), "{}", e.record);
    }
    // The next one-at-a-time message of r:a follows on.
    let next = store
        .enqueue(&hn, &hcm, Kind::Referral, "r:a", json!(null), NOW, &key)
        .await
        .unwrap();
    assert_eq!(next.seq, 5);
}

/// Hà Nội's key and a registry in HCMC that knows Hà Nội for referrals.
async fn hcmc_hears_hanoi(store: &Store) -> (KeyPair, Registry) {
    let key = KeyPair::generate();
    store
        .put_link_locality(
            &Peer {
                code: code("01"),
                name: "Hà Nội".into(),
                public_key: key.public(),
                kinds: [Kind::Referral, Kind::Gift].into(),
            },
            NOW,
        )
        .await
        .unwrap();
    let registry = store.link_registry(code("79")).await.unwrap();
    assert!(registry.get(&code("01")).is_some());
    (key, registry)
}

fn message(key: &KeyPair, kind: Kind, record: &str, seq: i64, body: serde_json::Value) -> Vec<u8> {
    let mut e = Envelope::new(code("01"), code("79"), kind, record, seq, NOW, body).unwrap();
    sign::sign(&mut e, key);
    e.to_bytes()
}

/// Receives, applying by writing the body's `n` under the record's meta key.
async fn receive(store: &Store, registry: &Registry, bytes: &[u8]) -> Received {
    store
        .receive::<StoreError, _>(bytes, registry, NOW, |tx, e| Box::pin(write_n(tx, e)))
        .await
        .unwrap()
}

/// The tests' apply: appends the body's `n` to the record's meta key.
async fn write_n(tx: &mut LinkTx, e: &Envelope) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = meta.value || ',' || excluded.value",
    )
    .bind(&e.record)
    .bind(e.body["n"].to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn applied(store: &Store, record: &str) -> Option<String> {
    store.meta(record).await.unwrap()
}

async fn a_message_is_applied_once(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    let m = message(&key, Kind::Referral, "contact:01:7", 1, json!({"n": 1}));
    assert_eq!(receive(&store, &registry, &m).await, Received::Applied);
    assert_eq!(receive(&store, &registry, &m).await, Received::Duplicate);
    assert_eq!(applied(&store, "contact:01:7").await.as_deref(), Some("1"));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM link_inbox").await, 1);
}

async fn messages_are_applied_in_order(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    let r = "contact:01:8";
    let m1 = message(&key, Kind::Referral, r, 1, json!({"n": 1}));
    let m2 = message(&key, Kind::Referral, r, 2, json!({"n": 2}));
    let m3 = message(&key, Kind::Referral, r, 3, json!({"n": 3}));
    assert_eq!(receive(&store, &registry, &m2).await, Received::OutOfOrder);
    // Nothing written: it comes again later and is applied then.
    assert_eq!(applied(&store, r).await, None);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM link_inbox").await, 0);
    assert_eq!(receive(&store, &registry, &m3).await, Received::OutOfOrder);
    assert_eq!(receive(&store, &registry, &m1).await, Received::Applied);
    assert_eq!(receive(&store, &registry, &m3).await, Received::OutOfOrder);
    assert_eq!(receive(&store, &registry, &m2).await, Received::Applied);
    assert_eq!(receive(&store, &registry, &m3).await, Received::Applied);
    assert_eq!(applied(&store, r).await.as_deref(), Some("1,2,3"));
    // Another record counts on its own.
    let other = message(&key, Kind::Referral, "contact:01:9", 1, json!({"n": 9}));
    assert_eq!(receive(&store, &registry, &other).await, Received::Applied);
}

async fn an_old_seq_is_stale(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    let r = "contact:01:10";
    for seq in 1..=2 {
        let m = message(&key, Kind::Referral, r, seq, json!({"n": seq}));
        assert_eq!(receive(&store, &registry, &m).await, Received::Applied);
    }
    // A new message (another id) of a seq already applied: the sender's repeat of an old
    // change, never applied again.
    let old = message(&key, Kind::Referral, r, 1, json!({"n": 100}));
    assert_eq!(receive(&store, &registry, &old).await, Received::Stale);
    assert_eq!(receive(&store, &registry, &old).await, Received::Duplicate);
    assert_eq!(applied(&store, r).await.as_deref(), Some("1,2"));
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM link_inbox WHERE outcome = 'stale'"
        )
        .await,
        1
    );
}

async fn forgeries_are_refused_and_recorded(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    let r = "contact:01:11";
    let refusals =
        |store: Store| async move { count(&store, "SELECT COUNT(*) FROM link_refusals").await };

    // Signed by another key in Hà Nội's name.
    let forged = message(&KeyPair::generate(), Kind::Referral, r, 1, json!({"n": 1}));
    assert_eq!(
        receive(&store, &registry, &forged).await,
        Received::Refused(Refusal::BadSignature)
    );
    // Hà Nội's message with the body changed on the way.
    let real = message(&key, Kind::Referral, r, 1, json!({"n": 1}));
    let tampered = String::from_utf8(real.clone())
        .unwrap()
        .replacen("\"n\":1", "\"n\":2", 1);
    assert_eq!(
        receive(&store, &registry, tampered.as_bytes()).await,
        Received::Refused(Refusal::BadSignature)
    );
    // A kind Hà Nội may not send.
    let handover = message(&key, Kind::Handover, r, 1, json!({"n": 1}));
    assert_eq!(
        receive(&store, &registry, &handover).await,
        Received::Refused(Refusal::KindNotAllowed)
    );
    // From a locality the registry does not know.
    let mut stranger =
        Envelope::new(code("48"), code("79"), Kind::Referral, r, 1, NOW, json!({})).unwrap();
    sign::sign(&mut stranger, &KeyPair::generate());
    assert_eq!(
        receive(&store, &registry, &stranger.to_bytes()).await,
        Received::Refused(Refusal::UnknownSender)
    );
    // Meant for another locality.
    let mut elsewhere = Envelope::new(
        code("01"),
        code("LA-VT"),
        Kind::Referral,
        r,
        1,
        NOW,
        json!({}),
    )
    .unwrap();
    sign::sign(&mut elsewhere, &key);
    assert_eq!(
        receive(&store, &registry, &elsewhere.to_bytes()).await,
        Received::Refused(Refusal::NotForUs)
    );
    assert!(matches!(
        receive(&store, &registry, b"{\"v\":1}").await,
        Received::Refused(Refusal::Malformed(_))
    ));

    assert_eq!(refusals(store.clone()).await, 6);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM link_refusals WHERE reason = 'bad_signature'"
        )
        .await,
        2
    );
    // Nothing of them applied or taken for the record's seq: the real one still applies.
    assert_eq!(applied(&store, r).await, None);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM link_inbox").await, 0);
    assert_eq!(receive(&store, &registry, &real).await, Received::Applied);
    assert_eq!(applied(&store, r).await.as_deref(), Some("1"));
}

async fn a_failed_apply_keeps_nothing(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    let r = "gift:01:1";
    let m = message(&key, Kind::Gift, r, 1, json!({"n": 1}));
    let failed = store
        .receive::<StoreError, _>(&m, &registry, NOW, |tx, e| {
            Box::pin(async move {
                sqlx::query("INSERT INTO meta (key, value) VALUES ($1, 'half')")
                    .bind(&e.record)
                    .execute(&mut **tx)
                    .await?;
                Err(StoreError::Corrupt("the apply failed".into()))
            })
        })
        .await;
    assert!(matches!(failed, Err(StoreError::Corrupt(_))), "{failed:?}");
    assert_eq!(applied(&store, r).await, None);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM link_inbox").await, 0);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM link_seqs WHERE direction = 'in'"
        )
        .await,
        0
    );
    // Delivered again, it applies.
    assert_eq!(receive(&store, &registry, &m).await, Received::Applied);
    assert_eq!(applied(&store, r).await.as_deref(), Some("1"));
}

/// Messages about one record enqueued at the same time get the seqs 1..=n, each once.
async fn concurrent_enqueues_number_a_record_once_each(store: Store) {
    let key = KeyPair::generate();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (store, key) = (store.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            store
                .enqueue(
                    &code("01"),
                    &code("79"),
                    Kind::Gift,
                    "gift:01:5",
                    json!({}),
                    NOW,
                    &key,
                )
                .await
                .unwrap()
                .seq
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=10).collect::<Vec<i64>>());
}

/// Deliveries at the same time (several consumers, redeliveries): each message applied once,
/// a record's in order, whatever the interleaving.
async fn concurrent_deliveries_apply_once_in_order(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    let r = "contact:01:12";
    let messages: Vec<Vec<u8>> = (1..=6)
        .map(|seq| message(&key, Kind::Referral, r, seq, json!({"n": seq})))
        .collect();
    let mut tasks = Vec::new();
    // Every message delivered three times, the later seqs first.
    for _ in 0..3 {
        for m in messages.iter().rev() {
            let (store, registry, m) = (store.clone(), registry.clone(), m.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    match receive(&store, &registry, &m).await {
                        Received::OutOfOrder => {
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await
                        }
                        done => return done,
                    }
                }
            }));
        }
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let applied_count = outcomes.iter().filter(|o| **o == Received::Applied).count();
    assert_eq!(applied_count, 6, "{outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|o| matches!(o, Received::Applied | Received::Duplicate)));
    assert_eq!(applied(&store, r).await.as_deref(), Some("1,2,3,4,5,6"));
}

/// A consumer's batch in one transaction: each message judged as alone, in its own savepoint.
/// Here: a record's seq 2 before its seq 1 (both applied, in order), a repeat in the same
/// batch (a duplicate), a stale one, a forgery (refused, recorded), one whose apply fails
/// (nothing of it kept, the others kept), one whose predecessor never came (out of order,
/// nothing kept).
async fn a_batch_is_judged_message_by_message_in_one_transaction(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    let a = "contact:01:1";
    let old = message(&key, Kind::Referral, "contact:01:9", 1, json!({"n": 9}));
    assert_eq!(receive(&store, &registry, &old).await, Received::Applied);
    let forger = KeyPair::generate();
    let batch: Vec<Vec<u8>> = vec![
        message(&key, Kind::Referral, a, 2, json!({"n": 2})),
        message(&key, Kind::Referral, a, 1, json!({"n": 1})),
        message(&key, Kind::Referral, "contact:01:2", 1, json!({"n": 1})),
        message(
            &key,
            Kind::Referral,
            "contact:01:3",
            1,
            json!({"n": "fail"}),
        ),
        message(&forger, Kind::Referral, "contact:01:4", 1, json!({"n": 1})),
        message(&key, Kind::Referral, "contact:01:5", 2, json!({"n": 2})),
        // The same id again and the record 9's first message sent twice (a new id).
        Vec::new(),
        message(&key, Kind::Referral, "contact:01:9", 1, json!({"n": 9})),
    ];
    let mut batch = batch;
    batch[6] = batch[2].clone();
    let refs: Vec<&[u8]> = batch.iter().map(|b| b.as_slice()).collect();
    let got = store
        .receive_batch::<StoreError, _>(&refs, &registry, NOW, |tx, e| {
            Box::pin(async move {
                write_n(tx, e).await?;
                if e.body["n"] == "fail" {
                    return Err(StoreError::Corrupt("the apply failed".into()));
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    let kinds: Vec<String> = got
        .iter()
        .map(|o| match o {
            Ok(Received::Refused(_)) => "refused".to_string(),
            Ok(r) => format!("{r:?}"),
            Err(_) => "failed".to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Applied",
            "Applied",
            "Applied",
            "failed",
            "refused",
            "OutOfOrder",
            "Duplicate",
            "Stale"
        ]
    );
    assert_eq!(applied(&store, a).await.as_deref(), Some("1,2"));
    assert_eq!(applied(&store, "contact:01:2").await.as_deref(), Some("1"));
    assert_eq!(applied(&store, "contact:01:3").await, None);
    assert_eq!(applied(&store, "contact:01:5").await, None);
    // 9's first, a's two, 2's, and the stale repeat of 9 (its id kept): not 3's, not 5's.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM link_inbox").await, 5);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM link_refusals").await, 1);
    // What failed or came too early comes again and is taken alone.
    let again = message(&key, Kind::Referral, "contact:01:5", 1, json!({"n": 1}));
    assert_eq!(receive(&store, &registry, &again).await, Received::Applied);
    assert_eq!(
        receive(&store, &registry, &batch[5]).await,
        Received::Applied
    );
    assert_eq!(
        applied(&store, "contact:01:5").await.as_deref(),
        Some("1,2")
    );
}

/// Whole batches delivered at the same time by several consumers (a redelivery racing the
/// first delivery): each message applied once and each record's in order. On PostgreSQL the
/// bulk judging locks the records it read, and a batch that finds a record taken in meanwhile
/// runs again message by message.
async fn concurrent_batches_apply_once_in_order(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    let record = |r: usize| format!("contact:01:20{r}");
    // The records known before (their rows exist to be locked), the rest racing.
    for r in 0..5 {
        let first = message(&key, Kind::Referral, &record(r), 1, json!({ "n": 1 }));
        assert_eq!(receive(&store, &registry, &first).await, Received::Applied);
    }
    // Each consumer's copies carry ids of their own (a sender that sent a record's update
    // twice): only the records' seqs tell them apart, so only the lock keeps one of them out.
    let copies = || -> Vec<Vec<u8>> {
        (0..5)
            .flat_map(|r| (2..=4).map(move |seq| (r, seq)))
            .map(|(r, seq)| message(&key, Kind::Referral, &record(r), seq, json!({ "n": seq })))
            .collect()
    };
    let sent = copies().len();
    let mut tasks = Vec::new();
    for turn in 0..4usize {
        let (store, registry) = (store.clone(), registry.clone());
        let mut mine = copies();
        mine.rotate_left(turn * 3);
        if turn % 2 == 1 {
            mine.reverse();
        }
        tasks.push(tokio::spawn(async move {
            let mut applied = 0;
            while !mine.is_empty() {
                let refs: Vec<&[u8]> = mine.iter().map(|m| m.as_slice()).collect();
                let out = store
                    .receive_batch::<StoreError, _>(&refs, &registry, NOW, |tx, e| {
                        Box::pin(async move {
                            write_n(tx, e).await?;
                            // A slow handler widens the window the batches race in.
                            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                            Ok(())
                        })
                    })
                    .await
                    .unwrap();
                let mut again = Vec::new();
                for (m, r) in mine.iter().zip(out) {
                    match r.unwrap() {
                        Received::Applied => applied += 1,
                        Received::OutOfOrder => again.push(m.clone()),
                        Received::Duplicate | Received::Stale => {}
                        other => panic!("{other:?}"),
                    }
                }
                mine = again;
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            applied
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, sent);
    for r in 0..5 {
        assert_eq!(
            applied(&store, &record(r)).await.as_deref(),
            Some("1,2,3,4")
        );
    }
}

/// A tiny deterministic generator (xorshift), so a failing case can be run again.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0.wrapping_shl(13);
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0.wrapping_shl(17);
        self.0 % n
    }
}

/// The bulk judging of a batch against its naive twin: the same batches taken in one
/// message at a time (`Store::receive`, in passes over the batch as `receive_batch`
/// promises), on records of their own in the same database. Random batches of records'
/// messages in any order, repeats of the same bytes, stale copies with new ids, and what
/// came too early delivered again in the next batch: the outcomes, what was applied, and the
/// inbox agree, and the bulk path never gave up (no apply fails here).
async fn a_batch_judged_in_bulk_agrees_with_one_at_a_time(store: Store) {
    let (key, registry) = hcmc_hears_hanoi(&store).await;
    for seed in 1..=12u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // Per record: how many messages it has, and how many were taken in before.
        let records: Vec<(i64, i64)> = (0..6)
            .map(|_| {
                let n = 1 + rng.below(5) as i64;
                (n, rng.below(n as u64 + 1) as i64)
            })
            .collect();
        let mut twins: Vec<Vec<Vec<u8>>> = Vec::new();
        for side in ["bulk", "one"] {
            let record = |r: usize| format!("contact:01:{seed}{side}{r}");
            let msg = |r: usize, seq: i64| {
                message(&key, Kind::Referral, &record(r), seq, json!({ "n": seq }))
            };
            let mut all: Vec<Vec<u8>> = Vec::new();
            for (r, (n, before)) in records.iter().enumerate() {
                for seq in 1..=*before {
                    assert_eq!(
                        receive(&store, &registry, &msg(r, seq)).await,
                        Received::Applied
                    );
                }
                for seq in 1..=*n {
                    all.push(msg(r, seq));
                }
                // A stale copy (a new id for a seq that will have been applied).
                all.push(msg(r, 1));
            }
            twins.push(all);
        }
        // The same shuffle and repeats for both sides.
        let mut order: Vec<usize> = (0..twins[0].len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let repeats: Vec<usize> = (0..3)
            .map(|_| rng.below(order.len() as u64) as usize)
            .collect();
        order.extend(repeats);
        let cut = rng.below(order.len() as u64) as usize;
        let (first, second) = order.split_at(cut);

        let mut outcomes: Vec<Vec<Received>> = Vec::new();
        for (side, all) in twins.iter().enumerate() {
            let mut got = Vec::new();
            let mut again: Vec<&[u8]> = Vec::new();
            for part in [first, second, &[]] {
                let batch: Vec<&[u8]> = again
                    .drain(..)
                    .chain(part.iter().map(|i| all[*i].as_slice()))
                    .collect();
                let out: Vec<Received> = if side == 0 {
                    store
                        .receive_batch_bulk::<StoreError, _>(&batch, &registry, NOW, &|tx, e| {
                            Box::pin(write_n(tx, e))
                        })
                        .await
                        .unwrap()
                        .expect("the bulk path judged the batch")
                        .into_iter()
                        .map(Result::unwrap)
                        .collect()
                } else {
                    // The naive twin: passes over the batch while some message is applied.
                    let mut out: Vec<Option<Received>> = vec![None; batch.len()];
                    let mut waiting: Vec<usize> = (0..batch.len()).collect();
                    loop {
                        let mut progress = false;
                        let mut still = Vec::new();
                        for i in waiting {
                            let r = receive(&store, &registry, batch[i]).await;
                            progress |= r == Received::Applied;
                            if r == Received::OutOfOrder {
                                still.push(i);
                            }
                            out[i] = Some(r);
                        }
                        if !progress || still.is_empty() {
                            break;
                        }
                        waiting = still;
                    }
                    out.into_iter().map(Option::unwrap).collect()
                };
                for (b, r) in batch.iter().zip(&out) {
                    if *r == Received::OutOfOrder {
                        again.push(b);
                    }
                }
                got.extend(out);
            }
            outcomes.push(got);
        }
        assert_eq!(outcomes[0], outcomes[1], "seed {seed}");
        for r in 0..records.len() {
            assert_eq!(
                applied(&store, &format!("contact:01:{seed}bulk{r}")).await,
                applied(&store, &format!("contact:01:{seed}one{r}")).await,
                "seed {seed} record {r}"
            );
        }
    }
    let kept = |side: &str| {
        format!("SELECT COUNT(*) FROM link_inbox WHERE record_key LIKE 'contact:01:%{side}%'")
    };
    assert_eq!(
        count(&store, &kept("bulk")).await,
        count(&store, &kept("one")).await
    );
}

both_databases!(
    many_messages_are_numbered_as_one_at_a_time,
    a_batch_judged_in_bulk_agrees_with_one_at_a_time,
    a_batch_is_judged_message_by_message_in_one_transaction,
    concurrent_enqueues_number_a_record_once_each,
    concurrent_deliveries_apply_once_in_order,
    concurrent_batches_apply_once_in_order,
    a_message_is_kept_or_dropped_with_its_change,
    seqs_count_per_peer_and_record,
    a_message_is_applied_once,
    messages_are_applied_in_order,
    an_old_seq_is_stale,
    forgeries_are_refused_and_recorded,
    a_failed_apply_keeps_nothing,
);
