// CodeMap: where the machine code compiled from uploads lives, so that a
// signal handler can tell a fault in uploaded code (contain it) from a
// fault in the server's own code (let the process die), and which version
// the faulting code belongs to.
//
// It is fed by an ORC ObjectLinkingLayer plugin (see MakeCodeMapPlugin) as
// modules are linked and freed. Lookup() is async-signal-safe: it reads a
// fixed table of atomics and takes no lock.

#ifndef RUNTIME_UPDATER_JIT_CODE_MAP_H_
#define RUNTIME_UPDATER_JIT_CODE_MAP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h"

namespace ru {

class CodeMap {
 public:
  CodeMap() = default;
  CodeMap(const CodeMap&) = delete;
  CodeMap& operator=(const CodeMap&) = delete;

  // If `pc` lies in uploaded machine code, stores the tag of the module it
  // came from and returns true. Async-signal-safe.
  bool Lookup(uintptr_t pc, uint64_t* tag) const;

  // Bytes of all linked uploaded modules (code and data) still loaded.
  uint64_t resident_bytes() const {
    return resident_bytes_.load(std::memory_order_relaxed);
  }

  // The tag that modules linked into `dylib` are given. Set before the
  // module is linked; `resolve` maps a dylib to its tag.
  void SetTagResolver(
      std::function<uint64_t(const llvm::orc::JITDylib&)> resolve) {
    resolve_tag_ = std::move(resolve);
  }

 private:
  friend class CodeMapPlugin;

  struct Range {
    uintptr_t start;
    uintptr_t end;
  };
  // Everything one linked module occupies.
  struct Link {
    std::vector<Range> code;
    uint64_t bytes = 0;
    uint64_t tag = 0;
  };

  void Commit(llvm::orc::ResourceKey key, Link link);
  void Remove(llvm::orc::ResourceKey key);
  void Transfer(llvm::orc::ResourceKey to, llvm::orc::ResourceKey from);

  static constexpr size_t kSlots = 8192;
  struct Slot {
    std::atomic<uintptr_t> start{0};  // 0: free.
    std::atomic<uintptr_t> end{0};
    std::atomic<uint64_t> tag{0};
  };
  Slot slots_[kSlots];

  std::function<uint64_t(const llvm::orc::JITDylib&)> resolve_tag_;
  std::mutex mutex_;
  // Per resource key: its links and the table slots their code occupies.
  std::map<llvm::orc::ResourceKey,
           std::vector<std::pair<Link, std::vector<size_t>>>>
      links_;  // Guarded by mutex_.
  std::atomic<uint64_t> resident_bytes_{0};
};

// The plugin that keeps `map` up to date; add it to the ObjectLinkingLayer.
std::shared_ptr<llvm::orc::ObjectLinkingLayer::Plugin> MakeCodeMapPlugin(
    CodeMap* map);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_CODE_MAP_H_
