//! `chongdich`: the one binary. It parses arguments and wires the library crates together;
//! the work lives in `domain`, `store` and `web`.

mod bench;
mod demo;
mod demo_aid;
mod demo_care;
mod demo_linked;
mod export;
mod import;
mod linked;

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use domain::auth;
use domain::units::parse_unit_ref;
use domain::Role;
use store::{NewUser, Store, UserUnit};

/// mimalloc rather than glibc's allocator: a request allocates many small rows and strings
/// across threads (the database drivers' workers and the async workers), where glibc's
/// arenas spent a fifth of the server's time (issue #12, load).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "chongdich",
    version,
    about = "Epidemic response command platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArg {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER:PASS@HOST/DB.
    #[arg(long, env = "CHONGDICH_DB", default_value = "sqlite://chongdich.db")]
    db: String,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API.
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on.
        #[arg(long, env = "CHONGDICH_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// The address users reach the server at when it sits behind a proxy
        /// (https://chongdich.example.vn): forms are accepted only from it, and with https
        /// every cookie is Secure. Without it, the request's own Host.
        #[arg(long, env = "CHONGDICH_PUBLIC_ORIGIN", value_parser = public_origin)]
        public_origin: Option<String>,
        #[command(flatten)]
        link: linked::LinkArgs,
    },
    /// Apply schema migrations and load the administrative units.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Build a demo locality (a simulated outbreak) on embedded SQLite and serve it.
    Demo {
        /// Database URL for the demo.
        #[arg(long, default_value = "sqlite://chongdich-demo.db")]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Build the demo and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Three linked localities instead of one: Hà Nội, Hồ Chí Minh City and Vientiane,
        /// each with its own database in --linked-dir and its own server (--addr and the next
        /// two ports), linked through a NATS server started from an installed nats-server.
        #[arg(long, conflicts_with_all = ["db", "locality", "nats", "nats_password_file"])]
        linked: bool,
        /// The linked demo's databases.
        #[arg(long, default_value = "chongdich-linked", requires = "linked")]
        linked_dir: PathBuf,
        #[command(flatten)]
        sim: SimArgs,
        #[command(flatten)]
        link: linked::LinkArgs,
    },
    /// Run a simulation without a database and write its outputs as CSV for study.
    Sim {
        #[command(flatten)]
        sim: SimArgs,
        /// Folder for truth.csv, checkins.csv, cases.csv and daily.csv (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Benchmarks with their peers measured in the same run.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Export data for study.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import a spreadsheet (XLSX or CSV): an F0 line list with `--kind cases`.
    Import(import::ImportArgs),
    /// Print a case's contacts (F1, and F2 with --depth 2) with their reasons, as JSON.
    Trace {
        #[command(flatten)]
        db: DbArg,
        /// The case id.
        #[arg(long)]
        case: i64,
        /// 1 (F1) or 2 (F1 and F2).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
        depth: u8,
    },
    /// Retention: delete check-ins and audit rows older than the policies allow, and say how many.
    Purge {
        #[command(flatten)]
        db: DbArg,
    },
    /// Administrative units registry.
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// Linked localities: this locality's key and the registry of those it hears from.
    Link {
        #[command(subcommand)]
        command: linked::LinkCommand,
    },
}

/// Parameters of a simulated locality.
#[derive(Args, Clone)]
pub struct SimArgs {
    /// Residents to simulate.
    #[arg(long, default_value_t = 100_000)]
    people: u32,
    /// Days of the outbreak.
    #[arg(long, default_value_t = 56)]
    days: u32,
    /// Random seed: the same seed and parameters give the same locality.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Province code of the 2021 structure (01 = Hà Nội, 79 = Hồ Chí Minh City).
    #[arg(long, default_value = "01")]
    province: String,
}

