//! The JetStream client of a locality ([`Bus`]) and of the cluster's setup ([`Admin`]).
//!
//! A locality connects as its own NATS user with its own reply inbox prefix (`_INBOX_T`), so the
//! server's authorization (see [`crate::nats_conf::locality_permissions`]) is what keeps it to
//! its own subjects and its own inbox; the bus does not second-guess it. A publish the server
//! refuses is reported as [`BusError::Denied`] as soon as the server says so (NATS reports a
//! permission violation asynchronously, as a connection event, never as a reply).

use std::time::Duration;

use async_nats::jetstream::{
    self,
    consumer::{pull, AckPolicy, DeliverPolicy, PullConsumer},
    context::PublishErrorKind,
    message::PublishMessage,
    stream::{RetentionPolicy, StorageType},
    AckKind,
};
use async_nats::{ConnectOptions, Event, ServerAddr, ServerError};
use futures_util::StreamExt;
use tokio::sync::{broadcast, Mutex};

use crate::nats_conf::{
    inbox_consumer, inbox_filter, inbox_prefix, LocalityCode, ADMIN_USER, STREAM, STREAM_SUBJECTS,
};

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("bad server address {0:?}")]
    Address(String),
    #[error("cannot connect to NATS: {0}")]
    Connect(String),
    /// The server refused the operation (NATS authorization): not retried.
    #[error("refused by the NATS server: {0}")]
    Denied(String),
    /// No acknowledgement within the retry budget (servers down, no stream leader).
    #[error("JetStream unavailable after {attempts} attempts: {last}")]
    Unavailable { attempts: u32, last: String },
    #[error("JetStream: {0}")]
    JetStream(String),
}

/// How long a publish keeps trying through an outage before giving up: a bounded budget, so a
/// relay can mark the row unsent and try again later instead of hanging.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// How long one attempt waits for the JetStream acknowledgement.
    pub ack_timeout: Duration,
}

impl Default for Retry {
    /// About 30 s in all: a stream leader election after a server loss takes a few seconds.
    fn default() -> Self {
        Self {
            attempts: 10,
            first_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
            ack_timeout: Duration::from_secs(2),
        }
    }
}

/// A message to publish with [`Bus::publish_batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub subject: String,
    /// JetStream's `Nats-Msg-Id` (the envelope's id).
    pub msg_id: String,
    pub payload: bytes::Bytes,
}

/// What JetStream said when it stored a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// The stream sequence of the message.
    pub sequence: u64,
    /// JetStream had already stored this message id within the duplicate window: not stored again.
    pub duplicate: bool,
}

fn server_addrs(urls: &[String]) -> Result<Vec<ServerAddr>, BusError> {
    urls.iter()
        .map(|u| u.parse().map_err(|_| BusError::Address(u.clone())))
        .collect()
}

/// Connects with reconnection to any of `urls` forever (the client buffers while it reconnects)
/// and forwards the server's error lines, where permission violations arrive.
async fn connect(
    urls: &[String],
    options: ConnectOptions,
) -> Result<(async_nats::Client, broadcast::Sender<String>), BusError> {
    let addrs = server_addrs(urls)?;
    let (errors, _) = broadcast::channel(256);
    let tx = errors.clone();
    let client = options
        .connection_timeout(Duration::from_secs(3))
        .max_reconnects(None)
        .event_callback(move |event| {
            let tx = tx.clone();
            async move {
                if let Event::ServerError(ServerError::Other(text)) = event {
                    // No receiver is fine: nobody is waiting on a refusal right now.
                    let _ = tx.send(text);
                }
            }
        })
        .connect(addrs)
        .await
        .map_err(|e| BusError::Connect(e.to_string()))?;
    Ok((client, errors))
}

/// The server's words for a refused publish to `subject`.
fn is_publish_violation(text: &str, subject: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("permissions violation for publish") && text.contains(&format!("\"{subject}\""))
}

/// A locality's connection to the linked localities' JetStream.
pub struct Bus {
    client: async_nats::Client,
    js: jetstream::Context,
    me: LocalityCode,
    errors: broadcast::Sender<String>,
    consumer: Mutex<Option<PullConsumer>>,
    retry: Retry,
}

impl Bus {
    /// Connects to any of `urls` as locality `locality` (its NATS user) with its password.
    pub async fn connect(
        urls: &[String],
        locality: &LocalityCode,
        password: &str,
    ) -> Result<Self, BusError> {
        Self::connect_with(urls, locality, password, Retry::default()).await
    }

