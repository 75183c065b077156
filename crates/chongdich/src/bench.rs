//! `chongdich bench trace`: the tracing engine against PostgreSQL and SQLite answering the
//! same questions on the same generated check-ins, with the answers checked equal.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use store::Store;
use trace::{Adjacency, CaseQuery, Declared, Index, Rules, Visit};

/// 2021-11-01T00:00:00Z: the data sit in the wave's weeks (only the spread of times matters).
const T0_S: i64 = 1_635_724_800;
const DAY_S: i64 = 86_400;
/// The longest stay generated: a shift at a factory.
const MAX_VISIT_S: i64 = 9 * 3600;
const MIN_OVERLAP_S: i64 = 15 * 60;
/// An F1 not yet isolated is assumed isolated 2 days after exposure (the policy data's value).
const F1_ISOLATION_S: i64 = 2 * DAY_S;

#[derive(Args, Clone)]
pub struct TraceBench {
    #[arg(long, default_value_t = 5_000_000)]
    checkins: u64,
    #[arg(long, default_value_t = 1_000_000)]
    people: u32,
    #[arg(long, default_value_t = 50_000)]
    venues: u32,
    #[arg(long, default_value_t = 21)]
    days: u32,
    /// F0s whose F1 is timed and compared.
    #[arg(long, default_value_t = 300)]
    f0s: usize,
    /// F0s whose F2 is timed and compared (each costs the databases one query per F1).
    #[arg(long, default_value_t = 30)]
    f2s: usize,
    /// F0s traced together in the batch run.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// PostgreSQL database for the peer run (a table `bench_checkins` is created there).
    #[arg(long)]
    pg: Option<String>,
    /// SQLite file for the peer run; `none` skips SQLite.
    #[arg(long, default_value = "/tmp/chongdich-bench-trace.db")]
    sqlite: String,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Check-ins with venue popularity skewed like a city's (Zipf, exponent 0.9), stays of
/// 15 minutes to 2 hours and, for one in five, a 4–9 hour shift.
fn generate(b: &TraceBench) -> Vec<Visit> {
    let mut rng = Rng(b.seed);
    let mut cum = Vec::with_capacity(b.venues as usize);
    let mut total = 0.0;
    for v in 0..b.venues {
        total += 1.0 / f64::from(v + 1).powf(0.9);
        cum.push(total);
    }
    (0..b.checkins)
        .map(|_| {
            let x = rng.unit() * total;
            let venue = cum.partition_point(|&c| c < x).min(b.venues as usize - 1) as u32;
            let day = rng.below(u64::from(b.days)) as i64;
            // 06:00–21:00 local (UTC+7) is 23:00–14:00 UTC.
            let t_in_s = T0_S + day * DAY_S - 3600 + rng.below(15 * 3600) as i64;
            let stay = if rng.below(5) == 0 {
                4 * 3600 + rng.below(5 * 3600) as i64
            } else {
                15 * 60 + rng.below(105 * 60) as i64
            };
            Visit {
                person: rng.below(u64::from(b.people)) as u32,
                venue,
                t_in_s,
                t_out_s: t_in_s + stay,
            }
        })
        .collect()
}

fn stats_us(mut v: Vec<f64>) -> (f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[(v.len() * 95 / 100).min(v.len() - 1)])
}

type F1Set = BTreeMap<i64, i64>;

/// One database's answers: F1 per F0, F2 sets, and the times.
struct PeerRun {
    name: &'static str,
    f1_us: Vec<f64>,
    f2_us: Vec<f64>,
    batch_s: f64,
    load_s: f64,
}

/// One F0's F1 from the peer database, by the bench's rules.
async fn f1_by_sql(store: &Store, q: &CaseQuery) -> store::Result<Vec<(i64, i64)>> {
    store
        .bench_f1(
            i64::from(q.person),
            q.infectious_from_s,
            q.infectious_to_s,
            MAX_VISIT_S,
            MIN_OVERLAP_S,
        )
        .await
}

async fn f2_by_sql(store: &Store, f0: i64, f1: &F1Set) -> Result<BTreeSet<i64>> {
    let mut f2 = BTreeSet::new();
    for (&p, &first) in f1 {
        for (q, _) in store
            .bench_f1(p, first, first + F1_ISOLATION_S, MAX_VISIT_S, MIN_OVERLAP_S)
            .await?
        {
            if q != f0 && !f1.contains_key(&q) {
                f2.insert(q);
            }
        }
    }
    Ok(f2)
}

