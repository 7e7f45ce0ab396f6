// RequestMetrics: what the HTTP side counts for GET /metrics: requests by
// route and status, uploads by function and result with their compile
// times, and rollbacks asked for.
//
// CountRequest runs for every request and takes no lock: each thread adds
// to atomic counters in a shard of its own, and Render adds the shards up.
// The other counts are of rare events and share one lock.

#ifndef RUNTIME_UPDATER_HTTP_REQUEST_METRICS_H_
#define RUNTIME_UPDATER_HTTP_REQUEST_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "http/prometheus_text.h"
#include "http/routes.h"

namespace ru {

class RequestMetrics {
 public:
  RequestMetrics();

  // A request for `path` answered with `status`. Thread-safe.
  void CountRequest(const std::string& path, int status);

  // An upload of `function` with `result` (e.g. "created", "bad_input");
  // `compile_seconds` is negative when nothing was compiled. Thread-safe.
  void CountUpdate(const std::string& function, const std::string& result,
                   double compile_seconds);
  // A rollback of `function` that a client asked for. Thread-safe.
  void CountRollback(const std::string& function);
  // The rollbacks counted so far, by function.
  std::map<std::string, uint64_t> Rollbacks() const;

  // Requests answered so far.
  uint64_t TotalRequests() const;

  // Appends ru_http_requests_total, ru_updates_total,
  // ru_update_compile_duration_seconds and ru_rollbacks_total.
  void Render(PrometheusText* out) const;

 private:
  static constexpr int kShards = 8;
  // Statuses 100..599 whose last two digits are below 32 (every status
  // the server sends), then one slot for any other.
  static constexpr int kStatusSlots = 5 * 32 + 1;
  struct alignas(64) Shard {
    std::atomic<uint64_t> counts[Routes::kRouteCount][kStatusSlots];
  };

  std::unique_ptr<Shard[]> shards_;

  mutable std::mutex mutex_;
  // Guarded by mutex_.
  std::map<std::pair<std::string, std::string>, uint64_t> updates_;
  std::map<std::string, uint64_t> rollbacks_;
  std::vector<uint64_t> compile_counts_;
  double compile_seconds_sum_ = 0;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_REQUEST_METRICS_H_
