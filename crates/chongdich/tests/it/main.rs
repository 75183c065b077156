//! The `chongdich` binary as a user runs it: migrate, accounts, units, demo and serve.

mod aid;
mod import_contacts;
mod import_kinds;
mod import_places;
mod linked;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chongdich");

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("CHONGDICH_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run chongdich");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An empty SQLite path for the binary to create (the test store only provides the name),
/// and the file's guard: the database and its WAL files are removed when it drops (left
/// behind, the demo databases of these tests filled /tmp by a gigabyte and more).
fn temp_sqlite(name: &str) -> (String, TempDb) {
    let path = std::env::temp_dir().join(format!("chongdich-cli-{}-{name}.db", std::process::id()));
    let file = TempDb(path);
    file.remove();
    (format!("sqlite://{}", file.0.display()), file)
}

/// A test's SQLite file, removed with its `-wal` and `-shm` companions on drop.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

impl std::ops::Deref for TempDb {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for TempDb {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

fn migrate_and_count(db: &str) {
    let first = run(&["migrate", "--db", db], None);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("applied migration 0001_foundation"));
    assert!(stdout(&first).contains("loaded 14169 administrative units"));
    let again = run(&["migrate", "--db", db], None);
    assert!(again.status.success());
    assert_eq!(stdout(&again).trim(), "schema is up to date");
    let stats = run(&["units", "stats", "--db", db], None);
    let text = stdout(&stats);
    for line in [
        "2021       domestic   province        63",
        "2021       domestic   commune      10035",
        "2025       domestic   province        34",
        "2025       domestic   commune       3321",
        "2025       foreign    province         9",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn migrate_and_units_stats_on_sqlite() {
    let (db, path) = temp_sqlite("migrate");
    migrate_and_count(&db);
    assert!(path.exists(), "the SQLite file is created if missing");
}

#[tokio::test]
async fn migrate_and_units_stats_on_postgres() {
    let Some(test_db) = store::testing::postgres().await else {
        return;
    };
    // The test database is already migrated: the binary must find nothing to do.
    let again = run(&["migrate", "--db", &test_db.url], None);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again).trim(), "schema is up to date");
    let stats = run(&["units", "stats", "--db", &test_db.url], None);
    assert!(stdout(&stats).contains("2025       domestic   province        34"));
}

/// `units boundaries` stores a FeatureCollection whole, or names every fault and stores
/// nothing.
#[test]
fn units_boundaries_stores_a_file_whole_or_not_at_all() {
    let (db, _file) = temp_sqlite("boundaries");
    let square = |code: &str, lon: f64, lat: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"ma_xa":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{a},{b}],[{c},{b}],[{c},{d}],[{a},{d}],[{a},{b}]]]}}}}"#,
            a = lon - 0.001,
            b = lat - 0.001,
            c = lon + 0.001,
            d = lat + 0.001
        )
    };
    let file = std::env::temp_dir().join(format!("chongdich-cli-{}-b.geojson", std::process::id()));
    let write = |features: &[String]| {
        std::fs::write(
            &file,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
    };
    let phuc_xa = square("00001", 105.848112, 21.046798);
    let args = |file: &std::path::Path| {
        vec![
            "units".to_string(),
            "boundaries".into(),
            "--db".into(),
            db.clone(),
            file.display().to_string(),
            "--source".into(),
            "Sở TN&MT".into(),
            "--code-property".into(),
            "ma_xa".into(),
        ]
    };
    let run_args = |a: Vec<String>| run(&a.iter().map(String::as_str).collect::<Vec<_>>(), None);

    write(&[phuc_xa.clone(), square("00004", 106.7, 10.78)]);
    let refused = run_args(args(&file));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("features[1].geometry: misplaced"),
        "{}",
        stderr(&refused)
    );
    write(&[phuc_xa, square("00004", 105.843174, 21.044395)]);
    let stored = run_args(args(&file));
    assert!(stored.status.success(), "{}", stderr(&stored));
    assert!(stdout(&stored).contains("stored the boundaries of 2 units"));
    let _ = std::fs::remove_file(&file);
}

