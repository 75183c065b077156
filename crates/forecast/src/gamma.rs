//! The gamma distribution: log-gamma, the regularised incomplete gamma function, its inverse
//! and a sampler. Written here rather than taken from a statistics crate because R(t) needs
//! millions of quantiles per run and they are only affordable through [`QuantileCache`]
//! (quantiles of a standard gamma keyed by an integer shape offset), which needs control
//! over the function itself. Checked against SciPy's `gammaincinv` in the tests (1e-6
//! relative, in practice ~1e-13).

use rand::Rng;

/// Relative precision of the series, the continued fraction and the inversion.
const EPS: f64 = 1e-15;
/// Near the smallest normal double, to keep Lentz's continued fraction away from 0.
const FPMIN: f64 = 1e-300;
/// Iteration bound of the series and the continued fraction. The series needs about
/// 9·√a terms near x ≈ a, so this covers shapes up to ~10⁸ (cases in 7 days).
const MAX_ITER: usize = 100_000;

/// ln Γ(x) for x > 0 (Lanczos, g = 671/128, 14 terms; relative error ~1e-15).
// The coefficients as published (Numerical Recipes 3, `gammln`), digits beyond f64 included.
#[allow(clippy::excessive_precision)]
pub fn ln_gamma(x: f64) -> f64 {
    debug_assert!(x > 0.0);
    const COF: [f64; 14] = [
        57.156_235_665_862_923_5,
        -59.597_960_355_475_491_2,
        14.136_097_974_741_747_1,
        -0.491_913_816_097_620_199,
        0.339_946_499_848_118_887e-4,
        0.465_236_289_270_485_756e-4,
        -0.983_744_753_048_795_646e-4,
        0.158_088_703_224_912_494e-3,
        -0.210_264_441_724_104_883e-3,
        0.217_439_618_115_212_643e-3,
        -0.164_318_106_536_763_890e-3,
        0.844_182_239_838_527_433e-4,
        -0.261_908_384_015_814_087e-4,
        0.368_991_826_595_316_234e-5,
    ];
    let mut y = x;
    let tmp = x + 5.242_187_5;
    let tmp = (x + 0.5) * tmp.ln() - tmp;
    let mut ser = 0.999_999_999_999_997_092;
    for c in COF {
        y += 1.0;
        ser += c / y;
    }
    tmp + (2.506_628_274_631_000_5 * ser / x).ln()
}

/// P(a, x), the regularised lower incomplete gamma function (the CDF of a standard gamma
/// with shape `a` at `x`).
pub fn gamma_p(a: f64, x: f64) -> f64 {
    debug_assert!(a > 0.0);
    if x <= 0.0 {
        0.0
    } else if x < a + 1.0 {
        series(a, x)
    } else {
        1.0 - continued_fraction(a, x)
    }
}

/// The prefactor e^{-x} x^a / Γ(a), in logs to survive large shapes.
fn prefactor(a: f64, x: f64) -> f64 {
    (-x + a * x.ln() - ln_gamma(a)).exp()
}

fn series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut del = 1.0 / a;
    let mut sum = del;
    for _ in 0..MAX_ITER {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if del.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum * prefactor(a, x)
}

/// Q(a, x) = 1 − P(a, x) by Lentz's method, for x ≥ a + 1.
fn continued_fraction(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / FPMIN;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = b + an / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    prefactor(a, x) * h
}

/// The `p` quantile of a standard gamma with shape `a` (SciPy's `gammaincinv(a, p)`):
/// Halley's method on P(a, x) − p from Wilson–Hilferty's start (Numerical Recipes 3, §6.2.1).
/// `p` must be in (0, 1).
pub fn gamma_p_inv(a: f64, p: f64) -> f64 {
    debug_assert!(a > 0.0 && p > 0.0 && p < 1.0);
    let a1 = a - 1.0;
    let gln = ln_gamma(a);
    let (lna1, afac) = if a > 1.0 {
        let lna1 = a1.ln();
        (lna1, (a1 * (lna1 - 1.0) - gln).exp())
    } else {
        (0.0, 0.0)
    };
    let mut x = if a > 1.0 {
        let pp = if p < 0.5 { p } else { 1.0 - p };
        let t = (-2.0 * pp.ln()).sqrt();
        let mut z = (2.307_53 + t * 0.270_61) / (1.0 + t * (0.992_29 + t * 0.044_81)) - t;
        if p < 0.5 {
            z = -z;
        }
        (a * (1.0 - 1.0 / (9.0 * a) - z / (3.0 * a.sqrt())).powi(3)).max(1e-3)
    } else {
        let t = 1.0 - a * (0.253 + a * 0.12);
        if p < t {
            (p / t).powf(1.0 / a)
        } else {
            1.0 - (1.0 - (p - t) / (1.0 - t)).ln()
        }
    };
    // Halley converges cubically: 2–3 steps; the bound only guards pathologies.
    for _ in 0..64 {
        if x <= 0.0 {
            return 0.0;
        }
        let err = gamma_p(a, x) - p;
        let density = if a > 1.0 {
            afac * (-(x - a1) + a1 * (x.ln() - lna1)).exp()
        } else {
            (-x + a1 * x.ln() - gln).exp()
        };
        if density == 0.0 {
            break;
        }
        let u = err / density;
        let t = u / (1.0 - 0.5 * (u * (a1 / x - 1.0)).min(1.0));
        x -= t;
        if x <= 0.0 {
            x = 0.5 * (x + t);
        }
        // Cubic convergence: after a step of relative size 1e-7 the error is ~1e-21, so
        // one more evaluation of P (the whole cost) would only confirm it.
        if t.abs() < 1e-7 * x {
            break;
        }
    }
    x
}

