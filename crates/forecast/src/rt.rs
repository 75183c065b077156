//! R(t), the time-varying reproduction number, by the method of Cori et al. (2013), as the
//! R package EpiEstim and the Python package epyestim compute it.
//!
//! With incidence I_s and the discretised serial interval w_k (k ≥ 1 days), the total
//! infectiousness is Λ_s = Σ_k w_k I_{s−k}. Under a gamma prior (shape a, scale b) on R, constant
//! over a window of τ days ending on day t, the posterior is
//! Gamma(a + Σ I_s, 1 / (1/b + Σ Λ_s)), both sums over the window.

use crate::gamma::QuantileCache;
use crate::ForecastError;

/// Longest serial interval accepted, in days (the distribution is cut there).
pub const MAX_LAG_DAYS: usize = 60;
/// Longest sliding window accepted, in days.
pub const MAX_WINDOW_DAYS: usize = 56;

/// A discretised serial interval: `probs[k − 1]` is the probability of a lag of `k` days,
/// k ≥ 1 (lag 0 has no mass, as in EpiEstim). Sums to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct SerialInterval {
    probs: Vec<f64>,
}

impl SerialInterval {
    /// Checks the vector: 1..=[`MAX_LAG_DAYS`] finite non-negative values summing to 1 ± 1e-6.
    pub fn new(probs: Vec<f64>) -> Result<SerialInterval, ForecastError> {
        let bad = |why: &str| ForecastError::SerialInterval(why.to_owned());
        if probs.is_empty() || probs.len() > MAX_LAG_DAYS {
            return Err(bad("needs between 1 and 60 lags"));
        }
        if probs.iter().any(|p| !p.is_finite() || *p < 0.0) {
            return Err(bad("probabilities must be finite and non-negative"));
        }
        let sum: f64 = probs.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(bad("probabilities must sum to 1"));
        }
        Ok(SerialInterval { probs })
    }

    /// Probabilities for lags 1, 2, … days.
    pub fn probs(&self) -> &[f64] {
        &self.probs
    }

    /// Mean serial interval in days.
    pub fn mean_days(&self) -> f64 {
        self.probs
            .iter()
            .enumerate()
            .map(|(i, p)| (i + 1) as f64 * p)
            .sum()
    }
}

/// The prior and window of the estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoriConfig {
    /// Gamma prior on R: shape (EpiEstim's default 1).
    pub prior_shape: f64,
    /// Gamma prior on R: scale (EpiEstim's default 5, so a prior mean of 5 and sd of 5:
    /// vague enough for the data to dominate once a window holds a dozen cases).
    pub prior_scale: f64,
    pub window_days: usize,
    /// Lower and upper credible quantiles.
    pub quantiles: [f64; 2],
}

impl Default for CoriConfig {
    fn default() -> CoriConfig {
        CoriConfig {
            prior_shape: 1.0,
            prior_scale: 5.0,
            window_days: 7,
            quantiles: [0.025, 0.975],
        }
    }
}

impl CoriConfig {
    fn check(&self) -> Result<(), ForecastError> {
        let bad = |why: &str| Err(ForecastError::Config(why.to_owned()));
        if !(self.prior_shape > 0.0 && self.prior_shape.is_finite()) {
            return bad("prior shape must be positive");
        }
        if !(self.prior_scale > 0.0 && self.prior_scale.is_finite()) {
            return bad("prior scale must be positive");
        }
        if self.window_days == 0 || self.window_days > MAX_WINDOW_DAYS {
            return bad("window must be 1 to 56 days");
        }
        let [lo, hi] = self.quantiles;
        if !(0.0 < lo && lo < hi && hi < 1.0) {
            return bad("quantiles must satisfy 0 < lower < upper < 1");
        }
        Ok(())
    }
}

/// The posterior of R over one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RtEstimate {
    /// Index (into the incidence series) of the window's last day.
    pub end_day: usize,
    /// Posterior gamma shape (prior shape + cases in the window).
    pub shape: f64,
    /// Posterior gamma scale.
    pub scale: f64,
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
    /// Σ Λ over the window: how much infectiousness the estimate rests on. Near 0 the
    /// posterior is the prior; EpiEstim advises waiting for ~12 cumulative cases.
    pub infectiousness: f64,
}

impl RtEstimate {
    /// A gamma posterior for the projections.
    pub fn posterior(&self) -> GammaPosterior {
        GammaPosterior {
            shape: self.shape,
            scale: self.scale,
        }
    }
}

/// A gamma distribution given by shape and scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaPosterior {
    pub shape: f64,
    pub scale: f64,
}

/// Λ_t = Σ_k w_k I_{t−k} for every day (0 on day 0), written into `out`.
fn infectiousness(incidence: &[u32], si: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.extend(incidence.iter().enumerate().map(|(t, _)| {
        let lags = si.len().min(t);
        (1..=lags)
            .map(|k| si[k - 1] * f64::from(incidence[t - k]))
            .sum::<f64>()
    }));
}

/// R(t) for every window of `cfg.window_days` days ending on day `window_days − 1` and later,
/// as epyestim's `estimate_r` (its first window includes day 0; EpiEstim's default starts on
/// day 1, which only changes the first windows' shape by I_0).
pub fn estimate_rt(
    incidence: &[u32],
    si: &SerialInterval,
    cfg: &CoriConfig,
) -> Result<Vec<RtEstimate>, ForecastError> {
    cfg.check()?;
    let mut cache = QuantileCache::new(cfg.prior_shape, cfg.quantiles);
    let mut lambda = Vec::with_capacity(incidence.len());
    let mut out = Vec::with_capacity(incidence.len());
    estimate_into(incidence, si, cfg, &mut cache, &mut lambda, &mut out);
    Ok(out)
}

