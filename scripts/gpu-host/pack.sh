#!/usr/bin/env bash
# Packs what a GPU test host needs to run Headroom's GPU measurement (bench/gpu-run.ts) into .gpu-pack/
# (git-ignored through .git/info/exclude), under the device tool's 64 MiB carry limit:
#   node.xz        this machine's Node binary, stripped, xz
#   rt.tar.xz      onnxruntime-node (linux-x64 binary, dist) + onnxruntime-common, sharp + @img libvips,
#                  the PP-OCRv4 models and the receipts
#   app.tar.xz     the code bundled to plain JS with esbuild (bench/gpu-run.ts and the runner child;
#                  bench/gpu-ceiling.ts and bench/cer-compare.ts, which scripts/gpu-host/bench.sh runs) and a
#                  manifest naming the models. It travels alone so a code change repacks in seconds
#                  (rt.tar.xz and node.xz are kept when present; --full rebuilds them)
#   *.deb          Debian's Vulkan loader and glvnd (the host has neither), unpacked there by run.sh
# Usage: scripts/gpu-host/pack.sh [--full] [receipt count, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/gpu-host/bundle.sh
ROOT=$PWD
FULL=0
if [ "${1:-}" = --full ]; then FULL=1; shift; fi
COUNT=${1:-10}
# Shared data sits beside the repository, not at one machine's absolute path.
IMAGES=${HEADROOM_EVAL_IMAGES:-$ROOT/../shared/eval/sroie2019/img}
start_pack .gpu-pack "$FULL"

# The measurements and the runner child as plain JS (bundle.sh).
mkdir -p "$STAGE/app"
# crop-worker: the runner's line-crop worker threads (ocr/crop-pool.ts) load it from beside child.mjs.
bundle "$STAGE/app" apps/gpu-node/bench/gpu-run.ts apps/gpu-node/src/runner/child.ts apps/gpu-node/bench/gpu-ceiling.ts apps/gpu-node/bench/cer-compare.ts apps/gpu-node/bench/gpu-contention.ts apps/gpu-node/bench/contention-worker.ts apps/gpu-node/src/ocr/crop-worker.ts

# Models and a manifest with paths relative to it (the default manifest's settings); the manifest
# travels with the bundle (it changes with the code), the models with the runtime.
mkdir -p "$STAGE/models"
node_modules/.bin/tsx scripts/gpu-host/write-manifest.ts "$STAGE" --copy-models
# The CPU provider's int8 calibration, read beside the bundle (model-prep/ since the model preparation moved there).
cp "$(ls apps/gpu-node/src/ocr/model-prep/int8-ranges.json apps/gpu-node/src/ocr/int8-ranges.json 2>/dev/null | head -n 1)" "$STAGE/app/"
tar -C "$STAGE" -cf - app base-manifest.json | xz -6 > "$PACK/app.tar.xz"
if [ "$FULL" = 0 ]; then du -ch "$PACK"/* | sed 's/^/pack: /'; exit 0; fi

# Runtime packages.
NM=$STAGE/node_modules
mkdir -p "$NM/onnxruntime-node/bin/napi-v6/linux" "$NM/@img"
cp -r node_modules/onnxruntime-node/{package.json,dist} "$NM/onnxruntime-node/"
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$NM/onnxruntime-node/bin/napi-v6/linux/"
cp -r node_modules/onnxruntime-common node_modules/sharp node_modules/detect-libc node_modules/semver "$NM/"
cp -r node_modules/@img/colour node_modules/@img/sharp-linux-x64 node_modules/@img/sharp-libvips-linux-x64 "$NM/@img/"
rm -rf "$NM/sharp/src" "$NM/onnxruntime-common/lib" "$NM"/onnxruntime-common/dist/{cjs,esm}/*.map 2>/dev/null || true
# The Runner starts its child with `--import tsx` (it runs TypeScript in development); the bundled
# child is plain JS, so an empty module stands in for tsx.
mkdir -p "$NM/tsx" && echo '{"name":"tsx","type":"module","exports":"./index.mjs"}' > "$NM/tsx/package.json" && : > "$NM/tsx/index.mjs"

# PDFs are not part of the measurement: pdf.js is imported only for a PDF, and the canvas it draws
# on (a 30 MB native package) is replaced by a stub that says so.
mkdir -p "$NM/@napi-rs/canvas" && echo '{"name":"@napi-rs/canvas","type":"module","exports":"./index.mjs"}' > "$NM/@napi-rs/canvas/package.json"
echo 'export function createCanvas() { throw new Error("@napi-rs/canvas is not carried to the GPU host (PDFs are not measured there)"); }' > "$NM/@napi-rs/canvas/index.mjs"

mkdir -p "$STAGE/imgs"
ls "$IMAGES" | sort | head -n "$COUNT" | while read -r f; do cp "$IMAGES/$f" "$STAGE/imgs/"; done

tar -C "$STAGE" -cf - node_modules models imgs | xz -6 -T2 > "$PACK/rt.tar.xz"
cp "$(command -v node)" "$PACK/node" && strip "$PACK/node" && xz -6 -T2 "$PACK/node"
# The NVIDIA Vulkan ICD is libGLX_nvidia.so.0, which needs glvnd's dispatch libraries: without them
# the loader "found no drivers" (seen on an H200 host, 2026-11-27).
(cd "$PACK" && apt-get download libvulkan1 libglvnd0 libglx0 libegl1 libopengl0 libgl1 libgles2 >/dev/null)
du -ch "$PACK"/* | sed 's/^/pack: /'
