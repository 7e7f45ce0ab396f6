#!/usr/bin/env bash
# A tour: starts a server on a free port, shows GET / before and after two
# updates compiled from ir_samples/, then stops the server.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" >/dev/null
work="$(mktemp -d)"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/build/runtime-updater" --port=0 --port_file="$work/port" \
  --log_dir="$work/logs" --state_dir="$work/state" >"$work/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "server did not start:"; cat "$work/server.out"; exit 1; }
export RU_URL="http://127.0.0.1:$(cat "$work/port")"
export RU_TOKEN_FILE="$work/state/token"
echo "server running at $RU_URL"

step() { echo; echo "\$ $*"; "$@"; echo; }
step curl -sS "$RU_URL/?x=3&y=1"
step "$root/scripts/push.sh" "$root/ir_samples/cube_diff.c"
step curl -sS "$RU_URL/?x=3&y=1"
step "$root/scripts/push.sh" "$root/ir_samples/two_values.c"
step curl -sS "$RU_URL/"
echo "demo finished; stopping the server"
