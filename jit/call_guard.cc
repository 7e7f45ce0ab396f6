#include "jit/call_guard.h"

#include <cxxabi.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "jit/code_map.h"

namespace ru {
namespace {

constexpr size_t kAltStackBytes = 64 * 1024;
// Faults this far below a thread's stack are taken for a stack overflow.
constexpr uintptr_t kOverflowZone = 1 << 20;
constexpr size_t kCushionBytes = 1024;

int TimeoutSignal() { return SIGRTMIN + 4; }

int64_t NowNanos() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000000000LL + now.tv_nsec;
}

// Per-thread state of the guard. Fields read by the signal handler are
// plain or atomic scalars written before the handler can run.
struct ThreadGuard {
  // Where a contained fault or timeout resumes: the compiler's own
  // setjmp buffer (frame pointer, resume address, stack pointer). It saves
  // no signal mask, which the handlers do not need (they run with
  // SA_NODEFER), and costs a few stores instead of sigsetjmp's pointer
  // mangling and register saves.
  void* resume[5] = {};
  volatile sig_atomic_t active = 0;
  volatile sig_atomic_t reading_upload_memory = 0;
  // What the handler saw before jumping back.
  volatile sig_atomic_t jump_kind = 0;  // 1: crash, 2: timeout.
  int signal = 0;
  uintptr_t pc = 0;
  uintptr_t fault_address = 0;
  bool tag_known = false;
  uint64_t tag = 0;
  bool stack_overflow = false;
  const char* why = nullptr;  // Set by FailUploadCall instead of a signal.
  GuardOutcome* outcome = nullptr;  // Of the call in progress.

  uintptr_t stack_low = 0;
  pthread_t thread;
  void* alt_stack = nullptr;

  // Shared with the watchdog.
  // Written only by the owning thread: a call's number, and whether it is
  // in one. The watchdog times calls itself, so a call costs no clock read.
  std::atomic<bool> in_call{false};
  std::atomic<uint64_t> call_id{0};
  std::atomic<uint64_t> timeout_for_call{0};
  std::atomic<uint64_t> refused_call{0};
  uint64_t reported_call = 0;  // Watchdog only.
  uint64_t watched_call = 0;   // Watchdog only: the call it is timing,
  int64_t watched_since = 0;   // and when it first saw it.
};

const CodeMap* code_map = nullptr;
// The handlers installed before ours, by signal number.
struct sigaction previous_actions[NSIG];
int64_t timeout_nanos = 0;
void (*unsafe_reporter)(const char*) = nullptr;
bool misuse_ends_process = false;

// The executable segments of the program and of every shared library
// loaded when the guard was installed. A faulting instruction outside all
// of them and outside uploaded code is no code at all: the thread got
// there by a jump through a bad pointer or a return to a smashed address,
// and inside a guarded call that is the upload's doing.
struct ImageRange {
  uintptr_t begin;
  uintptr_t end;
  // The C++ library: uploads call its std::string and exception members
  // directly, with pointers of their own, so a fault there inside a
  // guarded call is the upload's. Those members take no lock (the
  // exception runtime's emergency pool, which does, serves only when
  // malloc fails), and the server's own code that runs inside a guarded
  // call (the ru_ functions) hands the library no pointer of the upload's.
  bool cxx_library;
};
constexpr int kMaxImageRanges = 1024;
ImageRange image_ranges[kMaxImageRanges];
int image_range_count = 0;
// False when there were more segments than fit: then no instruction is
// taken for a wild jump.
bool image_ranges_complete = true;

int AddImageRanges(dl_phdr_info* info, size_t, void*) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD || (segment.p_flags & PF_X) == 0) continue;
    if (image_range_count == kMaxImageRanges) {
      image_ranges_complete = false;
      return 1;
    }
    uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
    bool cxx_library = info->dlpi_name != nullptr &&
                       std::strstr(info->dlpi_name, "/libstdc++.so") != nullptr;
    image_ranges[image_range_count++] = {begin, begin + segment.p_memsz,
                                         cxx_library};
  }
  return 0;
}

// The executable segment `pc` lies in, or null when it lies in none the
// guard knows of. Libraries loaded after the guard was installed are not
// known; a fault in them during a guarded call is taken for the upload's.
// The server loads none at run time.
const ImageRange* ImageOf(uintptr_t pc) {
  for (int i = 0; i < image_range_count; ++i) {
    if (pc >= image_ranges[i].begin && pc < image_ranges[i].end) {
      return &image_ranges[i];
    }
  }
  return nullptr;
}

std::mutex threads_mutex;
std::vector<ThreadGuard*>* threads = new std::vector<ThreadGuard*>();

thread_local ThreadGuard* current = nullptr;

