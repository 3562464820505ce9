#!/usr/bin/env bash
# Runs on the GPU host, from the repository root, with .gpu-pack/ (made by pack.sh) carried in.
# Unpacks Node, the runtime and the Vulkan loader, then runs the measurement (bench/gpu-run.ts,
# bundled) with the arguments given, writing gpu-run.json, the log, the ORT node placements and
# nvidia-smi's view under $OUT (or ./gpu-out where there is no $OUT).
#   scripts/gpu-host/run.sh [gpu-run args…]        e.g. --providers cuda,webgpu,cpu
# HEADROOM_PLACEMENT=0 skips the verbose-log placement probes; HEADROOM_SKIP_VULKAN=1 skips dpkg -x.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK=$ROOT/.gpu-pack
OUTDIR=${OUT:-$ROOT/gpu-out}
W=${HEADROOM_WORK:-/tmp/headroom-gpu}
mkdir -p "$W" "$OUTDIR"
t0=$(date +%s)

if [ "${HEADROOM_SKIP_VULKAN:-0}" != 1 ]; then
  for deb in "$PACK"/*.deb; do dpkg -x "$deb" /; done
  ldconfig
fi
# The NVIDIA ICD is where the container runtime mounts the driver; point the loader at it when no
# ICD is installed where the loader looks by default.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES=${VK_DRIVER_FILES:-$icd}; break; fi
done
xz -dc "$PACK/node.xz" > "$W/node" && chmod +x "$W/node"
tar -xJf "$PACK/rt.tar.xz" -C "$W" && tar -xJf "$PACK/app.tar.xz" -C "$W"
echo "unpacked in $(( $(date +%s) - t0 )) s; VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}; $(ldconfig -p | grep -c libvulkan) libvulkan entries"

{
  nvidia-smi 2>&1 | head -20
  nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used,pci.bus_id --format=csv 2>&1
} > "$OUTDIR/nvidia-smi.txt"
cat "$OUTDIR/nvidia-smi.txt"

[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}

cd "$W"
export PATH="$W:$PATH"
# Preflight: does WebGPU find the GPU? If not, say why and stop, rather than spend the GPU's time on CPU runs.
if [ "${HEADROOM_PREFLIGHT:-1}" = 1 ] && nvidia-smi -L >/dev/null 2>&1; then
  if ! VK_LOADER_DEBUG=error,warn,driver timeout 120 ./node app/gpu-run.mjs --manifest base-manifest.json --placement orig > "$W/preflight.log" 2>&1; then
    {
      echo "== WebGPU preflight failed =="; grep -vE "^\s*$" "$W/preflight.log" | grep -iE "vk|icd|driver|adapter|error|lib" | cut -c1-300 | head -40
      echo "== ICD =="; cat "${VK_DRIVER_FILES:-/dev/null}"
      icdlib=$(ldconfig -p | awk '/libGLX_nvidia.so.0/{print $NF; exit}')
      echo "== $icdlib missing deps =="; [ -n "$icdlib" ] && ldd "$icdlib" | grep -i "not found"
      echo "== driver libs =="; ls /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu 2>/dev/null | grep -iE "nvidia|glvnd|GLdispatch|vulkan" | sort -u | head -40
      ls -la /dev/nvidia* /dev/dri 2>&1 | head
    } | tee "$OUTDIR/preflight.txt"
    exit 3
  fi
  echo "webgpu preflight ok"
fi
if [ "${HEADROOM_PLACEMENT:-1}" = 1 ]; then
  : > "$OUTDIR/placement.txt"
  for v in orig hardsigmoid minmax; do
    echo "== rec on webgpu, $v ==" >> "$OUTDIR/placement.txt"
    timeout 120 ./node app/gpu-run.mjs --manifest base-manifest.json --placement "$v" > "$W/place-$v.log" 2>&1
    echo "exit $?" >> "$OUTDIR/placement.txt"
    grep -iE "placed on|placement|not assigned|Failed|error" "$W/place-$v.log" | cut -c1-300 | head -60 >> "$OUTDIR/placement.txt"
    # The op types ORT lists under the CPU provider, counted.
    awk '/placed on \[/ { cpu = /CPUExecutionProvider/; next }
         cpu && /VerifyEachNodeIsAssignedToAnEp/ && match($0, /\] +[A-Za-z]+ \(/) { s = substr($0, RSTART, RLENGTH); gsub(/[\] (]/, "", s); print "  on CPU: " s }' \
      "$W/place-$v.log" | sort | uniq -c >> "$OUTDIR/placement.txt"
  done
  grep -c . "$OUTDIR/placement.txt"
fi

./node app/gpu-run.mjs --manifest base-manifest.json --images imgs --child app/child.mjs --out "$OUTDIR" "$@" 2>&1 | tee "$OUTDIR/run.log"
rc=${PIPESTATUS[0]}
echo "run.sh: exit $rc after $(( $(date +%s) - t0 )) s"
exit "$rc"
