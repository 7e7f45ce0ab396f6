// The destructors that uploaded C++ code registers for its static objects
// (through __cxa_atexit, which the server offers as this registry), kept
// per module so that they run when that version is dropped, not when the
// process exits.

#ifndef RUNTIME_UPDATER_JIT_STATIC_DESTRUCTORS_H_
#define RUNTIME_UPDATER_JIT_STATIC_DESTRUCTORS_H_

#include <utility>
#include <vector>

namespace ru {

using Destructor = std::pair<void (*)(void*), void*>;

// The __cxa_atexit offered to uploads: records `fn(arg)` under `dso`.
extern "C" int RuRegisterStaticDestructor(void (*fn)(void*), void* arg,
                                          void* dso);

// Removes and returns the destructors registered under `dso`, in the order
// they must run (reverse of registration).
std::vector<Destructor> TakeStaticDestructors(void* dso);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_STATIC_DESTRUCTORS_H_
