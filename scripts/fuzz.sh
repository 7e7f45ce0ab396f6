#!/usr/bin/env bash
# Fuzzes the upload path for SECONDS seconds (default 60) with libFuzzer:
# every input is uploaded as foobar and called, in a process that must
# never go down. Builds with clang-19 into build-fuzz/. Findings (inputs
# that took the process down) land in build-fuzz/findings/.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
# The regular build provides the compile helper (the server binary) and the
# samples used as seeds.
"$root/scripts/build.sh" runtime-updater ir_samples
build="$root/build-fuzz"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DRU_FUZZ=ON \
    -DRU_FUZZ_HELPER="$root/build/runtime-updater"
fi
ninja -C "$build" upload_fuzzer

# Seeds: the samples' real bitcode and textual IR, and known hostile files.
corpus="$build/corpus"
mkdir -p "$corpus" "$build/findings"
cp -n "$root"/build/ir_samples/*.bc "$root"/build/ir_samples/*.ll "$corpus"/ 2>/dev/null || true
cp -n "$root"/tests/data/hostile/*.bc "$corpus"/

cd "$build"
./upload_fuzzer -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 \
  -artifact_prefix="$build/findings/" -print_final_stats=1 "$corpus"
