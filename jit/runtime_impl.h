// The inside of Runtime, shared by the files that implement it:
// runtime.cc (versions: compile, activate, restore), runtime_calls.cc
// (guarded calls and what follows a fault) and runtime_info.cc (reports).

#ifndef RUNTIME_UPDATER_JIT_RUNTIME_IMPL_H_
#define RUNTIME_UPDATER_JIT_RUNTIME_IMPL_H_

#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "jit/call_recorder.h"
#include "jit/code_map.h"
#include "jit/code_reclaimer.h"
#include "jit/engine.h"
#include "jit/live_table.h"
#include "jit/module_checker.h"
#include "jit/object_compiler.h"
#include "jit/runtime.h"
#include "jit/version_store.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SHA256.h"

namespace ru {

inline const FunctionSignature kEndpointSignature = {
    "i32(ptr,ptr)", "int (const ru_args *, ru_json *)"};
inline const FunctionSignature kValueSignature = {"i64()", "int64_t (void)"};

using Clock = std::chrono::steady_clock;

inline double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

inline int64_t UnixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Lower-case hex sha256 of `bytes`.
inline std::string Sha256Hex(std::string_view bytes) {
  auto digest = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return llvm::toHex(digest, /*LowerCase=*/true);
}

struct Version {
  VersionRecord record;
  LoadedCode code;  // Empty unless the machine code is resident.
  // The parameters of the last trial run it passed in this process, when
  // it has passed one: the same bytes uploaded again with the same
  // parameters need not be tried again.
  bool tried = false;
  QueryParams tried_with;
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
  // The version that was live before `live` became live in this process;
  // -1 when unknown (none yet, or since a restart).
  int previous_live = -1;
  // Created by an upload (not one of the server's own functions).
  bool created_at_run_time = false;
  // Once a function has been updated together with others, its stub leads
  // to a trampoline that reads the request's pinned live table
  // (live_table.h), for good.
  bool trampolined = false;
  LoadedCode trampoline;
  std::atomic<bool> removed{false};  // Read freely.
};

// Name to slot, immutable once published; see Runtime::Impl::index_.
using SlotIndex = std::map<std::string, Slot*>;

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
  Status RemoveFunction(const std::string& function);
  uint64_t ResidentCodeBytes() const { return code_map_->resident_bytes(); }
  CallStats Stats() const;

 private:
  // Creates the slot `name` with its stub. Requires update_mutex_.
  Status AddSlot(const std::string& name, const FunctionSignature& signature,
                 bool endpoint, void* builtin, Slot** added);
  // The slot called `name`, removed or not; null if none. Lock-free.
  Slot* FindSlot(const std::string& name) const;
  // Checks that `name` may name a new function. Requires update_mutex_.
  Status CheckNewName(const std::string& name) const;
  // Creates the function `name` for an upload of its first version.
  // Requires update_mutex_.
  Status CreateFunction(const std::string& name, Slot** slot);
  Status UnknownFunction(const std::string& name) const;

  // Parses, checks and compiles `bytes` as version `number` of `slot`.
  // Requires update_mutex_.
  llvm::Expected<LoadedCode> Compile(const Slot& slot, int number,
                                     std::string_view bytes);
  // Makes `number` live: compiles it from the store if its code is not
  // resident, records it durably, switches the stub, and frees code beyond
  // the resident limit. Requires update_mutex_.
  Status Activate(Slot& slot, int number, bool* recompiled);
  // Loads version `number` from the store unless its code is resident, and
  // marks it most recently used. Requires update_mutex_.
  Status EnsureResident(Slot& slot, int number, bool* recompiled);
  // Makes the given versions live together: records them durably, then
  // switches stubs and publishes one new live table, then frees code
  // beyond the resident limits. Their code must be resident. Requires
  // update_mutex_.
  Status MakeLive(const std::vector<std::pair<Slot*, int>>& changes);
  // Points the stub (or the table entry) at version `number`. Requires
  // update_mutex_; not durable by itself.
  void SwitchStub(Slot& slot, int number);
  // The machine code version `number` of `slot` runs (0: built-in).
  void* Target(const Slot& slot, int number) const;
  // Publishes a live table with `changes` applied. Requires update_mutex_.
  void PublishTable(const std::vector<std::pair<Slot*, int>>& changes);
  // Gives `slot` its trampoline (see Slot::trampolined). Requires
  // update_mutex_.
  Status EnsureTrampoline(Slot& slot);
  // An update of several functions at once (runtime_sets.cc). Requires
  // update_mutex_.
  Status UpdateSet(const UpdateRequest& request, UpdateResult* result);
  // The changes that undo the set the live version of `slot` belongs to,
  // with `slot` itself going to `number` (-1: its version before the set).
  // Empty when the live version was not made by a set update.
  std::vector<std::pair<Slot*, int>> UndoSet(const Slot& slot, int number);
  void Touch(Slot& slot, int number);
  void EvictBeyondLimit(Slot& slot);
  void Restore(Slot& slot, const StoredFunction& stored,
               std::vector<std::string>* notes);
  // Runs the destructors of `code`, then frees it. Requires update_mutex_.
  void UnloadLocked(const LoadedCode& code);
  // Frees `code`, which never went live, without running its destructors.
  // Requires update_mutex_.
  void DiscardLocked(const LoadedCode& code);

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
  std::unique_ptr<UploadCompiler> compiler_;
  // Compiles the server's own trampolines, in process.
  std::unique_ptr<ObjectCompiler> trusted_compiler_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<VersionStore> store_;
  std::map<std::string, void*> offered_;
  // Every slot ever created, by index; slots are never destroyed before
  // the runtime (a removed function keeps its slot and stub). Guarded by
  // update_mutex_.
  std::vector<std::unique_ptr<Slot>> slots_by_index_;
  // The name index that request threads read without a lock. A new
  // function publishes a new index; old ones are kept until the runtime
  // goes away, since a reader may still hold one (they are few: one per
  // function ever created).
  std::atomic<const SlotIndex*> index_{nullptr};
  std::vector<std::unique_ptr<const SlotIndex>> indexes_;  // Guarded.
  mutable std::mutex update_mutex_;
  // Rollbacks made after a fault, by function. Guarded by update_mutex_.
  std::map<std::string, uint64_t> automatic_rollbacks_;
  CallRecorder call_recorder_;
  std::unique_ptr<CodeReclaimer> reclaimer_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_RUNTIME_IMPL_H_
