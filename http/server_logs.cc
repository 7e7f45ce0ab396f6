#include "http/server_logs.h"

#include <glog/logging.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace ru {

std::unique_ptr<ServerLogs> ServerLogs::Start(const LogSettings& settings,
                                              const char* program,
                                              std::string* error) {
  std::unique_ptr<ServerLogs> logs(new ServerLogs());
  LogFileOptions options;
  options.mode = settings.mode;
  options.max_bytes = settings.max_bytes;
  options.copies = settings.copies;

  if (settings.mode == LogMode::kStream) {
    logs->app_file_ = LogFile::Open(options, error);
  } else {
    std::error_code failure;
    std::filesystem::create_directories(settings.dir, failure);
    if (failure) {
      *error = "LOG_DIR (--log_dir): cannot create '" + settings.dir +
               "': " + failure.message();
      return nullptr;
    }
    options.path = settings.AppLogPath();
    logs->app_file_ = LogFile::Open(options, error);
    if (logs->app_file_ == nullptr) {
      *error = "LOG_DIR or APP_LOG_NAME: " + *error;
      return nullptr;
    }
    if (!settings.www_log_name.empty()) {
      options.path = settings.WwwLogPath();
      logs->www_file_ = LogFile::Open(options, error);
      if (logs->www_file_ == nullptr) {
        *error = "LOG_DIR or WWW_LOG_NAME: " + *error;
        return nullptr;
      }
    }
  }
  if (!settings.www_log_name.empty()) {
    LogFile* file = logs->www_file_ != nullptr ? logs->www_file_.get()
                                               : logs->app_file_.get();
    logs->access_log_ = std::make_unique<AccessLog>(file);
  }

  FLAGS_log_dir = settings.dir;
  FLAGS_logbufsecs = 0;
  FLAGS_minloglevel = settings.min_severity;
  FLAGS_v = std::max(FLAGS_v, settings.verbosity);
  // In stream mode the sink already writes to the terminal; glog's own
  // copy of errors there would print them twice.
  if (settings.mode == LogMode::kStream) {
    FLAGS_stderrthreshold = google::NUM_SEVERITIES;
  }
  google::InitGoogleLogging(program);
  for (int severity = 0; severity < google::NUM_SEVERITIES; ++severity) {
    // An empty base name tells glog to write no file for this severity.
    google::SetLogDestination(severity, "");
  }
  logs->sink_ = std::make_unique<AppLogSink>(logs->app_file_.get());
  google::AddLogSink(logs->sink_.get());
  return logs;
}

ServerLogs::~ServerLogs() {
  if (sink_ != nullptr) google::RemoveLogSink(sink_.get());
  access_log_.reset();
  www_file_.reset();
  app_file_.reset();
}

void ServerLogs::Flush() {
  if (www_file_ != nullptr) www_file_->Flush();
  app_file_->Flush();
}

}  // namespace ru
