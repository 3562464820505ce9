#!/usr/bin/env bash
# `npm test`: types, unit and integration tests (real Postgres: DATABASE_URL or an embedded one),
# then the end-to-end tests in Debian's Chromium against the real stack.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1

echo "== typecheck"
npx turbo run typecheck --output-logs=errors-only
echo "== unit and integration tests"
npx vitest run
echo "== end-to-end tests (Chromium)"
npm run test:e2e
