//! The contact-tracing engine: who was near a case (F0), when, where, and why we think so.
//!
//! Pure and in memory: the caller (the store) hands in check-ins as [`Visit`]s with dense
//! person and venue numbers, plus households and declared contacts as adjacency lists. The
//! engine knows nothing of SQL, HTTP or database ids; the index is a cache, the database is
//! the truth.
//!
//! # Definitions (see `shared/domain/RULES.md`)
//! - **F1** of an F0 with infectious window `[from, to]`: every person co-present with the F0
//!   at a venue inside that window for an overlap `> 0` and `>=` the venue's minimum (15 min
//!   by default, per venue kind overridable, 0 for unmasked settings), plus the F0's household
//!   members and declared contacts (declared inside the window).
//! - **F2**: the same relation from each F1, over the window from the F1's first exposure to
//!   the F0 until the F1's isolation (given by the caller, else first exposure +
//!   [`Rules::f1_isolation_default_s`]). A person is listed once, at its lowest degree; the F0
//!   is never its own contact.
//! - A **stay** is a person's presence at a venue: its check-ins there, with overlapping or
//!   touching ones merged into their union. The same visit scanned twice (two devices,
//!   10:00–10:30 and 10:05–10:35) is one 35-minute stay, not an hour.
//! - Co-presence is judged **per pair of stays**: two separate 10-minute encounters at one
//!   venue do not add up to one 15-minute contact. Every qualifying pair is one [`Reason`].
//!
//! # Back of the envelope (50 M check-ins, 10 M people, 500 k venues)
//! - Index: 12 B per check-in on the venue side (person, t_in, t_out as `u32`), 8 B on the
//!   person side (position + venue), offsets 4 B per person and 8 B per venue: ~21 B per
//!   check-in, ~1 GB.
//! - One F1 query: the F0's few visits in the window; per visit one binary search in the
//!   venue's time-sorted run (≤ 20 probes) and a scan of the visits that can overlap, bounded
//!   below by the venue's longest visit. A few thousand 4-byte reads: microseconds.
//! - F2 repeats that for every F1 (bounded by [`Rules::max_frontier`]); all work is bounded by
//!   [`Rules::max_scanned`], so a pathological query is truncated, never unbounded.
#![forbid(unsafe_code)]

mod cluster;
mod error;
mod index;
mod links;
mod live;
mod query;

pub use cluster::{
    clusters, clusters_by_incubation, clusters_with, CaseOnset, Cluster, LinkRule, UnionFind,
    DEFAULT_VENUE_GAP_S,
};
pub use error::TraceError;
pub use index::{check_visit, Index, MAX_VISITS, MAX_VISIT_S, T_MAX_S, T_MIN_S};
pub use links::{Adjacency, Declared, DeclaredContact, DeclaredEdge, Isolation, MAX_GROUP};
pub use live::Live;
pub use query::{
    trace, trace_batch, CaseQuery, Contact, Reason, Rules, Traced, Tracer, MAX_ALSO_VIA, MAX_DEPTH,
    MAX_REASONS,
};

/// A person, numbered densely `0..n_people` by the caller (which maps database ids).
pub type PersonIdx = u32;
/// A venue, numbered densely `0..n_venues` by the caller.
pub type VenueIdx = u32;

/// One check-in: a person present at a venue during `[t_in_s, t_out_s)`, Unix seconds (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Visit {
    pub person: PersonIdx,
    pub venue: VenueIdx,
    pub t_in_s: i64,
    pub t_out_s: i64,
}
