//! Single check-ins from many phones, group-committed: each request's one item waits for a
//! writer task, which takes everything waiting (up to [`CheckinGroups::max`]) and stores it
//! in ONE transaction, through the same store path as [`App::ingest_checkins`]. A commit
//! (an fsync) per request bounds a database to a few hundred writes a second; a commit per
//! group costs the same fsync for a thousand. Every caller is answered only after the
//! commit and after the tracing index took the rows: acknowledged = durable = traceable.

use std::sync::{Arc, OnceLock};

use domain::policy::Policies;
use store::{Caller, CheckinItem, Ingested, ItemOutcome, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::contact_index::ContactIndex;
use crate::App;

/// Items one group may hold by default: large enough that a group's commit is amortised
/// over many requests, small enough that the group's planning and insert stay short.
pub const GROUP_MAX: usize = 1_000;

/// Why a single check-in was not answered by the store.
#[derive(Debug, thiserror::Error)]
pub enum CheckinError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The writer task is gone (the runtime is shutting down).
    #[error("the check-in writer has stopped")]
    Stopped,
}

/// The group writer of an [`App`]: how many items a group may hold, and the queue to the
/// writer task, started on the first check-in (so an `App` that takes none starts nothing).
#[derive(Debug)]
pub struct CheckinGroups {
    max: usize,
    queue: OnceLock<mpsc::Sender<Job>>,
}

impl Default for CheckinGroups {
    fn default() -> CheckinGroups {
        CheckinGroups::new(GROUP_MAX)
    }
}

