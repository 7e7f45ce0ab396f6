// The server's two logs through the real binary: each mode, settings from
// the environment and flags, the access log's format, what the app log
// says about events, and that a clean shutdown loses no line.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  // Starts a server with `args` and environment `env`.
  void Start(std::vector<std::string> args = {},
             std::vector<std::pair<std::string, std::string>> env = {}) {
    server_ = std::make_unique<ServerProcess>(args);
    for (const auto& [name, value] : env) server_->SetEnv(name, value);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }

  HttpResult Get(const std::string& path = "/",
                 const std::vector<std::string>& headers = {}) {
    return HttpGet(server_->Url(path), headers);
  }

  std::string LogPath(const std::string& name) const {
    return server_->dir() + "/logs/" + name;
  }

  bool Exists(const std::string& name) const {
    struct stat status;
    return ::stat(LogPath(name).c_str(), &status) == 0;
  }

  // The access log once it holds a line for `target`.
  std::string AccessLogWith(const std::string& target,
                            const std::string& name = "www.log") {
    return ReadFileOnceItContains(LogPath(name), " " + target + " HTTP/1.1");
  }

  std::unique_ptr<ServerProcess> server_;
};

TEST_F(LoggingTest, StreamModeWritesBothLogsToTheTerminal) {
  Start({}, {{"LOG_TYPE", "stream"}});
  Get("/?stream=1");
  std::string output =
      ReadFileOnceItContains(server_->dir() + "/output.txt", "/?stream=1");
  EXPECT_NE(output.find("\"GET /?stream=1 HTTP/1.1\" 200"), std::string::npos)
      << output;
  EXPECT_NE(output.find("] listening on"), std::string::npos) << output;
  EXPECT_FALSE(Exists("app.log")) << "stream mode writes no files";
  EXPECT_FALSE(Exists("www.log"));
}

TEST_F(LoggingTest, RotateModeRotatesAtTheByteLimitAndKeepsNCopies) {
  Start({"--log_max_bytes=2000", "--log_copies=2"});
  for (int i = 0; i < 60; ++i) Get("/?n=" + std::to_string(i));
  AccessLogWith("/?n=59");
  EXPECT_TRUE(Exists("www.log.1"));
  EXPECT_TRUE(Exists("www.log.2"));
  EXPECT_FALSE(Exists("www.log.3")) << "LOG_COPIES=2 keeps two copies";
  for (const char* name : {"www.log", "www.log.1", "www.log.2"}) {
    EXPECT_LE(ReadFile(LogPath(name)).size(), 2000u) << name;
  }
}

TEST_F(LoggingTest, WatchedModeKeepsWritingAfterTheFileIsMovedOrDeleted) {
  Start({"--log_type=watched"});
  Get("/?before=1");
  ASSERT_NE(AccessLogWith("/?before=1").find("before"), std::string::npos);

  ASSERT_EQ(
      ::rename(LogPath("www.log").c_str(), LogPath("www.log.moved").c_str()),
      0);
  Get("/?after=move");
  EXPECT_NE(AccessLogWith("/?after=move").find("after=move"), std::string::npos)
      << "a new www.log after logrotate moved the old one";
  EXPECT_EQ(ReadFile(LogPath("www.log.moved")).find("after=move"),
            std::string::npos);

  ASSERT_EQ(::unlink(LogPath("www.log").c_str()), 0);
  ASSERT_EQ(::unlink(LogPath("app.log").c_str()), 0);
  Get("/?after=delete");
  EXPECT_NE(AccessLogWith("/?after=delete").find("after=delete"),
            std::string::npos);
  HttpPost(server_->Url("/update_endpoint"), "junk");
  EXPECT_NE(ReadFileOnceItContains(LogPath("app.log"), "rejected upload")
                .find("rejected upload"),
            std::string::npos)
      << "the app log is watched too";
}

