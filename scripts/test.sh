#!/usr/bin/env bash
# `npm test`: types, unit and integration tests (real Postgres: DATABASE_URL or an embedded one),
# then the end-to-end tests in Debian's Chromium against the real stack, then (as root or in CI) the
# short fault campaign and soak.
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

# Issue 13's fault campaign and soak, short: every fault kind injected at least once under load with
# every job reconciled (any job lost or completed twice, or a fault not injected, fails), then a few
# minutes of steady load (a process that died, or a job not succeeded, fails). They reuse the web
# build above and need root (a tmpfs, network namespaces), as CI has: without root they are skipped
# unless CI=true, where a fault that cannot be injected fails the run. HEADROOM_TEST_CAMPAIGNS=0 skips.
if [[ "${HEADROOM_TEST_CAMPAIGNS:-}" == 0 ]]; then
  echo "== short fault campaign and soak: skipped (HEADROOM_TEST_CAMPAIGNS=0)"
elif [[ "${CI:-}" == true || "$(id -u)" == 0 ]]; then
  # A bound far above their usual minutes, so a hung run ends the step (SIGTERM: the stack is stopped) instead of CI's.
  echo "== short fault campaign (npm run chaos -- --short)"
  timeout 30m node_modules/.bin/tsx scripts/chaos/chaos.ts --short
  echo "== short soak (npm run soak -- --short)"
  timeout 15m node_modules/.bin/tsx scripts/soak/soak.ts --short
else
  echo "== short fault campaign and soak: skipped (they need root for a tmpfs and network namespaces; CI=true runs them anyway)"
fi
