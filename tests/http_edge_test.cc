// The HTTP edge of the real server through real sockets: large uploads with
// and without Expect, limits on size and time, chunked and dribbled bodies,
// keep-alive, slow calls beside fast ones, and shutdown while a call runs.
//
// No check here is a timing: "the fast request finished while the slow
// call was still running" is, "it took under 50 ms" is not.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/raw_connection.h"
#include "tests/support/server_process.h"

namespace ru_test {
namespace {

// Textual IR of the string sample, padded with a comment to `size` bytes:
// an upload of any size that the server accepts.
std::string IrOfSize(size_t size) {
  std::string ir = ReadFile(SamplePath("string.ll")) + "\n; ";
  if (ir.size() + 1 < size) ir.append(size - ir.size() - 1, 'x');
  return ir + "\n";
}

size_t CountOf(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos;
       at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

std::string Chunked(const std::string& body, size_t piece) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += piece) {
    std::string chunk = body.substr(at, piece);
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
    out += size + chunk + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string Get(const std::string& target,
                const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers +
         "\r\n";
}

class HttpEdgeTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {}) {
    server_ = std::make_unique<ServerProcess>(std::move(flags));
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }

  HttpResult Upload(const std::string& body,
                    const std::vector<std::string>& headers = {}) {
    return HttpPost(server_->Url("/update_endpoint"), body, headers);
  }

  void InstallSlow() {
    HttpResult result = Upload(ReadFile(SamplePath("slow.bc")));
    ASSERT_EQ(result.status, 200) << result.body << result.error;
  }

  // A connection whose request runs the slow sample for `ms`; waits a
  // moment so that the call is under way.
  std::unique_ptr<RawConnection> StartSlowCall(int ms) {
    auto connection = std::make_unique<RawConnection>(server_->port());
    EXPECT_TRUE(connection->Send(Get("/?ms=" + std::to_string(ms))));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return connection;
  }

  // Waits until the server refuses new connections, as it does once it
  // has begun to stop.
  bool WaitUntilRefused() {
    for (int i = 0; i < 500; ++i) {
      if (!RawConnection(server_->port()).connected()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::unique_ptr<ServerProcess> server_;
};

TEST_F(HttpEdgeTest, PlainCurlUploadOfTwoMiBGetsOneContinueAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  // libcurl asks for "100 Continue" above 1 MiB by itself, as curl
  // --data-binary does, and waits up to a second for it.
  HttpResult result = Upload(IrOfSize(2 << 20));
  EXPECT_EQ(result.status, 200) << result.body << result.error;
  EXPECT_EQ(CountOf(result.headers, "100 Continue"), 1u)
      << "curl must get its 100 Continue, once, instead of waiting a second "
         "for it; headers:\n"
      << result.headers;
}

TEST_F(HttpEdgeTest, UploadOfTwoMiBWithoutExpect) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpResult result = Upload(IrOfSize(2 << 20), {"Expect:"});
  EXPECT_EQ(result.status, 200) << result.body << result.error;
  EXPECT_EQ(CountOf(result.headers, "100 Continue"), 0u) << result.headers;
}

TEST_F(HttpEdgeTest, UploadOfSixteenMiBIsAcceptedByDefault) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpResult result = Upload(IrOfSize(16 << 20));
  EXPECT_EQ(result.status, 200) << result.body << result.error;
}

TEST_F(HttpEdgeTest, DeclaredLengthOverTheLimitIs413BeforeTheBody) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max_body_bytes=1048576"}));
  for (const std::string expect : {"", "Expect: 100-continue\r\n"}) {
    RawConnection connection(server_->port());
    ASSERT_TRUE(
        connection.Send("POST /update_endpoint HTTP/1.1\r\nHost: test\r\n"
                        "Authorization: Bearer ru-test-token\r\n" +
                        expect + "Content-Length: 2097152\r\n\r\n"));
    RawResponse response;
    ASSERT_TRUE(connection.ReadResponse(&response))
        << "the 413 must come without a byte of the body having been sent";
    EXPECT_EQ(response.status, 413) << response.head;
    EXPECT_EQ(response.Header("Connection"), "close");
    EXPECT_NE(response.body.find("\"error\""), std::string::npos);
    EXPECT_TRUE(connection.WaitClosed(10000));
  }
}

TEST_F(HttpEdgeTest, CurlUploadOverTheLimitIs413WithoutContinue) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max_body_bytes=1048576"}));
  HttpResult result = Upload(IrOfSize(2 << 20));
  EXPECT_EQ(result.status, 413) << result.body << result.error;
  EXPECT_EQ(CountOf(result.headers, "100 Continue"), 0u) << result.headers;
}

