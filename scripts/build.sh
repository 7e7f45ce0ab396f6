#!/usr/bin/env bash
# Installs what is missing, then builds runtime-updater (Release) into
# build/. Extra arguments go to ninja, e.g. a target name.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
if [ ! -f "$root/build/build.ninja" ]; then
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
ninja -C "$root/build" "$@"
