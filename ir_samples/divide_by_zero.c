/* Integer division by zero (SIGFPE): GET /?d=0 answers 500. */
#include <stdlib.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  const char *d = ru_arg(args, "d");
  volatile long divisor = d ? atol(d) : 0;
  ru_json_int(out, 100 / divisor);
  return 0;
}