/// The questions and the engine's answers every peer must match.
struct Workload {
    visits: Vec<Visit>,
    queries: Vec<CaseQuery>,
    f2_queries: Vec<CaseQuery>,
    batch: Vec<CaseQuery>,
    engine_f1: Vec<F1Set>,
    engine_f2: Vec<BTreeSet<i64>>,
}

async fn peer(name: &'static str, url: &str, w: &Workload) -> Result<PeerRun> {
    let (visits, queries, batch) = (&w.visits, &w.queries, &w.batch);
    let (engine_f1, engine_f2) = (&w.engine_f1, &w.engine_f2);
    let store = Store::connect(url)
        .await
        .with_context(|| format!("opening {url}"))?;
    store.bench_reset().await?;
    let pb = ProgressBar::new(visits.len() as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg:<24} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(format!("loading {name}"));
    let started = Instant::now();
    for chunk in visits.chunks(100_000) {
        let rows: Vec<(i64, i64, i64, i64)> = chunk
            .iter()
            .map(|v| (i64::from(v.person), i64::from(v.venue), v.t_in_s, v.t_out_s))
            .collect();
        store.bench_load(&rows).await?;
        pb.inc(chunk.len() as u64);
    }
    store.bench_index().await?;
    pb.finish_and_clear();
    let load_s = started.elapsed().as_secs_f64();
    // Warm the cache and the prepared statement.
    for q in queries.iter().take(20) {
        f1_by_sql(&store, q).await?;
    }
    let mut f1_us = Vec::with_capacity(queries.len());
    for (i, q) in queries.iter().enumerate() {
        let t = Instant::now();
        let rows = f1_by_sql(&store, q).await?;
        f1_us.push(t.elapsed().as_secs_f64() * 1e6);
        let got: F1Set = rows.into_iter().collect();
        if got != engine_f1[i] {
            bail!(
                "{name} and the engine disagree on the F1 of person {}",
                q.person
            );
        }
    }
    let mut f2_us = Vec::with_capacity(w.f2_queries.len());
    for (i, q) in w.f2_queries.iter().enumerate() {
        let t = Instant::now();
        let f1: F1Set = f1_by_sql(&store, q).await?.into_iter().collect();
        let f2 = f2_by_sql(&store, i64::from(q.person), &f1).await?;
        f2_us.push(t.elapsed().as_secs_f64() * 1e6);
        if f2 != engine_f2[i] {
            bail!(
                "{name} and the engine disagree on the F2 of person {}",
                q.person
            );
        }
    }
    let t = Instant::now();
    for q in batch {
        f1_by_sql(&store, q).await?;
    }
    let batch_s = t.elapsed().as_secs_f64();
    store.bench_reset().await?;
    store.close().await;
    Ok(PeerRun {
        name,
        f1_us,
        f2_us,
        batch_s,
        load_s,
    })
}

