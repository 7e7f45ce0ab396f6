// The checks an uploaded module must pass before any machine code is made
// from it. Each failure is a kUnprocessable UploadError whose message names
// the cause. Some inputs are known to make LLVM end the process during code
// generation (invalid IR, bad inline assembly, intrinsics of other targets),
// so these checks run before the module reaches the JIT.

#ifndef RUNTIME_UPDATER_JIT_MODULE_CHECKER_H_
#define RUNTIME_UPDATER_JIT_MODULE_CHECKER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"

namespace ru {

// The C type of an updatable function, in two spellings: LLVM's canonical
// one ("i32(ptr,ptr)", as DescribeLLVMType prints it) for comparison, and
// C's for messages.
struct FunctionSignature {
  std::string llvm;
  std::string c;
};

// "i32(ptr,ptr)": return type, then parameter types, "..." for varargs.
std::string DescribeLLVMType(llvm::FunctionType* type);
// The same type as C would spell it, as far as LLVM types allow:
// "double (double)", "int (pointer, pointer)".
std::string DescribeCType(llvm::FunctionType* type);

struct ModuleRequirements {
  // The function the module must define, and its type.
  std::string function;
  FunctionSignature signature;
  // More functions it must define, when several are updated together.
  std::vector<std::pair<std::string, FunctionSignature>> more_functions;
  // The server's target; modules for another architecture or OS are
  // rejected, modules that match are given exactly this triple and layout.
  llvm::Triple triple;
  llvm::DataLayout data_layout{""};
  // Whether the server offers a symbol the module leaves undefined.
  std::function<bool(llvm::StringRef)> is_offered;
  // The most bytes all global variables together may occupy.
  uint64_t max_global_bytes = 0;
};

// Checks `module` against `requirements`, in this order: the verifier, the
// target, inline assembly, intrinsics, the function and its type, undefined
// symbols, global sizes. Adapts the module's triple and data layout to the
// server's on success.
llvm::Error CheckModule(llvm::Module& module,
                        const ModuleRequirements& requirements);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_MODULE_CHECKER_H_
