#include "jit/trial_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "jit/call_frame.h"
#include "jit/call_guard.h"
#include "jit/static_destructors.h"

namespace ru {
namespace {

using EndpointFn = int (*)(const ru_args*, ru_json*);
using ValueFn = int64_t (*)();

// Runs the trial in the child and, when it finished, says so with one byte
// on `done_fd`.
[[noreturn]] void RunChild(const LoadedCode& code, bool endpoint,
                           const QueryParams& params, int64_t timeout_ms,
                           int done_fd) {
  void* address = code.address;
  // In the child a fault must end the child: the server's handlers would
  // look for a guard that is not there.
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    ::signal(signal, SIG_DFL);
  }
  EndProcessOnUploadMisuse();
  // A backstop should the parent die before it can kill us.
  alarm(static_cast<unsigned>(timeout_ms / 1000 + 2));
  if (endpoint) {
    ru_args args{params};
    ru_json out;
    ScopedCallFrame frame(&args, &out);
    reinterpret_cast<EndpointFn>(address)(UploadArgsHandle(),
                                          UploadOutHandle());
  } else {
    reinterpret_cast<ValueFn>(address)();
  }
  // The destructors run in the server when the version is dropped: try
  // them here first.
  if (code.fini != nullptr) code.fini();
  if (code.dso_handle != nullptr) {
    for (const Destructor& destructor :
         TakeStaticDestructors(code.dso_handle)) {
      destructor.first(destructor.second);
    }
  }
  char done = 1;
  ssize_t written = write(done_fd, &done, 1);
  _exit(written == 1 ? 0 : 1);
}

// Reaps the children that reported success, off the update's path: the
// update does not wait for the kernel to tear down a child's copy of the
// server's address space. One thread, started with the first trial and
// never stopped; its state is never destroyed, so it may outlive main.
class Reaper {
 public:
  static Reaper* Get() {
    static Reaper* reaper = new Reaper();
    return reaper;
  }

  void Add(pid_t child) {
    std::lock_guard<std::mutex> lock(mutex_);
    children_.push_back(child);
    added_.notify_one();
  }

 private:
  Reaper() { std::thread(&Reaper::Run, this).detach(); }

  void Run() {
    for (;;) {
      pid_t child;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        added_.wait(lock, [this] { return !children_.empty(); });
        child = children_.front();
        children_.pop_front();
      }
      while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable added_;
  std::deque<pid_t> children_;
};

int64_t NowMillis() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

}  // namespace

Status TrialRun(const LoadedCode& code, bool endpoint,
                const QueryParams& params, int64_t timeout_ms) {
  Reaper* reaper = Reaper::Get();
  int done[2];
  if (pipe2(done, O_CLOEXEC) != 0) {
    return Status::Internal(std::string("cannot create a pipe for the trial "
                                        "run: ") +
                            strerror(errno));
  }
  pid_t child = fork();
  if (child < 0) {
    int error = errno;
    close(done[0]);
    close(done[1]);
    return Status::Internal(std::string("cannot fork for the trial run: ") +
                            strerror(error));
  }
  if (child == 0) {
    close(done[0]);
    RunChild(code, endpoint, params, timeout_ms, done[1]);
  }
  close(done[1]);

  // Wait for the child's byte, or for the end of the pipe when it died.
  int64_t deadline = NowMillis() + timeout_ms;
  int ready = 0;
  for (;;) {
    int64_t left = deadline - NowMillis();
    if (left <= 0) break;
    pollfd waiting = {done[0], POLLIN, 0};
    ready = poll(&waiting, 1, static_cast<int>(left));
    if (ready > 0 || (ready < 0 && errno != EINTR)) break;
  }
  char byte = 0;
  bool finished = ready > 0 && read(done[0], &byte, 1) == 1;
  close(done[0]);
  if (finished) {
    reaper->Add(child);
    return Status::Ok();
  }
  int status = 0;
  if (ready <= 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    return Status::Unprocessable(
        "the trial run did not finish within " + std::to_string(timeout_ms) +
        " ms; pass ?probe= with parameters it handles, or ?probe=off");
  }
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    const char* name = sigabbrev_np(signal);
    return Status::Unprocessable(
        std::string("the trial run crashed with SIG") +
        (name != nullptr ? name : std::to_string(signal).c_str()) +
        "; the new version was not made live");
  }
  return Status::Unprocessable(
      "the trial run ended before the function returned (exit status " +
      std::to_string(WEXITSTATUS(status)) +
      "); the new version was not made "
      "live");
}

}  // namespace ru
