// Part 1 of scripts/bench.sh: what one call of foobar costs, from a direct
// call of the same function compiled ahead of time, through a function
// pointer and through the ORC stub, to the guarded call the server makes
// per request. Every variant calls a function that returns 0 at once, so
// the differences are the cost of reaching it.
//
// Prints Google Benchmark's table, then ROW lines (see bench_stats.h) built
// from the median CPU time of the repetitions.

#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "jit/call_frame.h"
#include "jit/call_guard.h"
#include "jit/code_epoch.h"
#include "jit/code_map.h"
#include "jit/engine.h"
#include "jit/guarded_libc.h"
#include "jit/object_compiler.h"
#include "jit/runtime.h"
#include "jit/upload_reader.h"
#include "tests/bench/bench_modules.h"
#include "tests/bench/bench_stats.h"

// The function every variant calls, compiled ahead of time. noipa keeps
// GCC from folding its result into the caller, which would leave no call
// to measure.
__attribute__((noinline, noipa)) int AotTrivial(const ru_args*, ru_json*) {
  return 0;
}

namespace {

using EndpointFn = int (*)(const ru_args*, ru_json*);

// The same function as textual IR, for the JIT and for the runtime.
constexpr const char kTrivialIr[] =
    "define i32 @foobar(ptr %args, ptr %out) {\n"
    "  ret i32 0\n"
    "}\n";

struct Fixture {
  std::unique_ptr<ru::Runtime> runtime;
  std::string trivial_bitcode;
  std::string string_bitcode;  // ir_samples/string.c: answers "foobar".
  std::unique_ptr<ru::CodeMap> code_map;
  std::unique_ptr<ru::Engine> engine;
  EndpointFn jit_code = nullptr;  // The JIT's code, reached directly.
  EndpointFn stub = nullptr;      // The same code through an ORC stub.
};

Fixture* fixture = nullptr;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "call_cost_bench: %s\n", message.c_str());
  std::exit(2);
}

void UpdateFoobar(const std::string& bitcode) {
  ru::UpdateRequest request;
  request.bytes = bitcode;
  ru::UpdateResult result;
  ru::Status status = fixture->runtime->Update(request, &result);
  if (!status.ok()) Die("update failed: " + status.message());
}

// The runtime installs the call guard (handlers and watchdog) as the
// server does; a second engine of our own provides a stub whose target we
// control. Both compile at the server's default code generation level.
void SetUp(const std::string& state_dir) {
  fixture = new Fixture();
  ru::RuntimeOptions options;
  options.state_dir = state_dir;
  options.sync_writes = false;
  options.helper_executable = RU_SERVER_BINARY;
  std::vector<std::string> notes;
  ru::Status status = ru::Runtime::Create(options, &fixture->runtime, &notes);
  if (!status.ok()) Die("cannot create the runtime: " + status.message());

  std::string error;
  if (!ru_bench::AssembleBitcode(kTrivialIr, &fixture->trivial_bitcode,
                                 &error) ||
      !ru_bench::FileAsBitcode(RU_SAMPLE_DIR "/string.bc",
                               &fixture->string_bitcode, &error)) {
    Die(error);
  }
  UpdateFoobar(fixture->trivial_bitcode);

  fixture->code_map = std::make_unique<ru::CodeMap>();
  auto engine_or_err = ru::Engine::Create({}, fixture->code_map.get());
  if (!engine_or_err) Die(llvm::toString(engine_or_err.takeError()));
  fixture->engine = std::move(*engine_or_err);
  auto stub_or_err =
      fixture->engine->AddStub("foobar", reinterpret_cast<void*>(&AotTrivial));
  if (!stub_or_err) Die(llvm::toString(stub_or_err.takeError()));

  // The same compile and link path as an upload: object file, then ORC.
  auto compiler_or_err = ru::ObjectCompiler::Create(2);
  if (!compiler_or_err) Die(llvm::toString(compiler_or_err.takeError()));
  ru::CompileSpec spec;
  spec.function = "foobar";
  spec.signature = {"i32(ptr,ptr)", "int (const ru_args *, ru_json *)"};
  spec.max_global_bytes = 1 << 20;
  ru::CompiledObject object;
  if (auto error = (*compiler_or_err)->Compile(kTrivialIr, spec, &object)) {
    Die(llvm::toString(std::move(error)));
  }
  auto code_or_err = fixture->engine->Load(object, "foobar", 1);
  if (!code_or_err) Die(llvm::toString(code_or_err.takeError()));
  if (auto error = fixture->engine->Retarget("foobar", code_or_err->address)) {
    Die(llvm::toString(std::move(error)));
  }
  fixture->jit_code = reinterpret_cast<EndpointFn>(code_or_err->address);
  fixture->stub = reinterpret_cast<EndpointFn>(*stub_or_err);
}

