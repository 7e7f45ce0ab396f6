#include "jit/object_compiler.h"

#include <algorithm>

#include "jit/client_text.h"
#include "jit/initializer_lowering.h"
#include "jit/offered_symbols.h"
#include "jit/upload_error.h"
#include "jit/upload_reader.h"
#include "llvm/ExecutionEngine/Orc/CompileUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/TargetSelect.h"

namespace ru {
namespace {

// Makes every function of the upload touch its stack a page at a time as
// it grows it, whatever the upload's own attributes say. Without probes a
// frame or a variable-length array larger than the guard page below a
// thread's stack steps over it, into whatever lies below (often another
// thread's stack), instead of faulting there as a stack overflow. Also
// puts a canary in every frame with an array or an address-taken local,
// checked on return, so that a local buffer overrun is caught before the
// damaged frame returns into the server.
void RequireStackProbes(llvm::Module& module) {
  for (llvm::Function& function : module) {
    if (function.isDeclaration()) continue;
    function.removeFnAttr("no-stack-arg-probe");
    function.addFnAttr("probe-stack", "inline-asm");
    function.addFnAttr("stack-probe-size", "4096");
    if (!function.hasFnAttribute(llvm::Attribute::StackProtectReq)) {
      function.removeFnAttr(llvm::Attribute::StackProtect);
      // A safe stack would move the buffers the canary guards elsewhere.
      function.removeFnAttr(llvm::Attribute::SafeStack);
      function.addFnAttr(llvm::Attribute::StackProtectStrong);
    }
  }
}

}  // namespace

llvm::Expected<std::unique_ptr<ObjectCompiler>> ObjectCompiler::Create(
    int opt_level) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto builder_or_err = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder_or_err) return builder_or_err.takeError();
  builder_or_err->setCodeGenOptLevel(
      static_cast<llvm::CodeGenOptLevel>(std::clamp(opt_level, 0, 3)));
  // Thread-local variables of uploads go through __emutls_get_address,
  // which needs no support from a JIT platform runtime.
  builder_or_err->getOptions().EmulatedTLS = true;
  auto machine_or_err = builder_or_err->createTargetMachine();
  if (!machine_or_err) return machine_or_err.takeError();
  return std::unique_ptr<ObjectCompiler>(
      new ObjectCompiler(std::move(*machine_or_err)));
}

llvm::Error ObjectCompiler::Compile(llvm::StringRef bytes,
                                    const CompileSpec& spec,
                                    CompiledObject* out) {
  llvm::LLVMContext context;
  auto diagnostics = std::make_shared<std::string>();
  CaptureDiagnostics(context, diagnostics);
  auto module_or_err = ReadUpload(bytes, context);
  if (!module_or_err) return module_or_err.takeError();
  llvm::Module& module = **module_or_err;

  ModuleRequirements requirements;
  requirements.function = spec.function;
  requirements.signature = spec.signature;
  requirements.more_functions = spec.more_functions;
  requirements.triple = machine_->getTargetTriple();
  requirements.data_layout = machine_->createDataLayout();
  requirements.is_offered = [&spec](llvm::StringRef name) {
    return spec.offered.count(name.str()) > 0 ||
           IsOfferedLibraryPattern(name.str());
  };
  requirements.max_global_bytes = spec.max_global_bytes;
  if (auto error = CheckModule(module, requirements)) return error;

  LoweredInitializers lowered = LowerInitializers(module);
  RequireStackProbes(module);
  llvm::orc::SimpleCompiler compile(*machine_);
  auto object_or_err = compile(module);
  if (!object_or_err) {
    return UnprocessableError(
        "code generation failed: " +
        SanitizeForClient(llvm::toString(object_or_err.takeError())));
  }
  if (!diagnostics->empty()) {
    return UnprocessableError("code generation failed: " +
                              SanitizeForClient(*diagnostics));
  }
  out->object = (*object_or_err)->getBuffer().str();
  out->init = lowered.init;
  out->fini = lowered.fini;
  return llvm::Error::success();
}

}  // namespace ru
