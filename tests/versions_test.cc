// Versions through real HTTP: history, rollback, identical uploads, dry
// runs, stored bytes, restarts, and the errors of each route.

#include <gtest/gtest.h>

#include "rapidjson/document.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

rapidjson::Document Parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << body;
  return doc;
}

class VersionsTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(args, dir_);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    dir_ = server_->dir();
  }

  void Restart(std::vector<std::string> args = {}) {
    ASSERT_EQ(server_->Stop(SIGTERM), 0) << server_->Output();
    StartServer(args);
  }

  HttpResult Upload(const std::string& sample, const std::string& query = "") {
    return HttpPost(server_->Url("/update_endpoint" + query),
                    ReadFile(SamplePath(sample)));
  }

  void Install(const std::string& sample, const std::string& query = "") {
    HttpResult result = Upload(sample, query);
    ASSERT_EQ(result.status, 200) << sample << ": " << result.body;
  }

  HttpResult Post(const std::string& path_and_query) {
    return HttpPost(server_->Url(path_and_query), "");
  }

  std::string Foobar() { return HttpGet(server_->Url("/")).body; }

  int LiveVersion(const std::string& function = "foobar") {
    HttpResult result = HttpGet(server_->Url("/versions/" + function));
    EXPECT_EQ(result.status, 200) << result.body;
    rapidjson::Document doc = Parse(result.body);
    return doc["live_version"].GetInt();
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(VersionsTest, HistoryIsNewestFirstWithOneLiveMarker) {
  Install("string.bc", "?message=first%20one");
  Install("loop.bc");
  Install("two_values.bc");
  HttpResult result = HttpGet(server_->Url("/versions/foobar"));
  ASSERT_EQ(result.status, 200);
  rapidjson::Document doc = Parse(result.body);
  EXPECT_EQ(doc["live_version"].GetInt(), 3);
  const auto& versions = doc["versions"];
  ASSERT_EQ(versions.Size(), 3u);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_EQ(versions[i]["version"].GetInt(), 3 - static_cast<int>(i))
        << "newest first";
    EXPECT_EQ(versions[i]["live"].GetBool(), i == 0);
    EXPECT_EQ(versions[i]["sha256"].GetStringLength(), 64u);
    EXPECT_GT(versions[i]["size"].GetUint64(), 0u);
  }
  EXPECT_STREQ(versions[2]["message"].GetString(), "first one");

  HttpResult all = HttpGet(server_->Url("/versions"));
  rapidjson::Document all_doc = Parse(all.body);
  ASSERT_EQ(all_doc["functions"].Size(), 2u) << all.body;
  EXPECT_STREQ(all_doc["functions"][0]["name"].GetString(), "foobar");
  EXPECT_STREQ(all_doc["functions"][1]["name"].GetString(),
               "function_for_foobar_to_call");
}

TEST_F(VersionsTest, RollbackByOneAndToAGivenNumber) {
  Install("string.bc");
  Install("loop.bc");
  Install("two_values.bc");
  HttpResult back = Post("/rollback?function=foobar");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Foobar(), "[0,2,4]");
  EXPECT_EQ(LiveVersion(), 2);
  HttpResult to_one = Post("/rollback?function=foobar&version=1");
  ASSERT_EQ(to_one.status, 200) << to_one.body;
  EXPECT_EQ(Foobar(), "\"foobar\"");
  HttpResult to_builtin = Post("/rollback?function=foobar");
  ASSERT_EQ(to_builtin.status, 200) << to_builtin.body;
  EXPECT_EQ(Foobar(), "null") << "before version 1 is the built-in one";
  HttpResult again = Post("/rollback?function=foobar");
  EXPECT_EQ(again.status, 409) << "nothing to roll back to: " << again.body;
}

TEST_F(VersionsTest, RollbackToCodeNoLongerResidentRecompiles) {
  Restart({"--resident_versions=1"});
  Install("string.bc");
  Install("loop.bc");
  HttpResult back = Post("/rollback?function=foobar&version=1");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_NE(back.body.find("\"recompiled\":true"), std::string::npos)
      << back.body;
  EXPECT_EQ(Foobar(), "\"foobar\"");
}

