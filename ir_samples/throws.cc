// A C++ upload whose exception escapes foobar: GET / answers 500 and the
// exception never unwinds into the server.
#include <stdexcept>

#include "updateable.h"

extern "C" int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  (void)out;
  throw std::runtime_error("thrown by the upload");
}