TEST_F(HttpEdgeTest, ChunkedBodyOverTheLimitIs413) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max_body_bytes=1048576"}));
  RawConnection connection(server_->port());
  ASSERT_TRUE(
      connection.Send("POST /update_endpoint HTTP/1.1\r\nHost: test\r\n"
                      "Authorization: Bearer ru-test-token\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n200000\r\n"));
  RawResponse response;
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.status, 413) << response.head;
}

TEST_F(HttpEdgeTest, ChunkedUploadIsAccepted) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RawConnection connection(server_->port());
  ASSERT_TRUE(
      connection.Send("POST /update_endpoint HTTP/1.1\r\nHost: test\r\n"
                      "Authorization: Bearer ru-test-token\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n" +
                      Chunked(ReadFile(SamplePath("string.ll")), 100)));
  RawResponse response;
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_NE(response.body.find("Updated"), std::string::npos);

  // The same connection goes on, and the upload is live.
  ASSERT_TRUE(connection.Send(Get("/")));
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.body, "\"foobar\"");
}

TEST_F(HttpEdgeTest, DribbledUploadIsAccepted) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::string body = ReadFile(SamplePath("string.ll"));
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Dribble(
      "POST /update_endpoint HTTP/1.1\r\nHost: test\r\n"
      "Authorization: Bearer ru-test-token\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body,
      16, 1));
  RawResponse response;
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(HttpEdgeTest, DribbledChunkedUploadWithExpectGetsOneContinue) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RawConnection connection(server_->port());
  ASSERT_TRUE(
      connection.Send("POST /update_endpoint HTTP/1.1\r\nHost: test\r\n"
                      "Authorization: Bearer ru-test-token\r\n"
                      "Transfer-Encoding: chunked\r\n"
                      "Expect: 100-continue\r\n\r\n"));
  RawResponse response;
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.status, 100);
  ASSERT_TRUE(
      connection.Dribble(Chunked(ReadFile(SamplePath("string.ll")), 50), 7, 1));
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.status, 200)
      << "one 100 Continue, then the answer: " << response.head;
}

TEST_F(HttpEdgeTest, KeptAliveConnectionServesSeveralRequests) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RawConnection connection(server_->port());
  RawResponse response;
  for (int i = 0; i < 3; ++i) {
    // HTTP/1.1 without a Connection header.
    ASSERT_TRUE(connection.Send(Get("/?i=" + std::to_string(i))))
        << "the connection must still be open for request " << i;
    ASSERT_TRUE(connection.ReadResponse(&response)) << "request " << i;
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("Connection"), "keep-alive");
  }
  EXPECT_FALSE(connection.WaitClosed(300));

  // Pipelined: all three at once, answered in order.
  ASSERT_TRUE(connection.Send(Get("/?a") + Get("/nope") + Get("/?b")));
  for (int status : {200, 404, 200}) {
    ASSERT_TRUE(connection.ReadResponse(&response));
    EXPECT_EQ(response.status, status);
  }
}

TEST_F(HttpEdgeTest, ConnectionCloseAndHttp10Close) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  for (const std::string request : {Get("/", "Connection: close\r\n"),
                                    std::string("GET / HTTP/1.0\r\n\r\n")}) {
    RawConnection connection(server_->port());
    ASSERT_TRUE(connection.Send(request));
    RawResponse response;
    ASSERT_TRUE(connection.ReadResponse(&response));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("Connection"), "close");
    EXPECT_TRUE(connection.WaitClosed(10000)) << request;
  }

  // HTTP/1.0 that asks to keep the connection keeps it.
  RawConnection connection(server_->port());
  RawResponse response;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        connection.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    ASSERT_TRUE(connection.ReadResponse(&response));
    EXPECT_EQ(response.Header("Connection"), "keep-alive");
  }
}

