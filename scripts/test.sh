#!/usr/bin/env bash
# Installs, builds, and runs every test with ctest. Fails when no test is
# found.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure --no-tests=error -j2 "$@"
