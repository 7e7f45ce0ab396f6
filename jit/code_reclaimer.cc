#include "jit/code_reclaimer.h"

#include "jit/code_epoch.h"

namespace ru {

CodeReclaimer::CodeReclaimer(std::function<void(const LoadedCode&)> unload)
    : unload_(std::move(unload)), thread_([this] { Run(); }) {}

CodeReclaimer::~CodeReclaimer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CodeReclaimer::Retire(const LoadedCode& code) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(code);
    ++retired_;
  }
  wake_.notify_all();
}

void CodeReclaimer::Retire(std::unique_ptr<const LiveTable> table) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_tables_.push_back(std::move(table));
    ++retired_;
  }
  wake_.notify_all();
}

void CodeReclaimer::Drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  uint64_t target = retired_;
  drained_.wait(lock, [&] { return freed_ >= target; });
}

void CodeReclaimer::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] {
      return stopping_ || !pending_.empty() || !pending_tables_.empty();
    });
    if (pending_.empty() && pending_tables_.empty() && stopping_) return;
    std::vector<LoadedCode> batch;
    batch.swap(pending_);
    std::vector<std::unique_ptr<const LiveTable>> tables;
    tables.swap(pending_tables_);
    lock.unlock();

    // The stubs and the current table no longer lead here; wait out the
    // calls that entered before the switch.
    WaitForCodeReaders();
    for (const LoadedCode& code : batch) unload_(code);
    size_t freed = batch.size() + tables.size();
    tables.clear();

    lock.lock();
    freed_ += freed;
    drained_.notify_all();
  }
}

}  // namespace ru