    pub async fn connect_with(
        urls: &[String],
        locality: &LocalityCode,
        password: &str,
        retry: Retry,
    ) -> Result<Self, BusError> {
        let options = ConnectOptions::with_user_and_password(
            locality.as_str().to_owned(),
            password.to_owned(),
        )
        .custom_inbox_prefix(inbox_prefix(locality))
        .name(format!("chongdich-{locality}"));
        let (client, errors) = connect(urls, options).await?;
        let js = jetstream::ContextBuilder::new()
            .timeout(retry.ack_timeout)
            .build(client.clone());
        Ok(Self {
            client,
            js,
            me: locality.clone(),
            errors,
            consumer: Mutex::new(None),
            retry,
        })
    }

    pub fn locality(&self) -> &LocalityCode {
        &self.me
    }

    /// The server's error lines from now on: permission violations (what this locality tried
    /// and was refused), for the log.
    pub fn refusals(&self) -> broadcast::Receiver<String> {
        self.errors.subscribe()
    }

    /// The underlying client (tests use it to try what the bus never does).
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// Publishes `payload` on `subject` with JetStream message id `msg_id` (header
    /// `Nats-Msg-Id`: a retry or a second relay run inside the duplicate window is stored
    /// once) and returns only after JetStream acknowledged it. Retries through an outage with
    /// backoff, within [`Retry`]; a refusal by the server is returned at once.
    pub async fn publish(
        &self,
        subject: &str,
        msg_id: &str,
        payload: &[u8],
    ) -> Result<Published, BusError> {
        let payload = bytes::Bytes::copy_from_slice(payload);
        let mut backoff = self.retry.first_backoff;
        let mut last = String::new();
        for attempt in 1..=self.retry.attempts {
            // Subscribed before sending, so a refusal cannot slip between the two.
            let mut refusals = self.errors.subscribe();
            match self
                .publish_once(subject, msg_id, payload.clone(), &mut refusals)
                .await
            {
                Ok(published) => return Ok(published),
                Err(e @ BusError::Denied(_)) => return Err(e),
                Err(e) => last = e.to_string(),
            }
            if attempt < self.retry.attempts {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(self.retry.max_backoff);
            }
        }
        Err(BusError::Unavailable {
            attempts: self.retry.attempts,
            last,
        })
    }

    /// Publishes many messages pipelined (all sent, then every acknowledgement awaited; the
    /// client bounds what is in flight), retrying those not acknowledged with the same budget as
    /// [`Bus::publish`]. One result per message, in order. A relay uses this for throughput: one
    /// round trip per batch instead of per message. A refused message is known only once its
    /// acknowledgement timed out (the refusal is then matched to its subject).
    pub async fn publish_batch(&self, batch: &[Outgoing]) -> Vec<Result<Published, BusError>> {
        let mut results: Vec<Option<Result<Published, BusError>>> =
            batch.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..batch.len()).collect();
        let mut backoff = self.retry.first_backoff;
        let mut last = String::new();
        for attempt in 1..=self.retry.attempts {
            let mut refusals = self.errors.subscribe();
            let mut acks = Vec::with_capacity(pending.len());
            for &i in &pending {
                let m = &batch[i];
                let sent = self
                    .js
                    .send_publish(
                        m.subject.clone(),
                        PublishMessage::build()
                            .payload(m.payload.clone())
                            .message_id(&m.msg_id),
                    )
                    .await;
                acks.push(async move {
                    let acked = match sent {
                        Ok(ack) => ack.await.map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    (i, acked)
                });
            }
            let outcomes = futures_util::future::join_all(acks).await;
            let mut refused = Vec::new();
            loop {
                match refusals.try_recv() {
                    Ok(text) => refused.push(text),
                    Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
            let mut again = Vec::new();
            for (i, acked) in outcomes {
                results[i] = match acked {
                    Ok(ack) => Some(Ok(Published {
                        sequence: ack.sequence,
                        duplicate: ack.duplicate,
                    })),
                    Err(e) => match refused
                        .iter()
                        .find(|t| is_publish_violation(t, &batch[i].subject))
                    {
                        Some(text) => Some(Err(BusError::Denied(text.clone()))),
                        None => {
                            last = e;
                            again.push(i);
                            None
                        }
                    },
                };
            }
            pending = again;
            if pending.is_empty() {
                break;
            }
            if attempt < self.retry.attempts {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(self.retry.max_backoff);
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(BusError::Unavailable {
                        attempts: self.retry.attempts,
                        last: last.clone(),
                    })
                })
            })
            .collect()
    }

