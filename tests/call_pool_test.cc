// CallPool: tasks run; a fast task is not held up by slow ones beyond the
// stall time; the pool grows only then, and stops cleanly.

#include "http/call_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

namespace ru {
namespace {

using std::chrono::milliseconds;

TEST(CallPoolTest, FastTaskRunsWhileEveryThreadIsInASlowOne) {
  CallPool::Options options;
  options.min_threads = 1;
  CallPool pool(options);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  for (int i = 0; i < 3; ++i) {
    pool.Submit([released] { released.wait(); });
  }

  std::promise<void> ran;
  std::future<void> fast = ran.get_future();
  pool.Submit([&ran] { ran.set_value(); });
  EXPECT_EQ(fast.wait_for(std::chrono::seconds(20)), std::future_status::ready)
      << "the pool must grow past threads stuck in slow tasks";
  EXPECT_GE(pool.Threads(), 4);

  release.set_value();
  EXPECT_TRUE(pool.WaitIdle(CallPool::Clock::now() + std::chrono::seconds(20)));
  EXPECT_EQ(pool.Pending(), 0u);
}

TEST(CallPoolTest, FastTasksDoNotGrowThePool) {
  CallPool::Options options;
  options.min_threads = 2;
  options.stall = std::chrono::seconds(5);
  CallPool pool(options);
  std::atomic<int> done{0};
  for (int i = 0; i < 10000; ++i) pool.Submit([&done] { ++done; });
  EXPECT_TRUE(pool.WaitIdle(CallPool::Clock::now() + std::chrono::seconds(20)));
  EXPECT_EQ(done.load(), 10000);
  EXPECT_EQ(pool.Threads(), 2);
}

TEST(CallPoolTest, DestructionRunsWhatIsQueued) {
  std::atomic<int> done{0};
  {
    CallPool::Options options;
    options.min_threads = 1;
    CallPool pool(options);
    for (int i = 0; i < 100; ++i) {
      pool.Submit([&done] {
        std::this_thread::sleep_for(milliseconds(1));
        ++done;
      });
    }
  }
  EXPECT_EQ(done.load(), 100);
}

TEST(CallPoolTest, ThreadsBeyondTheMinimumEndWhenIdle) {
  CallPool::Options options;
  options.min_threads = 1;
  options.idle_exit = milliseconds(100);
  CallPool pool(options);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  pool.Submit([released] { released.wait(); });
  std::promise<void> ran;
  pool.Submit([&ran] { ran.set_value(); });
  ran.get_future().wait();
  EXPECT_GE(pool.Threads(), 2);
  release.set_value();

  for (int i = 0; i < 200 && pool.Threads() > 1; ++i) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(pool.Threads(), 1);
}

}  // namespace
}  // namespace ru
