//! The daily workbench at scale (issue #15, "Speed and scale"): person search, the follow-up
//! work lists of a commune and of the province, the case list's first page and count, and
//! the reading side of a 100,000-row export, through the Store calls the pages make, on
//! SQLite and PostgreSQL in the same run, with a naive name scan as the search's peer.
//!
//! `CHONGDICH_TEST_PG=postgres://postgres:postgres@127.0.0.1:5432/postgres \
//!  cargo run --release -p store --example workbench_bench -- 10000000 1000000 2000000`
//!
//! Arguments: persons, cases, contacts. Persons are spread over Hà Nội's 526 communes with
//! names drawn from short lists of family, middle and given names weighted as in Vietnam
//! (so a folded prefix such as "nguyen van k" selects what it would in life), a phone and a
//! national ID each. Cases over 120 days; each contact belongs to a case and starts on its
//! confirmation day, so those of the last fortnight are still followed (about 10 %) and the
//! rest were released (or became cases, or were lost). Medians of 15 warm runs.

use std::time::{Duration, Instant};

use domain::epi::{CaseStatus, Severity};
use domain::person::{NationalId, Phone, Sex};
use domain::units::parse_unit_ref;
use domain::{Role, Structure, UnitCode, UnitLevel};
use store::{
    Caller, CaseFilter, CaseRow, NewUser, PageRequest, PersonQuery, PersonRow, Store, UnitRef,
    UserUnit, WorkList, WorkListQuery,
};

const DAYS: i64 = 120;
const RUNS: usize = 15;
/// 26 Dec 2021, 23:59:59 local: the last day of the 120.
const NOW: i64 = 1_640_537_999;
/// The page size of the lists (the pages' default).
const PAGE: u32 = 50;

/// Family names with their rough share in percent (Nguyễn about 38 %).
const FAMILY: [(&str, u64); 16] = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 3),
    ("Lý", 2),
];
const MIDDLE_MEN: [&str; 8] = ["Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh"];
const MIDDLE_WOMEN: [&str; 8] = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Minh"];
const GIVEN_MEN: [&str; 24] = [
    "Kiểm", "Anh", "Hùng", "Dũng", "Tuấn", "Khánh", "Khoa", "Kiên", "Long", "Nam", "Hải", "Sơn",
    "Trung", "Thắng", "Cường", "Phong", "Quân", "Bình", "Tùng", "Đạt", "Hiếu", "Lâm", "Việt",
    "Toàn",
];
const GIVEN_WOMEN: [&str; 24] = [
    "Hà", "Lan", "Hương", "Linh", "Trang", "Hoa", "Mai", "Thảo", "Ngân", "Yến", "Nhung", "Huyền",
    "Loan", "Khuê", "Kim", "Quỳnh", "Thủy", "Vân", "Phương", "Dung", "Giang", "Hạnh", "Oanh",
    "Tâm",
];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let arg = |i: usize, default: i64| -> i64 {
        std::env::args()
            .nth(i)
            .map(|a| a.parse().expect("a number"))
            .unwrap_or(default)
    };
    let sizes = Sizes {
        persons: arg(1, 10_000_000),
        cases: arg(2, 1_000_000),
        contacts: arg(3, 2_000_000),
    };
    assert!(sizes.cases <= sizes.persons, "a person per case at most");
    println!(
        "{} persons, {} cases over {DAYS} days, {} contacts in Hà Nội's communes; medians of {RUNS} warm runs",
        sizes.persons, sizes.cases, sizes.contacts
    );
    let only = std::env::var("WORKBENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        match std::env::var("WORKBENCH_SQLITE") {
            // A kept file: loaded on the first run, measured again by the next ones (a load
            // of 10 million persons takes the better part of an hour).
            Ok(path) => {
                let url = format!("sqlite://{path}");
                let store = Store::connect(&url).await.unwrap();
                store.migrate().await.unwrap();
                run("SQLite", &store, &url, &sizes).await;
            }
            Err(_) => {
                // A file under /tmp, removed when the run ends.
                let db = store::testing::sqlite().await;
                run("SQLite", &db.store, &db.url, &sizes).await;
            }
        }
    }
    if only.is_empty() || only == "postgres" {
        match std::env::var("WORKBENCH_PG") {
            // A kept database (created beforehand, e.g. `createdb workbench`), as above.
            Ok(url) => {
                let store = Store::connect(&url).await.unwrap();
                store.migrate().await.unwrap();
                run("PostgreSQL", &store, &url, &sizes).await;
            }
            Err(_) => match store::testing::postgres().await {
                Some(pg) => run("PostgreSQL", &pg.store, &pg.url, &sizes).await,
                None => println!("PostgreSQL skipped: set CHONGDICH_TEST_PG"),
            },
        }
    }
}

