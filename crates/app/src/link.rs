//! The runtime of a linked locality (issue #17): a **relay** that publishes the outbox to
//! JetStream and a **consumer** that takes this locality's inbox in, applying each message once
//! and in order per record through [`dispatch`].
//!
//! Exactly once is the store's (`store::link`): the outbox row is written with the change, a
//! row is marked sent only on JetStream's acknowledgement (a crash in between publishes it
//! again with the same `Nats-Msg-Id`, which JetStream and then the receiver's inbox table
//! drop), and a delivery is acknowledged only after its transaction committed. The runtime adds
//! only the loops: batching, waking, back-off, and what to do with each outcome —
//! acknowledge what is applied, a duplicate, stale or refused; nak with a delay what came
//! before an earlier update of its record, or failed to apply (it comes again).
//!
//! Stopping is graceful ([`LinkRuntime::shutdown`]): a batch being published or taken in is
//! finished, then the loops end; what was not acknowledged is simply published or delivered
//! again later.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ::link::bus::{Bus, BusError, Delivery, Outgoing};
use ::link::{Envelope, Kind, Registry};
use store::{LinkTx, Received, Store, StoreError};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::App;

/// How the loops batch and wait. The defaults suit a province: a message leaves within a
/// wake-up (or 200 ms) of its commit and is taken in as soon as JetStream delivers it.
#[derive(Debug, Clone, Copy)]
pub struct LinkConfig {
    /// Outbox rows per publish batch, and envelopes per take-in (a pull asks for
    /// `batch / pack` deliveries, at least one).
    pub batch: usize,
    /// Most envelopes of one subject published as one message ([`link::pack`]).
    pub pack: usize,
    /// How often the relay looks at the outbox when nobody woke it.
    pub poll: Duration,
    /// How long one pull waits for the first message.
    pub pull_wait: Duration,
    /// The first redelivery delay of a message that came before an earlier one of its
    /// record, or failed to apply; it doubles with each delivery ([`redelivery_delay`]).
    pub nak_delay: Duration,
    /// The longest pause after bus or database errors (it doubles from `poll` up to this).
    pub max_backoff: Duration,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            batch: 500,
            pack: link::pack::PACK_MAX,
            poll: Duration::from_millis(200),
            pull_wait: Duration::from_millis(500),
            nak_delay: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// The longest a delivery waits to come again: a message that keeps failing (a handler's
/// bug, a record whose earlier message was lost to a refusal) is retried at this pace, not
/// every `nak_delay`, and never dropped.
pub const MAX_REDELIVERY_DELAY: Duration = Duration::from_secs(300);

/// The wait before the next delivery of a message nak'ed after its `delivered`-th delivery:
/// `base` the first time, doubling each time after, up to [`MAX_REDELIVERY_DELAY`].
pub fn redelivery_delay(base: Duration, delivered: i64) -> Duration {
    let doublings = delivered.saturating_sub(1).clamp(0, 20) as u32;
    base.saturating_mul(1u32 << doublings)
        .min(MAX_REDELIVERY_DELAY)
}

/// How long a row the server refused waits before it is tried again.
const REFUSED_RETRY: Duration = Duration::from_secs(60);

/// Counters the runtime keeps (for the log, tests and benchmarks).
#[derive(Debug, Default)]
pub struct LinkMetrics {
    published: AtomicU64,
    applied: AtomicU64,
    set_aside: AtomicU64,
    duplicates: AtomicU64,
    stale: AtomicU64,
    refused: AtomicU64,
    out_of_order: AtomicU64,
    failed: AtomicU64,
    bus_errors: AtomicU64,
}

/// A reading of [`LinkMetrics`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LinkCounts {
    /// Outbox rows acknowledged by JetStream (and marked sent).
    pub published: u64,
    /// Messages applied by their handler.
    pub applied: u64,
    /// Messages taken in but with no handler for their kind yet (recorded, acknowledged).
    pub set_aside: u64,
    pub duplicates: u64,
    pub stale: u64,
    /// Refused (bad signature, unknown sender, kind not allowed…), recorded and acknowledged.
    pub refused: u64,
    /// Deliveries nak'ed because an earlier seq of their record was missing.
    pub out_of_order: u64,
    /// Deliveries nak'ed because applying failed.
    pub failed: u64,
    /// Publishes or pulls that failed (retried after a pause).
    pub bus_errors: u64,
}

