//! Linked localities' messages in the database (issue #17, migration 0038): exactly once and
//! in order per record, without the bus knowing anything of it.
//!
//! Sending: a change that travels writes its signed envelope to `link_outbox` in the SAME
//! transaction as the change ([`Store::enqueue_in`]), so the two are committed or dropped
//! together; the relay publishes [`Store::unsent`] rows and marks them sent
//! ([`Store::mark_sent`]) on the JetStream acknowledgement. A crash between publish and mark
//! publishes again: the receiver drops the repeat by its id.
//!
//! Receiving ([`Store::receive`]): the envelope is checked against the registry (refusals
//! recorded in `link_refusals`, to be acknowledged so they are not redelivered forever);
//! then, in one transaction, its id is inserted in `link_inbox` (already there: a duplicate),
//! the record's last sequence number is moved from `seq - 1` to `seq` by a conditional
//! update (the row lock orders concurrent deliveries on PostgreSQL), the caller's `apply`
//! runs, and all commits together. Only then may the caller acknowledge.
//!
//! `apply` is a closure given the open transaction and the envelope, returning a boxed future
//! (`|tx, env| Box::pin(async move { … })`): the simplest shape sqlx's `Any` transaction
//! allows, and it cannot be misused by forgetting to finish. It must write through the
//! transaction only (the `…_in` methods): on SQLite the transaction holds the one writing
//! connection, and a write through the Store's pool would wait for it forever.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use link::registry::{kinds_from_text, kinds_to_text, Peer, Refusal, Registry};
use link::{sign, Addressing, Envelope, KeyPair, Kind, LocalityCode, PublicKey};
use sqlx::Row;

use rayon::prelude::*;

use crate::sql::{Sql, Val};
use crate::{Dialect, Result, Store, StoreError};

/// The `meta` key of this locality's Ed25519 key pair (base64 of the secret key).
pub const LINK_KEY: &str = "link_key";

/// Seq rows a statement of [`Store::enqueue_many_in`] upserts (3 parameters each).
const SEQ_ROWS: usize = 300;

/// Records or ids a statement of [`Store::receive_batch`]'s judging reads or writes (at most 7
/// parameters each).
const JUDGE_ROWS: usize = 500;

/// Envelopes enqueued together from which signing is spread over the cores.
const PARALLEL_SIGN: usize = 16;

/// Outbox ids marked sent by one statement.
const MARK_ROWS: usize = 500;

/// A batch judged in memory: each admitted message's outcome (by its place in the batch),
/// and the order to apply those applied in (each record's seqs ascending).
#[derive(Debug, Default)]
struct Judged {
    outcomes: Vec<(usize, Received)>,
    /// Indices into the admitted messages.
    apply_order: Vec<usize>,
}

/// One message for [`Store::enqueue_many_in`].
#[derive(Debug, Clone)]
pub struct OutMessage {
    pub to: LocalityCode,
    pub kind: Kind,
    pub record: String,
    pub body: serde_json::Value,
}

/// The transaction `apply` and [`Store::enqueue_in`] work in.
pub type LinkTx = sqlx::Transaction<'static, sqlx::Any>;

/// What `apply` returns: a boxed future borrowing the transaction and the envelope.
pub type Applying<'t, E> = Pin<Box<dyn Future<Output = std::result::Result<(), E>> + Send + 't>>;

/// What a run applier returns ([`Store::receive_batch_with`]): how many of the envelopes it
/// was given, from the first, it applied.
pub type ApplyingRun<'t, E> =
    Pin<Box<dyn Future<Output = std::result::Result<usize, E>> + Send + 't>>;

/// What became of a received message. All but `OutOfOrder` are acknowledged by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Applied and committed now.
    Applied,
    /// Its id was received before: nothing done.
    Duplicate,
    /// The record already had this seq or a later one: nothing applied (the id is kept, so a
    /// repeat is a `Duplicate`).
    Stale,
    /// An earlier seq of the record is missing: nothing written; not acknowledged (the
    /// caller naks with a delay and the message comes again after the missing one).
    OutOfOrder,
    /// Refused and recorded in `link_refusals`.
    Refused(Refusal),
}

/// The run applier that applies none (every message by `apply` on its own).
fn no_run<'t, E>(_: &'t mut LinkTx, _: &'t [&'t Envelope]) -> ApplyingRun<'t, E> {
    Box::pin(async { Ok(0) })
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("link: {what}"))
}

fn invalid(field: &'static str) -> StoreError {
    StoreError::Invalid(vec![domain::FieldError::new(
        field,
        domain::Reason::InvalidFormat,
    )])
}

