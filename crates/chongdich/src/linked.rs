//! `chongdich link …` and the linked-locality options of `serve` and `demo` (issue #17): this
//! locality's key, the registry of the localities it hears from, and the runtime that relays
//! the outbox and takes the inbox in while the server runs.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use link::registry::{kinds_from_text, kinds_to_text, Peer};
use link::{LocalityCode, PublicKey};

use crate::DbArg;

/// Joining the linked localities: all three or none.
#[derive(Args, Clone, Default)]
pub struct LinkArgs {
    /// This locality's code in the linked localities (01 = Hà Nội, 79 = HCMC, LA-VT…): its
    /// NATS user and the middle of its subjects.
    #[arg(long, env = "CHONGDICH_LOCALITY")]
    pub locality: Option<String>,
    /// The national NATS servers, comma-separated (nats://HOST:4222,…).
    #[arg(long, env = "CHONGDICH_NATS", value_delimiter = ',')]
    pub nats: Vec<String>,
    /// A file holding this locality's NATS password (first line).
    #[arg(long, env = "CHONGDICH_NATS_PASSWORD_FILE")]
    pub nats_password_file: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum LinkCommand {
    /// Print this locality's public key (made at first use), for the national registry.
    Key {
        #[command(flatten)]
        db: DbArg,
    },
    /// The registry: add a locality this one hears from, or replace its entry.
    Peer {
        #[command(subcommand)]
        command: PeerCommand,
    },
    /// List the localities of the registry.
    Peers {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
pub enum PeerCommand {
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// Its public key (base64, as `chongdich link key` prints it there).
        #[arg(long)]
        key: String,
        /// What it may send, comma-separated: referral, referral_status, handover,
        /// handover_answer, share, gift, gift_receipt, need, letter, figures.
        #[arg(long)]
        kinds: String,
    },
}

pub async fn run(command: LinkCommand) -> Result<()> {
    match command {
        LinkCommand::Key { db } => {
            let store = crate::open_migrated(&db.db).await?;
            println!("{}", store.link_key().await?.public().to_base64());
        }
        LinkCommand::Peer {
            command:
                PeerCommand::Add {
                    db,
                    code,
                    name,
                    key,
                    kinds,
                },
        } => {
            let peer = Peer {
                code: LocalityCode::parse(code.trim())
                    .map_err(|_| anyhow::anyhow!("--code: letters, digits, _ and - only"))?,
                name: name.trim().to_owned(),
                public_key: PublicKey::from_base64(key.trim())
                    .map_err(|_| anyhow::anyhow!("--key: not a base64 Ed25519 public key"))?,
                kinds: kinds_from_text(&kinds).map_err(|e| anyhow::anyhow!("--kinds: {e}"))?,
            };
            anyhow::ensure!(!peer.name.is_empty(), "--name: say which locality it is");
            let store = crate::open_migrated(&db.db).await?;
            store
                .put_link_locality(&peer, app::clock::WallClock::now_s())
                .await?;
            println!(
                "{} ({}) may send: {}",
                peer.code,
                peer.name,
                kinds_to_text(&peer.kinds)
            );
        }
        LinkCommand::Peers { db } => {
            let store = crate::open_migrated(&db.db).await?;
            // The registry's own code does not matter for a listing.
            let me = LocalityCode::parse("_").map_err(|_| anyhow::anyhow!("static code"))?;
            println!("{:<8} {:<24} {:<46} kinds", "code", "name", "public key");
            for p in store.link_registry(me).await?.peers() {
                println!(
                    "{:<8} {:<24} {:<46} {}",
                    p.code.as_str(),
                    p.name,
                    p.public_key.to_base64(),
                    kinds_to_text(&p.kinds)
                );
            }
        }
    }
    Ok(())
}

/// Connects to the national NATS servers and starts the relay and the consumer, when
/// `--locality` is given.
pub async fn start(args: &LinkArgs, app: &mut app::App) -> Result<Option<app::link::LinkRuntime>> {
    let Some(code) = &args.locality else {
        anyhow::ensure!(
            args.nats.is_empty() && args.nats_password_file.is_none(),
            "--nats and --nats-password-file need --locality (this locality's code)"
        );
        return Ok(None);
    };
    let me = LocalityCode::parse(code.trim())
        .map_err(|_| anyhow::anyhow!("--locality: letters, digits, _ and - only"))?;
    let file = args
        .nats_password_file
        .as_ref()
        .context("--nats-password-file is required with --locality")?;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the NATS password from {}", file.display()))?;
    let password = text.lines().next().unwrap_or("").trim();
    anyhow::ensure!(!password.is_empty(), "{} is empty", file.display());
    anyhow::ensure!(
        !args.nats.is_empty(),
        "--nats: the NATS servers' URLs are required with --locality"
    );
    let bus = link::bus::Bus::connect(&args.nats, &me, password)
        .await
        .with_context(|| format!("connecting to NATS {}", args.nats.join(",")))?;
    tracing::info!("NATS {}", args.nats.join(","));
    start_on(app, me, bus).await.map(Some)
}

/// Links `app` as `me` over `bus`: tracing refers contacts to the registry's localities, and
/// the relay and the consumer run until the runtime is shut down.
pub async fn start_on(
    app: &mut app::App,
    me: LocalityCode,
    bus: link::bus::Bus,
) -> Result<app::link::LinkRuntime> {
    let registry = app.store.link_registry(me.clone()).await?;
    tracing::info!(
        "linked as {me}: {} localities in the registry",
        registry.peers().count(),
    );
    // Tracing refers contacts living in a linked locality (`app::referral`).
    app.set_link(Some(app::referral::LinkSetup {
        me: me.clone(),
        key: app.store.link_key().await?,
        registry: registry.clone(),
    }));
    Ok(app::link::LinkRuntime::start(
        app,
        Arc::new(bus),
        registry,
        app::link::LinkConfig::default(),
    ))
}
