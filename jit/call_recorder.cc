#include "jit/call_recorder.h"

#include <algorithm>
#include <atomic>
#include <map>

#include "jit/thread_ordinal.h"

namespace ru {

const std::vector<double>& CallRecorder::BucketBounds() {
  // Calls of small uploaded functions take microseconds; the time limit
  // is seconds.
  static const std::vector<double> bounds = {
      1e-6, 2.5e-6, 5e-6,  1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3,
      5e-3, 0.01,   0.025, 0.05, 0.1,    0.25, 0.5,  1,      2.5,  5,    10};
  return bounds;
}

void CallRecorder::Record(uint32_t function, int version,
                          EndpointResult::Outcome outcome, double seconds) {
  const std::vector<double>& bounds = BucketBounds();
  size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
  uint64_t key =
      (static_cast<uint64_t>(function) << 32) | static_cast<uint32_t>(version);

  Shard& shard = shards_[ThreadOrdinal() % kShards];
  std::lock_guard<std::mutex> lock(shard.mutex);
  Counts& counts = shard.versions[key];
  ++counts.calls;
  switch (outcome) {
    case EndpointResult::Outcome::kOk:
      break;
    case EndpointResult::Outcome::kFailed:
      ++counts.failed;
      break;
    case EndpointResult::Outcome::kCrashed:
      ++counts.crashed;
      break;
    case EndpointResult::Outcome::kTimedOut:
      ++counts.timed_out;
      break;
  }
  if (shard.durations.size() <= function) {
    shard.durations.resize(function + 1);
  }
  Durations& durations = shard.durations[function];
  if (durations.counts.empty()) durations.counts.resize(bounds.size() + 1);
  ++durations.counts[bucket];
  durations.sum_seconds += seconds;
}

CallStats CallRecorder::Snapshot(const std::vector<std::string>& names) const {
  std::map<uint64_t, Counts> versions;
  std::vector<Durations> durations(names.size());
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (const auto& [key, counts] : shard.versions) {
      Counts& total = versions[key];
      total.calls += counts.calls;
      total.failed += counts.failed;
      total.crashed += counts.crashed;
      total.timed_out += counts.timed_out;
    }
    for (size_t i = 0; i < shard.durations.size() && i < names.size(); ++i) {
      const Durations& from = shard.durations[i];
      Durations& total = durations[i];
      if (from.counts.empty()) continue;
      if (total.counts.empty()) total.counts.resize(from.counts.size());
      for (size_t b = 0; b < from.counts.size(); ++b) {
        total.counts[b] += from.counts[b];
      }
      total.sum_seconds += from.sum_seconds;
    }
  }

  CallStats stats;
  for (const auto& [key, counts] : versions) {
    uint32_t function = static_cast<uint32_t>(key >> 32);
    if (function >= names.size()) continue;
    VersionCallCounts entry;
    entry.function = names[function];
    entry.version = static_cast<int>(key & 0xffffffffu);
    entry.calls = counts.calls;
    entry.failed = counts.failed;
    entry.crashed = counts.crashed;
    entry.timed_out = counts.timed_out;
    stats.versions.push_back(std::move(entry));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (durations[i].counts.empty()) continue;
    DurationHistogram histogram;
    histogram.bounds_seconds = BucketBounds();
    histogram.counts = std::move(durations[i].counts);
    histogram.sum_seconds = durations[i].sum_seconds;
    stats.durations.emplace_back(names[i], std::move(histogram));
  }
  auto by_name = [](const auto& a, const auto& b) {
    return a.function != b.function ? a.function < b.function
                                    : a.version < b.version;
  };
  std::sort(stats.versions.begin(), stats.versions.end(), by_name);
  std::sort(stats.durations.begin(), stats.durations.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return stats;
}

CallRecorder::Scope::~Scope() {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  recorder_->Record(function_, result_->version, result_->outcome, seconds);
}

}  // namespace ru
