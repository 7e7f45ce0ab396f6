// The guard around every call into uploaded code. A fault in uploaded code
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, a stack overflow) or a call that runs
// past its time limit ends that call, not the process: the signal handler
// jumps back to the guard, which reports what happened. Faults anywhere
// else take the default action and end the process, as they should.
//
// How it works: each thread that calls uploaded code gets an alternate
// signal stack (so a stack overflow can still be handled) and a jump
// buffer. The handler checks that the thread is inside a guarded call and
// that the faulting instruction lies in uploaded code (CodeMap), in no code
// at all (a jump through a bad pointer), or in the C++ library (whose
// string and exception members uploads call with pointers of their own),
// before it jumps. A watchdog
// thread interrupts calls past the limit with a signal of its own; the handler
// ends the call only when the thread is executing uploaded code at that moment,
// never inside the C library or the server.

#ifndef RUNTIME_UPDATER_JIT_CALL_GUARD_H_
#define RUNTIME_UPDATER_JIT_CALL_GUARD_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "jit/updateable.h"

namespace ru {

class CodeMap;

struct GuardOutcome {
  enum class Kind { kReturned, kCrashed, kTimedOut, kThrew };
  Kind kind = Kind::kReturned;
  int signal = 0;
  uintptr_t pc = 0;
  uintptr_t fault_address = 0;
  bool stack_overflow = false;
  // The code map's tag of the module the instruction belonged to, when it
  // lay in uploaded code.
  bool tag_known = false;
  uint64_t tag = 0;
  // For kThrew: what was thrown, if known. For kCrashed with signal 0:
  // the misuse FailUploadCall was told of.
  std::string detail;
};

// Installs the process-wide signal handlers and starts the watchdog, which
// interrupts calls running longer than `timeout_ms` (0: never). Call once,
// before any guarded call; `code_map` must live as long as the process.
void InstallCallGuard(const CodeMap* code_map, int64_t timeout_ms);

// Calls `fn(args, out)` under the guard and returns its result; when the
// call does not return normally, returns -1 and says why in `*outcome`.
int GuardedEndpointCall(int (*fn)(const ru_args*, ru_json*),
                        const ru_args* args, ru_json* out,
                        GuardOutcome* outcome);

// Calls `fn(arg)` under the guard (for static constructors and
// destructors of uploads). Returns false, saying why in `*outcome`, when
// the call did not return normally.
bool GuardedVoidCall(void (*fn)(void*), void* arg, GuardOutcome* outcome);

// The std::terminate offered to uploads (reached when an exception leaves
// a noexcept function): ends the guarded call as a crash of the upload
// instead of ending the process.
extern "C" [[noreturn]] void RuTerminate();

// The __stack_chk_fail offered to uploads (reached when a function of the
// upload finds its stack canary overwritten on return): ends the guarded
// call as a crash of the upload before the damaged frame is returned to.
extern "C" [[noreturn]] void RuStackSmashed();

// Tells the guard, for the scope's lifetime, that the calling thread works
// on memory through pointers that uploaded code handed over: a fault inside
// the scope ends the guarded call as the upload's crash. Only for code that
// takes no lock and keeps no state a jump out of its middle would leave
// broken, such as the C library's string and memory functions.
class UploadMemoryScope {
 public:
  UploadMemoryScope();
  ~UploadMemoryScope();

  UploadMemoryScope(const UploadMemoryScope&) = delete;
  UploadMemoryScope& operator=(const UploadMemoryScope&) = delete;

 private:
  int previous_ = 0;
};

// Ends the calling thread's guarded call as a fault of the upload, as if it
// had crashed, described by `why` (which must live as long as the process).
// For misuse the server detects before it can do harm, such as freeing a
// pointer no allocation returned. Outside a guarded call it returns,
// doing nothing, or aborts the process after EndProcessOnUploadMisuse.
void FailUploadCall(const char* why);

// For a process that runs uploaded code unguarded in order to see whether
// it fails (the trial run's child): misuse outside a guarded call ends
// the process, as a crash would.
void EndProcessOnUploadMisuse();

// strlen for a string whose pointer came from uploaded code: a bad pointer
// ends the guarded call as a crash instead of the process.
size_t UploadStrlen(const char* text);

// "SIGSEGV (invalid memory access at 0x0)" and the like.
std::string DescribeSignal(const GuardOutcome& outcome);
// How a call that did not return ended: "crashed: SIGSEGV (...)", "ran
// past its time limit", "threw a C++ exception: ...".
std::string DescribeOutcome(const GuardOutcome& outcome);

// Called by the watchdog, from its own thread, once per call it could not
// interrupt safely; for the server's log.
void SetUnsafeInterruptReporter(void (*report)(const char* message));

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_CALL_GUARD_H_
