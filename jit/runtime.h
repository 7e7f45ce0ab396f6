// Runtime: the public face of jit/. It holds the table of updatable
// functions, each reached through an indirect stub, compiles uploads into
// new versions of them and calls them on behalf of requests. Nothing of
// LLVM shows through this header.
//
// Thread safety: every method may be called from any thread. Calls run
// concurrently with each other and with updates; updates are applied one
// at a time. A call that is running when an update lands finishes in the
// version it started in, and that version's machine code is freed only
// after the call has returned.

#ifndef RUNTIME_UPDATER_JIT_RUNTIME_H_
#define RUNTIME_UPDATER_JIT_RUNTIME_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jit/status.h"

namespace ru {

// Query parameters, decoded, in request order, repeats included.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct RuntimeOptions {
  // Where versions are kept across restarts (see version_store.h).
  std::string state_dir = "state";
  // Whether writes to the state directory are synced before an update or
  // rollback is acknowledged.
  bool sync_writes = true;
  // LLVM code generation level, 0 (none) to 3 (aggressive).
  int codegen_opt_level = 2;
  // The most bytes the global variables of one upload may occupy.
  uint64_t max_global_bytes = 4 << 20;
  // Calls of uploaded code running longer than this are interrupted
  // (when that is safe); 0 for no limit.
  int64_t call_timeout_ms = 5000;
  // Receives, on a thread of the runtime, warnings for the server's log:
  // a call past its time limit that cannot be interrupted safely.
  void (*report_warning)(const char* message) = nullptr;
  // After a crash or a timeout, roll the function back to its newest good
  // version before the faulty one.
  bool auto_rollback = true;
  // How many versions of each function keep their machine code loaded.
  int resident_versions = 4;
  // Fault injection for crash-safety tests (see fault_injection.h): the
  // process dies with SIGKILL at this named point. Empty: never.
  std::string crash_at;
  // Compile uploads in the server process instead of the sandboxed
  // compile helper: faster, for operators who trust every upload.
  bool compile_in_process = false;
  // The server's binary, started as the compile helper (it must handle
  // --compile_helper_fd). Required unless compile_in_process: a program
  // that embeds the runtime is not the server binary.
  std::string helper_executable;
  int64_t helper_memory_mb = 1024;
  int64_t helper_timeout_ms = 10000;
  // Time limit of the trial run of a new version.
  int64_t probe_timeout_ms = 1000;
  // Symbols offered to uploads on top of the curated list.
  std::vector<std::string> extra_symbols;
};

struct UpdateRequest {
  std::string function = "foobar";
  std::string_view bytes;
  std::string message;   // Stored with the version.
  bool dry_run = false;  // Check and compile, change nothing.
  // More functions that the same module defines, to be checked and
  // switched together with `function`, all or none. A request that calls
  // several of them sees all old or all new versions.
  std::vector<std::string> more_functions;
  // Call the new version once in a child process before it goes live
  // (trial_run.h), with these parameters.
  bool probe = true;
  QueryParams probe_params;
};

struct UpdateResult {
  std::string function;
  int version = 0;
  std::string sha256;  // Lower-case hex of the uploaded bytes.
  double compile_ms = 0;
  // False when the bytes equal an existing version, which is live now,
  // and for a dry run.
  bool created = false;
  bool dry_run = false;
  // Where the time of a new version went, for the server's log: checking,
  // compiling and loading it; its trial run; writing it durably (what of
  // that did not overlap the compile); making it live. A stage that did
  // not run stays 0.
  double compile_stage_ms = 0;
  double trial_ms = 0;
  double store_ms = 0;
  double switch_ms = 0;
};

struct RollbackResult {
  std::string function;
  int from = 0;
  int to = 0;
  bool recompiled = false;  // The target's machine code was not resident.
  double ms = 0;
};

struct VersionInfo {
  int number = 0;
  std::string sha256;
  uint64_t size = 0;
  int64_t created_unix_ms = 0;
  double compile_ms = 0;
  std::string message;
  std::string fault;  // Why the version was taken out of service, if it was.
  bool resident = false;
  bool live = false;
};

struct FunctionInfo {
  std::string name;
  std::string type;  // As C spells it.
  bool endpoint = false;
  bool removed = false;               // Created by an upload and removed since.
  int live_version = 0;               // 0: the built-in version.
  std::vector<VersionInfo> versions;  // Newest first.
};

