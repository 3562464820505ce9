#!/usr/bin/env bash
# The fleet benchmark on a GPU host (no Node, no network), from the repository root. Unpacks whatever
# packs came with this call into $HEADROOM_WORK (default /tmp/headroom-fleet), which outlives the call
# while the host stays warm, so the two packs can travel in two back-to-back calls:
#   bash scripts/gpu-host/fleet.sh unpack               # call 1, carry .gpu-pack   (scripts/gpu-host/pack.sh --full)
#   bash scripts/gpu-host/fleet.sh run [fleet.ts args]  # call 2, carry .fleet-pack (scripts/gpu-host/pack-fleet.sh)
# `run` starts Postgres, the control plane, the scheduler and one agent per GPU, runs the plan's phases,
# and writes fleet-<name>.json.gz, fleet.log and logs.tar.gz under $OUT (./fleet-out without one);
# `npm run fleet:report -- --in <that json.gz>` turns it into the report.
# HEADROOM_SKIP_VULKAN=1 skips installing the carried Vulkan loader (a CPU rehearsal on a dev machine).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${HEADROOM_WORK:-/tmp/headroom-fleet}
OUTDIR=${OUT:-$ROOT/fleet-out}
MODE=${1:-run}
shift || true
mkdir -p "$W" "$OUTDIR"
t0=$(date +%s)

unpack() { # <tar.xz>: once per distinct file (a stamp of its size and time), into $W
  local f=$1 stamp
  stamp="$W/.unpacked-$(basename "$f")"
  if [ -f "$f" ] && [ "$(stat -c '%s %Y' "$f")" != "$(cat "$stamp" 2>/dev/null)" ]; then
    tar -xJf "$f" -C "$W" && stat -c '%s %Y' "$f" > "$stamp" && echo "unpacked $(basename "$f")"
  fi
}
if [ -f "$ROOT/.gpu-pack/node.xz" ] && [ ! -x "$W/node" -o "$ROOT/.gpu-pack/node.xz" -nt "$W/node" ]; then
  xz -dc "$ROOT/.gpu-pack/node.xz" > "$W/node" && chmod +x "$W/node" && echo "unpacked node"
fi
# The runtime pack first: the fleet pack's files (the real canvas, newer bundles) win over its stand-ins.
unpack "$ROOT/.gpu-pack/rt.tar.xz"
unpack "$ROOT/.gpu-pack/app.tar.xz"
for f in fleet-rt web app; do unpack "$ROOT/.fleet-pack/$f.tar.xz"; done
if [ "${HEADROOM_SKIP_VULKAN:-0}" != 1 ] && ls "$ROOT"/.gpu-pack/*.deb >/dev/null 2>&1 && ! ldconfig -p | grep -q libvulkan.so.1; then
  for deb in "$ROOT"/.gpu-pack/*.deb; do dpkg -x "$deb" /; done
  ldconfig
fi
echo "fleet.sh: ready in $(( $(date +%s) - t0 )) s; $(du -sh "$W" | cut -f1) in $W"
[ "$MODE" = unpack ] && exit 0

for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES=${VK_DRIVER_FILES:-$icd}; break; fi
done
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
for need in node app/fleet.mjs web/apps/web/server.js node_modules/onnxruntime-node base-manifest.json; do
  [ -e "$W/$need" ] || { echo "fleet.sh: $W/$need is missing: carry .gpu-pack (call 1) and .fleet-pack (call 2) to a host that stays warm between them"; exit 2; }
done
nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used,pci.bus_id --format=csv > "$OUTDIR/nvidia-smi.txt" 2>&1 || true
cd "$W"
PATH="$W:$PATH" ./node app/fleet.mjs --root "$W" --out "$OUTDIR" "$@" 2>&1 | tee "$OUTDIR/fleet.log"
rc=${PIPESTATUS[0]}
tar -C "$W" -czf "$OUTDIR/logs.tar.gz" logs 2>/dev/null
echo "fleet.sh: exit $rc after $(( $(date +%s) - t0 )) s"
exit "$rc"
