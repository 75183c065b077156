//! The dashboard's counts from the tallies (migration 0012) against counting the rows as it
//! did before, on the same data in the same run, on SQLite and PostgreSQL; and what the
//! triggers cost a bulk load of cases.
//!
//! `CHONGDICH_TEST_PG=postgres://postgres:postgres@127.0.0.1:5432/postgres \
//!  cargo run --release -p store --example tally_bench -- 1000000`
//!
//! Cases (and a person each) are spread over Hà Nội's communes and 120 days; a quarter of
//! them have five contacts in quarantine. Medians of 15 warm runs.

use std::time::{Duration, Instant};

use domain::epi::{CaseStatus, Severity};
use domain::person::Sex;
use domain::{Scope, Structure, UnitCode};
use store::{CaseRow, PersonRow, Store, UnitRef};

const DAYS: i64 = 120;
const RUNS: usize = 15;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("the number of cases"))
        .unwrap_or(1_000_000);
    println!("{n} cases over {DAYS} days in Hà Nội's communes; medians of {RUNS} runs");
    let (sqlite, bare) = (
        store::testing::sqlite().await,
        store::testing::sqlite().await,
    );
    run(
        "SQLite",
        (&sqlite.store, &sqlite.url),
        (&bare.store, &bare.url),
        n,
    )
    .await;
    match (
        store::testing::postgres().await,
        store::testing::postgres().await,
    ) {
        (Some(pg), Some(bare)) => {
            run(
                "PostgreSQL",
                (&pg.store, &pg.url),
                (&bare.store, &bare.url),
                n,
            )
            .await
        }
        _ => println!("PostgreSQL skipped: set CHONGDICH_TEST_PG"),
    }
}

