#!/usr/bin/env bash
# Runs the benchmarks of BENCHMARKS.md, each beside its baseline in the
# same run, and prints one table (markdown).
#
#   scripts/bench.sh [PART...]
#
# PART is one of: call http update rollback load memory startup (default:
# all, in that order). Settings, from the environment:
#   BENCH_SECONDS        wrk duration per measurement (default 10)
#   BENCH_ROUNDS         rounds of the HTTP comparison (default 2)
#   BENCH_UPDATES        tiny uploads per update-latency run (default 100)
#   BENCH_BIG_UPDATES    ~200-line uploads per run (default 50)
#   BENCH_MEMORY_UPDATES uploads of the memory run (default 10000)
#   BENCH_OUT            where raw outputs and the table go
#                        (default build/bench-results/DATE-TIME)
#   BENCH_SERVER         the runtime-updater binary measured (default
#                        build/runtime-updater, built by this script)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
bench="$build/tests/bench"
server_bin="${BENCH_SERVER:-$build/runtime-updater}"
seconds="${BENCH_SECONDS:-10}"
rounds="${BENCH_ROUNDS:-2}"
updates="${BENCH_UPDATES:-100}"
big_updates="${BENCH_BIG_UPDATES:-50}"
memory_updates="${BENCH_MEMORY_UPDATES:-10000}"
out="${BENCH_OUT:-$build/bench-results/$(date +%Y%m%d-%H%M%S)}"
all_parts=(call http update rollback load memory startup)
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=("${all_parts[@]}")
for part in "${parts[@]}"; do
  [[ " ${all_parts[*]} " == *" $part "* ]] ||
    { echo "unknown part '$part'; parts: ${all_parts[*]}" >&2; exit 2; }
done

"$root/scripts/build.sh" -j2 benchmarks >/dev/null
mkdir -p "$out"
# Servers' state and logs; kept for a look when the run fails.
work="$out/work"
mkdir -p "$work"
results="$out/results.tsv"
: >"$results"
started_pids=()
cleanup() {
  local status=$?
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "bench.sh failed; servers' outputs are in $work" >&2
  fi
}
trap cleanup EXIT

# Servers that guard updates with a bearer token take it from here; the
# benchmark programs send it. Servers without that guard ignore both.
export RUNTIME_UPDATER_TOKEN="${RUNTIME_UPDATER_TOKEN:-bench-$RANDOM$RANDOM}"

log() { echo "[bench] $*" >&2; }
die() { echo "bench.sh: $*" >&2; exit 1; }
# A row of the table: part, measurement, result, baseline, target, verdict.
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"; }
# Keeps the ROW lines the benchmark programs print (see bench_stats.h).
keep_rows() { grep '^ROW' | cut -f2- >>"$results" || true; }

# The server's default is one thread per core, at least two; the baseline
# server gets as many.
threads=$(nproc)
[ "$threads" -lt 2 ] && threads=2

# Optional stages of an update, found in the server's --help so that this
# script measures them as soon as they exist.
help_text="$("$server_bin" --help 2>&1 || true)"
helper_off=()
if grep -qE '^ +-compile_in_process ' <<<"$help_text"; then
  helper_off=(--compile_in_process=true)
elif grep -qE '^ +-helper ' <<<"$help_text"; then
  helper_off=(--helper=false)
fi
probe_off=""
grep -qi 'probe' <<<"$help_text" && probe_off="probe=off"