void BM_DirectCall(benchmark::State& state) {
  ru_args args;
  ru_json out;
  for (auto _ : state) {
    int returned = AotTrivial(&args, &out);
    benchmark::DoNotOptimize(returned);
  }
}

// Calls `fn` as a pointer the compiler cannot see through.
void CallThrough(benchmark::State& state, EndpointFn fn) {
  ru_args args;
  ru_json out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fn);
    int returned = fn(&args, &out);
    benchmark::DoNotOptimize(returned);
  }
}

void BM_FunctionPointer(benchmark::State& state) {
  CallThrough(state, &AotTrivial);
}

// The machine code of AotTrivial (xor eax, eax; ret) copied into a fresh
// page. With `near` the page is asked for 64 MB past this binary's code;
// without, mmap puts it far away, where the JIT's memory lies. Separates
// the cost of where code lies from the cost of the JIT. Null when the
// kernel did not honour the hint.
EndpointFn CopyToFreshPage(bool near) {
  static const unsigned char kCode[] = {0x31, 0xc0, 0xc3};
  uintptr_t text = reinterpret_cast<uintptr_t>(&AotTrivial);
  void* hint =
      near ? reinterpret_cast<void*>((text & ~uintptr_t{0xfff}) + (64 << 20))
           : nullptr;
  void* page = mmap(hint, 4096, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) Die("mmap failed");
  std::memcpy(page, kCode, sizeof(kCode));
  if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) Die("mprotect failed");
  uintptr_t at = reinterpret_cast<uintptr_t>(page);
  if (near && (at > text ? at - text : text - at) > (1u << 30)) return nullptr;
  return reinterpret_cast<EndpointFn>(page);
}

void BM_CopiedCodeFarPage(benchmark::State& state) {
  static EndpointFn copy = CopyToFreshPage(false);
  CallThrough(state, copy);
}

void BM_CopiedCodeNearPage(benchmark::State& state) {
  static EndpointFn copy = CopyToFreshPage(true);
  if (copy == nullptr) {
    state.SkipWithError("no page near the binary");
    return;
  }
  CallThrough(state, copy);
}

void BM_JitCodePointer(benchmark::State& state) {
  CallThrough(state, fixture->jit_code);
}

void BM_OrcStub(benchmark::State& state) { CallThrough(state, fixture->stub); }

// The guard as jit/runtime_calls.cc wraps each call: an RCU read section,
// the live version read, the thread's call frame and the signal guard,
// around a call through the stub. Arguments and result are reused.
void BM_GuardedCall(benchmark::State& state) {
  std::atomic<int> live{1};
  ru_args args;
  ru_json out;
  EndpointFn stub = fixture->stub;
  for (auto _ : state) {
    ru::GuardOutcome outcome;
    int returned;
    {
      ru::CodeReadSection section;
      int version = live.load(std::memory_order_acquire);
      benchmark::DoNotOptimize(version);
      ru::ScopedCallFrame frame(&args, &out);
      returned = ru::GuardedEndpointCall(stub, ru::UploadArgsHandle(),
                                         ru::UploadOutHandle(), &outcome);
    }
    benchmark::DoNotOptimize(returned);
  }
}

// The same, plus what each request adds around it in runtime_calls.cc:
// fresh arguments and result objects, and turning the result into text.
void BM_GuardedCallPerRequest(benchmark::State& state) {
  std::atomic<int> live{1};
  EndpointFn stub = fixture->stub;
  for (auto _ : state) {
    ru_args args{ru::QueryParams()};
    ru_json out;
    ru::GuardOutcome outcome;
    int returned;
    {
      ru::CodeReadSection section;
      int version = live.load(std::memory_order_acquire);
      benchmark::DoNotOptimize(version);
      ru::ScopedCallFrame frame(&args, &out);
      returned = ru::GuardedEndpointCall(stub, ru::UploadArgsHandle(),
                                         ru::UploadOutHandle(), &outcome);
    }
    ru::CallResult result = ru::FinishCall("foobar", returned, &out);
    benchmark::DoNotOptimize(result);
  }
}

