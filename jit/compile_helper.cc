#include "jit/compile_helper.h"

#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <vector>

#include "jit/upload_error.h"
#include "llvm/Support/ErrorHandling.h"

extern char** environ;

namespace ru {
namespace {

// Messages are frames of fields: a field count, then for each field its
// length and bytes; all integers 32-bit, native order (both ends are this
// binary on this machine).
constexpr uint32_t kMaxField = 1u << 30;

int64_t NowMillis() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

// Writes all of `data`; false on error.
bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= n;
  }
  return true;
}

// Reads exactly `size` bytes, waiting at most until `deadline` (a
// NowMillis() value; 0 for no deadline). Returns false on EOF, error or
// timeout; `*timed_out` tells which.
bool ReadAll(int fd, char* data, size_t size, int64_t deadline,
             bool* timed_out) {
  *timed_out = false;
  while (size > 0) {
    if (deadline != 0) {
      int64_t left = deadline - NowMillis();
      if (left <= 0) {
        *timed_out = true;
        return false;
      }
      pollfd waiting = {fd, POLLIN, 0};
      int ready = ::poll(&waiting, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) {
        *timed_out = true;
        return false;
      }
    }
    ssize_t n = ::read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= n;
  }
  return true;
}

bool WriteFrame(int fd, const std::vector<std::string>& fields) {
  std::string frame;
  uint32_t count = fields.size();
  frame.append(reinterpret_cast<const char*>(&count), sizeof(count));
  for (const std::string& field : fields) {
    uint32_t length = field.size();
    frame.append(reinterpret_cast<const char*>(&length), sizeof(length));
    frame.append(field);
  }
  return WriteAll(fd, frame.data(), frame.size());
}

bool ReadFrame(int fd, std::vector<std::string>* fields, int64_t deadline,
               bool* timed_out) {
  uint32_t count;
  if (!ReadAll(fd, reinterpret_cast<char*>(&count), sizeof(count), deadline,
               timed_out) ||
      count > 64) {
    return false;
  }
  fields->assign(count, std::string());
  for (std::string& field : *fields) {
    uint32_t length;
    if (!ReadAll(fd, reinterpret_cast<char*>(&length), sizeof(length), deadline,
                 timed_out) ||
        length > kMaxField) {
      return false;
    }
    field.resize(length);
    if (length > 0 && !ReadAll(fd, field.data(), length, deadline, timed_out)) {
      return false;
    }
  }
  return true;
}

// --- The helper's side. ---

int helper_fd = -1;
int64_t helper_memory_mb = 0;

// Answers the request in progress with `code` and `message` and exits; for
// failures that leave LLVM unusable.
[[noreturn]] void AnswerAndExit(Status::Code code, const std::string& message,
                                int exit_code) {
  // "x": the helper exits after this answer.
  WriteFrame(helper_fd,
             {std::to_string(static_cast<int>(code)), message, "", "x"});
  _exit(exit_code);
}

void OnLLVMFatalError(void*, const char* reason, bool) {
  AnswerAndExit(Status::Code::kUnprocessable,
                std::string("code generation failed: ") + reason, 4);
}

void OnOutOfMemory(void*, const char*, bool) {
  AnswerAndExit(Status::Code::kTooLarge,
                "compiling the upload needed more than " +
                    std::to_string(helper_memory_mb) + " MiB",
                3);
}

void OnNewFailure() { OnOutOfMemory(nullptr, nullptr, false); }

