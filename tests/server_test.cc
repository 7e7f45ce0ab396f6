// The real server binary over real HTTP: every sample, every error class
// (each followed by a check that the previous answer is still served),
// query decoding, routes and methods.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start(&error)) << error;
  }

  HttpResult Upload(const std::string& sample, const std::string& query = "") {
    return HttpPost(server_.Url("/update_endpoint" + query),
                    ReadFile(SamplePath(sample)));
  }

  // Uploads `sample` and expects it to go live.
  void Install(const std::string& sample, const std::string& query = "") {
    HttpResult result = Upload(sample, query);
    ASSERT_EQ(result.status, 200)
        << sample << ": " << result.body << result.error;
  }

  HttpResult Get(const std::string& path_and_query = "/") {
    return HttpGet(server_.Url(path_and_query));
  }

  ServerProcess server_;
};

TEST_F(ServerTest, FoobarBeforeAnyUpdateIsNull) {
  HttpResult result = Get();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "null");
  EXPECT_NE(result.headers.find("application/json"), std::string::npos);
}

TEST_F(ServerTest, EverySampleAnswersAsDocumented) {
  struct Case {
    std::string sample;
    std::string query;
    long status;
    std::string body;
  };
  for (const Case& c : std::vector<Case>{
           {"cube_diff.bc", "/?x=3&y=1", 200, "8"},
           {"string.bc", "/", 200, "\"foobar\""},
           {"two_values.bc", "/", 200, "[\"foobar\",5]"},
           {"broken.bc", "/", 500, "{\"error\":\"This is broken\"}"},
           {"call_server.bc", "/", 200, "1"},
           {"loop.bc", "/", 200, "[0,2,4]"},
       }) {
    Install(c.sample);
    HttpResult result = Get(c.query);
    EXPECT_EQ(result.status, c.status) << c.sample;
    EXPECT_EQ(result.body, c.body) << c.sample;
  }
}

TEST_F(ServerTest, UpdateAnswersVersionDigestAndCompileTime) {
  HttpResult first = Upload("string.bc");
  HttpResult second = Upload("loop.bc");
  ASSERT_EQ(first.status, 200);
  EXPECT_NE(first.body.find("\"Success\":\"Updated\""), std::string::npos);
  EXPECT_NE(first.body.find("\"function\":\"foobar\""), std::string::npos);
  EXPECT_NE(first.body.find("\"version\":1"), std::string::npos);
  EXPECT_NE(first.body.find("\"sha256\":\""), std::string::npos);
  EXPECT_NE(first.body.find("\"compile_ms\":"), std::string::npos);
  EXPECT_NE(second.body.find("\"version\":2"), std::string::npos)
      << second.body;
}

TEST_F(ServerTest, UpdatingTheServerFunctionChangesLiveFoobar) {
  Install("call_server.bc");
  EXPECT_EQ(Get().body, "1");
  Install("returns_two.bc", "?function=function_for_foobar_to_call");
  EXPECT_EQ(Get().body, "2");
}

TEST_F(ServerTest, TwentyConsecutiveUpdates) {
  for (int i = 0; i < 20; ++i) {
    bool even = i % 2 == 0;
    Install(even ? "loop.bc" : "two_values.bc");
    EXPECT_EQ(Get().body, even ? "[0,2,4]" : "[\"foobar\",5]") << i;
  }
}

TEST_F(ServerTest, TextualIrAndClang14Bitcode) {
  Install("string.ll");
  EXPECT_EQ(Get().body, "\"foobar\"");
  if (ReadFile(SamplePath("cube_diff_clang14.bc")).empty()) {
    GTEST_SKIP() << "clang-14 is not installed";
  }
  Install("cube_diff_clang14.bc");
  EXPECT_EQ(Get("/?x=5&y=3").body, "8");
}

