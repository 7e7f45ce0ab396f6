#include "jit/module_checker.h"

#include <string>
#include <vector>

#include "jit/upload_error.h"
#include "jit/upload_reader.h"
#include "llvm/IR/DebugInfo.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

namespace ru {
namespace {

std::string DescribeOneLLVM(llvm::Type* type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type->print(os);
  return os.str();
}

std::string DescribeOneC(llvm::Type* type) {
  if (type->isVoidTy()) return "void";
  if (type->isFloatTy()) return "float";
  if (type->isDoubleTy()) return "double";
  if (type->isX86_FP80Ty()) return "long double";
  if (type->isPointerTy()) return "pointer";
  if (type->isIntegerTy()) {
    switch (type->getIntegerBitWidth()) {
      case 1:
        return "_Bool";
      case 8:
        return "char";
      case 16:
        return "short";
      case 32:
        return "int";
      case 64:
        return "int64_t";
    }
  }
  return DescribeOneLLVM(type);
}

std::string JoinNames(const std::vector<std::string>& names, size_t limit) {
  std::string joined;
  for (size_t i = 0; i < names.size() && i < limit; ++i) {
    if (i > 0) joined += ", ";
    joined += names[i];
  }
  if (names.size() > limit) {
    joined += " and " + std::to_string(names.size() - limit) + " more";
  }
  return joined;
}

llvm::Error CheckVerifier(llvm::Module& module) {
  std::string report;
  llvm::raw_string_ostream os(report);
  bool broken_debug_info = false;
  if (llvm::verifyModule(module, &os, &broken_debug_info)) {
    return UnprocessableError("the module fails LLVM's verifier: " +
                              SanitizeForClient(os.str(), 400));
  }
  // Debug information is not needed to run the code; broken debug
  // information is dropped rather than rejected, as clang itself does.
  if (broken_debug_info) llvm::StripDebugInfo(module);
  return llvm::Error::success();
}

llvm::Error CheckTarget(llvm::Module& module, const ModuleRequirements& req) {
  llvm::Triple triple(module.getTargetTriple());
  if (!module.getTargetTriple().empty() &&
      (triple.getArch() != req.triple.getArch() ||
       triple.getOS() != req.triple.getOS() ||
       triple.getObjectFormat() != req.triple.getObjectFormat())) {
    return UnprocessableError(
        "the module targets " +
        SanitizeForClient(module.getTargetTriple(), 100) +
        " but this server runs " + req.triple.str() +
        "; compile without --target or for the server's triple");
  }
  // Same architecture and OS: clang versions differ in the data layout
  // string they write, so the server's layout is the one to use.
  module.setTargetTriple(req.triple.str());
  module.setDataLayout(req.data_layout);
  return llvm::Error::success();
}

llvm::Error CheckAssembly(llvm::Module& module) {
  if (!module.getModuleInlineAsm().empty()) {
    return UnprocessableError(
        "the module contains module-level inline assembly, which is not "
        "accepted");
  }
  for (llvm::Function& function : module) {
    for (llvm::Instruction& inst : llvm::instructions(function)) {
      auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
      if (call != nullptr && call->isInlineAsm()) {
        return UnprocessableError("function " + function.getName().str() +
                                  " contains inline assembly, which is not "
                                  "accepted");
      }
    }
  }
  return llvm::Error::success();
}

llvm::Error CheckIntrinsics(llvm::Module& module,
                            const ModuleRequirements& req) {
  std::string own_prefix =
      "llvm." + llvm::Triple::getArchTypePrefix(req.triple.getArch()).str() +
      ".";
  for (llvm::Function& function : module) {
    if (!function.getName().starts_with("llvm.")) continue;
    if (function.getIntrinsicID() == llvm::Intrinsic::not_intrinsic) {
      return UnprocessableError("the module uses " +
                                SanitizeForClient(function.getName(), 100) +
                                ", which is not an intrinsic LLVM 19 knows");
    }
    if (function.isTargetIntrinsic() &&
        !function.getName().starts_with(own_prefix)) {
      return UnprocessableError("the module uses " + function.getName().str() +
                                ", an intrinsic of another target than " +
                                req.triple.str());
    }
  }
  return llvm::Error::success();
}

llvm::Error CheckFunction(llvm::Module& module, const std::string& name,
                          const FunctionSignature& signature) {
  llvm::Function* function = module.getFunction(name);
  if (function == nullptr || function->isDeclaration()) {
    return UnprocessableError("the module does not define " + name +
                              "; expected " + name + " of type " + signature.c);
  }
  if (function->hasLocalLinkage()) {
    return UnprocessableError("the module defines " + name +
                              " as static; it must have external linkage");
  }
  std::string found = DescribeLLVMType(function->getFunctionType());
  if (found != signature.llvm) {
    return UnprocessableError(name + " has the wrong type: expected " +
                              signature.c + ", found " +
                              DescribeCType(function->getFunctionType()));
  }
  return llvm::Error::success();
}

llvm::Error CheckUndefinedSymbols(llvm::Module& module,
                                  const ModuleRequirements& req) {
  std::vector<std::string> refused;
  for (llvm::GlobalValue& value : module.global_values()) {
    // Every module gets its own __dso_handle (initializer_lowering.h).
    if (!value.isDeclaration() || value.getName().starts_with("llvm.") ||
        value.getName() == "__dso_handle") {
      continue;
    }
    if (!req.is_offered(value.getName())) {
      refused.push_back(SanitizeForClient(value.getName(), 80));
    }
  }
  if (refused.empty()) return llvm::Error::success();
  return UnprocessableError(
      "the module references symbols the server does not offer: " +
      JoinNames(refused, 10));
}

llvm::Error CheckGlobals(llvm::Module& module, const ModuleRequirements& req) {
  const llvm::DataLayout& layout = module.getDataLayout();
  uint64_t total = 0;
  for (llvm::GlobalVariable& global : module.globals()) {
    if (global.isDeclaration()) continue;
    llvm::Type* type = global.getValueType();
    if (!type->isSized()) continue;
    uint64_t size = layout.getTypeAllocSize(type).getKnownMinValue();
    total += size;
    if (size > req.max_global_bytes || total > req.max_global_bytes) {
      return UnprocessableError(
          "global variable " + SanitizeForClient(global.getName(), 80) +
          " brings the module's globals to " + std::to_string(total) +
          " bytes, over the limit of " + std::to_string(req.max_global_bytes));
    }
  }
  return llvm::Error::success();
}

}  // namespace

std::string DescribeLLVMType(llvm::FunctionType* type) {
  std::string text = DescribeOneLLVM(type->getReturnType()) + "(";
  for (unsigned i = 0; i < type->getNumParams(); ++i) {
    if (i > 0) text += ",";
    text += DescribeOneLLVM(type->getParamType(i));
  }
  if (type->isVarArg()) text += type->getNumParams() > 0 ? ",..." : "...";
  return text + ")";
}

std::string DescribeCType(llvm::FunctionType* type) {
  std::string text = DescribeOneC(type->getReturnType()) + " (";
  if (type->getNumParams() == 0 && !type->isVarArg()) text += "void";
  for (unsigned i = 0; i < type->getNumParams(); ++i) {
    if (i > 0) text += ", ";
    text += DescribeOneC(type->getParamType(i));
  }
  if (type->isVarArg()) text += type->getNumParams() > 0 ? ", ..." : "...";
  return text + ")";
}

llvm::Error CheckModule(llvm::Module& module,
                        const ModuleRequirements& requirements) {
  if (auto error = CheckVerifier(module)) return error;
  if (auto error = CheckTarget(module, requirements)) return error;
  if (auto error = CheckAssembly(module)) return error;
  if (auto error = CheckIntrinsics(module, requirements)) return error;
  if (auto error = CheckFunction(module, requirements.function,
                                 requirements.signature)) {
    return error;
  }
  for (const auto& [name, signature] : requirements.more_functions) {
    if (auto error = CheckFunction(module, name, signature)) return error;
  }
  if (auto error = CheckUndefinedSymbols(module, requirements)) return error;
  return CheckGlobals(module, requirements);
}

}  // namespace ru