TEST_F(LoggingTest, AccessLineIsCombinedLogFormatWithDurationAndVersion) {
  Start();
  Get("/?x=1&y=2", {"Referer: http://example.com/a", "User-Agent: a \"q\" b"});
  std::string log = AccessLogWith("/?x=1&y=2");
  // host ident user [time] "request" status bytes "referer" "agent", then
  // our two fields: microseconds and function@version.
  std::regex line(
      R"re((\S+) (\S+) (\S+) \[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] )re"
      R"re("((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" )re"
      R"re("((?:[^"\\]|\\.)*)" (\d+) (\S+))re");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(log, match, line)) << log;
  EXPECT_EQ(match[1], "127.0.0.1");
  EXPECT_EQ(match[5], "GET /?x=1&y=2 HTTP/1.1")
      << "the request line as the client sent it";
  EXPECT_EQ(match[6], "200");
  EXPECT_EQ(match[8], "http://example.com/a");
  EXPECT_EQ(match[9], "a \\\"q\\\" b") << "quotes escaped as Apache does";
  EXPECT_EQ(match[11], "foobar@0");
  EXPECT_EQ(match.suffix().str().substr(0, 1), "\n");
}

TEST_F(LoggingTest, RejectedRequestsAreLoggedToo) {
  Start();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server_->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  const char garbage[] = "NOT HTTP AT ALL\r\n\r\n";
  ASSERT_GT(write(fd, garbage, sizeof(garbage) - 1), 0);
  char reply[512];
  EXPECT_GT(read(fd, reply, sizeof(reply)), 0);
  close(fd);
  HttpPost(server_->Url("/update_endpoint"), "junk");

  std::string log = AccessLogWith("/update_endpoint");
  EXPECT_NE(log.find("\"-\" 400"), std::string::npos)
      << "an unparseable request is logged with \"-\": " << log;
  EXPECT_NE(log.find("\"POST /update_endpoint HTTP/1.1\" 400"),
            std::string::npos)
      << log;
}

TEST_F(LoggingTest, AppLogTellsRejectedUploadsAndContainedCrashes) {
  Start();
  HttpPost(server_->Url("/update_endpoint"), "junk");
  HttpPost(server_->Url("/update_endpoint"), ReadFile(SamplePath("string.bc")));
  HttpPost(server_->Url("/update_endpoint?probe=off"),
           ReadFile(SamplePath("null_deref.bc")));
  EXPECT_EQ(Get().status, 500);
  std::string log = ReadFileOnceItContains(LogPath("app.log"), "contained");
  EXPECT_NE(log.find("rejected upload for foobar (4 bytes): "),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("updated foobar to version 1 ("), std::string::npos)
      << log;
  EXPECT_NE(log.find("contained: function crashed"), std::string::npos) << log;
  EXPECT_NE(log.find("rolled back to version 1"), std::string::npos) << log;
}

TEST_F(LoggingTest, DebugLevelAddsWhereAnUpdatesTimeWent) {
  Start({}, {{"LOG_LEVEL", "DEBUG"}});
  HttpPost(server_->Url("/update_endpoint"), ReadFile(SamplePath("string.bc")));
  std::string log = ReadFileOnceItContains(LogPath("app.log"),
                                           "update of foobar to version 1: ");
  EXPECT_TRUE(std::regex_search(
      log, std::regex("compile [0-9.e-]+ ms, trial run [0-9.e-]+ ms, store "
                      "[0-9.e-]+ ms, switch [0-9.e-]+ ms")))
      << log;
}

TEST_F(LoggingTest, InfoLevelLeavesTheDetailOut) {
  Start();
  HttpPost(server_->Url("/update_endpoint"), ReadFile(SamplePath("string.bc")));
  HttpPost(server_->Url("/update_endpoint"), "junk");
  std::string log =
      ReadFileOnceItContains(LogPath("app.log"), "rejected upload");
  EXPECT_NE(log.find("updated foobar to version 1"), std::string::npos) << log;
  EXPECT_EQ(log.find("update of foobar to version 1: "), std::string::npos)
      << log;
}

TEST_F(LoggingTest, InvalidSettingStopsTheServerNamingIt) {
  server_ = std::make_unique<ServerProcess>();
  server_->SetEnv("LOG_TYPE", "syslog");
  std::string error;
  EXPECT_FALSE(server_->Start(&error));
  EXPECT_NE(error.find("LOG_TYPE"), std::string::npos) << error;
  EXPECT_NE(error.find("'syslog'"), std::string::npos) << error;
  EXPECT_TRUE(WIFEXITED(server_->wait_status()));
  EXPECT_EQ(WEXITSTATUS(server_->wait_status()), 2);
  EXPECT_FALSE(Exists("app.log")) << "nothing starts half-configured";
}

TEST_F(LoggingTest, UnusableLogDirectoryStopsTheServerNamingIt) {
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--log_dir=/proc/self/no-such-dir"});
  std::string error;
  EXPECT_FALSE(server_->Start(&error));
  EXPECT_NE(error.find("LOG_DIR"), std::string::npos) << error;
}

TEST_F(LoggingTest, FlagWinsOverEnvironmentWhichWinsOverDefault) {
  Start({"--log_type=watched"},
        {{"LOG_TYPE", "syslog"}, {"APP_LOG_NAME", "server.log"}});
  EXPECT_NE(ReadFileOnceItContains(LogPath("server.log"), "listening on")
                .find("logs: watched: "),
            std::string::npos)
      << "the flag's watched, not the environment's syslog";
  EXPECT_FALSE(Exists("app.log"));
}

TEST_F(LoggingTest, EmptyWwwLogNameTurnsTheAccessLogOff) {
  Start({}, {{"WWW_LOG_NAME", ""}});
  Get();
  ReadFileOnceItContains(LogPath("app.log"), "listening on");
  EXPECT_FALSE(Exists("www.log"));
}

TEST_F(LoggingTest, CleanShutdownLosesNoAccessLine) {
  Start();
  constexpr int kThreads = 4;
  constexpr int kRequests = 100;
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([this] {
      for (int i = 0; i < kRequests; ++i) Get("/?load=1");
    });
  }
  for (std::thread& client : clients) client.join();
  int status = server_->Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << status;

  std::string log = ReadFile(LogPath("www.log"));
  size_t lines = 0;
  for (size_t at = log.find("/?load=1"); at != std::string::npos;
       at = log.find("/?load=1", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, static_cast<size_t>(kThreads * kRequests));
  EXPECT_NE(ReadFile(LogPath("app.log")).find("] stopped after "),
            std::string::npos);
}

}  // namespace
}  // namespace ru_test
