// For runtime_test only: a static object whose destructor counts its runs
// in a variable of the test program, to show that destructors run when a
// version is dropped. A server does not offer that variable, so this
// upload is refused there.
#include "updateable.h"

extern "C" int ru_test_destructors_run;

namespace {

struct Counted {
  ~Counted() { ++ru_test_destructors_run; }
};

Counted counted;

}  // namespace

extern "C" int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_string(out, "destructor probe");
  return 0;
}
