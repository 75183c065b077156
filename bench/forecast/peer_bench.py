"""Python peers for crates/forecast/examples/bench.rs, on the same generated data.

- R(t): epyestim 0.1 (`estimate_r` + `gamma_quantiles`) per commune, on the first N communes
  (default 500) of the 10,000 × 90 series, extrapolated to 10,000; and a vectorised NumPy/SciPy
  implementation of the same estimator on all 10,000 (a strong peer: one array pass).
- Risk levels: 4800/QĐ-BYT's matrix vectorised with NumPy on the 10,000 communes, and the
  pooled roll-up to 700 districts and 63 provinces with pandas `groupby`.
Usage: python peer_bench.py [N_EPYESTIM] [RUNS]
"""
import statistics
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
from epyestim.estimate_r import estimate_r, gamma_quantiles
from scipy.special import gammaincinv

ROOT = Path(__file__).resolve().parents[2]
COMMUNES, DISTRICTS, PROVINCES, DAYS = 10_000, 700, 63, 90


def cases():
    u = np.arange(COMMUNES, dtype=np.uint64)[:, None]
    t = np.arange(DAYS, dtype=np.uint64)[None, :]
    peak = 20.0 + (u % 50).astype(float)
    size = 1.0 + ((u * 37) % 100).astype(float)
    z = (t.astype(float) - peak) / 15.0
    base = np.floor(size * np.exp(-(z * z))).astype(np.int64)
    h = (u * np.uint64(2_654_435_761) + t * np.uint64(40_503)) % np.uint64(1 << 32)
    return base + (h >> np.uint64(29)).astype(np.int64)


def median_ms(runs, f):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def rt_numpy(x, w, a=1.0, b=5.0, win=7):
    lam = np.zeros_like(x, dtype=float)
    for k in range(1, len(w)):
        lam[:, k:] += w[k] * x[:, :-k]
    cx = np.cumsum(np.pad(x, ((0, 0), (1, 0))), axis=1)
    cl = np.cumsum(np.pad(lam, ((0, 0), (1, 0))), axis=1)
    shape = a + (cx[:, win:] - cx[:, :-win])
    scale = 1.0 / (1.0 / b + (cl[:, win:] - cl[:, :-win]))
    return shape * scale, gammaincinv(shape, 0.025) * scale, gammaincinv(shape, 0.975) * scale


def main():
    n_epy = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    care = tomllib.loads((ROOT / "data/policies/care.toml").read_text())
    si = np.array([0.0] + care["variant"][0]["serial_interval"]["value"])
    x = cases()
    index = pd.date_range("2021-07-01", periods=DAYS)

    def epy():
        for row in x[:n_epy]:
            post = estimate_r(pd.Series(row, index=index), si, 1.0, 5.0, window_size=7)
            a, b = post["a_posterior"].values, post["b_posterior"].values
            gamma_quantiles(0.025, a, b), gamma_quantiles(0.975, a, b)

    epy_ms = median_ms(max(1, runs // 2), epy)
    print(f"epyestim R(t), {n_epy} communes × 90 days: {epy_ms:.0f} ms "
          f"(→ {epy_ms * COMMUNES / n_epy / 1000:.1f} s for 10,000)")
    np_ms = median_ms(runs, lambda: rt_numpy(x, si))
    mean, _, _ = rt_numpy(x, si)
    print(f"NumPy/SciPy vectorised R(t), 10,000 × 90: {np_ms:.0f} ms "
          f"(sum of last means {mean[:, -1].sum():.6f})")

    week = x[:, -7:].sum(axis=1)
    u = np.arange(COMMUNES)
    pop = 3000 + (u * 7919) % 15000
    first_dose = 0.5 + (u % 50) / 100.0
    district = np.repeat(np.arange(DISTRICTS), np.diff([d * COMMUNES // DISTRICTS for d in range(DISTRICTS + 1)]))
    province_of_district = np.repeat(np.arange(PROVINCES), np.diff([p * DISTRICTS // PROVINCES for p in range(PROVINCES + 1)]))
    matrix = np.array([[1, 2], [1, 2], [2, 3], [3, 4]])

    def levels(community, population, coverage):
        band = np.digitize(community * 1e5 / population, [20.0, 50.0, 150.0])
        return matrix[band, (coverage < 0.70).astype(int)]

    def risk():
        df = pd.DataFrame({"district": district, "community": week * 7 // 10, "pop": pop,
                           "dosed": first_dose * pop})
        lc = levels(df["community"].values, df["pop"].values, first_dose)
        d = df.groupby("district")[["community", "pop", "dosed"]].sum()
        ld = levels(d["community"].values, d["pop"].values, d["dosed"].values / d["pop"].values)
        d["province"] = province_of_district
        p = d.groupby("province")[["community", "pop", "dosed"]].sum()
        lp = levels(p["community"].values, p["pop"].values, p["dosed"].values / p["pop"].values)
        return lc, ld, lp

    risk_ms = median_ms(runs * 4, risk)
    lc, _, _ = risk()
    print(f"NumPy/pandas risk levels 4800, 10,000 communes + 700 districts + 63 provinces: "
          f"{risk_ms:.2f} ms (communes per level {np.bincount(lc, minlength=5)[1:].tolist()})")


if __name__ == "__main__":
    main()
