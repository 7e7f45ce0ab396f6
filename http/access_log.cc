#include "http/access_log.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace ru {
namespace {

// Quoted fields may not contain '"', '\' or control characters; they are
// escaped as Apache does, so the line stays one line and parseable.
bool NeedsEscape(unsigned char c) {
  return c == '"' || c == '\\' || c < 0x20 || c == 0x7f;
}

void AppendQuoted(std::string* out, const std::string& value) {
  out->push_back('"');
  if (value.empty()) {
    out->push_back('-');
  }
  // Most values need no escape: append them whole.
  if (std::none_of(value.begin(), value.end(),
                   [](unsigned char c) { return NeedsEscape(c); })) {
    out->append(value);
    out->push_back('"');
    return;
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

void AppendNumber(std::string* out, uint64_t value) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out->append(digits, end);
}

}  // namespace

std::string AccessLog::Format(const AccessRecord& record) {
  std::string line;
  AppendFormatted(record, &line);
  return line;
}

void AccessLog::AppendFormatted(const AccessRecord& record, std::string* out) {
  // Appended piece by piece, without temporaries: this runs for every
  // request.
  std::string& line = *out;
  if (record.client.empty()) {
    line += '-';
  } else {
    line += record.client;
  }
  line += " - - ";
  line += TimeField();
  line += ' ';
  AppendQuoted(&line, record.request_line);
  line += ' ';
  AppendNumber(&line, static_cast<uint64_t>(record.status));
  line += ' ';
  if (record.body_bytes == 0) {
    line += '-';
  } else {
    AppendNumber(&line, record.body_bytes);
  }
  line += ' ';
  AppendQuoted(&line, record.referer);
  line += ' ';
  AppendQuoted(&line, record.user_agent);
  line += ' ';
  AppendNumber(&line, record.duration_us);
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
