/* Two values of different types: GET / answers ["foobar", 5]. */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_begin_array(out);
  ru_json_string(out, "foobar");
  ru_json_int(out, 5);
  ru_json_end_array(out);
  return 0;
}
