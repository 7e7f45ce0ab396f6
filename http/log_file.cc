#include "http/log_file.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "jit/thread_ordinal.h"

namespace ru {
namespace {

// Threads take shards 1..kShards-1 in turn, once each; shard 0 is for
// lines that must keep their order.
int ThisThreadShard(int shards) {
  return 1 + static_cast<int>(ThreadOrdinal() % (shards - 1));
}

int OpenForAppend(const std::string& path, bool truncate) {
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  if (truncate) flags |= O_TRUNC;
  int fd;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

}  // namespace

std::unique_ptr<LogFile> LogFile::Open(const LogFileOptions& options,
                                       std::string* error) {
  int fd = STDERR_FILENO;
  if (options.mode != LogMode::kStream) {
    fd = OpenForAppend(options.path, false);
    if (fd < 0) {
      *error = "cannot open " + options.path + ": " + std::strerror(errno);
      return nullptr;
    }
  }
  return std::unique_ptr<LogFile>(new LogFile(options, fd));
}

LogFile::LogFile(const LogFileOptions& options, int fd)
    : options_(options), fd_(fd) {
  struct stat status;
  if (options_.mode != LogMode::kStream && ::fstat(fd_, &status) == 0) {
    device_ = status.st_dev;
    inode_ = status.st_ino;
    size_ = static_cast<uint64_t>(status.st_size);
  }
  writer_ = std::thread([this] { Run(); });
}

LogFile::~LogFile() {
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  hurry_.notify_one();
  writer_.join();
  if (fd_ != STDERR_FILENO) ::close(fd_);
}

void LogFile::Append(std::string_view line) {
  Queue(shards_[ThisThreadShard(kShards)], line);
}

void LogFile::AppendInOrder(std::string_view line) { Queue(shards_[0], line); }

void LogFile::Queue(Shard& shard, std::string_view line) {
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.lines.size() + line.size() <=
        options_.max_pending_bytes / kShards) {
      shard.lines.append(line);
      queued = true;
    }
  }
  if (!queued) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }

  // Only the first line after the writer last looked wakes it; the lock
  // makes sure the writer is either still to check signaled_ or waiting.
  if (!signaled_.load(std::memory_order_relaxed) &&
      !signaled_.exchange(true, std::memory_order_acq_rel)) {
    { std::lock_guard<std::mutex> lock(wake_mutex_); }
    wake_.notify_one();
  }
}

void LogFile::Flush() {
  std::unique_lock<std::mutex> lock(wake_mutex_);
  uint64_t ticket = ++flush_requested_;
  wake_.notify_one();
  hurry_.notify_one();
  flushed_.wait(lock, [&] { return flush_served_ >= ticket; });
}

void LogFile::Run() {
  // Named, so that top -H and /proc show what the thread costs.
  pthread_setname_np(pthread_self(), "ru-log-writer");
  for (;;) {
    uint64_t ticket;
    bool stopping;
    {
      // The timeout only bounds how long a missed wake-up could last.
      std::unique_lock<std::mutex> lock(wake_mutex_);
      wake_.wait_for(lock, std::chrono::seconds(1), [&] {
        return stopping_ || flush_requested_ != flush_served_ ||
               signaled_.load(std::memory_order_acquire);
      });
      ticket = flush_requested_;
      stopping = stopping_;
    }
    signaled_.exchange(false, std::memory_order_acq_rel);

    if (Take()) WriteTaken();
    uint64_t dropped = dropped_.load(std::memory_order_relaxed);
    if (dropped != dropped_reported_) {
      // Said on standard error, not in the log, so that the access log
      // stays parseable.
      std::string note =
          "runtime-updater: " + std::to_string(dropped - dropped_reported_) +
          " lines for " + options_.path +
          " dropped: they came faster than they could be "
          "written\n";
      ssize_t ignored = ::write(STDERR_FILENO, note.data(), note.size());
      (void)ignored;
      dropped_reported_ = dropped;
    }

    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      flush_served_ = ticket;
    }
    flushed_.notify_all();
    if (stopping) return;

    // Let lines gather, so that under load one write carries many.
    std::unique_lock<std::mutex> lock(wake_mutex_);
    hurry_.wait_for(lock, options_.batch_period, [&] {
      return stopping_ || flush_requested_ != flush_served_;
    });
  }
}