void CallEndpoint(benchmark::State& state, const std::string& bitcode,
                  const char* expected) {
  UpdateFoobar(bitcode);
  for (auto _ : state) {
    ru::EndpointResult result;
    fixture->runtime->CallEndpoint("foobar", ru::QueryParams(), &result);
    benchmark::DoNotOptimize(result);
    if (result.body != expected) {
      state.SkipWithError(("unexpected answer " + result.body).c_str());
      break;
    }
  }
}

// The public API the HTTP layer calls, with the trivial foobar.
void BM_RuntimeCallEndpoint(benchmark::State& state) {
  CallEndpoint(state, fixture->trivial_bitcode, "null");
}

// The same with the foobar of the HTTP benchmark, which writes "foobar".
void BM_RuntimeCallEndpointString(benchmark::State& state) {
  CallEndpoint(state, fixture->string_bitcode, "\"foobar\"");
}

// strlen of a short string through a pointer, as JIT code calls it: the
// C library's own, and the guarded replacement uploads are linked to.
void StrlenThrough(benchmark::State& state, size_t (*strlen_fn)(const char*)) {
  const char* text = "sixteen bytes ..";
  for (auto _ : state) {
    benchmark::DoNotOptimize(strlen_fn(text));
    benchmark::ClobberMemory();
  }
}

void BM_LibraryStrlen(benchmark::State& state) {
  size_t (*volatile strlen_fn)(const char*) = &strlen;
  StrlenThrough(state, strlen_fn);
}

void BM_GuardedLibraryStrlen(benchmark::State& state) {
  StrlenThrough(state, reinterpret_cast<size_t (*)(const char*)>(
                           ru::GuardedLibraryFunctions().at("strlen")));
}

// A 64-byte malloc and its free through pointers, as JIT code calls them:
// the C library's own, and the upload heap's replacements.
void MallocFreeThrough(benchmark::State& state, void* (*malloc_fn)(size_t),
                       void (*free_fn)(void*)) {
  for (auto _ : state) {
    void* block = malloc_fn(64);
    benchmark::DoNotOptimize(block);
    free_fn(block);
  }
}

void BM_LibraryMallocFree(benchmark::State& state) {
  void* (*volatile malloc_fn)(size_t) = &malloc;
  void (*volatile free_fn)(void*) = &free;
  MallocFreeThrough(state, malloc_fn, free_fn);
}

void BM_GuardedMallocFree(benchmark::State& state) {
  const auto& guarded = ru::GuardedLibraryFunctions();
  MallocFreeThrough(state,
                    reinterpret_cast<void* (*)(size_t)>(guarded.at("malloc")),
                    reinterpret_cast<void (*)(void*)>(guarded.at("free")));
}

BENCHMARK(BM_DirectCall);
BENCHMARK(BM_FunctionPointer);
BENCHMARK(BM_CopiedCodeNearPage);
BENCHMARK(BM_CopiedCodeFarPage);
BENCHMARK(BM_JitCodePointer);
BENCHMARK(BM_OrcStub);
BENCHMARK(BM_GuardedCall);
BENCHMARK(BM_GuardedCallPerRequest);
BENCHMARK(BM_RuntimeCallEndpoint);
BENCHMARK(BM_RuntimeCallEndpointString);
BENCHMARK(BM_LibraryStrlen);
BENCHMARK(BM_GuardedLibraryStrlen);
BENCHMARK(BM_LibraryMallocFree);
BENCHMARK(BM_GuardedMallocFree);

// Keeps, per benchmark, the median of its repetitions (or its only run),
// in CPU time: on a shared machine, wall time also counts the time the
// thread spent descheduled.
class MedianReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal: the ROW lines must start their line.
  MedianReporter()
      : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const std::string& name = run.run_name.function_name;
      if (run.error_occurred) {
        failed_[name] = true;
      } else if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") {
          ns_[name] = run.GetAdjustedCPUTime();
        }
      } else if (ns_.count(name) == 0 || run.repetitions <= 1) {
        ns_[name] = run.GetAdjustedCPUTime();
      }
    }
  }

  // Median nanoseconds per call; negative when the benchmark failed or
  // did not run.
  double Ns(const std::string& name) const {
    auto it = ns_.find(name);
    if (it == ns_.end() || Failed(name)) return -1;
    return it->second;
  }

  bool Failed(const std::string& name) const { return failed_.count(name) > 0; }

 private:
  std::map<std::string, double> ns_;
  std::map<std::string, bool> failed_;
};

