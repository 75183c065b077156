"""Reference CHIME run (penn-chime 0.0.3) for crates/forecast's CHIME-style SIR.

Writes crates/forecast/tests/fixtures/chime_ref.csv: one row per model day with S, I, R and
the admissions and census of each disposition, and the fitted i_day in a comment line.
Inputs are fixed here and repeated in crates/forecast/tests/it/chime.rs.
"""
import csv
import logging
import sys
from datetime import date
from pathlib import Path

from penn_chime.model.parameters import Parameters, Disposition
from penn_chime.model.sir import Sir

logging.disable(logging.CRITICAL)

OUT = Path(__file__).resolve().parents[2] / "crates/forecast/tests/fixtures/chime_ref.csv"

p = Parameters(
    current_date=date(2021, 8, 15),
    current_hospitalized=1200,
    doubling_time=4.0,
    hospitalized=Disposition.create(rate=0.05, days=10),
    icu=Disposition.create(rate=0.015, days=14),
    ventilated=Disposition.create(rate=0.005, days=21),
    infectious_days=9,
    market_share=0.6,
    mitigation_date=date(2021, 8, 1),
    n_days=60,
    population=8_993_082,
    recovered=0,
    relative_contact_rate=0.35,
)
m = Sir(p)
raw = m.raw
keys = ["hospitalized", "icu", "ventilated"]
with open(OUT, "w", newline="") as f:
    f.write(f"# penn-chime 0.0.3; i_day={m.i_day}\n")
    w = csv.writer(f)
    w.writerow(["day", "susceptible", "infected", "recovered"]
               + [f"admits_{k}" for k in keys] + [f"census_{k}" for k in keys])
    for j in range(len(raw["day"])):
        w.writerow([int(raw["day"][j])] + [repr(float(raw[c][j])) for c in ("susceptible", "infected", "recovered")]
                   + [repr(float(raw[f"admits_{k}"][j])) for k in keys]
                   + [repr(float(raw[f"census_{k}"][j])) for k in keys])
print(f"i_day={m.i_day} rows={len(raw['day'])} -> {OUT}", file=sys.stderr)
