#include "http/request_metrics.h"

#include <algorithm>

#include "jit/thread_ordinal.h"

namespace ru {
namespace {

int StatusSlot(int status) {
  if (status < 100 || status >= 600 || status % 100 >= 32) return 5 * 32;
  return (status / 100 - 1) * 32 + status % 100;
}

std::string SlotStatus(int slot) {
  if (slot == 5 * 32) return "other";
  return std::to_string((slot / 32 + 1) * 100 + slot % 32);
}

// Compiling an upload takes about a millisecond for a small function and
// tens of milliseconds for a large one.
const std::vector<double>& CompileBounds() {
  static const std::vector<double> bounds = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return bounds;
}

}  // namespace

RequestMetrics::RequestMetrics()
    : shards_(new Shard[kShards]()),
      compile_counts_(CompileBounds().size() + 1) {}

void RequestMetrics::CountRequest(const std::string& path, int status) {
  Shard& shard = shards_[ThreadOrdinal() % kShards];
  shard.counts[Routes::RouteIndex(path)][StatusSlot(status)].fetch_add(
      1, std::memory_order_relaxed);
}

void RequestMetrics::CountUpdate(const std::string& function,
                                 const std::string& result,
                                 double compile_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++updates_[{function, result}];
  if (compile_seconds >= 0) {
    const std::vector<double>& bounds = CompileBounds();
    size_t bucket = static_cast<size_t>(
        std::lower_bound(bounds.begin(), bounds.end(), compile_seconds) -
        bounds.begin());
    ++compile_counts_[bucket];
    compile_seconds_sum_ += compile_seconds;
  }
}

void RequestMetrics::CountRollback(const std::string& function) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++rollbacks_[function];
}

uint64_t RequestMetrics::TotalRequests() const {
  uint64_t total = 0;
  for (int s = 0; s < kShards; ++s) {
    for (const auto& route : shards_[s].counts) {
      for (const std::atomic<uint64_t>& count : route) {
        total += count.load(std::memory_order_relaxed);
      }
    }
  }
  return total;
}

void RequestMetrics::Render(PrometheusText* out) const {
  out->Family("ru_http_requests_total", "counter",
              "HTTP requests answered, by route and status. Route \"-\" "
              "is a request that could not be read.");
  for (int route = 0; route < Routes::kRouteCount; ++route) {
    for (int slot = 0; slot < kStatusSlots; ++slot) {
      uint64_t total = 0;
      for (int s = 0; s < kShards; ++s) {
        total += shards_[s].counts[route][slot].load(std::memory_order_relaxed);
      }
      if (total == 0) continue;
      out->Sample("ru_http_requests_total",
                  {{"route", Routes::kRouteLabels[route]},
                   {"status", SlotStatus(slot)}},
                  static_cast<double>(total));
    }
  }

  std::lock_guard<std::mutex> lock(mutex_);
  out->Family("ru_updates_total", "counter",
              "Uploads to POST /update_endpoint, by function and result.");
  for (const auto& [key, count] : updates_) {
    out->Sample("ru_updates_total",
                {{"function", key.first}, {"result", key.second}},
                static_cast<double>(count));
  }
  out->Family("ru_update_compile_duration_seconds", "histogram",
              "Time to check and compile an upload, from bytes to a live "
              "stub.");
  out->Histogram("ru_update_compile_duration_seconds", {}, CompileBounds(),
                 compile_counts_, compile_seconds_sum_);
}

std::map<std::string, uint64_t> RequestMetrics::Rollbacks() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rollbacks_;
}

}  // namespace ru
