"""Discretises a gamma serial interval for data/policies/care.toml.

p_k = F(k + 0.5) − F(k − 0.5) for lags k = 1..K days, with p_1 = F(1.5) (the mass below half a
day goes to lag 1, since lag 0 is not allowed), renormalised to sum to 1 over 1..K.
Usage: python serial_interval.py MEAN_DAYS SD_DAYS MAX_LAG_DAYS
"""
import sys

from scipy.stats import gamma

mean, sd, k_max = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
shape = (mean / sd) ** 2
scale = sd * sd / mean
cdf = [gamma.cdf(k + 0.5, shape, scale=scale) for k in range(0, k_max + 1)]
probs = [cdf[0]] + [cdf[k] - cdf[k - 1] for k in range(1, k_max + 1)]
probs = [probs[0] + probs[1]] + probs[2:]
total = sum(probs)
print("[" + ", ".join(f"{p / total:.12f}" for p in probs) + "]")
