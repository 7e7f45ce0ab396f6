/* Grows its stack by ?kb= KiB at once (default 1) with a variable-length
 * array and fills it. A size beyond the thread's stack would step over the
 * guard page below it; the server compiles uploads with stack probes, so
 * it faults on the guard page instead, as a contained stack overflow. */
#include <stdlib.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  const char *kb = ru_arg(args, "kb");
  long size = (kb != NULL ? atol(kb) : 1) * 1024;
  if (size < 1) size = 1;
  volatile char buffer[size];
  /* From the lowest address up: the first store lands farthest away. */
  for (long i = 0; i < size; i += 512) buffer[i] = 'A';
  ru_json_int(out, buffer[0] + buffer[size - 1]);
  return 0;
}