impl CheckinGroups {
    /// Groups of at most `max` items (clamped to the store's batch limit); `max` ≤ 1 turns
    /// grouping off: each check-in is its own transaction, in its own request.
    pub fn new(max: usize) -> CheckinGroups {
        CheckinGroups {
            max: max.min(store::CHECKIN_BATCH_MAX),
            queue: OnceLock::new(),
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

/// One waiting check-in and where its answer goes.
#[derive(Debug)]
struct Job {
    caller: Caller,
    item: CheckinItem,
    recorded_at_s: i64,
    answer: oneshot::Sender<Result<ItemOutcome, CheckinError>>,
}

/// What the writer needs of the application. It holds no `App`: an `App` holds the queue's
/// sender, so the task ends when the last `App` clone is dropped (its queue closes).
struct Writer {
    store: Store,
    policies: Arc<Policies>,
    contacts: Arc<ContactIndex>,
}

impl App {
    /// Groups single check-ins into transactions of at most `max` items (`max` ≤ 1: one
    /// transaction per check-in). Set before the first check-in; a writer already started
    /// keeps serving the clones that hold it.
    pub fn set_checkin_group_max(&mut self, max: usize) {
        self.checkin_groups = Arc::new(CheckinGroups::new(max));
    }

    /// Stores ONE check-in, checked as [`App::ingest_checkins`] checks each item of a batch
    /// (the caller's scope over the venue, the person, the device's id once per
    /// submitter), grouped with other requests' check-ins into one transaction. The answer
    /// comes after the commit and after the tracing index took the row.
    pub async fn checkin_one(
        &self,
        caller: &Caller,
        item: CheckinItem,
        recorded_at_s: i64,
    ) -> Result<ItemOutcome, CheckinError> {
        let groups = &self.checkin_groups;
        if groups.max <= 1 {
            let ingested = self
                .ingest_checkins(caller, std::slice::from_ref(&item), recorded_at_s)
                .await?;
            return ingested
                .outcomes
                .into_iter()
                .next()
                .ok_or(CheckinError::Stopped);
        }
        let queue = groups.queue.get_or_init(|| {
            // Room for a few groups: beyond that a request waits to be queued (backpressure)
            // rather than the queue growing without bound.
            let (send, recv) = mpsc::channel(groups.max * 4);
            let writer = Writer {
                store: self.store.clone(),
                policies: self.policies.clone(),
                contacts: self.contacts.clone(),
            };
            tokio::spawn(writer.run(recv, groups.max));
            send
        });
        let (answer, answered) = oneshot::channel();
        queue
            .send(Job {
                caller: caller.clone(),
                item,
                recorded_at_s,
                answer,
            })
            .await
            .map_err(|_| CheckinError::Stopped)?;
        answered.await.map_err(|_| CheckinError::Stopped)?
    }
}

impl Writer {
    async fn run(self, mut queue: mpsc::Receiver<Job>, max: usize) {
        let mut jobs = Vec::with_capacity(max);
        // No timer: a group is whatever arrived while the last one was being written, so a
        // lone check-in is written at once and a busy server writes large groups.
        while queue.recv_many(&mut jobs, max).await > 0 {
            self.write(std::mem::take(&mut jobs)).await;
            jobs.reserve(max);
        }
    }

    fn default_stay_s(&self, t_in_s: i64) -> i64 {
        crate::checkins::default_stay_s(&self.policies, t_in_s)
    }

    /// Writes one group and answers its members.
    async fn write(&self, jobs: Vec<Job>) {
        // One batch per caller (same account, same scope): each keeps its own scope check,
        // submitter and audit row, and a device's resent id is seen as the same check-in.
        let mut batches: Vec<(Caller, Vec<usize>)> = Vec::new();
        for (k, job) in jobs.iter().enumerate() {
            match batches
                .iter_mut()
                .find(|(c, _)| same_caller(c, &job.caller))
            {
                Some((_, members)) => members.push(k),
                None => batches.push((job.caller.clone(), vec![k])),
            }
        }
        let items: Vec<Vec<CheckinItem>> = batches
            .iter()
            .map(|(_, m)| m.iter().map(|&k| jobs[k].item.clone()).collect())
            .collect();
        let args: Vec<(&Caller, &[CheckinItem])> = batches
            .iter()
            .zip(&items)
            .map(|((c, _), i)| (c, i.as_slice()))
            .collect();
        // The request times differ by milliseconds; the group's is its earliest.
        let recorded_at_s = jobs.iter().map(|j| j.recorded_at_s).min().unwrap_or(0);
        let grouped = self
            .store
            .ingest_checkin_groups(&args, |t| self.default_stay_s(t), recorded_at_s)
            .await;
        match grouped {
            Ok(done) => {
                let stored: Vec<store::VisitRow> =
                    done.iter().flat_map(|d| d.stored.iter().copied()).collect();
                self.index(&stored);
                let mut answers: Vec<Option<ItemOutcome>> = vec![None; jobs.len()];
                for ((_, members), d) in batches.iter().zip(done) {
                    for (&k, outcome) in members.iter().zip(d.outcomes) {
                        answers[k] = Some(outcome);
                    }
                }
                for (job, outcome) in jobs.into_iter().zip(answers) {
                    // A caller that went away (its request was cancelled) needs no answer.
                    let _ = job.answer.send(outcome.ok_or(CheckinError::Stopped));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some(job) = jobs.into_iter().next() {
                    let _ = job.answer.send(Err(e.into()));
                }
            }
            Err(e) => {
                // One member must not fail the others: each is tried again alone.
                tracing::warn!(
                    "a group of {} check-ins failed ({e}); retrying one by one",
                    jobs.len()
                );
                for job in jobs {
                    let answer = self
                        .store
                        .ingest_checkins(
                            &job.caller,
                            std::slice::from_ref(&job.item),
                            |t| self.default_stay_s(t),
                            job.recorded_at_s,
                        )
                        .await
                        .map(|Ingested { outcomes, stored }| {
                            self.index(&stored);
                            outcomes.into_iter().next()
                        });
                    let _ = job.answer.send(match answer {
                        Ok(Some(o)) => Ok(o),
                        Ok(None) => Err(CheckinError::Stopped),
                        Err(e) => Err(e.into()),
                    });
                }
            }
        }
    }

    fn index(&self, stored: &[store::VisitRow]) {
        if let Err(e) = self.contacts.add(stored) {
            // The rows are committed; the next rebuild (start-up) indexes them.
            tracing::error!(
                "tracing index did not take {} new check-ins: {e}",
                stored.len()
            );
        }
    }
}

/// Whether two callers may share one batch: the same account seen with the same scope
/// (the store checks the scope and audits per batch).
fn same_caller(a: &Caller, b: &Caller) -> bool {
    a.user.id == b.user.id && a.user.username == b.user.username && a.scope == b.scope
}
