//! A CHIME-style SIR model, step for step as penn-chime 0.0.3 (`penn_chime.model.sir.Sir`,
//! doubling-time path), so that planners can put our numbers beside the tool many hospitals
//! used in 2020–2021.
//!
//! Discrete-time SIR with the population renormalised each step; β from the doubling time
//! (growth g = 2^{1/Td} − 1, β = (g + γ)/S₀ · (1 − relative contact rate)), γ = 1/infectious
//! days; the epidemic is seeded with 1/(market share · hospitalised rate) infected on the day
//! the first patient is admitted, and that day (`i_day` days before now) is fitted to the
//! current hospital census. Admissions are the daily increase of ever-infected × rate × market
//! share; the census is the rolling sum of admissions over the length of stay.

use crate::ForecastError;

/// Longest run, in days (CHIME's fit tries every start day up to `n_days`).
pub const MAX_DAYS: u32 = 1000;

/// A disposition: share of infected people and length of stay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disposition {
    pub rate: f64,
    pub los_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChimeParams {
    pub population: f64,
    pub current_hospitalized: f64,
    pub doubling_time_days: f64,
    pub infectious_days: f64,
    pub market_share: f64,
    /// Reduction of contacts after mitigation (0..1).
    pub relative_contact_rate: f64,
    /// Days from the start of mitigation to now (CHIME's `current_date − mitigation_date`);
    /// `None`: no mitigation date, the fit then looks before the unmitigated peak.
    pub mitigation_days_ago: Option<i64>,
    pub n_days: u32,
    pub recovered: f64,
    pub hospitalized: Disposition,
    pub icu: Disposition,
    pub ventilated: Disposition,
}

/// The fitted run: one entry per day from `−i_day` to `n_days`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChimeRun {
    /// Days between the first admission and now.
    pub i_day: u32,
    /// Day numbers relative to now.
    pub day: Vec<i64>,
    pub susceptible: Vec<f64>,
    pub infected: Vec<f64>,
    pub recovered: Vec<f64>,
    /// Admissions per day for hospitalised, ICU, ventilated; NaN on the first day (as CHIME).
    pub admits: [Vec<f64>; 3],
    /// Census per day for hospitalised, ICU, ventilated.
    pub census: [Vec<f64>; 3],
}

struct Sir {
    s: Vec<f64>,
    i: Vec<f64>,
    r: Vec<f64>,
}

fn check(p: &ChimeParams) -> Result<(), ForecastError> {
    let bad = |why: &str| Err(ForecastError::Config(format!("CHIME: {why}")));
    let rate_ok = |d: &Disposition| d.rate > 0.0 && d.rate <= 1.0 && d.los_days >= 1;
    if !(p.population > 0.0 && p.population.is_finite()) {
        return bad("population must be positive");
    }
    if !(p.doubling_time_days > 0.0 && p.infectious_days > 0.0) {
        return bad("doubling time and infectious days must be positive");
    }
    if !(p.market_share > 0.0 && p.market_share <= 1.0) {
        return bad("market share must be in (0, 1]");
    }
    if !(0.0..=1.0).contains(&p.relative_contact_rate) {
        return bad("relative contact rate must be in 0..=1");
    }
    if p.n_days == 0 || p.n_days > MAX_DAYS {
        return bad("n_days must be 1 to 1000");
    }
    if !(rate_ok(&p.hospitalized) && rate_ok(&p.icu) && rate_ok(&p.ventilated)) {
        return bad("rates must be in (0, 1] and stays at least 1 day");
    }
    Ok(())
}

