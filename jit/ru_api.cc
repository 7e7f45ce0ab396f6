// The functions updateable.h offers to uploaded code. Each is defensive: it
// runs with arguments chosen by code we did not write, so every pointer is
// checked against the current call and every misuse is recorded instead of
// reaching RapidJSON, whose own checks are assertions.

#include <sys/mman.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "jit/call_frame.h"
#include "jit/call_guard.h"
#include "jit/updateable.h"

namespace ru {
namespace {

thread_local CallFrame current_frame;

// The region behind the handles: 1 MiB with no access, the handles a
// quarter and three quarters in, so that an upload's access at any offset
// up to 256 KiB from either still faults inside it.
constexpr size_t kHandleRegionBytes = 1 << 20;

uintptr_t ReserveHandleRegion() {
  void* reserved = mmap(nullptr, kHandleRegionBytes, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) {
    std::perror("reserving the address range of the call handles");
    std::abort();
  }
  return reinterpret_cast<uintptr_t>(reserved);
}

// Reserved as the program starts, so that a call pays no check for it.
const uintptr_t handle_region = ReserveHandleRegion();

// The result object of the call in progress if `out` is its handle (or
// itself); otherwise records the misuse on that object (when there is one)
// and returns null.
ru_json* CheckedOut(ru_json* out, const char* call) {
  ru_json* current = current_frame.out;
  if (current == nullptr) return nullptr;
  if (out != UploadOutHandle() && out != current) {
    current->Misuse(call, "was given a pointer that is not the result");
    return nullptr;
  }
  if (!current->misuse.empty()) return nullptr;
  return current;
}

const ru_args* CheckedArgs(const ru_args* args, const char* call) {
  const ru_args* current = current_frame.args;
  if (current == nullptr || args == current || args == UploadArgsHandle()) {
    return current;
  }
  if (current_frame.out != nullptr) {
    current_frame.out->Misuse(call, "was given a pointer that is not the args");
  }
  return nullptr;
}

const char* ContainerName(char kind) {
  return kind == 'a' ? "array" : "object";
}

}  // namespace

const ru_args* UploadArgsHandle() {
  return reinterpret_cast<const ru_args*>(handle_region +
                                          kHandleRegionBytes / 4);
}

ru_json* UploadOutHandle() {
  return reinterpret_cast<ru_json*>(handle_region + kHandleRegionBytes / 4 * 3);
}

ScopedCallFrame::ScopedCallFrame(const ru_args* args, ru_json* out)
    : saved_(current_frame) {
  current_frame.args = args;
  current_frame.out = out;
}

ScopedCallFrame::~ScopedCallFrame() { current_frame = saved_; }

CallResult FinishCall(const char* function, int returned, ru_json* out) {
  CallResult result;
  if (out->misuse.empty() && !out->open.empty()) {
    out->misuse = std::string("the result has ") +
                  std::to_string(out->open.size()) +
                  " unclosed array or object (last opened: " +
                  ContainerName(out->open.back()) + ")";
  }
  if (!out->misuse.empty()) {
    result.error = "misuse of the result API: " + out->misuse;
    return result;
  }
  if (out->failed) {
    result.error = out->failure;
    return result;
  }
  if (returned != 0) {
    result.error = std::string(function) + " returned " +
                   std::to_string(returned) + " without a message";
    return result;
  }
  result.ok = true;
  if (out->has_value) {
    result.body.assign(out->buffer.GetString(), out->buffer.GetSize());
  } else {
    result.body = "null";
  }
  return result;
}

}  // namespace ru

ru_json::ru_json() : writer(buffer) {}

void ru_json::Misuse(const char* call, const std::string& what) {
  if (misuse.empty()) misuse = std::string(call) + " " + what;
}

bool ru_json::BeginValue(const char* call) {
  if (has_value) {
    Misuse(call, "wrote a second top-level value");
    return false;
  }
  if (key_due) {
    Misuse(call, "wrote a value where an object key is due");
    return false;
  }
  return true;
}

void ru_json::EndValue() {
  if (open.empty()) {
    has_value = true;
  } else if (open.back() == 'o') {
    key_due = true;
  }
}

