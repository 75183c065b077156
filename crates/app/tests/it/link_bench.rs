//! The linked localities' benchmark (issue #17, docs/BENCHMARKS.md): messages from Hà Nội to
//! HCMC through a three-server JetStream cluster, against the point-to-point way — Hà Nội
//! pushing its outbox to HCMC over HTTP — between the same two localities in the same run.
//!
//! Both transports get the same two ends: Hà Nội enqueues in transactions of [`PER_TX`] (a
//! trace that finds a hundred F1s living in HCMC writes their referrals with its contacts),
//! sends from its outbox in batches, and marks what the other side acknowledged; HCMC takes a
//! batch in with `Store::receive_batch` (one transaction) and answers after its commit. Only
//! the transport differs: JetStream's replicated, durable stream and pull consumer, or one
//! HTTP request a batch straight to the receiver (which must then be up for anything to move).
//!
//! Latency: from Hà Nội's commit to HCMC's handler (just before HCMC's commit). Run on purpose,
//! in release:
//! `cargo nextest run --release -p app --run-ignored only -E 'test(/link_bench/)' --no-capture`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::link::{Dispatch, LinkError};
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use link::Registry;
use store::Store;
use tokio::sync::{watch, Notify};

use crate::link::{
    assert_all_in_order, cluster, pair, pairs, recording, wait_until, wall_s, Locality,
};

/// Messages Hà Nội enqueues in one transaction.
const PER_TX: usize = 100;
/// Records the messages are spread over (a record's messages must arrive in order).
const RECORDS: usize = 1_000;
/// Messages sent flat out.
const FLOOD: usize = 20_000;
/// Messages sent at the goal's rate, [`RATE`] a second.
const PACED: usize = 30_000;
const RATE: f64 = 10_000.0;
/// Outbox rows a push carries (the relay's batch).
const PUSH_BATCH: i64 = 500;

