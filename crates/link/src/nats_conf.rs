//! The names the linked localities agree on (subjects, stream, consumers, reply inboxes) and the
//! configuration files of a NATS cluster that enforces them (docs: helpers' LINK-DESIGN, issue #17).
//!
//! Pure: strings in, strings out. The authorization is where "a locality publishes only its own
//! subjects and reads only its own inbox" is decided, so it is generated from one place,
//! [`locality_permissions`], and tested, not written by hand per deployment.

use std::path::PathBuf;

/// The one JetStream stream every linked message goes through.
pub const STREAM: &str = "LINK";
/// The stream's subjects: `link.FROM.TO.KIND`.
pub const STREAM_SUBJECTS: &str = "link.>";
/// The NATS account the admin and the localities share (the stream lives in it).
pub const ACCOUNT: &str = "LINK";
/// The admin user (creates the stream and the consumers; localities cannot).
pub const ADMIN_USER: &str = "admin";
/// The user the servers of a cluster authenticate their routes with.
pub const ROUTE_USER: &str = "route";

/// A locality's code: the envelope's (one type for subjects, users and messages).
pub use crate::envelope::LocalityCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfError {
    #[error("locality code {0:?} must be 1 to 16 characters of A-Z a-z 0-9 _ -")]
    BadCode(String),
    #[error("message kind {0:?} must be 1 to 32 characters of a-z 0-9 _")]
    BadKind(String),
    #[error("password of {0} must be 12 to 128 characters of A-Z a-z 0-9 _ -")]
    BadPassword(String),
    #[error("a cluster needs at least one server")]
    NoServers,
    #[error("locality {0} appears twice")]
    DuplicateLocality(String),
    #[error("server name {0:?} must be 1 to 32 characters of A-Z a-z 0-9 _ -")]
    BadServerName(String),
    #[error("hashing a password: {0}")]
    Hash(String),
}

fn is_token(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A locality's code checked as a NATS token (see [`LocalityCode::parse`]).
pub fn code(code: &str) -> Result<LocalityCode, ConfError> {
    LocalityCode::parse(code).map_err(|_| ConfError::BadCode(code.to_owned()))
}

/// The subject of a message of `kind` from `from` to `to`: `link.FROM.TO.KIND`.
pub fn subject(from: &LocalityCode, to: &LocalityCode, kind: &str) -> Result<String, ConfError> {
    let kind_ok = !kind.is_empty()
        && kind.len() <= 32
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !kind_ok {
        return Err(ConfError::BadKind(kind.to_owned()));
    }
    Ok(format!("link.{from}.{to}.{kind}"))
}

/// The durable pull consumer a locality reads its messages from: `inbox_T`.
pub fn inbox_consumer(code: &LocalityCode) -> String {
    format!("inbox_{code}")
}

/// The filter of `inbox_T`: every message addressed to T, from anyone, of any kind.
pub fn inbox_filter(code: &LocalityCode) -> String {
    format!("link.*.{code}.>")
}

/// The reply inbox prefix of a locality's client: its replies (publish acks, pulled messages)
/// arrive under it, and it may subscribe nowhere else, so it cannot read another's replies.
pub fn inbox_prefix(code: &LocalityCode) -> String {
    format!("_INBOX_{code}")
}

/// What a locality's NATS user may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub publish: Vec<String>,
    pub subscribe: Vec<String>,
}

/// Publish only its own outgoing subjects and the JetStream API calls publishing and pulling
/// from its own `inbox_T` need; subscribe only under its own reply prefix. Publishing to a
/// stream subject needs no `$JS.API` permission: the stream answers the publish's reply subject.
pub fn locality_permissions(code: &LocalityCode) -> Permissions {
    let consumer = inbox_consumer(code);
    Permissions {
        publish: vec![
            format!("link.{code}.>"),
            format!("$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{consumer}"),
            format!("$JS.API.CONSUMER.INFO.{STREAM}.{consumer}"),
            format!("$JS.API.STREAM.INFO.{STREAM}"),
            format!("$JS.ACK.{STREAM}.{consumer}.>"),
        ],
        subscribe: vec![format!("{}.>", inbox_prefix(code))],
    }
}

