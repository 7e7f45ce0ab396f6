// Turning an upload into an object file: read it, check it (see
// module_checker.h), make its static constructors explicit, and generate
// machine code. The result is a relocatable ELF object that the engine
// links; ORC itself never sees the upload's IR.
//
// UploadCompiler is the interface the runtime uses; ObjectCompiler does
// the work in the calling process, CompileHelper (compile_helper.h) in a
// separate, limited process.

#ifndef RUNTIME_UPDATER_JIT_OBJECT_COMPILER_H_
#define RUNTIME_UPDATER_JIT_OBJECT_COMPILER_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jit/module_checker.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

namespace ru {

// What an upload must be compiled against.
struct CompileSpec {
  std::string function;
  FunctionSignature signature;
  // More functions the module must define (an update of several).
  std::vector<std::pair<std::string, FunctionSignature>> more_functions;
  uint64_t max_global_bytes = 0;
  std::set<std::string> offered;  // Names the module may leave undefined.
};

struct CompiledObject {
  std::string object;  // A relocatable ELF object.
  bool init = false;   // It defines __ru_module_init.
  bool fini = false;   // It defines __ru_module_fini.
};

class UploadCompiler {
 public:
  virtual ~UploadCompiler() = default;
  // Fails with an UploadError whose code says whose fault it is.
  virtual llvm::Error Compile(llvm::StringRef bytes, const CompileSpec& spec,
                              CompiledObject* out) = 0;
};

class ObjectCompiler : public UploadCompiler {
 public:
  // A compiler for this machine at LLVM code generation level `opt_level`
  // (0 to 3).
  static llvm::Expected<std::unique_ptr<ObjectCompiler>> Create(int opt_level);

  llvm::Error Compile(llvm::StringRef bytes, const CompileSpec& spec,
                      CompiledObject* out) override;

 private:
  explicit ObjectCompiler(std::unique_ptr<llvm::TargetMachine> machine)
      : machine_(std::move(machine)) {}

  std::unique_ptr<llvm::TargetMachine> machine_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_OBJECT_COMPILER_H_
