//! chongdich's application layer: the use cases and the state they share.
//!
//! The edges — the JSON API and the pages (`web`), the CLI (`chongdich`), and later imports
//! and message consumers — parse their input into domain types once and call this crate;
//! it knows nothing of HTTP. It owns the tracing index (`contact_index`), the rules with
//! the locality's overrides (`rules`), the unit registry (`registry`), the locality's clock
//! (`App::now_s`, `local_time`), risk assessment and publishing (`risk`), the forecast's
//! wiring (`forecast`) and the background jobs (`jobs`).

pub mod clusters;
pub mod contact_index;
pub mod forecast;
pub mod jobs;
pub mod local_time;
pub mod registry;
pub mod risk;
pub mod rules;
pub mod tracing;

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
    /// Seconds added to the system clock to get the locality's "now". Zero in production;
    /// a demo of a 2021 outbreak runs its clock from the end of the simulated period.
    pub clock_offset_s: i64,
    /// Changes made through this process: what kept figures are computed under
    /// (`store::kept`).
    pub changes: Arc<store::kept::Changes>,
    /// The clusters of the last computation (`clusters::Memo`).
    pub clusters: Arc<clusters::Memo>,
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
            clock_offset_s: 0,
            changes: Arc::default(),
            clusters: Arc::default(),
        })
    }

    /// The locality's current time, Unix seconds.
    pub fn now_s(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.clock_offset_s
    }
}