impl SimArgs {
    pub fn params(&self) -> sim::Params {
        sim::Params {
            people: self.people,
            days: self.days,
            seed: self.seed,
            province_code: self.province.clone(),
            ..sim::Params::default()
        }
    }
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The tracing engine against PostgreSQL and SQLite on the same generated check-ins.
    Trace(bench::TraceBench),
    /// Check-in ingestion through the API (validation, idempotency, durable commit).
    Ingest(bench::IngestBench),
    /// Single check-ins through HTTP on loopback: group-committed, one transaction per
    /// request, and the batch endpoint.
    Checkins(bench::CheckinsBench),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input (first line).
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
        /// administrator, command, tracer, commune_officer, facility_manager, partner, viewer.
        #[arg(long)]
        role: Role,
        /// A jurisdiction: a unit code of the 2021 structure, `2025:CODE`, or `VN` for the
        /// whole country. Repeat for several.
        #[arg(long = "unit", required = true)]
        units: Vec<String>,
    },
    /// Replace an account's password (read from standard input) and end its sessions.
    SetPassword {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
    },
    /// Deactivate an account: it can no longer sign in, and its sessions end now.
    Deactivate {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
    },
    /// Activate a deactivated account again (it signs in anew).
    Activate {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Count units per structure, kind and level.
    Stats {
        #[command(flatten)]
        db: DbArg,
    },
    /// Store real unit boundaries from a GeoJSON FeatureCollection (all or none); the map
    /// draws a province from them once every commune in it has one. The same checks as
    /// `POST /api/v1/boundaries`.
    Boundaries {
        #[command(flatten)]
        db: DbArg,
        /// The GeoJSON file.
        file: PathBuf,
        /// Where the boundaries come from (the survey, the department, the year).
        #[arg(long)]
        source: String,
        /// The feature property holding the unit code.
        #[arg(long, default_value = "code")]
        code_property: String,
        /// `2021` or `2025`.
        #[arg(long, default_value = "2021")]
        structure: String,
    },
}

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let result = runtime.block_on(run());
    // A dropped runtime waits for its blocking tasks (a map being built, a file being
    // checked) however long they take; a stopping server waits one second at most.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

async fn run() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            db,
            addr,
            public_origin,
            link,
        } => {
            let store = open_migrated(&db.db).await?;
            serve(store, addr, public_origin, &link).await
        }
        Command::Migrate { db } => {
            let store = open(&db.db).await?;
            let report = store.migrate().await.context("migrating")?;
            if report.applied.is_empty() {
                println!("schema is up to date");
            }
            for m in &report.applied {
                println!("applied migration {m}");
            }
            if report.units_loaded > 0 {
                println!(
                    "loaded {} administrative units and {} correspondence rows",
                    report.units_loaded, report.correspondence_loaded
                );
            }
            Ok(())
        }
        Command::Demo {
            linked: true,
            linked_dir,
            addr,
            no_serve,
            sim,
            ..
        } => demo_linked::run(&linked_dir, addr, no_serve, &sim.params()).await,
        Command::Demo {
            db,
            addr,
            no_serve,
            sim,
            link,
            ..
        } => run_demo(&db, addr, no_serve, &sim.params(), &link).await,
        Command::Sim { sim, out } => export::simulate_to_dir(&sim.params(), &out),
        Command::Export { command } => export::run(command).await,
        Command::Import(a) => import::run(a).await,
        Command::Bench {
            command: BenchCommand::Trace(b),
        } => bench::run(b).await,
        Command::Bench {
            command: BenchCommand::Ingest(b),
        } => bench::ingest(b).await,
        Command::Bench {
            command: BenchCommand::Checkins(b),
        } => bench::checkins(b).await,
        Command::User { command } => user(command).await,
        Command::Link { command } => linked::run(command).await,
        Command::Trace { db, case, depth } => {
            let store = open_migrated(&db.db).await?;
            let app = open_app(store).await?;
            let caller = store::Caller::system("cli");
            let found = app::tracing::case_contacts(&app, &caller, domain::CaseId(case), depth)
                .await
                .map_err(|e| anyhow::anyhow!("case {case}: {e}"))?;
            println!("{}", serde_json::to_string_pretty(&contacts_json(&found))?);
            Ok(())
        }
        Command::Purge { db } => {
            let store = open_migrated(&db.db).await?;
            let app = open_app(store.clone()).await?;
            let n = app::jobs::purge_expired_checkins(&store, &app.policies, app.now_s()).await?;
            println!("deleted {n} check-ins past the retention period");
            let n =
                app::jobs::purge_expired_declarations(&store, &app.policies, app.now_s()).await?;
            println!("deleted {n} declarations past the retention period");
            let n = app::jobs::purge_expired_audit(&store, app.now_s())
                .await
                .context("audit retention")?;
            println!("deleted {n} audit rows past the retention period");
            Ok(())
        }
        Command::Units {
            command:
                UnitsCommand::Boundaries {
                    db,
                    file,
                    source,
                    code_property,
                    structure,
                },
        } => {
            let structure: domain::Structure = structure
                .parse()
                .map_err(|_| anyhow::anyhow!("--structure: expected 2021 or 2025"))?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let body: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            let source = source.trim();
            anyhow::ensure!(
                !source.is_empty(),
                "--source: say where the boundaries come from"
            );
            let store = open_migrated(&db.db).await?;
            let rows = app::boundaries::check(
                &domain::Scope::everything(),
                structure,
                &code_property,
                &body,
                source,
                app::clock::WallClock::now_s(),
                "cli",
            )
            .map_err(|errors| {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow::anyhow!(
                    "nothing was stored; the file has faults:\n  {}",
                    list.join("\n  ")
                )
            })?;
            let n = store.put_boundaries(&rows).await?;
            println!("stored the boundaries of {n} units (structure {structure})");
            Ok(())
        }
        Command::Units {
            command: UnitsCommand::Stats { db },
        } => {
            let store = open(&db.db).await?;
            println!(
                "{:<10} {:<10} {:<10} {:>7}",
                "structure", "kind", "level", "units"
            );
            for s in store.unit_stats().await? {
                println!(
                    "{:<10} {:<10} {:<10} {:>7}",
                    s.structure, s.kind, s.level, s.count
                );
            }
            Ok(())
        }
    }
}

