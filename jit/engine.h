// Engine: the LLVM ORC JIT inside the server. It owns the indirect stubs
// that callers jump through, a dylib of host symbols that uploaded code
// links against, and one dylib per loaded version, so that two versions of
// a function never collide.
//
// Thread safety: Load, Unload, AddStub and Retarget must be called by one
// thread at a time (the Runtime serializes them). Code reached through a
// stub may run on any thread at any time; Retarget is a single pointer
// store, so a concurrent caller runs either the old or the new target.

#ifndef RUNTIME_UPDATER_JIT_ENGINE_H_
#define RUNTIME_UPDATER_JIT_ENGINE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "jit/code_map.h"
#include "jit/object_compiler.h"
#include "llvm/ExecutionEngine/Orc/IndirectionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"

namespace ru {

// The machine code of one loaded module.
struct LoadedCode {
  llvm::orc::JITDylib* dylib = nullptr;
  void* address = nullptr;  // Of the symbol that was looked up.
  // Its lowered static constructors and destructors, and the handle under
  // which its static objects register destructors (initializer_lowering.h);
  // null when absent.
  void (*init)() = nullptr;
  void (*fini)() = nullptr;
  void* dso_handle = nullptr;
};

class Engine {
 public:
  // Creates a JIT for this process's target. `host_symbols` are defined in
  // the host dylib, the only place uploaded code finds symbols it does not
  // define itself.
  // `code_map`, which must outlive the engine, learns where every loaded
  // module's machine code lies.
  static llvm::Expected<std::unique_ptr<Engine>> Create(
      const std::map<std::string, void*>& host_symbols, CodeMap* code_map);

  ~Engine();

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const llvm::Triple& triple() const { return jit_->getTargetTriple(); }
  const llvm::DataLayout& data_layout() const { return jit_->getDataLayout(); }

  // Creates the stub `name`, pointing at `initial`, and defines `name` in
  // the host dylib as the stub's address, so that uploaded code calling
  // `name` goes through the stub. Returns the stub's address.
  llvm::Expected<void*> AddStub(const std::string& name, void* initial);

  // Points the stub `name` at `target`.
  llvm::Error Retarget(const std::string& name, void* target);

  // Links `object` into a new dylib and returns the address of `symbol` in
  // it, and those of its initializers. Runs no code of the module. The
  // code map records its code under `tag`. On failure nothing stays
  // loaded.
  llvm::Expected<LoadedCode> Load(const CompiledObject& object,
                                  const std::string& symbol, uint64_t tag);

  // Frees the machine code of `code`. No thread may be executing it or be
  // about to; its destructors must have run.
  llvm::Error Unload(const LoadedCode& code);

 private:
  Engine() = default;

  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::unique_ptr<llvm::orc::IndirectStubsManager> stubs_;
  llvm::orc::JITDylib* host_ = nullptr;
  uint64_t next_dylib_ = 0;
  // The code map's tag of each loaded dylib.
  std::mutex tags_mutex_;
  std::map<const llvm::orc::JITDylib*, uint64_t> tags_;  // Guarded.

  // The last error ORC reported through the session's error reporter; a
  // failed lookup itself only says "Failed to materialize symbols".
  std::mutex reported_mutex_;
  std::string reported_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_ENGINE_H_
