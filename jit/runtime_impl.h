// The inside of Runtime, shared by the files that implement it:
// runtime.cc (versions: compile, activate, restore), runtime_calls.cc
// (guarded calls and what follows a fault) and runtime_info.cc (reports).

#ifndef RUNTIME_UPDATER_JIT_RUNTIME_IMPL_H_
#define RUNTIME_UPDATER_JIT_RUNTIME_IMPL_H_

#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "jit/call_recorder.h"
#include "jit/code_map.h"
#include "jit/code_reclaimer.h"
#include "jit/engine.h"
#include "jit/module_checker.h"
#include "jit/runtime.h"
#include "jit/version_store.h"

namespace ru {

struct Version {
  VersionRecord record;
  LoadedCode code;  // Empty unless the machine code is resident.
};

// One updatable function: its stub and its versions.
struct Slot {
  std::string name;
  FunctionSignature signature;
  bool endpoint = false;
  uint32_t index = 0;  // Position in the runtime's slot list.
  void* stub = nullptr;
  void* builtin = nullptr;
  // The fields below are guarded by the runtime's update mutex.
  std::vector<Version> versions;  // versions[i].record.number == i + 1.
  std::list<int> resident;        // Numbers with code loaded, oldest first.
  std::atomic<int> live{0};       // 0: the built-in version; read freely.
};

class Runtime::Impl {
 public:
  explicit Impl(const RuntimeOptions& options) : options_(options) {}
  ~Impl();

  Status Init(std::vector<std::string>* notes);
  Status Update(const UpdateRequest& request, UpdateResult* result);
  Status Rollback(const std::string& function, int version,
                  RollbackResult* result);
  Status CallEndpoint(const std::string& function, QueryParams params,
                      EndpointResult* result);
  std::vector<FunctionInfo> DescribeFunctions() const;
  Status DescribeFunction(const std::string& function,
                          FunctionInfo* info) const;
  Status VersionBytes(const std::string& function, int version,
                      std::string* bytes) const;
  uint64_t ResidentCodeBytes() const { return code_map_->resident_bytes(); }
  CallStats Stats() const;

 private:
  Status AddSlot(const std::string& name, const FunctionSignature& signature,
                 bool endpoint, void* builtin);
  Slot* FindSlot(const std::string& name) const;
  Status UnknownFunction(const std::string& name) const;

  // Parses, checks and compiles `bytes` as version `number` of `slot`.
  // Requires update_mutex_.
  llvm::Expected<LoadedCode> Compile(const Slot& slot, int number,
                                     std::string_view bytes);
  // Makes `number` live: compiles it from the store if its code is not
  // resident, records it durably, switches the stub, and frees code beyond
  // the resident limit. Requires update_mutex_.
  Status Activate(Slot& slot, int number, bool* recompiled);
  // Points the stub at version `number` (0: built-in). Requires
  // update_mutex_ and, for a number > 0, resident code.
  Status SwitchStub(Slot& slot, int number);
  void Touch(Slot& slot, int number);
  void EvictBeyondLimit(Slot& slot);
  void Restore(Slot& slot, const StoredFunction& stored,
               std::vector<std::string>* notes);
  // Frees `code` now. Requires update_mutex_.
  void UnloadLocked(const LoadedCode& code);

  // Marks version `number` of `slot` as faulty for `reason` and, when the
  // options say so and it is live, rolls back to the newest good version
  // before it. Returns what happened, for the client and the log;
  // `*first` tells whether this fault was new.
  std::string HandleFault(Slot& slot, int number, const std::string& reason,
                          bool* first);
  FunctionInfo Describe(const Slot& slot) const;

  static uint64_t Tag(const Slot& slot, int number) {
    return (static_cast<uint64_t>(slot.index) << 32) |
           static_cast<uint32_t>(number);
  }

  RuntimeOptions options_;
  std::unique_ptr<CodeMap> code_map_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<VersionStore> store_;
  std::map<std::string, void*> offered_;
  // Slots are created during Init and never removed, so lookups need no
  // lock; their contents are guarded by update_mutex_.
  std::map<std::string, std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> slots_by_index_;
  mutable std::mutex update_mutex_;
  CallRecorder call_recorder_;
  std::unique_ptr<CodeReclaimer> reclaimer_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_RUNTIME_IMPL_H_
