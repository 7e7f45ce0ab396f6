// Static constructors and destructors of uploads, made explicit. A module's
// llvm.global_ctors and llvm.global_dtors become two ordinary functions,
// __ru_module_init and __ru_module_fini, that the runtime calls itself
// (under the call guard) when a version is loaded and when it is dropped;
// and every module gets its own __dso_handle, the key under which C++
// registers the destructors of its static objects (see
// static_destructors.h). This works the same whether the module is
// compiled in the server or in the compile helper.

#ifndef RUNTIME_UPDATER_JIT_INITIALIZER_LOWERING_H_
#define RUNTIME_UPDATER_JIT_INITIALIZER_LOWERING_H_

#include "llvm/IR/Module.h"

namespace ru {

inline constexpr char kModuleInit[] = "__ru_module_init";
inline constexpr char kModuleFini[] = "__ru_module_fini";
inline constexpr char kDsoHandle[] = "__dso_handle";

struct LoweredInitializers {
  bool init = false;  // The module defines kModuleInit.
  bool fini = false;  // The module defines kModuleFini.
};

LoweredInitializers LowerInitializers(llvm::Module& module);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_INITIALIZER_LOWERING_H_
