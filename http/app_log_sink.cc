#include "http/app_log_sink.h"

namespace ru {

void AppLogSink::send(google::LogSeverity severity, const char* full_filename,
                      const char* base_filename, int line,
                      const google::LogMessageTime& time, const char* message,
                      size_t message_len) {
  (void)full_filename;
  std::string text =
      ToString(severity, base_filename, line, time, message, message_len);
  text += '\n';
  file_->AppendInOrder(text);
  if (severity == google::GLOG_FATAL) {
    fatal_.store(true, std::memory_order_relaxed);
  }
}

void AppLogSink::WaitTillSent() {
  if (fatal_.load(std::memory_order_relaxed)) file_->Flush();
}

}  // namespace ru
