#!/usr/bin/env bash
# Runs on the bench host, from the repository root, with .bench-pack/ (made by pack.sh) carried in.
# The host needs no Node, npm or network: this unpacks Node, the embedded Postgres, the migrations
# and the bundles into a scratch directory and runs one bundle there, with the arguments given.
#   scripts/bench-host/run.sh <name> [-- args…]     e.g. scripts/bench-host/run.sh scheduler -- --nodes 1000,10000
# Output goes under $OUT (./bench-out where there is none): the machine (lscpu, free), the run's log,
# and whatever the bench writes with --out (it is given --out $OUT).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK=$ROOT/.bench-pack
NAME=${1:?usage: run.sh <name> [-- args…]}
shift
[ "${1:-}" = -- ] && shift
OUTDIR=${OUT:-$ROOT/bench-out}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
W=${HEADROOM_WORK:-$(mktemp -d /tmp/headroom-bench.XXXXXX)}
mkdir -p "$W"
t0=$(date +%s)

xz -dc "$PACK/node.xz" > "$W/node" && chmod +x "$W/node"
tar -xJf "$PACK/rt.tar.xz" -C "$W" && tar -xJf "$PACK/app.tar.xz" -C "$W"
# A code-only repack carries the current migrations beside the kept runtime archive.
[ -f "$PACK/migrations.tar.xz" ] && rm -rf "$W/prisma" && tar -xJf "$PACK/migrations.tar.xz" -C "$W"
[ -f "$W/app/$NAME.mjs" ] || { echo "run.sh: no bundle app/$NAME.mjs in the pack (has: $(cd "$W/app" && ls *.mjs | tr '\n' ' '))" >&2; exit 2; }
echo "unpacked in $(( $(date +%s) - t0 )) s into $W; bundle from $(cat "$W/app/COMMIT" 2>/dev/null)"

{
  echo "== date"; date -u
  echo "== lscpu"; lscpu 2>/dev/null || grep -m1 'model name' /proc/cpuinfo
  echo "== nproc"; nproc
  echo "== free -m"; free -m 2>/dev/null || head -3 /proc/meminfo
  echo "== uname"; uname -a
  echo "== loadavg"; cat /proc/loadavg
} > "$OUTDIR/machine.txt" 2>&1
grep -E "Model name|^CPU\(s\)|Mem:" "$OUTDIR/machine.txt"

cd "$W"
export PATH="$W:$PATH" HEADROOM_MIGRATIONS_DIR="$W/prisma/migrations" HEADROOM_BENCH_COMMIT="$(cat app/COMMIT 2>/dev/null)"
./node "app/$NAME.mjs" --out "$OUTDIR" "$@" 2>&1 | tee "$OUTDIR/$NAME.log"
rc=${PIPESTATUS[0]}
echo "run.sh: exit $rc after $(( $(date +%s) - t0 )) s" | tee -a "$OUTDIR/$NAME.log"
[ -n "${HEADROOM_WORK:-}" ] || rm -rf "$W"
exit "$rc"