/// Loads `n` cases into `db` and times the tallies against counting; first prices the
/// triggers by loading the first half into `bare`, a fresh database without them.
async fn run(name: &str, (store, url): (&Store, &str), (bare, bare_url): (&Store, &str), n: i64) {
    let units: Vec<UnitRef> = store
        .subtree(Structure::S2021, &UnitCode::parse("01").unwrap())
        .await
        .unwrap()
        .iter()
        .filter(|u| u.level == domain::UnitLevel::Commune)
        .map(UnitRef::from)
        .collect();
    let now: i64 = 1_640_537_999; // 26 Dec 2021, 23:59:59 local
    let unit_of = |i: i64| unit_of(&units, i);
    let t = Instant::now();
    persons(store, &units, n, now).await;
    let persons_s = t.elapsed();

    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let cases = |from: i64, to: i64| -> Vec<CaseRow> {
        (from..=to)
            .map(|i| {
                let confirmed = now - (i * 104_729 % (DAYS * 86_400));
                CaseRow {
                    id: i,
                    person_id: i,
                    unit: unit_of(i).clone(),
                    status: match i % 10 {
                        0..=5 => CaseStatus::Recovered,
                        6 => CaseStatus::Died,
                        _ => CaseStatus::Active,
                    },
                    severity: [Severity::Mild, Severity::Moderate, Severity::Severe]
                        [(i % 3) as usize],
                    onset_s: None,
                    first_sample_s: confirmed - 3_600,
                    confirmed_at_s: confirmed,
                    isolation_s: None,
                    community: true,
                    outcome_at_s: None,
                }
            })
            .collect()
    };
    // The triggers' price: the same first half of the cases into a fresh database without
    // them, then into this one with them.
    let half = (n / 2).max(1);
    let bare_pool = sqlx::AnyPool::connect(bare_url).await.unwrap();
    for table in ["cases", "contacts"] {
        let triggers = trigger_names(&bare_pool, name, table).await;
        drop_triggers(&bare_pool, name, table, &triggers).await;
    }
    persons(bare, &units, half, now).await;
    let t = Instant::now();
    for chunk in cases(1, half).chunks(50_000) {
        bare.bulk_cases(chunk, now).await.unwrap();
    }
    let bare_s = t.elapsed();
    bare_pool.close().await;
    let t = Instant::now();
    for chunk in cases(1, half).chunks(50_000) {
        store.bulk_cases(chunk, now).await.unwrap();
    }
    let with = t.elapsed();
    for chunk in cases(half + 1, n).chunks(50_000) {
        store.bulk_cases(chunk, now).await.unwrap();
    }
    // Contacts in quarantine: five for every fourth case of the last two weeks.
    let mut contacts = 0;
    let mut values = Vec::new();
    for i in (4..=n).step_by(4) {
        let confirmed = now - (i * 104_729 % (DAYS * 86_400));
        if confirmed < now - 14 * 86_400 {
            continue;
        }
        for k in 0..5 {
            let p = (i + k * 1_009) % n + 1;
            let u = unit_of(p);
            values.push(format!(
                "({i}, {p}, 1, {i}, {c}, 600, '[]', 'quarantine', {c}, {until}, '', 'x', '2021', '{}', '{}', 0)",
                u.code,
                u.path.as_str(),
                c = confirmed,
                until = confirmed + 7 * 86_400 + k * 3_600,
            ));
            contacts += 1;
        }
        if values.len() >= 2_000 {
            insert_contacts(&pool, &mut values).await;
        }
    }
    insert_contacts(&pool, &mut values).await;
    if name == "PostgreSQL" {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    println!(
        "\n{name}: {n} persons in {:.1} s; {half} cases bulk-loaded in {:.2} s without the triggers, {:.2} s with them ({:.2}×); {contacts} contacts",
        persons_s.as_secs_f64(),
        bare_s.as_secs_f64(),
        with.as_secs_f64(),
        with.as_secs_f64() / bare_s.as_secs_f64()
    );

    let ba_dinh_path = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("001").unwrap())
        .await
        .unwrap()
        .unwrap()
        .path;
    let ba_dinh = Scope::of([(Structure::S2021, ba_dinh_path.clone())]);
    // The same district for the peer's SQL: its path range.
    let ba_dinh_bounds = (
        ba_dinh_path.as_str().to_string(),
        ba_dinh_path.subtree_upper_bound(),
    );
    let today = chrono::DateTime::from_timestamp(now + store::LOCAL_UTC_OFFSET_S, 0)
        .unwrap()
        .date_naive();
    let first = today - chrono::Days::new(27);
    println!("| query | scope | tallies | counting rows | ratio |");
    println!("|---|---|---|---|---|");
    for (label, scope, bounds) in [
        ("Hà Nội", Scope::everything(), None),
        ("Ba Đình", ba_dinh.clone(), Some(ba_dinh_bounds.clone())),
    ] {
        let fast = median(RUNS, || async {
            store
                .case_counts(&scope, Structure::S2021, now)
                .await
                .unwrap()
        })
        .await;
        let counts = store
            .case_counts(&scope, Structure::S2021, now)
            .await
            .unwrap();
        let slow = median(RUNS, || recount(&pool, now, bounds.clone())).await;
        let recounted = recount(&pool, now, bounds.clone()).await;
        assert_eq!(
            (
                counts.active,
                counts.recovered,
                counts.died,
                counts.new_today,
                counts.new_7d,
                counts.f1_in_quarantine
            ),
            recounted,
            "the tallies agree with the rows"
        );
        println!(
            "| dashboard counts (cases by status and severity, new today and 7 days, F1 in quarantine) | {label} | {} | {} | {:.0}× |",
            ms(fast),
            ms(slow),
            slow.as_secs_f64() / fast.as_secs_f64()
        );
        let fast = median(RUNS, || async {
            store
                .daily_case_counts(&scope, Structure::S2021, first, today)
                .await
                .unwrap()
        })
        .await;
        let slow = median(RUNS, || recount_days(&pool, now, bounds.clone())).await;
        println!(
            "| epidemic curve (28 days) | {label} | {} | {} | {:.0}× |",
            ms(fast),
            ms(slow),
            slow.as_secs_f64() / fast.as_secs_f64()
        );
    }
    // Coverage's denominators: residents 18+ and 50+ on the day, per province.
    let as_of = today;
    for (label, scope, bounds) in [
        ("Hà Nội", Scope::everything(), None),
        ("Ba Đình", ba_dinh.clone(), Some(ba_dinh_bounds.clone())),
    ] {
        let fast = median(RUNS, || async {
            store
                .coverage_by_unit(&scope, Structure::S2021, domain::UnitLevel::Province, as_of)
                .await
                .unwrap()
        })
        .await;
        let got = store
            .coverage_by_unit(&scope, Structure::S2021, domain::UnitLevel::Province, as_of)
            .await
            .unwrap();
        let slow = median(RUNS, || count_adults(&pool, as_of, bounds.clone())).await;
        let counted = count_adults(&pool, as_of, bounds.clone()).await;
        assert_eq!(
            (got[0].adults, got[0].high_risk),
            counted,
            "the birth tallies agree with the rows"
        );
        println!(
            "| coverage denominators (residents 18+ and 50+) | {label} | {} | {} | {:.0}× |",
            ms(fast),
            ms(slow),
            slow.as_secs_f64() / fast.as_secs_f64()
        );
    }
    pool.close().await;
}

/// Residents 18+ and 50+ on `as_of` counted from every resident, as coverage did before the
/// birth tallies (migration 0013).
async fn count_adults(
    pool: &sqlx::AnyPool,
    as_of: chrono::NaiveDate,
    bounds: Option<(String, String)>,
) -> (i64, i64) {
    use chrono::Datelike;
    use sqlx::Row;
    let cut = |y: i32| {
        as_of
            .with_year(as_of.year() - y)
            .unwrap()
            .format("%Y-%m-%d")
    };
    let r = sqlx::query(&format!(
        "SELECT CAST(SUM(CASE WHEN birth_date <= '{}' THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN birth_date <= '{}' THEN 1 ELSE 0 END) AS BIGINT)
         FROM persons WHERE merged_into IS NULL AND structure = '2021'{}",
        cut(18),
        cut(50),
        scope_sql(&bounds)
    ))
    .fetch_one(pool)
    .await
    .unwrap();
    (r.get(0), r.get(1))
}

