/* A function that fails: GET / answers 500 {"error": "This is broken"}. */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  return ru_fail(out, "This is broken");
}