struct EndpointResult {
  enum class Outcome {
    kOk,        // body holds the JSON value.
    kFailed,    // The function reported failure or misused the API.
    kCrashed,   // A fault in uploaded code ended the call.
    kTimedOut,  // The call ran past its limit and was interrupted.
  };
  Outcome outcome = Outcome::kFailed;
  std::string body;   // JSON text when kOk.
  std::string error;  // Why not, otherwise.
  int version = 0;    // The version that answered; 0 is the built-in one.
  // For a crash or timeout seen for the first time: a line for the
  // server's log. Later calls hitting the same fault leave it empty.
  std::string fault_report;
};

// The compile helper's side (see compile_helper.h): the server's binary
// calls this when started with --compile_helper_fd. Returns the exit code.
int RunCompileHelperProcess(int fd, int opt_level, int64_t memory_mb,
                            int64_t timeout_ms);

// A distribution of durations. counts[i] is the number of observations
// above bounds_seconds[i - 1] and at most bounds_seconds[i]; counts.back()
// counts those above the last bound.
struct DurationHistogram {
  std::vector<double> bounds_seconds;
  std::vector<uint64_t> counts;  // bounds_seconds.size() + 1 entries.
  double sum_seconds = 0;
};

// Calls of one version of an endpoint function since the server started.
struct VersionCallCounts {
  std::string function;
  int version = 0;  // 0: the built-in version.
  uint64_t calls = 0;
  uint64_t failed = 0;     // The function reported failure, or threw.
  uint64_t crashed = 0;    // Contained faults.
  uint64_t timed_out = 0;  // Interrupted at the time limit.
};

struct CallStats {
  std::vector<VersionCallCounts> versions;  // By function, then version.
  // Per endpoint function, in name order, how long calls took, from the
  // call into the stub until its JSON result was ready.
  std::vector<std::pair<std::string, DurationHistogram>> durations;
  // Per function, in name order, the rollbacks the runtime made itself
  // after a fault (functions without any are left out).
  std::vector<std::pair<std::string, uint64_t>> automatic_rollbacks;
};

class Runtime {
 public:
  // Sets up the JIT and the built-in functions foobar and
  // function_for_foobar_to_call, opens the version store and makes the
  // stored live version of every function live again. A stored version
  // that no longer loads is skipped for its predecessor; what was restored
  // and what was skipped is appended to `notes`, one line each.
  static Status Create(const RuntimeOptions& options,
                       std::unique_ptr<Runtime>* runtime,
                       std::vector<std::string>* notes);

  ~Runtime();

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Names of the updatable functions, sorted.
  std::vector<std::string> FunctionNames() const;

  // Compiles `request.bytes` (bitcode or textual IR) as a new version of
  // `request.function`, records it durably and makes it live. An unknown
  // name (a C identifier) creates a new endpoint function, of type
  // int (const ru_args *, ru_json *), once its first version compiles; a
  // removed one comes back with the next version number. Bytes equal
  // to an existing version make that version live instead. On any error
  // the live version is unchanged: kNotFound for an unknown function,
  // kBadInput for bytes that cannot be read, kUnprocessable for a module
  // that fails a check or does not compile, kInternal when the state
  // directory cannot be written.
  Status Update(const UpdateRequest& request, UpdateResult* result);

  // Makes version `version` of `function` live; a negative `version` means
  // the one numbered just below the live one (0 is the built-in version).
  // Resident code is a stub switch; other versions are compiled again from
  // their stored bytes. kNotFound for an unknown function or version,
  // kConflict when there is nothing to roll back to.
  Status Rollback(const std::string& function, int version,
                  RollbackResult* result);

  // Removes a function created by an upload: its stub then answers that it
  // was removed, and it no longer appears as live; its history stays.
  // kNotFound if there is no such function, kConflict for the server's own
  // functions.
  Status RemoveFunction(const std::string& function);

  // The functions with their histories, sorted by name.
  std::vector<FunctionInfo> DescribeFunctions() const;
  // One function; kNotFound if there is no such function.
  Status DescribeFunction(const std::string& function,
                          FunctionInfo* info) const;

  // Bytes of uploaded machine code and data currently loaded.
  uint64_t ResidentCodeBytes() const;

  // What CallEndpoint has done since the runtime was created. Counting
  // costs a call no lock shared with other threads: each thread counts
  // into a shard of its own, and this adds the shards up.
  CallStats Stats() const;

  // The uploaded bytes of a stored version.
  Status VersionBytes(const std::string& function, int version,
                      std::string* bytes) const;

  // Calls the endpoint function `function` (not removed), of type
  // int (const ru_args *, ru_json *), with `params`. kNotFound if there is
  // no such endpoint; otherwise OK, with the call's own outcome in
  // `result`.
  Status CallEndpoint(const std::string& function, QueryParams params,
                      EndpointResult* result);

 private:
  class Impl;
  explicit Runtime(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_RUNTIME_H_
