// The objects behind the opaque `ru_args` and `ru_json` of updateable.h, and
// the per-thread record of which of them belong to the call in progress.
//
// Uploaded code never sees pointers to these, only the handles below. Every
// ru_ function checks that the pointer it was given is a handle (or the
// current call's own object, for the server's code), so a stray or forged
// pointer is reported as misuse instead of being dereferenced by the
// server.

#ifndef RUNTIME_UPDATER_JIT_CALL_FRAME_H_
#define RUNTIME_UPDATER_JIT_CALL_FRAME_H_

#include <string>
#include <utility>
#include <vector>

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

struct ru_args {
  std::vector<std::pair<std::string, std::string>> params;
};

struct ru_json {
  ru_json();

  // Records the first misuse; later ones are ignored, as are all further
  // writes, so the message names the mistake that came first.
  void Misuse(const char* call, const std::string& what);

  // True when a value may be written now; records misuse otherwise.
  bool BeginValue(const char* call);
  // Bookkeeping after a value was written.
  void EndValue();

  using Writer = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>,
                                   rapidjson::UTF8<>, rapidjson::CrtAllocator,
                                   rapidjson::kWriteValidateEncodingFlag>;

  rapidjson::StringBuffer buffer;
  Writer writer;
  // One entry per open container: 'a' for an array, 'o' for an object.
  std::string open;
  bool key_due = false;    // Inside an object, a key must come next.
  bool has_value = false;  // The top-level value is complete.
  bool failed = false;     // ru_fail was called.
  std::string failure;     // Its message.
  std::string misuse;      // Non-empty once the function misused the API.
};

namespace ru {

// The arguments and result of the call running on this thread. Set for the
// duration of one call of uploaded code; the ru_ functions accept only these
// pointers.
struct CallFrame {
  const ru_args* args = nullptr;
  ru_json* out = nullptr;
};

// Installs `frame` as this thread's current call until destroyed, restoring
// the previous one (calls nest when uploaded code calls an updatable
// function that is itself an endpoint).
class ScopedCallFrame {
 public:
  ScopedCallFrame(const ru_args* args, ru_json* out);
  ~ScopedCallFrame();

  ScopedCallFrame(const ScopedCallFrame&) = delete;
  ScopedCallFrame& operator=(const ScopedCallFrame&) = delete;

 private:
  CallFrame saved_;
};

// What the call produced, once the function has returned.
struct CallResult {
  bool ok = false;
  std::string body;   // The JSON text when ok.
  std::string error;  // The reason when not ok.
};

// What uploaded code is handed in place of the current call's objects:
// addresses inside a region the process reserves with no access at all.
// The ru_ functions accept them and work on the current call's objects; a
// load or store the upload makes through them faults, as the upload's
// crash, instead of reaching the server's memory. The same two addresses
// serve every thread and every call.
const ru_args* UploadArgsHandle();
ru_json* UploadOutHandle();

// Turns a finished call into its result: misuse of the API first, then
// ru_fail or a non-zero return, then the written value ("null" if none).
CallResult FinishCall(const char* function, int returned, ru_json* out);

}  // namespace ru

#endif  // RUNTIME_UPDATER_JIT_CALL_FRAME_H_
