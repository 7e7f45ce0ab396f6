// Named points on the write path where an operator's test rig can make the
// process die as abruptly as a power cut would (SIGKILL, no cleanup), to
// prove that the state directory survives it. Off unless armed.

#ifndef RUNTIME_UPDATER_JIT_FAULT_INJECTION_H_
#define RUNTIME_UPDATER_JIT_FAULT_INJECTION_H_

#include <string>

namespace ru {

// Arms the point `spec`: "NAME" kills the process the first time NAME is
// reached, "NAME:N" the N-th time. An empty spec disarms.
void ArmFaultPoint(const std::string& spec);

// Kills the process with SIGKILL if `name` is the armed point and its count
// is reached.
void FaultPoint(const char* name);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_FAULT_INJECTION_H_
