/* Rejected: the module does not define foobar (422). */
#include "updateable.h"

int something_else(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_int(out, 1);
  return 0;
}
