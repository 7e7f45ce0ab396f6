// VersionStore: the versions of every updatable function on disk, so that
// a restarted server runs exactly what it ran before.
//
// Layout under the state directory:
//
//   functions/NAME/N.bc     the uploaded bytes of version N
//   functions/NAME/N.meta   its metadata (JSON); written last, so a version
//                           exists exactly when this file does
//   functions/NAME/live     the live version's number ("0": built-in)
//   functions/NAME/function for functions created at run time: "endpoint"
//                           or "removed"
//   switch                  "NAME N" lines: live versions being switched
//                           together (present only during such a switch)
//
// Every file is written to a temporary name, synced, renamed into place,
// and the directory synced, so a crash at any moment leaves either the old
// or the new file, never a torn one. Files without their .meta, and
// temporary files, are leftovers of an interrupted write and are removed on
// Open.
//
// Not thread-safe: the Runtime serializes all calls.

#ifndef RUNTIME_UPDATER_JIT_VERSION_STORE_H_
#define RUNTIME_UPDATER_JIT_VERSION_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jit/status.h"

namespace ru {

struct VersionRecord {
  int number = 0;
  std::string sha256;
  uint64_t size = 0;
  int64_t created_unix_ms = 0;
  double compile_ms = 0;
  std::string message;
  // Set when the version crashed or timed out while serving.
  std::string fault;
  // For a version made by an update of several functions together: the
  // versions that update made live ("a@3 b@5"), and those live before it.
  std::string set;
  std::string set_before;
};

// What the store holds for one function.
struct StoredFunction {
  std::string name;
  std::vector<VersionRecord> versions;  // By number, ascending.
  int live = 0;
  // For functions created by an upload: whether they exist, and whether
  // they were removed since.
  bool created_at_run_time = false;
  bool removed = false;
};

class VersionStore {
 public:
  // Opens (creating if needed) the store in `dir`. With `sync` false,
  // writes skip fsync: faster, but a power loss may lose recent changes.
  static Status Open(const std::string& dir, bool sync,
                     std::unique_ptr<VersionStore>* store);

  // Everything found on disk, by function name.
  const std::map<std::string, StoredFunction>& functions() const {
    return functions_;
  }

  // Records a new version durably; `record.number` must be the next one.
  Status AddVersion(const std::string& function, const VersionRecord& record,
                    const std::string& bytes);

  // AddVersion in two steps, for a caller that writes the bytes while it
  // compiles them: WriteBytes stores the bytes of version `number` durably
  // (on their own they are not a version; a later start removes bytes
  // without a record), and may run on another thread, as it touches only
  // files. AddRecord then makes the version exist.
  Status WriteBytes(const std::string& function, int number,
                    const std::string& bytes) const;
  Status AddRecord(const std::string& function, const VersionRecord& record);

  // Rewrites the metadata of an existing version (to mark a fault).
  Status UpdateRecord(const std::string& function, const VersionRecord& record);

  // Makes `number` the live version of `function`, durably.
  Status SetLive(const std::string& function, int number);

  // Makes several versions live at once: all or none survive a crash. A
  // journal of the change is written first and replayed by Open when the
  // process died half-way.
  Status SetLiveMany(const std::vector<std::pair<std::string, int>>& lives);

  // Records that `function` was created at run time (`removed` false) or
  // removed since (`removed` true), durably.
  Status SetFunctionState(const std::string& function, bool removed);

  // Reads the stored bytes of a version.
  Status ReadBytes(const std::string& function, int number,
                   std::string* bytes) const;

  const std::string& dir() const { return dir_; }

 private:
  VersionStore(std::string dir, bool sync)
      : dir_(std::move(dir)), sync_(sync) {}

  Status Load();
  Status ReplaySwitchJournal();
  Status LoadFunction(const std::string& name);
  std::string FunctionDir(const std::string& function) const;
  // Creates the directory of `function` unless it exists.
  Status MakeFunctionDir(const std::string& function) const;
  Status WriteFile(const std::string& dir, const std::string& name,
                   const std::string& contents) const;

  std::string dir_;
  bool sync_;
  std::map<std::string, StoredFunction> functions_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_VERSION_STORE_H_