/// Runs CHIME's doubling-time model and its fit of the first admission day.
pub fn run(p: &ChimeParams) -> Result<ChimeRun, ForecastError> {
    check(p)?;
    let infected = 1.0 / p.market_share / p.hospitalized.rate;
    let susceptible = p.population - infected;
    if susceptible <= 0.0 {
        return Err(ForecastError::Config(
            "CHIME: population smaller than the seed".into(),
        ));
    }
    let gamma = 1.0 / p.infectious_days;
    let growth = 2f64.powf(1.0 / p.doubling_time_days) - 1.0;
    let beta = (growth + gamma) / susceptible;
    let beta_t = (growth + gamma) / susceptible * (1.0 - p.relative_contact_rate);
    let model = Model {
        p,
        s0: susceptible,
        i0: infected,
        gamma,
    };
    let n_days = i64::from(p.n_days);
    let i_day = match p.mitigation_days_ago {
        None => {
            let census = model.census_hosp(&[(beta, n_days)]);
            let peak = argmax(&census);
            let losses: Vec<f64> = census[..peak]
                .iter()
                .map(|c| (c - p.current_hospitalized).powi(2))
                .collect();
            if losses.is_empty() {
                return Err(ForecastError::NoFit);
            }
            argmin(&losses) as i64
        }
        Some(ago) => {
            let mut best: Option<(i64, f64)> = None;
            for i_day in 0..n_days {
                let census = model.census_hosp(&policy(i_day, n_days, ago, beta, beta_t));
                // Do not fit against a run whose peak is before today.
                if (argmax(&census) as i64) < i_day {
                    continue;
                }
                let loss = (census[i_day as usize] - p.current_hospitalized).powi(2);
                if best.is_none_or(|(_, l)| loss < l) {
                    best = Some((i_day, loss));
                }
            }
            best.ok_or(ForecastError::NoFit)?.0
        }
    };
    // Without a mitigation date CHIME mitigates from today.
    let ago = p.mitigation_days_ago.unwrap_or(0);
    let sir = model.sim(&policy(i_day, n_days, ago, beta, beta_t));
    let ever: Vec<f64> = sir.i.iter().zip(&sir.r).map(|(i, r)| i + r).collect();
    let disp = [p.hospitalized, p.icu, p.ventilated];
    let admits = disp.map(|d| admits(&ever, d.rate, p.market_share));
    let census = [0, 1, 2].map(|k| census(&admits[k], disp[k].los_days as usize));
    Ok(ChimeRun {
        i_day: i_day as u32,
        day: (-i_day..-i_day + sir.s.len() as i64).collect(),
        susceptible: sir.s,
        infected: sir.i,
        recovered: sir.r,
        admits,
        census,
    })
}

/// (β, days) before and after mitigation, as CHIME's `gen_policy`.
fn policy(i_day: i64, n_days: i64, days_ago: i64, beta: f64, beta_t: f64) -> [(f64, i64); 2] {
    let total = i_day + n_days;
    let mitigation_day = (-days_ago).max(-i_day);
    let pre = i_day + mitigation_day;
    [(beta, pre), (beta_t, total - pre)]
}

struct Model<'a> {
    p: &'a ChimeParams,
    s0: f64,
    i0: f64,
    gamma: f64,
}

impl Model<'_> {
    fn sim(&self, policies: &[(f64, i64)]) -> Sir {
        let (mut s, mut i, mut r) = (self.s0, self.i0, self.p.recovered);
        let n = s + i + r;
        let total: i64 = 1 + policies.iter().map(|(_, d)| (*d).max(0)).sum::<i64>();
        let mut out = Sir {
            s: Vec::with_capacity(total as usize),
            i: Vec::with_capacity(total as usize),
            r: Vec::with_capacity(total as usize),
        };
        for &(beta, days) in policies {
            for _ in 0..days.max(0) {
                out.s.push(s);
                out.i.push(i);
                out.r.push(r);
                // The operation order is CHIME's, so that results agree to the last bits.
                let s_n = (-beta * s * i) + s;
                let i_n = (beta * s * i - self.gamma * i) + i;
                let r_n = self.gamma * i + r;
                let scale = n / (s_n + i_n + r_n);
                (s, i, r) = (s_n * scale, i_n * scale, r_n * scale);
            }
        }
        out.s.push(s);
        out.i.push(i);
        out.r.push(r);
        out
    }

    fn census_hosp(&self, policies: &[(f64, i64)]) -> Vec<f64> {
        let sir = self.sim(policies);
        let ever: Vec<f64> = sir.i.iter().zip(&sir.r).map(|(i, r)| i + r).collect();
        let h = self.p.hospitalized;
        census(
            &admits(&ever, h.rate, self.p.market_share),
            h.los_days as usize,
        )
    }
}

fn admits(ever_infected: &[f64], rate: f64, market_share: f64) -> Vec<f64> {
    let ever: Vec<f64> = ever_infected
        .iter()
        .map(|e| e * rate * market_share)
        .collect();
    std::iter::once(f64::NAN)
        .chain(ever.windows(2).map(|w| w[1] - w[0]))
        .collect()
}

/// census[j] = C[j + los] − C[j], C the cumulative admissions shifted by `los + 1`
/// (CHIME's `calculate_census`, including its cumulative-sum rounding).
fn census(admits: &[f64], los: usize) -> Vec<f64> {
    let n = admits.len();
    let mut cum = vec![0.0; n + los];
    let mut acc = 0.0;
    for (k, a) in admits.iter().skip(1).enumerate() {
        acc += a;
        cum[los + 1 + k] = acc;
    }
    (0..n).map(|j| cum[j + los] - cum[j]).collect()
}

/// Index of the first maximum (NumPy's `argmax`).
fn argmax(x: &[f64]) -> usize {
    let mut best = 0;
    for (j, v) in x.iter().enumerate() {
        if *v > x[best] {
            best = j;
        }
    }
    best
}

/// Index of the first minimum (NumPy's `argmin`).
fn argmin(x: &[f64]) -> usize {
    let mut best = 0;
    for (j, v) in x.iter().enumerate() {
        if *v < x[best] {
            best = j;
        }
    }
    best
}
