//! Shares learnt from a locality's own records, with a prior where they are few.
//!
//! The shares of `k` categories (severity classes; home care or not) are given a Dirichlet
//! prior centred on the policy's shares `p` with a weight of `w` pseudo-observations. After
//! `n_i` observations of category i (n in all) the posterior mean is
//!
//! ```text
//! share_i = (n_i + w · p_i) / (n + w)
//! ```
//!
//! the observed share weighted `n / (n + w)` and the prior `w / (n + w)`: with few
//! observations the prior dominates, with many the locality's own mix does. `w = 0` takes
//! the observed shares whenever there is one observation.

use crate::ForecastError;

/// Most categories.
pub const MAX_CATEGORIES: usize = 16;
/// Largest prior weight, in pseudo-observations.
pub const MAX_PRIOR_WEIGHT: f64 = 1e6;

/// The shares used, and what they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Blend {
    /// Posterior mean shares, in the order of the input (sum 1).
    pub shares: Vec<f64>,
    /// The shares observed (`counts / n`); `None` without observations.
    pub observed: Option<Vec<f64>>,
    /// Observations (n).
    pub n: u64,
    /// Weight of the observed shares in the blend: n / (n + w).
    pub observed_weight: f64,
}

/// The posterior mean shares under a Dirichlet(`prior_weight` · `prior`) prior after `counts`.
/// `prior` must be shares (each in 0..=1, sum 1) and `counts` as many as `prior`.
pub fn blend(prior: &[f64], prior_weight: f64, counts: &[u64]) -> Result<Blend, ForecastError> {
    let bad = |why: &str| Err(ForecastError::Config(why.into()));
    if prior.is_empty() || prior.len() > MAX_CATEGORIES {
        return bad("1 to 16 categories");
    }
    if counts.len() != prior.len() {
        return bad("as many counts as prior shares");
    }
    if prior.iter().any(|p| !(0.0..=1.0).contains(p))
        || (prior.iter().sum::<f64>() - 1.0).abs() > 1e-6
    {
        return bad("prior shares must be in 0..=1 and sum to 1");
    }
    if !(0.0..=MAX_PRIOR_WEIGHT).contains(&prior_weight) {
        return bad("prior weight must be 0 to 1e6 observations");
    }
    let n: u64 = counts.iter().sum();
    let total = n as f64 + prior_weight;
    let (shares, observed_weight) = if total > 0.0 {
        let shares = counts
            .iter()
            .zip(prior)
            .map(|(&c, p)| (c as f64 + prior_weight * p) / total)
            .collect();
        (shares, n as f64 / total)
    } else {
        // No observations and no weight: nothing but the prior to go on.
        (prior.to_vec(), 0.0)
    };
    let observed = (n > 0).then(|| {
        counts
            .iter()
            .map(|&c| c as f64 / n as f64)
            .collect::<Vec<_>>()
    });
    Ok(Blend {
        shares,
        observed,
        n,
        observed_weight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: [f64; 5] = [0.40, 0.45, 0.10, 0.04, 0.01];

    #[test]
    fn many_mild_cases_outweigh_the_prior() {
        // The demo's mix: 3,765 cases, of which 59 moderate, 50 severe, 24 critical.
        let counts = [1_500, 2_132, 59, 50, 24];
        let b = blend(&POLICY, 200.0, &counts).unwrap();
        assert_eq!(b.n, 3_765);
        assert!((b.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((b.observed_weight - 3_765.0 / 3_965.0).abs() < 1e-12);
        // Severe and critical: (74 + 200 · 0.05) / 3965 ≈ 2.1%, not the policy's 5%.
        let icu = b.shares[3] + b.shares[4];
        assert!((icu - 84.0 / 3_965.0).abs() < 1e-12, "{icu}");
        let seen = b.observed.unwrap();
        assert!((seen[2] - 59.0 / 3_765.0).abs() < 1e-12);
    }

    #[test]
    fn few_cases_leave_the_prior_in_charge() {
        // Three mild cases: 3 / 203 of the weight; moderate stays near the policy's 10%.
        let b = blend(&POLICY, 200.0, &[0, 3, 0, 0, 0]).unwrap();
        assert!((b.shares[2] - 20.0 / 203.0).abs() < 1e-12);
        assert!(b.observed_weight < 0.02);
        // None at all: the prior exactly.
        let none = blend(&POLICY, 200.0, &[0; 5]).unwrap();
        assert_eq!(none.shares, POLICY.to_vec());
        assert!(none.observed.is_none());
        assert_eq!(none.observed_weight, 0.0);
        // No weight: the observed shares.
        let raw = blend(&POLICY, 0.0, &[1, 1, 0, 0, 2]).unwrap();
        assert_eq!(raw.shares, vec![0.25, 0.25, 0.0, 0.0, 0.5]);
        assert_eq!(
            blend(&POLICY, 0.0, &[0; 5]).unwrap().shares,
            POLICY.to_vec()
        );
    }

    #[test]
    fn bad_inputs_are_refused() {
        assert!(blend(&POLICY, 200.0, &[1, 2]).is_err());
        assert!(blend(&[0.5, 0.6], 1.0, &[0, 0]).is_err());
        assert!(blend(&POLICY, -1.0, &[0; 5]).is_err());
        assert!(blend(&POLICY, f64::NAN, &[0; 5]).is_err());
        assert!(blend(&[], 1.0, &[]).is_err());
    }
}
