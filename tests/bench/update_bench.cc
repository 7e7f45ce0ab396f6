// Part 3 of scripts/bench.sh, inside the process: the time from uploaded
// bitcode bytes handed to Runtime::Update to the stub pointing at the new
// code (checked, compiled, recorded in the state directory, live). Every
// upload is a distinct module, so every one is compiled.
//
//   update_bench --template=tiny|FILE.ll --count=100 [--sync_writes=false]
//                [--codegen_opt_level=0] [--row="..."] [--target_p50_ms=5]

#include <gflags/gflags.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "jit/runtime.h"
#include "tests/bench/bench_modules.h"
#include "tests/bench/bench_stats.h"

DEFINE_string(template_ir, "tiny",
              "\"tiny\" or a textual IR file containing the seed constant.");
DEFINE_int32(count, 100, "Uploads measured.");
DEFINE_int32(warmup, 3, "Uploads before the measured ones, not counted.");
DEFINE_bool(sync_writes, true, "RuntimeOptions::sync_writes.");
DEFINE_int32(codegen_opt_level, 2, "RuntimeOptions::codegen_opt_level.");
DEFINE_bool(helper, true,
            "Compile in the sandboxed helper (false: RuntimeOptions::"
            "compile_in_process).");
DEFINE_bool(probe, true, "Run the trial run of each upload.");
DEFINE_string(row, "", "Measurement name for the ROW line; none if empty.");
DEFINE_double(target_p50_ms, 0, "Target for the median; 0 for none.");

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  std::vector<std::string> uploads = ru_bench::SeededVariants(
      ru_bench::TemplateIr(FLAGS_template_ir), FLAGS_warmup + FLAGS_count, 1);

  char state_dir[] = "/tmp/ru-update-bench-XXXXXX";
  if (mkdtemp(state_dir) == nullptr) return 2;
  ru::RuntimeOptions options;
  options.state_dir = state_dir;
  options.sync_writes = FLAGS_sync_writes;
  options.codegen_opt_level = FLAGS_codegen_opt_level;
  options.compile_in_process = !FLAGS_helper;
  options.helper_executable = RU_SERVER_BINARY;
  std::unique_ptr<ru::Runtime> runtime;
  std::vector<std::string> notes;
  ru::Status status = ru::Runtime::Create(options, &runtime, &notes);
  if (!status.ok()) {
    std::fprintf(stderr, "cannot create the runtime: %s\n",
                 status.message().c_str());
    return 2;
  }

  std::vector<double> ms;
  std::vector<double> compile_ms;  // Parse, check and compile only.
  for (size_t i = 0; i < uploads.size(); ++i) {
    ru::UpdateRequest request;
    request.bytes = uploads[i];
    request.probe = FLAGS_probe;
    ru::UpdateResult result;
    auto start = std::chrono::steady_clock::now();
    status = runtime->Update(request, &result);
    double elapsed = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    if (!status.ok() || !result.created) {
      std::fprintf(stderr, "upload %zu was not compiled as a new version: %s\n",
                   i, status.message().c_str());
      return 1;
    }
    if (static_cast<int>(i) >= FLAGS_warmup) {
      ms.push_back(elapsed);
      compile_ms.push_back(result.compile_ms);
    }
  }
  runtime.reset();
  std::string remove = std::string("rm -rf ") + state_dir;
  if (std::system(remove.c_str()) != 0) return 1;

  ru_bench::Summary summary = ru_bench::Summarize(ms);
  ru_bench::Summary compile = ru_bench::Summarize(compile_ms);
  std::printf(
      "update in process: p50 %.3f ms, p99 %.3f ms, min %.3f, "
      "max %.3f (n=%zu, %zu bytes of bitcode each)\n",
      summary.p50, summary.p99, summary.min, summary.max, summary.count,
      uploads.back().size());
  if (!FLAGS_row.empty()) {
    bool has_target = FLAGS_target_p50_ms > 0;
    ru_bench::PrintRow(
        "3 update latency", FLAGS_row,
        ru_bench::FormatMs(summary) + "; compile_ms p50 " +
            ru_bench::Format("%.2f", compile.p50),
        "-",
        has_target
            ? "p50 <= " + ru_bench::Format("%g", FLAGS_target_p50_ms) + " ms"
            : "-",
        has_target ? ru_bench::AtMost(summary.p50, FLAGS_target_p50_ms, "ms")
                   : "info");
  }
  return 0;
}
