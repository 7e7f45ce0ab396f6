// CodeReclaimer: frees the machine code of versions that are no longer
// reachable, on a thread of its own, once every call that might still be
// running it has returned (see code_epoch.h). Freeing never happens on a
// request thread and never waits for a slow call on one.

#ifndef RUNTIME_UPDATER_JIT_CODE_RECLAIMER_H_
#define RUNTIME_UPDATER_JIT_CODE_RECLAIMER_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "jit/engine.h"
#include "jit/live_table.h"

namespace ru {

class CodeReclaimer {
 public:
  // `unload` frees one retired version; it runs on the reclaimer's thread,
  // after a grace period, and does its own locking.
  explicit CodeReclaimer(std::function<void(const LoadedCode&)> unload);

  // Frees what is still pending, after a grace period, then stops.
  ~CodeReclaimer();

  CodeReclaimer(const CodeReclaimer&) = delete;
  CodeReclaimer& operator=(const CodeReclaimer&) = delete;

  // Hands over `code`, which no stub points at any more.
  void Retire(const LoadedCode& code);

  // Hands over a live table that is no longer current (live_table.h).
  void Retire(std::unique_ptr<const LiveTable> table);

  // Returns once everything retired before the call has been freed.
  void Drain();

 private:
  void Run();

  std::function<void(const LoadedCode&)> unload_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::vector<LoadedCode> pending_;  // Guarded by mutex_.
  std::vector<std::unique_ptr<const LiveTable>> pending_tables_;  // Guarded.
  uint64_t retired_ = 0;   // Guarded by mutex_.
  uint64_t freed_ = 0;     // Guarded by mutex_.
  bool stopping_ = false;  // Guarded by mutex_.
  std::thread thread_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_CODE_RECLAIMER_H_
