/* Calls a function of the server: GET / answers what
 * function_for_foobar_to_call returns (1 until it is updated). */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_int(out, function_for_foobar_to_call());
  return 0;
}