impl Store {
    /// This locality's key pair: made and stored the first time it is asked for (as
    /// [`Store::installation_id`]), then never changed — its public half is what the national
    /// registry gives the others.
    pub async fn link_key(&self) -> Result<KeyPair> {
        if let Some(k) = self.meta(LINK_KEY).await? {
            return KeyPair::from_base64(&k).map_err(|_| corrupt("meta.link_key"));
        }
        // Two processes starting at once: the first insert wins and both read it.
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(LINK_KEY)
            .bind(KeyPair::generate().to_base64())
            .execute(&self.pool)
            .await?;
        let k = self
            .meta(LINK_KEY)
            .await?
            .ok_or_else(|| corrupt("meta.link_key not kept"))?;
        KeyPair::from_base64(&k).map_err(|_| corrupt("meta.link_key"))
    }

    /// Adds a locality to the registry, or replaces its entry (a new key, other kinds).
    pub async fn put_link_locality(&self, peer: &Peer, at_s: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO link_localities (code, name, public_key, kinds, added_at_s)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
                 public_key = excluded.public_key, kinds = excluded.kinds",
        )
        .bind(peer.code.as_str())
        .bind(&peer.name)
        .bind(peer.public_key.to_base64())
        .bind(kinds_to_text(&peer.kinds))
        .bind(at_s)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The registry as stored, with `me` as this locality's code.
    pub async fn link_registry(&self, me: LocalityCode) -> Result<Registry> {
        let rows =
            sqlx::query("SELECT code, name, public_key, kinds FROM link_localities ORDER BY code")
                .fetch_all(&self.pool)
                .await?;
        let mut peers = Vec::with_capacity(rows.len());
        for r in rows {
            let code: String = r.try_get(0)?;
            let key: String = r.try_get(2)?;
            let kinds: String = r.try_get(3)?;
            peers.push(Peer {
                code: LocalityCode::parse(&code).map_err(|_| corrupt("link_localities.code"))?,
                name: r.try_get(1)?,
                public_key: PublicKey::from_base64(&key)
                    .map_err(|_| corrupt("link_localities.public_key"))?,
                kinds: kinds_from_text(&kinds).map_err(|_| corrupt("link_localities.kinds"))?,
            });
        }
        Ok(Registry::new(me, peers))
    }

    /// A transaction on the writing pool, for a change and its messages
    /// ([`Store::enqueue_in`]) to be committed together.
    pub async fn begin_transaction(&self) -> Result<LinkTx> {
        Ok(self.pool.begin().await?)
    }

    /// Writes a message about `record` to `to` in the caller's transaction: the next seq of
    /// ('out', to, record), the envelope signed with `key`, the outbox row. Committed or
    /// dropped with the caller's change. The seq's row stays locked until then, so two
    /// transactions sending about one record number their messages in commit order.
    #[allow(clippy::too_many_arguments)]
    pub async fn enqueue_in(
        &self,
        tx: &mut LinkTx,
        from: &LocalityCode,
        to: &LocalityCode,
        kind: Kind,
        record: &str,
        body: serde_json::Value,
        at_s: i64,
        key: &KeyPair,
    ) -> Result<Envelope> {
        let one = OutMessage {
            to: to.clone(),
            kind,
            record: record.to_owned(),
            body,
        };
        let mut sent = self.enqueue_many_in(tx, from, vec![one], at_s, key).await?;
        sent.pop().ok_or_else(|| corrupt("enqueue"))
    }

