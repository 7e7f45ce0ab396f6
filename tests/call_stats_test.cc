// Runtime::Stats(): what CallEndpoint counts per function and version, and
// that counting from many threads at once loses nothing.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <numeric>
#include <thread>
#include <vector>

#include "jit/runtime.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace ru {
namespace {

using ru_test::ReadFile;
using ru_test::SamplePath;

class CallStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RuntimeOptions options;
    options.state_dir = ru_test::MakeTempDir("ru-call-stats-test");
    options.sync_writes = false;
    options.helper_executable = RU_SERVER_BINARY;
    std::vector<std::string> notes;
    Status status = Runtime::Create(options, &runtime_, &notes);
    ASSERT_TRUE(status.ok()) << status.message();
  }

  void Upload(const std::string& sample) {
    std::string bytes = ReadFile(SamplePath(sample));
    UpdateRequest request;
    request.bytes = bytes;
    UpdateResult result;
    Status status = runtime_->Update(request, &result);
    ASSERT_TRUE(status.ok()) << status.message();
  }

  void Call() {
    EndpointResult result;
    ASSERT_TRUE(runtime_->CallEndpoint("foobar", {}, &result).ok());
  }

  const VersionCallCounts* Find(const CallStats& stats, int version) {
    for (const VersionCallCounts& counts : stats.versions) {
      if (counts.function == "foobar" && counts.version == version) {
        return &counts;
      }
    }
    return nullptr;
  }

  std::unique_ptr<Runtime> runtime_;
};

TEST_F(CallStatsTest, CountsCallsAndFailuresPerVersion) {
  EXPECT_TRUE(runtime_->Stats().versions.empty()) << "nothing called yet";
  for (int i = 0; i < 3; ++i) Call();
  Upload("broken.bc");
  for (int i = 0; i < 2; ++i) Call();

  CallStats stats = runtime_->Stats();
  const VersionCallCounts* builtin = Find(stats, 0);
  ASSERT_NE(builtin, nullptr);
  EXPECT_EQ(builtin->calls, 3u);
  EXPECT_EQ(builtin->failed, 0u);
  const VersionCallCounts* broken = Find(stats, 1);
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->calls, 2u);
  EXPECT_EQ(broken->failed, 2u) << "broken.c reports failure";
  EXPECT_EQ(broken->crashed, 0u);

  ASSERT_EQ(stats.durations.size(), 1u) << "one histogram per function";
  const DurationHistogram& histogram = stats.durations[0].second;
  EXPECT_EQ(stats.durations[0].first, "foobar");
  EXPECT_EQ(histogram.counts.size(), histogram.bounds_seconds.size() + 1);
  EXPECT_EQ(std::accumulate(histogram.counts.begin(), histogram.counts.end(),
                            uint64_t{0}),
            5u);
  EXPECT_GT(histogram.sum_seconds, 0);
  EXPECT_TRUE(std::is_sorted(histogram.bounds_seconds.begin(),
                             histogram.bounds_seconds.end()));
}

TEST_F(CallStatsTest, ConcurrentCallsAreAllCounted) {
  Upload("string.bc");
  constexpr int kThreads = 8;
  constexpr int kCalls = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < kCalls; ++i) Call();
    });
  }
  // Scraping while calls run must be safe and see a consistent subset.
  for (int i = 0; i < 20; ++i) {
    CallStats stats = runtime_->Stats();
    const VersionCallCounts* counts = Find(stats, 1);
    if (counts != nullptr) EXPECT_LE(counts->calls, kThreads * kCalls);
  }
  for (std::thread& thread : threads) thread.join();
  CallStats stats = runtime_->Stats();
  const VersionCallCounts* counts = Find(stats, 1);
  ASSERT_NE(counts, nullptr);
  EXPECT_EQ(counts->calls, static_cast<uint64_t>(kThreads * kCalls));
}

}  // namespace
}  // namespace ru
