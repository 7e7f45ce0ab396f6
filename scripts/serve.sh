#!/usr/bin/env bash
# Installs, builds, and starts the server on 127.0.0.1:5000 in the
# foreground. Arguments are passed to the server, e.g. --port=8080.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh"
cd "$root"
exec "$root/build/runtime-updater" "$@"
