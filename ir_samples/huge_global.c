/* Rejected: 64 MiB of global variables, over the default limit (422). */
#include <stdlib.h>

#include "updateable.h"

static char table[64 << 20];

int foobar(const ru_args *args, ru_json *out) {
  const char *i = ru_arg(args, "i");
  long index = i ? atol(i) : 0;
  table[index] += 1;
  ru_json_int(out, table[index]);
  return 0;
}
