#!/usr/bin/env bash
# Adds what the HTTP dispatch bench (packages/scheduler/bench/dispatch-http.ts) needs to .bench-pack/,
# beside what scripts/bench-host/pack.sh makes (Node, the embedded Postgres, the migrations):
#   web.tar.xz  web/                  the control plane: Next's standalone server (HEADROOM_NEXT_STANDALONE=1
#                                     next build) of a clean clone of a commit, without the UI's static files
#                                     (the bench calls only the API) and with @napi-rs/canvas stubbed (PDF
#                                     pages; the bench uploads PNGs)
#               web-base/apps/web/    optional (--base <rev>): the same for an earlier commit, only the app
#                                     folder (its node_modules are web/'s), for a before/after on one host
#               app/bench-dispatch.mjs, app/scheduler-process.mjs   the bench and the scheduler process
#               (and app/bench-upload-port.mjs where the commit has it),
#                                     bundled from the same clone
#               app/COMMIT-web        the commits they were built from
# The builds come from clean clones (committed code only, never a shared checkout's half-edited files)
# made under $HEADROOM_WEB_CLONES (default /tmp), with this checkout's node_modules hard-linked in;
# a clone already built is reused. A build takes a few minutes on 2 cores.
# Usage: scripts/bench-host/pack-web.sh [--rev <commit, default HEAD>] [--base <commit>]
# Then on the host: bash scripts/bench-host/run-dispatch.sh [bench arguments]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PACK=$ROOT/.bench-pack
CLONES=${HEADROOM_WEB_CLONES:-/tmp}
REV=HEAD
BASE=
while [ $# -gt 0 ]; do
  case $1 in
    --rev) REV=$2; shift 2 ;;
    --base) BASE=$2; shift 2 ;;
    *) echo "pack-web.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
grep -qx '/.bench-pack/' .git/info/exclude 2>/dev/null || echo '/.bench-pack/' >> .git/info/exclude
mkdir -p "$PACK"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

# clone_built <rev>: prints the path of a clean clone checked out at <rev>, with a standalone web build.
# Clones are keyed by what the build reads (the web app, the packages minus their benches, the
# schema, the lockfile), so a commit that changes only a bench reuses the last build.
clone_built() {
  local sha key dir
  sha=$(git rev-parse --short=12 "$1")
  key=$(git ls-tree -r "$sha" -- apps/web packages prisma package-lock.json | grep -v '/bench/' | sha1sum | cut -c1-12)
  dir=$CLONES/headroom-web-$key
  # A clone whose objects are gone (cloned --shared from a checkout since deleted) is made again.
  if [ ! -f "$dir/apps/web/.next-standalone/standalone/apps/web/server.js" ] || ! git -C "$dir" fetch -q origin >&2; then
    rm -rf "$dir"
    git clone -q --shared "$ROOT" "$dir" >&2
    git -C "$dir" checkout -q "$sha" >&2
    # Turbopack resolves only inside the clone, so node_modules is a hard-linked copy, not a symlink.
    cp -al "$ROOT/node_modules" "$dir/node_modules"
    (cd "$dir" && node_modules/.bin/tsx packages/db/scripts/generate.ts >&2)
    echo "pack-web: building the web app at $sha in $dir (next build)…" >&2
    (cd "$dir/apps/web" && HEADROOM_NEXT_STANDALONE=1 NEXT_TELEMETRY_DISABLED=1 node "$dir/node_modules/next/dist/bin/next" build >&2)
  else
    git -C "$dir" checkout -q "$sha" >&2
  fi
  echo "$dir"
}

CUR=$(clone_built "$REV")
# The bench and the scheduler process, bundled from the same clone (bundle.sh: plain ESM for a bare node).
(
  cd "$CUR"
  source scripts/gpu-host/bundle.sh
  # The scheduler process's entry is moving to apps/scheduler; take whichever this commit has.
  SCHED=packages/scheduler/src/main.ts
  [ -f apps/scheduler/src/main.ts ] && SCHED=apps/scheduler/src/main.ts
  ENTRIES=(bench-dispatch=packages/scheduler/bench/dispatch-http.ts scheduler-process="$SCHED")
  # The upload bench (Next's port against the API port) where the commit has it.
  [ -f packages/scheduler/bench/upload-port.ts ] && ENTRIES+=(bench-upload-port=packages/scheduler/bench/upload-port.ts)
  bundle "$STAGE/app" "${ENTRIES[@]}"
)
echo "web $(git -C "$CUR" rev-parse --short HEAD)" > "$STAGE/app/COMMIT-web"
# The bench writes the admin credentials as the web app does (argon2, a native package the bundle
# leaves external): it finds it in the web server's packages; what is not there (the embedded
# Postgres) Node looks for one level up, in pack.sh's runtime.
ln -s ../web/node_modules "$STAGE/app/node_modules"

# web_copy <clone> <dest>: the standalone server, trimmed for the API-only bench.
web_copy() {
  local W=$1/apps/web/.next-standalone
  mkdir -p "$2"
  cp -a "$W/standalone/." "$2/"
  rm -rf "$2/.data" "$2/node_modules/@napi-rs"
  mkdir -p "$2/node_modules/@napi-rs/canvas"
  echo '{"name":"@napi-rs/canvas","type":"module","exports":"./index.mjs"}' > "$2/node_modules/@napi-rs/canvas/package.json"
  echo 'export function createCanvas() { throw new Error("@napi-rs/canvas is not carried in the bench pack (the dispatch bench uploads PNGs)"); }' > "$2/node_modules/@napi-rs/canvas/index.mjs"
}
web_copy "$CUR" "$STAGE/web"
if [ -n "$BASE" ]; then
  OLD=$(clone_built "$BASE")
  mkdir -p "$STAGE/web-base/apps"
  cp -a "$OLD/apps/web/.next-standalone/standalone/apps/web" "$STAGE/web-base/apps/"
  # Its packages are web/'s (the same lockfile is assumed; the bench says which build ran).
  ln -s ../web/node_modules "$STAGE/web-base/node_modules"
  echo "web-base $(git -C "$OLD" rev-parse --short HEAD)" >> "$STAGE/app/COMMIT-web"
fi
tar -C "$STAGE" -cf - web ${BASE:+web-base} app | xz -9e -T2 > "$PACK/web.tar.xz"
du -ch "$PACK"/* | sed 's/^/pack: /'
total=$(du -cb "$PACK"/* | tail -n 1 | cut -f1)
if [ "$total" -gt $((50 * 1024 * 1024)) ]; then echo "pack: $total bytes, over the 50 MiB budget" >&2; exit 1; fi