// Allows what reading, compiling and answering need; anything else (files,
// sockets, processes) kills the helper. Returns false where the kernel
// does not support seccomp.
bool InstallSandbox() {
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (filter == nullptr) return false;
  for (int call :
       {SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
        SCMP_SYS(poll), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
        SCMP_SYS(mprotect), SCMP_SYS(brk), SCMP_SYS(madvise), SCMP_SYS(futex),
        SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
        SCMP_SYS(rt_sigprocmask), SCMP_SYS(clock_gettime), SCMP_SYS(getrusage),
        SCMP_SYS(prlimit64), SCMP_SYS(setrlimit), SCMP_SYS(getrlimit),
        SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(sched_yield),
        SCMP_SYS(getrandom), SCMP_SYS(tgkill), SCMP_SYS(newfstatat),
        SCMP_SYS(fstat),
        // Asked by qsort (memory size) and LLVM (processor
        // count) for larger modules; harmless to answer.
        SCMP_SYS(sysinfo), SCMP_SYS(sched_getaffinity), SCMP_SYS(getcpu),
        SCMP_SYS(uname)}) {
    seccomp_rule_add(filter, SCMP_ACT_ALLOW, call, 0);
  }
  bool loaded = seccomp_load(filter) == 0;
  seccomp_release(filter);
  return loaded;
}

// Limits the CPU time of the next request to `timeout_ms` from now.
void LimitCpuFromNow(int64_t timeout_ms) {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  rlim_t used = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1;
  // Only the soft limit moves (SIGXCPU): raising a hard limit needs a
  // privilege the helper may not have, and a hard limit lowered once
  // would end it after that much CPU time in all, however many uploads.
  rlimit limit;
  getrlimit(RLIMIT_CPU, &limit);
  limit.rlim_cur = used + (timeout_ms + 999) / 1000;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_cur > limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
  }
  setrlimit(RLIMIT_CPU, &limit);
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

CompileSpec SpecFrom(const std::vector<std::string>& fields) {
  CompileSpec spec;
  std::vector<std::string> names = SplitLines(fields[6]);
  std::vector<std::string> llvm_types = SplitLines(fields[7]);
  std::vector<std::string> c_types = SplitLines(fields[8]);
  for (size_t i = 0;
       i < names.size() && i < llvm_types.size() && i < c_types.size(); ++i) {
    spec.more_functions.push_back({names[i], {llvm_types[i], c_types[i]}});
  }
  spec.function = fields[0];
  spec.signature.llvm = fields[1];
  spec.signature.c = fields[2];
  spec.max_global_bytes = std::strtoull(fields[3].c_str(), nullptr, 10);
  for (const std::string& name : SplitLines(fields[4])) {
    spec.offered.insert(name);
  }
  return spec;
}

const char* SignalName(int signal) {
  const char* name = sigabbrev_np(signal);
  return name != nullptr ? name : "?";
}

}  // namespace

int RunCompileHelper(int fd, int opt_level, int64_t memory_mb,
                     int64_t timeout_ms) {
  helper_fd = fd;
  helper_memory_mb = memory_mb;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 1;

  auto compiler_or_err = ObjectCompiler::Create(opt_level);
  if (!compiler_or_err) {
    llvm::consumeError(compiler_or_err.takeError());
    return 2;
  }
  llvm::install_fatal_error_handler(&OnLLVMFatalError, nullptr);
  llvm::install_bad_alloc_error_handler(&OnOutOfMemory, nullptr);
  std::set_new_handler(&OnNewFailure);
  rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  rlimit memory;
  memory.rlim_cur = memory.rlim_max = static_cast<rlim_t>(memory_mb) << 20;
  setrlimit(RLIMIT_AS, &memory);
  // Without seccomp the limits still hold; the sandbox is a second wall.
  InstallSandbox();

  for (;;) {
    std::vector<std::string> request;
    bool timed_out;
    if (!ReadFrame(fd, &request, 0, &timed_out) || request.size() != 9) {
      return 0;
    }
    LimitCpuFromNow(timeout_ms);
    CompiledObject object;
    llvm::Error error =
        (*compiler_or_err)->Compile(request[5], SpecFrom(request), &object);
    Status status = ToStatus(std::move(error), "compiling");
    std::string flags =
        std::string(object.init ? "i" : "") + (object.fini ? "f" : "");
    if (!WriteFrame(fd, {std::to_string(static_cast<int>(status.code())),
                         status.message(), object.object, flags})) {
      return 0;
    }
  }
}

