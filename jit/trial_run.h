// The trial run: before a new version goes live, it is called once in a
// short-lived child process (a fork of the server, so it sees the same
// code and data), with the parameters of the upload's probe. A crash or a
// timeout in the child rejects the upload; what the function returns does
// not. The server itself never runs the new code before it passes.

#ifndef RUNTIME_UPDATER_JIT_TRIAL_RUN_H_
#define RUNTIME_UPDATER_JIT_TRIAL_RUN_H_

#include <cstdint>

#include "jit/engine.h"
#include "jit/runtime.h"
#include "jit/status.h"

namespace ru {

// Calls the function `symbol` of `code` with `params` in a child process
// (an endpoint; or a value function, int64_t (void), when `endpoint` is
// false), then runs the module's static destructors there too, as the
// server would when the version is dropped. kUnprocessable naming the
// signal, or the timeout, when the child does not finish cleanly within
// `timeout_ms`.
Status TrialRun(const LoadedCode& code, bool endpoint,
                const QueryParams& params, int64_t timeout_ms);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_TRIAL_RUN_H_