struct Sizes {
    persons: i64,
    cases: i64,
    contacts: i64,
}

/// A deterministic mix of `i` (splitmix64): the same data on both databases.
fn mix(i: i64, salt: u64) -> u64 {
    let mut z = (i as u64).wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn name_of(i: i64) -> (String, Sex) {
    let mut f = mix(i, 1) % 100;
    let family = FAMILY
        .iter()
        .find(|(_, share)| {
            let hit = f < *share;
            f = f.saturating_sub(*share);
            hit
        })
        .map_or("Nguyễn", |(n, _)| n);
    let male = mix(i, 2) % 2 == 0;
    let m = (mix(i, 3) % 8) as usize;
    let g = (mix(i, 4) % 24) as usize;
    let (middle, given, sex) = if male {
        (MIDDLE_MEN[m], GIVEN_MEN[g], Sex::Male)
    } else {
        (MIDDLE_WOMEN[m], GIVEN_WOMEN[g], Sex::Female)
    };
    (format!("{family} {middle} {given}"), sex)
}

/// Distinct for distinct `i` below 10^8: 48,271 is prime to 10^8.
fn phone_of(i: i64) -> String {
    format!("09{:08}", i * 48_271 % 100_000_000)
}

fn national_id_of(i: i64) -> String {
    format!("0010{:08}", i * 16_807 % 100_000_000)
}

fn unit_of(units: &[UnitRef], i: i64) -> &UnitRef {
    &units[(mix(i, 5) % units.len() as u64) as usize]
}

fn confirmed_of(case: i64) -> i64 {
    NOW - (mix(case, 6) % (DAYS * 86_400) as u64) as i64
}

async fn run(name: &str, store: &Store, url: &str, sizes: &Sizes) {
    let units: Vec<UnitRef> = store
        .subtree(Structure::S2021, &UnitCode::parse("01").unwrap())
        .await
        .unwrap()
        .iter()
        .filter(|u| u.level == UnitLevel::Commune)
        .map(UnitRef::from)
        .collect();
    println!("\n{name}: {} communes", units.len());
    let pool = sqlx::AnyPool::connect(url).await.unwrap();

    let (already,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM persons")
        .fetch_one(&pool)
        .await
        .unwrap();
    let reuse = already >= sizes.persons;
    if reuse {
        // A kept database: measured again as it is, which must be what these sizes load.
        assert_eq!(
            already, sizes.persons,
            "a kept database with another size: drop it and load again"
        );
        println!("a kept database: {already} persons already loaded, measured again");
    }
    let t = Instant::now();
    if !reuse {
        // A load interrupted among the persons goes on from its last batch (each batch is
        // one transaction of 50,000).
        assert_eq!(
            already % 50_000,
            0,
            "persons are loaded by batches of 50,000"
        );
        let (cases,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(cases, 0, "a load interrupted after the persons: drop it");
        if already > 0 {
            println!("  {already} persons already loaded, going on");
        }
        // Secondary indexes are made once after the load rather than kept row by row: a
        // random-key index outgrowing the cache made the 10 million persons' load take hours.
        // The indexes made are the migrations' own, read back from the catalogue.
        let indexes = person_indexes(&pool, url).await;
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&pool)
                .await
                .unwrap();
        }
        load_persons(store, &units, already + 1, sizes.persons).await;
        let t_index = Instant::now();
        for (_, made) in &indexes {
            sqlx::query(made).execute(&pool).await.unwrap();
        }
        println!(
            "  {} person indexes made again in {:.1} s",
            indexes.len(),
            t_index.elapsed().as_secs_f64()
        );
        let persons_s = t.elapsed();
        let t = Instant::now();
        load_cases(store, &units, sizes).await;
        let cases_s = t.elapsed();
        let t = Instant::now();
        let open = load_contacts(&pool, name, &units, sizes).await;
        let contacts_s = t.elapsed();
        let t = Instant::now();
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        println!(
        "loaded: {} persons in {:.1} s, {} cases in {:.1} s, {} contacts ({open} followed) in {:.1} s, ANALYZE {:.1} s",
        sizes.persons,
        persons_s.as_secs_f64(),
        sizes.cases,
        cases_s.as_secs_f64(),
        sizes.contacts,
        contacts_s.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    }
    check_tallies(&pool).await;

    // Callers as the pages have them: the province's command, a district's, a commune's
    // officer (the first commune; every commune holds about as many contacts).
    let province = caller(
        store,
        &format!("bench-province-{}", std::process::id()),
        Role::Command,
        "01",
    )
    .await;
    let district = caller(
        store,
        &format!("bench-district-{}", std::process::id()),
        Role::Command,
        "001",
    )
    .await;
    let commune_code = units[0].code.clone();
    let commune_path = units[0].path.clone();
    let officer = caller(
        store,
        &format!("bench-commune-{}", std::process::id()),
        Role::CommuneOfficer,
        commune_code.as_str(),
    )
    .await;
    let today = chrono::DateTime::from_timestamp(NOW + store::LOCAL_UTC_OFFSET_S, 0)
        .unwrap()
        .date_naive();

    println!("| query | scope | rows | {name} |");
    println!("|---|---|---|---|");
    let row = |label: &str, scope: &str, rows: String, d: Duration| {
        println!("| {label} | {scope} | {rows} | {} |", ms(d));
    };

    // Person search.
    let by_name = PersonQuery::Name("nguyen van k".into());
    // A rare name, late in the name order: what a scan must read all of.
    let by_rare = PersonQuery::Name("vo thi khue".into());
    let ba_dinh = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse("001").unwrap())
        .await
        .unwrap()
        .unwrap()
        .path;
    // A person living in Ba Đình, so that both scopes find them.
    let i = (sizes.persons / 2..)
        .find(|&i| {
            unit_of(&units, i)
                .path
                .as_str()
                .starts_with(ba_dinh.as_str())
        })
        .unwrap();
    let by_phone = PersonQuery::Number {
        national_id: None,
        phone: Some(Phone::parse(&phone_of(i)).unwrap()),
    };
    let by_nid = PersonQuery::Number {
        national_id: Some(NationalId::parse(&national_id_of(i)).unwrap()),
        phone: None,
    };
    let by_both = PersonQuery::Number {
        national_id: Some(NationalId::parse(&national_id_of(i)).unwrap()),
        phone: Some(Phone::parse(&phone_of(i)).unwrap()),
    };
    for (label, q) in [
        ("person search, name \"nguyen van k\"", &by_name),
        ("person search, name \"vo thi khue\"", &by_rare),
        ("person search, phone", &by_phone),
        ("person search, national ID", &by_nid),
        (
            "person search, a number both phone and national ID",
            &by_both,
        ),
    ] {
        for (scope, c) in [("Hà Nội", &province), ("Ba Đình", &district)] {
            let found = store
                .search_persons(c, q, &PageRequest::first(PAGE), NOW)
                .await
                .unwrap()
                .items
                .len();
            let d = median(|| async {
                store
                    .search_persons(c, q, &PageRequest::first(PAGE), NOW)
                    .await
                    .unwrap()
            })
            .await;
            row(label, scope, found.to_string(), d);
        }
    }
    // The peer: what the index buys, a scan of every name for the words anywhere.
    for words in ["nguyen van k", "vo thi khue"] {
        for (scope, bounds) in [
            ("Hà Nội", None),
            (
                "Ba Đình",
                Some((ba_dinh.as_str().to_string(), ba_dinh.subtree_upper_bound())),
            ),
        ] {
            let n = naive_search(&pool, words, &bounds).await;
            let d = median(|| naive_search(&pool, words, &bounds)).await;
            row(
                &format!("peer: name_folded LIKE '%{words}%' scan"),
                scope,
                n.to_string(),
                d,
            );
        }
    }

    // The follow-up work lists.
    for list in [WorkList::DueToday, WorkList::Missed, WorkList::All] {
        let q = WorkListQuery {
            list,
            today,
            f1_only: false,
            assignee: None,
            status: None,
            within: None,
            quarantine_ends_by_s: None,
            case: None,
        };
        for (scope, c) in [("commune (officer)", &officer), ("Hà Nội", &province)] {
            let got = store
                .work_list(c, Structure::S2021, &q, &PageRequest::first(PAGE), NOW)
                .await
                .unwrap()
                .items
                .len();
            let d = median(|| async {
                store
                    .work_list(c, Structure::S2021, &q, &PageRequest::first(PAGE), NOW)
                    .await
                    .unwrap()
            })
            .await;
            row(
                &format!("work list {}, first page", list.as_str()),
                scope,
                got.to_string(),
                d,
            );
            let n = store
                .work_list_count(c, Structure::S2021, &q, list.count_cap())
                .await
                .unwrap();
            let d = median(|| async {
                store
                    .work_list_count(c, Structure::S2021, &q, list.count_cap())
                    .await
                    .unwrap()
            })
            .await;
            row(
                &format!(
                    "work list {}, count (cap {})",
                    list.as_str(),
                    list.count_cap()
                ),
                scope,
                n.map_or(format!("> {}", list.count_cap()), |n| n.to_string()),
                d,
            );
        }
    }

    // The case list's first page and its count.
    let whole = CaseFilter::default();
    let in_commune = CaseFilter {
        within: Some(commune_path.clone()),
        ..CaseFilter::default()
    };
    for (scope, f) in [("Hà Nội", &whole), ("one commune", &in_commune)] {
        let got = store
            .list_cases(
                &province,
                Structure::S2021,
                f,
                &PageRequest::first(PAGE),
                NOW,
            )
            .await
            .unwrap()
            .items
            .len();
        let d = median(|| async {
            store
                .list_cases(
                    &province,
                    Structure::S2021,
                    f,
                    &PageRequest::first(PAGE),
                    NOW,
                )
                .await
                .unwrap()
        })
        .await;
        row("case list, first page", scope, got.to_string(), d);
        let n = store
            .count_cases(&province, Structure::S2021, f, 10_000)
            .await
            .unwrap();
        let d = median(|| async {
            store
                .count_cases(&province, Structure::S2021, f, 10_000)
                .await
                .unwrap()
        })
        .await;
        row(
            "case count (cap 10,000)",
            scope,
            n.map_or("> 10,000".into(), |n| n.to_string()),
            d,
        );
    }

    // The reading side of an export: 100,000 case lines in pages of 1,000, as the export
    // reads them (once: it is not a warm-run figure).
    let rss0 = vm_hwm_kib();
    let t = Instant::now();
    let mut page = PageRequest::first(1_000);
    let mut lines = 0;
    while lines < 100_000 {
        let got = store
            .case_line_list(&province, Structure::S2021, &whole, &page, NOW)
            .await
            .unwrap();
        lines += got.items.len();
        match got.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    println!(
        "export read: {lines} case lines in {:.2} s (peak RSS {} MiB before, {} MiB after)",
        t.elapsed().as_secs_f64(),
        rss0 / 1024,
        vm_hwm_kib() / 1024
    );
    explain(&pool, name, &commune_path, &phone_of(i)).await;
    pool.close().await;
}

async fn caller(store: &Store, username: &str, role: Role, unit: &str) -> Caller {
    let (structure, code) = parse_unit_ref(unit).unwrap();
    // One account per run: a kept database already holds the previous runs' accounts.
    let username = &format!("{username}-{}", std::process::id());
    let user = store
        .create_user(
            &NewUser {
                username: username.into(),
                password_hash: "x".into(),
                role,
                units: vec![UserUnit { structure, code }],
            },
            NOW,
        )
        .await
        .unwrap();
    let token = format!("bench-{username}");
    store
        .create_session(user.id, &token, NOW, 86_400)
        .await
        .unwrap();
    store
        .caller_by_token(&token, NOW + 1)
        .await
        .unwrap()
        .unwrap()
}

/// The persons table's secondary indexes: (name, the statement that makes it).
async fn person_indexes(pool: &sqlx::AnyPool, url: &str) -> Vec<(String, String)> {
    let sql = if url.starts_with("sqlite:") {
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons' AND sql IS NOT NULL"
    } else {
        "SELECT i.indexname::text, i.indexdef::text FROM pg_indexes i WHERE i.tablename = 'persons' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
    };
    sqlx::query_as(sql).fetch_all(pool).await.unwrap()
}

async fn load_persons(store: &Store, units: &[UnitRef], first: i64, n: i64) {
    let mut from = first;
    while from <= n {
        let to = (from + 50_000 - 1).min(n);
        let rows: Vec<PersonRow> = (from..=to)
            .map(|i| {
                let (full_name, sex) = name_of(i);
                PersonRow {
                    id: i,
                    full_name,
                    national_id: Some(national_id_of(i)),
                    phone: Some(phone_of(i)),
                    birth_date: chrono::NaiveDate::from_ymd_opt(1930, 1, 1)
                        .map(|d| d + chrono::Days::new(mix(i, 7) % 30_000)),
                    sex,
                    unit: unit_of(units, i).clone(),
                    household_id: None,
                    synthetic: true,
                }
            })
            .collect();
        store.bulk_persons(&rows, NOW).await.unwrap();
        if to % 1_000_000 == 0 {
            // Long work shows progress: the load slows as the person indexes grow.
            println!("  {to} persons loaded");
        }
        from = to + 1;
    }
}

/// Case `i`'s person: distinct persons spread over the whole range.
fn case_person(i: i64, sizes: &Sizes) -> i64 {
    (i - 1) * (sizes.persons / sizes.cases) + 1
}

async fn load_cases(store: &Store, units: &[UnitRef], sizes: &Sizes) {
    let mut from = 1;
    while from <= sizes.cases {
        let to = (from + 50_000 - 1).min(sizes.cases);
        let rows: Vec<CaseRow> = (from..=to)
            .map(|i| {
                let confirmed = confirmed_of(i);
                let person = case_person(i, sizes);
                // Recent cases are still active.
                let status = if confirmed > NOW - 14 * 86_400 {
                    CaseStatus::Active
                } else if mix(i, 8) % 50 == 0 {
                    CaseStatus::Died
                } else {
                    CaseStatus::Recovered
                };
                CaseRow {
                    id: i,
                    person_id: person,
                    unit: unit_of(units, person).clone(),
                    status,
                    severity: [Severity::Mild, Severity::Moderate, Severity::Severe]
                        [(mix(i, 9) % 3) as usize],
                    onset_s: None,
                    first_sample_s: confirmed - 3_600,
                    confirmed_at_s: confirmed,
                    isolation_s: None,
                    community: true,
                    outcome_at_s: None,
                }
            })
            .collect();
        store.bulk_cases(&rows, NOW).await.unwrap();
        from = to + 1;
    }
}

/// Contacts in multi-row inserts (the triggers keep the tallies, whatever the insert path),
/// and for the followed ones a reached call on some of their yesterdays and todays. Answers
/// how many are followed.
async fn load_contacts(pool: &sqlx::AnyPool, name: &str, units: &[UnitRef], sizes: &Sizes) -> i64 {
    let today = (NOW + store::LOCAL_UTC_OFFSET_S) / 86_400;
    let day = |d: i64| {
        chrono::DateTime::from_timestamp(d * 86_400, 0)
            .unwrap()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string()
    };
    let (yesterday, today) = (day(today - 1), day(today));
    let mut open = 0;
    let mut values = Vec::new();
    let mut calls = Vec::new();
    for k in 1..=sizes.contacts {
        let case = (k - 1) % sizes.cases + 1;
        // A person other than the case's own, distinct per case.
        let person =
            (case_person(case, sizes) + (k - 1) / sizes.cases * 7_919 + 1 - 1) % sizes.persons + 1;
        let person = if person == case_person(case, sizes) {
            person % sizes.persons + 1
        } else {
            person
        };
        let degree = if mix(k, 10) % 10 == 0 { 2 } else { 1 };
        let confirmed = confirmed_of(case);
        let until = confirmed + 7 * 86_400;
        let follow_until = until + 7 * 86_400;
        let r = mix(k, 11) % 100;
        let follow_status = if follow_until >= NOW - 86_400 {
            open += 1;
            match r {
                0..=9 => "to_reach",
                10..=69 => "in_quarantine",
                _ => "monitoring",
            }
        } else {
            match r {
                0..=2 => "became_case",
                3..=4 => "lost",
                _ => "released",
            }
        };
        let status = if degree == 1 { "quarantine" } else { "monitor" };
        let u = unit_of(units, person);
        values.push(format!(
            "({k}, {case}, {person}, {degree}, {person}, {c}, 600, '[]', '{status}', {c}, {until}, '1,7', 'bench', '2021', '{}', '{}', {c}, '{follow_status}', {follow_until})",
            u.code,
            u.path.as_str(),
            c = confirmed,
        ));
        if matches!(follow_status, "to_reach" | "in_quarantine" | "monitoring") {
            if r % 2 == 0 {
                calls.push(format!("({k}, '{yesterday}', 1, {NOW})"));
            }
            if r % 3 == 0 {
                calls.push(format!("({k}, '{today}', 1, {NOW})"));
            }
        }
        if values.len() >= 2_000 {
            insert_contacts(pool, &mut values, &mut calls).await;
        }
    }
    insert_contacts(pool, &mut values, &mut calls).await;
    let _ = name;
    open
}

async fn insert_contacts(pool: &sqlx::AnyPool, values: &mut Vec<String>, calls: &mut Vec<String>) {
    if !values.is_empty() {
        sqlx::raw_sql(&format!(
            "INSERT INTO contacts (id, case_id, person_id, degree, via_person_id, first_exposure_s,
                                   exposure_s, reasons, status, quarantine_from_s, quarantine_until_s,
                                   test_days, policy, structure, unit_code, unit_path, created_at_s,
                                   follow_status, follow_up_until_s)
             VALUES {}",
            values.join(",")
        ))
        .execute(pool)
        .await
        .unwrap();
    }
    if !calls.is_empty() {
        sqlx::raw_sql(&format!(
            "INSERT INTO contact_followups (contact_id, day, reached, created_at_s) VALUES {}",
            calls.join(",")
        ))
        .execute(pool)
        .await
        .unwrap();
    }
    values.clear();
    calls.clear();
}

/// The triggers kept the tallies: the follow-up counters and the quarantines ending per day
/// agree with the rows.
async fn check_tallies(pool: &sqlx::AnyPool) {
    use sqlx::Row;
    let pairs = |sql: &'static str| async move {
        let mut v: Vec<(String, i64, i64)> = sqlx::query(sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        v.sort();
        v
    };
    let tallied = pairs(
        "SELECT follow_status, degree, CAST(SUM(n) AS BIGINT) FROM follow_tallies
         GROUP BY follow_status, degree HAVING SUM(n) <> 0",
    )
    .await;
    let counted = pairs(
        "SELECT follow_status, degree, COUNT(*) FROM contacts GROUP BY follow_status, degree",
    )
    .await;
    assert_eq!(tallied, counted, "follow_tallies agree with the contacts");
    let ends: i64 = sqlx::query("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM quarantine_ends")
        .fetch_one(pool)
        .await
        .unwrap()
        .get(0);
    let rows: i64 = sqlx::query(
        "SELECT COUNT(*) FROM contacts WHERE status = 'quarantine' AND quarantine_until_s IS NOT NULL
         AND follow_status NOT IN ('released', 'became_case')",
    )
    .fetch_one(pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(ends, rows, "quarantine_ends agree with the contacts");
    println!("tallies checked: {counted:?}; {rows} quarantines counted");
}

async fn naive_search(
    pool: &sqlx::AnyPool,
    words: &str,
    bounds: &Option<(String, String)>,
) -> usize {
    let scope = match bounds {
        Some((lo, hi)) => format!(" AND unit_path >= '{lo}' AND unit_path < '{hi}'"),
        None => String::new(),
    };
    sqlx::query(&format!(
        "SELECT id, full_name, name_folded FROM persons
         WHERE merged_into IS NULL AND name_folded LIKE '%{words}%'{scope}
         ORDER BY name_folded, id LIMIT {}",
        PAGE + 1
    ))
    .fetch_all(pool)
    .await
    .unwrap()
    .len()
}

/// The plans of the queries behind the figures, for the record.
async fn explain(pool: &sqlx::AnyPool, name: &str, commune: &domain::UnitPath, phone: &str) {
    use sqlx::Row;
    let p = commune.as_str();
    let hi = commune.subtree_upper_bound();
    let queries = [
        "SELECT id FROM persons WHERE merged_into IS NULL AND name_folded >= 'nguyen van k' AND name_folded < 'nguyen van l' ORDER BY name_folded, id LIMIT 51".to_string(),
        // The number search as search_persons writes it, and without its `1 = 0 OR`.
        format!("SELECT id FROM persons WHERE merged_into IS NULL AND (1 = 0 OR phone = '{phone}') ORDER BY name_folded, id LIMIT 51"),
        format!("SELECT id FROM persons WHERE merged_into IS NULL AND (phone = '{phone}') ORDER BY name_folded, id LIMIT 51"),
        format!("SELECT id FROM contacts WHERE structure = '2021' AND unit_path >= '{p}' AND unit_path < '{hi}' AND follow_status IN ('to_reach', 'in_quarantine', 'monitoring') ORDER BY id LIMIT 51"),
        "SELECT id FROM contacts WHERE structure = '2021' AND follow_status IN ('to_reach', 'in_quarantine', 'monitoring') ORDER BY id LIMIT 51".to_string(),
        "SELECT id FROM cases WHERE structure = '2021' ORDER BY confirmed_at_s DESC, id DESC LIMIT 51".to_string(),
        format!("SELECT id FROM cases WHERE structure = '2021' AND unit_path >= '{p}' AND unit_path < '{hi}' ORDER BY confirmed_at_s DESC, id DESC LIMIT 51"),
    ];
    for q in queries {
        let sql = if name == "SQLite" {
            format!("EXPLAIN QUERY PLAN {q}")
        } else {
            format!("EXPLAIN {q}")
        };
        let plan: Vec<String> = sqlx::query(&sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                if name == "SQLite" {
                    r.get::<String, _>(3)
                } else {
                    r.get::<String, _>(0)
                }
            })
            .collect();
        println!("plan of `{q}`:\n  {}", plan.join("\n  "));
    }
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

async fn median<F, Fut, T>(f: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let t = Instant::now();
    f().await;
    // A query slower than a second is a finding already: three runs say how slow.
    let runs = if t.elapsed() > Duration::from_secs(1) {
        3
    } else {
        RUNS
    };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f().await);
        times.push(t.elapsed());
    }
    times.sort();
    times[runs / 2]
}
