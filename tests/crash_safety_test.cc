// Kills the server with SIGKILL at every named point of the write path
// (see jit/fault_injection.h), at several moments of a stream of uploads
// and rollbacks, and checks after each restart that the store is
// consistent and that the live version is one the rule allows: the last
// one acknowledged with 200, or the one in flight when the process died.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "rapidjson/document.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

struct Step {
  bool rollback;       // Otherwise an upload of `sample`.
  std::string sample;  // For uploads.
  int version;         // The version this step makes live.
};

// Versions are numbered by first upload: string 1, loop 2, two_values 3.
const std::vector<Step> kSteps = {
    {false, "string.bc", 1}, {false, "loop.bc", 2},
    {true, "", 1},           {false, "two_values.bc", 3},
    {false, "loop.bc", 2},   {true, "", 1},
    {true, "", 3},
};

const std::map<int, std::string> kAnswers = {
    {0, "null"}, {1, "\"foobar\""}, {2, "[0,2,4]"}, {3, "[\"foobar\",5]"}};

const std::map<int, std::string> kSampleOf = {
    {1, "string.bc"}, {2, "loop.bc"}, {3, "two_values.bc"}};

class CrashSafetyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashSafetyTest, RestartFindsAnAllowedLiveVersion) {
  for (int hit = 1; hit <= 3; ++hit) {
    std::string spec = GetParam() + ":" + std::to_string(hit);
    SCOPED_TRACE(spec);
    auto server = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--crash_at=" + spec});
    std::string error;
    ASSERT_TRUE(server->Start(&error)) << error;
    std::string dir = server->dir();

    int acknowledged = 0;
    int in_flight = -1;
    for (const Step& step : kSteps) {
      HttpResult result =
          step.rollback
              ? HttpPost(server->Url("/rollback?function=foobar&version=" +
                                     std::to_string(step.version)),
                         "")
              : HttpPost(server->Url("/update_endpoint"),
                         ReadFile(SamplePath(step.sample)));
      if (result.status == 200) {
        acknowledged = step.version;
        continue;
      }
      ASSERT_EQ(result.status, 0)
          << "only a dead server may fail a step: " << result.body;
      in_flight = step.version;
      break;
    }
    ASSERT_NE(in_flight, -1) << "the fault point was never reached";
    server->Stop(SIGKILL);

    // Restart on the same state, without the fault.
    ServerProcess restarted({}, dir);
    ASSERT_TRUE(restarted.Start(&error)) << error;
    HttpResult versions = HttpGet(restarted.Url("/versions/foobar"));
    ASSERT_EQ(versions.status, 200) << versions.body;
    rapidjson::Document doc;
    doc.Parse(versions.body.c_str());
    ASSERT_FALSE(doc.HasParseError());
    int live = doc["live_version"].GetInt();
    EXPECT_TRUE(live == acknowledged || live == in_flight)
        << "live " << live << ", acknowledged " << acknowledged
        << ", in flight " << in_flight;
    EXPECT_EQ(HttpGet(restarted.Url("/")).body, kAnswers.at(live));

    // Every version the store lists is complete: its bytes are exactly
    // what was uploaded as that version.
    for (const auto& version : doc["versions"].GetArray()) {
      int number = version["version"].GetInt();
      HttpResult bytes = HttpGet(restarted.Url(
          "/versions/foobar/" + std::to_string(number) + "/bitcode"));
      EXPECT_EQ(bytes.status, 200);
      EXPECT_EQ(bytes.body, ReadFile(SamplePath(kSampleOf.at(number))))
          << "version " << number << " is torn";
    }
    // And the store keeps working.
    HttpResult next = HttpPost(restarted.Url("/update_endpoint"),
                               ReadFile(SamplePath("cube_diff.bc")));
    EXPECT_EQ(next.status, 200) << next.body;
  }
}

INSTANTIATE_TEST_SUITE_P(
    WritePath, CrashSafetyTest,
    ::testing::Values("store.written.bc", "store.renamed.bc",
                      "store.written.meta", "store.renamed.meta",
                      "store.written.live", "store.renamed.live",
                      "update.recorded", "update.live", "rollback.live"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      std::string name = info.param;
      for (char& c : name) {
        if (c == '.') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace ru_test
