// ServerLogs: the server's two logs, set up from LogSettings. glog's
// messages go through an AppLogSink into the app log; requests go into the
// access log. Each is a LogFile of its own, except in stream mode, where
// one LogFile on standard error serves both.

#ifndef RUNTIME_UPDATER_HTTP_SERVER_LOGS_H_
#define RUNTIME_UPDATER_HTTP_SERVER_LOGS_H_

#include <memory>
#include <string>

#include "http/access_log.h"
#include "http/app_log_sink.h"
#include "http/log_file.h"
#include "http/log_settings.h"

namespace ru {

class ServerLogs {
 public:
  // Creates the log directory, opens both files and routes glog into the
  // app log (glog writes no files of its own). `program` is argv[0].
  // Returns null, with `*error` naming the setting at fault, when the
  // directory or a file cannot be made; nothing is redirected then.
  // Initializes glog, so call it once per process.
  static std::unique_ptr<ServerLogs> Start(const LogSettings& settings,
                                           const char* program,
                                           std::string* error);
  // Detaches from glog, then writes out every queued line.
  ~ServerLogs();

  ServerLogs(const ServerLogs&) = delete;
  ServerLogs& operator=(const ServerLogs&) = delete;

  // Waits until every line of both logs queued so far is written. For an
  // exit that cannot wait for the destructor.
  void Flush();

  // Null when the access log is off.
  AccessLog* access_log() { return access_log_.get(); }

 private:
  ServerLogs() = default;

  std::unique_ptr<LogFile> app_file_;
  std::unique_ptr<LogFile> www_file_;  // Null in stream mode or when off.
  std::unique_ptr<AppLogSink> sink_;
  std::unique_ptr<AccessLog> access_log_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_SERVER_LOGS_H_
