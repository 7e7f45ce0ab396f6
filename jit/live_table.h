// LiveTable: which machine code each updatable function runs, as one
// immutable array published with a single pointer store. Functions updated
// together (an upload for several functions) switch together when a new
// table is published.
//
// A request pins the table that is current when it starts (PinnedTable)
// and keeps it until it ends. Calls between functions that belong to a set
// go through a small trampoline that looks the target up in the pinned
// table, so a request that calls two members of a set sees both old or
// both new versions, never a mix, even when the switch lands between its
// two calls. Functions that never belonged to a set are called straight
// through their stubs and pay nothing for this.
//
// Tables are freed only after every request that might have pinned them
// has ended (see code_epoch.h).

#ifndef RUNTIME_UPDATER_JIT_LIVE_TABLE_H_
#define RUNTIME_UPDATER_JIT_LIVE_TABLE_H_

#include <atomic>
#include <cstdint>
#include <vector>

namespace ru {

struct LiveTable {
  std::vector<void*> targets;  // By slot index.
};

// The table published last. Written only by the runtime, under its update
// mutex.
extern std::atomic<const LiveTable*> current_live_table;

// Pins the current table for the calls made on this thread until
// destroyed; nested pins keep the outer one.
class PinnedTable {
 public:
  PinnedTable();
  ~PinnedTable();

  PinnedTable(const PinnedTable&) = delete;
  PinnedTable& operator=(const PinnedTable&) = delete;

 private:
  const LiveTable* saved_;
};

// What the trampoline of slot `index` jumps to: its entry in the table
// pinned on this thread, or in the current table outside a request.
extern "C" void* RuPinnedTarget(uint32_t index);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_LIVE_TABLE_H_