impl LinkMetrics {
    pub fn counts(&self) -> LinkCounts {
        let r = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LinkCounts {
            published: r(&self.published),
            applied: r(&self.applied),
            set_aside: r(&self.set_aside),
            duplicates: r(&self.duplicates),
            stale: r(&self.stale),
            refused: r(&self.refused),
            out_of_order: r(&self.out_of_order),
            failed: r(&self.failed),
            bus_errors: r(&self.bus_errors),
        }
    }
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bus(#[from] BusError),
    /// A handler could not apply the message (it is nak'ed and comes again).
    #[error("applying the message: {0}")]
    Apply(String),
}

/// What a handler did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Applied,
    /// No handler for its kind yet (`link_refusals`, reason `unsupported: KIND`), or its
    /// handler refused it for good (`refused: WHY`, its writes undone): recorded and taken
    /// in, so the record's later messages are not held behind it forever.
    SetAside,
}

/// What a dispatcher returns: a boxed future borrowing the receiving transaction and the
/// envelope (the shape `Store::receive` takes).
pub type Handling<'t> = Pin<Box<dyn Future<Output = Result<Handled, LinkError>> + Send + 't>>;

/// Applies a received, admitted message in the receiving transaction. It must write through
/// the transaction only (see `store::link`).
pub type Dispatch = Arc<dyn for<'t> Fn(&'t mut LinkTx, &'t Envelope) -> Handling<'t> + Send + Sync>;

/// A [`Dispatch`] from a closure (the signature is inferred from the bound here).
pub fn dispatcher<F>(f: F) -> Dispatch
where
    F: for<'t> Fn(&'t mut LinkTx, &'t Envelope) -> Handling<'t> + Send + Sync + 'static,
{
    Arc::new(f)
}

/// What a run dispatcher returns: how many of the envelopes, from the first, it applied.
pub type HandlingRun<'t> = Pin<Box<dyn Future<Output = Result<usize, LinkError>> + Send + 't>>;

/// Applies a run of received messages (in their order) with a few statements for all, as
/// many from the first as it can (`Store::receive_batch_with`'s `apply_run`): what it leaves
/// goes through the [`Dispatch`] one at a time.
pub type RunDispatch =
    Arc<dyn for<'t> Fn(&'t mut LinkTx, &'t [&'t Envelope]) -> HandlingRun<'t> + Send + Sync>;

/// The application's run dispatcher: a run of referrals applied together
/// ([`crate::referral::apply_referral_run`]); any other kind is left to [`dispatch`].
pub fn app_run_dispatch(app: &App) -> RunDispatch {
    fn run_dispatcher<F>(f: F) -> RunDispatch
    where
        F: for<'t> Fn(&'t mut LinkTx, &'t [&'t Envelope]) -> HandlingRun<'t>
            + Send
            + Sync
            + 'static,
    {
        Arc::new(f)
    }
    let app = app.clone();
    run_dispatcher(move |tx, envs| {
        let app = app.clone();
        Box::pin(async move { Ok(crate::referral::apply_referral_run(&app, tx, envs).await?) })
    })
}

/// The application's dispatcher: [`dispatch`] over `app`.
pub fn app_dispatch(app: &App) -> Dispatch {
    let app = app.clone();
    dispatcher(move |tx, env| {
        let app = app.clone();
        Box::pin(async move { dispatch(&app, tx, env).await })
    })
}

