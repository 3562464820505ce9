# Sourced by pack.sh and pack-fleet.sh: `bundle <outdir> <entry>...` bundles TypeScript entries into
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
