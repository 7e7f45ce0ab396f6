// Runtime: reports of what is loaded and what ran before.

#include "jit/client_text.h"
#include "jit/runtime_impl.h"

namespace ru {

FunctionInfo Runtime::Impl::Describe(const Slot& slot) const {
  FunctionInfo info;
  info.name = slot.name;
  info.type = slot.signature.c;
  info.endpoint = slot.endpoint;
  info.removed = slot.removed.load();
  info.live_version = slot.live.load(std::memory_order_relaxed);
  for (auto it = slot.versions.rbegin(); it != slot.versions.rend(); ++it) {
    VersionInfo version;
    version.number = it->record.number;
    version.sha256 = it->record.sha256;
    version.size = it->record.size;
    version.created_unix_ms = it->record.created_unix_ms;
    version.compile_ms = it->record.compile_ms;
    version.message = it->record.message;
    version.fault = it->record.fault;
    version.resident = it->code.dylib != nullptr;
    version.live = version.number == info.live_version;
    info.versions.push_back(std::move(version));
  }
  return info;
}

std::vector<FunctionInfo> Runtime::Impl::DescribeFunctions() const {
  std::lock_guard<std::mutex> lock(update_mutex_);
  std::vector<FunctionInfo> infos;
  if (const SlotIndex* index = index_.load(std::memory_order_acquire)) {
    for (const auto& entry : *index) infos.push_back(Describe(*entry.second));
  }
  return infos;
}

Status Runtime::Impl::DescribeFunction(const std::string& function,
                                       FunctionInfo* info) const {
  Slot* slot = FindSlot(function);
  if (slot == nullptr) return UnknownFunction(function);
  std::lock_guard<std::mutex> lock(update_mutex_);
  *info = Describe(*slot);
  return Status::Ok();
}

Status Runtime::Impl::VersionBytes(const std::string& function, int version,
                                   std::string* bytes) const {
  Slot* slot = FindSlot(function);
  if (slot == nullptr) return UnknownFunction(function);
  std::lock_guard<std::mutex> lock(update_mutex_);
  if (version < 1 || version > static_cast<int>(slot->versions.size()) ||
      slot->versions[version - 1].record.sha256.empty()) {
    return Status::NotFound(slot->name + " has no stored version " +
                            std::to_string(version));
  }
  return store_->ReadBytes(slot->name, version, bytes);
}

CallStats Runtime::Impl::Stats() const {
  std::vector<std::string> names;
  std::vector<std::pair<std::string, uint64_t>> rollbacks;
  {
    std::lock_guard<std::mutex> lock(update_mutex_);
    for (const auto& slot : slots_by_index_) names.push_back(slot->name);
    rollbacks.assign(automatic_rollbacks_.begin(), automatic_rollbacks_.end());
  }
  CallStats stats = call_recorder_.Snapshot(names);
  stats.automatic_rollbacks = std::move(rollbacks);
  return stats;
}

CallStats Runtime::Stats() const { return impl_->Stats(); }

}  // namespace ru
