#!/usr/bin/env bash
# The HTTP dispatch bench on the bench host (no Node, no npm, no network), from the repository root,
# with .bench-pack/ carried in (scripts/bench-host/pack.sh, then scripts/bench-host/pack-web.sh).
#   bash scripts/bench-host/run-dispatch.sh [--base] [bench arguments…]
#   e.g. bash scripts/bench-host/run-dispatch.sh --agents 1000 --rates 10,100,1000 --web 4
# --base runs the earlier web build the pack carries (pack-web.sh --base <rev>) instead of the current.
# It unpacks the web pack into a scratch directory and hands over to run.sh, which unpacks Node,
# Postgres, the migrations and the other bundles there and runs app/bench-dispatch.mjs. Everything
# lands under $OUT (./bench-out without one): bench-dispatch.md (the report), bench-dispatch.json,
# bench-dispatch.log (progress), machine.txt, logs.tar.gz (web, scheduler and Postgres logs).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK=$ROOT/.bench-pack
WEB_ARGS=()
if [ "${1:-}" = --base ]; then WEB_ARGS=(--web-dir web-base); shift; fi
[ -f "$PACK/web.tar.xz" ] || { echo "run-dispatch.sh: $PACK/web.tar.xz is missing: run scripts/bench-host/pack-web.sh before carrying .bench-pack" >&2; exit 2; }
W=$(mktemp -d /tmp/headroom-dispatch.XXXXXX)
tar -xJf "$PACK/web.tar.xz" -C "$W" || exit 2
echo "web pack: $(tr '\n' ';' < "$W/app/COMMIT-web")"
HEADROOM_WORK=$W bash "$ROOT/scripts/bench-host/run.sh" bench-dispatch -- --root "$W" --work "$W/run" "${WEB_ARGS[@]}" "$@"
rc=$?
rm -rf "$W"
exit "$rc"