/// Runs a kind's handler inside a savepoint. A handler may refuse for good after writing
/// (the person does not hold here, a malformed body): its writes are undone and the message
/// set aside with the refusal, so the record's later messages are not held behind it. Any
/// other error (the database) is returned: the message comes again.
macro_rules! handled {
    ($app:expr, $tx:expr, $env:expr, $apply:expr) => {{
        $app.store.mark_in($tx).await?;
        match $apply.await {
            Ok(()) => Ok(Handled::Applied),
            Err(e) if e.is_permanent() => {
                $app.store.rollback_to_mark_in($tx).await?;
                let reason = format!("refused: {e}");
                $app.store
                    .set_aside_in($tx, $env, &reason, $app.now_s())
                    .await?;
                Ok(Handled::SetAside)
            }
            Err(e) => Err(LinkError::Apply(e.to_string())),
        }
    }};
}

/// Each kind's handler. A kind whose handler is not built yet is set aside (recorded and
/// acknowledged), never left to be redelivered forever.
pub async fn dispatch(app: &App, tx: &mut LinkTx, env: &Envelope) -> Result<Handled, LinkError> {
    use crate::{care_away, gift, handover, letters, national, referral, share};
    match env.kind {
        Kind::Referral | Kind::ReferralStatus => {
            handled!(app, tx, env, referral::apply_referral_message(app, tx, env))
        }
        Kind::Handover | Kind::HandoverAnswer => {
            handled!(app, tx, env, handover::apply_handover_message(app, tx, env))
        }
        Kind::Gift | Kind::GiftReceipt | Kind::Need => {
            handled!(app, tx, env, gift::apply_gift_message(app, tx, env))
        }
        Kind::Letter => handled!(app, tx, env, letters::apply_letter_message(app, tx, env)),
        Kind::Figures => handled!(app, tx, env, national::apply_figures_message(app, tx, env)),
        Kind::Share => handled!(app, tx, env, share::apply_share_message(app, tx, env)),
        Kind::Care => handled!(app, tx, env, care_away::apply_care_message(app, tx, env)),
        // Every kind has its handler today; a kind added before its handler lands here.
        #[allow(unreachable_patterns)]
        kind => {
            set_aside(app, tx, env, kind).await?;
            Ok(Handled::SetAside)
        }
    }
}

async fn set_aside(
    app: &App,
    tx: &mut LinkTx,
    env: &Envelope,
    kind: Kind,
) -> Result<(), LinkError> {
    let reason = format!("unsupported: {}", kind.as_str());
    app.store
        .set_aside_in(tx, env, &reason, app.now_s())
        .await?;
    Ok(())
}

/// Unix seconds for the rows the runtime writes (`sent_at_s`, `received_at_s`).
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The relay and the consumer of one locality, running until [`LinkRuntime::shutdown`].
pub struct LinkRuntime {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    metrics: Arc<LinkMetrics>,
    wake: Arc<Notify>,
}

/// What the two loops share.
struct Shared {
    store: Store,
    bus: Arc<Bus>,
    metrics: Arc<LinkMetrics>,
    config: LinkConfig,
    now: Now,
    /// Applies runs of messages together before the dispatcher takes the rest one at a time
    /// (none: every message by the dispatcher).
    run: Option<RunDispatch>,
}

impl LinkRuntime {
    /// The application's runtime: its store, its clock, [`app_dispatch`], and woken by
    /// `app.link_wake` (notified by whoever enqueues).
    pub fn start(app: &App, bus: Arc<Bus>, registry: Registry, config: LinkConfig) -> LinkRuntime {
        let clock = app.clone();
        Self::start_inner(
            app.store.clone(),
            bus,
            registry,
            (app_dispatch(app), Some(app_run_dispatch(app))),
            Arc::new(move || clock.now_s()),
            app.link_wake.clone(),
            config,
        )
    }

    /// The runtime with its parts given (tests give their own dispatcher).
    pub fn start_with(
        store: Store,
        bus: Arc<Bus>,
        registry: Registry,
        dispatch: Dispatch,
        now: Now,
        wake: Arc<Notify>,
        config: LinkConfig,
    ) -> LinkRuntime {
        Self::start_inner(store, bus, registry, (dispatch, None), now, wake, config)
    }

