"""Reference R(t) from epyestim for crates/forecast (Cori et al. 2013).

Runs epyestim's deterministic core, `epyestim.estimate_r.estimate_r` (7-day rolling windows,
gamma prior shape 1 / scale 5) and `gamma_quantiles` (SciPy's gammaincinv), on two fixed case
series with the Delta serial interval of data/policies/care.toml. epyestim's distribution
starts at lag 0, ours at lag 1: a 0 is prepended. (epyestim's `bagging_r` adds bootstrap and
smoothing; it is random and not compared.) Writes crates/forecast/tests/fixtures/epyestim_ref.csv.
"""
import csv
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
from epyestim.estimate_r import estimate_r, gamma_quantiles, overall_infectivity

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "crates/forecast/tests/fixtures/epyestim_ref.csv"


def delta_serial_interval():
    care = tomllib.loads((ROOT / "data/policies/care.toml").read_text())
    delta = next(v for v in care["variant"] if v["document"].startswith("Delta"))
    return np.array([0.0] + delta["serial_interval"]["value"])


def series():
    """A commune-sized wave (tens of cases, zeros at the start) and a province-sized one."""
    rng = np.random.default_rng(2021)
    t = np.arange(120)
    commune = rng.poisson(30 * np.exp(-(((t - 50) / 18) ** 2))).astype(int)
    province = rng.poisson(9000 * np.exp(-(((t - 70) / 25) ** 2)) + 5).astype(int)
    return {"commune": commune, "province": province}


def main():
    si = delta_serial_interval()
    rows = []
    for name, cases in series().items():
        ts = pd.Series(cases, index=pd.date_range("2021-07-01", periods=len(cases)))
        lam = overall_infectivity(ts, si)
        post = estimate_r(ts, si, a_prior=1.0, b_prior=5.0, window_size=7)
        a, b = post["a_posterior"].values, post["b_posterior"].values
        lo, hi = gamma_quantiles(0.025, a, b), gamma_quantiles(0.975, a, b)
        offset = len(ts) - len(post)
        for j in range(len(ts)):
            k = j - offset
            est = [a[k], b[k], a[k] * b[k], lo[k], hi[k]] if k >= 0 else [""] * 5
            rows.append([name, j, int(cases[j]), repr(float(lam.iloc[j]))]
                        + [repr(float(x)) if x != "" else "" for x in est])
    with open(OUT, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "day", "cases", "infectiousness", "shape", "scale", "mean", "q025", "q975"])
        w.writerows(rows)
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