#[test]
fn user_add_reads_the_password_from_stdin() {
    let (db, _file) = temp_sqlite("users");
    let ok = run(
        &[
            "user",
            "add",
            "--db",
            &db,
            "--username",
            "HN.PhucXa",
            "--role",
            "commune_officer",
            "--unit",
            "00001",
        ],
        Some("một mật khẩu dài\n"),
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("created user hn.phucxa"));
    let list = run(&["user", "list", "--db", &db], None);
    assert!(stdout(&list).contains("hn.phucxa"));
    assert!(stdout(&list).contains("2021:00001"));

    for (args, stdin, why) in [
        (
            vec!["--username", "a2", "--role", "tracer", "--unit", "01"],
            "long enough pw",
            "short username",
        ),
        (
            vec!["--username", "abc", "--role", "tracer", "--unit", "01"],
            "short\n",
            "short password",
        ),
        (
            vec!["--username", "abc", "--role", "tracer", "--unit", "01"],
            "aaaaaaaaaa\n",
            "ten characters",
        ),
        (
            vec!["--username", "abc", "--role", "tracer", "--unit", "01"],
            "aaaaaaaaaaaaaaaa\n",
            "one repeated character",
        ),
        (
            vec!["--username", "abc", "--role", "tracer", "--unit", "01"],
            "abcdefghijklmn\n",
            "a sequence",
        ),
        (
            vec!["--username", "abc", "--role", "tracer", "--unit", "01"],
            "Qwerty123456\n",
            "a common password",
        ),
        (
            vec!["--username", "abc", "--role", "boss", "--unit", "01"],
            "long enough pw",
            "unknown role",
        ),
        (
            vec!["--username", "abc", "--role", "tracer", "--unit", "99999"],
            "long enough pw",
            "unknown unit",
        ),
        (
            vec![
                "--username",
                "hn.phucxa",
                "--role",
                "tracer",
                "--unit",
                "01",
            ],
            "long enough pw",
            "duplicate",
        ),
    ] {
        let mut full = vec!["user", "add", "--db", &db];
        full.extend(args);
        let o = run(&full, Some(stdin));
        assert!(!o.status.success(), "{why} was accepted");
        assert!(!stderr(&o).is_empty(), "{why}: no message");
    }
    let list = run(&["user", "list", "--db", &db], None);
    assert_eq!(
        stdout(&list).lines().count(),
        2,
        "only the header and the one account"
    );

    let set = run(
        &[
            "user",
            "set-password",
            "--db",
            &db,
            "--username",
            "hn.phucxa",
        ],
        Some("another long one\n"),
    );
    assert!(set.status.success(), "{}", stderr(&set));
    let missing = run(
        &["user", "set-password", "--db", &db, "--username", "ghost"],
        Some("another long one\n"),
    );
    assert!(!missing.status.success());
    let common = run(
        &[
            "user",
            "set-password",
            "--db",
            &db,
            "--username",
            "hn.phucxa",
        ],
        Some("password1234\n"),
    );
    assert!(!common.status.success(), "a common password was accepted");
    assert!(stderr(&common).contains("common"), "{}", stderr(&common));
}

