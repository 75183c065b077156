//! Check-ins at venues: which times a check-in may have, and storing a batch with the
//! tracing index kept in step.

use domain::{FieldError, Reason};
use store::{Caller, CheckinItem, Ingested, StoreError};

use crate::App;

/// The longest stay one check-in may record: a visit beyond a day is a forgotten check-out.
pub const MAX_STAY_S: i64 = trace::MAX_VISIT_S;

/// The times a check-in may have, as of a moment of the locality's clock: from the start of
/// the retention window of the tracing rule (a check-in older than that would be deleted at
/// once, and is of no use for tracing) to a little past now. Every stored check-in then lies
/// in a range the tracing index can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckinWindow {
    pub from_s: i64,
    pub to_s: i64,
}

impl CheckinWindow {
    pub fn at(policies: &domain::policy::Policies, now_s: i64) -> CheckinWindow {
        CheckinWindow {
            from_s: now_s - crate::jobs::checkin_retention_s(policies, now_s),
            to_s: now_s + domain::time::CLOCK_SKEW_S,
        }
    }

    pub fn holds(&self, t_s: i64) -> bool {
        (self.from_s..=self.to_s).contains(&t_s)
    }
}

/// Checks a check-in's times: entry within `window`, exit after entry and at most
/// [`MAX_STAY_S`] later. Errors name `t_in` and `t_out`.
pub fn check_times(
    t_in_s: Option<i64>,
    t_out_s: Option<i64>,
    window: CheckinWindow,
    errors: &mut Vec<FieldError>,
) {
    if t_in_s.is_some_and(|t| !window.holds(t)) {
        errors.push(FieldError::new("t_in", Reason::OutOfRange));
    }
    if let (Some(a), Some(b)) = (t_in_s, t_out_s) {
        if b <= a || b - a > MAX_STAY_S {
            errors.push(FieldError::new("t_out", Reason::OutOfRange));
        }
    }
}

/// The stay of a check-in without a time out under `policies` (see [`App::default_stay_s`]).
pub fn default_stay_s(policies: &domain::policy::Policies, t_in_s: i64) -> i64 {
    let date = crate::local_time::local_date(t_in_s);
    policies
        .tracing_nearest(date)
        .map_or(0, |r| r.default_stay_min.value)
        * 60
}

impl App {
    /// The times a check-in may have now.
    pub fn checkin_window(&self) -> CheckinWindow {
        CheckinWindow::at(&self.policies, self.now_s())
    }

    /// The stay of a check-in without a time out: the default stay of the tracing rule of its
    /// date (outside every tracing period, the nearest rule's still bounds it).
    pub fn default_stay_s(&self, t_in_s: i64) -> i64 {
        default_stay_s(&self.policies, t_in_s)
    }

    /// Stores the checked items of a batch in one transaction, answering each, and adds the
    /// stored visits to the tracing index before returning: stored means traceable.
    /// `recorded_at_s` is the wall-clock time of the request.
    pub async fn ingest_checkins(
        &self,
        caller: &Caller,
        items: &[CheckinItem],
        recorded_at_s: i64,
    ) -> Result<Ingested, StoreError> {
        let ingested = self
            .store
            .ingest_checkins(caller, items, |t| self.default_stay_s(t), recorded_at_s)
            .await?;
        if let Err(e) = self.contacts.add(&ingested.stored) {
            // The rows are committed; the next rebuild (start-up) indexes them.
            tracing::error!(
                "tracing index did not take {} new check-ins: {e}",
                ingested.stored.len()
            );
        }
        Ok(ingested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_outside_the_window_or_too_long_are_refused() {
        let w = CheckinWindow {
            from_s: 1_000,
            to_s: 2_000,
        };
        let mut errors = Vec::new();
        check_times(Some(1_500), Some(1_600), w, &mut errors);
        assert!(errors.is_empty());
        check_times(Some(999), None, w, &mut errors);
        assert_eq!(errors.pop().map(|e| e.field), Some("t_in".into()));
        check_times(Some(1_500), Some(1_500), w, &mut errors);
        assert_eq!(errors.pop().map(|e| e.field), Some("t_out".into()));
        check_times(Some(1_500), Some(1_500 + MAX_STAY_S + 1), w, &mut errors);
        assert_eq!(errors.pop().map(|e| e.field), Some("t_out".into()));
        check_times(Some(1_500), Some(1_500 + MAX_STAY_S), w, &mut errors);
        assert!(errors.is_empty());
    }
}
