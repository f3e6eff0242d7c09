#!/usr/bin/env bash
# The whole test suite: installs what is missing, type-checks, lints, then runs every test
# (unit, integration against dynalite, end-to-end through real HTTP servers).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure-deps.sh
ensure_node
ensure_npm_packages
# python3-pydicom: its corpus of real DICOM files is read by the tests (never copied into the repo).
# docker-compose: validates docker/compose.yaml (no Docker engine needed).
# dcmtk (dcmdjpeg) and python3-pil: reference decoders the pixel tests compare against.
# orthanc + orthanc-dicomweb: the real PACS the DICOMweb image source is tested against.
# redis-server: the real Redis under the BullMQ queues; chromium: renders the viewer page.
ensure_debian_packages python3-pydicom python3-numpy python3-pil dcmtk docker-compose orthanc orthanc-dicomweb \
  redis-server chromium
echo "» typecheck"
npx tsc -p tsconfig.json --noEmit
echo "» lint"
npx eslint . --max-warnings 0
npx prettier --check . --log-level warn
echo "» tests"
npx vitest run "$@"
