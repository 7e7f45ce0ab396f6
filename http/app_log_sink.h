// AppLogSink: glog's messages, in glog's own line format, into a LogFile,
// so that the server's log is kept in the same modes as the access log
// (glog alone can neither reopen a moved file nor keep N copies).
//
//   I20261203 17:36:01.123456  4242 routes.cc:160] updated foobar to ...
//
// glog calls send() under its own lock, so lines arrive in order and are
// queued in order.

#ifndef RUNTIME_UPDATER_HTTP_APP_LOG_SINK_H_
#define RUNTIME_UPDATER_HTTP_APP_LOG_SINK_H_

#include <glog/logging.h>

#include <atomic>

#include "http/log_file.h"

namespace ru {

class AppLogSink : public google::LogSink {
 public:
  // `file` must outlive the sink's registration with glog.
  explicit AppLogSink(LogFile* file) : file_(file) {}

  void send(google::LogSeverity severity, const char* full_filename,
            const char* base_filename, int line,
            const google::LogMessageTime& time, const char* message,
            size_t message_len) override;

  // glog calls this after every send(); it waits only after a FATAL
  // message, which must be on disk before glog aborts the process.
  void WaitTillSent() override;

 private:
  LogFile* file_;
  std::atomic<bool> fatal_{false};
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_APP_LOG_SINK_H_
