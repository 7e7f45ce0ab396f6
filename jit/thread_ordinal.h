// A small number per thread, for spreading per-thread counters and buffers
// over shards without a lock shared by all threads. Header-only and free of
// LLVM, so http/ may use it as well as jit/.

#ifndef RUNTIME_UPDATER_JIT_THREAD_ORDINAL_H_
#define RUNTIME_UPDATER_JIT_THREAD_ORDINAL_H_

#include <atomic>

namespace ru {

// The order in which this thread first asked: 0, 1, 2, ... Callers take it
// modulo their number of shards.
inline unsigned ThreadOrdinal() {
  static std::atomic<unsigned> next{0};
  thread_local unsigned ordinal = next.fetch_add(1, std::memory_order_relaxed);
  return ordinal;
}

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_THREAD_ORDINAL_H_
