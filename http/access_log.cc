#include "http/access_log.h"

#include <cstdio>
#include <ctime>

namespace ru {
namespace {

// Quoted fields may not contain '"', '\' or control characters; they are
// escaped as Apache does, so the line stays one line and parseable.
void AppendQuoted(std::string* out, const std::string& value) {
  out->push_back('"');
  if (value.empty()) {
    out->push_back('-');
  }
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out->append(escaped);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// "[03/Dec/2026:17:25:39 +0000]" for the current second, formatted once
// per second per thread.
const std::string& TimeField() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm local;
    localtime_r(&now, &local);
    char text[64];
    std::strftime(text, sizeof(text), "[%d/%b/%Y:%H:%M:%S %z]", &local);
    cached = text;
    cached_second = now;
  }
  return cached;
}

}  // namespace

std::string AccessLog::Format(const AccessRecord& record) {
  std::string line;
  AppendFormatted(record, &line);
  return line;
}

void AccessLog::AppendFormatted(const AccessRecord& record, std::string* out) {
  std::string& line = *out;
  line += record.client.empty() ? "-" : record.client;
  line += " - - ";
  line += TimeField();
  line += ' ';
  AppendQuoted(&line, record.request_line);
  line += ' ';
  line += std::to_string(record.status);
  line += ' ';
  line += record.body_bytes == 0 ? "-" : std::to_string(record.body_bytes);
  line += ' ';
  AppendQuoted(&line, record.referer);
  line += ' ';
  AppendQuoted(&line, record.user_agent);
  line += ' ';
  line += std::to_string(record.duration_us);
  line += ' ';
  line += record.answered_by;
}

void AccessLog::Record(const AccessRecord& record) {
  // One buffer per thread, reused, so that a request costs no allocation
  // here.
  thread_local std::string line;
  line.clear();
  AppendFormatted(record, &line);
  line += '\n';
  file_->Append(line);
}

}  // namespace ru
