#include "http/access_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
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

// Lines are written in batches: every kWriteInterval, or as soon as
// kWakeBytes are waiting. Waking the writer for every line would cost each
// request a thread switch.
constexpr std::chrono::milliseconds kWriteInterval(50);
constexpr size_t kWakeBytes = 64 * 1024;

}  // namespace

std::unique_ptr<AccessLog> AccessLog::Open(const std::string& path,
                                           std::string* error) {
  if (path.empty())
    return std::unique_ptr<AccessLog>(new AccessLog(stderr, false));
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    *error = "cannot open access log " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<AccessLog>(new AccessLog(file, true));
}

AccessLog::AccessLog(std::FILE* file, bool owned)
    : file_(file), owned_(owned), writer_([this] { Run(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  if (owned_) std::fclose(file_);
}

std::string AccessLog::Format(const AccessRecord& record) {
  std::string line;
  line.reserve(160);
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
  return line;
}

void AccessLog::Record(const AccessRecord& record) {
  std::string line = Format(record);
  line += '\n';
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ += line;
    wake = pending_.size() >= kWakeBytes &&
           pending_.size() - line.size() < kWakeBytes;
  }
  if (wake) wake_.notify_one();
}

void AccessLog::Flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  ++flushing_;
  wake_.notify_one();
  written_.wait(lock, [this] { return pending_.empty() && !writing_; });
  --flushing_;
}

void AccessLog::Run() {
  std::string batch;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, kWriteInterval, [&] {
      return stopping_ || flushing_ > 0 || pending_.size() >= kWakeBytes;
    });
    if (pending_.empty() && !stopping_) continue;
    if (pending_.empty() && stopping_) return;
    batch.clear();
    batch.swap(pending_);
    writing_ = true;
    lock.unlock();
    std::fwrite(batch.data(), 1, batch.size(), file_);
    std::fflush(file_);
    lock.lock();
    writing_ = false;
    written_.notify_all();
  }
}

}  // namespace ru