    /// [`Store::enqueue_in`] for many messages at once (a trace's referrals): the seqs of all
    /// their records taken by one upsert a few hundred records, the outbox rows written a
    /// hundred a statement — a handful of statements for a trace's hundred referrals, not
    /// two hundred. Messages about one record are numbered in the order given. The seq rows
    /// are locked in a fixed order (locality, record), so two such transactions cannot
    /// deadlock on PostgreSQL.
    pub async fn enqueue_many_in(
        &self,
        tx: &mut LinkTx,
        from: &LocalityCode,
        messages: Vec<OutMessage>,
        at_s: i64,
        key: &KeyPair,
    ) -> Result<Vec<Envelope>> {
        for m in &messages {
            link::envelope::check_record_key(&m.record).map_err(|_| invalid("record"))?;
        }
        let mut counts: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for m in &messages {
            *counts
                .entry((m.to.as_str(), m.record.as_str()))
                .or_default() += 1;
        }
        // The first new seq of each record.
        let mut next: HashMap<(String, String), i64> = HashMap::with_capacity(counts.len());
        let counts: Vec<((&str, &str), i64)> = counts.into_iter().collect();
        for chunk in counts.chunks(SEQ_ROWS) {
            let mut sql = Sql::new(
                self.dialect(),
                "INSERT INTO link_seqs (direction, peer, record_key, last_seq) VALUES ",
            );
            for (i, ((to, record), n)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "('out', " } else { ", ('out', " });
                sql.bind(Val::Text((*to).to_owned()));
                sql.push(", ");
                sql.bind(Val::Text((*record).to_owned()));
                sql.push(", ");
                sql.bind(Val::Int(*n));
                sql.push(")");
            }
            sql.push(
                " ON CONFLICT (direction, peer, record_key)
                 DO UPDATE SET last_seq = link_seqs.last_seq + excluded.last_seq
                 RETURNING peer, record_key, last_seq",
            );
            let q = sql.query();
            let got: HashMap<(String, String), i64> = q
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?)))
                .collect::<Result<_>>()?;
            for ((to, record), n) in chunk {
                let k = (to.to_string(), record.to_string());
                let last = *got.get(&k).ok_or_else(|| corrupt("link_seqs"))?;
                next.insert(k, last - n + 1);
            }
        }
        let mut envelopes = Vec::with_capacity(messages.len());
        for m in messages {
            let k = (m.to.as_str().to_owned(), m.record);
            let seq = next.get_mut(&k).ok_or_else(|| corrupt("link_seqs"))?;
            let envelope = Envelope::new(from.clone(), m.to, m.kind, &k.1, *seq, at_s, m.body)
                .map_err(|_| invalid("record"))?;
            *seq += 1;
            envelopes.push(envelope);
        }
        // Signed and serialised on every core: a trace's hundred referrals hold the writing
        // connection while this runs, and signing was a third of it.
        let sign_one = |e: &mut Envelope| {
            sign::sign(e, key);
            String::from_utf8(e.to_bytes()).map_err(|_| corrupt("envelope"))
        };
        let texts: Vec<Result<String>> = if envelopes.len() >= PARALLEL_SIGN {
            envelopes.par_iter_mut().map(sign_one).collect()
        } else {
            envelopes.iter_mut().map(sign_one).collect()
        };
        let mut rows = Vec::with_capacity(envelopes.len());
        for (e, text) in envelopes.iter().zip(texts) {
            let text = text?;
            rows.push(vec![
                Val::Text(e.id.clone()),
                Val::Text(e.to.as_str().to_owned()),
                Val::Text(e.kind.as_str().to_owned()),
                Val::Text(e.record.clone()),
                Val::Int(e.seq),
                Val::Text(text),
                Val::Int(at_s),
            ]);
        }
        crate::sql::insert_rows(
            tx,
            self.dialect(),
            "link_outbox",
            &[
                "id",
                "to_locality",
                "kind",
                "record_key",
                "seq",
                "body",
                "created_at_s",
            ],
            rows,
        )
        .await?;
        Ok(envelopes)
    }

    /// [`Store::enqueue_in`] in a transaction of its own (a message that goes with no change).
    #[allow(clippy::too_many_arguments)]
    pub async fn enqueue(
        &self,
        from: &LocalityCode,
        to: &LocalityCode,
        kind: Kind,
        record: &str,
        body: serde_json::Value,
        at_s: i64,
        key: &KeyPair,
    ) -> Result<Envelope> {
        let mut tx = self.begin_transaction().await?;
        let e = self
            .enqueue_in(&mut tx, from, to, kind, record, body, at_s, key)
            .await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Up to `limit` messages not yet sent, oldest first (a record's in seq order): (id,
    /// subject, envelope bytes). The id is the publish's `Nats-Msg-Id`. The subject is read
    /// from the envelope's own addressing (not its body, which is skipped unparsed: the relay
    /// reads hundreds a batch, and the envelope is published as written).
    pub async fn unsent(&self, limit: i64) -> Result<Vec<(String, String, Vec<u8>)>> {
        let rows = sqlx::query(
            "SELECT id, body FROM link_outbox WHERE sent_at_s IS NULL
             ORDER BY created_at_s, seq, id LIMIT $1",
        )
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get(0)?;
            let body: String = r.try_get(1)?;
            let a = Addressing::from_bytes(body.as_bytes())
                .ok_or_else(|| corrupt("link_outbox.body"))?;
            out.push((id, link::subject(&a.from, &a.to, a.kind), body.into_bytes()));
        }
        Ok(out)
    }

    /// Marks messages sent (their JetStream publish acknowledged), [`MARK_ROWS`] a statement.
    /// Marking one twice keeps the first time.
    pub async fn mark_sent(&self, ids: &[String], at_s: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for part in ids.chunks(MARK_ROWS) {
            let mut sql = Sql::new(self.dialect(), "UPDATE link_outbox SET sent_at_s = ");
            sql.bind(Val::Int(at_s));
            sql.push(" WHERE sent_at_s IS NULL AND id IN (");
            for (j, id) in part.iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.bind(Val::Text(id.clone()));
            }
            sql.push(")");
            sql.query().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Takes in a received message (see the module): refused, duplicate, stale, out of order,
    /// or applied by `apply` in the transaction that records it. If `apply` fails, nothing is
    /// kept and its error returned: the caller does not acknowledge (the message comes again).
    pub async fn receive<E, F>(
        &self,
        bytes: &[u8],
        registry: &Registry,
        at_s: i64,
        apply: F,
    ) -> std::result::Result<Received, E>
    where
        E: From<StoreError> + Send,
        F: for<'t> FnOnce(&'t mut LinkTx, &'t Envelope) -> Applying<'t, E> + Send,
    {
        let envelope = match self.admit_message(bytes, registry, at_s, None).await? {
            Ok(e) => e,
            Err(refusal) => return Ok(Received::Refused(refusal)),
        };
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        let got = Self::take_in(&mut tx, &envelope, at_s, apply).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(got)
    }

    /// Takes in many received messages in ONE transaction (a consumer's batch): each is
    /// judged and applied as [`Store::receive`] does, so one that is out of order or fails to
    /// apply leaves no trace while the others are kept. A message that came before an earlier
    /// one of its record in the same batch is tried again once that one is applied. One
    /// commit for the batch is what makes a busy inbox fast (one fsync, not one a message);
    /// the caller acknowledges only after it.
    ///
    /// Judging writes nothing for a message out of order or a duplicate, so the batch runs
    /// first without savepoints; only if some `apply` fails is it all rolled back and run
    /// again with each message in a savepoint of its own (the failure's writes undone, the
    /// rest kept).
    ///
    /// The outer error is the transaction's (beginning or committing it): then nothing of
    /// the batch is kept and none of it may be acknowledged. Otherwise one outcome per
    /// message, in the order given.
    pub async fn receive_batch<E, F>(
        &self,
        batch: &[&[u8]],
        registry: &Registry,
        at_s: i64,
        apply: F,
    ) -> std::result::Result<Vec<std::result::Result<Received, E>>, E>
    where
        E: From<StoreError> + Send,
        F: for<'t> Fn(&'t mut LinkTx, &'t Envelope) -> Applying<'t, E> + Send + Sync,
    {
        self.receive_batch_with(batch, registry, at_s, apply, no_run::<E>)
            .await
    }

    /// [`Store::receive_batch`] with a run applier: `apply_run` is given the messages to
    /// apply, in their order, and applies as many as it can from the first with a few
    /// statements for all (multi-row inserts), answering how many; the first it leaves is
    /// applied by `apply` on its own, and `apply_run` is asked again for the rest. What
    /// `apply_run` writes must be what `apply` would write for each in turn (held by the
    /// tests of each run applier). An error from either runs the batch again guarded, a
    /// message at a time by `apply`.
    pub async fn receive_batch_with<E, F, R>(
        &self,
        batch: &[&[u8]],
        registry: &Registry,
        at_s: i64,
        apply: F,
        apply_run: R,
    ) -> std::result::Result<Vec<std::result::Result<Received, E>>, E>
    where
        E: From<StoreError> + Send,
        F: for<'t> Fn(&'t mut LinkTx, &'t Envelope) -> Applying<'t, E> + Send + Sync,
        R: for<'t> Fn(&'t mut LinkTx, &'t [&'t Envelope]) -> ApplyingRun<'t, E> + Send + Sync,
    {
        if let Some(out) = self
            .receive_batch_bulk_with(batch, registry, at_s, &apply, &apply_run)
            .await?
        {
            return Ok(out);
        }
        self.receive_batch_guarded(batch, registry, at_s, &apply)
            .await
    }

    /// The fast run of [`Store::receive_batch`]: the batch judged with a few statements, not
    /// two a message. The records' last seqs are read at once (locked on PostgreSQL, so a
    /// concurrent delivery of the same records waits), each message judged in memory as
    /// [`Store::take_in`] would, the seqs and inbox ids written with one multi-row statement
    /// each, and only then the handlers run. `None` (nothing kept) when an apply failed or a
    /// write found the rows other than read (a concurrent delivery won the race): the batch
    /// then runs again guarded, a message at a time. Public for the tests that hold it to the
    /// one-at-a-time path; callers use [`Store::receive_batch`].
    pub async fn receive_batch_bulk<E, F>(
        &self,
        batch: &[&[u8]],
        registry: &Registry,
        at_s: i64,
        apply: &F,
    ) -> std::result::Result<Option<Vec<std::result::Result<Received, E>>>, E>
    where
        E: From<StoreError> + Send,
        F: for<'t> Fn(&'t mut LinkTx, &'t Envelope) -> Applying<'t, E> + Send + Sync,
    {
        self.receive_batch_bulk_with(batch, registry, at_s, apply, &no_run::<E>)
            .await
    }

    /// [`Store::receive_batch_bulk`] with a run applier (see [`Store::receive_batch_with`]).
    pub async fn receive_batch_bulk_with<E, F, R>(
        &self,
        batch: &[&[u8]],
        registry: &Registry,
        at_s: i64,
        apply: &F,
        apply_run: &R,
    ) -> std::result::Result<Option<Vec<std::result::Result<Received, E>>>, E>
    where
        E: From<StoreError> + Send,
        F: for<'t> Fn(&'t mut LinkTx, &'t Envelope) -> Applying<'t, E> + Send + Sync,
        R: for<'t> Fn(&'t mut LinkTx, &'t [&'t Envelope]) -> ApplyingRun<'t, E> + Send + Sync,
    {
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        let (mut out, admitted) = self
            .admit_batch::<E>(&mut tx, batch, registry, at_s)
            .await?;
        let judged = self
            .judge_batch(&mut tx, &admitted, at_s)
            .await
            .map_err(E::from)?;
        let Some(judged) = judged else {
            return Ok(None);
        };
        for (i, received) in &judged.outcomes {
            out[*i] = Some(Ok(received.clone()));
        }
        let order: Vec<&Envelope> = judged.apply_order.iter().map(|i| &admitted[*i].1).collect();
        let mut next = 0;
        while next < order.len() {
            // Dropping the transaction on an error undoes the batch; it runs again guarded.
            let Ok(n) = apply_run(&mut tx, &order[next..]).await else {
                return Ok(None);
            };
            next += n.min(order.len() - next);
            if let Some(envelope) = order.get(next) {
                if apply(&mut tx, envelope).await.is_err() {
                    return Ok(None);
                }
                next += 1;
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Some(
            out.into_iter()
                .map(|o| o.unwrap_or(Ok(Received::OutOfOrder)))
                .collect(),
        ))
    }

    /// Parses and admits a batch's messages in `tx`: the outcome of each refused one, and
    /// the admitted ones with their places in the batch.
    #[allow(clippy::type_complexity)]
    async fn admit_batch<E>(
        &self,
        tx: &mut LinkTx,
        batch: &[&[u8]],
        registry: &Registry,
        at_s: i64,
    ) -> std::result::Result<
        (
            Vec<Option<std::result::Result<Received, E>>>,
            Vec<(usize, Envelope)>,
        ),
        E,
    >
    where
        E: From<StoreError>,
    {
        let parsed: Vec<std::result::Result<Envelope, Refusal>> = batch
            .iter()
            .map(|b| Envelope::from_bytes(b).map_err(|why| Refusal::Malformed(why.to_string())))
            .collect();
        let well_formed: Vec<&Envelope> = parsed.iter().filter_map(|p| p.as_ref().ok()).collect();
        let mut verdicts = registry.admit_all(&well_formed).into_iter();
        let mut out = Vec::with_capacity(batch.len());
        let mut admitted = Vec::with_capacity(batch.len());
        for (i, (bytes, parsed)) in batch.iter().zip(parsed).enumerate() {
            let verdict = match parsed {
                Ok(envelope) => match verdicts.next() {
                    Some(Ok(())) => Ok(envelope),
                    Some(Err(refusal)) => Err(refusal),
                    None => return Err(corrupt("admitting a batch").into()),
                },
                Err(refusal) => Err(refusal),
            };
            match verdict {
                Ok(envelope) => {
                    admitted.push((i, envelope));
                    out.push(None);
                }
                Err(refusal) => {
                    self.record_refusal(bytes, &refusal, at_s, Some(&mut *tx))
                        .await?;
                    out.push(Some(Ok(Received::Refused(refusal))));
                }
            }
        }
        Ok((out, admitted))
    }

    /// Judges admitted messages against the records' last seqs and the inbox, and writes the
    /// new seqs and inbox rows (see [`Store::receive_batch_bulk`]). `None` when a write found
    /// the rows other than read.
    async fn judge_batch(
        &self,
        tx: &mut LinkTx,
        admitted: &[(usize, Envelope)],
        at_s: i64,
    ) -> Result<Option<Judged>> {
        let dialect = self.dialect();
        // The records' last seqs, per sender.
        let mut records: BTreeMap<(&str, &str), Option<i64>> = BTreeMap::new();
        for (_, e) in admitted {
            records.insert((e.from.as_str(), e.record.as_str()), None);
        }
        let keys: Vec<(&str, &str)> = records.keys().copied().collect();
        for chunk in keys.chunk_by(|a, b| a.0 == b.0) {
            for part in chunk.chunks(JUDGE_ROWS) {
                let mut sql = Sql::new(
                    dialect,
                    "SELECT record_key, last_seq FROM link_seqs WHERE direction = 'in' AND peer = ",
                );
                sql.bind(Val::Text(part[0].0.to_owned()));
                sql.push(" AND record_key IN (");
                for (j, (_, record)) in part.iter().enumerate() {
                    if j > 0 {
                        sql.push(", ");
                    }
                    sql.bind(Val::Text((*record).to_owned()));
                }
                sql.push(")");
                if dialect == Dialect::Postgres {
                    sql.push(" ORDER BY record_key FOR UPDATE");
                }
                let asked: HashSet<&str> = part.iter().map(|(_, r)| *r).collect();
                for row in sql.query().fetch_all(&mut **tx).await? {
                    let record: String = row.try_get(0)?;
                    let last: i64 = row.try_get(1)?;
                    if let Some(r) = asked.get(record.as_str()) {
                        records.insert((part[0].0, r), Some(last));
                    }
                }
            }
        }
        // Ids already taken in: only a message at or below its record's seq can be one (an
        // id is kept only once its record reached its seq, and seqs only grow).
        let maybe_seen: Vec<&str> = admitted
            .iter()
            .filter(|(_, e)| {
                records[&(e.from.as_str(), e.record.as_str())].is_some_and(|last| e.seq <= last)
            })
            .map(|(_, e)| e.id.as_str())
            .collect();
        let mut seen: HashSet<String> = HashSet::new();
        for part in maybe_seen.chunks(JUDGE_ROWS) {
            let mut sql = Sql::new(dialect, "SELECT id FROM link_inbox WHERE id IN (");
            for (j, id) in part.iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.bind(Val::Text((*id).to_owned()));
            }
            sql.push(")");
            for row in sql.query().fetch_all(&mut **tx).await? {
                seen.insert(row.try_get(0)?);
            }
        }

        // Passes as `take_in` would run them, in memory.
        let mut last: HashMap<(&str, &str), i64> =
            records.iter().map(|(k, v)| (*k, v.unwrap_or(0))).collect();
        let mut judged = Judged::default();
        let mut inbox: Vec<(&Envelope, &'static str)> = Vec::new();
        let mut waiting: Vec<usize> = (0..admitted.len()).collect();
        loop {
            let mut progress = false;
            let mut still = Vec::new();
            for k in waiting {
                let (i, e) = &admitted[k];
                let cur = last
                    .get_mut(&(e.from.as_str(), e.record.as_str()))
                    .ok_or_else(|| corrupt("judging"))?;
                if e.seq == *cur + 1 {
                    *cur = e.seq;
                    seen.insert(e.id.clone());
                    inbox.push((e, "applied"));
                    judged.apply_order.push(k);
                    judged.outcomes.push((*i, Received::Applied));
                    progress = true;
                } else if e.seq <= *cur {
                    let outcome = match seen.insert(e.id.clone()) {
                        false => Received::Duplicate,
                        true => {
                            inbox.push((e, "stale"));
                            Received::Stale
                        }
                    };
                    judged.outcomes.push((*i, outcome));
                } else {
                    still.push(k);
                }
            }
            if !progress || still.is_empty() {
                break;
            }
            waiting = still;
        }

        // The seqs moved: new records inserted (none may exist now), known ones updated
        // (locked above on PostgreSQL; SQLite has one writer).
        let moved: Vec<((&str, &str), i64, bool)> = records
            .iter()
            .filter_map(|(k, before)| {
                let now = last[k];
                (now > before.unwrap_or(0)).then_some((*k, now, before.is_none()))
            })
            .collect();
        for fresh in [true, false] {
            let rows: Vec<&((&str, &str), i64, bool)> =
                moved.iter().filter(|m| m.2 == fresh).collect();
            for part in rows.chunks(JUDGE_ROWS) {
                let mut sql = Sql::new(
                    dialect,
                    "INSERT INTO link_seqs (direction, peer, record_key, last_seq) VALUES ",
                );
                for (j, ((peer, record), seq, _)) in part.iter().enumerate() {
                    sql.push(if j == 0 { "('in', " } else { ", ('in', " });
                    sql.bind(Val::Text((*peer).to_owned()));
                    sql.push(", ");
                    sql.bind(Val::Text((*record).to_owned()));
                    sql.push(", ");
                    sql.bind(Val::Int(*seq));
                    sql.push(")");
                }
                sql.push(match fresh {
                    true => " ON CONFLICT (direction, peer, record_key) DO NOTHING",
                    false => {
                        " ON CONFLICT (direction, peer, record_key)
                          DO UPDATE SET last_seq = excluded.last_seq"
                    }
                });
                let n = sql.query().execute(&mut **tx).await?.rows_affected();
                if n != part.len() as u64 {
                    return Ok(None);
                }
            }
        }
        for part in inbox.chunks(JUDGE_ROWS) {
            let mut sql = Sql::new(
                dialect,
                "INSERT INTO link_inbox (id, from_locality, kind, record_key, seq, received_at_s, outcome) VALUES ",
            );
            for (j, (e, outcome)) in part.iter().enumerate() {
                sql.push(if j == 0 { "(" } else { ", (" });
                sql.bind(Val::Text(e.id.clone()));
                sql.push(", ");
                sql.bind(Val::Text(e.from.as_str().to_owned()));
                sql.push(", ");
                sql.bind(Val::Text(e.kind.as_str().to_owned()));
                sql.push(", ");
                sql.bind(Val::Text(e.record.clone()));
                sql.push(", ");
                sql.bind(Val::Int(e.seq));
                sql.push(", ");
                sql.bind(Val::Int(at_s));
                sql.push(", ");
                sql.bind(Val::Text((*outcome).to_owned()));
                sql.push(")");
            }
            sql.push(" ON CONFLICT (id) DO NOTHING");
            let n = sql.query().execute(&mut **tx).await?.rows_affected();
            if n != part.len() as u64 {
                return Ok(None);
            }
        }
        Ok(Some(judged))
    }

    /// The guarded run of [`Store::receive_batch`]: each message in a savepoint of its own,
    /// so one whose apply fails leaves no trace while the others are kept.
    async fn receive_batch_guarded<E, F>(
        &self,
        batch: &[&[u8]],
        registry: &Registry,
        at_s: i64,
        apply: &F,
    ) -> std::result::Result<Vec<std::result::Result<Received, E>>, E>
    where
        E: From<StoreError> + Send,
        F: for<'t> Fn(&'t mut LinkTx, &'t Envelope) -> Applying<'t, E> + Send + Sync,
    {
        let savepoint = |sql: &'static str| sqlx::query(sql);
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        let (mut out, mut admitted) = self
            .admit_batch::<E>(&mut tx, batch, registry, at_s)
            .await?;
        // Passes until no message is applied: the ones out of order wait for a predecessor
        // that may be later in the batch.
        loop {
            let mut progress = false;
            let mut waiting = Vec::new();
            for (i, envelope) in admitted {
                savepoint("SAVEPOINT link_msg")
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from)?;
                let got = Self::take_in(&mut tx, &envelope, at_s, apply).await;
                if got.is_err() {
                    savepoint("ROLLBACK TO SAVEPOINT link_msg")
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::from)?;
                }
                savepoint("RELEASE SAVEPOINT link_msg")
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from)?;
                match got {
                    Ok(Received::OutOfOrder) => {
                        out[i] = Some(Ok(Received::OutOfOrder));
                        waiting.push((i, envelope));
                    }
                    got => {
                        progress |= matches!(got, Ok(Received::Applied));
                        out[i] = Some(got);
                    }
                }
            }
            if !progress || waiting.is_empty() {
                break;
            }
            admitted = waiting;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(out
            .into_iter()
            .map(|o| o.unwrap_or(Ok(Received::OutOfOrder)))
            .collect())
    }
    /// Parses and admits a message; a refusal is recorded (in `tx` when given, so a batch's
    /// refusals commit with it) and returned.
    async fn admit_message(
        &self,
        bytes: &[u8],
        registry: &Registry,
        at_s: i64,
        tx: Option<&mut LinkTx>,
    ) -> Result<std::result::Result<Envelope, Refusal>> {
        let refusal = match Envelope::from_bytes(bytes) {
            Ok(envelope) => match registry.admit(&envelope) {
                Ok(()) => return Ok(Ok(envelope)),
                Err(refusal) => refusal,
            },
            Err(why) => Refusal::Malformed(why.to_string()),
        };
        self.record_refusal(bytes, &refusal, at_s, tx).await?;
        Ok(Err(refusal))
    }

    /// Records a refused message in `link_refusals` (in `tx` when given).
    async fn record_refusal(
        &self,
        bytes: &[u8],
        refusal: &Refusal,
        at_s: i64,
        tx: Option<&mut LinkTx>,
    ) -> Result<()> {
        let q =
            sqlx::query("INSERT INTO link_refusals (envelope, reason, at_s) VALUES ($1, $2, $3)")
                .bind(String::from_utf8_lossy(bytes).into_owned())
                .bind(refusal.reason())
                .bind(at_s);
        match tx {
            Some(tx) => q.execute(&mut **tx).await?,
            None => q.execute(&self.pool).await?,
        };
        Ok(())
    }

    /// One admitted message in the receiving transaction: its record's seq moved, its id
    /// recorded, `apply` run. Out of order or a duplicate, nothing is written.
    async fn take_in<E, F>(
        tx: &mut LinkTx,
        envelope: &Envelope,
        at_s: i64,
        apply: F,
    ) -> std::result::Result<Received, E>
    where
        E: From<StoreError> + Send,
        F: for<'t> FnOnce(&'t mut LinkTx, &'t Envelope) -> Applying<'t, E> + Send,
    {
        // The record's last seq moved from seq - 1 to seq, or nothing changed. Its row lock
        // orders concurrent deliveries on PostgreSQL: a second delivery of the same message
        // waits here until the first commits, then finds the seq moved.
        let moved = match envelope.seq {
            1 => sqlx::query(
                "INSERT INTO link_seqs (direction, peer, record_key, last_seq)
                 VALUES ('in', $1, $2, 1) ON CONFLICT (direction, peer, record_key) DO NOTHING",
            )
            .bind(envelope.from.as_str())
            .bind(&envelope.record),
            _ => sqlx::query(
                "UPDATE link_seqs SET last_seq = $3
                 WHERE direction = 'in' AND peer = $1 AND record_key = $2 AND last_seq = $4",
            )
            .bind(envelope.from.as_str())
            .bind(&envelope.record)
            .bind(envelope.seq)
            .bind(envelope.seq - 1),
        }
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from)?
        .rows_affected();

        let inbox = |outcome: &'static str| {
            sqlx::query(
                "INSERT INTO link_inbox (id, from_locality, kind, record_key, seq, received_at_s, outcome)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            )
            .bind(envelope.id.clone())
            .bind(envelope.from.as_str().to_owned())
            .bind(envelope.kind.as_str())
            .bind(envelope.record.clone())
            .bind(envelope.seq)
            .bind(at_s)
            .bind(outcome)
        };

        if moved == 0 {
            let last: i64 = sqlx::query(
                "SELECT last_seq FROM link_seqs
                 WHERE direction = 'in' AND peer = $1 AND record_key = $2",
            )
            .bind(envelope.from.as_str())
            .bind(&envelope.record)
            .fetch_optional(&mut **tx)
            .await
            .map_err(StoreError::from)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(StoreError::from)?
            .unwrap_or(0);
            if envelope.seq > last {
                return Ok(Received::OutOfOrder);
            }
            // This id again, or another message of a seq already applied (kept as stale, so
            // its own repeat is a duplicate).
            let kept = inbox("stale")
                .execute(&mut **tx)
                .await
                .map_err(StoreError::from)?
                .rows_affected();
            return Ok(match kept {
                0 => Received::Duplicate,
                _ => Received::Stale,
            });
        }
        let kept = inbox("applied")
            .execute(&mut **tx)
            .await
            .map_err(StoreError::from)?
            .rows_affected();
        if kept == 0 {
            // The seq moved, yet the id was taken in before: the two tables disagree.
            return Err(corrupt("link_inbox holds an id whose seq was not applied").into());
        }
        apply(tx, envelope).await?;
        Ok(Received::Applied)
    }

    /// Records in the receiving transaction a message taken in but not applied (a kind this
    /// locality has no handler for yet): kept with its id and seq like an applied one, so the
    /// record's later messages are not held back behind it, and visible in `link_refusals`.
    pub async fn set_aside_in(
        &self,
        tx: &mut LinkTx,
        envelope: &Envelope,
        reason: &str,
        at_s: i64,
    ) -> Result<()> {
        let text = String::from_utf8(envelope.to_bytes()).map_err(|_| corrupt("envelope"))?;
        sqlx::query("INSERT INTO link_refusals (envelope, reason, at_s) VALUES ($1, $2, $3)")
            .bind(text)
            .bind(reason)
            .bind(at_s)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Marks a point in the receiving transaction that [`Store::rollback_to_mark_in`] returns
    /// to: a handler's writes are undone when it refuses the message after writing.
    pub async fn mark_in(&self, tx: &mut LinkTx) -> Result<()> {
        sqlx::query("SAVEPOINT link_apply")
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Undoes the receiving transaction's writes since [`Store::mark_in`].
    pub async fn rollback_to_mark_in(&self, tx: &mut LinkTx) -> Result<()> {
        sqlx::query("ROLLBACK TO SAVEPOINT link_apply")
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
