// Read-side marking of calls into uploaded machine code, so that old code
// is freed only after every call that might still be running it has
// returned. Built on userspace RCU (liburcu, memory-barrier flavour), whose
// read side costs a few nanoseconds and takes no shared lock.
//
// A thread wraps each call in a CodeReadSection. The thread that frees
// code first switches the stubs away from it, then calls
// WaitForCodeReaders(), which returns once every section that began before
// it has ended; no later call can reach the old code.

#ifndef RUNTIME_UPDATER_JIT_CODE_EPOCH_H_
#define RUNTIME_UPDATER_JIT_CODE_EPOCH_H_

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include <urcu/urcu-memb.h>

namespace ru {

// Registers the calling thread with RCU once; it is unregistered when the
// thread exits.
void RegisterCodeReaderThread();

// Blocks until every CodeReadSection that was open when it was called has
// ended. Must not be called inside a CodeReadSection.
void WaitForCodeReaders();

class CodeReadSection {
 public:
  CodeReadSection() {
    RegisterCodeReaderThread();
    urcu_memb_read_lock();
  }
  ~CodeReadSection() { urcu_memb_read_unlock(); }

  CodeReadSection(const CodeReadSection&) = delete;
  CodeReadSection& operator=(const CodeReadSection&) = delete;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_CODE_EPOCH_H_