    fn start_inner(
        store: Store,
        bus: Arc<Bus>,
        registry: Registry,
        (dispatch, run): (Dispatch, Option<RunDispatch>),
        now: Now,
        wake: Arc<Notify>,
        config: LinkConfig,
    ) -> LinkRuntime {
        let (stop, stopped) = watch::channel(false);
        let metrics = Arc::new(LinkMetrics::default());
        let shared = Arc::new(Shared {
            store,
            bus,
            metrics: metrics.clone(),
            config,
            now,
            run,
        });
        let relay = tokio::spawn(relay(shared.clone(), wake.clone(), stopped.clone()));
        let consumer = tokio::spawn(consume(shared, registry, dispatch, stopped));
        LinkRuntime {
            stop,
            tasks: vec![relay, consumer],
            metrics,
            wake,
        }
    }

    pub fn metrics(&self) -> LinkCounts {
        self.metrics.counts()
    }

    /// Something was enqueued: the relay looks now rather than at its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Lets the loops finish what they hold (a batch publishing, deliveries being applied),
    /// then ends them; after `grace` they are cut short (safe: unacknowledged work is done
    /// again later).
    pub async fn shutdown(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut self.tasks);
        let aborts: Vec<_> = tasks.iter().map(|t| t.abort_handle()).collect();
        if tokio::time::timeout(grace, futures_join(tasks))
            .await
            .is_err()
        {
            tracing::warn!("link: loops still busy {grace:?} after the stop: cut short");
            for a in aborts {
                a.abort();
            }
        }
    }
}

impl Drop for LinkRuntime {
    /// Dropped without [`LinkRuntime::shutdown`]: the loops end at once.
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn futures_join(tasks: Vec<JoinHandle<()>>) {
    for t in tasks {
        let _ = t.await;
    }
}

/// Sleeps `d`, or less if the runtime stops.
async fn pause(d: Duration, stopped: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = stopped.wait_for(|s| *s) => {}
    }
}

async fn relay(shared: Arc<Shared>, wake: Arc<Notify>, mut stopped: watch::Receiver<bool>) {
    let config = shared.config;
    let mut backoff = config.poll;
    // Rows the server refused (their subject is not ours to publish: a misaddressed message)
    // are tried again only after a while: a refusal is known only after the ack timeout, and
    // every batch would otherwise wait it out. They stay unsent, in the log, never dropped.
    let mut refused: HashMap<String, Instant> = HashMap::new();
    while !*stopped.borrow() {
        let rows = match shared.store.unsent(config.batch as i64).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!("link relay: reading the outbox: {e}");
                pause(backoff, &mut stopped).await;
                backoff = (backoff * 2).min(config.max_backoff);
                continue;
            }
        };
        refused.retain(|_, at| at.elapsed() < REFUSED_RETRY);
        if rows.iter().all(|(id, _, _)| refused.contains_key(id)) {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(config.poll) => {}
                _ = stopped.wait_for(|s| *s) => {}
            }
            continue;
        }
        let full = rows.len() == config.batch;
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|(id, _, _)| !refused.contains_key(id))
            .collect();
        let packs = link::pack::packs(rows, config.pack);
        let batch: Vec<Outgoing> = packs
            .iter()
            .map(|p| Outgoing {
                subject: p.subject.clone(),
                msg_id: p.msg_id(),
                payload: p.payload.clone().into(),
            })
            .collect();
        let results = shared.bus.publish_batch(&batch).await;
        let mut sent = Vec::with_capacity(config.batch);
        let mut failed = 0u64;
        for (p, r) in packs.into_iter().zip(results) {
            match r {
                Ok(_) => sent.extend(p.ids),
                Err(e) => {
                    failed += 1;
                    // Kept unsent: published again after the pause (a repeat is dropped by
                    // the stream's duplicate window or the receiver's inbox).
                    if failed == 1 {
                        tracing::warn!("link relay: {} not published: {e}", p.subject);
                    }
                    if matches!(e, BusError::Denied(_)) {
                        let now = Instant::now();
                        refused.extend(p.ids.into_iter().map(|id| (id, now)));
                    }
                }
            }
        }
        let mut published = 0;
        if !sent.is_empty() {
            // Not marked (the database failed): published again later, dropped as a repeat.
            match shared.store.mark_sent(&sent, (shared.now)()).await {
                Ok(()) => {
                    published = sent.len();
                    add(&shared.metrics.published, published as u64);
                }
                Err(e) => {
                    tracing::warn!("link relay: marking sent: {e}");
                    failed += 1;
                }
            }
        }
        if failed > 0 {
            add(&shared.metrics.bus_errors, 1);
        }
        if failed > 0 && published == 0 {
            // Nothing went (servers down, or every row refused): pause. When some went, go on
            // at once: one row the server refuses must not slow the others to one batch per
            // back-off.
            pause(backoff, &mut stopped).await;
            backoff = (backoff * 2).min(config.max_backoff);
        } else {
            backoff = config.poll;
            if !full {
                // A partial batch: give the next commits a moment to gather, unless woken.
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(5)) => {}
                }
            }
        }
    }
}

