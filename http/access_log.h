// AccessLog: one line per request in the Apache Combined Log Format,
// followed by the request's duration in microseconds and the
// function@version that answered ("-" when none did):
//
//   127.0.0.1 - - [03/Dec/2026:17:25:39 +0000] "GET /?x=1 HTTP/1.1" 200 1
//   "-" "curl/7.88.1" 153 foobar@2
//
// (one line in the file). Request threads only format the line and queue
// it; a writer thread of its own does the disk I/O, so a slow disk never
// holds up a request. Destruction writes every queued line first.

#ifndef RUNTIME_UPDATER_HTTP_ACCESS_LOG_H_
#define RUNTIME_UPDATER_HTTP_ACCESS_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
  // Appends to `path`; an empty path means standard error. Returns null and
  // sets `*error` when the file cannot be opened.
  static std::unique_ptr<AccessLog> Open(const std::string& path,
                                         std::string* error);
  ~AccessLog();

  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Formats and queues one line. Never blocks on I/O.
  void Record(const AccessRecord& record);

  // Waits until every line queued so far is written. For an exit that
  // cannot wait for the destructor.
  void Flush();

  // Formats `record` as Record() would write it, without the newline.
  static std::string Format(const AccessRecord& record);

 private:
  explicit AccessLog(std::FILE* file, bool owned);
  void Run();

  std::FILE* file_;
  bool owned_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable written_;
  std::string pending_;    // Guarded by mutex_.
  bool writing_ = false;   // Guarded by mutex_.
  int flushing_ = 0;       // Guarded by mutex_.
  bool stopping_ = false;  // Guarded by mutex_.
  std::thread writer_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_ACCESS_LOG_H_
