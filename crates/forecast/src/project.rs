//! Projection of cases and of bed demand per treatment tier.
//!
//! Cases follow the renewal equation E[I_t] = R · Σ_k w_k I_{t−k}, with R held at a value
//! drawn from the latest gamma posterior of R(t); one trajectory per draw. The spread of the
//! bands is the uncertainty about R only: no Poisson noise is added, so for small counts the
//! bands are too narrow (documented in the crate README). New cases are admitted to tier j in
//! the share `share_j`, on the day they are reported, and stay `los_days`: occupancy is the
//! rolling sum of admissions over the stay, as in CHIME, the observed history included.
//!
//! Where the tier's occupancy on the last observed day is known (`occupied`: the beds its
//! facilities hold now), the projection starts from it instead: those occupants leave
//! evenly over the next `los_days` days (their remaining stays taken as uniform), and the
//! projected admissions come on top, so day 0 is the facilities' count and after one stay
//! the curve is the rolling sum again.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::gamma::sample_gamma;
use crate::rt::{GammaPosterior, SerialInterval};
use crate::ForecastError;

/// Longest projection, in days: beyond a month a constant R says little.
pub const MAX_HORIZON_DAYS: usize = 60;
/// Most draws of R.
pub const MAX_SAMPLES: usize = 10_000;
/// Most tiers (the HCMC model has 5).
pub const MAX_TIERS: usize = 8;
/// Longest stay, in days.
pub const MAX_LOS_DAYS: u32 = 120;

/// One treatment tier as the projection sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TierDemand {
    /// Share of new cases that need a bed of this tier (0..=1).
    pub share: f64,
    /// Mean length of stay, days (≥ 1).
    pub los_days: u32,
    /// Beds of this tier available in the unit (the capacity compared with demand).
    pub beds: u32,
    /// Later changes of the beds: from day `d` (0 = the last observed day) on, the tier has
    /// `n` beds instead (planned beds whose date comes within the horizon). The entry with
    /// the greatest `d` not after a day rules it; before the first, `beds`. At most
    /// `MAX_HORIZON_DAYS + 1` entries.
    pub beds_from: Vec<(usize, u32)>,
    /// Occupied on the last observed day, where the facilities' count is known; `None`:
    /// the rolling sum of the observed days' admissions stands for it.
    pub occupied: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionConfig {
    pub horizon_days: usize,
    pub samples: usize,
    /// Seed of the ChaCha8 stream: the same inputs and seed give the same bands.
    pub seed: u64,
    pub quantiles: [f64; 2],
}

impl Default for ProjectionConfig {
    fn default() -> ProjectionConfig {
        ProjectionConfig {
            horizon_days: 28,
            samples: 1000,
            seed: 1,
            quantiles: [0.025, 0.975],
        }
    }
}

/// Mean and quantile band of a quantity on one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Projected occupancy of one tier, and when it first exceeds its beds.
#[derive(Debug, Clone, PartialEq)]
pub struct TierProjection {
    /// Occupancy on the last observed day (day 0): `occupied` where given.
    pub now: f64,
    /// Occupancy on days 1..=horizon after the last observed day.
    pub occupancy: Vec<Band>,
    pub beds: u32,
    /// First day (0 = the last observed day, 1 = the day after) the mean occupancy exceeds
    /// the beds.
    pub first_day_over_mean: Option<usize>,
    /// First day the upper quantile exceeds the beds: the earliest plausible shortage.
    pub first_day_over_upper: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// New cases on days 1..=horizon after the last observed day.
    pub cases: Vec<Band>,
    pub tiers: Vec<TierProjection>,
}

impl ProjectionConfig {
    fn check(&self) -> Result<(), ForecastError> {
        let bad = |why: String| Err(ForecastError::Config(why));
        if self.horizon_days == 0 || self.horizon_days > MAX_HORIZON_DAYS {
            return bad(format!("horizon must be 1 to {MAX_HORIZON_DAYS} days"));
        }
        if self.samples == 0 || self.samples > MAX_SAMPLES {
            return bad(format!("samples must be 1 to {MAX_SAMPLES}"));
        }
        let [lo, hi] = self.quantiles;
        if !(0.0 < lo && lo < hi && hi < 1.0) {
            return bad("quantiles must satisfy 0 < lower < upper < 1".into());
        }
        Ok(())
    }
}

