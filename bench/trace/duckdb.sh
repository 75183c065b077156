#!/usr/bin/env bash
# The tracing engine and DuckDB (PyPI) on the same generated check-ins, in one run:
# the engine's bench writes the data and its own answers and timings, then DuckDB loads the
# same files, answers the same F1 questions and must give the same rows.
#   bash bench/trace/duckdb.sh [CHECKINS PEOPLE VENUES]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/bench/.venv"
checkins="${1:-5000000}"; people="${2:-1000000}"; venues="${3:-50000}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
echo '*' > "$venv/.gitignore"
"$venv/bin/python" -c 'import duckdb' 2>/dev/null || "$venv/bin/pip" install --quiet duckdb
(cd "$root" && cargo run --quiet --release -p trace --example trace_bench -- \
    --checkins "$checkins" --people "$people" --venues "$venues" --days 21 --f0s 1000 --csv-out "$dir")
"$venv/bin/python" "$here/duckdb_peer.py" "$dir" 200
