#!/usr/bin/env bash
# The HTTP dispatch bench on the bench host (no Node, no npm, no network), from the repository root,
# with .bench-pack/ carried in (scripts/bench-host/pack.sh, then scripts/bench-host/pack-web.sh).
#   bash scripts/bench-host/run-dispatch.sh [--base | --both] [bench arguments…]
#   e.g. bash scripts/bench-host/run-dispatch.sh --both --agents 1000 --rates 10,100,1000 --web 4
# By default it runs the current web build; --base the earlier one the pack carries
# (pack-web.sh --base <rev>); --both runs the current one, then the earlier one, on the same host,
# into $OUT/current and $OUT/base. It unpacks the web pack into a scratch directory and hands over
# to run.sh, which unpacks Node, Postgres, the migrations and the other bundles there and runs
# app/bench-dispatch.mjs. Everything lands under $OUT (./bench-out without one): bench-dispatch.md
# (the report), bench-dispatch.json, bench-dispatch.log (progress), machine.txt, logs.tar.gz (web
# and scheduler logs).
# BENCH=bench-upload-port runs packages/scheduler/bench/upload-port.ts the same way instead (one
# replica's uploads through Next's port against its API port; the pack's current build must have it).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK=$ROOT/.bench-pack
WHICH=current
case "${1:-}" in
  --base) WHICH=base; shift ;;
  --both) WHICH=both; shift ;;
esac
[ -f "$PACK/web.tar.xz" ] || { echo "run-dispatch.sh: $PACK/web.tar.xz is missing: run scripts/bench-host/pack-web.sh before carrying .bench-pack" >&2; exit 2; }
# Each agent holds up to three sockets (claim long-poll, heartbeat, samples): a web replica serving
# a thousand agents needs more descriptors than a common soft limit of 1,024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "open files limit: $(ulimit -n)"
OUTROOT=${OUT:-$ROOT/bench-out}
W=$(mktemp -d /tmp/headroom-dispatch.XXXXXX)
tar -xJf "$PACK/web.tar.xz" -C "$W" || exit 2
echo "web pack: $(tr '\n' ';' < "$W/app/COMMIT-web")"

one() { # <web dir in the pack> <out dir> [bench arguments…]
  local dir=$1 out=$2
  shift 2
  [ -d "$W/$dir" ] || { echo "run-dispatch.sh: the pack has no $dir/ (pack-web.sh --base <rev> adds web-base/)" >&2; return 2; }
  rm -rf "$W/run"
  OUT=$out HEADROOM_WORK=$W bash "$ROOT/scripts/bench-host/run.sh" "${BENCH:-bench-dispatch}" -- --root "$W" --work "$W/run" --web-dir "$dir" "$@"
}
rc=0
case $WHICH in
  current) one web "$OUTROOT" "$@" || rc=$? ;;
  base) one web-base "$OUTROOT" "$@" || rc=$? ;;
  both)
    one web "$OUTROOT/current" "$@" || rc=$?
    one web-base "$OUTROOT/base" "$@" || rc=$?
    ;;
esac
rm -rf "$W"
exit "$rc"