impl TierDemand {
    /// The beds of the tier on day `day` (0 = the last observed day).
    pub fn beds_on(&self, day: usize) -> u32 {
        self.beds_from
            .iter()
            .filter(|(d, _)| *d <= day)
            .max_by_key(|(d, _)| *d)
            .map_or(self.beds, |(_, n)| *n)
    }
}

fn check_tiers(tiers: &[TierDemand]) -> Result<(), ForecastError> {
    let bad = |why: String| Err(ForecastError::Config(why));
    if tiers.len() > MAX_TIERS {
        return bad(format!("at most {MAX_TIERS} tiers"));
    }
    for (j, t) in tiers.iter().enumerate() {
        if !(0.0..=1.0).contains(&t.share) {
            return bad(format!("tier {j}: share must be in 0..=1"));
        }
        if t.los_days == 0 || t.los_days > MAX_LOS_DAYS {
            return bad(format!("tier {j}: stay must be 1 to {MAX_LOS_DAYS} days"));
        }
        if t.beds_from.len() > MAX_HORIZON_DAYS + 1 {
            return bad(format!(
                "tier {j}: at most {} changes of beds",
                MAX_HORIZON_DAYS + 1
            ));
        }
        if t.occupied.is_some_and(|o| !(o.is_finite() && o >= 0.0)) {
            return bad(format!("tier {j}: occupied must be a count"));
        }
    }
    if tiers.iter().map(|t| t.share).sum::<f64>() > 1.0 + 1e-9 {
        return bad("tier shares sum to more than 1".into());
    }
    Ok(())
}

/// Projects cases and tier occupancy from the observed daily `history` (oldest first, the
/// last element the last observed day) and the posterior of R.
pub fn project(
    history: &[u32],
    si: &SerialInterval,
    r: GammaPosterior,
    tiers: &[TierDemand],
    cfg: &ProjectionConfig,
) -> Result<Projection, ForecastError> {
    cfg.check()?;
    check_tiers(tiers)?;
    if !(r.shape > 0.0 && r.scale > 0.0 && r.shape.is_finite() && r.scale.is_finite()) {
        return Err(ForecastError::Config(
            "R posterior needs positive shape and scale".into(),
        ));
    }
    if history.is_empty() {
        return Err(ForecastError::Config("history is empty".into()));
    }
    let h = cfg.horizon_days;
    let n = cfg.samples;
    let w = si.probs();
    // Keep the part of history that the serial interval or the longest stay still reaches.
    let max_los = tiers.iter().map(|t| t.los_days as usize).max().unwrap_or(1);
    let keep = history.len().min(w.len().max(max_los));
    let past: Vec<f64> = history[history.len() - keep..]
        .iter()
        .map(|&c| f64::from(c))
        .collect();

    // Trajectories, sample-major: row s holds `keep` observed days then `h` projected ones.
    let row = keep + h;
    let mut traj = vec![0.0; n * row];
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    for s in 0..n {
        let r_s = sample_gamma(&mut rng, r.shape, r.scale);
        let x = &mut traj[s * row..(s + 1) * row];
        x[..keep].copy_from_slice(&past);
        for t in keep..row {
            let lam: f64 = w
                .iter()
                .enumerate()
                .take_while(|(k, _)| *k < t)
                .map(|(k, wk)| wk * x[t - 1 - k])
                .sum();
            x[t] = r_s * lam;
        }
    }

    let traj = Trajectories {
        values: &traj,
        row,
        keep,
    };
    let mut column = vec![0.0; n];
    let cases = traj.bands(h, cfg.quantiles, &mut column, |x| x[x.len() - 1]);
    let tiers = tiers
        .iter()
        .map(|tier| {
            let los = tier.los_days as usize;
            // Admissions of the last `los` days up to the end of `x`: from day 1 on only
            // where day 0's occupancy is given (it holds the earlier ones).
            let admitted = |x: &[f64]| {
                let from = match tier.occupied {
                    Some(_) => x.len().saturating_sub(los).max(keep),
                    None => x.len().saturating_sub(los),
                };
                tier.share * x[from..].iter().sum::<f64>()
            };
            let now = tier.occupied.unwrap_or_else(|| admitted(&past));
            let occupancy = traj.bands(h, cfg.quantiles, &mut column, |x| {
                let staying = tier.occupied.map_or(0.0, |o| {
                    let d = (x.len() - keep) as f64;
                    o * (1.0 - d / los as f64).max(0.0)
                });
                staying + admitted(x)
            });
            // Each day against that day's beds: planned beds count from their day on.
            let beds = |d: usize| f64::from(tier.beds_on(d));
            let first = |f: fn(&Band) -> f64| {
                if now > beds(0) {
                    return Some(0);
                }
                occupancy
                    .iter()
                    .enumerate()
                    .position(|(i, b)| f(b) > beds(i + 1))
                    .map(|i| i + 1)
            };
            TierProjection {
                first_day_over_mean: first(|b| b.mean),
                first_day_over_upper: first(|b| b.upper),
                beds: tier.beds_on(0),
                now,
                occupancy,
            }
        })
        .collect();
    Ok(Projection { cases, tiers })
}

