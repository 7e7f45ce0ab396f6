#include "jit/initializer_lowering.h"

#include <algorithm>
#include <vector>

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"

namespace ru {
namespace {

// Replaces the array `array_name` by a function `function_name` that calls
// its entries in priority order. Returns whether there were any.
bool LowerArray(llvm::Module& module, const char* array_name,
                const char* function_name) {
  llvm::GlobalVariable* array = module.getNamedGlobal(array_name);
  if (array == nullptr) return false;

  std::vector<std::pair<uint64_t, llvm::Constant*>> entries;
  if (auto* list = llvm::dyn_cast_or_null<llvm::ConstantArray>(
          array->hasInitializer() ? array->getInitializer() : nullptr)) {
    for (llvm::Use& use : list->operands()) {
      auto* entry = llvm::dyn_cast<llvm::ConstantStruct>(use.get());
      if (entry == nullptr || entry->getNumOperands() < 2) continue;
      auto* priority = llvm::dyn_cast<llvm::ConstantInt>(entry->getOperand(0));
      llvm::Constant* target = entry->getOperand(1);
      if (priority == nullptr || target->isNullValue()) continue;
      entries.emplace_back(priority->getZExtValue(), target);
    }
  }
  array->eraseFromParent();
  if (entries.empty()) return false;
  std::stable_sort(
      entries.begin(), entries.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });

  llvm::LLVMContext& context = module.getContext();
  auto* type = llvm::FunctionType::get(llvm::Type::getVoidTy(context), false);
  llvm::Function* function = llvm::Function::Create(
      type, llvm::GlobalValue::ExternalLinkage, function_name, module);
  llvm::IRBuilder<> builder(
      llvm::BasicBlock::Create(context, "entry", function));
  for (const auto& entry : entries) {
    builder.CreateCall(llvm::FunctionCallee(type, entry.second));
  }
  builder.CreateRetVoid();
  return true;
}

}  // namespace

LoweredInitializers LowerInitializers(llvm::Module& module) {
  LoweredInitializers lowered;
  lowered.init = LowerArray(module, "llvm.global_ctors", kModuleInit);
  lowered.fini = LowerArray(module, "llvm.global_dtors", kModuleFini);

  // Each module's own handle: defined here if the module refers to it,
  // created if it has initializers (they may register destructors).
  llvm::GlobalVariable* handle = module.getNamedGlobal(kDsoHandle);
  if (handle == nullptr && lowered.init) {
    handle = new llvm::GlobalVariable(
        module, llvm::Type::getInt8Ty(module.getContext()), false,
        llvm::GlobalValue::ExternalLinkage, nullptr, kDsoHandle);
  }
  if (handle != nullptr && handle->isDeclaration()) {
    handle->setInitializer(
        llvm::Constant::getNullValue(handle->getValueType()));
    handle->setLinkage(llvm::GlobalValue::ExternalLinkage);
    handle->setVisibility(llvm::GlobalValue::DefaultVisibility);
  }
  return lowered;
}

}  // namespace ru