# start_server NAME COMMAND...: runs COMMAND in $work/NAME with
# --port_file added and waits for it to serve; sets server_pid and url.
start_server() {
  local name="$1"
  shift
  local dir="$work/$name"
  mkdir -p "$dir"
  rm -f "$dir/port"
  (cd "$dir" && exec "$@" --port_file="$dir/port" >"$dir/out.txt" 2>&1) &
  server_pid=$!
  started_pids+=("$server_pid")
  for _ in $(seq 300); do [ -s "$dir/port" ] && break; sleep 0.05; done
  [ -s "$dir/port" ] || { cat "$dir/out.txt" >&2; die "$name did not start"; }
  url="http://127.0.0.1:$(cat "$dir/port")"
}
# runtime-updater in its default configuration, plus the flags given.
start_runtime_updater() {
  local name="$1"
  shift
  start_server "$name" "$server_bin" --port=0 --log_dir="$work/$name/logs" \
    --state_dir="$work/$name/state" "$@"
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
# alive PART NAME PID: adds a row when the server has died.
alive() {
  # A dead child not yet waited for is a zombie, which kill -0 accepts.
  [ -r "/proc/$3/stat" ] && [ "$(awk '{ print $3 }' "/proc/$3/stat")" != Z ] &&
    return 0
  row "$1" "$2 died during the run" "see $work/$2/out.txt" "-" "-" "MISS"
  log "$2 died; its output is in $work/$2/out.txt"
  return 1
}
upload() {  # upload URL FILE
  local reply
  reply="$(curl -sS -H "Authorization: Bearer $RUNTIME_UPDATER_TOKEN" \
    --data-binary @"$2" "$1/update_endpoint")"
  grep -q '"Success"' <<<"$reply" || die "upload failed: $reply"
}

# run_wrk URL OUTFILE: wrk with its default headers, 2 threads, 50
# connections. Prints "requests/s p50_ms p99_ms non2xx socket_errors".
run_wrk() {
  wrk -t2 -c50 -d"${seconds}s" --latency "$1/" >"$2" 2>&1 || true
  awk '
    function ms(v) {
      if (v ~ /us$/) return v / 1000;
      if (v ~ /ms$/) return v + 0;
      if (v ~ /m$/) return v * 60000;
      if (v ~ /s$/) return v * 1000;
      return v;
    }
    /Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(",", ""); errors = $4 + $6 + $8 + $10 }
    END { printf "%.0f %.2f %.2f %d %d\n", rps, p50, p99, non2xx, errors }
  ' "$2"
}
# Means of run_wrk's lines; sums of its counts.
mean_of_rounds() {
  awk '{ r += $1; a += $2; b += $3; n2 += $4; e += $5 }
       END { printf "%.0f %.2f %.2f %d %d\n", r / NR, a / NR, b / NR, n2, e }' \
    "$1"
}
warm_up() { wrk -t2 -c50 -d2s "$1/" >/dev/null 2>&1 || true; }
ratio_verdict() {  # ratio_verdict VALUE BASELINE MINIMUM_RATIO
  awk -v v="$1" -v b="$2" -v m="$3" 'BEGIN {
    r = b > 0 ? v / b : 0;
    if (r >= m) printf "pass (ratio %.2f)", r;
    else printf "MISS by %.2f (ratio %.2f)", m - r, r }'
}
zero_verdict() {  # zero_verdict NON2XX ERRORS
  if [ "$1" -eq 0 ] && [ "$2" -eq 0 ]; then
    echo pass
  else
    echo "MISS ($1 non-2xx, $2 socket errors)"
  fi
}

part_call() {
  log "1: call cost (Google Benchmark)"
  "$bench/call_cost_bench" --benchmark_color=false | tee "$out/call.txt" |
    keep_rows
}

