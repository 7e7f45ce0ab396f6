#!/usr/bin/env bash
# Compares GET / throughput of runtime-updater with a bare Pistache handler
# (tests/bench/baseline_server.cc), both with the same number of threads,
# using wrk with keep-alive connections. The runs alternate, so that other
# load on the machine hits both alike; the medians are printed, with the
# ratio of each round's pair and the processor time each server spent per
# request, which other load disturbs less than the rates.
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


"$build/tests/bench/baseline_server" --port=0 --port_file="$work/bare_port" \
  --threads="$threads" >"$work/bare.txt" 2>&1 &
pids+=($!)
# shellcheck disable=SC2086
"$build/runtime-updater" --port=0 --port_file="$work/port" \
  --log_dir="$work/logs" --threads="$threads" ${EXTRA_FLAGS:-} \
  >"$work/ru.txt" 2>&1 &
pids+=($!)
for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "runtime-updater did not start:"; cat "$work/ru.txt"; exit 1; }
ru_port="$(cat "$work/port")"
for _ in $(seq 100); do [ -s "$work/bare_port" ] && break; sleep 0.1; done
bare_port="$(cat "$work/bare_port")"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Prints the requests per second, and the server's processor time per
# request in microseconds, of one wrk run against port $1, server pid $2.
run() {
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || {
      echo "server $pid died (bare ${pids[0]}, runtime-updater ${pids[1]}):"
      cat "$work/bare.txt" "$work/ru.txt"; exit 1; } >&2
  done
  local before after
  before="$(cpu_ticks "$2")"
  wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" "http://127.0.0.1:$1/" \
    >"$work/wrk.txt"
  after="$(cpu_ticks "$2")"
  grep -E "Socket errors|Non-2xx" "$work/wrk.txt" | sed 's/^/# /' >&2 || true
  awk -v ticks="$((after - before))" -v hz="$(getconf CLK_TCK)" '
    / requests in / {requests = $1}
    /Requests\/sec/ {rps = $2}
    END {printf "%s %.1f\n", rps, ticks / hz * 1e6 / requests}' "$work/wrk.txt"
}

echo "wrk -t$wrk_threads -c$connections -d${seconds}s, $threads server threads, $rounds rounds"
bare=()
ru=()
ratios=()
bare_cpu=()
ru_cpu=()
for i in $(seq "$rounds"); do
  # Alternate which goes first, so that a change of load mid-round does
  # not always favour the same one.
  if [ $((i % 2)) -eq 1 ]; then
    read -r b bc < <(run "$bare_port" "${pids[0]}")
    read -r r rc < <(run "$ru_port" "${pids[1]}")
  else
    read -r r rc < <(run "$ru_port" "${pids[1]}")
    read -r b bc < <(run "$bare_port" "${pids[0]}")
  fi
  [ -n "$b" ] && [ -n "$r" ] || exit 1
  ratio="$(awk -v a="$r" -v b="$b" 'BEGIN {printf "%.2f", a / b}')"
  bare+=("$b")
  ru+=("$r")
  ratios+=("$ratio")
  bare_cpu+=("$bc")
  ru_cpu+=("$rc")
  echo "round $i: bare Pistache $b req/s ($bc us cpu/req)," \
    "runtime-updater $r req/s ($rc us cpu/req), ratio $ratio"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median: bare Pistache $(median "${bare[@]}") req/s" \
  "($(median "${bare_cpu[@]}") us cpu/req)," \
  "runtime-updater $(median "${ru[@]}") req/s" \
  "($(median "${ru_cpu[@]}") us cpu/req)," \
  "ratio of each round's pair $(median "${ratios[@]}")"
