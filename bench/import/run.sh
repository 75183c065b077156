#!/usr/bin/env bash
# The F0-list import benchmark (docs/BENCHMARKS.md, issue #16): `chongdich import` of N
# generated rows into a fresh SQLite database, RUNS times, with its peer in the same run —
# the same rows as plain INSERTs in one transaction by the sqlite3 shell.
# Usage: bench/import/run.sh BIN N [RUNS]   (files from `python3 bench/import/gen.py N`, in $PWD)
set -euo pipefail
bin=$1 n=$2 runs=${3:-3}
csv=f0-$n.csv sql=f0-$n.sql
[ -f "$csv" ] && [ -f "$sql" ] || { echo "run: python3 bench/import/gen.py $n" >&2; exit 1; }
rm -f a.db a.db-wal a.db-shm
"$bin" migrate --db sqlite://a.db >/dev/null 2>&1
echo 'benchpassword123' | "$bin" user add --db sqlite://a.db --username cdc --role administrator --unit VN >/dev/null 2>&1
sqlite3 a.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
  rm -f d.db d.db-wal d.db-shm && cp a.db d.db
  /usr/bin/time -f "chongdich import run $i: %e s, peak %M KB" "$bin" import --db sqlite://d.db --as cdc --kind cases "$csv" 2>&1 >/dev/null | grep -v INFO
  rm -f p.db p.db-wal p.db-shm
  sqlite3 p.db 'CREATE TABLE peer_rows (id INTEGER PRIMARY KEY, full_name TEXT, phone TEXT, commune TEXT, district TEXT, sample TEXT, result TEXT)'
  /usr/bin/time -f "peer plain INSERTs run $i: %e s, peak %M KB" sqlite3 p.db < "$sql" 2>&1 >/dev/null
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
