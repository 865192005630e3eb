#!/usr/bin/env bash
# Run the full WebGPU test suite N times in a row (default 50), each in a fresh process, and report
# how many runs passed and how the others ended (exit code or signal). Evidence for the native-crash
# fix in docs/backends.md: any crash, hang or failure shows up here.
#   scripts/webgpu-stress.sh [N]        (builds first unless NO_BUILD=1)
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export OFFRAMP_REQUIRE_WEBGPU=1
[ "${NO_BUILD:-0}" = 1 ] || npx tsc -p . >/dev/null || true # other people's type errors do not stop emit
log=$(mktemp -d)
pass=0
fails=()
start=$(date +%s)
for i in $(seq 1 "$N"); do
  timeout 300 node --test dist/test/backend/webgpu.test.js >"$log/run-$i.txt" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    pass=$((pass + 1))
  else
    why="exit $rc"
    [ $rc -gt 128 ] && why="signal $((rc - 128))"
    [ $rc -eq 124 ] && why="timeout"
    fails+=("run $i: $why ($log/run-$i.txt)")
  fi
  printf '\rrun %d/%d: %d green' "$i" "$N" "$pass" >&2
done
echo >&2
echo "webgpu-stress: $pass/$N green in $(( $(date +%s) - start )) s ($(uname -m), $(nproc) cores, node $(node --version), $(dpkg-query -W -f='mesa-vulkan-drivers ${Version}' mesa-vulkan-drivers 2>/dev/null))"
for f in "${fails[@]}"; do echo "  $f"; done
[ "$pass" -eq "$N" ]
