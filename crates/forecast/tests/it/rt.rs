//! R(t) against epyestim 0.1 (`estimate_r` + `gamma_quantiles`, see
//! `bench/forecast/epyestim_ref.py`): posterior shape and scale (so the infectiousness Λ), mean
//! and 2.5%/97.5% quantiles, every window of a commune-sized and a province-sized series.
//! Tolerance 1e-6 relative as asked; the numbers in fact agree to 1e-12 (checked by hand).

use forecast::{estimate_rt, estimate_rt_many, CoriConfig};

use crate::{assert_close, delta_si, fixture};

#[test]
fn rt_equals_epyestim_within_1e_6() {
    let (header, rows) = fixture("epyestim_ref.csv");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let si = delta_si();
    let cfg = CoriConfig::default();
    let mut all_series = Vec::new();
    for name in ["commune", "province"] {
        let rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == name).collect();
        let cases: Vec<u32> = rows
            .iter()
            .map(|r| r[col("cases")].parse().unwrap())
            .collect();
        let est = estimate_rt(&cases, &si, &cfg).unwrap();
        let expected: Vec<&&Vec<String>> = rows
            .iter()
            .filter(|r| !r[col("shape")].is_empty())
            .collect();
        assert_eq!(est.len(), expected.len(), "{name}: windows");
        for (e, r) in est.iter().zip(expected) {
            let day: usize = r[col("day")].parse().unwrap();
            assert_eq!(e.end_day, day);
            let f = |c: &str| r[col(c)].parse::<f64>().unwrap();
            let what = |c: &str| format!("{name} day {day} {c}");
            assert_close(e.shape, f("shape"), 1e-12, &what("shape"));
            assert_close(e.scale, f("scale"), 1e-9, &what("scale"));
            assert_close(e.mean, f("mean"), 1e-6, &what("mean"));
            assert_close(e.lower, f("q025"), 1e-6, &what("q025"));
            assert_close(e.upper, f("q975"), 1e-6, &what("q975"));
        }
        all_series.push(cases);
    }
    // The batch path gives the same numbers.
    let n_days = all_series[0].len();
    let table = estimate_rt_many(&all_series.concat(), n_days, &si, &cfg).unwrap();
    assert_eq!(
        table.unit(1),
        estimate_rt(&all_series[1], &si, &cfg).unwrap()
    );
}

/// The wiring another crate will do: R from the last window, tiers from the default tier
/// model and the variant's severity shares, beds per tier, then the alert.
#[test]
fn projection_from_the_care_policies() {
    use domain::care::CarePolicies;
    use forecast::{project, ProjectionConfig, TierDemand};

    let date = chrono::NaiveDate::from_ymd_opt(2021, 8, 15).unwrap();
    let care = CarePolicies::embedded().unwrap();
    let variant = care.variant_on(date).unwrap();
    let model = care.tier_model(None).unwrap();
    let beds = [5_000, 400, 40];
    let tiers: Vec<TierDemand> = model
        .demand(&variant.severity_shares.value)
        .iter()
        .zip(beds)
        .map(|(t, beds)| TierDemand {
            share: t.share,
            los_days: t.los_days,
            beds,
            beds_from: Vec::new(),
            occupied: None,
        })
        .collect();
    // A growing outbreak: 10% a day.
    let history: Vec<u32> = (0..40).map(|t| (50.0 * 1.1f64.powi(t)) as u32).collect();
    let si = delta_si();
    let r = estimate_rt(&history, &si, &CoriConfig::default()).unwrap();
    let last = r.last().unwrap();
    assert!(last.lower > 1.2, "{last:?}");
    let p = project(
        &history,
        &si,
        last.posterior(),
        &tiers,
        &ProjectionConfig::default(),
    )
    .unwrap();
    assert_eq!(p.cases.len(), 28);
    assert!(p.cases[27].mean > p.cases[0].mean);
    assert_eq!(p.tiers.len(), 3);
    // ICU (5% of cases, 16 days) runs out of its 40 beds first, and the upper band warns first.
    let icu = &p.tiers[2];
    let (upper, mean) = (
        icu.first_day_over_upper.unwrap(),
        icu.first_day_over_mean.unwrap(),
    );
    assert!(upper <= mean);
    assert!(p.tiers[0].first_day_over_mean.is_none_or(|d| d >= mean));
}
