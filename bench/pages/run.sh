#!/usr/bin/env bash
# Times every page of the web UI on the demo locality (100,000 people, 56 days): the server's
# time to answer, median of 20 requests each after one warm-up, measured with curl on
# loopback. Usage: bash bench/pages/run.sh   (builds the release binary if needed)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chongdich-target}"
cargo build --release -p chongdich >/dev/null 2>&1
bin="$CARGO_TARGET_DIR/release/chongdich"
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
port=18$(( RANDOM % 900 + 100 ))
"$bin" demo --db "sqlite://$dir/demo.db" --addr "127.0.0.1:$port" >"$dir/out.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do grep -q "serving on" "$dir/out.log" && break; sleep 1; done
pw=$(sed -n 's/.*administrator: admin \/ \(\S*\).*/\1/p' "$dir/out.log")
token=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$pw\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
case_id=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/cases?limit=1" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
cluster_id=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/clusters" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
echo "| page | median ms | max ms | bytes |"
echo "|---|---:|---:|---:|"
for path in / /map "/map?level=district" /risk "/risk?level=district" /public/risk /forecast /cases "/cases/$case_id" \
            /contacts /venues /clusters "/clusters/$cluster_id" /facilities /coverage /aid /public/aid \
            /aid/cooperation /aid/campaigns; do
  curl -s -o /dev/null -H "Cookie: chongdich_token=$token" "http://127.0.0.1:$port$path"
  for _ in $(seq 1 20); do
    curl -s -o /dev/null -w "%{time_total} %{size_download}\n" -H "Cookie: chongdich_token=$token" "http://127.0.0.1:$port$path"
  done | sort -n | awk -v p="$path" '{ t[NR]=$1*1000; b=$2 } END { printf "| `%s` | %.1f | %.1f | %d |\n", p, t[int((NR+1)/2)], t[NR], b }'
done
