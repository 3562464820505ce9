#!/usr/bin/env bash
# Fills .image-stage/ with what the images copy (deploy/containers/images.ts): the node binary, the
# control plane (Next's standalone server, the scheduler and migration bundles, migrations and the
# native packages they load) and the agent (bundles, models, manifest, native packages).
# Usage: deploy/containers/stage.sh   (HEADROOM_REBUILD_WEB=1 forces a fresh `next build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/gpu-host/bundle.sh
ROOT=$PWD
OUT=$ROOT/.image-stage
rm -rf "$OUT" && mkdir -p "$OUT"

# The host's node (>= 20.19, as package.json asks); Debian bookworm's own nodejs is 18.
cp "$(command -v node)" "$OUT/node"

CP=$OUT/control-plane
WEB=apps/web/.next-standalone
if [ ! -f "$WEB/standalone/apps/web/server.js" ] || [ "${HEADROOM_REBUILD_WEB:-0}" = 1 ]; then
  (cd apps/web && HEADROOM_NEXT_STANDALONE=1 NEXT_TELEMETRY_DISABLED=1 node "$ROOT/node_modules/next/dist/bin/next" build)
fi
mkdir -p "$CP/web"
cp -a "$WEB/standalone/." "$CP/web/"
cp -a "$WEB/static" "$CP/web/apps/web/.next-standalone/static"
rm -rf "$CP/web/.data"
bundle "$CP/bin" scheduler=apps/scheduler/src/main.ts migrate=deploy/containers/migrate.ts
mkdir -p "$CP/prisma" && cp -r prisma/migrations "$CP/prisma/"
mkdir -p "$CP/node_modules/@prisma" "$CP/node_modules/@node-rs"
cp -a node_modules/@prisma/schema-engine-wasm "$CP/node_modules/@prisma/"
cp -a node_modules/@node-rs/argon2 node_modules/@node-rs/argon2-linux-x64-gnu "$CP/node_modules/@node-rs/"

AG=$OUT/agent
bundle "$AG/bin" agent=apps/gpu-node/src/main.ts child=apps/gpu-node/src/runner/child.ts crop-worker=apps/gpu-node/src/ocr/crop-worker.ts
cp "$(ls apps/gpu-node/src/ocr/model-prep/int8-ranges.json apps/gpu-node/src/ocr/int8-ranges.json 2>/dev/null | head -n 1)" "$AG/bin/"
echo '{"name":"@headroom/gpu-node","version":"'"$(node -p 'require("./apps/gpu-node/package.json").version')"'"}' > "$AG/package.json"
node_modules/.bin/tsx scripts/gpu-host/write-manifest.ts "$AG" --copy-models
NM=$AG/node_modules
mkdir -p "$NM/@napi-rs" "$NM/pdfjs-dist/legacy/build"
cp -a node_modules/onnxruntime-node node_modules/onnxruntime-common node_modules/sharp node_modules/@img node_modules/detect-libc node_modules/semver "$NM/" 2>/dev/null || true
cp -a node_modules/@napi-rs/canvas node_modules/@napi-rs/canvas-linux-x64-gnu "$NM/@napi-rs/"
# The Runner starts its child with `--import tsx` (TypeScript in development); the bundled child is
# plain JS, so an empty module stands in for tsx, as in scripts/gpu-host/pack.sh.
mkdir -p "$NM/tsx" && echo '{"name":"tsx","type":"module","exports":"./index.mjs"}' > "$NM/tsx/package.json" && : > "$NM/tsx/index.mjs"
P=node_modules/pdfjs-dist
cp $P/package.json "$NM/pdfjs-dist/" && cp -r $P/standard_fonts $P/cmaps $P/wasm "$NM/pdfjs-dist/" 2>/dev/null || true
cp $P/legacy/build/pdf.mjs $P/legacy/build/pdf.worker.mjs "$NM/pdfjs-dist/legacy/build/"
mkdir -p "$OUT/empty"
du -sh "$OUT"/* | sed 's/^/stage: /'