TEST_F(VersionsTest, IdenticalUploadsCreateNothingNew) {
  Install("string.bc");
  Install("loop.bc");
  HttpResult same = Upload("loop.bc");
  ASSERT_EQ(same.status, 200);
  EXPECT_NE(same.body.find("\"version\":2"), std::string::npos) << same.body;
  EXPECT_NE(same.body.find("\"created\":false"), std::string::npos);
  HttpResult older = Upload("string.bc");
  ASSERT_EQ(older.status, 200);
  EXPECT_NE(older.body.find("\"version\":1"), std::string::npos) << older.body;
  EXPECT_EQ(Foobar(), "\"foobar\"") << "the older version is live again";
  rapidjson::Document doc =
      Parse(HttpGet(server_->Url("/versions/foobar")).body);
  EXPECT_EQ(doc["versions"].Size(), 2u) << "no new versions were made";
}

TEST_F(VersionsTest, DryRunChangesNothing) {
  Install("string.bc");
  HttpResult dry = Upload("loop.bc", "?dry_run=1");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_NE(dry.body.find("\"version\":2"), std::string::npos) << dry.body;
  EXPECT_NE(dry.body.find("\"dry_run\":true"), std::string::npos);
  EXPECT_EQ(Foobar(), "\"foobar\"");
  EXPECT_EQ(LiveVersion(), 1);
  HttpResult bad = Upload("wrong_type.bc", "?dry_run=1");
  EXPECT_EQ(bad.status, 422) << "a dry run runs every check";
  Install("loop.bc");
  EXPECT_EQ(LiveVersion(), 2) << "the dry run used no version number";
}

TEST_F(VersionsTest, StoredBytesAreTheUploadedBytes) {
  Install("cube_diff.bc");
  HttpResult bytes = HttpGet(server_->Url("/versions/foobar/1/bitcode"));
  ASSERT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.body, ReadFile(SamplePath("cube_diff.bc")));
  EXPECT_NE(bytes.headers.find("application/octet-stream"), std::string::npos);
}

TEST_F(VersionsTest, RestartKeepsTheLiveVersionOfBothFunctions) {
  Install("call_server.bc");
  Install("loop.bc");
  Install("call_server.bc");  // Version 1 again.
  Install("returns_two.bc", "?function=function_for_foobar_to_call");
  EXPECT_EQ(Foobar(), "2");
  Restart();
  EXPECT_EQ(Foobar(), "2") << server_->Output();
  EXPECT_EQ(LiveVersion(), 1);
  EXPECT_EQ(LiveVersion("function_for_foobar_to_call"), 1);
  Install("string.bc");
  EXPECT_EQ(LiveVersion(), 3) << "numbering continues after a restart";
}

TEST_F(VersionsTest, DamagedStoredVersionFallsBackToItsPredecessor) {
  Install("string.bc");
  Install("loop.bc");
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  // Corrupt the live version's bytes on disk.
  FILE* file = fopen((dir_ + "/state/functions/foobar/2.bc").c_str(), "r+");
  ASSERT_NE(file, nullptr);
  fputs("garbage", file);
  fclose(file);
  StartServer();
  EXPECT_EQ(Foobar(), "\"foobar\"") << "version 1 serves instead";
  EXPECT_EQ(LiveVersion(), 1);
}

TEST_F(VersionsTest, ErrorsAreJsonWithTheCause) {
  struct Case {
    std::string method;
    std::string path;
    long status;
    std::string says;
  };
  Install("string.bc");
  for (const Case& c : std::vector<Case>{
           {"GET", "/versions/nope", 404, "unknown function"},
           {"POST", "/rollback?function=nope", 404, "unknown function"},
           {"GET", "/versions/foobar/9/bitcode", 404, "no stored version 9"},
           {"GET", "/versions/foobar/x/bitcode", 404, "no version"},
           {"POST", "/rollback?function=foobar&version=9", 404, "no version 9"},
           {"POST", "/rollback?function=foobar&version=1", 409, "already live"},
           {"POST", "/rollback?function=function_for_foobar_to_call", 409,
            "nothing to roll back to"},
           {"POST", "/rollback?function=foobar&version=-1", 400, "number"},
           {"GET", "/rollback", 405, "POST"},
       }) {
    HttpResult result = HttpRequest(c.method, server_->Url(c.path), "", {});
    EXPECT_EQ(result.status, c.status) << c.path << ": " << result.body;
    EXPECT_EQ(result.body.rfind("{\"error\":", 0), 0u) << result.body;
    EXPECT_NE(result.body.find(c.says), std::string::npos)
        << c.path << ": " << result.body;
  }
  EXPECT_EQ(Foobar(), "\"foobar\"");
}

}  // namespace
}  // namespace ru_test
