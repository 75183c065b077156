#!/usr/bin/env bash
# Loads the bench's CSV files into SQLite, runs f1.sql and compares its answer with the
# engine's (expected_f1.csv). Usage: bash bench/trace/sqlite.sh DIR
set -euo pipefail
dir="${1:?usage: sqlite.sh DIR (written by: cargo run --release -p trace --example trace_bench -- --csv-out DIR)}"
here="$(cd "$(dirname "$0")" && pwd)"
db="$dir/peer.sqlite"
rm -f "$db"
sqlite3 "$db" <<SQL
CREATE TABLE checkins(person INTEGER, venue INTEGER, t_in_s INTEGER, t_out_s INTEGER);
CREATE TABLE venues(venue INTEGER PRIMARY KEY, kind TEXT, min_overlap_s INTEGER);
CREATE TABLE f0s(person INTEGER, from_s INTEGER, to_s INTEGER);
.mode csv
.import --skip 1 $dir/checkins.csv checkins
.import --skip 1 $dir/venues.csv venues
.import --skip 1 $dir/f0s.csv f0s
CREATE INDEX checkins_person ON checkins(person, t_in_s);
CREATE INDEX checkins_venue ON checkins(venue, t_in_s);
ANALYZE;
SQL
start=$(date +%s.%N)
sqlite3 -csv "$db" < "$here/f1.sql" > "$dir/peer_f1.csv"
end=$(date +%s.%N)
echo "sqlite: F1 of $(($(wc -l < "$dir/f0s.csv") - 1)) F0s in $(echo "$end - $start" | bc) s"
if diff <(tail -n +2 "$dir/expected_f1.csv" | sort -t, -k1,1n -k2,2n) <(sort -t, -k1,1n -k2,2n "$dir/peer_f1.csv") > /dev/null; then
  echo "same answer as the engine: $(wc -l < "$dir/peer_f1.csv") rows"
else
  echo "answers differ from the engine" >&2
  exit 1
fi