async fn open(url: &str) -> Result<Store> {
    Store::connect(url)
        .await
        .with_context(|| format!("opening database {url}"))
}

async fn open_migrated(url: &str) -> Result<Store> {
    let store = open(url).await?;
    store.migrate().await.context("migrating")?;
    Ok(store)
}

/// The application ready to serve: policies, the locality's clock, and the tracing index
/// built from the store (`app::App::open`), with what it found said in the log.
async fn open_app(store: Store) -> Result<app::App> {
    let (app, opened) = app::App::open(store).await?;
    if opened.overrides > 0 {
        tracing::info!("policies: {} local overrides applied", opened.overrides);
    }
    tracing::info!(
        "tracing index: {} check-ins in {:.1} s",
        opened.index.indexed,
        opened.index_s
    );
    if opened.index.skipped.count > 0 {
        // Said on the terminal too: an operator should see that rows were left out.
        eprintln!(
            "warning: {} stored check-in(s) could not be indexed and were skipped (see the log)",
            opened.index.skipped.count
        );
    }
    Ok(app)
}

/// A case's contacts as `chongdich trace` prints them: the fields of the API's answer.
fn contacts_json(c: &app::tracing::CaseContacts) -> serde_json::Value {
    use app::local_time::iso as at;
    let to = c.window.to_s;
    serde_json::json!({
        "case_id": c.case_id.0,
        "policy": c.window.policy,
        "infectious_from": at(c.window.from_s),
        "infectious_to": at(to),
        "truncated": c.truncated,
        "contacts": c.contacts.iter().map(|k| serde_json::json!({
            "person_id": k.person_id,
            "degree": k.degree,
            "via_person_id": k.via_person_id,
            "reasons": k.reasons.iter().map(|r| app::tracing::stored_reason(r, to)).collect::<Vec<_>>(),
            "exposure_min": k.exposure_s as f64 / 60.0,
            "first_exposure": at(k.first_exposure_s),
        })).collect::<Vec<_>>(),
        "referred": c.referred.iter().map(|r| serde_json::json!({
            "structure": r.structure.map(|s| s.as_str()),
            "unit": r.unit_code,
            "f1": r.f1,
            "f2": r.f2,
        })).collect::<Vec<_>>(),
    })
}

/// An origin as browsers send it: scheme and host (and port), no path.
fn public_origin(s: &str) -> Result<String, String> {
    let s = s.trim_end_matches('/');
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or("expected http://HOST or https://HOST")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err("expected scheme and host only, e.g. https://chongdich.example.vn".into());
    }
    Ok(s.to_string())
}

async fn serve(
    store: Store,
    addr: SocketAddr,
    public_origin: Option<String>,
    link: &linked::LinkArgs,
) -> Result<()> {
    let mut app = open_app(store).await?;
    let runtime = linked::start(link, &mut app).await?;
    let mut state = web::AppState::serving(app);
    state.public_origin = public_origin;
    tracing::info!("serving on http://{addr}");
    let served = web::serve(state, addr)
        .await
        .with_context(|| format!("serving on {addr} (is the port already in use?)"));
    if let Some(runtime) = runtime {
        // The batch in hand is finished; the rest is published or taken in at the next start.
        runtime.shutdown(std::time::Duration::from_secs(5)).await;
    }
    served
}