void Unregister(ThreadGuard* guard) {
  {
    std::lock_guard<std::mutex> lock(threads_mutex);
    threads->erase(std::remove(threads->begin(), threads->end(), guard),
                   threads->end());
  }
  stack_t disable = {};
  disable.ss_flags = SS_DISABLE;
  sigaltstack(&disable, nullptr);
  munmap(guard->alt_stack, kAltStackBytes);
  delete guard;
}

struct ThreadGuardOwner {
  ~ThreadGuardOwner() {
    if (current != nullptr) Unregister(current);
    current = nullptr;
  }
};

ThreadGuard* CurrentGuard() {
  if (current != nullptr) return current;
  thread_local ThreadGuardOwner owner;
  (void)owner;

  auto* guard = new ThreadGuard();
  guard->thread = pthread_self();
  guard->alt_stack = mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  stack_t alt = {};
  alt.ss_sp = guard->alt_stack;
  alt.ss_size = kAltStackBytes;
  sigaltstack(&alt, nullptr);

  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* low = nullptr;
    size_t size = 0;
    pthread_attr_getstack(&attr, &low, &size);
    guard->stack_low = reinterpret_cast<uintptr_t>(low);
    pthread_attr_destroy(&attr);
  }
  {
    std::lock_guard<std::mutex> lock(threads_mutex);
    threads->push_back(guard);
  }
  current = guard;
  return guard;
}

uintptr_t ProgramCounter(void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
}

void OnFault(int signal, siginfo_t* info, void* context) {
  ThreadGuard* guard = current;
  uintptr_t pc = ProgramCounter(context);
  uintptr_t address = reinterpret_cast<uintptr_t>(info->si_addr);
  if (guard != nullptr && guard->active) {
    uint64_t tag = 0;
    bool in_upload = code_map != nullptr && code_map->Lookup(pc, &tag);
    bool overflow = signal == SIGSEGV && guard->stack_low != 0 &&
                    address < guard->stack_low + 4096 &&
                    address + kOverflowZone > guard->stack_low;
    const ImageRange* image = in_upload ? nullptr : ImageOf(pc);
    bool wild = !in_upload && image == nullptr && image_ranges_complete;
    bool cxx_library = image != nullptr && image->cxx_library;
    if (in_upload || wild || cxx_library || guard->reading_upload_memory ||
        overflow) {
      guard->active = 0;
      guard->signal = signal;
      guard->pc = pc;
      guard->fault_address = address;
      guard->tag_known = in_upload;
      guard->tag = tag;
      guard->stack_overflow = overflow;
      guard->jump_kind = 1;
      __builtin_longjmp(guard->resume, 1);
    }
  }
  // Not a fault of uploaded code: whoever handled it before us (a
  // crash reporter, a fuzzer) gets it, else the default action ends the
  // process when the faulting instruction runs again.
  const struct sigaction& previous = previous_actions[signal];
  if ((previous.sa_flags & SA_SIGINFO) != 0 &&
      previous.sa_sigaction != nullptr) {
    previous.sa_sigaction(signal, info, context);
    return;
  }
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN &&
      previous.sa_handler != nullptr) {
    previous.sa_handler(signal);
    return;
  }
  struct sigaction fallback = {};
  fallback.sa_handler = SIG_DFL;
  sigaction(signal, &fallback, nullptr);
  if (info->si_code <= 0) raise(signal);
}

void OnTimeout(int, siginfo_t*, void* context) {
  ThreadGuard* guard = current;
  if (guard == nullptr || !guard->active) return;
  uint64_t call = guard->call_id.load(std::memory_order_relaxed);
  if (guard->timeout_for_call.load(std::memory_order_relaxed) != call) return;
  uintptr_t pc = ProgramCounter(context);
  uint64_t tag = 0;
  if (code_map == nullptr || !code_map->Lookup(pc, &tag)) {
    // Inside the C library or the server: jumping out could leave a lock
    // held. Let the call go on; the watchdog tries again.
    guard->refused_call.store(call, std::memory_order_relaxed);
    return;
  }
  guard->active = 0;
  guard->signal = 0;
  guard->pc = pc;
  guard->tag_known = true;
  guard->tag = tag;
  guard->jump_kind = 2;
  __builtin_longjmp(guard->resume, 1);
}

