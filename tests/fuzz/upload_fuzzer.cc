// libFuzzer target for the upload path: every input is uploaded as a new
// version of foobar, exactly as POST /update_endpoint would (compiled in
// the sandboxed helper, checked, tried, made live), and then foobar is
// called. Whatever the bytes, the process hosting the runtime must never
// go down; the helper may.
//
// Built by scripts/fuzz.sh, with clang, in its own build directory.

#include <stdlib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jit/runtime.h"

namespace {

ru::Runtime* FuzzedRuntime() {
  static ru::Runtime* runtime = [] {
    char pattern[] = "/tmp/ru-fuzz-XXXXXX";
    ru::RuntimeOptions options;
    options.state_dir = mkdtemp(pattern);
    options.sync_writes = false;
    options.helper_executable = RU_SERVER_BINARY;
    options.probe_timeout_ms = 200;
    options.call_timeout_ms = 200;
    std::unique_ptr<ru::Runtime> created;
    std::vector<std::string> notes;
    ru::Status status = ru::Runtime::Create(options, &created, &notes);
    if (!status.ok()) abort();
    return created.release();
  }();
  return runtime;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ru::Runtime* runtime = FuzzedRuntime();
  ru::UpdateRequest request;
  request.bytes = std::string_view(reinterpret_cast<const char*>(data), size);
  ru::UpdateResult result;
  runtime->Update(request, &result);

  // The call the trial run tried: no parameters. (Other parameters may
  // lead uploaded code to what no guard covers, such as a bad pointer
  // handed to C++ operator delete; README, "When uploaded code fails".)
  ru::EndpointResult call;
  runtime->CallEndpoint("foobar", {}, &call);
  return 0;
}