/// The demo locality: a simulated outbreak written through the store, and an administrator
/// account whose fresh password is printed at every run.
async fn run_demo(
    db: &str,
    addr: SocketAddr,
    no_serve: bool,
    params: &sim::Params,
    link: &linked::LinkArgs,
) -> Result<()> {
    let store = open_migrated(db).await?;
    if !demo::build(&store, params, &[]).await? {
        eprintln!("the demo locality is already built in {db}");
    }
    let password = demo_admin(&store).await?;
    println!("chongdich demo database: {db}");
    println!("administrator: admin / {password}");
    if no_serve {
        return Ok(());
    }
    println!("serving http://{addr}/ — sign in with POST http://{addr}/api/v1/auth/login; API described at http://{addr}/openapi.json");
    serve(store, addr, None, link).await
}

/// The demo's administrator (the whole country), with a fresh password, returned to print.
async fn demo_admin(store: &Store) -> Result<String> {
    let password = auth::generate_password();
    let hash = auth::hash_password(&password)?;
    let now = app::clock::WallClock::now_s();
    if !store.set_password("admin", &hash, now).await? {
        store
            .create_user(
                &NewUser {
                    username: "admin".into(),
                    password_hash: hash,
                    role: Role::Administrator,
                    units: vec![UserUnit {
                        structure: domain::Structure::S2021,
                        code: domain::UnitCode::parse("VN").expect("static code"),
                    }],
                },
                now,
            )
            .await?;
    }
    Ok(password)
}

async fn user(command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            db,
            username,
            role,
            units,
        } => {
            let username = auth::normalize_username(&username)
                .map_err(|r| anyhow::anyhow!("--username: {}", r.code()))?;
            let units = units
                .iter()
                .map(|u| {
                    parse_unit_ref(u)
                        .map(|(structure, code)| UserUnit { structure, code })
                        .map_err(|e| anyhow::anyhow!("--unit {u:?}: {}", e.reason.code()))
                })
                .collect::<Result<Vec<_>>>()?;
            let password = read_password()?;
            let hash = auth::hash_password(&password)?;
            let store = open_migrated(&db.db).await?;
            let user = store
                .create_user(
                    &NewUser {
                        username,
                        password_hash: hash,
                        role,
                        units,
                    },
                    app::clock::WallClock::now_s(),
                )
                .await?;
            println!(
                "created user {} (id {}, role {})",
                user.username, user.id, user.role
            );
            Ok(())
        }
        UserCommand::SetPassword { db, username } => {
            let username = auth::normalize_username(&username)
                .map_err(|r| anyhow::anyhow!("--username: {}", r.code()))?;
            let password = read_password()?;
            let hash = auth::hash_password(&password)?;
            let store = open_migrated(&db.db).await?;
            if !store
                .set_password(&username, &hash, app::clock::WallClock::now_s())
                .await?
            {
                bail!("no user named {username:?}");
            }
            println!("password changed for {username}; its sessions were ended");
            Ok(())
        }
        UserCommand::Deactivate { db, username } => set_active(&db.db, &username, false).await,
        UserCommand::Activate { db, username } => set_active(&db.db, &username, true).await,
        UserCommand::List { db } => {
            let store = open_migrated(&db.db).await?;
            println!("{:<24} {:<17} {:<7} units", "username", "role", "active");
            for u in store.list_users().await? {
                let units: Vec<String> = u
                    .units
                    .iter()
                    .map(|x| {
                        if x.code.is_country() {
                            x.code.to_string()
                        } else {
                            format!("{}:{}", x.structure, x.code)
                        }
                    })
                    .collect();
                println!(
                    "{:<24} {:<17} {:<7} {}",
                    u.username,
                    u.role,
                    u.active,
                    units.join(",")
                );
            }
            Ok(())
        }
    }
}

async fn set_active(db: &str, username: &str, active: bool) -> Result<()> {
    let username = auth::normalize_username(username)
        .map_err(|r| anyhow::anyhow!("--username: {}", r.code()))?;
    let store = open_migrated(db).await?;
    if !store.set_active(&username, active).await? {
        bail!("no user named {username:?}");
    }
    if active {
        println!("{username} is active");
    } else {
        println!("{username} is deactivated; its sessions were ended");
    }
    Ok(())
}

/// The first line of standard input, without its line ending.
fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    auth::check_password_policy(&password)?;
    Ok(password)
}