TEST_F(HttpEdgeTest, SlowCallDoesNotDelayOtherConnections) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(InstallSlow());
  std::unique_ptr<RawConnection> slow = StartSlowCall(2000);

  // Several connections open at once, so that some share the slow one's
  // reactor thread (Pistache assigns them by descriptor number), each kept
  // alive for a few requests; then fresh ones, and an upload.
  std::vector<std::unique_ptr<RawConnection>> kept;
  for (int i = 0; i < 4; ++i) {
    kept.push_back(std::make_unique<RawConnection>(server_->port()));
  }
  RawResponse response;
  for (int round = 0; round < 2; ++round) {
    for (const auto& connection : kept) {
      ASSERT_TRUE(connection->Send(Get("/?ms=0")));
      ASSERT_TRUE(connection->ReadResponse(&response));
      EXPECT_EQ(response.body, "0");
    }
  }
  for (int i = 0; i < 4; ++i) {
    HttpResult fast = HttpGet(server_->Url("/"));
    EXPECT_EQ(fast.status, 200) << fast.error;
  }
  HttpResult upload = Upload(ReadFile(SamplePath("slow.bc")));
  EXPECT_EQ(upload.status, 200) << upload.body;
  EXPECT_FALSE(slow->HasInput(0))
      << "all of the above must have finished while the slow call ran";

  ASSERT_TRUE(slow->ReadResponse(&response));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "2000");
}

TEST_F(HttpEdgeTest, SeveralSlowCallsDoNotHoldUpAFastOne) {
  // More slow calls than the pool has threads at first.
  ASSERT_NO_FATAL_FAILURE(StartServer({"--threads=2"}));
  ASSERT_NO_FATAL_FAILURE(InstallSlow());
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 3; ++i) slow.push_back(StartSlowCall(1500));

  HttpResult fast = HttpGet(server_->Url("/?ms=0"));
  EXPECT_EQ(fast.status, 200) << fast.error;
  for (const auto& connection : slow) {
    EXPECT_FALSE(connection->HasInput(0))
        << "the fast call must not wait for a slow one";
  }
  for (const auto& connection : slow) {
    RawResponse response;
    ASSERT_TRUE(connection->ReadResponse(&response));
    EXPECT_EQ(response.body, "1500");
  }
}

TEST_F(HttpEdgeTest, PipelinedRequestsAreAnsweredInOrderBehindASlowOne) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(InstallSlow());
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(Get("/?ms=500") + Get("/nope") + Get("/?ms=0")));
  RawResponse response;
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.body, "500") << "the slow answer comes first";
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.status, 404);
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.body, "0");
}

TEST_F(HttpEdgeTest, LargeResponseKeepsItsPlaceBeforeLaterOnes) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  HttpResult install = Upload(ReadFile(SamplePath("large.bc")));
  ASSERT_EQ(install.status, 200) << install.body;
  RawConnection connection(server_->port());
  // The client reads nothing for a while: the 32 MiB answer fills the
  // socket's buffers, and the rest of it, and the 404 behind it, wait.
  ASSERT_TRUE(connection.Send(Get("/?kb=32768") + Get("/nope")));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  RawResponse response;
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body.size(), (32u << 20) + 2);
  EXPECT_EQ(response.body.find_first_not_of('x', 1), response.body.size() - 1);
  ASSERT_TRUE(connection.ReadResponse(&response));
  EXPECT_EQ(response.status, 404);
}

TEST_F(HttpEdgeTest, FloodBehindASlowCallIsCut) {
  ASSERT_NO_FATAL_FAILURE(
      StartServer({"--max_body_bytes=65536", "--max_head_bytes=1024"}));
  ASSERT_NO_FATAL_FAILURE(InstallSlow());
  std::unique_ptr<RawConnection> slow = StartSlowCall(1000);
  // Far more than one request of the largest size; the send may fail once
  // the server has had enough.
  slow->Send(std::string(1 << 20, 'x'));
  std::string unread;
  EXPECT_TRUE(slow->WaitClosed(10000, &unread))
      << "bytes behind a request under way are bounded";
}

