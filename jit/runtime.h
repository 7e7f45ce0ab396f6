// Runtime: the public face of jit/. It holds the table of updatable
// functions, each reached through an indirect stub, compiles uploads into
// new versions of them and calls them on behalf of requests. Nothing of
// LLVM shows through this header.
//
// Thread safety: every method may be called from any thread. Calls run
// concurrently with each other and with updates; updates are applied one
// at a time. A call that is running when an update lands finishes in the
// version it started in, and that version's machine code is freed only
// after the call has returned.

#ifndef RUNTIME_UPDATER_JIT_RUNTIME_H_
#define RUNTIME_UPDATER_JIT_RUNTIME_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jit/status.h"

namespace ru {

// Query parameters, decoded, in request order, repeats included.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct RuntimeOptions {
  // LLVM code generation level, 0 (none) to 3 (aggressive).
  int codegen_opt_level = 2;
  // The most bytes the global variables of one upload may occupy.
  uint64_t max_global_bytes = 4 << 20;
  // How many versions of each function keep their machine code loaded.
  int resident_versions = 4;
  // Symbols offered to uploads on top of the curated list.
  std::vector<std::string> extra_symbols;
};

struct UpdateResult {
  std::string function;
  int version = 0;
  std::string sha256;  // Lower-case hex of the uploaded bytes.
  double compile_ms = 0;
};

struct EndpointResult {
  bool ok = false;
  std::string body;   // JSON text when ok.
  std::string error;  // Why not, when not ok.
  int version = 0;    // The version that answered; 0 is the built-in one.
};

class Runtime {
 public:
  // Sets up the JIT and the built-in functions foobar and
  // function_for_foobar_to_call.
  static Status Create(const RuntimeOptions& options,
                       std::unique_ptr<Runtime>* runtime);

  ~Runtime();

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Names of the updatable functions, sorted.
  std::vector<std::string> FunctionNames() const;

  // Compiles `bytes` (bitcode or textual IR) as a new version of `function`
  // and makes it live. On any error the live version is unchanged:
  // kNotFound for an unknown function, kBadInput for bytes that cannot be
  // read, kUnprocessable for a module that fails a check or does not
  // compile.
  Status Update(const std::string& function, std::string_view bytes,
                UpdateResult* result);

  // Calls the endpoint function `function`, of type
  // int (const ru_args *, ru_json *), with `params`. kNotFound if there is
  // no such endpoint; otherwise OK, with the call's own outcome in
  // `result`.
  Status CallEndpoint(const std::string& function, QueryParams params,
                      EndpointResult* result);

 private:
  class Impl;
  explicit Runtime(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_RUNTIME_H_