pub async fn run(b: TraceBench) -> Result<()> {
    if b.venues == 0 || b.people == 0 || b.days < 6 || b.f2s > b.f0s {
        bail!("need venues > 0, people > 0, days ≥ 6 and f2s ≤ f0s");
    }
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |s| s.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default()
    );
    let t = Instant::now();
    let visits = generate(&b);
    println!(
        "generated {} check-ins, {} people, {} venues, {} days in {:.1} s",
        visits.len(),
        b.people,
        b.venues,
        b.days,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let index = Index::build(&visits, b.people, b.venues)?;
    println!(
        "engine index: built in {:.2} s, {:.1} MiB, {:.2} bytes per check-in",
        t.elapsed().as_secs_f64(),
        index.bytes() as f64 / (1 << 20) as f64,
        index.bytes() as f64 / visits.len() as f64
    );
    let rules = Rules {
        min_overlap_s: MIN_OVERLAP_S,
        f1_isolation_default_s: F1_ISOLATION_S,
        ..Rules::default()
    };
    let (households, declared) = (Adjacency::empty(), Declared::empty());
    // F0s: people who checked in, each infectious over 4 days inside the period.
    let mut rng = Rng(b.seed ^ 0xF0);
    let query = |rng: &mut Rng, depth: u8| {
        let v = visits[rng.below(visits.len() as u64) as usize];
        let lo = (v.t_in_s - rng.below(2 * DAY_S as u64) as i64).max(T0_S);
        CaseQuery {
            person: v.person,
            infectious_from_s: lo,
            infectious_to_s: lo + 4 * DAY_S,
            depth,
        }
    };
    let queries: Vec<CaseQuery> = (0..b.f0s).map(|_| query(&mut rng, 1)).collect();
    let batch: Vec<CaseQuery> = (0..b.batch).map(|_| query(&mut rng, 1)).collect();

    let mut f1_us = Vec::new();
    let mut engine_f1 = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let traced = trace::trace(&index, &rules, &households, &declared, q);
        f1_us.push(t.elapsed().as_secs_f64() * 1e6);
        if traced.truncated {
            bail!("a bound truncated the F1 of person {}", q.person);
        }
        engine_f1.push(
            traced
                .contacts
                .iter()
                .map(|c| (i64::from(c.person), c.first_exposure_s))
                .collect::<F1Set>(),
        );
    }
    // F2 is compared only where the engine's bounds (rows, frontier, work) did not cut the
    // answer short: a truncated list is by design not the whole set.
    let mut f2_us = Vec::new();
    let mut engine_f2 = Vec::new();
    let mut f2_queries = Vec::new();
    let mut f2_truncated = 0;
    for q in queries.iter().take(b.f2s) {
        let q2 = CaseQuery { depth: 2, ..*q };
        let t = Instant::now();
        let traced = trace::trace(&index, &rules, &households, &declared, &q2);
        let us = t.elapsed().as_secs_f64() * 1e6;
        if traced.truncated {
            f2_truncated += 1;
            continue;
        }
        f2_us.push(us);
        f2_queries.push(*q);
        engine_f2.push(
            traced
                .degree(2)
                .map(|c| i64::from(c.person))
                .collect::<BTreeSet<i64>>(),
        );
    }
    if f2_truncated > 0 {
        println!(
            "F2: {f2_truncated} of {} F0s hit the engine's bounds; left out of the F2 comparison",
            b.f2s
        );
    }
    let t = Instant::now();
    let batch_traced = trace::trace_batch(&index, &rules, &households, &declared, &batch);
    let batch_s = t.elapsed().as_secs_f64();
    let f1_rows: usize = engine_f1.iter().map(|s| s.len()).sum();
    println!(
        "F1 per F0: mean {:.1}; batch of {} F0s found {} F1 rows",
        f1_rows as f64 / queries.len() as f64,
        batch.len(),
        batch_traced.iter().map(|t| t.contacts.len()).sum::<usize>()
    );

    let work = Workload {
        visits,
        queries,
        f2_queries,
        batch,
        engine_f1,
        engine_f2,
    };
    let mut peers = Vec::new();
    if let Some(url) = &b.pg {
        peers.push(peer("PostgreSQL", url, &work).await?);
    }
    if b.sqlite != "none" {
        let _ = std::fs::remove_file(&b.sqlite);
        let url = format!("sqlite://{}", b.sqlite);
        peers.push(peer("SQLite", &url, &work).await?);
        let _ = std::fs::remove_file(&b.sqlite);
    }

    let (f1m, f1p) = stats_us(f1_us);
    let (f2m, f2p) = stats_us(f2_us);
    println!("\nanswers: every peer's F1 (with first exposure) and F2 sets equal the engine's");
    println!(
        "{:<12} {:>14} {:>14} {:>14} {:>14} {:>16}",
        "", "F1 median µs", "F1 p95 µs", "F2 median µs", "F2 p95 µs", "batch total s"
    );
    println!(
        "{:<12} {f1m:>14.1} {f1p:>14.1} {f2m:>14.1} {f2p:>14.1} {batch_s:>16.3}",
        "engine"
    );
    for p in &peers {
        let (m1, p1) = stats_us(p.f1_us.clone());
        let (m2, p2) = stats_us(p.f2_us.clone());
        println!(
            "{:<12} {m1:>14.1} {p1:>14.1} {m2:>14.1} {p2:>14.1} {:>16.3}",
            p.name, p.batch_s
        );
        println!(
            "{:<12} {:>14} {:>14} {:>14} {:>14} {:>16}   (loaded and indexed in {:.1} s)",
            format!("  ÷ engine"),
            format!("{:.0}×", m1 / f1m.max(1e-9)),
            format!("{:.0}×", p1 / f1p.max(1e-9)),
            format!("{:.0}×", m2 / f2m.max(1e-9)),
            format!("{:.0}×", p2 / f2p.max(1e-9)),
            format!("{:.0}×", p.batch_s / batch_s.max(1e-9)),
            p.load_s
        );
    }
    Ok(())
}

