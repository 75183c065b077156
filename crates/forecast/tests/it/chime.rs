//! The CHIME-style SIR against penn-chime 0.0.3 (`bench/forecast/chime_ref.py`, same inputs).
//! Same operations in the same order, so the tolerance is 1e-9 relative: only the last bits
//! of NumPy's and Rust's `powf` may differ (they agree to 1e-12 today).

use forecast::chime::{run, ChimeParams, Disposition};

use crate::{assert_close, fixture};

#[test]
fn chime_equals_penn_chime() {
    let p = ChimeParams {
        population: 8_993_082.0,
        current_hospitalized: 1200.0,
        doubling_time_days: 4.0,
        infectious_days: 9.0,
        market_share: 0.6,
        relative_contact_rate: 0.35,
        // current_date 2021-08-15, mitigation_date 2021-08-01.
        mitigation_days_ago: Some(14),
        n_days: 60,
        recovered: 0.0,
        hospitalized: Disposition {
            rate: 0.05,
            los_days: 10,
        },
        icu: Disposition {
            rate: 0.015,
            los_days: 14,
        },
        ventilated: Disposition {
            rate: 0.005,
            los_days: 21,
        },
    };
    let ours = run(&p).unwrap();
    let path = format!(
        "{}/tests/fixtures/chime_ref.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let first = std::fs::read_to_string(path).unwrap();
    let i_day: u32 = first
        .lines()
        .next()
        .unwrap()
        .rsplit('=')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ours.i_day, i_day);
    let (header, rows) = fixture("chime_ref.csv");
    assert_eq!(ours.day.len(), rows.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (j, r) in rows.iter().enumerate() {
        let f = |c: &str| r[col(c)].parse::<f64>().unwrap();
        assert_eq!(ours.day[j], f("day") as i64);
        assert_close(ours.susceptible[j], f("susceptible"), 1e-9, "S");
        assert_close(ours.infected[j], f("infected"), 1e-9, "I");
        assert_close(ours.recovered[j], f("recovered"), 1e-9, "R");
        for (k, name) in ["hospitalized", "icu", "ventilated"].iter().enumerate() {
            let a = f(&format!("admits_{name}"));
            if j == 0 {
                assert!(a.is_nan() && ours.admits[k][0].is_nan());
            } else {
                assert_close(
                    ours.admits[k][j],
                    a,
                    1e-9,
                    &format!("day {j} admits {name}"),
                );
            }
            let c = f(&format!("census_{name}"));
            assert_close(
                ours.census[k][j],
                c,
                1e-9,
                &format!("day {j} census {name}"),
            );
        }
    }
}
