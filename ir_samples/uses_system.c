/* Rejected: calls system(), which the server does not offer (422). */
#include <stdlib.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_int(out, system("true"));
  return 0;
}
