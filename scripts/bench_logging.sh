#!/usr/bin/env bash
# What the access log costs: GET / throughput of two runtime-updater
# servers, one writing the access log to a file (LOG_TYPE=rotate, the
# default) and one with the access log off (WWW_LOG_NAME empty), both with
# foobar updated to ir_samples/string.c, measured with wrk on keep-alive
# connections. The runs alternate, so that other load on the machine hits
# both alike; the medians are printed. Besides requests per second, each
# run reports the server's CPU time per request (user + system, from
# /proc/PID/stat), which other load on a shared machine disturbs less, and
# the part of it spent in the log writer threads.
#
#   scripts/bench_logging.sh [ROUNDS] [SECONDS]
#
# Environment: THREADS (server threads, default 2), WRK_THREADS (2),
# CONNECTIONS (50), EXTRA_FLAGS (more runtime-updater flags, for both).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
rounds="${1:-2}"
seconds="${2:-10}"
threads="${THREADS:-2}"
wrk_threads="${WRK_THREADS:-2}"
connections="${CONNECTIONS:-50}"
command -v wrk >/dev/null || { echo "wrk is not installed"; exit 1; }
[ -x "$build/runtime-updater" ] || { echo "build first: scripts/build.sh"; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME [VAR=VALUE...]: a server in $work/NAME, its port in $work/NAME/port.
start() {
  local name="$1"
  shift
  mkdir -p "$work/$name"
  # shellcheck disable=SC2086
  env "$@" "$build/runtime-updater" --port=0 --port_file="$work/$name/port" \
    --log_dir="$work/$name/logs" --state_dir="$work/$name/state" \
    --threads="$threads" ${EXTRA_FLAGS:-} >"$work/$name/out.txt" 2>&1 &
  pids+=($!)
  echo $! >"$work/$name/pid"
  for _ in $(seq 100); do [ -s "$work/$name/port" ] && break; sleep 0.1; done
  [ -s "$work/$name/port" ] || { echo "$name did not start:"; cat "$work/$name/out.txt"; exit 1; }
  curl -sS -o /dev/null -w '' --data-binary @"$build/ir_samples/string.bc" \
    "http://127.0.0.1:$(cat "$work/$name/port")/update_endpoint"
}

start file
start off WWW_LOG_NAME=
sleep 0.5

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of the log writer threads alone.
writer_ticks() {
  local total=0 task
  for task in /proc/"$1"/task/*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = ru-log-writer ] &&
      total=$((total + $(awk '{print $14 + $15}' "$task/stat")))
  done
  echo "$total"
}

# run NAME: prints "REQUESTS_PER_SECOND CPU_US_PER_REQUEST WRITER_CPU_US_PER_REQUEST".
run() {
  local pid port before after writer_before writer_after
  pid="$(cat "$work/$1/pid")"
  port="$(cat "$work/$1/port")"
  before="$(cpu_ticks "$pid")"
  writer_before="$(writer_ticks "$pid")"
  wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/" \
    >"$work/wrk.txt"
  after="$(cpu_ticks "$pid")"
  writer_after="$(writer_ticks "$pid")"
  grep -E 'Socket errors|Non-2xx' "$work/wrk.txt" >&2 || true
  awk -v ticks=$((after - before)) -v writer=$((writer_after - writer_before)) \
    -v hz="$(getconf CLK_TCK)" '
    / requests in / {requests = $1}
    /Requests\/sec/ {rate = $2}
    END {printf "%s %.2f %.2f\n", rate, ticks / hz * 1e6 / requests,
                 writer / hz * 1e6 / requests}' "$work/wrk.txt"
}

echo "wrk -t$wrk_threads -c$connections -d${seconds}s http://127.0.0.1:PORT/" \
  "(foobar = string.c), $threads server threads, $rounds rounds"
file=()
off=()
ratios=()
file_cpu=()
off_cpu=()
for i in $(seq "$rounds"); do
  if [ $((i % 2)) -eq 1 ]; then
    read -r f fc fw < <(run file)
    read -r o oc _ < <(run off)
  else
    read -r o oc _ < <(run off)
    read -r f fc fw < <(run file)
  fi
  ratio="$(awk -v a="$f" -v b="$o" 'BEGIN {printf "%.3f", a / b}')"
  file+=("$f")
  off+=("$o")
  ratios+=("$ratio")
  file_cpu+=("$fc")
  off_cpu+=("$oc")
  echo "round $i: access log to a file $f req/s ($fc us CPU/request, $fw in log writers)," \
    "off $o req/s ($oc us CPU/request), ratio $ratio"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
lines="$(cat "$work/file/logs/www.log"* | wc -l)"
echo "median: to a file $(median "${file[@]}") req/s, off $(median "${off[@]}")" \
  "req/s, ratio of each round's pair $(median "${ratios[@]}");" \
  "CPU per request $(median "${file_cpu[@]}") us vs $(median "${off_cpu[@]}") us;" \
  "$lines access lines written"
[ ! -e "$work/off/logs/www.log" ] || echo "warning: the server with the access log off wrote one"
