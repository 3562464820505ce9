#!/usr/bin/env bash
# The two bare benches on a GPU host (no Node, no network), from the repository root, after
# `bash scripts/gpu-host/fleet.sh unpack` has unpacked the packs into $HEADROOM_WORK:
#   bash scripts/gpu-host/bench.sh ceiling [bench/gpu-ceiling.ts args]   # carry .gpu-pack (pack.sh --full)
#   bash scripts/gpu-host/bench.sh cer [bench/cer-compare.ts args]       # needs .fleet-pack's eval/ too
#   bash scripts/gpu-host/bench.sh contention [bench/gpu-contention.ts args]   # carry .gpu-pack
# Runs the bundle with the carried node, --manifest base-manifest.json and --out $OUT (./bench-out
# without one), and keeps the log and nvidia-smi's view there. For cer, the images and boxes default
# to the fleet pack's eval/img and eval/box (SROIE 000-059).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${HEADROOM_WORK:-/tmp/headroom-fleet}
OUTDIR=${OUT:-$ROOT/bench-out}
MODE=${1:-}
shift || true
case "$MODE" in
  ceiling) BUNDLE=app/gpu-ceiling.mjs; EXTRA=() ;;
  cer) BUNDLE=app/cer-compare.mjs; EXTRA=(--images "$W/eval/img" --boxes "$W/eval/box") ;;
  contention) BUNDLE=app/gpu-contention.mjs; EXTRA=() ;;
  *) echo "usage: bash scripts/gpu-host/bench.sh ceiling|cer|contention [args]"; exit 2 ;;
esac
for need in node "$BUNDLE" base-manifest.json node_modules/onnxruntime-node; do
  [ -e "$W/$need" ] || { echo "bench.sh: $W/$need is missing: run 'bash scripts/gpu-host/fleet.sh unpack' with the packs first"; exit 2; }
done
if [ "$MODE" = cer ] && [ ! -d "$W/eval/img" ]; then
  echo "bench.sh: $W/eval/img is missing: the scored receipts come with .fleet-pack (pack-fleet.sh)"; exit 2
fi
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# The Vulkan driver where the container runtime mounts it, as fleet.sh does (the loader itself was
# installed by fleet.sh unpack).
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES=${VK_DRIVER_FILES:-$icd}; break; fi
done
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used,pci.bus_id --format=csv > "$OUTDIR/nvidia-smi.txt" 2>&1 || true

cd "$W"
t0=$(date +%s)
# Later arguments win in parseArgs, so the caller's --images/--boxes/--out override these defaults.
PATH="$W:$PATH" ./node "$BUNDLE" --manifest base-manifest.json --out "$OUTDIR" "${EXTRA[@]}" "$@" 2>&1 | tee "$OUTDIR/$MODE.log"
rc=${PIPESTATUS[0]}
echo "bench.sh: $MODE exit $rc after $(( $(date +%s) - t0 )) s; output in $OUTDIR"
exit "$rc"
