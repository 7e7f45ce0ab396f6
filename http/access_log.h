// AccessLog: one line per request in the Apache Combined Log Format,
// followed by the request's duration in microseconds and the
// function@version that answered ("-" when none did):
//
//   127.0.0.1 - - [03/Dec/2026:17:25:39 +0000] "GET /?x=1 HTTP/1.1" 200 1
//   "-" "curl/7.88.1" 153 foobar@2
//
// (one line in the file). Request threads only format the line; the
// LogFile it goes to does the disk I/O on a thread of its own, so a slow
// disk never holds up a request.

#ifndef RUNTIME_UPDATER_HTTP_ACCESS_LOG_H_
#define RUNTIME_UPDATER_HTTP_ACCESS_LOG_H_

#include <cstdint>
#include <string>

#include "http/log_file.h"

namespace ru {

struct AccessRecord {
  std::string client;        // Peer address.
  std::string request_line;  // As sent, e.g. "GET / HTTP/1.1"; "-" if none.
  int status = 0;
  uint64_t body_bytes = 0;
  std::string referer;     // Empty for none.
  std::string user_agent;  // Empty for none.
  uint64_t duration_us = 0;
  std::string answered_by = "-";
};

class AccessLog {
 public:
  // Writes to `file`, which must outlive the AccessLog.
  explicit AccessLog(LogFile* file) : file_(file) {}

  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Formats and queues one line. Never blocks on I/O. Thread-safe.
  void Record(const AccessRecord& record);

  // Waits until every line recorded so far is written. For an exit that
  // cannot wait for the LogFile's destructor.
  void Flush() { file_->Flush(); }

  // Formats `record` as Record() would write it, without the newline.
  static std::string Format(const AccessRecord& record);

 private:
  static void AppendFormatted(const AccessRecord& record, std::string* line);

  LogFile* file_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_ACCESS_LOG_H_
