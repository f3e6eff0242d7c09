#!/usr/bin/env bash
# The demo on embedded defaults: installs what is missing, then runs demo/main.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-deps.sh
ensure_node
ensure_npm_packages
exec node --import tsx demo/main.ts "$@"