#[derive(Args, Clone)]
pub struct IngestBench {
    /// Batches posted (each timed).
    #[arg(long, default_value_t = 20)]
    batches: usize,
    /// Check-ins per batch (the API takes at most 10,000).
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// Residents of the simulated locality the check-ins refer to.
    #[arg(long, default_value_t = 50_000)]
    people: u32,
    /// PostgreSQL database to measure beside SQLite (it must be empty of a demo).
    #[arg(long)]
    pg: Option<String>,
}

/// Posts batches to the API in-process (router, JSON parsing, validation, idempotent insert,
/// commit with the database's durability, index update); no socket.
async fn ingest_on(url: &str, b: &IngestBench) -> Result<(f64, f64)> {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let (store, token) = seeded_with_admin(url, b.people, 3600).await?;
    let mut state = web::AppState::serving(crate::open_app(store.clone()).await?);
    state.slow_failed_logins = false;
    let (_, n_venues) = store.max_ids().await?;
    let clock = state.now_s();
    let router = web::router(state);
    let mut rng = Rng(42);
    let mut per_batch = Vec::with_capacity(b.batches);
    let started = Instant::now();
    for k in 0..b.batches {
        let items: Vec<String> = (0..b.batch)
            .map(|i| {
                let t_in = clock - 3 * DAY_S + rng.below(2 * DAY_S as u64) as i64;
                format!(
                    r#"{{"id":"bench-{k}-{i}","person":{},"venue":{},"t_in":"{}","t_out":"{}","mode":"self_scan"}}"#,
                    1 + rng.below(u64::from(b.people)),
                    1 + rng.below(n_venues.max(1) as u64),
                    crate::export::iso(t_in),
                    crate::export::iso(t_in + 1800)
                )
            })
            .collect();
        let body = format!("[{}]", items.join(","));
        let req = Request::post("/api/v1/checkins")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body))?;
        let t = Instant::now();
        let resp = router.clone().oneshot(req).await?;
        let bytes = resp.into_body().collect().await?.to_bytes();
        per_batch.push(t.elapsed().as_secs_f64());
        let text = String::from_utf8_lossy(&bytes);
        if !text.contains(&format!("\"accepted\":{}", b.batch)) {
            bail!(
                "batch {k} was not fully accepted: {}",
                &text[..text.len().min(300)]
            );
        }
    }
    let total_s = started.elapsed().as_secs_f64();
    store.close().await;
    per_batch.sort_by(|a, c| a.total_cmp(c));
    let median_rate = b.batch as f64 / per_batch[per_batch.len() / 2];
    let overall_rate = (b.batch * b.batches) as f64 / total_s;
    Ok((median_rate, overall_rate))
}

pub async fn ingest(b: IngestBench) -> Result<()> {
    if b.batch == 0 || b.batch > store::CHECKIN_BATCH_MAX || b.batches == 0 {
        bail!(
            "need 1 ≤ batch ≤ {} and batches ≥ 1",
            store::CHECKIN_BATCH_MAX
        );
    }
    let path = "/tmp/chongdich-bench-ingest.db";
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let (m, o) = ingest_on(&format!("sqlite://{path}"), &b).await?;
    println!(
        "{:<12} median batch {m:>10.0} check-ins/s   overall {o:>10.0} check-ins/s",
        "SQLite"
    );
    if let Some(url) = &b.pg {
        let (m, o) = ingest_on(url, &b).await?;
        println!(
            "{:<12} median batch {m:>10.0} check-ins/s   overall {o:>10.0} check-ins/s",
            "PostgreSQL"
        );
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    Ok(())
}

#[derive(Args, Clone)]
pub struct CheckinsBench {
    /// Check-ins sent by each peer (a fixed total: the load is bounded).
    #[arg(long, default_value_t = 100_000)]
    checkins: usize,
    /// Concurrent keep-alive connections (phones in flight at once).
    #[arg(long, default_value_t = 256)]
    connections: usize,
    /// Check-ins per request of the batch peer.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Most check-ins one group commits.
    #[arg(long, default_value_t = app::checkin_group::GROUP_MAX)]
    group_max: usize,
    /// Residents of the simulated locality the check-ins refer to.
    #[arg(long, default_value_t = 50_000)]
    people: u32,
    /// PostgreSQL server to measure beside SQLite (a fresh database is made there and dropped
    /// after); without it, `CHONGDICH_TEST_PG` when set.
    #[arg(long)]
    pg: Option<String>,
}

/// One peer of the check-in benchmark.
#[derive(Clone, Copy)]
enum Peer {
    /// `POST /checkins/one`, group-committed.
    Grouped,
    /// `POST /checkins/one`, one transaction per request (grouping off: a group of 1).
    PerRequest,
    /// `POST /checkins` with `batch` items a request.
    Batch,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Grouped => "one, grouped",
            Peer::PerRequest => "one, 1 tx/req",
            Peer::Batch => "batch",
        }
    }
}