/// One server of a cluster, on loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    pub name: String,
    pub client_port: u16,
    pub cluster_port: u16,
    /// The HTTP monitoring port (`/healthz`, `/jsz`), if wanted.
    pub monitor_port: Option<u16>,
    pub store_dir: PathBuf,
}

/// A locality's NATS user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalityUser {
    pub code: LocalityCode,
    pub password: String,
}

/// Everything the configuration files of a cluster are made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    /// The cluster's name (servers with another name refuse the route).
    pub name: String,
    /// The host every server listens on; loopback in tests.
    pub host: String,
    pub servers: Vec<ServerSpec>,
    pub admin_password: String,
    /// Authenticates the routes between the servers (it travels inside route URLs, hence the
    /// same restricted alphabet as the other passwords). Unlike the clients' passwords it
    /// stays in the files as written: each server sends it to the others from its own file.
    pub route_password: String,
    pub localities: Vec<LocalityUser>,
}

/// bcrypt's cost as `nats server passwd` sets it: about 50 ms per check at the server, paid
/// once per connection.
const BCRYPT_COST: u32 = 11;

/// The clients' passwords as the server files hold them.
struct Hashed {
    admin: String,
    localities: Vec<String>,
}

/// `$2a$11$…`: the version prefix every nats-server release recognises.
fn hash_password(password: &str) -> Result<String, ConfError> {
    bcrypt::hash_with_result(password, BCRYPT_COST)
        .map(|h| h.format_for_version(bcrypt::Version::TwoA))
        .map_err(|e| ConfError::Hash(e.to_string()))
}

fn check_password(who: &str, password: &str) -> Result<(), ConfError> {
    if password.len() >= 12 && is_token(password, 128) {
        Ok(())
    } else {
        Err(ConfError::BadPassword(who.to_owned()))
    }
}

/// A NATS config string literal. The values are validated tokens and paths; paths may hold
/// anything, so `\` and `"` are escaped.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn quoted_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", items.join(", "))
}

impl ClusterSpec {
    /// Checks every name and password that goes into the files.
    pub fn validate(&self) -> Result<(), ConfError> {
        if self.servers.is_empty() {
            return Err(ConfError::NoServers);
        }
        for s in &self.servers {
            if !is_token(&s.name, 32) {
                return Err(ConfError::BadServerName(s.name.clone()));
            }
        }
        if !is_token(&self.name, 32) {
            return Err(ConfError::BadServerName(self.name.clone()));
        }
        check_password(ADMIN_USER, &self.admin_password)?;
        check_password(ROUTE_USER, &self.route_password)?;
        let mut seen = std::collections::BTreeSet::new();
        for l in &self.localities {
            check_password(l.code.as_str(), &l.password)?;
            if !seen.insert(l.code.clone()) {
                return Err(ConfError::DuplicateLocality(l.code.to_string()));
            }
        }
        Ok(())
    }

    /// The client URLs of every server (what a locality's [`crate::bus::Bus`] connects to).
    pub fn client_urls(&self) -> Vec<String> {
        self.servers
            .iter()
            .map(|s| format!("nats://{}:{}", self.host, s.client_port))
            .collect()
    }

    /// The replicas of the `LINK` stream: three, or as many servers as there are when fewer.
    pub fn replicas(&self) -> usize {
        self.servers.len().clamp(1, 3)
    }

    /// The configuration file of every server, in the order of `servers`. The clients'
    /// passwords are written as bcrypt hashes (the server checks a `$2a$` password by
    /// bcrypt), so the files on the NATS machines do not hold what a locality signs in with;
    /// each is hashed once for all the servers.
    pub fn server_configs(&self) -> Result<Vec<String>, ConfError> {
        self.validate()?;
        let hashed = Hashed {
            admin: hash_password(&self.admin_password)?,
            localities: self
                .localities
                .iter()
                .map(|l| hash_password(&l.password))
                .collect::<Result<_, _>>()?,
        };
        Ok((0..self.servers.len())
            .map(|i| self.server_config(i, &hashed))
            .collect())
    }