async fn consume(
    shared: Arc<Shared>,
    registry: Registry,
    dispatch: Dispatch,
    mut stopped: watch::Receiver<bool>,
) {
    let config = shared.config;
    // A delivery holds up to `pack` envelopes: a take-in holds about `batch`.
    let per_pull = (config.batch / config.pack.max(1)).max(1);
    let mut backoff = config.poll;
    // Deliveries pulled while the previous batch was taken in: the next to take in.
    let mut pending: Vec<Delivery> = Vec::new();
    // A stop is looked at between batches only: a batch pulled is taken in to the end (also
    // one pulled ahead), so no delivery waits out JetStream's ack wait because we left it.
    loop {
        let stop = *stopped.borrow();
        if stop && pending.is_empty() {
            break;
        }
        let deliveries = match std::mem::take(&mut pending) {
            d if !d.is_empty() => d,
            // Idle: a waiting pull ends when its batch is full or its wait ran out (which the
            // server notices late: up to seconds), so it asks for one message and waits, and
            // the first to come is taken in at once.
            _ => match shared.bus.pull(1, config.pull_wait).await {
                Ok(d) => d,
                Err(e) => {
                    add(&shared.metrics.bus_errors, 1);
                    tracing::warn!("link consumer: pulling: {e}");
                    pause(backoff, &mut stopped).await;
                    backoff = (backoff * 2).min(config.max_backoff);
                    continue;
                }
            },
        };
        backoff = config.poll;
        if deliveries.is_empty() {
            continue;
        }
        // Busy: the next batch (what is there now, without waiting) is pulled while this one
        // is taken in, so the database never waits for the bus. It is taken in only after
        // this one committed: a record's next update must not race its predecessor.
        let take = take_in(&shared, &registry, &dispatch, &deliveries);
        if stop {
            take.await;
            continue;
        }
        let (_, next) = tokio::join!(take, shared.bus.pull_now(per_pull));
        let pulled_error = |e: BusError| {
            add(&shared.metrics.bus_errors, 1);
            tracing::warn!("link consumer: pulling: {e}");
            Vec::new()
        };
        pending = next.unwrap_or_else(pulled_error);
        // What came while this batch was taken in joins what was pulled at its start: a
        // pull at the start finds little, and small batches cost a commit each.
        if pending.len() < per_pull {
            let more = shared.bus.pull_now(per_pull - pending.len()).await;
            pending.extend(more.unwrap_or_else(pulled_error));
        }
    }
}

