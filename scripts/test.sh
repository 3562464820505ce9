#!/usr/bin/env bash
# `npm test`: types, unit and integration tests (real Postgres: DATABASE_URL or an embedded one),
# then the end-to-end tests in Debian's Chromium against the real stack.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1

# What the tests need from the machine (Chromium, fonts), checked before minutes of tests rather than after.
echo "== preflight"
if [[ ! -x node_modules/.bin/tsx ]]; then
  echo "npm test needs the dependencies installed first: npm ci" >&2
  exit 1
fi
node_modules/.bin/tsx scripts/preflight.ts

echo "== typecheck"
npx turbo run typecheck --output-logs=errors-only
echo "== unit and integration tests"
npx vitest run
echo "== end-to-end tests (Chromium)"
npm run test:e2e
