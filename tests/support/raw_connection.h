// RawConnection: a plain TCP connection to the server, for what libcurl
// cannot express: bytes sent in small pieces, several requests on one
// connection, a head without its body, a client that stops sending.

#ifndef RUNTIME_UPDATER_TESTS_SUPPORT_RAW_CONNECTION_H_
#define RUNTIME_UPDATER_TESTS_SUPPORT_RAW_CONNECTION_H_

#include <cstdint>
#include <string>

namespace ru_test {

struct RawResponse {
  int status = 0;
  std::string head;  // Status line and headers, up to the blank line.
  std::string body;

  // The value of the first header called `name` (case-insensitive), or "".
  std::string Header(const std::string& name) const;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:`port`; connected() tells whether it worked.
  explicit RawConnection(uint16_t port);
  ~RawConnection();

  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends all of `bytes`; false if the connection broke.
  bool Send(const std::string& bytes);

  // Sends `bytes` in pieces of `piece` bytes, `pause_ms` apart.
  bool Dribble(const std::string& bytes, size_t piece, int pause_ms);

  // Reads one response: its head, then Content-Length bytes of body.
  // False if none is complete within `timeout_ms`.
  bool ReadResponse(RawResponse* response, int timeout_ms = 20000);

  // Whether the server ends the connection within `timeout_ms`. Bytes that
  // arrive before the end are left in `*unread` if not null.
  bool WaitClosed(int timeout_ms, std::string* unread = nullptr);

  // Whether any byte arrives within `timeout_ms` (0 to just look).
  bool HasInput(int timeout_ms);

  void Close();

 private:
  // Reads what arrives within `timeout_ms` into buffer_; false on the end
  // of the stream or a timeout.
  bool Fill(int timeout_ms);

  int fd_ = -1;
  bool ended_ = false;
  std::string buffer_;
};

}  // namespace ru_test

#endif  // RUNTIME_UPDATER_TESTS_SUPPORT_RAW_CONNECTION_H_
