/* Busy-waits for ?ms= milliseconds (default 2000), then answers
 * {"slept_ms": N, "version": "slow"}. */
#include <stdlib.h>
#include <time.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  const char *ms = ru_arg(args, "ms");
  long wait_ms = ms ? atol(ms) : 2000;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 +
               (now.tv_nsec - start.tv_nsec) / 1000000 < wait_ms);
  ru_json_begin_object(out);
  ru_json_key(out, "slept_ms");
  ru_json_int(out, wait_ms);
  ru_json_key(out, "version");
  ru_json_string(out, "slow");
  ru_json_end_object(out);
  return 0;
}
