#include "jit/code_map.h"

#include "llvm/ExecutionEngine/JITLink/JITLink.h"

namespace ru {

class CodeMapPlugin : public llvm::orc::ObjectLinkingLayer::Plugin {
 public:
  explicit CodeMapPlugin(CodeMap* map) : map_(map) {}

  void modifyPassConfig(llvm::orc::MaterializationResponsibility& mr,
                        llvm::jitlink::LinkGraph&,
                        llvm::jitlink::PassConfiguration& config) override {
    // Addresses are final once memory is allocated.
    config.PostAllocationPasses.push_back(
        [this, &mr](llvm::jitlink::LinkGraph& graph) -> llvm::Error {
          CodeMap::Link link;
          if (map_->resolve_tag_) {
            link.tag = map_->resolve_tag_(mr.getTargetJITDylib());
          }
          for (llvm::jitlink::Section& section : graph.sections()) {
            uintptr_t low = UINTPTR_MAX;
            uintptr_t high = 0;
            for (llvm::jitlink::Block* block : section.blocks()) {
              uintptr_t start = block->getAddress().getValue();
              uintptr_t end = start + block->getSize();
              link.bytes += block->getSize();
              low = std::min(low, start);
              high = std::max(high, end);
            }
            bool exec = (static_cast<unsigned>(section.getMemProt()) &
                         static_cast<unsigned>(llvm::orc::MemProt::Exec)) != 0;
            if (exec && low < high) link.code.push_back({low, high});
          }
          std::lock_guard<std::mutex> lock(mutex_);
          pending_[&mr] = std::move(link);
          return llvm::Error::success();
        });
  }

  llvm::Error notifyEmitted(
      llvm::orc::MaterializationResponsibility& mr) override {
    CodeMap::Link link;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = pending_.find(&mr);
      if (it == pending_.end()) return llvm::Error::success();
      link = std::move(it->second);
      pending_.erase(it);
    }
    return mr.withResourceKeyDo([&](llvm::orc::ResourceKey key) {
      map_->Commit(key, std::move(link));
    });
  }

  llvm::Error notifyFailed(
      llvm::orc::MaterializationResponsibility& mr) override {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.erase(&mr);
    return llvm::Error::success();
  }

  llvm::Error notifyRemovingResources(llvm::orc::JITDylib&,
                                      llvm::orc::ResourceKey key) override {
    map_->Remove(key);
    return llvm::Error::success();
  }

  void notifyTransferringResources(llvm::orc::JITDylib&,
                                   llvm::orc::ResourceKey to,
                                   llvm::orc::ResourceKey from) override {
    map_->Transfer(to, from);
  }

 private:
  CodeMap* map_;
  std::mutex mutex_;
  std::map<llvm::orc::MaterializationResponsibility*, CodeMap::Link>
      pending_;  // Guarded by mutex_.
};

std::shared_ptr<llvm::orc::ObjectLinkingLayer::Plugin> MakeCodeMapPlugin(
    CodeMap* map) {
  return std::make_shared<CodeMapPlugin>(map);
}

bool CodeMap::Lookup(uintptr_t pc, uint64_t* tag) const {
  for (const Slot& slot : slots_) {
    uintptr_t start = slot.start.load(std::memory_order_acquire);
    if (start == 0 || pc < start) continue;
    if (pc < slot.end.load(std::memory_order_relaxed)) {
      *tag = slot.tag.load(std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

void CodeMap::Commit(llvm::orc::ResourceKey key, Link link) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<size_t> used;
  size_t next = 0;
  for (const Range& range : link.code) {
    while (next < kSlots &&
           slots_[next].start.load(std::memory_order_relaxed) != 0) {
      ++next;
    }
    // A full table only means that a fault in this code is treated as the
    // server's own, which ends the process: the safe side.
    if (next == kSlots) break;
    slots_[next].end.store(range.end, std::memory_order_relaxed);
    slots_[next].tag.store(link.tag, std::memory_order_relaxed);
    slots_[next].start.store(range.start, std::memory_order_release);
    used.push_back(next++);
  }
  resident_bytes_.fetch_add(link.bytes, std::memory_order_relaxed);
  links_[key].emplace_back(std::move(link), std::move(used));
}

void CodeMap::Remove(llvm::orc::ResourceKey key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = links_.find(key);
  if (it == links_.end()) return;
  for (auto& [link, used] : it->second) {
    for (size_t index : used) {
      slots_[index].start.store(0, std::memory_order_release);
    }
    resident_bytes_.fetch_sub(link.bytes, std::memory_order_relaxed);
  }
  links_.erase(it);
}

void CodeMap::Transfer(llvm::orc::ResourceKey to, llvm::orc::ResourceKey from) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = links_.find(from);
  if (it == links_.end()) return;
  auto& target = links_[to];
  for (auto& entry : it->second) target.push_back(std::move(entry));
  links_.erase(from);
}

}  // namespace ru
