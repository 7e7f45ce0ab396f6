/* A loop: GET / answers [0, 2, 4]. */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_begin_array(out);
  for (int i = 0; i < 6; i += 2) ru_json_int(out, i);
  ru_json_end_array(out);
  return 0;
}
