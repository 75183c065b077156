//! A real NATS JetStream cluster for tests: N `nats-server` processes on loopback, started from
//! `CHONGDICH_TEST_NATS_BIN` (`.ci/nats.sh` installs it and `.ci/run` sets it), with the `LINK`
//! stream and one `inbox_T` per locality created as admin, as the national setup would.
//!
//! Tests skip (with a message, as the PostgreSQL half does without `CHONGDICH_TEST_PG`) when
//! the variable is unset: see [`nats_bin`].

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::bus::{Admin, Bus, BusError, Retry};
use crate::nats_conf::{ClusterSpec, ConfError, LocalityUser, ServerSpec};

pub const NATS_BIN_VAR: &str = "CHONGDICH_TEST_NATS_BIN";

/// The nats-server binary tests use, or `None` (after saying so on stderr) when the variable
/// is unset: the caller returns early, the test passes as skipped.
pub fn nats_bin() -> Option<PathBuf> {
    match std::env::var_os(NATS_BIN_VAR) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            eprintln!(
                "skipped: {NATS_BIN_VAR} is unset (bash .ci/nats.sh installs nats-server and prints its path)"
            );
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Conf(#[from] ConfError),
    #[error("{0}")]
    Bus(#[from] BusError),
    #[error("nats-server refused its configuration: {0}")]
    BadConfig(String),
    #[error("timed out waiting for {what} (server logs in {dir})")]
    Timeout { what: String, dir: String },
}

/// A running cluster; every server is killed and the temp dir removed on drop.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    spec: ClusterSpec,
    confs: Vec<PathBuf>,
    children: Vec<Option<Child>>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Free loopback ports, all held until every one is chosen so none is handed out twice.
fn free_ports(n: usize) -> std::io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect()
}

/// How long a cluster may take to form. Generous: on a 2-core CI machine two tests each start
/// three servers with file storage while other tests run, and 30 s was once not enough for
/// the stream's three replicas to be placed.
const READY: Duration = Duration::from_secs(90);

impl Cluster {
    /// Starts `n` servers (the stream gets min(3, n) replicas) with one NATS user and one
    /// `inbox_T` per locality code.
    pub async fn start(bin: &Path, n: usize, localities: &[&str]) -> Result<Self, ClusterError> {
        let dir = std::env::temp_dir().join(format!("chongdich-nats-{}", unique()));
        std::fs::create_dir_all(&dir)?;
        let ports = free_ports(3 * n)?;
        let token = unique().replace('-', "_");
        let spec = ClusterSpec {
            name: "link".into(),
            host: "127.0.0.1".into(),
            servers: (0..n)
                .map(|i| ServerSpec {
                    name: format!("n{i}"),
                    client_port: ports[3 * i],
                    cluster_port: ports[3 * i + 1],
                    monitor_port: Some(ports[3 * i + 2]),
                    store_dir: dir.join(format!("n{i}-store")),
                })
                .collect(),
            admin_password: format!("admin_{token}"),
            route_password: format!("route_{token}"),
            localities: localities
                .iter()
                .map(|c| {
                    Ok(LocalityUser {
                        code: crate::nats_conf::code(c)?,
                        password: format!("pw_{c}_{token}"),
                    })
                })
                .collect::<Result<_, ConfError>>()?,
        };
        let mut confs = Vec::new();
        for (i, text) in spec.server_configs()?.into_iter().enumerate() {
            let path = dir.join(format!("n{i}.conf"));
            std::fs::write(&path, text)?;
            // `-t` only checks the file: a generator mistake shows here with the server's words.
            let check = Command::new(bin).arg("-c").arg(&path).arg("-t").output()?;
            if !check.status.success() {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(ClusterError::BadConfig(format!(
                    "{}{}",
                    String::from_utf8_lossy(&check.stdout),
                    String::from_utf8_lossy(&check.stderr)
                )));
            }
            confs.push(path);
        }
        let mut cluster = Self {
            bin: bin.to_owned(),
            dir,
            spec,
            confs,
            children: (0..n).map(|_| None).collect(),
        };
        for i in 0..n {
            cluster.spawn(i)?;
        }
        for i in 0..n {
            cluster.wait_listening(i).await?;
        }
        let admin = cluster.admin().await?;
        cluster
            .wait_for("JetStream meta leader", || admin.jetstream_ready())
            .await?;
        // Right after the meta leader, the peers may not all be known yet: a stream of three
        // replicas is refused until they are, so retry until accepted.
        let replicas = cluster.spec.replicas();
        cluster
            .wait_for("the LINK stream", || async {
                admin.ensure_stream(replicas).await.is_ok()
            })
            .await?;
        for l in &cluster.spec.localities {
            cluster
                .wait_for(&format!("inbox of {}", l.code), || async {
                    admin.ensure_inbox(&l.code).await.is_ok()
                })
                .await?;
        }
        cluster.wait_stream_healthy(&admin).await?;
        Ok(cluster)
    }

    pub fn spec(&self) -> &ClusterSpec {
        &self.spec
    }

    pub fn urls(&self) -> Vec<String> {
        self.spec.client_urls()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The password of a locality's NATS user.
    pub fn password(&self, code: &str) -> Option<&str> {
        self.spec
            .localities
            .iter()
            .find(|l| l.code.as_str() == code)
            .map(|l| l.password.as_str())
    }

    /// A locality's bus, connected to every server (it fails over between them).
    pub async fn bus(&self, code: &str) -> Result<Bus, ClusterError> {
        self.bus_with(code, Retry::default()).await
    }

    pub async fn bus_with(&self, code: &str, retry: Retry) -> Result<Bus, ClusterError> {
        let locality = crate::nats_conf::code(code)?;
        let password = self
            .password(code)
            .ok_or_else(|| ConfError::BadCode(code.into()))?;
        Ok(Bus::connect_with(&self.urls(), &locality, password, retry).await?)
    }

    pub async fn admin(&self) -> Result<Admin, ClusterError> {
        Ok(Admin::connect(&self.urls(), &self.spec.admin_password).await?)
    }

    fn spawn(&mut self, i: usize) -> Result<(), ClusterError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("n{i}.log")))?;
        let child = Command::new(&self.bin)
            .arg("-c")
            .arg(&self.confs[i])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.children[i] = Some(child);
        Ok(())
    }

    /// Kills server `i` (SIGKILL: a crash, not a graceful leave).
    pub fn stop(&mut self, i: usize) {
        if let Some(mut child) = self.children[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts server `i` again with its store and waits until the stream's replicas are
    /// all caught up.
    pub async fn restart(&mut self, i: usize) -> Result<(), ClusterError> {
        self.stop(i);
        self.spawn(i)?;
        self.wait_listening(i).await?;
        let admin = self.admin().await?;
        self.wait_stream_healthy(&admin).await
    }

    async fn wait_listening(&self, i: usize) -> Result<(), ClusterError> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.spec.servers[i].client_port));
        self.wait_for(&format!("server n{i} to listen"), || async move {
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        })
        .await
    }

    /// A stream leader and every follower online and current.
    async fn wait_stream_healthy(&self, admin: &Admin) -> Result<(), ClusterError> {
        let followers = self.spec.replicas() - 1;
        self.wait_for("every stream replica current", || async {
            match admin.stream_state().await {
                Ok(s) if followers == 0 => s.leader.is_some() || self.spec.servers.len() == 1,
                Ok(s) => {
                    s.leader.is_some()
                        && s.followers_current.len() == followers
                        && s.followers_current.iter().all(|c| *c)
                }
                Err(_) => false,
            }
        })
        .await
    }

    /// Polls `ready` every 100 ms for up to [`READY`].
    async fn wait_for<F, Fut>(&self, what: &str, mut ready: F) -> Result<(), ClusterError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let start = Instant::now();
        loop {
            if ready().await {
                return Ok(());
            }
            if start.elapsed() > READY {
                return Err(ClusterError::Timeout {
                    what: what.to_owned(),
                    dir: self.dir.display().to_string(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.children.len() {
            self.stop(i);
        }
        // Kept when asked, to read the servers' logs after a failure.
        if std::env::var_os("CHONGDICH_KEEP_NATS").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
