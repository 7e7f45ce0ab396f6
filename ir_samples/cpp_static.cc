// A C++ upload: a static object built by its constructor when the version
// is loaded, and an exception thrown and caught inside the module.
// GET / answers ["built by a static constructor", "negative input"].
#include <stdexcept>
#include <string>

#include "updateable.h"

namespace {

struct Greeting {
  Greeting() : text("built by a static constructor") {}
  std::string text;
};

Greeting greeting;

int Checked(int value) {
  if (value < 0) throw std::invalid_argument("negative input");
  return value;
}

}  // namespace

extern "C" int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_begin_array(out);
  ru_json_string(out, greeting.text.c_str());
  try {
    ru_json_int(out, Checked(-1));
  } catch (const std::exception &e) {
    ru_json_string(out, e.what());
  }
  ru_json_end_array(out);
  return 0;
}
