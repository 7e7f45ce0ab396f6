// CallRecorder: counts and times the calls of endpoint functions, per
// function and version, for Runtime::Stats().
//
// Record() runs on every call, from any thread. Each thread counts into one
// of a fixed set of shards, picked once per thread, each with its own lock;
// request threads therefore do not share a lock or a cache line with each
// other as long as there are fewer of them than shards. Snapshot() takes
// the shards' locks one at a time and adds them up.

#ifndef RUNTIME_UPDATER_JIT_CALL_RECORDER_H_
#define RUNTIME_UPDATER_JIT_CALL_RECORDER_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "jit/runtime.h"

namespace ru {

class CallRecorder {
 public:
  // Upper bounds of the duration buckets, in seconds: 1 us to 10 s.
  static const std::vector<double>& BucketBounds();

  void Record(uint32_t function, int version, EndpointResult::Outcome outcome,
              double seconds);

  // The totals; `names[i]` is the name of function number i. Functions
  // never called have no entries.
  CallStats Snapshot(const std::vector<std::string>& names) const;

  // Times a call and records it, with the version and outcome `*result`
  // holds, when it goes out of scope.
  class Scope {
   public:
    Scope(CallRecorder* recorder, uint32_t function,
          const EndpointResult* result)
        : recorder_(recorder),
          function_(function),
          result_(result),
          start_(std::chrono::steady_clock::now()) {}
    ~Scope();

    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CallRecorder* recorder_;
    uint32_t function_;
    const EndpointResult* result_;
    std::chrono::steady_clock::time_point start_;
  };

 private:
  static constexpr int kShards = 16;

  struct Counts {
    uint64_t calls = 0;
    uint64_t failed = 0;
    uint64_t crashed = 0;
    uint64_t timed_out = 0;
  };
  struct Durations {
    std::vector<uint64_t> counts;  // One per bucket, then above the last.
    double sum_seconds = 0;
  };
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    // Keyed by function << 32 | version. Guarded by mutex.
    std::unordered_map<uint64_t, Counts> versions;
    std::vector<Durations> durations;  // By function. Guarded by mutex.
  };

  std::array<Shard, kShards> shards_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_CALL_RECORDER_H_
