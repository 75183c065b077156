#!/usr/bin/env bash
# Load on loopback (issue #12): the case list, a case's F1 list and the dashboard under 1, 8
# and 32 concurrent clients, on SQLite and on PostgreSQL in the same run. Each database gets
# the default demo (100,000 people); wrk (Debian's package) drives the release binary for a
# bounded DURATION per point and reports requests per second and latency percentiles.
# Usage: bash bench/load/run.sh [DURATION]   (needs CHONGDICH_TEST_PG for the PostgreSQL half)
# Both the server and wrk share this machine's cores: the figures are what one box does alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chongdich-target}"
duration="${1:-10s}"
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 1; }
cargo build --release -p chongdich >/dev/null 2>&1
bin="$CARGO_TARGET_DIR/release/chongdich"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT

run_db() {
  local label="$1" db="$2" port=18$(( RANDOM % 900 + 100 ))
  "$bin" demo --db "$db" --addr "127.0.0.1:$port" >"$dir/$label.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do grep -q "serving on" "$dir/$label.log" && break; sleep 1; done
  local pw token case_id
  pw=$(sed -n 's/.*administrator: admin \/ \(\S*\).*/\1/p' "$dir/$label.log")
  token=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$pw\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
  case_id=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/cases?limit=1" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
  # The demo just wrote about a gigabyte: flush it now, so that no checkpoint of the build
  # lands inside a measurement (it halved PostgreSQL's figures in one run).
  if [ "$label" = PostgreSQL ]; then psql "$CHONGDICH_TEST_PG" -qc CHECKPOINT; fi
  sleep 2
  for spec in "case list|/api/v1/cases?limit=50|Authorization: Bearer $token" \
              "F1 of a case|/api/v1/cases/$case_id/contacts|Authorization: Bearer $token" \
              "dashboard|/|Cookie: chongdich_token=$token"; do
    IFS='|' read -r name path header <<<"$spec"
    for c in 1 8 32; do
      wrk -t "$(( c < 2 ? 1 : 2 ))" -c "$c" -d "$duration" --latency -H "$header" "http://127.0.0.1:$port$path" >"$dir/wrk.txt" 2>&1 || true
      python3 - "$label" "$name" "$c" "$dir/wrk.txt" <<'PY'
import re, sys
label, name, c, path = sys.argv[1:]
t = open(path).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
def ms(p):
    m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", t)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
print(f"| {label} | {name} | {c} | {float(rps.group(1)) if rps else float('nan'):,.0f} | {ms(50):.1f} | {ms(99):.1f} | {non2xx.group(1) if non2xx else 0} |")
PY
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

echo "| database | request | clients | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---:|---:|---:|---:|---:|"
run_db SQLite "sqlite://$dir/demo.db"
if [ -n "${CHONGDICH_TEST_PG:-}" ]; then
  base="${CHONGDICH_TEST_PG%/*}"
  psql "$CHONGDICH_TEST_PG" -qc "DROP DATABASE IF EXISTS chongdich_load WITH (FORCE)" >/dev/null
  psql "$CHONGDICH_TEST_PG" -qc "CREATE DATABASE chongdich_load" >/dev/null
  run_db PostgreSQL "$base/chongdich_load"
  psql "$CHONGDICH_TEST_PG" -qc "DROP DATABASE IF EXISTS chongdich_load WITH (FORCE)" >/dev/null
fi
