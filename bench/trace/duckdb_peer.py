"""DuckDB as a peer of the tracing engine, on the CSV files the engine's bench wrote.

Loads the check-ins sorted by venue (DuckDB's zone maps then prune by venue), answers F1 of
every F0 in one query (f1.sql) and of a sample of F0s one by one, and checks the answer
equals the engine's (expected_f1.csv).  Usage: python duckdb_peer.py DIR [SAMPLE]
"""

import statistics
import sys
import time
from pathlib import Path

import duckdb

here = Path(__file__).resolve().parent
data = Path(sys.argv[1])
sample = int(sys.argv[2]) if len(sys.argv) > 2 else 200

con = duckdb.connect()
t = time.perf_counter()
con.execute(f"CREATE TABLE checkins AS SELECT * FROM read_csv('{data}/checkins.csv', header=true) ORDER BY venue, t_in_s")
con.execute(f"CREATE TABLE venues AS SELECT * FROM read_csv('{data}/venues.csv', header=true)")
con.execute(f"CREATE TABLE f0s AS SELECT * FROM read_csv('{data}/f0s.csv', header=true)")
n = con.execute("SELECT count(*) FROM checkins").fetchone()[0]
print(f"duckdb {duckdb.__version__}: loaded {n} check-ins sorted by venue in {time.perf_counter() - t:.1f} s")

sql = (here / "f1.sql").read_text()
t = time.perf_counter()
rows = con.execute(sql).fetchall()
batch_s = time.perf_counter() - t
f0_count = con.execute("SELECT count(*) FROM f0s").fetchone()[0]

expected = set()
with open(data / "expected_f1.csv") as f:
    next(f)
    for line in f:
        a, b, e = line.strip().split(",")
        expected.add((int(a), int(b), int(e)))
got = {(int(a), int(b), int(e)) for a, b, e in rows}
if got != expected:
    print(f"answers differ from the engine: {len(got)} rows vs {len(expected)}", file=sys.stderr)
    sys.exit(1)
print(f"batch: F1 of {f0_count} F0s in one query: {batch_s:.3f} s; same {len(got)} rows as the engine")

# One F0 at a time, as a service would ask: the same query restricted to one F0.
one = sql.replace("FROM f0s f", "FROM (SELECT * FROM f0s WHERE person = $1) f")
f0s = [r[0] for r in con.execute("SELECT person FROM f0s ORDER BY person LIMIT ?", [sample]).fetchall()]
for p in f0s[:10]:
    con.execute(one, [p]).fetchall()
times = []
for p in f0s:
    t = time.perf_counter()
    con.execute(one, [p]).fetchall()
    times.append((time.perf_counter() - t) * 1e6)
times.sort()
print(f"single F0: median {statistics.median(times):.0f} µs, p95 {times[int(len(times) * 0.95)]:.0f} µs over {len(times)} F0s")
