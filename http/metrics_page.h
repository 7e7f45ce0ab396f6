// The body of GET /metrics: the runtime's call statistics, live versions
// and JIT memory, the process's resident memory, and what the HTTP side
// counted, in the Prometheus text format.

#ifndef RUNTIME_UPDATER_HTTP_METRICS_PAGE_H_
#define RUNTIME_UPDATER_HTTP_METRICS_PAGE_H_

#include <cstdint>
#include <string>

#include "jit/runtime.h"

namespace ru {

class RequestMetrics;

// `requests` may be null: its families are then left out.
std::string MetricsPage(const Runtime& runtime, const RequestMetrics* requests);

// The process's resident set in bytes, from /proc/self/statm; 0 if
// unreadable.
uint64_t ResidentMemoryBytes();

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_METRICS_PAGE_H_
