//! How much one account may send in a window of time: a fixed window per account, in memory
//! (one process serves a locality). It bounds what a stolen or misused account can write,
//! not what a working device needs.

use std::collections::HashMap;
use std::sync::Mutex;

/// Items per account per window.
#[derive(Debug)]
pub struct Quota {
    limit: u64,
    window_s: i64,
    used: Mutex<HashMap<i64, (i64, u64)>>,
}

impl Quota {
    pub fn new(limit: u64, window_s: i64) -> Quota {
        Quota {
            limit,
            window_s,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `n` items from `account`'s allowance at `now_s`; false (and nothing taken) when
    /// they do not fit in what is left of the window.
    pub fn take(&self, account: i64, n: u64, now_s: i64) -> bool {
        let window = now_s.div_euclid(self.window_s.max(1));
        let mut used = match self.used.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Old windows are forgotten so the map stays the size of the active accounts.
        if used.len() > 10_000 {
            used.retain(|_, (w, _)| *w == window);
        }
        let entry = used.entry(account).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1.saturating_add(n) > self.limit {
            return false;
        }
        entry.1 += n;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_gets_its_limit_per_window_and_no_more() {
        let q = Quota::new(10, 3600);
        assert!(q.take(1, 6, 0));
        assert!(!q.take(1, 5, 10));
        assert!(q.take(1, 4, 20));
        assert!(!q.take(1, 1, 3599));
        assert!(q.take(2, 10, 30), "another account has its own");
        assert!(q.take(1, 10, 3600), "a new window");
    }
}
