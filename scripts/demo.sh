#!/usr/bin/env bash
# The demo on embedded defaults: installs what is missing, then runs demo/main.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-deps.sh
ensure_node
ensure_npm_packages
# redis-server: the queues' Redis, started by the demo on a free loopback port.
ensure_debian_packages redis-server
exec node --import tsx demo/main.ts "$@"