TEST_F(ServerTest, EachErrorClassKeepsThePreviousAnswer) {
  Install("two_values.bc");
  std::string bitcode = ReadFile(SamplePath("string.bc"));
  struct Case {
    std::string name;
    std::string body;
    std::string query;
    long status;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"empty", "", "", 400, "empty"},
           {"not IR", "hello", "", 400, "does not parse"},
           {"binary junk", std::string("\x00\xff\x10\x20", 4), "", 400,
            "neither LLVM bitcode nor textual IR"},
           {"truncated", bitcode.substr(0, bitcode.size() / 3), "", 400,
            "truncated"},
           {"wrong type", ReadFile(SamplePath("wrong_type.bc")), "", 422,
            "expected int (const ru_args *, ru_json *), found double "
            "(double)"},
           {"missing function", ReadFile(SamplePath("no_foobar.bc")), "", 422,
            "does not define foobar"},
           {"unoffered symbol", ReadFile(SamplePath("uses_system.bc")), "", 422,
            "system"},
           {"verifier", ReadFile(SamplePath("not_verified.ll")), "", 422,
            "verifier"},
           {"foreign triple", ReadFile(SamplePath("foreign_triple.bc")), "",
            422, "aarch64-unknown-linux-gnu"},
           {"inline asm", ReadFile(SamplePath("inline_asm.bc")), "", 422,
            "inline assembly"},
           {"new function not defined", bitcode, "?function=nope", 422,
            "does not define nope"},
           {"invalid function name", bitcode, "?function=no%20pe", 400,
            "not a valid function name"},
       }) {
    HttpResult result =
        HttpPost(server_.Url("/update_endpoint" + c.query), c.body);
    EXPECT_EQ(result.status, c.status) << c.name << ": " << result.body;
    EXPECT_EQ(result.body.rfind("{\"error\":", 0), 0u)
        << c.name << " must answer a JSON error: " << result.body;
    EXPECT_NE(result.body.find(c.says), std::string::npos)
        << c.name << " should name the cause: " << result.body;
    EXPECT_EQ(Get().body, "[\"foobar\",5]")
        << "the live version stops serving after " << c.name;
  }
}

TEST_F(ServerTest, ErrorTextQuotingTheUploadIsValidJson) {
  // Invalid UTF-8 in textual IR is quoted back by the parser's message.
  HttpResult result =
      HttpPost(server_.Url("/update_endpoint"), "define \xff\xfe @x() {");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.body.find('\xff'), std::string::npos)
      << "raw invalid bytes must not reach the JSON body";
}

TEST_F(ServerTest, QueryIsDecodedInOrderWithRepeats) {
  Install("echo_args.bc");
  HttpResult result = Get("/?b=2&a=x%20y+z&b=%C3%A9&flag&e=%zz");
  EXPECT_EQ(result.body,
            "[[\"b\",\"2\"],[\"a\",\"x y z\"],[\"b\",\"\xc3\xa9\"],"
            "[\"flag\",\"\"],[\"e\",\"%zz\"]]");
}

TEST_F(ServerTest, MisuseOfTheResultApiIs500AndTheServerCarriesOn) {
  Install("misuse_unbalanced.bc");
  HttpResult result = Get();
  EXPECT_EQ(result.status, 500);
  EXPECT_NE(result.body.find("unclosed"), std::string::npos) << result.body;
  Install("string.bc");
  EXPECT_EQ(Get().body, "\"foobar\"");
}

TEST_F(ServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  HttpResult missing = Get("/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.rfind("{\"error\":", 0), 0u);
  HttpResult wrong = HttpRequest("DELETE", server_.Url("/"), "", {});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_NE(wrong.headers.find("Allow: GET"), std::string::npos);
  HttpResult get_update = Get("/update_endpoint");
  EXPECT_EQ(get_update.status, 405);
}

TEST_F(ServerTest, ConnectionOpenAcrossPistacheIdleCheckKeepsServerUp) {
  // Pistache's HTTP endpoint checks idle connections twice a second
  // through its own parser, which this server does not use; a connection
  // open during such a check once ended the process.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(server_.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  usleep(1200 * 1000);
  const char request[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(write(fd, request, sizeof(request) - 1),
            static_cast<ssize_t>(sizeof(request) - 1));
  char reply[512] = {};
  ssize_t n = read(fd, reply, sizeof(reply) - 1);
  close(fd);
  EXPECT_GT(n, 0);
  EXPECT_EQ(std::string(reply).rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_TRUE(server_.Running()) << server_.Output();
}

TEST_F(ServerTest, EveryRequestIsInTheAccessLog) {
  Get("/?x=1");
  Get("/nope");
  // The writer thread flushes within moments; give it a little time.
  std::string log =
      ReadFileOnceItContains(server_.dir() + "/logs/www.log", "/nope");
  EXPECT_NE(log.find("\"GET /?x=1 HTTP/1.1\" 200"), std::string::npos) << log;
  EXPECT_NE(log.find("\"GET /nope HTTP/1.1\" 404"), std::string::npos) << log;
  EXPECT_NE(log.find("foobar@0"), std::string::npos) << log;
}

}  // namespace
}  // namespace ru_test