void RunWatchdog() {
  int64_t period =
      std::clamp<int64_t>(timeout_nanos / 10, 10000000LL, 100000000LL);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(period));
    int64_t now = NowNanos();
    std::lock_guard<std::mutex> lock(threads_mutex);
    for (ThreadGuard* guard : *threads) {
      // A call is timed from the first tick that sees it, so the limit is
      // exceeded by up to one period before it is enforced.
      if (!guard->in_call.load(std::memory_order_acquire)) {
        guard->watched_call = 0;
        continue;
      }
      uint64_t call = guard->call_id.load(std::memory_order_relaxed);
      if (call != guard->watched_call) {
        guard->watched_call = call;
        guard->watched_since = now;
        continue;
      }
      if (now - guard->watched_since < timeout_nanos) continue;
      guard->timeout_for_call.store(call, std::memory_order_relaxed);
      pthread_kill(guard->thread, TimeoutSignal());
      if (guard->refused_call.load(std::memory_order_relaxed) == call &&
          guard->reported_call != call && unsafe_reporter != nullptr) {
        guard->reported_call = call;
        unsafe_reporter(
            "a call of uploaded code is past its time limit but is inside "
            "the C library or the server, where interrupting it is unsafe; "
            "letting it finish");
      }
    }
  }
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
  }
  return "signal";
}

}  // namespace

namespace {

// The C++ library calls std::terminate itself when an upload's exception
// cannot be handled (no memory to allocate it, a rethrow with nothing
// caught, a throw during unwinding); inside a guarded call that ends the
// call, elsewhere the handler that was installed before runs.
std::terminate_handler previous_terminate = nullptr;

const char kTerminated[] =
    "called std::terminate (an exception left a noexcept function, or the "
    "C++ runtime could not handle one)";

// The C++ runtime marks the exception it gives up on as caught before it
// calls std::terminate; leaving by a jump would keep it on this thread's
// list of caught exceptions for good, so those catches are ended first.
// Calls of uploaded code never start inside a catch block of the server,
// so every such catch is the upload's.
void EndUploadCatches() {
  if (current == nullptr || !current->active) return;
  while (abi::__cxa_current_exception_type() != nullptr) {
    abi::__cxa_end_catch();
  }
}

[[noreturn]] void OnTerminate() {
  EndUploadCatches();
  FailUploadCall(kTerminated);
  if (previous_terminate != nullptr) previous_terminate();
  std::abort();
}

}  // namespace

void InstallCallGuard(const CodeMap* map, int64_t timeout_ms) {
  code_map = map;
  if (previous_terminate == nullptr) {
    previous_terminate = std::set_terminate(&OnTerminate);
  }
  if (image_range_count == 0) dl_iterate_phdr(&AddImageRanges, nullptr);
  timeout_nanos = timeout_ms * 1000000LL;

  struct sigaction action = {};
  action.sa_sigaction = &OnFault;
  // SA_NODEFER: the handler leaves by a longjmp that does not restore the
  // signal mask, so the signal must not stay blocked.
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  static bool saved = false;
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    sigaction(signal, &action, saved ? nullptr : &previous_actions[signal]);
  }
  saved = true;
  action.sa_sigaction = &OnTimeout;
  sigaction(TimeoutSignal(), &action, nullptr);

  if (timeout_ms > 0) std::thread(&RunWatchdog).detach();
}

void SetUnsafeInterruptReporter(void (*report)(const char* message)) {
  unsafe_reporter = report;
}

namespace {

// Runs `call(context)` under the guard of this thread.
int RunGuarded(int (*call)(void*), void* context, GuardOutcome* outcome) {
  ThreadGuard* guard = CurrentGuard();
  // Only this thread writes call_id: no read-modify-write needed.
  guard->call_id.store(guard->call_id.load(std::memory_order_relaxed) + 1,
                       std::memory_order_relaxed);
  guard->jump_kind = 0;
  guard->stack_overflow = false;
  guard->why = nullptr;
  guard->outcome = outcome;
  guard->in_call.store(true, std::memory_order_release);
  volatile int result = -1;
  // Room between this frame and the upload's: a buffer overrun in the
  // upload's outermost frame runs into this instead of this frame's own
  // state. Whatever of that state a larger overrun may still have hit is
  // not trusted after a jump back: it is read again from the thread's
  // guard.
  volatile char* cushion =
      static_cast<volatile char*>(__builtin_alloca(kCushionBytes));
  cushion[0] = 0;

  if (__builtin_setjmp(guard->resume) == 0) {
    guard->active = 1;
    try {
      result = call(context);
    } catch (const std::exception& e) {
      outcome->kind = GuardOutcome::Kind::kThrew;
      outcome->detail = e.what();
    } catch (...) {
      outcome->kind = GuardOutcome::Kind::kThrew;
    }
    guard->active = 0;
  } else {
    // Back from the signal handler, or from FailUploadCall.
    guard = current;
    outcome = guard->outcome;
    outcome->kind = guard->jump_kind == 2 ? GuardOutcome::Kind::kTimedOut
                                          : GuardOutcome::Kind::kCrashed;
    outcome->signal = guard->signal;
    outcome->pc = guard->pc;
    outcome->fault_address = guard->fault_address;
    outcome->tag_known = guard->tag_known;
    outcome->tag = guard->tag;
    outcome->stack_overflow = guard->stack_overflow;
    if (guard->why != nullptr) outcome->detail = guard->why;
    result = -1;
  }
  guard->reading_upload_memory = 0;
  guard->in_call.store(false, std::memory_order_release);
  return result;
}

struct EndpointCall {
  int (*fn)(const ru_args*, ru_json*);
  const ru_args* args;
  ru_json* out;
};

int CallEndpoint(void* context) {
  auto* call = static_cast<EndpointCall*>(context);
  return call->fn(call->args, call->out);
}

struct VoidCall {
  void (*fn)(void*);
  void* arg;
};

int CallVoid(void* context) {
  auto* call = static_cast<VoidCall*>(context);
  call->fn(call->arg);
  return 0;
}

}  // namespace