struct Measured {
    checkins_per_s: f64,
    requests: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

/// One check-in as a phone sends it.
fn checkin_json(id: &str, rng: &mut Rng, people: u32, venues: i64, clock: i64) -> String {
    let t_in = clock - 3 * DAY_S + rng.below(2 * DAY_S as u64) as i64;
    format!(
        r#"{{"id":"{id}","person":{},"venue":{},"t_in":"{}","t_out":"{}","mode":"self_scan"}}"#,
        1 + rng.below(u64::from(people)),
        1 + rng.below(venues.max(1) as u64),
        crate::export::iso(t_in),
        crate::export::iso(t_in + 1800)
    )
}

/// Sends `b.checkins` check-ins of `peer` to the server at `addr` (loopback) over
/// `b.connections` keep-alive HTTP/1.1 connections, each request timed from send to the
/// whole answer read; every answer must be a success.
async fn load(
    addr: std::net::SocketAddr,
    token: &str,
    peer: Peer,
    b: &CheckinsBench,
    seed: (i64, i64),
) -> Result<Measured> {
    use axum::body::Bytes;
    use http_body_util::{BodyExt, Full};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    anyhow::ensure!(addr.ip().is_loopback(), "the load goes to loopback only");
    let (venues, clock) = seed;
    let per_request = match peer {
        Peer::Batch => b.batch,
        _ => 1,
    };
    let requests = b.checkins.div_ceil(per_request);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for c in 0..b.connections.min(requests) {
        let next = next.clone();
        let auth = format!("Bearer {token}");
        let people = b.people;
        let tag = peer.name().replace([' ', ',', '/'], "");
        tasks.spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let mut rng = Rng(0x5eed ^ c as u64);
            let mut took = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= requests {
                    break;
                }
                let (path, body) = if per_request == 1 {
                    (
                        "/api/v1/checkins/one",
                        checkin_json(&format!("{tag}-{k}"), &mut rng, people, venues, clock),
                    )
                } else {
                    let items: Vec<String> = (0..per_request)
                        .map(|i| {
                            checkin_json(&format!("{tag}-{k}-{i}"), &mut rng, people, venues, clock)
                        })
                        .collect();
                    ("/api/v1/checkins", format!("[{}]", items.join(",")))
                };
                let req = hyper::Request::post(path)
                    .header("host", addr.to_string())
                    .header("content-type", "application/json")
                    .header("authorization", &auth)
                    .body(Full::new(Bytes::from(body)))?;
                let t = Instant::now();
                sender.ready().await?;
                let resp = sender.send_request(req).await?;
                let status = resp.status();
                let bytes = resp.into_body().collect().await?.to_bytes();
                took.push(t.elapsed().as_secs_f64());
                if !status.is_success() {
                    bail!(
                        "request {k}: {status} {}",
                        String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
                    );
                }
            }
            anyhow::Ok(took)
        });
    }
    let mut took = Vec::with_capacity(requests);
    while let Some(done) = tasks.join_next().await {
        took.extend(done??);
    }
    let total_s = started.elapsed().as_secs_f64();
    took.sort_by(|a, c| a.total_cmp(c));
    let at = |q: f64| took[((took.len() as f64 * q) as usize).min(took.len() - 1)] * 1e3;
    Ok(Measured {
        checkins_per_s: (requests * per_request) as f64 / total_s,
        requests,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: at(1.0),
    })
}

