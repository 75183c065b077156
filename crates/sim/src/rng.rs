//! Counter-based random streams.
//!
//! Every draw is a pure function of (seed, stream, two keys, counter): the SplitMix64
//! output function applied to `key + counter * φ`. Nothing is carried between entities, so
//! the people of a day can be split across any number of threads, in any order, and every
//! person still draws the same numbers. A stream is opened per (purpose, entity, day) and
//! read sequentially; opening one costs three multiplications.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a bijection with full avalanche.
#[inline]
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The purposes that draw random numbers. Each has its own stream so that changing how
/// one part draws (say, an extra errand) does not shift the numbers another part sees.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Communes = 1,
    Households,
    Names,
    Ids,
    Venues,
    Workplaces,
    Visits,
    HouseholdTx,
    VenueTx,
    Course,
    Testing,
    Screening,
    Tracing,
    Vaccination,
    Seeds,
}

#[inline]
pub(crate) fn key(seed: u64, stream: Stream, a: u64, b: u64) -> u64 {
    let k = mix(seed ^ GOLDEN.wrapping_mul(stream as u64));
    let k = mix(k ^ a.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    mix(k ^ b.wrapping_mul(0xA076_1D64_78BD_642F) ^ 0x2545_F491_4F6C_DD1D)
}

/// One-shot hash of a key tuple, for draws that need no sequence (names, id digits).
#[inline]
pub(crate) fn hash(seed: u64, stream: Stream, a: u64, b: u64) -> u64 {
    mix(key(seed, stream, a, b).wrapping_add(GOLDEN))
}

#[derive(Debug, Clone)]
pub(crate) struct Rng {
    key: u64,
    ctr: u64,
}

impl Rng {
    #[inline]
    pub(crate) fn new(seed: u64, stream: Stream, a: u64, b: u64) -> Rng {
        Rng {
            key: key(seed, stream, a, b),
            ctr: 0,
        }
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.ctr = self.ctr.wrapping_add(1);
        mix(self.key.wrapping_add(self.ctr.wrapping_mul(GOLDEN)))
    }

    /// Uniform in [0, 1).
    #[inline]
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Uniform in 0..n (Lemire's multiply-shift; the bias is below 2^-32).
    #[inline]
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// Uniform in lo..=hi.
    #[inline]
    pub(crate) fn range(&mut self, lo: i32, hi: i32) -> i32 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo + 1) as u32) as i32
    }

    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal with the given mean and standard deviation of the variable itself.
    pub(crate) fn lognormal(&mut self, mean: f64, sd: f64) -> f64 {
        let s2 = (1.0 + (sd * sd) / (mean * mean)).ln();
        let mu = mean.ln() - s2 / 2.0;
        (mu + s2.sqrt() * self.normal()).exp()
    }

    /// Pareto with minimum 1 and tail index `alpha`, capped: a few large values, many small.
    pub(crate) fn pareto(&mut self, alpha: f64, cap: f64) -> f64 {
        let u = 1.0 - self.f64();
        u.powf(-1.0 / alpha).min(cap)
    }

    /// An index drawn with probability proportional to the gaps of a cumulative table.
    #[inline]
    pub(crate) fn pick_cum(&mut self, cum: &[f64]) -> usize {
        let total = cum.last().copied().unwrap_or(0.0);
        let r = self.f64() * total;
        cum.partition_point(|&c| c <= r)
            .min(cum.len().saturating_sub(1))
    }
}

/// Rounds `x` up or down at random so the expectation is `x`.
pub(crate) fn stochastic_round(rng: &mut Rng, x: f64) -> u32 {
    let floor = x.floor();
    let extra = u32::from(rng.chance(x - floor));
    floor as u32 + extra
}

pub(crate) fn cumulative(weights: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = {
            let mut r = Rng::new(1, Stream::Visits, 5, 7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(1, Stream::Visits, 5, 7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        let mut c = Rng::new(1, Stream::Visits, 7, 5);
        assert_ne!(a[0], c.next_u64());
        let mut d = Rng::new(2, Stream::Visits, 5, 7);
        assert_ne!(a[0], d.next_u64());
        let mut e = Rng::new(1, Stream::Course, 5, 7);
        assert_ne!(a[0], e.next_u64());
    }

    #[test]
    fn uniform_draws_have_the_right_moments() {
        let mut r = Rng::new(9, Stream::Names, 0, 0);
        let n = 200_000;
        let mean = (0..n).map(|_| r.f64()).sum::<f64>() / f64::from(n);
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        let mut counts = [0u32; 10];
        for _ in 0..n {
            counts[r.below(10) as usize] += 1;
        }
        for c in counts {
            assert!(
                (f64::from(c) / f64::from(n) - 0.1).abs() < 0.005,
                "{counts:?}"
            );
        }
        let ln_mean = (0..n).map(|_| r.lognormal(4.0, 2.0)).sum::<f64>() / f64::from(n);
        assert!((ln_mean - 4.0).abs() < 0.05, "{ln_mean}");
    }

    #[test]
    fn pick_cum_follows_weights() {
        let cum = cumulative(&[1.0, 0.0, 3.0]);
        let mut r = Rng::new(3, Stream::Venues, 0, 0);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[r.pick_cum(&cum)] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = f64::from(counts[2]) / 40_000.0;
        assert!((share - 0.75).abs() < 0.01, "{share}");
    }
}
