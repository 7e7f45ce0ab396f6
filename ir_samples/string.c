/* A string: GET / answers "foobar". */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_string(out, "foobar");
  return 0;
}
