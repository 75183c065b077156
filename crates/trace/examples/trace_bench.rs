//! Benchmark of the tracing engine on generated check-ins.
//!
//! ```text
//! cargo run --release -p trace --example trace_bench -- \
//!     --checkins 50000000 --people 10000000 --venues 500000 --days 21 [--csv-out DIR]
//! ```
//!
//! Venue popularity is Zipf–Mandelbrot (weight `1 / (rank + q)^s`); venue kinds set visit
//! lengths (shop 15–60 min, eatery 30–120 min, workplace 6–9 h, market 15–90 min) and the
//! eatery kind has no minimum overlap (unmasked), the others 15 minutes. F0s are people with
//! a check-in, with a 5-day infectious window around it. With `--csv-out DIR` the same data
//! is written for the peer systems: `checkins.csv` (person,venue,t_in_s,t_out_s),
//! `venues.csv` (venue,kind,min_overlap_s), `f0s.csv` (person,from_s,to_s) and
//! `expected_f1.csv` (f0,contact,exposure_s) for checking their answers.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use trace::{Adjacency, CaseQuery, Declared, Index, Live, Rules, Traced, Tracer, Visit};

/// 2021-10-01T00:00:00Z.
const T0_S: i64 = 1_633_046_400;
const DAY_S: i64 = 86_400;
const KINDS: [&str; 4] = ["shop", "eatery", "workplace", "market"];
/// Share of venues of each kind, in per cent.
const KIND_PCT: [u32; 4] = [50, 25, 15, 10];
/// Visit length by kind, minutes.
const DUR_MIN: [(i64, i64); 4] = [(15, 60), (30, 120), (360, 540), (15, 90)];
const MIN_OVERLAP_BY_KIND_S: [i64; 4] = [900, 0, 900, 900];
const WINDOW_S: i64 = 5 * DAY_S;

struct Args {
    checkins: usize,
    people: u32,
    venues: u32,
    days: i64,
    f0s: usize,
    batch: usize,
    seed: u64,
    zipf_s: f64,
    zipf_q: f64,
    max_scanned: Option<usize>,
    csv_out: Option<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        checkins: 5_000_000,
        people: 1_000_000,
        venues: 50_000,
        days: 21,
        f0s: 1_000,
        batch: 10_000,
        seed: 1,
        zipf_s: 1.0,
        zipf_q: 50.0,
        max_scanned: None,
        csv_out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--checkins" => a.checkins = value.parse().map_err(|e| bad(&e))?,
            "--people" => a.people = value.parse().map_err(|e| bad(&e))?,
            "--venues" => a.venues = value.parse().map_err(|e| bad(&e))?,
            "--days" => a.days = value.parse().map_err(|e| bad(&e))?,
            "--f0s" => a.f0s = value.parse().map_err(|e| bad(&e))?,
            "--batch" => a.batch = value.parse().map_err(|e| bad(&e))?,
            "--seed" => a.seed = value.parse().map_err(|e| bad(&e))?,
            "--zipf-s" => a.zipf_s = value.parse().map_err(|e| bad(&e))?,
            "--zipf-q" => a.zipf_q = value.parse().map_err(|e| bad(&e))?,
            "--max-scanned" => a.max_scanned = Some(value.parse().map_err(|e| bad(&e))?),
            "--csv-out" => a.csv_out = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.people == 0 || a.venues == 0 || a.days < 1 || a.checkins == 0 {
        return Err("--checkins, --people, --venues and --days must be positive".into());
    }
    Ok(a)
}

fn kind_of(venue: u32) -> u8 {
    // A fixed hash so that kinds do not follow popularity.
    let h = venue.wrapping_mul(2_654_435_761) % 100;
    let mut acc = 0;
    for (kind, pct) in KIND_PCT.iter().enumerate() {
        acc += pct;
        if h < acc {
            return kind as u8;
        }
    }
    0
}

