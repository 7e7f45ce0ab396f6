// A C++ upload that lets an exception leave a noexcept function on
// ?throw=1: C++ calls std::terminate, which ends that call with a 500
// naming it, not the server.
#include <stdexcept>

#include "updateable.h"

// Throwing from a noexcept function is the point of this sample.
#pragma clang diagnostic ignored "-Wexceptions"

static void Check(const char *value) noexcept {
  if (value != nullptr) throw std::runtime_error("escapes a noexcept function");
}

extern "C" int foobar(const ru_args *args, ru_json *out) {
  Check(ru_arg(args, "throw"));
  ru_json_string(out, "nothing thrown");
  return 0;
}
