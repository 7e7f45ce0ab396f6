#!/usr/bin/env bash
# Uploads a new version of an updatable function to a running server.
#
#   scripts/push.sh FILE [FUNCTION]
#
# FILE is C source (.c, compiled here with the clang that matches the
# server's LLVM), textual IR (.ll) or bitcode (.bc). FUNCTION defaults to
# foobar. The server's address comes from RU_URL (default
# http://127.0.0.1:5000); the token from RUNTIME_UPDATER_TOKEN, RU_TOKEN_FILE
# or state/token, as the server finds it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 FILE [FUNCTION]" >&2
  exit 2
fi
file="$1"
function="${2:-foobar}"
url="${RU_URL:-http://127.0.0.1:5000}"
clang="${RU_CLANG:-clang-19}"

upload="$file"
case "$file" in
  *.c)
    upload="$(mktemp --suffix=.bc)"
    trap 'rm -f "$upload"' EXIT
    "$clang" -c -emit-llvm -O2 -I"$root/jit" "$file" -o "$upload"
    ;;
  *.cc|*.cpp)
    upload="$(mktemp --suffix=.bc)"
    trap 'rm -f "$upload"' EXIT
    "${clang/clang/clang++}" -c -emit-llvm -O2 -I"$root/jit" "$file" -o "$upload"
    ;;
  *.ll|*.bc) ;;
  *)
    echo "$0: $file is not .c, .cc, .ll or .bc" >&2
    exit 2
    ;;
esac

# The update token: RUNTIME_UPDATER_TOKEN, else the file RU_TOKEN_FILE,
# else the one the server created in its state directory.
token="${RUNTIME_UPDATER_TOKEN:-}"
token_file="${RU_TOKEN_FILE:-$root/state/token}"
if [ -z "$token" ] && [ -r "$token_file" ]; then
  token="$(cat "$token_file")"
fi
headers=()
if [ -n "$token" ]; then
  headers+=(-H "Authorization: Bearer $token")
fi
curl -sS "${headers[@]}" --data-binary @"$upload" \
  -w '\nHTTP %{http_code}\n' "$url/update_endpoint?function=$function"
