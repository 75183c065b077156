#!/usr/bin/env bash
# Regenerates data/geo/vietnam.geojson and archipelagos.geojson from the npm registry (world-atlas, topojson-client).
# Needs node and npm; nothing at run time uses the network.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/outline.js" "$here/archipelagos.js" "$work/"
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund world-atlas@2.0.2 topojson-client@3.1.0 >/dev/null)
node "$work/outline.js" > "$root/data/geo/vietnam.geojson"
node "$work/archipelagos.js" > "$root/data/geo/archipelagos.geojson"
echo "wrote data/geo/vietnam.geojson and data/geo/archipelagos.geojson"