extern "C" {

const char* ru_arg(const ru_args* args, const char* name) {
  args = ru::CheckedArgs(args, "ru_arg");
  if (args == nullptr || name == nullptr) return nullptr;
  std::string_view wanted(name, ru::UploadStrlen(name));
  for (const auto& param : args->params) {
    if (param.first == wanted) return param.second.c_str();
  }
  return nullptr;
}

size_t ru_arg_count(const ru_args* args) {
  args = ru::CheckedArgs(args, "ru_arg_count");
  return args == nullptr ? 0 : args->params.size();
}

const char* ru_arg_name(const ru_args* args, size_t i) {
  args = ru::CheckedArgs(args, "ru_arg_name");
  if (args == nullptr || i >= args->params.size()) return nullptr;
  return args->params[i].first.c_str();
}

const char* ru_arg_value(const ru_args* args, size_t i) {
  args = ru::CheckedArgs(args, "ru_arg_value");
  if (args == nullptr || i >= args->params.size()) return nullptr;
  return args->params[i].second.c_str();
}

void ru_json_null(ru_json* out) {
  out = ru::CheckedOut(out, "ru_json_null");
  if (out == nullptr || !out->BeginValue("ru_json_null")) return;
  out->writer.Null();
  out->EndValue();
}

void ru_json_bool(ru_json* out, int value) {
  out = ru::CheckedOut(out, "ru_json_bool");
  if (out == nullptr || !out->BeginValue("ru_json_bool")) return;
  out->writer.Bool(value != 0);
  out->EndValue();
}

void ru_json_int(ru_json* out, int64_t value) {
  out = ru::CheckedOut(out, "ru_json_int");
  if (out == nullptr || !out->BeginValue("ru_json_int")) return;
  out->writer.Int64(value);
  out->EndValue();
}

void ru_json_double(ru_json* out, double value) {
  out = ru::CheckedOut(out, "ru_json_double");
  if (out == nullptr || !out->BeginValue("ru_json_double")) return;
  if (!std::isfinite(value)) {
    out->Misuse("ru_json_double", std::isnan(value)
                                      ? "wrote NaN, which JSON cannot hold"
                                      : "wrote infinity, which JSON "
                                        "cannot hold");
    return;
  }
  out->writer.Double(value);
  out->EndValue();
}

void ru_json_string(ru_json* out, const char* utf8) {
  out = ru::CheckedOut(out, "ru_json_string");
  if (out == nullptr || !out->BeginValue("ru_json_string")) return;
  if (utf8 == nullptr) {
    out->writer.Null();
  } else if (!out->writer.String(utf8, ru::UploadStrlen(utf8))) {
    out->Misuse("ru_json_string", "wrote a string that is not valid UTF-8");
    return;
  }
  out->EndValue();
}

void ru_json_begin_array(ru_json* out) {
  out = ru::CheckedOut(out, "ru_json_begin_array");
  if (out == nullptr || !out->BeginValue("ru_json_begin_array")) return;
  out->writer.StartArray();
  out->open.push_back('a');
}

void ru_json_end_array(ru_json* out) {
  out = ru::CheckedOut(out, "ru_json_end_array");
  if (out == nullptr) return;
  if (out->open.empty() || out->open.back() != 'a') {
    out->Misuse("ru_json_end_array", out->open.empty()
                                         ? "closed an array that is not open"
                                         : "closed an array while an object "
                                           "is open");
    return;
  }
  out->writer.EndArray();
  out->open.pop_back();
  out->EndValue();
}

void ru_json_begin_object(ru_json* out) {
  out = ru::CheckedOut(out, "ru_json_begin_object");
  if (out == nullptr || !out->BeginValue("ru_json_begin_object")) return;
  out->writer.StartObject();
  out->open.push_back('o');
  out->key_due = true;
}

void ru_json_key(ru_json* out, const char* utf8) {
  out = ru::CheckedOut(out, "ru_json_key");
  if (out == nullptr) return;
  if (out->open.empty() || out->open.back() != 'o') {
    out->Misuse("ru_json_key", "wrote a key outside an object");
    return;
  }
  if (!out->key_due) {
    out->Misuse("ru_json_key", "wrote a key where a value is due");
    return;
  }
  if (utf8 == nullptr) {
    out->Misuse("ru_json_key", "was given a NULL key");
    return;
  }
  if (!out->writer.Key(utf8, ru::UploadStrlen(utf8))) {
    out->Misuse("ru_json_key", "wrote a key that is not valid UTF-8");
    return;
  }
  out->key_due = false;
}

void ru_json_end_object(ru_json* out) {
  out = ru::CheckedOut(out, "ru_json_end_object");
  if (out == nullptr) return;
  if (out->open.empty() || out->open.back() != 'o') {
    out->Misuse("ru_json_end_object", out->open.empty()
                                          ? "closed an object that is not open"
                                          : "closed an object while an array "
                                            "is open");
    return;
  }
  if (!out->key_due) {
    out->Misuse("ru_json_end_object",
                "closed an object after a key with "
                "no value");
    return;
  }
  out->writer.EndObject();
  out->open.pop_back();
  out->key_due = false;
  out->EndValue();
}

int ru_fail(ru_json* out, const char* message) {
  out = ru::CheckedOut(out, "ru_fail");
  if (out != nullptr && !out->failed) {
    out->failed = true;
    if (message == nullptr) {
      out->failure = "the function failed";
    } else {
      out->failure.assign(message, ru::UploadStrlen(message));
    }
  }
  return 1;
}

}  // extern "C"