int GuardedEndpointCall(int (*fn)(const ru_args*, ru_json*),
                        const ru_args* args, ru_json* out,
                        GuardOutcome* outcome) {
  EndpointCall call{fn, args, out};
  return RunGuarded(&CallEndpoint, &call, outcome);
}

bool GuardedVoidCall(void (*fn)(void*), void* arg, GuardOutcome* outcome) {
  VoidCall call{fn, arg};
  RunGuarded(&CallVoid, &call, outcome);
  return outcome->kind == GuardOutcome::Kind::kReturned;
}

extern "C" void RuTerminate() {
  EndUploadCatches();
  FailUploadCall(kTerminated);
  // Outside a guarded call, as std::terminate would: end the process.
  __builtin_trap();
}

extern "C" void RuStackSmashed() {
  FailUploadCall(
      "overflowed a buffer on its stack (the stack protector caught it on "
      "return)");
  __builtin_trap();
}

UploadMemoryScope::UploadMemoryScope() {
  ThreadGuard* guard = current;
  if (guard == nullptr) return;
  previous_ = guard->reading_upload_memory;
  guard->reading_upload_memory = 1;
}

UploadMemoryScope::~UploadMemoryScope() {
  ThreadGuard* guard = current;
  if (guard != nullptr) guard->reading_upload_memory = previous_;
}

size_t UploadStrlen(const char* text) {
  UploadMemoryScope scope;
  return std::strlen(text);
}

void EndProcessOnUploadMisuse() { misuse_ends_process = true; }

void FailUploadCall(const char* why) {
  ThreadGuard* guard = current;
  if (guard == nullptr || !guard->active) {
    if (misuse_ends_process) abort();
    return;
  }
  guard->active = 0;
  guard->signal = 0;
  guard->pc = 0;
  guard->fault_address = 0;
  guard->tag_known = false;
  guard->why = why;
  guard->jump_kind = 1;
  __builtin_longjmp(guard->resume, 1);
}

std::string DescribeSignal(const GuardOutcome& outcome) {
  if (outcome.signal == 0 && !outcome.detail.empty()) return outcome.detail;
  char text[160];
  switch (outcome.signal) {
    case SIGSEGV:
    case SIGBUS:
      if (outcome.stack_overflow) {
        std::snprintf(text, sizeof(text), "%s (stack overflow at 0x%lx)",
                      SignalName(outcome.signal),
                      static_cast<unsigned long>(outcome.fault_address));
        break;
      }
      std::snprintf(text, sizeof(text), "%s (invalid memory access at 0x%lx)",
                    SignalName(outcome.signal),
                    static_cast<unsigned long>(outcome.fault_address));
      break;
    case SIGFPE:
      std::snprintf(text, sizeof(text),
                    "SIGFPE (arithmetic error such as division by zero)");
      break;
    case SIGILL:
      std::snprintf(text, sizeof(text), "SIGILL (illegal instruction)");
      break;
    default:
      std::snprintf(text, sizeof(text), "%s %d", SignalName(outcome.signal),
                    outcome.signal);
  }
  return text;
}

}  // namespace ru

namespace ru {

std::string DescribeOutcome(const GuardOutcome& outcome) {
  switch (outcome.kind) {
    case GuardOutcome::Kind::kReturned:
      return "returned";
    case GuardOutcome::Kind::kCrashed:
      return "crashed: " + DescribeSignal(outcome);
    case GuardOutcome::Kind::kTimedOut:
      return "ran past its time limit and was interrupted";
    case GuardOutcome::Kind::kThrew:
      return "threw a C++ exception" +
             (outcome.detail.empty() ? "" : ": " + outcome.detail);
  }
  return "failed";
}

}  // namespace ru