/// A pull's deliveries: their envelopes (a pack's each, [`link::pack`]) received by the store
/// in one transaction (the dispatcher applying each), then each delivery acknowledged — only
/// after the commit, and only when every envelope in it is done with — or nak'ed to come
/// again (what of it was applied is then a duplicate).
async fn take_in(shared: &Shared, registry: &Registry, dispatch: &Dispatch, batch: &[Delivery]) {
    let m = &shared.metrics;
    // The ids the dispatcher set aside rather than applied (counted apart).
    let set_aside: Arc<Mutex<HashSet<String>>> = Arc::default();
    let flag = set_aside.clone();
    let handler = dispatch.clone();
    let mut payloads: Vec<&[u8]> = Vec::with_capacity(shared.config.batch);
    // The delivery each envelope came in.
    let mut owner: Vec<usize> = Vec::with_capacity(shared.config.batch);
    for (k, d) in batch.iter().enumerate() {
        // A pack that cannot be split goes whole: the store refuses it as no envelope and
        // records it.
        let items = link::pack::unpack(d.payload()).unwrap_or_else(|_| vec![d.payload()]);
        owner.extend(std::iter::repeat_n(k, items.len()));
        payloads.extend(items);
    }
    let run = shared.run.clone();
    let received = shared
        .store
        .receive_batch_with::<LinkError, _, _>(
            &payloads,
            registry,
            (shared.now)(),
            move |tx, env| {
                let handler = handler.clone();
                let flag = flag.clone();
                Box::pin(async move {
                    if handler(tx, env).await? == Handled::SetAside {
                        flag.lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(env.id.clone());
                    }
                    Ok(())
                })
            },
            move |tx, envs| {
                let run = run.clone();
                Box::pin(async move {
                    match run {
                        Some(run) => run(tx, envs).await,
                        None => Ok(0),
                    }
                })
            },
        )
        .await;
    let outcomes = match received {
        Ok(outcomes) => outcomes,
        Err(e) => {
            // The batch's transaction failed: nothing of it was kept; all come again.
            add(&m.failed, payloads.len() as u64);
            tracing::warn!("link consumer: a batch of {}: {e}", payloads.len());
            payloads
                .iter()
                .map(|_| Err(LinkError::Apply(e.to_string())))
                .collect()
        }
    };
    let set_aside = std::mem::take(&mut *set_aside.lock().unwrap_or_else(|p| p.into_inner()));
    let mut done = vec![true; batch.len()];
    for ((bytes, k), received) in payloads.iter().zip(&owner).zip(outcomes) {
        let d = &batch[*k];
        let finished = match received {
            Ok(Received::Applied) => {
                let kept_aside = !set_aside.is_empty()
                    && link::Addressing::from_bytes(bytes)
                        .is_some_and(|a| set_aside.contains(&a.id));
                add(if kept_aside { &m.set_aside } else { &m.applied }, 1);
                true
            }
            Ok(Received::Duplicate) => {
                add(&m.duplicates, 1);
                true
            }
            Ok(Received::Stale) => {
                add(&m.stale, 1);
                true
            }
            Ok(Received::Refused(why)) => {
                add(&m.refused, 1);
                tracing::warn!("link consumer: refused {}: {}", d.subject(), why.reason());
                true
            }
            Ok(Received::OutOfOrder) => {
                add(&m.out_of_order, 1);
                false
            }
            Err(e) => {
                add(&m.failed, 1);
                tracing::warn!("link consumer: {}: {e}", d.subject());
                false
            }
        };
        done[*k] &= finished;
    }
    for (d, ack) in batch.iter().zip(done) {
        // A publish each (not awaited by the server): a lost ack or nak only means one more
        // delivery, which the inbox table absorbs.
        let answered = match ack {
            true => d.ack().await,
            false => {
                let delay = redelivery_delay(shared.config.nak_delay, d.delivered());
                d.nak_with_delay(delay).await
            }
        };
        if let Err(e) = answered {
            tracing::warn!("link consumer: answering {}: {e}", d.subject());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redelivery_waits_double_up_to_the_bound() {
        let base = Duration::from_millis(200);
        assert_eq!(redelivery_delay(base, 1), base);
        assert_eq!(redelivery_delay(base, 0), base);
        assert_eq!(redelivery_delay(base, -3), base);
        assert_eq!(redelivery_delay(base, 2), Duration::from_millis(400));
        assert_eq!(redelivery_delay(base, 5), Duration::from_millis(3_200));
        assert_eq!(redelivery_delay(base, 12), MAX_REDELIVERY_DELAY);
        assert_eq!(redelivery_delay(base, i64::MAX), MAX_REDELIVERY_DELAY);
        let mut last = Duration::ZERO;
        for n in 1..100 {
            let d = redelivery_delay(base, n);
            assert!(d >= last && d <= MAX_REDELIVERY_DELAY);
            last = d;
        }
    }
}
