// Who may update: the bearer token on every state-changing route, where
// the token comes from, and what a refusal says (nothing about the token).

#include "http/update_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

TEST(UpdateTokenTest, MissingOrWrongTokenIs401AndChangesNothing) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start(&error)) << error;
  std::string bitcode = ReadFile(SamplePath("string.bc"));
  ASSERT_EQ(HttpPost(server.Url("/update_endpoint"), bitcode).status, 200);

  const std::vector<std::vector<std::string>> refused = {
      {"Authorization:"},
      {"Authorization: Bearer wrong"},
      {"Authorization: Bearer ru-test-toke"},
      {"Authorization: Bearer ru-test-token-and-more"},
      {"Authorization: Basic cnUtdGVzdC10b2tlbg=="},
  };
  for (const auto& headers : refused) {
    for (const std::string& path :
         {"/update_endpoint", "/rollback?function=foobar"}) {
      HttpResult result =
          HttpPost(server.Url(path), ReadFile(SamplePath("loop.bc")), headers);
      EXPECT_EQ(result.status, 401) << headers[0] << " " << path;
      EXPECT_EQ(result.body.find(kTestToken), std::string::npos)
          << "a refusal must not reveal the token";
      EXPECT_NE(result.headers.find("WWW-Authenticate: Bearer"),
                std::string::npos);
    }
    EXPECT_EQ(HttpGet(server.Url("/")).body, "\"foobar\"")
        << "the live version is untouched";
  }
  EXPECT_EQ(HttpGet(server.Url("/versions/foobar")).status, 200)
      << "reading needs no token";
}

TEST(UpdateTokenTest, CreatedInTheStateDirectoryReadableOnlyByItsOwner) {
  ServerProcess server;
  server.WithoutTokenEnvironment();
  std::string error;
  ASSERT_TRUE(server.Start(&error)) << error;
  std::string path = server.dir() + "/state/token";
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::string token = ReadFile(path);
  token.erase(token.find_last_not_of("\n") + 1);
  EXPECT_EQ(token.size(), 64u);
  HttpResult result = HttpPost(server.Url("/update_endpoint"),
                               ReadFile(SamplePath("string.bc")),
                               {"Authorization: Bearer " + token});
  EXPECT_EQ(result.status, 200) << result.body;
  // The log is written off the request path; give it a moment.
  std::string log;
  for (int i = 0; i < 100 && log.find("state/token") == std::string::npos;
       ++i) {
    usleep(20000);
    log = ReadFile(server.dir() + "/logs/app.log");
  }
  EXPECT_EQ(log.find(token), std::string::npos) << "the log names the file, "
                                                   "never the token";
  EXPECT_NE(log.find("state/token"), std::string::npos);
}

TEST(UpdateTokenTest, ComparisonAcceptsOnlyTheExactBearerToken) {
  std::string good = "Bearer abc";
  std::string lower = "bearer abc";
  std::string other = "Bearer abd";
  std::string shorter = "Bearer ab";
  EXPECT_TRUE(ru::AuthorizationMatches(&good, "abc"));
  EXPECT_TRUE(ru::AuthorizationMatches(&lower, "abc"));
  EXPECT_FALSE(ru::AuthorizationMatches(&other, "abc"));
  EXPECT_FALSE(ru::AuthorizationMatches(&shorter, "abc"));
  EXPECT_FALSE(ru::AuthorizationMatches(nullptr, "abc"));
}

}  // namespace
}  // namespace ru_test