TEST_F(HttpEdgeTest, HeadOverTheLimitIs431) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max_head_bytes=1024"}));
  RawConnection small(server_->port());
  ASSERT_TRUE(
      small.Send(Get("/", "X-Fill: " + std::string(500, 'x') + "\r\n")));
  RawResponse response;
  ASSERT_TRUE(small.ReadResponse(&response));
  EXPECT_EQ(response.status, 200);

  RawConnection large(server_->port());
  ASSERT_TRUE(
      large.Send(Get("/", "X-Fill: " + std::string(2000, 'x') + "\r\n")));
  ASSERT_TRUE(large.ReadResponse(&response));
  EXPECT_EQ(response.status, 431) << response.head;
  EXPECT_NE(response.body.find("\"error\""), std::string::npos);
  EXPECT_TRUE(large.WaitClosed(10000));
}

TEST_F(HttpEdgeTest, RequestNotCompleteInTimeIs408) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--request_timeout_ms=300"}));
  for (const std::string partial :
       {std::string("GET / HTTP/1.1\r\nHost: test\r\n"),
        std::string("POST /update_endpoint HTTP/1.1\r\nHost: test\r\n"
                    "Authorization: Bearer ru-test-token\r\n"
                    "Content-Length: 100\r\n\r\nonly part")}) {
    RawConnection connection(server_->port());
    ASSERT_TRUE(connection.Send(partial));
    RawResponse response;
    ASSERT_TRUE(connection.ReadResponse(&response)) << partial;
    EXPECT_EQ(response.status, 408) << partial;
    EXPECT_EQ(response.Header("Connection"), "close");
    EXPECT_TRUE(connection.WaitClosed(10000));
  }
}

TEST_F(HttpEdgeTest, IdleKeptAliveConnectionIsClosedSilently) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--keepalive_timeout_ms=300"}));
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(Get("/")));
  RawResponse response;
  ASSERT_TRUE(connection.ReadResponse(&response));
  std::string unread;
  EXPECT_TRUE(connection.WaitClosed(10000, &unread));
  EXPECT_EQ(unread, "") << "waiting between requests is no slow request";
}

TEST_F(HttpEdgeTest, SigtermLetsASlowCallFinishThenExitsZero) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(InstallSlow());
  RawConnection idle(server_->port());
  std::unique_ptr<RawConnection> slow = StartSlowCall(1500);
  RawResponse response;
  bool answered = false;
  std::thread reader([&] {
    answered = slow->ReadResponse(&response, 30000);
    slow->Close();
  });

  ASSERT_EQ(kill(server_->pid(), SIGTERM), 0);
  EXPECT_TRUE(WaitUntilRefused()) << "new connections must be refused";
  EXPECT_TRUE(idle.WaitClosed(10000))
      << "a connection waiting for a request is closed at once";
  int status = server_->Stop(0, 30000);
  reader.join();

  EXPECT_TRUE(answered) << "the call under way must finish";
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "1500");
  EXPECT_EQ(response.Header("Connection"), "close");
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << server_->Output();
  EXPECT_NE(ReadFile(server_->dir() + "/logs/www.log")
                .find("\"GET /?ms=1500 HTTP/1.1\" 200"),
            std::string::npos)
      << "every access log line is written before the exit";
}

TEST_F(HttpEdgeTest, ShutdownGivesUpAfterItsTimeLimit) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--shutdown_timeout_ms=300"}));
  ASSERT_NO_FATAL_FAILURE(InstallSlow());
  std::unique_ptr<RawConnection> slow = StartSlowCall(20000);
  int status = server_->Stop(SIGTERM, 15000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(ReadFile(server_->dir() + "/logs/app.log").find("gave up"),
            std::string::npos)
      << "the log must say that requests were abandoned";
}

TEST_F(HttpEdgeTest, SecondSignalExitsAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(InstallSlow());
  std::unique_ptr<RawConnection> slow = StartSlowCall(20000);
  ASSERT_EQ(kill(server_->pid(), SIGTERM), 0);
  ASSERT_TRUE(WaitUntilRefused());
  int status = server_->Stop(SIGINT, 15000);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

}  // namespace
}  // namespace ru_test
