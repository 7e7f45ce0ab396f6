#include "jit/code_epoch.h"

namespace ru {
namespace {

struct ThreadRegistration {
  ThreadRegistration() { urcu_memb_register_thread(); }
  ~ThreadRegistration() { urcu_memb_unregister_thread(); }
};

}  // namespace

void RegisterCodeReaderThread() {
  thread_local ThreadRegistration registration;
  (void)registration;
}

void WaitForCodeReaders() { urcu_memb_synchronize_rcu(); }

}  // namespace ru
