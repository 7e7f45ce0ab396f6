#include "http/call_pool.h"

#include <utility>

namespace ru {

CallPool::CallPool(const Options& options) : options_(options) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_taken_ = Clock::now();
  for (int i = 0; i < options_.min_threads; ++i) StartThread();
  monitor_ = std::thread([this] { Monitor(); });
}

CallPool::~CallPool() {
  std::unordered_map<std::thread::id, std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    work_.notify_all();
    stop_monitor_.notify_all();
  }
  monitor_.join();
  {
    // The monitor is gone, so nothing starts threads any more.
    std::lock_guard<std::mutex> lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& [id, thread] : threads) thread.join();
}

void CallPool::Submit(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(task));
  queued_.store(queue_.size(), std::memory_order_relaxed);
  // Idle threads leave their counts only once they take a task, so more
  // tasks than idle threads means this one has none of its own. A spinning
  // thread takes its task without being woken.
  size_t tasks = queue_.size();
  if (tasks <= static_cast<size_t>(spinning_)) return;
  if (tasks <= static_cast<size_t>(spinning_ + waiting_)) {
    work_.notify_one();
  } else {
    GrowIfStalled(Clock::now());
  }
}

size_t CallPool::Pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + running_;
}

bool CallPool::WaitIdle(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_until(
      lock, deadline, [this] { return queue_.empty() && running_ == 0; });
}

int CallPool::Threads() {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(threads_.size() - finished_.size());
}

void CallPool::GrowIfStalled(Clock::time_point now) {
  if (queue_.empty() || now - last_taken_ < options_.stall) return;
  if (static_cast<int>(threads_.size() - finished_.size()) >=
      options_.max_threads) {
    return;
  }
  StartThread();
  // Counts as progress: the next thread starts only if this one, too,
  // takes nothing within `stall`.
  last_taken_ = now;
}

void CallPool::StartThread() {
  // Threads that ended on their own are joined here; they no longer touch
  // the pool.
  for (std::thread::id id : finished_) {
    auto it = threads_.find(id);
    it->second.join();
    threads_.erase(it);
  }
  finished_.clear();
  std::thread thread([this] { Run(); });
  std::thread::id id = thread.get_id();
  threads_.emplace(id, std::move(thread));
}

void CallPool::Monitor() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    stop_monitor_.wait_for(lock, options_.stall);
    if (!stopping_) GrowIfStalled(Clock::now());
  }
}

void CallPool::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (queue_.empty() && !stopping_) {
      ++waiting_;
      bool woken = work_.wait_for(lock, options_.idle_exit, [this] {
        return !queue_.empty() || stopping_;
      });
      --waiting_;
      int live = static_cast<int>(threads_.size() - finished_.size());
      if (!woken && live > options_.min_threads) {
        finished_.push_back(std::this_thread::get_id());
        return;
      }
      continue;
    }
    if (queue_.empty()) return;  // Stopping, and nothing left to run.

    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    queued_.store(queue_.size(), std::memory_order_relaxed);
    last_taken_ = Clock::now();
    ++running_;
    lock.unlock();
    task();
    task = nullptr;  // What the task holds goes before it counts as done.
    lock.lock();
    --running_;
    if (queue_.empty() && running_ == 0) changed_.notify_all();

    if (queue_.empty() && spinning_ == 0 && !stopping_ &&
        options_.spin.count() > 0) {
      ++spinning_;
      lock.unlock();
      Clock::time_point until = Clock::now() + options_.spin;
      while (queued_.load(std::memory_order_relaxed) == 0 &&
             Clock::now() < until) {
        std::this_thread::yield();
      }
      lock.lock();
      --spinning_;
    }
  }
}

}  // namespace ru