fn unit_of(units: &[UnitRef], i: i64) -> &UnitRef {
    &units[(i * 7_919 % units.len() as i64) as usize]
}

/// Persons 1..=n (each case's person), spread over the communes.
async fn persons(store: &Store, units: &[UnitRef], n: i64, now: i64) {
    for chunk in (1..=n).collect::<Vec<_>>().chunks(50_000) {
        let rows: Vec<PersonRow> = chunk
            .iter()
            .map(|&i| PersonRow {
                id: i,
                full_name: format!("Người {i}"),
                national_id: None,
                phone: None,
                birth_date: chrono::NaiveDate::from_ymd_opt(1930, 1, 1)
                    .map(|d| d + chrono::Days::new((i * 7_919 % 30_000) as u64)),
                sex: Sex::Unknown,
                unit: unit_of(units, i).clone(),
                household_id: None,
                synthetic: true,
            })
            .collect();
        store.bulk_persons(&rows, now).await.unwrap();
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

async fn median<F, Fut, T>(runs: usize, f: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    f().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f().await);
        times.push(t.elapsed());
    }
    times.sort();
    times[runs / 2]
}

fn scope_sql(bounds: &Option<(String, String)>) -> String {
    match bounds {
        Some((lo, hi)) => format!(" AND unit_path >= '{lo}' AND unit_path < '{hi}'"),
        None => String::new(),
    }
}

/// The dashboard's counts as they were computed before the tallies: every case and every
/// current quarantine of the scope counted.
async fn recount(
    pool: &sqlx::AnyPool,
    now: i64,
    bounds: Option<(String, String)>,
) -> (i64, i64, i64, i64, i64, i64) {
    use sqlx::Row;
    let today_start =
        (now + store::LOCAL_UTC_OFFSET_S) / 86_400 * 86_400 - store::LOCAL_UTC_OFFSET_S;
    let scope = scope_sql(&bounds);
    let rows = sqlx::query(&format!(
        "SELECT status, COUNT(*),
                CAST(SUM(CASE WHEN confirmed_at_s >= {today_start} THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN confirmed_at_s >= {} THEN 1 ELSE 0 END) AS BIGINT)
         FROM cases WHERE structure = '2021'{scope} AND confirmed_at_s <= {now}
         GROUP BY status, severity",
        today_start - 6 * 86_400
    ))
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = (0, 0, 0, 0, 0, 0);
    for r in rows {
        let status: String = r.get(0);
        let n: i64 = r.get(1);
        match status.as_str() {
            "active" => out.0 += n,
            "recovered" => out.1 += n,
            _ => out.2 += n,
        }
        out.3 += r.get::<i64, _>(2);
        out.4 += r.get::<i64, _>(3);
    }
    out.5 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM contacts WHERE status = 'quarantine' AND quarantine_until_s > {now}
         AND structure = '2021'{scope}"
    ))
    .fetch_one(pool)
    .await
    .unwrap()
    .get(0);
    out
}

async fn recount_days(pool: &sqlx::AnyPool, now: i64, bounds: Option<(String, String)>) -> usize {
    let today_start =
        (now + store::LOCAL_UTC_OFFSET_S) / 86_400 * 86_400 - store::LOCAL_UTC_OFFSET_S;
    sqlx::query(&format!(
        "SELECT (confirmed_at_s + 25200) / 86400 AS day, COUNT(*) FROM cases
         WHERE structure = '2021'{} AND confirmed_at_s >= {} AND confirmed_at_s <= {now}
         GROUP BY day ORDER BY day",
        scope_sql(&bounds),
        today_start - 27 * 86_400
    ))
    .fetch_all(pool)
    .await
    .unwrap()
    .len()
}

async fn insert_contacts(pool: &sqlx::AnyPool, values: &mut Vec<String>) {
    if values.is_empty() {
        return;
    }
    sqlx::raw_sql(&format!(
        "INSERT INTO contacts (case_id, person_id, degree, via_person_id, first_exposure_s,
                               exposure_s, reasons, status, quarantine_from_s, quarantine_until_s,
                               test_days, policy, structure, unit_code, unit_path, created_at_s)
         VALUES {} ON CONFLICT DO NOTHING",
        values.join(",")
    ))
    .execute(pool)
    .await
    .unwrap();
    values.clear();
}

async fn trigger_names(pool: &sqlx::AnyPool, name: &str, table: &str) -> Vec<String> {
    use sqlx::Row;
    let sql = if name == "SQLite" {
        format!("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{table}'")
    } else {
        format!("SELECT tgname::text FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND NOT tgisinternal")
    };
    sqlx::query(&sql)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn drop_triggers(pool: &sqlx::AnyPool, name: &str, table: &str, triggers: &[String]) {
    for t in triggers {
        let sql = if name == "SQLite" {
            format!("DROP TRIGGER {t}")
        } else {
            format!("DROP TRIGGER {t} ON {table}")
        };
        sqlx::query(&sql).execute(pool).await.unwrap();
    }
}