fn estimate_into(
    incidence: &[u32],
    si: &SerialInterval,
    cfg: &CoriConfig,
    cache: &mut QuantileCache,
    lambda: &mut Vec<f64>,
    out: &mut Vec<RtEstimate>,
) {
    let w = cfg.window_days;
    if incidence.len() < w {
        return;
    }
    infectiousness(incidence, &si.probs, lambda);
    let inv_prior_scale = 1.0 / cfg.prior_scale;
    // Sliding sums: cases are integers (exact); Λ is summed afresh per window so that no
    // rounding drifts in from subtracting (7 additions, as cheap as the bookkeeping).
    let mut cases: u64 = incidence[..w - 1].iter().map(|&c| u64::from(c)).sum();
    for t in (w - 1)..incidence.len() {
        cases += u64::from(incidence[t]);
        let lam: f64 = lambda[t + 1 - w..=t].iter().sum();
        let shape = cfg.prior_shape + cases as f64;
        let scale = 1.0 / (inv_prior_scale + lam);
        let [lo, hi] = cache.get(cases);
        out.push(RtEstimate {
            end_day: t,
            shape,
            scale,
            mean: shape * scale,
            lower: lo * scale,
            upper: hi * scale,
            infectiousness: lam,
        });
        cases -= u64::from(incidence[t + 1 - w]);
    }
}

/// R(t) of many units at once, for a dashboard: one row of `n_days` per unit.
#[derive(Debug, Clone)]
pub struct RtTable {
    n_units: usize,
    windows_per_unit: usize,
    estimates: Vec<RtEstimate>,
}

impl RtTable {
    pub fn n_units(&self) -> usize {
        self.n_units
    }

    /// The estimates of one unit, in day order (empty if `unit` is out of range).
    pub fn unit(&self, unit: usize) -> &[RtEstimate] {
        let from = unit.saturating_mul(self.windows_per_unit);
        self.estimates
            .get(from..from.saturating_add(self.windows_per_unit))
            .unwrap_or(&[])
    }
}

/// Most units × days accepted at once (bounds memory at ~300 MB of estimates).
pub const MAX_CELLS: usize = 5_000_000;

/// R(t) for `incidence.len() / n_days` units whose series are laid end to end
/// (unit-major). One quantile cache serves every unit.
pub fn estimate_rt_many(
    incidence: &[u32],
    n_days: usize,
    si: &SerialInterval,
    cfg: &CoriConfig,
) -> Result<RtTable, ForecastError> {
    cfg.check()?;
    if n_days == 0 || incidence.len() % n_days != 0 {
        return Err(ForecastError::Config(
            "incidence length must be a multiple of n_days".into(),
        ));
    }
    if incidence.len() > MAX_CELLS {
        return Err(ForecastError::Config(format!(
            "at most {MAX_CELLS} unit-days at once"
        )));
    }
    let n_units = incidence.len() / n_days;
    let windows_per_unit = (n_days + 1).saturating_sub(cfg.window_days);
    let mut cache = QuantileCache::new(cfg.prior_shape, cfg.quantiles);
    let mut lambda = Vec::with_capacity(n_days);
    let mut estimates = Vec::with_capacity(n_units * windows_per_unit);
    for series in incidence.chunks_exact(n_days) {
        estimate_into(series, si, cfg, &mut cache, &mut lambda, &mut estimates);
    }
    debug_assert_eq!(estimates.len(), n_units * windows_per_unit);
    Ok(RtTable {
        n_units,
        windows_per_unit,
        estimates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_growth_gives_the_growth_r() {
        // A one-day serial interval: I_t = R · I_{t−1}, so R = 2 when incidence doubles.
        let si = SerialInterval::new(vec![1.0]).unwrap();
        let inc: Vec<u32> = (0..20).map(|t| 1u32 << t).collect();
        let cfg = CoriConfig::default();
        let est = estimate_rt(&inc, &si, &cfg).unwrap();
        assert_eq!(est.len(), 14);
        let last = est.last().unwrap();
        assert_eq!(last.end_day, 19);
        assert!((last.mean - 2.0).abs() < 1e-3, "{}", last.mean);
        assert!(last.lower < last.mean && last.mean < last.upper);
    }

    #[test]
    fn bad_inputs_are_refused() {
        assert!(SerialInterval::new(vec![]).is_err());
        assert!(SerialInterval::new(vec![0.5, 0.4]).is_err());
        assert!(SerialInterval::new(vec![1.5, -0.5]).is_err());
        let si = SerialInterval::new(vec![0.5, 0.5]).unwrap();
        assert_eq!(si.mean_days(), 1.5);
        let cfg = CoriConfig {
            window_days: 0,
            ..CoriConfig::default()
        };
        assert!(estimate_rt(&[1, 2, 3], &si, &cfg).is_err());
        assert!(estimate_rt_many(&[1, 2, 3], 2, &si, &CoriConfig::default()).is_err());
    }

    #[test]
    fn many_equals_one_by_one() {
        let si = SerialInterval::new(vec![0.2, 0.5, 0.3]).unwrap();
        let a: Vec<u32> = (0..30).map(|t| (t * 7 % 11) as u32).collect();
        let b: Vec<u32> = (0..30).map(|t| (t * t % 13) as u32).collect();
        let cfg = CoriConfig::default();
        let table = estimate_rt_many(&[a.clone(), b.clone()].concat(), 30, &si, &cfg).unwrap();
        assert_eq!(table.n_units(), 2);
        assert_eq!(table.unit(0), estimate_rt(&a, &si, &cfg).unwrap());
        assert_eq!(table.unit(1), estimate_rt(&b, &si, &cfg).unwrap());
        assert!(table.unit(2).is_empty());
    }
}