/// Seeds a simulated locality in `url`, then serves it on loopback once per peer and loads
/// it; prints one line per peer.
/// A migrated database at `url` with a demo locality of `people` over 14 days, and the bearer
/// token of an administrator of the whole country valid for `session_s`.
async fn seeded_with_admin(url: &str, people: u32, session_s: i64) -> Result<(Store, String)> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let params = sim::Params {
        people,
        days: 14,
        ..sim::Params::default()
    };
    crate::demo::build(&store, &params, &[]).await?;
    let now = app::clock::WallClock::now_s();
    let token = domain::auth::new_token();
    let user = store
        .create_user(
            &store::NewUser {
                username: format!("bench{now}"),
                password_hash: "bench".into(),
                role: domain::Role::Administrator,
                units: vec![store::UserUnit {
                    structure: domain::Structure::S2021,
                    code: domain::UnitCode::parse("VN").map_err(|r| anyhow::anyhow!(r.code()))?,
                }],
            },
            now,
        )
        .await?;
    store
        .create_session(user.id, &domain::auth::token_hash(&token), now, session_s)
        .await?;
    Ok((store, token))
}

async fn checkins_on(db: &str, url: &str, b: &CheckinsBench) -> Result<()> {
    let (store, token) = seeded_with_admin(url, b.people, 24 * 3600).await?;
    let opened = crate::open_app(store.clone()).await?;
    let (_, venues) = store.max_ids().await?;
    let clock = opened.now_s();
    for peer in [Peer::Grouped, Peer::PerRequest, Peer::Batch] {
        let mut app = opened.clone();
        app.set_checkin_group_max(match peer {
            Peer::Grouped => b.group_max,
            _ => 1,
        });
        let mut state = web::AppState::serving(app);
        // The benchmark's one account sends far more than a device may in an hour.
        state.checkin_quota = std::sync::Arc::new(web::quota::Quota::new(u64::MAX, 3600));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(std::future::IntoFuture::into_future(axum::serve(
            listener,
            web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )));
        let before = store.count_checkins().await?;
        let m = load(addr, &token, peer, b, (venues, clock)).await;
        server.abort();
        let m = m?;
        let stored = store.count_checkins().await? - before;
        println!(
            "{db:<11} {:<14} {:>10.0} check-ins/s  {:>8} requests  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  stored {stored}",
            peer.name(),
            m.checkins_per_s,
            m.requests,
            m.p50_ms,
            m.p99_ms,
            m.max_ms,
        );
    }
    store.close().await;
    Ok(())
}

/// `chongdich bench checkins`: single check-ins through HTTP on loopback, group-committed,
/// against one transaction per request and the batch endpoint, on SQLite and PostgreSQL.
pub async fn checkins(b: CheckinsBench) -> Result<()> {
    if b.checkins == 0
        || b.connections == 0
        || b.connections > 10_000
        || b.batch == 0
        || b.batch > store::CHECKIN_BATCH_MAX
    {
        bail!(
            "need checkins ≥ 1, 1 ≤ connections ≤ 10,000 and 1 ≤ batch ≤ {}",
            store::CHECKIN_BATCH_MAX
        );
    }
    let path = std::env::temp_dir().join(format!(
        "chongdich-bench-checkins-{}.db",
        std::process::id()
    ));
    let path = path.display().to_string();
    let remove = |path: &str| {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    };
    remove(&path);
    let sqlite = checkins_on("SQLite", &format!("sqlite://{path}"), &b).await;
    remove(&path);
    sqlite?;
    let pg =
        b.pg.clone()
            .or_else(|| std::env::var("CHONGDICH_TEST_PG").ok());
    if let Some(server) = pg {
        // A database of its own, so the server's other databases are left as they were.
        let name = format!("chongdich_bench_checkins_{}", std::process::id());
        let admin = Store::connect(&server).await?;
        admin.bench_database(&name, true).await?;
        let url = match server.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => bail!("a PostgreSQL URL ends with its database: {server}"),
        };
        let done = checkins_on("PostgreSQL", &url, &b).await;
        admin.bench_database(&name, false).await?;
        admin.close().await;
        done?;
    }
    Ok(())
}
