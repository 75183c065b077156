//! Measures the units registry's hot queries on SQLite and PostgreSQL in one run:
//! a province's subtree (one range scan) and a scoped page of 1,000 communes.
//!
//! `CHONGDICH_TEST_PG=postgres://… cargo run --release -p store --example units_bench`

use std::time::Instant;

use domain::{refdata, Scope, Structure, UnitLevel};
use store::{PageRequest, Store, UnitFilter};

const ROUNDS: usize = 20;

fn median_us(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn measure(name: &str, store: &Store) -> (f64, f64) {
    let provinces: Vec<_> = refdata::units(Structure::S2021)
        .expect("reference data")
        .into_iter()
        .filter(|u| u.level == UnitLevel::Province && u.kind == domain::UnitKind::Domestic)
        .collect();
    // Warm up caches and prepared statements.
    for p in &provinces {
        store
            .subtree(Structure::S2021, &p.code)
            .await
            .expect("subtree");
    }
    let mut subtree = Vec::new();
    let mut rows = 0;
    for _ in 0..ROUNDS {
        for p in &provinces {
            let t = Instant::now();
            rows += store
                .subtree(Structure::S2021, &p.code)
                .await
                .expect("subtree")
                .len();
            subtree.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let mut page = Vec::new();
    for _ in 0..ROUNDS {
        for p in &provinces {
            let scope = Scope::of([(Structure::S2021, p.path.clone())]);
            let filter = UnitFilter {
                structure: Structure::S2021,
                level: Some(UnitLevel::Commune),
                parent: None,
                kind: None,
                name_contains: None,
            };
            let t = Instant::now();
            store
                .list_units(&scope, &filter, &PageRequest::first(1000))
                .await
                .expect("page");
            page.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let (s, p) = (median_us(subtree), median_us(page));
    println!(
        "{name:<10} province subtree (avg {} units): median {s:>8.0} µs | scoped page of ≤1000 communes: median {p:>8.0} µs",
        rows / (ROUNDS * provinces.len())
    );
    (s, p)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sqlite = store::testing::sqlite().await;
    let (ss, sp) = measure("SQLite", &sqlite.store).await;
    match store::testing::postgres().await {
        Some(pg) => {
            let (ps, pp) = measure("PostgreSQL", &pg.store).await;
            println!(
                "ratio PostgreSQL/SQLite: subtree {:.2}×, page {:.2}×",
                ps / ss,
                pp / sp
            );
        }
        None => println!("PostgreSQL skipped (set CHONGDICH_TEST_PG)"),
    }
}
