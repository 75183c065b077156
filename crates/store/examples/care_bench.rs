//! Times the per-unit queries the risk levels and the dashboard read (coverage, beds, weekly
//! cases, occupancy series) on a demo database, for every commune, district and province.
//!
//! `CHONGDICH_CARE_DB=sqlite://chongdich-demo.db cargo run --release -p store --example care_bench`
//! (or a `postgres://` URL of a demo built there).

use domain::{Scope, Structure, UnitLevel};
use store::Store;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url =
        std::env::var("CHONGDICH_CARE_DB").expect("set CHONGDICH_CARE_DB to a demo database URL");
    let store = Store::connect(&url).await.expect("open the demo database");
    let clock: i64 = store
        .meta("clock_as_of_s")
        .await
        .expect("meta")
        .expect("a demo database (clock_as_of_s)")
        .parse()
        .expect("clock");
    let as_of = chrono::DateTime::from_timestamp(clock, 0)
        .unwrap_or_default()
        .date_naive();
    let all = Scope::everything();
    let s = Structure::S2021;
    let offset = store::LOCAL_UTC_OFFSET_S;
    for level in [UnitLevel::Commune, UnitLevel::District, UnitLevel::Province] {
        let mut ms = Vec::new();
        let mut rows = [0; 4];
        for _ in 0..5 {
            let t = std::time::Instant::now();
            rows[0] = store
                .coverage_by_unit(&all, s, level, as_of)
                .await
                .expect("coverage")
                .len();
            let t1 = t.elapsed();
            rows[1] = store
                .beds_by_unit(&all, s, level, clock)
                .await
                .expect("beds")
                .len();
            let t2 = t.elapsed();
            rows[2] = store
                .weekly_cases_by_unit(&all, s, level, clock - 8 * 7 * 86_400, clock, offset)
                .await
                .expect("weekly")
                .len();
            let t3 = t.elapsed();
            rows[3] = store
                .occupancy_series(&all, s, None, (clock + offset) / 86_400 - 55, 56, offset)
                .await
                .expect("series")
                .len();
            let t4 = t.elapsed();
            ms.push([t1, t2 - t1, t3 - t2, t4 - t3].map(|d| d.as_secs_f64() * 1000.0));
        }
        // The best of five warm runs.
        let best: Vec<f64> = (0..4)
            .map(|i| ms.iter().map(|m| m[i]).fold(f64::MAX, f64::min))
            .collect();
        println!(
            "{level:?}: coverage {:.1} ms ({} rows), beds {:.1} ms ({}), weekly cases {:.1} ms ({}), occupancy series 56 d {:.1} ms ({})",
            best[0], rows[0], best[1], rows[1], best[2], rows[2], best[3], rows[3]
        );
    }
}
