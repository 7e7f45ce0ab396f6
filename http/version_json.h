// JSON encodings of the runtime's answers about versions, shared by the
// routes that report them.

#ifndef RUNTIME_UPDATER_HTTP_VERSION_JSON_H_
#define RUNTIME_UPDATER_HTTP_VERSION_JSON_H_

#include <string>
#include <vector>

#include "jit/runtime.h"

namespace ru {

// {"functions": [<function>, ...]}
std::string FunctionsJson(const std::vector<FunctionInfo>& functions);
// {"name": ..., "type": ..., "live_version": N, "versions": [...]}
std::string FunctionJson(const FunctionInfo& function);
std::string UpdateJson(const UpdateResult& result);
std::string RollbackJson(const RollbackResult& result);

}  // namespace ru

#endif  // RUNTIME_UPDATER_HTTP_VERSION_JSON_H_
