/* Misuses the result API (an array left open): GET / answers 500 with an
 * error that says so, and the server carries on. */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_begin_array(out);
  ru_json_int(out, 1);
  return 0;
}