part_http() {
  log "2: GET / with a JIT'd foobar vs a bare Pistache handler"
  start_server baseline "$bench/baseline_server" --port=0 --threads="$threads"
  local base_url="$url" base_pid="$server_pid"
  start_runtime_updater http
  upload "$url" "$build/ir_samples/string.bc"
  [ "$(curl -sS "$url/")" = '"foobar"' ] || die "GET / is not \"foobar\""

  # Rounds alternate between the two servers, so that a change in the
  # machine's load falls on both; results are means over the rounds,
  # counts are sums.
  local round
  warm_up "$base_url"
  warm_up "$url"
  : >"$work/http-baseline.txt"
  : >"$work/http-server.txt"
  for round in $(seq "$rounds"); do
    run_wrk "$base_url" "$out/wrk-baseline-$round.txt" \
      >>"$work/http-baseline.txt"
    run_wrk "$url" "$out/wrk-server-$round.txt" >>"$work/http-server.txt"
  done
  alive "2 HTTP GET /" http "$server_pid" || true
  alive "2 HTTP GET /" baseline "$base_pid" || true
  stop_server
  server_pid="$base_pid"
  stop_server

  local b_rps b_p50 b_p99 b_non2xx b_errors rps p50 p99 non2xx errors
  read -r b_rps b_p50 b_p99 b_non2xx b_errors \
    < <(mean_of_rounds "$work/http-baseline.txt")
  read -r rps p50 p99 non2xx errors < <(mean_of_rounds "$work/http-server.txt")
  local part="2 HTTP GET /"
  row "$part" "requests/s (wrk -t2 -c50; $rounds x ${seconds} s)" \
    "$rps" "$b_rps" \
    ">= 0.9 x baseline" "$(ratio_verdict "$rps" "$b_rps" 0.9)"
  row "$part" "requests/s in each round" \
    "$(cut -d' ' -f1 "$work/http-server.txt" | paste -sd' ')" \
    "$(cut -d' ' -f1 "$work/http-baseline.txt" | paste -sd' ')" "-" info
  row "$part" "latency p50 / p99" "$p50 / $p99 ms" "$b_p50 / $b_p99 ms" \
    "-" info
  row "$part" "non-2xx, socket errors" "$non2xx, $errors" \
    "$b_non2xx, $b_errors" "0, 0" "$(zero_verdict "$non2xx" "$errors")"
}

# The median of an update_bench or bench_client run, from its summary.
p50_of() { sed -n 's/.*: p50 \([0-9.]*\) ms.*/\1/p' "$1" | head -1; }
# stage_row NAME CONFIG_WITHOUT KIND: what a stage adds to the default.
stage_row() {
  local cost
  cost="$(awk -v a="$(p50_of "$out/update-default-$3.txt")" \
    -v b="$(p50_of "$out/update-$2-$3.txt")" \
    'BEGIN { printf "%+.2f ms at p50", a - b }')"
  row "3 update latency" "cost of $1, $3 (default minus $2)" "$cost" \
    "-" "-" info
}
na_row() {
  row "3 update latency" "cost of $1, $2" "n/a (not built yet)" "-" "-" n/a
}

# update_http CONFIG TINY_TARGET_MS QUERY SERVER_FLAGS...: tiny, then
# ~200-line uploads over HTTP to a fresh server.
update_http() {
  local config="$1" target="$2" query="$3"
  shift 3
  start_runtime_updater "update-$config" "$@"
  "$bench/bench_client" --url="$url" --mode=update --query="$query" \
    --template_ir=tiny --count="$updates" \
    --row="HTTP, tiny function, $config" --target_p50_ms="$target" |
    tee "$out/update-$config-tiny.txt" | keep_rows
  "$bench/bench_client" --url="$url" --mode=update --query="$query" \
    --template_ir="$bench/big_function.ll" --count="$big_updates" \
    --first_seed=1000000 --row="HTTP, ~200-line function, $config" |
    tee "$out/update-$config-big.txt" | keep_rows
  alive "3 update latency" "update-$config" "$server_pid" || true
  stop_server
}

# update_in_process KIND TEMPLATE COUNT LABEL
update_in_process() {
  "$bench/update_bench" --template_ir="$2" --count="$3" \
    --row="in process, $4, default" | tee "$out/inproc-$1-default.txt" |
    keep_rows
  "$bench/update_bench" --template_ir="$2" --count="$3" \
    --sync_writes=false --row="in process, $4, fsync off" |
    tee "$out/inproc-$1-fsync-off.txt" | keep_rows
  "$bench/update_bench" --template_ir="$2" --count="$3" \
    --sync_writes=false --codegen_opt_level=0 \
    --row="in process, $4, fsync off, codegen level 0" |
    tee "$out/inproc-$1-codegen-0.txt" | keep_rows
}

