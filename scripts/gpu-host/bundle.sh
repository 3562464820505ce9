# Sourced by the pack scripts (gpu-host/pack.sh, pack-fleet.sh, bench-host/pack.sh): `bundle <outdir> <entry>...` bundles TypeScript entries into
# plain ESM for a bare `node` on a GPU host. Native and file-reading packages stay external and travel
# as packages; the ESM bundle gets a require() for the CommonJS packages it inlines (pino, protobufjs).
bundle() {
  local out=$1
  shift
  node_modules/.bin/esbuild "$@" \
    --bundle --platform=node --format=esm --target=node20 --outdir="$out" --entry-names=[name] --out-extension:.js=.mjs \
    --external:onnxruntime-node --external:sharp --external:@napi-rs/canvas --external:pdfjs-dist --external:@embedded-postgres/* \
    --external:@prisma/schema-engine-wasm --external:@node-rs/argon2 --external:pg-native --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
}

# `start_pack <dir> <full>`, from the repository root with ROOT set: PACK=$ROOT/<dir>, git-ignored through
# .git/info/exclude and emptied for a full pack (asked for, or its runtime archives rt.tar.xz and node.xz
# missing, so FULL is set to 1); STAGE, a scratch directory removed when the script exits.
start_pack() {
  PACK=$ROOT/$1
  FULL=$2
  grep -qx "/$1/" .git/info/exclude 2>/dev/null || echo "/$1/" >> .git/info/exclude
  if [ ! -f "$PACK/rt.tar.xz" ] || [ ! -f "$PACK/node.xz" ]; then FULL=1; fi
  if [ "$FULL" = 1 ]; then rm -rf "$PACK"; fi
  mkdir -p "$PACK"
  STAGE=$(mktemp -d)
  trap 'rm -rf "$STAGE"' EXIT
}