    async fn publish_once(
        &self,
        subject: &str,
        msg_id: &str,
        payload: bytes::Bytes,
        refusals: &mut broadcast::Receiver<String>,
    ) -> Result<Published, BusError> {
        let refused = async {
            loop {
                match refusals.recv().await {
                    Ok(text) if is_publish_violation(&text, subject) => return text,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    // The bus owns the sender: it cannot close while we run; wait forever.
                    Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
                }
            }
        };
        let acked = async {
            let ack = self
                .js
                .send_publish(
                    subject.to_owned(),
                    PublishMessage::build().payload(payload).message_id(msg_id),
                )
                .await
                .map_err(|e| BusError::JetStream(e.to_string()))?;
            ack.await.map_err(|e| match e.kind() {
                PublishErrorKind::StreamNotFound => {
                    BusError::JetStream(format!("no stream answers {subject} (no responders)"))
                }
                _ => BusError::JetStream(e.to_string()),
            })
        };
        tokio::select! {
            text = refused => Err(BusError::Denied(text)),
            ack = acked => {
                let ack = ack?;
                Ok(Published { sequence: ack.sequence, duplicate: ack.duplicate })
            }
        }
    }

    async fn inbox(&self) -> Result<PullConsumer, BusError> {
        let mut cached = self.consumer.lock().await;
        if let Some(c) = cached.as_ref() {
            return Ok(c.clone());
        }
        let name = inbox_consumer(&self.me);
        let consumer: PullConsumer = self
            .js
            .get_consumer_from_stream(&name, STREAM)
            .await
            .map_err(|e| BusError::JetStream(format!("consumer {name}: {e}")))?;
        *cached = Some(consumer.clone());
        Ok(consumer)
    }

    /// Pulls up to `batch` messages addressed to this locality from its `inbox_T`, waiting up
    /// to `wait` for the first ones. Each must be acked (after the receiver committed) or
    /// nak'ed; one left alone is redelivered after the consumer's ack wait.
    pub async fn pull(&self, batch: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        let consumer = self.inbox().await?;
        let mut messages = consumer
            .batch()
            .max_messages(batch)
            .expires(wait)
            .messages()
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        let mut out = Vec::new();
        // The batch ends when `batch` messages came or `wait` ran out (the server's 408).
        let deadline = tokio::time::Instant::now() + wait + Duration::from_secs(2);
        while let Ok(Some(next)) = tokio::time::timeout_at(deadline, messages.next()).await {
            match next {
                Ok(message) => out.push(Delivery { message }),
                // An error after some messages (a server going away) keeps what came.
                Err(e) if out.is_empty() => return Err(BusError::JetStream(e.to_string())),
                Err(_) => break,
            }
        }
        Ok(out)
    }

    /// Up to `batch` messages that are in this locality's inbox now, without waiting for more
    /// (JetStream's `no_wait` pull): a busy consumer's next batch, not held back by a wait the
    /// server ends only lazily.
    pub async fn pull_now(&self, batch: usize) -> Result<Vec<Delivery>, BusError> {
        let consumer = self.inbox().await?;
        let mut messages = consumer
            .fetch()
            .max_messages(batch)
            .messages()
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while let Ok(Some(next)) = tokio::time::timeout_at(deadline, messages.next()).await {
            match next {
                Ok(message) => out.push(Delivery { message }),
                Err(e) if out.is_empty() => return Err(BusError::JetStream(e.to_string())),
                Err(_) => break,
            }
        }
        Ok(out)
    }
}

/// A message pulled from a locality's inbox.
pub struct Delivery {
    message: jetstream::Message,
}

impl Delivery {
    pub fn subject(&self) -> &str {
        self.message.subject.as_str()
    }

    pub fn payload(&self) -> &[u8] {
        &self.message.payload
    }

    /// The publisher's `Nats-Msg-Id`.
    pub fn msg_id(&self) -> Option<&str> {
        self.message
            .headers
            .as_ref()
            .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
            .map(|v| v.as_str())
    }

    /// How many times JetStream has delivered it (1 the first time).
    pub fn delivered(&self) -> i64 {
        self.message.info().map(|i| i.delivered).unwrap_or(1)
    }

    /// Done: JetStream will not deliver it again. A lost ack only means one more delivery,
    /// which the receiver's inbox table absorbs.
    pub async fn ack(&self) -> Result<(), BusError> {
        self.message
            .ack()
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))
    }

    /// Not now (e.g. it arrived before an earlier update of the same record): redeliver it after
    /// `delay`.
    pub async fn nak_with_delay(&self, delay: Duration) -> Result<(), BusError> {
        self.message
            .ack_with(AckKind::Nak(Some(delay)))
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))
    }
}

