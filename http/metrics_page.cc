#include "http/metrics_page.h"

#include <unistd.h>

#include <cstdio>

#include "http/prometheus_text.h"
#include "http/request_metrics.h"

namespace ru {
namespace {

void RenderCalls(const CallStats& stats, PrometheusText* out) {
  struct Counter {
    const char* name;
    const char* help;
    uint64_t VersionCallCounts::*field;
  };
  static const Counter kCounters[] = {
      {"ru_function_calls_total",
       "Calls of an endpoint function, by function and version (0: "
       "built-in).",
       &VersionCallCounts::calls},
      {"ru_function_call_errors_total",
       "Calls that the function itself failed (non-zero return, ru_fail, "
       "API misuse, an exception).",
       &VersionCallCounts::failed},
      {"ru_function_crashes_total",
       "Faults in uploaded code that were contained (the request answered "
       "500).",
       &VersionCallCounts::crashed},
      {"ru_function_timeouts_total",
       "Calls interrupted at the time limit (the request answered 503).",
       &VersionCallCounts::timed_out},
  };
  for (const Counter& counter : kCounters) {
    out->Family(counter.name, "counter", counter.help);
    for (const VersionCallCounts& version : stats.versions) {
      out->Sample(counter.name,
                  {{"function", version.function},
                   {"version", std::to_string(version.version)}},
                  static_cast<double>(version.*counter.field));
    }
  }

  out->Family("ru_function_call_duration_seconds", "histogram",
              "Time from the call into the function until its JSON result "
              "was ready, by function.");
  for (const auto& [function, histogram] : stats.durations) {
    out->Histogram("ru_function_call_duration_seconds",
                   {{"function", function}}, histogram.bounds_seconds,
                   histogram.counts, histogram.sum_seconds);
  }
}

}  // namespace

uint64_t ResidentMemoryBytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  int fields = std::fscanf(statm, "%llu %llu", &size, &resident);
  std::fclose(statm);
  if (fields != 2) return 0;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::string MetricsPage(const Runtime& runtime,
                        const RequestMetrics* requests) {
  PrometheusText out;
  if (requests != nullptr) requests->Render(&out);
  CallStats stats = runtime.Stats();
  RenderCalls(stats, &out);

  out.Family("ru_rollbacks_total", "counter",
             "Rollbacks by function and trigger: \"request\" for POST "
             "/rollback, \"fault\" for the server's own after a crash or "
             "a timeout.");
  if (requests != nullptr) {
    for (const auto& [function, count] : requests->Rollbacks()) {
      out.Sample("ru_rollbacks_total",
                 {{"function", function}, {"trigger", "request"}},
                 static_cast<double>(count));
    }
  }
  for (const auto& [function, count] : stats.automatic_rollbacks) {
    out.Sample("ru_rollbacks_total",
               {{"function", function}, {"trigger", "fault"}},
               static_cast<double>(count));
  }

  out.Family("ru_function_live_version", "gauge",
             "The version of each function that calls reach now (0: "
             "built-in).");
  for (const FunctionInfo& function : runtime.DescribeFunctions()) {
    out.Sample("ru_function_live_version", {{"function", function.name}},
               function.live_version);
  }
  out.Family("ru_jit_resident_code_bytes", "gauge",
             "Bytes of machine code and data of uploaded versions that are "
             "loaded.");
  out.Sample("ru_jit_resident_code_bytes", {},
             static_cast<double>(runtime.ResidentCodeBytes()));
  out.Family("process_resident_memory_bytes", "gauge",
             "Resident memory size in bytes.");
  out.Sample("process_resident_memory_bytes", {},
             static_cast<double>(ResidentMemoryBytes()));
  return out.text();
}

}  // namespace ru
