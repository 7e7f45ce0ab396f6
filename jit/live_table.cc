#include "jit/live_table.h"

namespace ru {
namespace {

thread_local const LiveTable* pinned = nullptr;

}  // namespace

std::atomic<const LiveTable*> current_live_table{nullptr};

PinnedTable::PinnedTable() : saved_(pinned) {
  if (pinned == nullptr) {
    pinned = current_live_table.load(std::memory_order_acquire);
  }
}

PinnedTable::~PinnedTable() { pinned = saved_; }

extern "C" void* RuPinnedTarget(uint32_t index) {
  const LiveTable* table =
      pinned != nullptr ? pinned
                        : current_live_table.load(std::memory_order_acquire);
  return table != nullptr && index < table->targets.size()
             ? table->targets[index]
             : nullptr;
}

}  // namespace ru