fn generate(a: &Args) -> Vec<Visit> {
    // Popularity rank -> venue id through a shuffle, so that popular venues are scattered.
    let mut rng = StdRng::seed_from_u64(a.seed);
    let mut by_rank: Vec<u32> = (0..a.venues).collect();
    for i in (1..by_rank.len()).rev() {
        by_rank.swap(i, rng.gen_range(0..=i));
    }
    let mut cdf = Vec::with_capacity(a.venues as usize);
    let mut total = 0.0;
    for rank in 0..a.venues {
        total += 1.0 / (f64::from(rank) + 1.0 + a.zipf_q).powf(a.zipf_s);
        cdf.push(total);
    }
    const CHUNK: usize = 1 << 20;
    let n_chunks = a.checkins.div_ceil(CHUNK);
    (0..n_chunks)
        .into_par_iter()
        .flat_map_iter(|chunk| {
            let mut rng =
                StdRng::seed_from_u64(a.seed ^ (chunk as u64 + 1).wrapping_mul(0x9E37_79B9));
            let n = CHUNK.min(a.checkins - chunk * CHUNK);
            let (cdf, by_rank) = (&cdf, &by_rank);
            (0..n)
                .map(move |_| {
                    let u = rng.gen::<f64>() * total;
                    let rank = cdf.partition_point(|&c| c < u).min(cdf.len() - 1);
                    let venue = by_rank[rank];
                    let kind = usize::from(kind_of(venue));
                    let day = rng.gen_range(0..a.days);
                    let start_s = if kind == 2 {
                        rng.gen_range(7 * 3600..9 * 3600)
                    } else {
                        rng.gen_range(7 * 3600..21 * 3600)
                    };
                    let (lo, hi) = DUR_MIN[kind];
                    let dur_s = rng.gen_range(lo * 60..=hi * 60);
                    let t_in_s = T0_S + day * DAY_S + start_s;
                    Visit {
                        person: rng.gen_range(0..a.people),
                        venue,
                        t_in_s,
                        t_out_s: t_in_s + dur_s,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `n` F0s, distinct persons (so that a person names a query in the CSV files).
fn f0s(visits: &[Visit], n: usize, seed: u64) -> Vec<CaseQuery> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xF0);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    for _ in 0..20 * n {
        if out.len() == n {
            break;
        }
        let v = visits[rng.gen_range(0..visits.len())];
        if !seen.insert(v.person) {
            continue;
        }
        let from_s = v.t_in_s - rng.gen_range(0..2 * DAY_S);
        out.push(CaseQuery {
            person: v.person,
            infectious_from_s: from_s,
            infectious_to_s: from_s + WINDOW_S,
            depth: 2,
        });
    }
    out
}

fn summary(mut d: Vec<Duration>) -> String {
    d.sort_unstable();
    let us = |x: Duration| x.as_secs_f64() * 1e6;
    let total: Duration = d.iter().sum();
    format!(
        "mean {:>9.1} µs  median {:>9.1} µs  p95 {:>9.1} µs  max {:>9.1} µs",
        us(total) / d.len() as f64,
        us(d[d.len() / 2]),
        us(d[d.len() * 95 / 100]),
        us(d[d.len() - 1])
    )
}

fn timed(tracer: &Tracer, qs: &[CaseQuery]) -> (Vec<Duration>, Vec<Traced>) {
    qs.iter()
        .map(|q| {
            let t = Instant::now();
            let r = tracer.trace(q);
            (t.elapsed(), r)
        })
        .unzip()
}

fn counts(rs: &[Traced], degree: u8) -> (f64, usize, usize) {
    let per: Vec<usize> = rs.iter().map(|r| r.degree(degree).count()).collect();
    let mut sorted = per.clone();
    sorted.sort_unstable();
    let mean = per.iter().sum::<usize>() as f64 / per.len().max(1) as f64;
    (mean, sorted[sorted.len() / 2], sorted[sorted.len() - 1])
}

fn write_csv(
    dir: &Path,
    visits: &[Visit],
    a: &Args,
    qs: &[CaseQuery],
    f1: &[Traced],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join("checkins.csv"))?);
    writeln!(w, "person,venue,t_in_s,t_out_s")?;
    for v in visits {
        writeln!(w, "{},{},{},{}", v.person, v.venue, v.t_in_s, v.t_out_s)?;
    }
    w.flush()?;
    let mut w = BufWriter::new(File::create(dir.join("venues.csv"))?);
    writeln!(w, "venue,kind,min_overlap_s")?;
    for venue in 0..a.venues {
        let kind = kind_of(venue);
        writeln!(
            w,
            "{venue},{},{}",
            KINDS[usize::from(kind)],
            MIN_OVERLAP_BY_KIND_S[usize::from(kind)]
        )?;
    }
    w.flush()?;
    let mut w = BufWriter::new(File::create(dir.join("f0s.csv"))?);
    writeln!(w, "person,from_s,to_s")?;
    for q in qs {
        writeln!(
            w,
            "{},{},{}",
            q.person, q.infectious_from_s, q.infectious_to_s
        )?;
    }
    w.flush()?;
    let mut w = BufWriter::new(File::create(dir.join("expected_f1.csv"))?);
    writeln!(w, "f0,contact,exposure_s")?;
    for (q, r) in qs.iter().zip(f1) {
        for c in r.degree(1) {
            writeln!(w, "{},{},{}", q.person, c.person, c.exposure_s)?;
        }
    }
    w.flush()
}

fn main() {
    let a = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "machine: {} threads; data: {} check-ins, {} people, {} venues, {} days, zipf s={} q={}",
        rayon::current_num_threads(),
        a.checkins,
        a.people,
        a.venues,
        a.days,
        a.zipf_s,
        a.zipf_q
    );
    let t = Instant::now();
    let visits = generate(&a);
    println!("generate: {:.1} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let index = match Index::build(&visits, a.people, a.venues) {
        Ok(index) => index,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    };
    let build_s = t.elapsed().as_secs_f64();
    println!(
        "build: {build_s:.2} s ({:.1} M check-ins/s); {:.1} MiB = {:.2} B per check-in",
        a.checkins as f64 / build_s / 1e6,
        index.bytes() as f64 / (1 << 20) as f64,
        index.bytes() as f64 / a.checkins as f64
    );

    let rules = Rules {
        min_overlap_by_kind: MIN_OVERLAP_BY_KIND_S.to_vec(),
        venue_kind: (0..a.venues).map(kind_of).collect(),
        max_scanned: a.max_scanned.unwrap_or(Rules::default().max_scanned),
        ..Rules::default()
    };
    let (households, declared) = (Adjacency::empty(), Declared::empty());
    let tracer = Tracer::new(&index, &rules, &households, &declared);
    let qs = f0s(&visits, a.f0s.max(a.batch), a.seed);
    let sample: Vec<CaseQuery> = qs[..a.f0s.min(qs.len())].to_vec();

    let depth1: Vec<CaseQuery> = sample
        .iter()
        .map(|q| CaseQuery { depth: 1, ..*q })
        .collect();
    let (d1, r1) = timed(&tracer, &depth1);
    let (mean, median, max) = counts(&r1, 1);
    println!(
        "F1 (depth 1), {} F0s, one thread: {}",
        depth1.len(),
        summary(d1)
    );
    println!("    F1 per F0: mean {mean:.1}, median {median}, max {max}");

    let (d2, r2) = timed(&tracer, &sample);
    let (mean, median, max) = counts(&r2, 2);
    println!(
        "F2 (depth 2), {} F0s, one thread: {}",
        sample.len(),
        summary(d2)
    );
    println!(
        "    F2 per F0: mean {mean:.1}, median {median}, max {max}; truncated {}",
        r2.iter().filter(|r| r.truncated).count()
    );

    // A batch is traced in slices: ten thousand F2 lists of thousands of rows each would
    // not fit in memory at once, and a caller would stream them out anyway.
    const SLICE: usize = 500;
    let batch = &qs[..a.batch.min(qs.len())];
    for depth in [1u8, 2] {
        if batch.is_empty() {
            break;
        }
        let b: Vec<CaseQuery> = batch.iter().map(|q| CaseQuery { depth, ..*q }).collect();
        let (mut s, mut rows, mut same) = (0.0, 0usize, true);
        for (i, slice) in b.chunks(SLICE).enumerate() {
            let t = Instant::now();
            let out = tracer.trace_batch(slice);
            s += t.elapsed().as_secs_f64();
            rows += out.iter().map(|r| r.contacts.len()).sum::<usize>();
            if i == 0 {
                let check = slice.len().min(100);
                same = slice[..check]
                    .iter()
                    .zip(&out)
                    .all(|(q, r)| &tracer.trace(q) == r);
            }
        }
        assert!(same, "batch differs from sequential");
        println!(
            "batch of {} F0s, depth {depth}, {} threads: {:.3} s ({:.1} µs per F0, {rows} contacts)",
            b.len(),
            rayon::current_num_threads(),
            s,
            s * 1e6 / b.len() as f64,
        );
    }

    // Arrivals: small additions to the big index through the live holder.
    let live = Live::new(index.clone());
    let mut rng = StdRng::seed_from_u64(a.seed ^ 0xADD);
    let mut adds = Vec::new();
    for _ in 0..20 {
        let more: Vec<Visit> = (0..1_000)
            .map(|_| {
                let v = visits[rng.gen_range(0..visits.len())];
                Visit {
                    person: rng.gen_range(0..a.people),
                    ..v
                }
            })
            .collect();
        let t = Instant::now();
        if let Err(e) = live.add(&more) {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
        adds.push(t.elapsed());
    }
    let snap = live.snapshot();
    println!(
        "add 1,000 check-ins (×20): {}; levels now {}",
        summary(adds),
        snap.n_levels()
    );
    let grown = Tracer::new(&snap, &rules, &households, &declared);
    let (d1b, _) = timed(&grown, &depth1);
    println!("F1 after additions: {}", summary(d1b));

    if let Some(dir) = &a.csv_out {
        let t = Instant::now();
        if let Err(e) = write_csv(dir, &visits, &a, &sample, &r1) {
            eprintln!("bench: writing {}: {e}", dir.display());
            std::process::exit(1);
        }
        println!(
            "csv: {} in {:.1} s",
            dir.display(),
            t.elapsed().as_secs_f64()
        );
    }
}
