#include "jit/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace ru {
namespace {

// Set once at start-up, before any thread reaches a point.
std::string armed_name;
std::atomic<long> remaining{0};

}  // namespace

void ArmFaultPoint(const std::string& spec) {
  size_t colon = spec.rfind(':');
  armed_name = spec.substr(0, colon);
  long count = colon == std::string::npos
                   ? 1
                   : std::strtol(spec.c_str() + colon + 1, nullptr, 10);
  remaining.store(spec.empty() ? 0 : (count > 0 ? count : 1));
}

void FaultPoint(const char* name) {
  if (remaining.load(std::memory_order_relaxed) <= 0 || armed_name != name) {
    return;
  }
  if (remaining.fetch_sub(1) == 1) ::kill(::getpid(), SIGKILL);
}

}  // namespace ru
