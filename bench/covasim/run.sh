#!/usr/bin/env bash
# Our outbreak simulator (crates/sim) against Covasim 4.0.1 at the same population and days.
#
#   bench/covasim/run.sh                  # 100,000 and 1,000,000 people, 60 days
#   PEOPLE="20000 100000" DAYS=30 bench/covasim/run.sh
#
# Covasim goes into a venv at bench/.venv (pip from PyPI). On Python 3.11 a plain
# `pip install covasim==4.0.1` resolves (numpy 2, numba, starsim) without pins.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/bench/.venv"
people="${PEOPLE:-100000 1000000}"
days="${DAYS:-60}"
threads="${THREADS:-1 0}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# Keep the venv out of git, as Python 3.13's venv does by itself.
echo '*' >"$venv/.gitignore"
if ! "$venv/bin/python" -c 'import covasim, sys; sys.exit(covasim.__version__ != "4.0.1")' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet covasim==4.0.1
fi
# Covasim's first import builds matplotlib's font cache; keep that out of the timings.
STARSIM_INSTALL_FONTS=0 "$venv/bin/python" -c 'import covasim' >/dev/null

(cd "$root" && cargo build --quiet --release -p sim --example bench)
bench="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench"

args=()
for p in $people; do args+=(--people "$p"); done
for t in $threads; do args+=(--threads "$t"); done
STARSIM_INSTALL_FONTS=0 python3 "$here/compare.py" --bench "$bench" --python "$venv/bin/python" \
    --days "$days" "${args[@]}"
