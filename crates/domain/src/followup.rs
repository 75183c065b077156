//! Following a recorded contact day by day (issue #15, item 3): where it stands, the moves
//! between those states, and the checks on what a call or visit records.

use crate::slug_enum;

slug_enum!(
    /// Where the follow-up of one recorded contact stands (`contacts.follow_status`).
    FollowUpStatus {
        /// Recorded by tracing, not reached yet.
        ToReach = "to_reach",
        /// Reached, in its quarantine.
        InQuarantine = "in_quarantine",
        /// Reached, monitoring its health (after quarantine, or with none).
        Monitoring = "monitoring",
        /// Follow-up ended.
        Released = "released",
        /// A positive test made it a case.
        BecameCase = "became_case",
        /// Could not be reached and is no longer looked for in the daily lists.
        Lost = "lost",
    }
);

impl FollowUpStatus {
    /// Still followed: on the daily work lists.
    pub const OPEN: [FollowUpStatus; 3] = [
        FollowUpStatus::ToReach,
        FollowUpStatus::InQuarantine,
        FollowUpStatus::Monitoring,
    ];

    /// Whether the daily work lists carry it.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// Whether follow-up may move from `self` to `next`. Released and became a case are
    /// final; a contact is released only once it was reached (one never reached is lost,
    /// not released); a lost contact found again resumes where its dates put it.
    pub fn can_become(self, next: FollowUpStatus) -> bool {
        use FollowUpStatus::*;
        match (self, next) {
            (Released | BecameCase, _) => false,
            (a, b) if a == b => false,
            (_, BecameCase | Lost) => true,
            (ToReach | Lost, InQuarantine | Monitoring) => true,
            (InQuarantine, Monitoring) => true,
            (InQuarantine | Monitoring, Released) => true,
            _ => false,
        }
    }

    /// The status after a call or visit that reached the contact: in quarantine while its
    /// quarantine lasts, else monitoring. Final states stay (the caller refuses the record).
    pub fn after_reached(self, quarantined_now: bool) -> FollowUpStatus {
        let next = if quarantined_now {
            FollowUpStatus::InQuarantine
        } else {
            FollowUpStatus::Monitoring
        };
        if self.can_become(next) {
            next
        } else {
            self
        }
    }
}

/// Whether a contact may be released on a day ending at `day_end_s`: from the day its
/// follow-up ends (`end_s`, else its quarantine's end). With no end known nothing holds it.
/// No rule in force releases earlier (`data/policies/tracing.toml` has no such item).
pub fn release_allowed(end_s: Option<i64>, day_end_s: i64) -> bool {
    end_s.is_none_or(|e| e <= day_end_s)
}

/// The body temperatures a follow-up may record, in °C: anything outside is a slip of the
/// keyboard (36.5 typed as 365) or of the unit (°F).
pub const TEMPERATURE_C: std::ops::RangeInclusive<f64> = 34.0..=43.0;

#[cfg(test)]
mod tests {
    use super::FollowUpStatus::*;
    use super::*;

    #[test]
    fn every_slug_reads_back() {
        for s in FollowUpStatus::ALL {
            assert_eq!(s.as_str().parse::<FollowUpStatus>(), Ok(*s));
        }
        assert!("quarantine".parse::<FollowUpStatus>().is_err());
    }

    #[test]
    fn final_states_never_move() {
        for next in FollowUpStatus::ALL {
            assert!(!Released.can_become(*next));
            assert!(!BecameCase.can_become(*next));
        }
    }

    #[test]
    fn the_allowed_moves() {
        assert!(ToReach.can_become(InQuarantine));
        assert!(ToReach.can_become(Monitoring));
        assert!(ToReach.can_become(Lost));
        assert!(ToReach.can_become(BecameCase));
        assert!(InQuarantine.can_become(Monitoring));
        assert!(InQuarantine.can_become(Released));
        assert!(Monitoring.can_become(Released));
        assert!(Monitoring.can_become(BecameCase));
        assert!(Lost.can_become(Monitoring));
        assert!(Lost.can_become(BecameCase));
    }

    #[test]
    fn the_refused_moves() {
        // Never reached: lost, not released.
        assert!(!ToReach.can_become(Released));
        assert!(!Lost.can_become(Released));
        // Quarantine does not start again after monitoring.
        assert!(!Monitoring.can_become(InQuarantine));
        assert!(!Monitoring.can_become(ToReach));
        for s in FollowUpStatus::ALL {
            assert!(!s.can_become(*s), "{s} to itself");
            assert!(!s.can_become(ToReach), "{s} back to to_reach");
        }
    }

    #[test]
    fn reaching_a_contact_puts_it_where_its_dates_say() {
        assert_eq!(ToReach.after_reached(true), InQuarantine);
        assert_eq!(ToReach.after_reached(false), Monitoring);
        assert_eq!(InQuarantine.after_reached(true), InQuarantine);
        assert_eq!(InQuarantine.after_reached(false), Monitoring);
        assert_eq!(Monitoring.after_reached(true), Monitoring);
        assert_eq!(Lost.after_reached(false), Monitoring);
        assert_eq!(Released.after_reached(true), Released);
        assert!(ToReach.is_open() && Monitoring.is_open());
        assert!(!Lost.is_open() && !Released.is_open() && !BecameCase.is_open());
    }

    #[test]
    fn release_waits_for_the_end_of_follow_up() {
        assert!(!release_allowed(Some(1_000), 999));
        assert!(release_allowed(Some(1_000), 1_000));
        assert!(release_allowed(None, 0));
    }
}