std::string Ns(double ns) { return ru_bench::Format("%.2f ns", ns); }

void PrintRows(const MedianReporter& reporter) {
  const char* part = "1 call cost";
  // A row for each benchmark that ran (a filter may leave some out).
  auto row = [&](const char* measurement, const char* name,
                 const char* baseline, const std::string& target,
                 const std::string& verdict) {
    if (reporter.Failed(name)) {
      ru_bench::PrintRow(part, measurement, "failed", "-", target, "MISS");
      return;
    }
    double ns = reporter.Ns(name);
    double baseline_ns = baseline == nullptr ? -1 : reporter.Ns(baseline);
    if (ns < 0) return;
    ru_bench::PrintRow(part, measurement, Ns(ns),
                       baseline_ns < 0 ? "-" : Ns(baseline_ns), target,
                       verdict);
  };
  double pointer = reporter.Ns("BM_FunctionPointer");
  double stub = reporter.Ns("BM_OrcStub");
  double guarded = reporter.Ns("BM_GuardedCall");

  row("direct call, compiled ahead of time", "BM_DirectCall", nullptr, "-",
      "baseline");
  row("function pointer, compiled ahead of time", "BM_FunctionPointer", nullptr,
      "-", "baseline");
  row("same code copied to a page near this binary, pointer",
      "BM_CopiedCodeNearPage", "BM_FunctionPointer", "-", "info");
  row("same code copied to a page far away (as JIT memory), pointer",
      "BM_CopiedCodeFarPage", "BM_FunctionPointer", "-", "info");
  row("JIT code through a plain pointer", "BM_JitCodePointer",
      "BM_FunctionPointer", "-", "info");
  row("JIT code through the ORC stub", "BM_OrcStub", "BM_FunctionPointer",
      "<= pointer + 0.5 ns",
      pointer < 0 ? "info" : ru_bench::AtMost(stub - pointer, 0.5, "ns"));
  row("guarded call (RCU section, call frame, signal guard, stub)",
      "BM_GuardedCall", "BM_OrcStub", "<= 10 ns",
      ru_bench::AtMost(guarded, 10, "ns"));
  row("guarded call + fresh args/result + FinishCall",
      "BM_GuardedCallPerRequest", "BM_OrcStub", "-", "info");
  row("Runtime::CallEndpoint, foobar returns 0 (null)",
      "BM_RuntimeCallEndpoint", "BM_OrcStub", "-", "info");
  row("Runtime::CallEndpoint, foobar writes \"foobar\"",
      "BM_RuntimeCallEndpointString", "BM_OrcStub", "-", "info");
  row("strlen of 16 bytes, as uploads call it (guarded)",
      "BM_GuardedLibraryStrlen", "BM_LibraryStrlen", "-", "info");
  row("malloc(64) + free, as uploads call them (upload heap)",
      "BM_GuardedMallocFree", "BM_LibraryMallocFree", "-", "info");
}

}  // namespace

int main(int argc, char** argv) {
  // Defaults that keep the run short and robust on a shared machine; a
  // flag given on the command line comes later and wins.
  std::vector<char*> args(argv, argv + argc);
  std::string repetitions = "--benchmark_repetitions=5";
  std::string min_time = "--benchmark_min_time=0.2";
  std::string aggregates = "--benchmark_report_aggregates_only=true";
  args.insert(args.begin() + 1,
              {repetitions.data(), min_time.data(), aggregates.data()});
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

  char state_dir[] = "/tmp/ru-call-cost-XXXXXX";
  if (mkdtemp(state_dir) == nullptr) Die("cannot create a state directory");
  SetUp(state_dir);

  MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  PrintRows(reporter);

  std::string remove = std::string("rm -rf ") + state_dir;
  return std::system(remove.c_str()) == 0 ? 0 : 1;
}
