#!/usr/bin/env bash
# Installs Debian's nats-server (the JetStream server the linked-localities tests cluster on,
# issue #17) if absent, and prints the binary's path. The tests start their own servers
# (crates/link/src/testing.rs): nothing is started here.
set -euo pipefail

if ! command -v nats-server >/dev/null 2>&1; then
  echo "installing nats-server from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq nats-server >&2
fi
bin="$(command -v nats-server)"
"$bin" --version >&2
echo "$bin"
