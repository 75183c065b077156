//! chongdich's application layer: the use cases and the state they share.
//!
//! The edges — the JSON API and the pages (`web`), the CLI (`chongdich`), and later imports
//! and message consumers — parse their input into domain types once and call this crate;
//! it knows nothing of HTTP. It owns the tracing index (`contact_index`), the rules with
//! the locality's overrides (`rules`), the unit registry (`registry`), the locality's clock
//! (`App::now_s`, `local_time`), risk assessment and publishing (`risk`), the forecast's
//! wiring (`forecast`) and the background jobs (`jobs`).

pub mod aid;
pub mod auth;
pub mod boundaries;
pub mod capacity;
pub mod care;
pub mod care_away;
pub mod case_batch;
pub mod cases;
pub mod checkin_group;
pub mod checkins;
pub mod citizen;
pub mod clock;
pub mod clusters;
pub mod contact_index;
pub mod exposures;
pub mod fhir_in;
pub mod fhir_out;
pub mod followup;
pub mod forecast;
pub mod gift;
pub mod handover;
pub mod import;
pub mod input;
pub mod jobs;
pub mod letters;
pub mod link;
pub mod local_time;
pub mod national;
pub mod persons;
pub mod referral;
pub mod registry;
pub mod report;
pub mod risk;
pub mod rules;
pub mod share;
pub mod tracing;
pub mod vaccination;
pub mod venues;

use std::sync::Arc;

use domain::policy::{Policies, PolicyError};

/// The application: what every use case can reach. Cheap to clone (shared parts).
#[derive(Clone)]
pub struct App {
    pub store: store::Store,
    /// The rules in force by date (`data/policies`).
    pub policies: Arc<Policies>,
    /// The tracing engine's in-memory index of check-ins and links.
    pub contacts: Arc<contact_index::ContactIndex>,
    /// Risk-level and care rules with the locality's overrides.
    pub rules: Arc<rules::RuleSet>,
    /// The locality's clock (`clock`): the real time in production; a demo of a 2021
    /// outbreak runs it from the end of the simulated period.
    pub clock: clock::LocalityClock,
    /// Changes made through this process: what kept figures are computed under
    /// (`store::kept`).
    pub changes: Arc<store::kept::Changes>,
    /// The clusters of the last computation (`clusters::Memo`).
    pub clusters: Arc<clusters::Memo>,
    /// Pause before answering a failed sign-in (`domain::auth::login_failure_delay_ms`).
    /// Only tests that are not about the pause turn it off.
    pub slow_failed_logins: bool,
    /// Argon2 verifications run by sign-ins (tests count them against the limits).
    pub password_checks: Arc<std::sync::atomic::AtomicU64>,
    /// Notified after a change wrote to the link outbox (`Store::enqueue_in`): the linked
    /// localities' relay (`link::LinkRuntime`) publishes at once instead of at its next poll.
    pub link_wake: Arc<tokio::sync::Notify>,
    /// This locality's link to others (issue #17): `None` (the default) for a locality on
    /// its own, which refers no contact anywhere.
    pub link: Option<Arc<referral::LinkSetup>>,
    /// Single check-ins grouped into transactions (`checkin_group`).
    pub checkin_groups: Arc<checkin_group::CheckinGroups>,
    /// The citizen tokens' secret, read once (`citizen::App::citizen_secret`): every scan
    /// and every staff check-in batch needs it.
    pub citizen_secret: Arc<tokio::sync::OnceCell<domain::citizen_token::Secret>>,
}

impl App {
    /// The application over `store` with the embedded rules and an empty tracing index
    /// (`contact_index::ContactIndex::rebuild` fills it).
    pub fn new(store: store::Store) -> Result<App, PolicyError> {
        Ok(App {
            store,
            policies: Arc::new(Policies::embedded()?),
            contacts: Arc::new(contact_index::ContactIndex::empty()),
            rules: Arc::new(rules::RuleSet::embedded()?),
            clock: clock::LocalityClock::real(),
            changes: Arc::default(),
            clusters: Arc::default(),
            slow_failed_logins: true,
            password_checks: Arc::default(),
            link_wake: Arc::default(),
            link: None,
            checkin_groups: Arc::default(),
            citizen_secret: Arc::default(),
        })
    }

    /// Links this locality to others: tracing refers contacts living in a linked
    /// locality to it, and follow-up of contacts referred here reports back.
    pub fn set_link(&mut self, setup: Option<referral::LinkSetup>) {
        self.link = setup.map(Arc::new);
    }

    /// The locality's current time, Unix seconds (`clock::LocalityClock`).
    pub fn now_s(&self) -> i64 {
        self.clock.now_s()
    }

    /// The locality's date now.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// The application over a migrated `store`, ready to serve: the locality's clock (a
    /// simulated locality keeps its own "now", `meta.clock_as_of_s`), the locality's policy
    /// overrides applied, and the tracing index built from the stored check-ins.
    pub async fn open(store: store::Store) -> Result<(App, Opened), OpenError> {
        let mut app = App::new(store.clone())?;
        if let Some(clock) = store.meta("clock_as_of_s").await? {
            let as_of: i64 = clock.parse().map_err(|_| OpenError::Clock(clock))?;
            app.clock = clock::LocalityClock::reading(as_of);
        }
        let overrides = app.rules.load(&store).await?;
        let started = std::time::Instant::now();
        let index = app.contacts.rebuild(&store).await?;
        Ok((
            app,
            Opened {
                overrides,
                index,
                index_s: started.elapsed().as_secs_f64(),
            },
        ))
    }
}

/// What opening the application found.
#[derive(Debug)]
pub struct Opened {
    /// Local policy overrides applied.
    pub overrides: usize,
    /// The tracing index: check-ins held, and those skipped (a row it cannot hold is
    /// skipped and counted, never a reason not to start).
    pub index: contact_index::Rebuilt,
    /// Seconds the index took to build.
    pub index_s: f64,
}

/// Why the application could not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("loading the policies: {0}")]
    Policies(#[from] PolicyError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("malformed clock_as_of_s {0:?}")]
    Clock(String),
    #[error("applying the locality's policy overrides: {0}")]
    Overrides(#[from] rules::RuleError),
    #[error("building the tracing index: {0}")]
    Index(#[from] contact_index::IndexError),
}