    fn server_config(&self, i: usize, hashed: &Hashed) -> String {
        let me = &self.servers[i];
        let host = &self.host;
        let mut c = String::new();
        c.push_str("# Generated by link::nats_conf (chongdich, linked localities). Do not edit.\n");
        c.push_str(&format!("server_name: {}\n", quoted(&me.name)));
        c.push_str(&format!(
            "listen: {}\n",
            quoted(&format!("{host}:{}", me.client_port))
        ));
        if let Some(port) = me.monitor_port {
            c.push_str(&format!("http: {}\n", quoted(&format!("{host}:{port}"))));
        }
        c.push_str("jetstream {\n");
        c.push_str(&format!(
            "  store_dir: {}\n",
            quoted(&me.store_dir.to_string_lossy())
        ));
        // Bounded so a test cluster of three cannot fill a small disk; a deployment sizes these.
        c.push_str("  max_memory_store: 268435456\n");
        c.push_str("  max_file_store: 2147483648\n");
        c.push_str("}\n");
        if self.servers.len() > 1 {
            let routes: Vec<String> = self
                .servers
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, s)| {
                    format!(
                        "nats-route://{ROUTE_USER}:{}@{host}:{}",
                        self.route_password, s.cluster_port
                    )
                })
                .collect();
            c.push_str("cluster {\n");
            c.push_str(&format!("  name: {}\n", quoted(&self.name)));
            c.push_str(&format!(
                "  listen: {}\n",
                quoted(&format!("{host}:{}", me.cluster_port))
            ));
            c.push_str(&format!(
                "  authorization {{ user: {}, password: {} }}\n",
                quoted(ROUTE_USER),
                quoted(&self.route_password)
            ));
            c.push_str(&format!("  routes: {}\n", quoted_list(&routes)));
            c.push_str("}\n");
        }
        c.push_str("accounts {\n");
        c.push_str(&format!("  {ACCOUNT}: {{\n"));
        c.push_str("    jetstream: enabled\n");
        c.push_str("    users: [\n");
        c.push_str(&format!(
            "      {{ user: {}, password: {} }}\n",
            quoted(ADMIN_USER),
            quoted(&hashed.admin)
        ));
        for (l, password) in self.localities.iter().zip(&hashed.localities) {
            let p = locality_permissions(&l.code);
            c.push_str(&format!(
                "      {{ user: {}, password: {}, permissions: {{ publish: {{ allow: {} }}, subscribe: {{ allow: {} }} }} }}\n",
                quoted(l.code.as_str()),
                quoted(password),
                quoted_list(&p.publish),
                quoted_list(&p.subscribe)
            ));
        }
        c.push_str("    ]\n");
        c.push_str("  }\n");
        c.push_str("}\n");
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> LocalityCode {
        super::code(s).unwrap()
    }

    fn spec(n: u16) -> ClusterSpec {
        ClusterSpec {
            name: "link".into(),
            host: "127.0.0.1".into(),
            servers: (0..n)
                .map(|i| ServerSpec {
                    name: format!("n{i}"),
                    client_port: 4222 + i,
                    cluster_port: 6222 + i,
                    monitor_port: None,
                    store_dir: PathBuf::from(format!("/tmp/js \"{i}\"")),
                })
                .collect(),
            admin_password: "admin-secret-123".into(),
            route_password: "route-secret-123".into(),
            localities: vec![
                LocalityUser {
                    code: code("01"),
                    password: "hanoi-secret-12".into(),
                },
                LocalityUser {
                    code: code("LA-VT"),
                    password: "vientiane-secret".into(),
                },
            ],
        }
    }

    #[test]
    fn codes_with_nats_separators_are_refused() {
        for bad in ["", "0.1", "*", ">", "a b", "79>", "đn", &"x".repeat(33)] {
            assert!(super::code(bad).is_err(), "{bad:?}");
        }
        assert_eq!(code("LA-VT").as_str(), "LA-VT");
    }

    #[test]
    fn subject_and_inbox_names() {
        let (hn, hcm) = (code("01"), code("79"));
        assert_eq!(
            subject(&hn, &hcm, "referral").unwrap(),
            "link.01.79.referral"
        );
        assert!(subject(&hn, &hcm, "re.ferral").is_err());
        assert!(subject(&hn, &hcm, "").is_err());
        assert_eq!(inbox_consumer(&hcm), "inbox_79");
        assert_eq!(inbox_filter(&hcm), "link.*.79.>");
        assert_eq!(inbox_prefix(&hcm), "_INBOX_79");
    }

    #[test]
    fn a_locality_may_publish_only_its_own_subjects_and_pull_only_its_inbox() {
        let p = locality_permissions(&code("01"));
        assert_eq!(
            p.publish,
            [
                "link.01.>",
                "$JS.API.CONSUMER.MSG.NEXT.LINK.inbox_01",
                "$JS.API.CONSUMER.INFO.LINK.inbox_01",
                "$JS.API.STREAM.INFO.LINK",
                "$JS.ACK.LINK.inbox_01.>",
            ]
        );
        assert_eq!(p.subscribe, ["_INBOX_01.>"]);
    }

    #[test]
    fn three_servers_route_to_the_two_others() {
        let confs = spec(3).server_configs().unwrap();
        assert_eq!(confs.len(), 3);
        let c = &confs[1];
        assert!(c.contains("server_name: \"n1\"\n"));
        assert!(c.contains("listen: \"127.0.0.1:4223\"\n"));
        assert!(c.contains("store_dir: \"/tmp/js \\\"1\\\"\"\n"), "{c}");
        assert!(c.contains("listen: \"127.0.0.1:6223\"\n"));
        assert!(c.contains("nats-route://route:route-secret-123@127.0.0.1:6222"));
        assert!(c.contains("nats-route://route:route-secret-123@127.0.0.1:6224"));
        assert!(!c.contains("@127.0.0.1:6223"), "no route to itself");
        assert!(c.contains("jetstream: enabled"));
        // The clients' passwords only as bcrypt hashes that check against them.
        for secret in ["admin-secret-123", "hanoi-secret-12", "vientiane-secret"] {
            assert!(!c.contains(secret), "{secret} in the file");
        }
        let password_of = |user: &str| -> String {
            let at = c
                .find(&format!("{{ user: \"{user}\", password: \""))
                .unwrap();
            let rest = &c[at..];
            let from = rest.find("password: \"").unwrap() + "password: \"".len();
            rest[from..from + rest[from..].find('"').unwrap()].to_owned()
        };
        for (user, secret) in [("admin", "admin-secret-123"), ("LA-VT", "vientiane-secret")] {
            let hash = password_of(user);
            assert!(hash.starts_with("$2a$11$"), "{hash}");
            assert!(bcrypt::verify(secret, &hash).unwrap());
            assert!(!bcrypt::verify("hanoi-secret-12x", &hash).unwrap());
        }
        // One hash per user for all the servers.
        assert!(confs[0].contains(&password_of("LA-VT")));
        assert!(c.contains("{ user: \"LA-VT\", password: \"$2a$11$"));
        assert!(c.contains("permissions: { publish: { allow: [\"link.LA-VT.>\""));
        assert!(c.contains("subscribe: { allow: [\"_INBOX_LA-VT.>\"] }"));
        assert_eq!(spec(3).replicas(), 3);
        assert_eq!(
            spec(3).client_urls(),
            [
                "nats://127.0.0.1:4222",
                "nats://127.0.0.1:4223",
                "nats://127.0.0.1:4224"
            ]
        );
    }

    #[test]
    fn one_server_has_no_cluster_block_and_one_replica() {
        let s = spec(1);
        let confs = s.server_configs().unwrap();
        assert!(!confs[0].contains("cluster {"));
        assert_eq!(s.replicas(), 1);
        assert_eq!(spec(5).replicas(), 3);
    }

    #[test]
    fn weak_or_unquotable_passwords_and_duplicates_are_refused() {
        let mut s = spec(3);
        s.admin_password = "short".into();
        assert_eq!(
            s.server_configs(),
            Err(ConfError::BadPassword("admin".into()))
        );
        let mut s = spec(3);
        s.route_password = "has@an-at-sign".into();
        assert_eq!(s.validate(), Err(ConfError::BadPassword("route".into())));
        let mut s = spec(3);
        s.localities.push(s.localities[0].clone());
        assert_eq!(s.validate(), Err(ConfError::DuplicateLocality("01".into())));
        let mut s = spec(3);
        s.servers.clear();
        assert_eq!(s.validate(), Err(ConfError::NoServers));
    }
}
