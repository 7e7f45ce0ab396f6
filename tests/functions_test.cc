// Functions and routes created at run time, through real HTTP: a new
// route appears, answers, survives a restart, is removed and comes back;
// uploaded code calls a function created by another upload; and the
// errors of each step.

#include <gtest/gtest.h>

#include "rapidjson/document.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

class FunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer() {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir_);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    dir_ = server_->dir();
  }

  HttpResult Upload(const std::string& sample, const std::string& query) {
    return HttpPost(server_->Url("/update_endpoint" + query),
                    ReadFile(SamplePath(sample)));
  }

  HttpResult Get(const std::string& path) {
    return HttpGet(server_->Url(path));
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(FunctionsTest, NewRouteAppearsSurvivesRestartIsRemovedAndComesBack) {
  EXPECT_EQ(Get("/fn/greet").status, 404) << "no route before the upload";
  HttpResult created = Upload("greet.bc", "?function=greet");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_NE(created.body.find("\"version\":1"), std::string::npos);
  EXPECT_EQ(Get("/fn/greet?name=Ada").body, "\"hello, Ada\"");

  HttpResult listed = Get("/versions");
  EXPECT_NE(listed.body.find("\"name\":\"greet\""), std::string::npos)
      << listed.body;

  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  StartServer();
  EXPECT_EQ(Get("/fn/greet?name=Bo").body, "\"hello, Bo\"")
      << "the function and its route survive a restart";

  HttpResult removed = HttpRequest("DELETE", server_->Url("/fn/greet"), "", {});
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(Get("/fn/greet").status, 404) << "the route is gone";
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  StartServer();
  EXPECT_EQ(Get("/fn/greet").status, 404) << "and stays gone after a restart";

  HttpResult back = Upload("greet_v2.bc", "?function=greet");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_NE(back.body.find("\"version\":2"), std::string::npos)
      << "the history stayed: " << back.body;
  EXPECT_EQ(Get("/fn/greet?name=Cy").body,
            "{\"greeting\":\"hi\",\"name\":\"Cy\"}");
}

TEST_F(FunctionsTest, UploadedCodeCallsAFunctionCreatedByAnotherUpload) {
  ASSERT_EQ(Upload("greet.bc", "?function=greet").status, 200);
  HttpResult caller = Upload("calls_greet.bc", "");
  ASSERT_EQ(caller.status, 200) << caller.body;
  EXPECT_EQ(Get("/?name=Di").body, "\"hello, Di\"");
  ASSERT_EQ(Upload("greet_v2.bc", "?function=greet").status, 200);
  EXPECT_EQ(Get("/?name=Di").body, "{\"greeting\":\"hi\",\"name\":\"Di\"}")
      << "foobar reaches greet's live version through its stub";
}

TEST_F(FunctionsTest, CallerOfAFunctionNotYetCreatedIsRefused) {
  HttpResult caller = Upload("calls_greet.bc", "");
  EXPECT_EQ(caller.status, 422);
  EXPECT_NE(caller.body.find("greet"), std::string::npos) << caller.body;
}

TEST_F(FunctionsTest, Errors) {
  struct Case {
    std::string method;
    std::string path;
    std::string body;
    long status;
    std::string says;
  };
  std::string greet = ReadFile(SamplePath("greet.bc"));
  for (const Case& c : std::vector<Case>{
           {"POST", "/update_endpoint?function=bad-name", greet, 400,
            "not a valid function name"},
           {"POST", "/update_endpoint?function=9lives", greet, 400,
            "not a valid function name"},
           {"POST", "/update_endpoint?function=strlen", greet, 409, "offers"},
           {"POST", "/update_endpoint?function=other", greet, 422,
            "does not define other"},
           {"DELETE", "/fn/nothing", "", 404, "unknown function"},
           {"DELETE", "/fn/foobar", "", 409, "cannot be removed"},
           {"GET", "/fn/nothing", "", 404, "no endpoint"},
           {"GET", "/fn/function_for_foobar_to_call", "", 404, "no endpoint"},
           {"POST", "/fn/foobar", "", 405, "GET, DELETE"},
       }) {
    HttpResult result = HttpRequest(c.method, server_->Url(c.path), c.body, {});
    EXPECT_EQ(result.status, c.status) << c.path << ": " << result.body;
    EXPECT_NE(result.body.find(c.says), std::string::npos)
        << c.path << ": " << result.body;
  }
  HttpResult unauthorized =
      HttpRequest("DELETE", server_->Url("/fn/foobar"), "", {"Authorization:"});
  EXPECT_EQ(unauthorized.status, 401);
  rapidjson::Document doc;
  doc.Parse(Get("/versions").body.c_str());
  EXPECT_EQ(doc["functions"].Size(), 2u) << "no function was created";
}

}  // namespace
}  // namespace ru_test
