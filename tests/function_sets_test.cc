// Several functions updated as one set: checked together and switched
// together or not at all; requests that call two members never see a mix,
// even while sets are switched and rolled back under them; a rollback of
// one member undoes the set; the switch survives a crash half-way.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "rapidjson/document.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

const char kSet[] = "?function=pair_a&function=pair_b";

class FunctionSetsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(args, dir_);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    dir_ = server_->dir();
  }

  HttpResult Upload(const std::string& sample, const std::string& query) {
    return HttpPost(server_->Url("/update_endpoint" + query),
                    ReadFile(SamplePath(sample)));
  }

  std::string Get(const std::string& path) {
    return HttpGet(server_->Url(path)).body;
  }

  int Live(const std::string& function) {
    rapidjson::Document doc;
    doc.Parse(Get("/versions/" + function).c_str());
    return doc["live_version"].GetInt();
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(FunctionSetsTest, BothMembersSwitchTogether) {
  Start();
  HttpResult set = Upload("pair_one.bc", kSet);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Get("/fn/pair_a"), "\"one\"");
  EXPECT_EQ(Get("/fn/pair_b"), "\"one\"");
  ASSERT_EQ(Upload("pair_two.bc", kSet).status, 200);
  EXPECT_EQ(Get("/fn/pair_a"), "\"two\"");
  EXPECT_EQ(Get("/fn/pair_b"), "\"two\"");
  EXPECT_EQ(Live("pair_a"), 2);
  EXPECT_EQ(Live("pair_b"), 2);
}

TEST_F(FunctionSetsTest, AllCheckedFirstOrNoneChanges) {
  Start();
  ASSERT_EQ(Upload("pair_one.bc", kSet).status, 200);
  HttpResult missing =
      Upload("pair_two.bc", "?function=pair_a&function=pair_c");
  EXPECT_EQ(missing.status, 422);
  EXPECT_NE(missing.body.find("does not define pair_c"), std::string::npos)
      << missing.body;
  HttpResult wrong =
      Upload("two_values.bc", "?function=foobar&function=pair_a");
  EXPECT_EQ(wrong.status, 422) << wrong.body;
  HttpResult twice = Upload("pair_two.bc", "?function=pair_a&function=pair_a");
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_EQ(Get("/fn/pair_a"), "\"one\"") << "nothing changed";
  EXPECT_EQ(Get("/fn/pair_b"), "\"one\"");
  EXPECT_EQ(Get("/fn/pair_c").find("no endpoint") != std::string::npos, true);
}

TEST_F(FunctionSetsTest, RollbackOfOneMemberUndoesTheSet) {
  Start();
  ASSERT_EQ(Upload("pair_one.bc", kSet).status, 200);
  ASSERT_EQ(Upload("pair_two.bc", kSet).status, 200);
  HttpResult back = HttpPost(server_->Url("/rollback?function=pair_b"), "");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Get("/fn/pair_a"), "\"one\"") << "the other member went back";
  EXPECT_EQ(Get("/fn/pair_b"), "\"one\"");
}

TEST_F(FunctionSetsTest, SwitchedAndRolledBackUnderLoadNeverMix) {
  Start({"--sync_writes=false", "--threads=4"});
  ASSERT_EQ(Upload("pair_one.bc", kSet).status, 200);
  ASSERT_EQ(Upload("calls_pair.bc", "").status, 200);
  std::atomic<bool> done{false};
  std::atomic<int> mixed{0};
  std::atomic<int> failed{0};
  std::atomic<int> served{0};
  std::string example;
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&] {
      while (!done) {
        // A pause between the two calls widens the window for a switch.
        HttpResult result = HttpGet(server_->Url("/?spin_us=3000"));
        ++served;
        if (result.status != 200) {
          ++failed;
        } else if (result.body != "[\"one\",\"one\"]" &&
                   result.body != "[\"two\",\"two\"]") {
          ++mixed;
          example = result.body;
        }
      }
    });
  }
  for (int i = 0; i < 40; ++i) {
    if (i % 4 == 3) {
      HttpResult back = HttpPost(server_->Url("/rollback?function=pair_a"), "");
      EXPECT_EQ(back.status, 200) << back.body;
    } else {
      HttpResult set = Upload(i % 2 == 0 ? "pair_two.bc" : "pair_one.bc", kSet);
      EXPECT_EQ(set.status, 200) << set.body;
    }
  }
  done = true;
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(mixed.load(), 0) << "e.g. " << example << " of " << served.load();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(served.load(), 40);
}

TEST_F(FunctionSetsTest, SwitchInterruptedByACrashIsFinishedOnRestart) {
  Start();
  ASSERT_EQ(Upload("pair_one.bc", kSet).status, 200);
  server_->Stop(SIGTERM);
  Start({"--crash_at=switch.journaled"});
  HttpResult dying = Upload("pair_two.bc", kSet);
  EXPECT_EQ(dying.status, 0) << "the server died half-way: " << dying.body;
  server_->Stop(SIGKILL);
  Start();
  EXPECT_EQ(Get("/fn/pair_a"), "\"two\"") << "the journal was replayed";
  EXPECT_EQ(Get("/fn/pair_b"), "\"two\"");
}

}  // namespace
}  // namespace ru_test