part_update() {
  log "3: update latency, in process and over HTTP"
  update_in_process tiny tiny "$updates" "tiny function"
  update_in_process big "$bench/big_function.ll" "$big_updates" \
    "~200-line function"

  # With no optional stage but fsync built, "all optional stages off" is
  # "fsync off": measured once, under the first name.
  local all_off=(--sync_writes=false "${helper_off[@]}")
  local fsync_off=all-optional-off
  update_http default 5 ""
  if [ ${#helper_off[@]} -gt 0 ] || [ -n "$probe_off" ]; then
    fsync_off=fsync-off
    update_http fsync-off 0 "" --sync_writes=false
  fi
  [ ${#helper_off[@]} -gt 0 ] && update_http helper-off 0 "" "${helper_off[@]}"
  [ -n "$probe_off" ] && update_http trial-off 0 "$probe_off"
  update_http all-optional-off 2 "$probe_off" "${all_off[@]}"
  update_http codegen-0 0 "" --codegen_opt_level=0
  update_http codegen-0-all-optional-off 0 "$probe_off" \
    --codegen_opt_level=0 "${all_off[@]}"

  local kind
  for kind in tiny big; do
    stage_row fsync "$fsync_off" "$kind"
    if [ ${#helper_off[@]} -gt 0 ]; then
      stage_row "helper process" helper-off "$kind"
    else
      na_row "helper process" "$kind"
    fi
    if [ -n "$probe_off" ]; then
      stage_row "trial run" trial-off "$kind"
    else
      na_row "trial run" "$kind"
    fi
  done
}

part_rollback() {
  log "6: rollback latency, code resident and recompiled"
  start_runtime_updater rollback
  "$bench/bench_client" --url="$url" --mode=update --template_ir=tiny \
    --count=100 --warmup=0 >/dev/null
  "$bench/bench_client" --url="$url" --mode=rollback --count=50 |
    tee "$out/rollback.txt" | keep_rows
  stop_server
}

part_load() {
  log "4: GET / at full load while 100 updates land, $rounds rounds"
  # The second version answers "raboof": same length, other bytes.
  local raboof="$work/raboof.ll"
  sed 's/c"foobar\\00"/c"raboof\\00"/' "$build/ir_samples/string.ll" \
    >"$raboof"
  grep -q raboof "$raboof" || die "could not make the second version"
  start_runtime_updater load
  upload "$url" "$build/ir_samples/string.bc"

  # Rounds alternate between wrk alone and wrk while 100 pushes land,
  # spread over about 80% of the run.
  local round pusher pushed=0 failed=0 push_ms=""
  warm_up "$url"
  : >"$work/load-quiet.txt"
  : >"$work/load-updates.txt"
  for round in $(seq "$rounds"); do
    run_wrk "$url" "$out/wrk-quiet-$round.txt" >>"$work/load-quiet.txt"
    "$bench/bench_client" --url="$url" --mode=push --count=100 \
      --interval_ms=$((seconds * 800 / 100)) \
      --files="$build/ir_samples/string.bc,$raboof" \
      >"$out/push-$round.txt" 2>&1 &
    pusher=$!
    run_wrk "$url" "$out/wrk-updates-$round.txt" >>"$work/load-updates.txt"
    wait "$pusher" || true
    local n f ms
    if IFS=$'\t' read -r _ n f ms < <(grep '^PUSHED' "$out/push-$round.txt")
    then
      pushed=$((pushed + n))
      failed=$((failed + f))
      push_ms="$push_ms${push_ms:+; }$ms"
    else
      failed=$((failed + 100))
      push_ms="$push_ms${push_ms:+; }round $round did not finish"
    fi
  done
  alive "4 updates under load" load "$server_pid" || true
  stop_server

  local q_rps q_p50 q_p99 q_non2xx q_errors rps p50 p99 non2xx errors
  read -r q_rps q_p50 q_p99 q_non2xx q_errors \
    < <(mean_of_rounds "$work/load-quiet.txt")
  read -r rps p50 p99 non2xx errors < <(mean_of_rounds "$work/load-updates.txt")
  local part="4 updates under load"
  row "$part" "requests/s during 100 updates ($rounds x ${seconds} s)" \
    "$rps" "$q_rps (no updates)" ">= 0.9 x no updates" \
    "$(ratio_verdict "$rps" "$q_rps" 0.9)"
  row "$part" "requests/s in each round" \
    "$(cut -d' ' -f1 "$work/load-updates.txt" | paste -sd' ')" \
    "$(cut -d' ' -f1 "$work/load-quiet.txt" | paste -sd' ')" "-" info
  row "$part" "latency p50 / p99 during updates" "$p50 / $p99 ms" \
    "$q_p50 / $q_p99 ms" "-" info
  row "$part" "non-2xx, socket errors during updates" "$non2xx, $errors" \
    "$q_non2xx, $q_errors" "0, 0" "$(zero_verdict "$non2xx" "$errors")"
  row "$part" "updates failed; update latency under load, per round" \
    "$failed of $pushed; $push_ms" "-" "0 failed" \
    "$([ "$failed" -eq 0 ] && echo pass || echo "MISS ($failed failed)")"
}

part_memory() {
  log "5: memory after 100 and $memory_updates updates (fsync off, for time)"
  start_runtime_updater memory --sync_writes=false
  "$bench/bench_client" --url="$url" --mode=memory --pid="$server_pid" \
    --template_ir=tiny --checkpoints="100,$memory_updates" |
    tee "$out/memory.txt" | keep_rows
  stop_server
}

part_startup() {
  log "7: start-up with 1,000 stored versions (2 functions: 500 each)"
  start_runtime_updater startup --sync_writes=false
  "$bench/bench_client" --url="$url" --mode=update --template_ir=tiny \
    --count=500 --warmup=0 >/dev/null
  "$bench/bench_client" --url="$url" --mode=update --template_ir=value \
    --function=function_for_foobar_to_call --count=500 --warmup=0 >/dev/null
  stop_server

  mkdir -p "$work/empty"
  "$bench/startup_bench" --runs=5 --port_file="$work/empty.port" \
    --row="empty state directory" -- "$server_bin" \
    --log_dir="$work/empty/logs" --state_dir="$work/empty/state" |
    tee "$out/startup-empty.txt" | keep_rows
  "$bench/startup_bench" --runs=5 --port_file="$work/startup.port" \
    --row="1,000 stored versions: 500 foobar, 500 function_for_foobar_to_call" \
    --target_ms=1000 -- "$server_bin" --log_dir="$work/startup/logs" \
    --state_dir="$work/startup/state" |
    tee "$out/startup-1000.txt" | keep_rows
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
began=$(date +%s)
for part in "${parts[@]}"; do "part_$part"; done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
{
  echo "scripts/bench.sh ${parts[*]}"
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($cpu)," \
    "load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg)" \
    "after; $(($(date +%s) - began)) s"
  [ ${#helper_off[@]} -eq 0 ] &&
    echo "helper process: not built yet (no --compile_in_process/--helper)"
  [ -z "$probe_off" ] && echo "trial run: not built yet (no probe option)"
  echo
  echo "| part | measurement | result | baseline, same run | target | verdict |"
  echo "|---|---|---|---|---|---|"
  sort -s -t$'\t' -k1,1 "$results" |
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n",
                  $1, $2, $3, $4, $5, $6 }'
} | tee "$out/table.md"
log "raw outputs in $out"
