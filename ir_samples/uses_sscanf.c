/* Rejected: calls sscanf, which the server does not offer because a bad
 * pointer handed to it could not be contained (422). strtol and strtod
 * parse numbers instead. */
#include <stdio.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  const char *in = ru_arg(args, "in");
  int value = 0;
  if (in != 0) sscanf(in, "%d", &value);
  ru_json_int(out, value);
  return 0;
}
