#include "jit/trial_run.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jit/call_frame.h"
#include "jit/static_destructors.h"

namespace ru {
namespace {

using EndpointFn = int (*)(const ru_args*, ru_json*);
using ValueFn = int64_t (*)();

[[noreturn]] void RunChild(const LoadedCode& code, bool endpoint,
                           const QueryParams& params, int64_t timeout_ms) {
  void* address = code.address;
  // In the child a fault must end the child: the server's handlers would
  // look for a guard that is not there.
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    ::signal(signal, SIG_DFL);
  }
  // A backstop should the parent die before it can kill us.
  alarm(static_cast<unsigned>(timeout_ms / 1000 + 2));
  if (endpoint) {
    ru_args args{params};
    ru_json out;
    ScopedCallFrame frame(&args, &out);
    reinterpret_cast<EndpointFn>(address)(&args, &out);
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
  _exit(0);
}

int64_t NowMillis() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

}  // namespace

Status TrialRun(const LoadedCode& code, bool endpoint,
                const QueryParams& params, int64_t timeout_ms) {
  pid_t child = fork();
  if (child < 0) {
    return Status::Internal(std::string("cannot fork for the trial run: ") +
                            strerror(errno));
  }
  if (child == 0) RunChild(code, endpoint, params, timeout_ms);

  int64_t deadline = NowMillis() + timeout_ms;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) break;
    if (NowMillis() >= deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      return Status::Unprocessable(
          "the trial run did not finish within " + std::to_string(timeout_ms) +
          " ms; pass ?probe= with parameters it handles, or ?probe=off");
    }
    usleep(200);
  }
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    const char* name = sigabbrev_np(signal);
    return Status::Unprocessable(
        std::string("the trial run crashed with SIG") +
        (name != nullptr ? name : std::to_string(signal).c_str()) +
        "; the new version was not made live");
  }
  return Status::Ok();
}

}  // namespace ru