/// Quantiles of standard gammas whose shape is `base_shape + k` for integer `k`, computed
/// once per `k`. A Cori posterior has shape `prior + (cases in the window)`: across 10,000
/// communes × 90 days the distinct case counts are a few thousand, so ~1.8 million quantiles
/// cost a few thousand inversions plus table look-ups.
#[derive(Debug, Clone)]
pub struct QuantileCache {
    base_shape: f64,
    probs: [f64; 2],
    by_k: Vec<[f64; 2]>,
}

/// Counts above this are inverted on every call instead of being cached (bounds the table
/// at 16 MiB; such counts only occur for whole provinces at a peak).
const CACHE_MAX_K: u64 = 1 << 20;

impl QuantileCache {
    pub fn new(base_shape: f64, probs: [f64; 2]) -> QuantileCache {
        QuantileCache {
            base_shape,
            probs,
            by_k: Vec::new(),
        }
    }

    /// The two quantiles of a standard gamma with shape `base_shape + k`.
    pub fn get(&mut self, k: u64) -> [f64; 2] {
        let compute = |k: u64| {
            let a = self.base_shape + k as f64;
            [gamma_p_inv(a, self.probs[0]), gamma_p_inv(a, self.probs[1])]
        };
        if k >= CACHE_MAX_K {
            return compute(k);
        }
        let i = k as usize;
        if i >= self.by_k.len() {
            self.by_k.resize(i + 1, [f64::NAN; 2]);
        }
        if self.by_k[i][0].is_nan() {
            self.by_k[i] = compute(k);
        }
        self.by_k[i]
    }
}

/// A draw from Gamma(shape, scale) (Marsaglia and Tsang 2000; shape < 1 by the
/// U^{1/shape} boost). Normals by Box–Muller, so only `rand`'s uniform is needed.
pub fn sample_gamma<R: Rng>(rng: &mut R, shape: f64, scale: f64) -> f64 {
    debug_assert!(shape > 0.0 && scale > 0.0);
    if shape < 1.0 {
        let u: f64 = rng.gen();
        return sample_gamma(rng, shape + 1.0, scale) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let z = standard_normal(rng);
        let v = 1.0 + c * z;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u: f64 = rng.gen();
        if u.ln() < 0.5 * z * z + d - d * v + d * v.ln() {
            return d * v * scale;
        }
    }
}

fn standard_normal<R: Rng>(rng: &mut R) -> f64 {
    // 1 − U is in (0, 1]: its logarithm is finite.
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        let mut fact = 1.0f64;
        for n in 1..30 {
            // Γ(n) = (n−1)!
            assert!(
                close(ln_gamma(n as f64), fact.ln(), 1e-14) || n <= 2,
                "n={n}"
            );
            fact *= n as f64;
        }
        assert!(ln_gamma(1.0).abs() < 1e-14 && ln_gamma(2.0).abs() < 1e-14);
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-14
        ));
        assert!(close(ln_gamma(1e6), 12_815_504.569_147_61, 1e-13));
    }

    #[test]
    fn incomplete_gamma_matches_closed_forms() {
        // Shape 1: exponential. Shape 2: 1 − e^{−x}(1 + x).
        for x in [0.01, 0.5, 1.0, 3.0, 10.0, 40.0] {
            assert!(close(gamma_p(1.0, x), -(-x).exp_m1(), 1e-13), "x={x}");
        }
        for x in [0.5, 1.0, 3.0, 10.0, 40.0] {
            assert!(
                close(gamma_p(2.0, x), 1.0 - (-x).exp() * (1.0 + x), 1e-12),
                "x={x}"
            );
        }
    }

    #[test]
    fn inverse_inverts() {
        for a in [0.3, 1.0, 2.5, 17.0, 301.0, 12_345.0, 2e6] {
            for p in [0.025, 0.5, 0.975] {
                let x = gamma_p_inv(a, p);
                // P itself carries ~1e-16·a of error from its prefactor at large shapes.
                assert!(
                    close(gamma_p(a, x), p, 1e-12 * a.max(10.0)),
                    "a={a} p={p} x={x}"
                );
            }
        }
        // Exponential quantile in closed form.
        assert!(close(gamma_p_inv(1.0, 0.975), -(0.025f64).ln(), 1e-13));
        // SciPy: gammaincinv(12345, 0.5).
        assert!(close(
            gamma_p_inv(12_345.0, 0.5),
            12_344.666_668_266_802,
            1e-12
        ));
    }

    #[test]
    fn sampler_has_the_right_moments() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for (shape, scale) in [(0.5, 2.0), (3.0, 0.5), (250.0, 0.004)] {
            let n = 200_000;
            let xs: Vec<f64> = (0..n)
                .map(|_| sample_gamma(&mut rng, shape, scale))
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            assert!(close(mean, shape * scale, 0.01), "{shape} {mean}");
            assert!(close(var, shape * scale * scale, 0.03), "{shape} {var}");
        }
    }
}
