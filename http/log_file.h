// LogFile: one log, in one of the modes of log_settings.h, written off the
// request path. Callers hand over whole lines and return at once; a writer
// thread of the LogFile's own does every write, rename, stat and reopen,
// so no request ever waits for the disk.
//
// Modes:
//   kStream   lines go to standard error.
//   kWatched  before each write the path is checked against the open
//             file; when the file was moved away or deleted (logrotate,
//             an operator), the path is opened again, as Python's
//             WatchedFileHandler does.
//   kRotate   the file never grows past max_bytes (a single longer line
//             gets a file of its own): before a write that would pass it,
//             path.(copies-1) becomes path.copies, ..., path becomes
//             path.1, and a new path is started, so exactly `copies`
//             numbered copies are kept. With copies == 0 the file starts
//             over empty.
//
// Each thread queues into a buffer of its own (one of a fixed set, each
// with its own lock), so request threads do not contend with each other;
// the writer wakes at most every few milliseconds and writes everything
// queued with one write per file. Lines of one thread keep their order;
// lines of different threads may be reordered within one such period,
// except lines queued with AppendInOrder, which keep their order among
// themselves.
//
// When the disk does not keep up and a buffer holds more than its share
// of max_pending_bytes, further lines are dropped and counted, and
// standard error says how many were lost; a request is never made to wait
// instead.
//
// Thread safety: Append, AppendInOrder and Flush may be called from any
// thread, but not concurrently with destruction.

#ifndef RUNTIME_UPDATER_HTTP_LOG_FILE_H_
#define RUNTIME_UPDATER_HTTP_LOG_FILE_H_

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "http/log_settings.h"

namespace ru {

struct LogFileOptions {
  LogMode mode = LogMode::kRotate;
  std::string path;  // Unused for kStream.
  uint64_t max_bytes = 100000000;
  int copies = 5;
  // Longest time a queued line waits before the writer takes it.
  std::chrono::milliseconds batch_period{5};
  size_t max_pending_bytes = 64 << 20;
};

class LogFile {
 public:
  // Opens (appends to) the file now, so that an unusable path is reported
  // at start. Returns null and sets `*error` when it cannot be opened.
  static std::unique_ptr<LogFile> Open(const LogFileOptions& options,
                                       std::string* error);
  // Writes every queued line, then closes the file.
  ~LogFile();

  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // Queues `line`, which must end with '\n'. Never waits for I/O.
  void Append(std::string_view line);
  // As Append, and keeps the order among all AppendInOrder calls.
  void AppendInOrder(std::string_view line);

  // Returns once every line queued before the call has been written.
  void Flush();

  // Lines dropped so far because too much was queued.
  uint64_t dropped_lines() const {
    return dropped_.load(std::memory_order_relaxed);
  }

 private:
  static constexpr int kShards = 16;
  // A thread's buffer; shard 0 is reserved for AppendInOrder.
  struct alignas(64) Shard {
    std::mutex mutex;
    std::string lines;  // Guarded by mutex.
    // What the writer took from `lines` and is writing; swapped rather
    // than copied, and kept empty between batches. Writer thread only.
    std::string taken;
  };

  LogFile(const LogFileOptions& options, int fd);
  void Queue(Shard& shard, std::string_view line);
  void Run();
  // Takes every queued line into the shards' `taken`; false if none.
  bool Take();
  // Writes what Take() took, in shard order.
  void WriteTaken();
  void Write(std::string_view batch);
  void WriteRotating(std::string_view batch);
  void WriteAll(std::string_view bytes);
  bool Rotate();
  void ReopenIfMoved();
  bool Reopen(bool truncate);
  void ReportTrouble(const std::string& what);

  const LogFileOptions options_;
  std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> dropped_{0};

  // Set by the first line queued after the writer last looked; lets the
  // other producers skip the wake-up.
  std::atomic<bool> signaled_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;     // Lines are queued.
  std::condition_variable hurry_;    // Stop or Flush: skip the period.
  std::condition_variable flushed_;  // A flush ticket was served.
  bool stopping_ = false;            // Guarded by wake_mutex_.
  uint64_t flush_requested_ = 0;     // Guarded by wake_mutex_.
  uint64_t flush_served_ = 0;        // Guarded by wake_mutex_.

  // Used by the writer thread only.
  int fd_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  uint64_t size_ = 0;
  uint64_t dropped_reported_ = 0;
  bool in_trouble_ = false;

  std::thread writer_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_LOG_FILE_H_