/// The cluster's setup: creates the stream and the localities' inbox consumers, which no
/// locality may do.
pub struct Admin {
    client: async_nats::Client,
    js: jetstream::Context,
}

/// The `LINK` stream's state as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamState {
    pub messages: u64,
    pub leader: Option<String>,
    /// Replicas other than the leader, and whether each is caught up and online.
    pub followers_current: Vec<bool>,
}

impl Admin {
    pub async fn connect(urls: &[String], password: &str) -> Result<Self, BusError> {
        let options =
            ConnectOptions::with_user_and_password(ADMIN_USER.to_owned(), password.to_owned());
        let (client, _) = connect(urls, options).await?;
        let js = jetstream::new(client.clone());
        Ok(Self { client, js })
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// True once JetStream answers in this account (in a cluster: once a meta leader is elected).
    pub async fn jetstream_ready(&self) -> bool {
        // A raw request: the client's typed account info does not parse 2.9's answer, and
        // readiness needs only "answered, and not with an error".
        // Briefly: while the routes form, a request may go unanswered (the client's default
        // 10 s would then be the whole start-up).
        let asked = self.client.request("$JS.API.INFO", "".into());
        match tokio::time::timeout(Duration::from_millis(500), asked).await {
            Ok(Ok(reply)) => {
                let text = String::from_utf8_lossy(&reply.payload);
                text.contains("account_info_response") && !text.contains("\"error\"")
            }
            _ => false,
        }
    }

    /// Creates the `LINK` stream if absent. Work-queue retention: a message stays only until its
    /// addressee acked it (personal data does not linger on the bus); 30 days at most.
    pub async fn ensure_stream(&self, replicas: usize) -> Result<(), BusError> {
        self.js
            .get_or_create_stream(jetstream::stream::Config {
                name: STREAM.to_owned(),
                subjects: vec![STREAM_SUBJECTS.to_owned()],
                storage: StorageType::File,
                retention: RetentionPolicy::WorkQueue,
                num_replicas: replicas,
                duplicate_window: Duration::from_secs(120),
                max_age: Duration::from_secs(30 * 24 * 3600),
                ..Default::default()
            })
            .await
            .map(|_| ())
            .map_err(|e| BusError::JetStream(e.to_string()))
    }

    /// Creates the durable pull consumer `inbox_T` of locality T if absent.
    pub async fn ensure_inbox(&self, locality: &LocalityCode) -> Result<(), BusError> {
        let name = inbox_consumer(locality);
        let stream = self
            .js
            .get_stream(STREAM)
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        stream
            .get_or_create_consumer(
                &name,
                pull::Config {
                    durable_name: Some(name.clone()),
                    filter_subject: inbox_filter(locality),
                    ack_policy: AckPolicy::Explicit,
                    deliver_policy: DeliverPolicy::All,
                    ack_wait: Duration::from_secs(30),
                    max_ack_pending: 20_000,
                    ..Default::default()
                },
            )
            .await
            .map(|_| ())
            .map_err(|e| BusError::JetStream(format!("consumer {name}: {e}")))
    }

    pub async fn stream_state(&self) -> Result<StreamState, BusError> {
        let mut stream = self
            .js
            .get_stream(STREAM)
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        let info = stream
            .info()
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        let (leader, followers_current) = match &info.cluster {
            Some(c) => (
                c.leader.clone(),
                c.replicas.iter().map(|p| p.current && !p.offline).collect(),
            ),
            None => (None, Vec::new()),
        };
        Ok(StreamState {
            messages: info.state.messages,
            leader,
            followers_current,
        })
    }

    /// Messages stored for `inbox_T` and not yet acked (pending delivery or awaiting ack).
    pub async fn inbox_backlog(&self, locality: &LocalityCode) -> Result<u64, BusError> {
        let name = inbox_consumer(locality);
        let mut consumer: PullConsumer = self
            .js
            .get_consumer_from_stream(&name, STREAM)
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        let info = consumer
            .info()
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        Ok(info.num_pending + info.num_ack_pending as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publish_refusal_is_recognised_by_its_subject() {
        let text = "Permissions Violation for Publish to \"link.79.01.referral\"";
        assert!(is_publish_violation(text, "link.79.01.referral"));
        assert!(!is_publish_violation(text, "link.79.01.referral_status"));
        assert!(!is_publish_violation(
            "Permissions Violation for Subscription to \"link.79.01.referral\"",
            "link.79.01.referral"
        ));
    }
}