bool LogFile::Take() {
  bool any = false;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    shard.lines.swap(shard.taken);
    any = any || !shard.taken.empty();
  }
  return any;
}

void LogFile::WriteTaken() {
  if (options_.mode == LogMode::kWatched) ReopenIfMoved();
  for (Shard& shard : shards_) {
    if (shard.taken.empty()) continue;
    Write(shard.taken);
    // Keeps the capacity, so that the next swap hands it back to the
    // thread without an allocation.
    shard.taken.clear();
  }
}

void LogFile::Write(std::string_view batch) {
  if (options_.mode == LogMode::kRotate) {
    WriteRotating(batch);
  } else {
    WriteAll(batch);
  }
}

void LogFile::WriteRotating(std::string_view batch) {
  while (!batch.empty()) {
    uint64_t room = size_ < options_.max_bytes ? options_.max_bytes - size_ : 0;
    size_t take;
    if (batch.size() <= room) {
      take = batch.size();
    } else {
      // Whole lines only: a line is never split across two files.
      size_t cut =
          room == 0 ? std::string_view::npos : batch.rfind('\n', room - 1);
      if (cut != std::string_view::npos) {
        take = cut + 1;
      } else if (size_ == 0) {
        size_t end = batch.find('\n');
        take = end == std::string_view::npos ? batch.size() : end + 1;
      } else {
        if (!Rotate()) {
          WriteAll(batch);
          return;
        }
        continue;
      }
    }
    WriteAll(batch.substr(0, take));
    batch.remove_prefix(take);
  }
}

void LogFile::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      ReportTrouble("cannot write " + options_.path + ": " +
                    std::strerror(errno) + "; lines are lost");
      return;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
    size_ += static_cast<uint64_t>(written);
  }
  in_trouble_ = false;
}

bool LogFile::Rotate() {
  const std::string& path = options_.path;
  for (int i = options_.copies - 1; i >= 1; --i) {
    std::string from = path + "." + std::to_string(i);
    std::string to = path + "." + std::to_string(i + 1);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      ReportTrouble("cannot rename " + from + ": " + std::strerror(errno));
    }
  }
  if (options_.copies > 0 &&
      ::rename(path.c_str(), (path + ".1").c_str()) != 0 && errno != ENOENT) {
    ReportTrouble("cannot rename " + path + ": " + std::strerror(errno));
    return false;
  }
  return Reopen(/*truncate=*/options_.copies == 0);
}

void LogFile::ReopenIfMoved() {
  struct stat status;
  if (::stat(options_.path.c_str(), &status) == 0 && status.st_dev == device_ &&
      status.st_ino == inode_) {
    return;
  }
  Reopen(/*truncate=*/false);
}

bool LogFile::Reopen(bool truncate) {
  int fd = OpenForAppend(options_.path, truncate);
  struct stat status;
  if (fd < 0 || ::fstat(fd, &status) != 0) {
    ReportTrouble("cannot reopen " + options_.path + ": " +
                  std::strerror(errno) + "; writing to the old file");
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd_);
  fd_ = fd;
  device_ = status.st_dev;
  inode_ = status.st_ino;
  size_ = static_cast<uint64_t>(status.st_size);
  return true;
}

void LogFile::ReportTrouble(const std::string& what) {
  // Once per spell of trouble: a full disk must not flood the terminal.
  if (in_trouble_) return;
  in_trouble_ = true;
  std::string line = "runtime-updater: " + what + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace ru