/// Sampled trajectories, sample-major: each row holds `keep` observed days, then the projection.
struct Trajectories<'a> {
    values: &'a [f64],
    row: usize,
    keep: usize,
}

impl Trajectories<'_> {
    /// For each projected day d, the band over samples of `value(trajectory up to day d)`.
    fn bands(
        &self,
        horizon_days: usize,
        q: [f64; 2],
        column: &mut [f64],
        value: impl Fn(&[f64]) -> f64,
    ) -> Vec<Band> {
        (0..horizon_days)
            .map(|d| {
                for (x, c) in self.values.chunks_exact(self.row).zip(column.iter_mut()) {
                    *c = value(&x[..=self.keep + d]);
                }
                band(column, q)
            })
            .collect()
    }
}

/// Mean and quantiles (linear interpolation between order statistics, NumPy's default).
fn band(values: &mut [f64], q: [f64; 2]) -> Band {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.sort_unstable_by(f64::total_cmp);
    Band {
        mean,
        lower: quantile_sorted(values, q[0]),
        upper: quantile_sorted(values, q[1]),
    }
}

fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let frac = pos - i as f64;
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + frac * (next - sorted[i]),
        None => sorted[i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn si1() -> SerialInterval {
        SerialInterval::new(vec![1.0]).unwrap()
    }

    #[test]
    fn a_certain_r_gives_a_deterministic_renewal_and_occupancy() {
        // R ~ Gamma(1e8, 1e-8 · 1.5): R = 1.5 up to 1e-4. One-day serial interval: x_t = 1.5 x_{t−1}.
        let r = GammaPosterior {
            shape: 1e8,
            scale: 1.5e-8,
        };
        let tiers = [TierDemand {
            share: 0.1,
            los_days: 2,
            beds: 30,
            beds_from: Vec::new(),
            occupied: None,
        }];
        let cfg = ProjectionConfig {
            horizon_days: 5,
            samples: 50,
            ..ProjectionConfig::default()
        };
        let p = project(&[100, 100], &si1(), r, &tiers, &cfg).unwrap();
        let expect = [150.0, 225.0, 337.5, 506.25, 759.375];
        for (b, e) in p.cases.iter().zip(expect) {
            assert!(
                (b.mean - e).abs() < 0.01 * e / 100.0 + 1e-6 * e + 0.1,
                "{b:?} {e}"
            );
            assert!(b.lower <= b.mean && b.mean <= b.upper);
        }
        // Occupancy: 10% of the last two days' cases: (100+150)·0.1 = 25, then 37.5 > 30 beds.
        let occ = &p.tiers[0];
        assert!((occ.occupancy[0].mean - 25.0).abs() < 0.01);
        assert!((occ.occupancy[1].mean - 37.5).abs() < 0.01);
        assert_eq!(occ.first_day_over_mean, Some(2));
        assert_eq!(occ.first_day_over_upper, Some(2));
    }

    #[test]
    fn a_known_occupancy_is_day_0_and_its_occupants_leave_over_one_stay() {
        // R = 1, one-day serial interval: 100 cases a day. Tier: 5% for 4 days, 10 beds.
        let r = GammaPosterior {
            shape: 1e8,
            scale: 1e-8,
        };
        let tier = |occupied| TierDemand {
            share: 0.05,
            los_days: 4,
            beds: 10,
            beds_from: Vec::new(),
            occupied,
        };
        let cfg = ProjectionConfig {
            horizon_days: 6,
            samples: 20,
            ..ProjectionConfig::default()
        };
        let hist = [100u32; 10];
        let p = project(&hist, &si1(), r, &[tier(None), tier(Some(3.0))], &cfg).unwrap();
        // Without a count, day 0 is the model's census: 5% of 4 days of 100 = 20, over 10 beds.
        let (model, known) = (&p.tiers[0], &p.tiers[1]);
        assert!((model.now - 20.0).abs() < 1e-9);
        assert_eq!(model.first_day_over_mean, Some(0));
        // With the facilities' 3: day 0 is 3; day d keeps 3·(1 − d/4) and adds 5 a day.
        assert_eq!(known.now, 3.0);
        let expect = [7.25, 11.5, 15.75, 20.0, 20.0, 20.0];
        for (b, e) in known.occupancy.iter().zip(expect) {
            assert!((b.mean - e).abs() < 1e-3, "{b:?} {e}");
        }
        // Under the beds until day 2 (11.5 > 10): the alert follows the anchored curve.
        assert_eq!(known.first_day_over_mean, Some(2));
        let quiet = TierDemand {
            beds: 30,
            beds_from: Vec::new(),
            ..tier(Some(3.0))
        };
        let p = project(&hist, &si1(), r, &[quiet], &cfg).unwrap();
        assert_eq!(p.tiers[0].first_day_over_mean, None);
        assert_eq!(p.tiers[0].first_day_over_upper, None);
        assert!(project(&hist, &si1(), r, &[tier(Some(-1.0))], &cfg).is_err());
    }

    #[test]
    fn planned_beds_count_from_their_day_on() {
        // The anchored tier above (10 beds, 11.5 on day 2, 20 from day 4) with beds planned.
        let r = GammaPosterior {
            shape: 1e8,
            scale: 1e-8,
        };
        let tier = |beds_from: Vec<(usize, u32)>| TierDemand {
            share: 0.05,
            los_days: 4,
            beds: 10,
            beds_from,
            occupied: Some(3.0),
        };
        let cfg = ProjectionConfig {
            horizon_days: 6,
            samples: 20,
            ..ProjectionConfig::default()
        };
        let hist = [100u32; 10];
        let over = |from| {
            let p = project(&hist, &si1(), r, &[tier(from)], &cfg).unwrap();
            p.tiers[0].first_day_over_mean
        };
        assert_eq!(over(vec![]), Some(2));
        // 25 beds from day 2: demand (at most 20) never exceeds them.
        assert_eq!(over(vec![(2, 25)]), None);
        // Planned beds whose day comes after the shortage do not move it.
        assert_eq!(over(vec![(4, 25)]), Some(2));
        // 18 beds from day 1: the shortage comes when demand passes them, on day 4.
        assert_eq!(over(vec![(1, 18)]), Some(4));
        // The latest change before a day rules it.
        assert_eq!(over(vec![(1, 18), (3, 30)]), None);
    }

    #[test]
    fn uncertain_r_widens_the_band_and_the_upper_alerts_first() {
        let r = GammaPosterior {
            shape: 20.0,
            scale: 0.06,
        };
        let si = SerialInterval::new(vec![0.2, 0.3, 0.3, 0.2]).unwrap();
        let tiers = [TierDemand {
            share: 0.05,
            los_days: 10,
            beds: 90,
            beds_from: Vec::new(),
            occupied: None,
        }];
        let hist = [100u32; 14];
        let cfg = ProjectionConfig::default();
        let p = project(&hist, &si, r, &tiers, &cfg).unwrap();
        let last = p.cases.last().unwrap();
        assert!(last.upper > 2.0 * last.lower, "{last:?}");
        let t = &p.tiers[0];
        let up = t.first_day_over_upper.unwrap();
        assert!(t.first_day_over_mean.is_none_or(|m| up <= m));
        // Same seed, same answer.
        assert_eq!(p, project(&hist, &si, r, &tiers, &cfg).unwrap());
    }

    #[test]
    fn bounds_are_enforced() {
        let r = GammaPosterior {
            shape: 2.0,
            scale: 0.5,
        };
        let t = |share, los_days| TierDemand {
            share,
            los_days,
            beds: 1,
            beds_from: Vec::new(),
            occupied: None,
        };
        let cfg = ProjectionConfig::default();
        assert!(project(&[1], &si1(), r, &[t(0.6, 3), t(0.6, 3)], &cfg).is_err());
        assert!(project(&[1], &si1(), r, &[t(0.1, 0)], &cfg).is_err());
        assert!(project(&[], &si1(), r, &[], &cfg).is_err());
        let long = ProjectionConfig {
            horizon_days: 61,
            ..cfg
        };
        assert!(project(&[1], &si1(), r, &[], &long).is_err());
    }
}
