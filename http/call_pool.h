// CallPool: the threads that answer requests which may run uploaded code or
// compile, so that a slow call never holds up Pistache's reactor threads and
// with them every other connection.
//
// Sizing. The pool keeps `min_threads` threads. When tasks wait and no
// thread has taken one for `stall` (every thread is inside a slow call), it
// starts another, up to `max_threads`; it checks whenever a task arrives and
// every `stall` from a monitor thread. Threads beyond the minimum end after
// `idle_exit` without work. Fast calls thus never grow the pool, and a fast
// call waits behind slow ones for about `stall` at most.
//
// Hand-off cost. Waking a sleeping thread costs more than a fast call, so a
// thread that has finished a task watches the queue for `spin` before it
// sleeps (one such thread at a time, yielding the processor meanwhile).
// Under load the next task is usually there by then.
//
// Thread safety: every method may be called from any thread.

#ifndef RUNTIME_UPDATER_HTTP_CALL_POOL_H_
#define RUNTIME_UPDATER_HTTP_CALL_POOL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ru {

class CallPool {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    int min_threads = 2;
    int max_threads = 64;
    std::chrono::microseconds stall{5000};
    std::chrono::microseconds spin{100};
    std::chrono::milliseconds idle_exit{10000};
  };

  explicit CallPool(const Options& options);
  // Lets queued and running tasks finish, then ends every thread.
  ~CallPool();

  CallPool(const CallPool&) = delete;
  CallPool& operator=(const CallPool&) = delete;

  // Runs `task` on a pool thread.
  void Submit(std::function<void()> task);

  // Tasks queued or running.
  size_t Pending();

  // Waits until no task is queued or running, or until `deadline`; returns
  // whether the pool became idle.
  bool WaitIdle(Clock::time_point deadline);

  // Threads the pool has now.
  int Threads();

 private:
  void Run();
  void Monitor();
  // Starts a thread if tasks wait and none was taken for `stall`.
  void GrowIfStalled(Clock::time_point now);  // mutex_ held.
  void StartThread();                         // mutex_ held.

  const Options options_;
  std::mutex mutex_;
  std::condition_variable work_;     // A task arrived, or stopping.
  std::condition_variable changed_;  // The last running task finished.
  std::condition_variable stop_monitor_;
  std::thread monitor_;
  // Queue length, readable without mutex_ by a spinning thread.
  std::atomic<size_t> queued_{0};

  // All guarded by mutex_.
  std::deque<std::function<void()>> queue_;
  std::unordered_map<std::thread::id, std::thread> threads_;
  std::vector<std::thread::id> finished_;  // Ended, not yet joined.
  int waiting_ = 0;   // Threads asleep until a task arrives.
  int spinning_ = 0;  // Threads watching the queue before they sleep.
  int running_ = 0;   // Tasks being run.
  Clock::time_point last_taken_;  // When a thread last took a task.
  bool stopping_ = false;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_CALL_POOL_H_
