#!/usr/bin/env bash
# Rebuilds data/geo/provinces_{2021,2025}.geojson (the national map's provinces) from the
# committed units and outline: run after either changes. Nothing at run time rebuilds them.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHONGDICH_REGENERATE=1 cargo test -p web --lib the_kept_provinces_are_those_the_reference_data_build