/// `user deactivate` ends the account's sessions and keeps it from signing in (the store's
/// `caller_by_token` and the sign-in both check the flag); `user activate` undoes it.
#[tokio::test]
async fn user_deactivate_ends_sessions_and_activate_restores() {
    let (db, _file) = temp_sqlite("deactivate");
    let add = run(
        &[
            "user",
            "add",
            "--db",
            &db,
            "--username",
            "leaver",
            "--role",
            "tracer",
            "--unit",
            "01",
        ],
        Some("một mật khẩu dài\n"),
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let store = store::Store::connect(&db).await.unwrap();
    let (user, _) = store.user_for_login("leaver").await.unwrap().unwrap();
    let now = chrono::Utc::now().timestamp();
    store
        .create_session(user.id, "a-session", now, 3600)
        .await
        .unwrap();
    assert!(store
        .caller_by_token("a-session", now)
        .await
        .unwrap()
        .is_some());
    drop(store);

    let off = run(
        &["user", "deactivate", "--db", &db, "--username", "Leaver"],
        None,
    );
    assert!(off.status.success(), "{}", stderr(&off));
    assert!(stdout(&off).contains("leaver is deactivated"));
    let list = run(&["user", "list", "--db", &db], None);
    assert!(
        stdout(&list)
            .lines()
            .any(|l| l.starts_with("leaver ") && l.contains(" false ")),
        "{}",
        stdout(&list)
    );
    let store = store::Store::connect(&db).await.unwrap();
    assert!(store
        .caller_by_token("a-session", now + 1)
        .await
        .unwrap()
        .is_none());
    drop(store);

    let ghost = run(
        &["user", "deactivate", "--db", &db, "--username", "ghost"],
        None,
    );
    assert!(!ghost.status.success());
    assert!(stderr(&ghost).contains("no user named"));

    let on = run(
        &["user", "activate", "--db", &db, "--username", "leaver"],
        None,
    );
    assert!(on.status.success(), "{}", stderr(&on));
    let list = run(&["user", "list", "--db", &db], None);
    assert!(stdout(&list)
        .lines()
        .any(|l| l.starts_with("leaver ") && l.contains(" true ")));
}

#[test]
fn demo_builds_and_serves_with_a_working_login() {
    let (db, _file) = temp_sqlite("demo");
    // A small locality keeps the debug-build test quick; the default is 100,000 people.
    let built = run(
        &[
            "demo",
            "--db",
            &db,
            "--no-serve",
            "--people",
            "4000",
            "--days",
            "24",
        ],
        None,
    );
    assert!(built.status.success(), "{}", stderr(&built));
    let out = stdout(&built);
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("administrator: admin / "))
        .expect("the demo prints the administrator's login")
        .trim()
        .to_string();

    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = Command::new(BIN)
        .args(["serve", "--db", &db, "--addr", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let result = std::panic::catch_unwind(|| {
        let health = http(&addr, "GET", "/healthz", None, None);
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        // The server throttles by the connection's address: guesses from 127.0.0.2 lock that
        // address out, not the administrator signing in from 127.0.0.1.
        let guess = r#"{"username":"admin","password":"not the password"}"#;
        let statuses: Vec<String> = (0..6)
            .map(|_| login_from_ip(&addr, "127.0.0.2", guess)[..12].to_string())
            .collect();
        assert_eq!(statuses[0], "HTTP/1.1 401", "{statuses:?}");
        assert_eq!(statuses[5], "HTTP/1.1 429", "{statuses:?}");
        let right = format!(r#"{{"username":"admin","password":"{password}"}}"#);
        let locked = login_from_ip(&addr, "127.0.0.2", &right);
        assert!(locked.starts_with("HTTP/1.1 429"), "{locked}");
        let token = admin_token(&addr, &password);
        let units = http(
            &addr,
            "GET",
            "/api/v1/units?structure=2025&level=province&limit=1",
            None,
            Some(&token),
        );
        assert!(
            units.starts_with("HTTP/1.1 200") && units.contains("\"next_cursor\""),
            "{units}"
        );
    });
    let _ = server.kill();
    let _ = server.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// Signs the administrator in on a running server and returns the bearer token.
fn admin_token(addr: &str, password: &str) -> String {
    let body = format!(r#"{{"username":"admin","password":"{password}"}}"#);
    let login = http(addr, "POST", "/api/v1/auth/login", Some(&body), None);
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    login
        .split("\"token\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string()
}

/// A sign-in sent from a chosen loopback address (any of 127.0.0.0/8 is local on Linux).
fn login_from_ip(addr: &str, ip: &str, body: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(format!("{ip}:0").parse().unwrap())
            .unwrap();
        let mut s = socket.connect(addr.parse().unwrap()).await.unwrap();
        let req = format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 exchange, retried while the server starts (at most 30 s).
fn http(addr: &str, method: &str, path: &str, body: Option<&str>, token: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match TcpStream::connect(addr) {
            Ok(mut s) => {
                let body = body.unwrap_or("");
                let auth = token
                    .map(|t| format!("Authorization: Bearer {t}\r\n"))
                    .unwrap_or_default();
                let req = format!(
                    "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                s.write_all(req.as_bytes()).unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).unwrap();
                return out;
            }
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("server at {addr} never answered: {e}"),
        }
    }
}

#[tokio::test]
async fn trace_and_purge_from_the_command_line() {
    use domain::epi::{CaseStatus, ScanMode, Severity, VenueKind};
    use store::{CaseRow, CheckinRow, PersonRow, UnitRef, VenueRow};

    let (db, _file) = temp_sqlite("trace");
    let store = store::Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let unit = UnitRef::from(
        &store
            .unit_unscoped(
                domain::Structure::S2021,
                &domain::UnitCode::parse("00001").unwrap(),
            )
            .await
            .unwrap()
            .unwrap(),
    );
    let persons: Vec<PersonRow> = (1..=3)
        .map(|id| PersonRow {
            id,
            full_name: format!("P{id}"),
            national_id: None,
            phone: None,
            birth_date: None,
            sex: domain::person::Sex::Unknown,
            unit: unit.clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, 0).await.unwrap();
    store
        .bulk_venues(
            &[VenueRow {
                id: 1,
                name: "Chợ".into(),
                kind: VenueKind::Market,
                unit: unit.clone(),
                address: None,
                capacity: None,
                open_min: 0,
                close_min: 1440,
                qr_payload: "Q1".into(),
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    // 2021-11-10: the case (person 1) and person 2 share 30 minutes; person 3 only 5.
    let t = 1_636_502_400;
    let visit = |p: i64, a: i64, b: i64| CheckinRow {
        client_id: None,
        person_id: p,
        venue_id: 1,
        t_in_s: t + a * 60,
        t_out_s: t + b * 60,
        t_out_default: false,
        mode: ScanMode::SelfScan,
    };
    // One row an older version let in: a check-in dated 1900-01-01, outside the range the
    // tracing index holds. It must be skipped and reported, never stop a command.
    let bad = CheckinRow {
        client_id: Some("1900".into()),
        t_in_s: -2_208_988_800,
        t_out_s: -2_208_988_800 + 3600,
        ..visit(3, 0, 1)
    };
    store
        .bulk_checkins(
            &[visit(1, 0, 60), visit(2, 30, 90), visit(3, 55, 120), bad],
            0,
        )
        .await
        .unwrap();
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 1,
                unit,
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: Some(t + 86_400),
                first_sample_s: t + 2 * 86_400,
                confirmed_at_s: t + 2 * 86_400,
                isolation_s: Some(t + 2 * 86_400),
                community: true,
                outcome_at_s: None,
            }],
            0,
        )
        .await
        .unwrap();
    store.close().await;

    let out = run(&["trace", "--db", &db, "--case", "1", "--depth", "1"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 stored check-in(s) could not be indexed"),
        "{}",
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["policy"], "3638/QĐ-BYT");
    let people: Vec<i64> = json["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["person_id"].as_i64().unwrap())
        .collect();
    assert_eq!(people, vec![2]);
    assert_eq!(json["contacts"][0]["reasons"][0]["overlap_min"], 30.0);
    let missing = run(&["trace", "--db", &db, "--case", "9"], None);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("case 9: no such case"),
        "{}",
        stderr(&missing)
    );

    // Today is years past 2021: every check-in is past its retention.
    let purge = run(&["purge", "--db", &db], None);
    assert!(purge.status.success(), "{}", stderr(&purge));
    // Audit rows are kept longer (data/policies/audit.toml): today's stay.
    assert_eq!(
        stdout(&purge).trim(),
        "deleted 4 check-ins past the retention period\n\
         deleted 0 declarations past the retention period\n\
         deleted 0 audit rows past the retention period"
    );
}

#[test]
fn exports_match_the_demo_and_runs_are_deterministic() {
    let (db, _file) = temp_sqlite("export");
    let args = ["--people", "3000", "--days", "20", "--seed", "5"];
    let mut demo_args = vec!["demo", "--db", &db, "--no-serve"];
    demo_args.extend(args);
    assert!(run(&demo_args, None).status.success());
    let dir = std::env::temp_dir().join(format!("chongdich-cli-{}-exports", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    let out = run(
        &[
            "export",
            "checkins",
            "--db",
            &db,
            "--out",
            &path("db_checkins.csv"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The export of who was where and when left its audit row.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let exports = rt.block_on(async {
        let store = store::Store::connect(&db).await.unwrap();
        let rows = store
            .list_audit(
                &store::Caller::system("test"),
                Some(("export", "checkins")),
                &store::PageRequest::first(10),
            )
            .await
            .unwrap();
        store.close().await;
        rows.items
    });
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].actor, "cli export");
    // No case has an outcome before it was confirmed (#14: 325 of the default demo's did).
    let early = rt.block_on(async {
        let store = store::Store::connect(&db).await.unwrap();
        // The number of rows an UPDATE that changes nothing matches: a count.
        let n = store::testing::execute(
            &store,
            "UPDATE cases SET outcome_at_s = outcome_at_s WHERE outcome_at_s < confirmed_at_s",
        )
        .await;
        store.close().await;
        n
    });
    assert_eq!(early, 0, "cases with an outcome before their confirmation");
    // Nor is any isolated after the demo's "now" (a hand-over of such a case was refused).
    let future = rt.block_on(async {
        let store = store::Store::connect(&db).await.unwrap();
        let n = store::testing::execute(
            &store,
            "UPDATE cases SET isolation_s = isolation_s WHERE isolation_s >
               (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'clock_as_of_s')",
        )
        .await;
        store.close().await;
        n
    });
    assert_eq!(future, 0, "cases isolated after the demo's clock");
    let out = run(
        &[
            "export",
            "truth",
            "--db",
            &db,
            "--out",
            &path("db_truth.csv"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // The same run without a database gives the same truth and the same check-ins.
    let mut sim_args = vec!["sim", "--out"];
    let a = path("a");
    sim_args.push(&a);
    sim_args.extend(args);
    assert!(run(&sim_args, None).status.success());
    let read = |p: String| std::fs::read(p).unwrap();
    assert_eq!(read(path("db_truth.csv")), read(format!("{a}/truth.csv")));
    let db_checkins = String::from_utf8(read(path("db_checkins.csv"))).unwrap();
    let sim_checkins = String::from_utf8(read(format!("{a}/checkins.csv"))).unwrap();
    assert_eq!(
        db_checkins.lines().next(),
        Some("person_id,venue_id,t_in,t_out")
    );
    let mut x: Vec<&str> = db_checkins.lines().skip(1).collect();
    let mut y: Vec<&str> = sim_checkins.lines().skip(1).collect();
    x.sort_unstable();
    y.sort_unstable();
    assert!(x.len() > 1000, "{} check-ins", x.len());
    assert_eq!(x, y, "the database holds exactly the simulated check-ins");

    // Same seed: byte-identical; another seed: different.
    let b = path("b");
    let mut again = vec!["sim", "--out", &b];
    again.extend(args);
    assert!(run(&again, None).status.success());
    assert_eq!(
        read(format!("{a}/truth.csv")),
        read(format!("{b}/truth.csv"))
    );
    assert_eq!(
        read(format!("{a}/checkins.csv")),
        read(format!("{b}/checkins.csv"))
    );
    let c = path("c");
    let other = run(
        &[
            "sim", "--out", &c, "--people", "3000", "--days", "20", "--seed", "6",
        ],
        None,
    );
    assert!(other.status.success());
    assert_ne!(
        read(format!("{a}/truth.csv")),
        read(format!("{c}/truth.csv"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A check-in batch the server acknowledged survives the server being killed.
#[test]
fn acknowledged_checkins_survive_a_killed_server() {
    let (db, _file) = temp_sqlite("crash");
    let built = run(
        &[
            "demo",
            "--db",
            &db,
            "--no-serve",
            "--people",
            "2000",
            "--days",
            "14",
        ],
        None,
    );
    assert!(built.status.success(), "{}", stderr(&built));
    let password = stdout(&built)
        .lines()
        .find_map(|l| {
            l.strip_prefix("administrator: admin / ")
                .map(str::to_string)
        })
        .unwrap();
    let start = |addr: &str| {
        Command::new(BIN)
            .args(["serve", "--db", &db, "--addr", addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = start(&addr);
    let token = admin_token(&addr, &password);
    let items: Vec<String> = (0..500)
        .map(|i| {
            format!(
                r#"{{"id":"crash-{i}","person":{},"venue":1,"t_in":"2021-11-10T0{}:00:00Z","t_out":"2021-11-10T0{}:30:00Z","mode":"self_scan"}}"#,
                i + 1,
                i % 5,
                i % 5
            )
        })
        .collect();
    let body = format!("[{}]", items.join(","));
    let resp = http(&addr, "POST", "/api/v1/checkins", Some(&body), Some(&token));
    assert!(resp.contains("\"accepted\":500"), "{resp}");
    // No graceful shutdown: SIGKILL right after the acknowledgement.
    server.kill().unwrap();
    server.wait().unwrap();

    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = start(&addr);
    let token = admin_token(&addr, &password);
    // Every acknowledged item is there: resending the batch stores nothing new.
    let again = http(&addr, "POST", "/api/v1/checkins", Some(&body), Some(&token));
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        again.contains("\"accepted\":0") && again.contains("\"duplicates\":500"),
        "{again}"
    );
}

/// SIGTERM ends `serve` within seconds even while a request is stuck (here an upload that
/// stops half-way; once, a map build that never ended): graceful shutdown has a deadline.
#[test]
fn serve_stops_within_seconds_of_sigterm_while_busy() {
    let (db, _file) = temp_sqlite("sigterm");
    let migrated = run(&["migrate", "--db", &db], None);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = Command::new(BIN)
        .args(["serve", "--db", &db, "--addr", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Up and answering.
    let answer = http(&addr, "GET", "/api/v1/me", None, None);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    // A request in flight that will not finish by itself: its body never arrives whole.
    let mut stuck = TcpStream::connect(&addr).unwrap();
    stuck
        .write_all(
            format!(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"username\":"
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let signalled = Instant::now();
    let exited = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break Some(status);
        }
        if signalled.elapsed() > Duration::from_secs(20) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = signalled.elapsed();
    if exited.is_none() {
        let _ = server.kill();
        let _ = server.wait();
    }
    drop(stuck);
    assert!(
        exited.is_some() && took < Duration::from_secs(10),
        "still running {took:?} after SIGTERM"
    );
}
