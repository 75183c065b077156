use crate::{PersonIdx, VenueIdx};

/// Why input was refused. Nothing is changed when an error is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("visit {at}: check-out {t_out_s} is not after check-in {t_in_s}")]
    NotAfter {
        at: usize,
        t_in_s: i64,
        t_out_s: i64,
    },
    #[error("visit {at}: lasts {dur_s} s, longer than a check-in may last ({max_s} s); clamp a missing check-out before indexing")]
    TooLong { at: usize, dur_s: i64, max_s: i64 },
    #[error(
        "visit {at}: time {t_s} is outside the supported range {min_s}..={max_s} (Unix seconds)"
    )]
    TimeOutOfRange {
        at: usize,
        t_s: i64,
        min_s: i64,
        max_s: i64,
    },
    #[error("item {at}: person {person} is outside 0..{n_people}")]
    PersonOutOfRange {
        at: usize,
        person: PersonIdx,
        n_people: u32,
    },
    #[error("visit {at}: venue {venue} is outside 0..{n_venues}")]
    VenueOutOfRange {
        at: usize,
        venue: VenueIdx,
        n_venues: u32,
    },
    #[error("{len} visits exceed the index's capacity of {max}")]
    TooMany { len: usize, max: usize },
    #[error("group {at} has {len} members, more than {max}")]
    GroupTooLarge { at: usize, len: usize, max: usize },
}

impl TraceError {
    /// The same error at another position (a per-visit check's error placed in its batch).
    pub fn at(self, position: usize) -> TraceError {
        use TraceError::*;
        match self {
            NotAfter {
                t_in_s, t_out_s, ..
            } => NotAfter {
                at: position,
                t_in_s,
                t_out_s,
            },
            TooLong { dur_s, max_s, .. } => TooLong {
                at: position,
                dur_s,
                max_s,
            },
            TimeOutOfRange {
                t_s, min_s, max_s, ..
            } => TimeOutOfRange {
                at: position,
                t_s,
                min_s,
                max_s,
            },
            PersonOutOfRange {
                person, n_people, ..
            } => PersonOutOfRange {
                at: position,
                person,
                n_people,
            },
            VenueOutOfRange {
                venue, n_venues, ..
            } => VenueOutOfRange {
                at: position,
                venue,
                n_venues,
            },
            GroupTooLarge { len, max, .. } => GroupTooLarge {
                at: position,
                len,
                max,
            },
            TooMany { len, max } => TooMany { len, max },
        }
    }
}