struct Measure {
    enqueued_per_s: f64,
    end_to_end_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

/// Sends `n` messages numbered from `first`, flat out or paced at `rate` a second, and waits
/// until HCMC applied them all.
async fn drive(
    hn: &Locality,
    hcm: &Locality,
    first: usize,
    n: usize,
    rate: Option<f64>,
) -> Measure {
    let start = Instant::now();
    let mut committed = HashMap::with_capacity(n);
    for b in 0..n / PER_TX {
        if let Some(rate) = rate {
            let due = start + Duration::from_secs_f64((b * PER_TX) as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let ids = hn
            .send_many(&hcm.me, first + b * PER_TX, PER_TX, RECORDS)
            .await;
        let at = Instant::now();
        committed.extend(ids.into_iter().map(|id| (id, at)));
    }
    let enqueued = start.elapsed();
    let applied_at = hcm.applied_at.clone();
    wait_until(Duration::from_secs(900), "all applied", || {
        applied_at.lock().unwrap().len() >= first + n
    })
    .await;
    let applied = hcm.applied_at.lock().unwrap().clone();
    let mut lat: Vec<Duration> = committed
        .iter()
        .map(|(id, at)| applied[id].saturating_duration_since(*at))
        .collect();
    let last = committed.keys().map(|id| applied[id]).max().unwrap();
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    Measure {
        enqueued_per_s: n as f64 / enqueued.as_secs_f64(),
        end_to_end_per_s: n as f64 / (last - start).as_secs_f64(),
        p50_ms: p(0.5),
        p99_ms: p(0.99),
        max_ms: p(1.0),
    }
}

fn print(db: &str, transport: &str, what: &str, m: &Measure) {
    println!(
        "link bench | {db} | {transport} | {what} | enqueued {:.0}/s | end to end {:.0}/s | p50 {:.1} ms | p99 {:.1} ms | max {:.1} ms",
        m.enqueued_per_s, m.end_to_end_per_s, m.p50_ms, m.p99_ms, m.max_ms
    );
}

/// HCMC's end of the HTTP peer: `POST /link` with envelopes one a line, taken in as one batch;
/// the answer is one character a line, `1` to mark sent, `0` to send again.
async fn serve_push(hcm: &Locality) -> SocketAddr {
    let registry: Registry = hcm.store().link_registry(hcm.me.clone()).await.unwrap();
    let dispatch: Dispatch = recording(hcm.applied_at.clone());
    let store = hcm.store().clone();
    let take = move |body: Bytes| {
        let (store, registry, dispatch) = (store.clone(), registry.clone(), dispatch.clone());
        async move {
            let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
            let outcomes = store
                .receive_batch::<LinkError, _>(&lines, &registry, wall_s(), move |tx, env| {
                    let d = dispatch.clone();
                    Box::pin(async move { d(tx, env).await.map(|_| ()) })
                })
                .await;
            match outcomes {
                Ok(o) => o
                    .iter()
                    .map(|r| match r {
                        Ok(store::Received::OutOfOrder) | Err(_) => '0',
                        Ok(_) => '1',
                    })
                    .collect::<String>(),
                Err(_) => "0".repeat(lines.len()),
            }
        }
    };
    let app = axum::Router::new().route("/link", axum::routing::post(take));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Hà Nội's end of the HTTP peer: the relay's loop, pushing over one kept-alive connection.
async fn push(store: Store, to: SocketAddr, wake: Arc<Notify>, mut stopped: watch::Receiver<bool>) {
    let stream = tokio::net::TcpStream::connect(to).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    while !*stopped.borrow() {
        let rows = store.unsent(PUSH_BATCH).await.unwrap();
        if rows.is_empty() {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = stopped.wait_for(|s| *s) => {}
            }
            continue;
        }
        let body = rows
            .iter()
            .map(|(_, _, bytes)| bytes.as_slice())
            .collect::<Vec<_>>()
            .join(&b'\n');
        let request = hyper::Request::post("/link")
            .header("host", "hcmc")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let answer = sender.send_request(request).await.unwrap();
        let answer = answer.into_body().collect().await.unwrap().to_bytes();
        let sent: Vec<String> = rows
            .iter()
            .zip(answer.iter())
            .filter(|(_, a)| **a == b'1')
            .map(|((id, _, _), _)| id.clone())
            .collect();
        store.mark_sent(&sent, wall_s()).await.unwrap();
        if rows.len() < PUSH_BATCH as usize {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn link_bench_jetstream_against_http_push() {
    let Some(cluster) = cluster().await else {
        return;
    };
    for (db, a, b) in pairs().await {
        let (mut hn, mut hcm) = pair(a, b).await;
        hn.start(&cluster).await;
        hcm.start(&cluster).await;
        let m = drive(&hn, &hcm, 0, FLOOD, None).await;
        print(db, "JetStream", "flat out", &m);
        let m = drive(&hn, &hcm, FLOOD, PACED, Some(RATE)).await;
        print(db, "JetStream", "paced", &m);
        assert_all_in_order(hcm.store(), FLOOD + PACED, RECORDS).await;
        hn.stop().await;
        hcm.stop().await;
    }
    drop(cluster);
    for (db, a, b) in pairs().await {
        let (hn, hcm) = pair(a, b).await;
        let addr = serve_push(&hcm).await;
        let (stop, stopped) = watch::channel(false);
        let pusher = tokio::spawn(push(hn.store().clone(), addr, hn.wake.clone(), stopped));
        let m = drive(&hn, &hcm, 0, FLOOD, None).await;
        print(db, "HTTP push", "flat out", &m);
        let m = drive(&hn, &hcm, FLOOD, PACED, Some(RATE)).await;
        print(db, "HTTP push", "paced", &m);
        assert_all_in_order(hcm.store(), FLOOD + PACED, RECORDS).await;
        let _ = stop.send(true);
        hn.wake.notify_one();
        pusher.await.unwrap();
    }
}