CompileHelper::CompileHelper(std::string executable, int opt_level,
                             HelperLimits limits)
    : executable_(std::move(executable)),
      opt_level_(opt_level),
      limits_(limits) {}

CompileHelper::~CompileHelper() { Reap(true); }

llvm::Error CompileHelper::Start() {
  if (pid_ > 0) return llvm::Error::success();
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot create the helper's socket");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 3);
  // The server blocks its shutdown signals in every thread; the helper
  // must not inherit that.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = {
      executable_, "--compile_helper_fd=3",
      "--codegen_opt_level=" + std::to_string(opt_level_),
      "--helper_memory_mb=" + std::to_string(limits_.memory_mb),
      "--helper_timeout_ms=" + std::to_string(limits_.timeout_ms)};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int result = posix_spawn(&pid_, executable_.c_str(), &actions, &attributes,
                           argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(fds[1]);
  if (result != 0) {
    ::close(fds[0]);
    pid_ = -1;
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "cannot start the compile helper: " + std::string(strerror(result)));
  }
  fd_ = fds[0];
  return llvm::Error::success();
}

std::string CompileHelper::Reap(bool kill_it) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pid_ <= 0) return "it was not running";
  if (kill_it) ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t pid = pid_;
  pid_ = -1;
  if (waitpid(pid, &status, 0) != pid) return "it vanished";
  if (WIFSIGNALED(status)) {
    return std::string("SIG") + SignalName(WTERMSIG(status));
  }
  return "exit code " + std::to_string(WEXITSTATUS(status));
}

llvm::Error CompileHelper::Compile(llvm::StringRef bytes,
                                   const CompileSpec& spec,
                                   CompiledObject* out) {
  if (auto error = Start()) return error;

  std::string offered;
  for (const std::string& name : spec.offered) offered += name + "\n";
  std::string more_names, more_llvm, more_c;
  for (const auto& [name, signature] : spec.more_functions) {
    more_names += name + "\n";
    more_llvm += signature.llvm + "\n";
    more_c += signature.c + "\n";
  }
  int64_t deadline = NowMillis() + limits_.timeout_ms;
  bool sent =
      WriteFrame(fd_, {spec.function, spec.signature.llvm, spec.signature.c,
                       std::to_string(spec.max_global_bytes), offered,
                       bytes.str(), more_names, more_llvm, more_c});
  std::vector<std::string> reply;
  bool timed_out = false;
  bool answered =
      sent && ReadFrame(fd_, &reply, deadline, &timed_out) && reply.size() == 4;

  if (!answered) {
    std::string ending = Reap(timed_out);
    // Have the next helper ready before the next upload arrives.
    llvm::consumeError(Start());
    if (timed_out || ending == "SIGXCPU" || ending == "SIGKILL") {
      return UnprocessableError("compiling the upload took longer than " +
                                std::to_string(limits_.timeout_ms) +
                                " ms; the compile helper was stopped");
    }
    if (ending == "SIGSYS") {
      return BadInputError(
          "the compile helper was stopped by its sandbox while reading the "
          "upload (it attempted a forbidden system call); the file is "
          "malformed or hostile");
    }
    return BadInputError(
        "reading or compiling the upload crashed the "
        "compile helper (" +
        ending + "); the file is malformed or hostile");
  }

  // The helper exits after a fatal LLVM error or running out of memory.
  if (reply[3].find('x') != std::string::npos) {
    Reap(false);
    llvm::consumeError(Start());
  }
  int code = std::atoi(reply[0].c_str());
  if (code != static_cast<int>(Status::Code::kOk)) {
    return llvm::make_error<UploadError>(static_cast<Status::Code>(code),
                                         reply[1]);
  }
  out->object = std::move(reply[2]);
  out->init = reply[3].find('i') != std::string::npos;
  out->fini = reply[3].find('f') != std::string::npos;
  return llvm::Error::success();
}

}  // namespace ru
