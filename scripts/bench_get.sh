#!/usr/bin/env bash
# Compares GET / throughput of runtime-updater with a bare Pistache handler
# (bench/bare_pistache_server.cc), both with the same number of threads,
# using wrk with keep-alive connections. The runs alternate, so that other
# load on the machine hits both alike; the medians are printed.
#
#   scripts/bench_get.sh [ROUNDS] [SECONDS]
#
# Environment: THREADS (server threads, default 2), WRK_THREADS (2),
# CONNECTIONS (50), EXTRA_FLAGS (more runtime-updater flags).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
rounds="${1:-5}"
seconds="${2:-10}"
threads="${THREADS:-2}"
wrk_threads="${WRK_THREADS:-2}"
connections="${CONNECTIONS:-50}"
command -v wrk >/dev/null || { echo "wrk is not installed"; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

bare_port="$(free_port)"
"$build/bare_pistache_server" "$bare_port" "$threads" >"$work/bare.txt" 2>&1 &
pids+=($!)
# shellcheck disable=SC2086
"$build/runtime-updater" --port=0 --port_file="$work/port" \
  --log_dir="$work/logs" --threads="$threads" ${EXTRA_FLAGS:-} \
  >"$work/ru.txt" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
ru_port="$(cat "$work/port")"
sleep 0.5

run() {
  wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" "http://127.0.0.1:$1/" |
    awk '/Requests\/sec/ {print $2} /Socket errors|Non-2xx/ {print "#" $0 > "/dev/stderr"}'
}

echo "wrk -t$wrk_threads -c$connections -d${seconds}s, $threads server threads, $rounds rounds"
bare=()
ru=()
ratios=()
for i in $(seq "$rounds"); do
  # Alternate which goes first, so that a change of load mid-round does
  # not always favour the same one.
  if [ $((i % 2)) -eq 1 ]; then
    b="$(run "$bare_port")"
    r="$(run "$ru_port")"
  else
    r="$(run "$ru_port")"
    b="$(run "$bare_port")"
  fi
  ratio="$(awk -v a="$r" -v b="$b" 'BEGIN {printf "%.2f", a / b}')"
  bare+=("$b")
  ru+=("$r")
  ratios+=("$ratio")
  echo "round $i: bare Pistache $b req/s, runtime-updater $r req/s, ratio $ratio"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median: bare Pistache $(median "${bare[@]}") req/s," \
  "runtime-updater $(median "${ru[@]}") req/s," \
  "ratio of each round's pair $(median "${ratios[@]}")"
