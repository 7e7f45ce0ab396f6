// RequestReader on byte streams as clients send them: whole, dribbled a
// byte at a time, pipelined, chunked, and malformed.

#include "http/request_reader.h"

#include <gtest/gtest.h>

namespace ru {
namespace {

using Event = RequestReader::Event;

RequestReader::Limits SmallLimits() {
  RequestReader::Limits limits;
  limits.max_head_bytes = 256;
  limits.max_body_bytes = 64;
  return limits;
}

TEST(RequestReaderTest, ReadsARequestWithABody) {
  RequestReader reader(SmallLimits());
  std::string bytes =
      "POST /update_endpoint?function=a%20b HTTP/1.1\r\nHost: x\r\n"
      "Content-Length: 5\r\n\r\nhello";
  reader.Append(bytes.data(), bytes.size());
  HttpRequest request;
  ASSERT_EQ(reader.Next(&request), Event::kRequest);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/update_endpoint");
  EXPECT_EQ(request.query, "function=a%20b") << "the raw query is kept";
  EXPECT_EQ(request.body, "hello");
  EXPECT_TRUE(request.keep_alive) << "HTTP/1.1 keeps the connection";
  EXPECT_EQ(*request.Header("host"), "x") << "header names ignore case";
  EXPECT_EQ(reader.Next(&request), Event::kNeedMore);
}

TEST(RequestReaderTest, DribbledBytesGiveTheSameRequest) {
  RequestReader reader(SmallLimits());
  std::string bytes = "POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  HttpRequest request;
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    reader.Append(&bytes[i], 1);
    ASSERT_EQ(reader.Next(&request), Event::kNeedMore) << "at byte " << i;
  }
  reader.Append(&bytes.back(), 1);
  ASSERT_EQ(reader.Next(&request), Event::kRequest);
  EXPECT_EQ(request.body, "abc");
}

TEST(RequestReaderTest, PipelinedRequestsAreAllReturned) {
  RequestReader reader(SmallLimits());
  std::string bytes =
      "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"
      "POST /c HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGET /d HTTP/1.1\r\n\r\n";
  reader.Append(bytes.data(), bytes.size());
  std::vector<std::string> paths;
  HttpRequest request;
  while (reader.Next(&request) == Event::kRequest)
    paths.push_back(request.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/a", "/b", "/c", "/d"}));
}

TEST(RequestReaderTest, ChunkedBodyIsDecoded) {
  RequestReader reader(SmallLimits());
  std::string bytes =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n";
  HttpRequest request;
  // Byte by byte, to cross every state boundary.
  Event event = Event::kNeedMore;
  for (char c : bytes) {
    reader.Append(&c, 1);
    event = reader.Next(&request);
    if (event != Event::kNeedMore) break;
  }
  ASSERT_EQ(event, Event::kRequest);
  EXPECT_EQ(request.body, "abcde");
}

TEST(RequestReaderTest, ExpectContinueIsAnnouncedOnce) {
  RequestReader reader(SmallLimits());
  std::string head =
      "POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
  reader.Append(head.data(), head.size());
  HttpRequest request;
  EXPECT_EQ(reader.Next(&request), Event::kContinue);
  EXPECT_EQ(reader.Next(&request), Event::kNeedMore)
      << "one 100 Continue per request";
  reader.Append("body", 4);
  ASSERT_EQ(reader.Next(&request), Event::kRequest);
  EXPECT_EQ(request.body, "body");
}

TEST(RequestReaderTest, NoContinueWhenTheBodyIsAlreadyHere) {
  RequestReader reader(SmallLimits());
  std::string bytes =
      "POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
      "body";
  reader.Append(bytes.data(), bytes.size());
  HttpRequest request;
  EXPECT_EQ(reader.Next(&request), Event::kRequest);
}

TEST(RequestReaderTest, OversizedContentLengthFailsBeforeTheBody) {
  RequestReader reader(SmallLimits());
  std::string head = "POST /p HTTP/1.1\r\nContent-Length: 65\r\n\r\n";
  reader.Append(head.data(), head.size());
  HttpRequest request;
  ASSERT_EQ(reader.Next(&request), Event::kError);
  EXPECT_EQ(reader.error_status(), 413);
  EXPECT_EQ(reader.Next(&request), Event::kError) << "errors are final";
}

TEST(RequestReaderTest, OversizedChunkedBodyFails) {
  RequestReader reader(SmallLimits());
  std::string bytes =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n";
  reader.Append(bytes.data(), bytes.size());
  HttpRequest request;
  ASSERT_EQ(reader.Next(&request), Event::kError);
  EXPECT_EQ(reader.error_status(), 413);
}

TEST(RequestReaderTest, OversizedHeadIs431) {
  RequestReader reader(SmallLimits());
  std::string bytes = "GET / HTTP/1.1\r\nX-Big: " + std::string(300, 'a');
  reader.Append(bytes.data(), bytes.size());
  HttpRequest request;
  ASSERT_EQ(reader.Next(&request), Event::kError);
  EXPECT_EQ(reader.error_status(), 431);
}

TEST(RequestReaderTest, MalformedInputIs400) {
  for (std::string bytes :
       {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "GET nopath HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    RequestReader reader(SmallLimits());
    reader.Append(bytes.data(), bytes.size());
    HttpRequest request;
    EXPECT_EQ(reader.Next(&request), Event::kError) << bytes;
    EXPECT_EQ(reader.error_status(), 400) << bytes;
  }
}

TEST(RequestReaderTest, ConnectionPersistenceFollowsVersionAndHeader) {
  struct Case {
    std::string head;
    bool keep_alive;
  };
  for (const Case& c : std::vector<Case>{
           {"GET / HTTP/1.1\r\n\r\n", true},
           {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
           {"GET / HTTP/1.0\r\n\r\n", false},
           {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true}}) {
    RequestReader reader(SmallLimits());
    reader.Append(c.head.data(), c.head.size());
    HttpRequest request;
    ASSERT_EQ(reader.Next(&request), Event::kRequest) << c.head;
    EXPECT_EQ(request.keep_alive, c.keep_alive) << c.head;
  }
}

TEST(RequestReaderTest, UnsupportedVersionIs505) {
  RequestReader reader(SmallLimits());
  std::string bytes = "GET / HTTP/2.0\r\n\r\n";
  reader.Append(bytes.data(), bytes.size());
  HttpRequest request;
  ASSERT_EQ(reader.Next(&request), Event::kError);
  EXPECT_EQ(reader.error_status(), 505);
}

}  // namespace
}  // namespace ru
