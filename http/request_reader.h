// RequestReader: cuts the byte stream of one HTTP/1.x connection into
// requests. Pistache 0.0.5 hands its handlers neither the raw request
// target nor the head of a request before its body has arrived, and its
// parser drops pipelined requests; this reader gives the server all three,
// so that it can answer `Expect: 100-continue`, refuse an oversized body
// before reading it, and pass query parameters on in their order.
//
// Not thread-safe; each connection owns one.

#ifndef RUNTIME_UPDATER_HTTP_REQUEST_READER_H_
#define RUNTIME_UPDATER_HTTP_REQUEST_READER_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace ru {

struct HttpRequest {
  std::string method;
  std::string target;  // As sent: path, then '?' and the raw query if any.
  std::string path;
  std::string query;      // Raw, without the '?'.
  int minor_version = 1;  // HTTP/1.<minor_version>.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;  // What the client asked for, by version and header.

  // The first header called `name` (case-insensitive), or null.
  const std::string* Header(const std::string& name) const;
  // The request line as the client sent it, for the access log.
  std::string RequestLine() const;
};

class RequestReader {
 public:
  struct Limits {
    size_t max_head_bytes = 16 * 1024;
    size_t max_body_bytes = 16 * 1024 * 1024;
  };

  enum class Event {
    kNeedMore,  // Feed more bytes.
    kContinue,  // The client waits for "100 Continue" before its body.
    kRequest,   // A complete request is in `*request`.
    kError,     // The stream is broken; answer `error_status` and close.
  };

  explicit RequestReader(const Limits& limits) : limits_(limits) {}

  void Append(const char* data, size_t size) { buffer_.append(data, size); }

  // Advances over the buffered bytes. Call until it returns kNeedMore or
  // kError; after kError it keeps returning kError.
  Event Next(HttpRequest* request);

  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

  // Bytes received and not yet returned in a request.
  size_t buffered() const { return buffer_.size() - pos_; }

  // True while a request has begun but not yet been returned.
  bool InRequest() const {
    return state_ != State::kHead || pos_ < buffer_.size();
  }

 private:
  enum class State { kHead, kBody, kChunkSize, kChunkData, kTrailer };

  Event Fail(int status, std::string message);
  Event ParseHead(size_t head_end, size_t next);
  Event ReadChunked();
  // Moves up to body_remaining_ buffered bytes into the body; true once
  // none remain.
  bool TakeBody();
  void Compact();

  Limits limits_;
  std::string buffer_;
  size_t pos_ = 0;
  State state_ = State::kHead;
  HttpRequest current_;
  size_t head_scanned_ = 0;  // Bytes from pos_ known to hold no head end.
  size_t body_remaining_ = 0;
  size_t trailer_bytes_ = 0;
  bool continue_pending_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_REQUEST_READER_H_
