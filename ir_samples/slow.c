/* A slow foobar, for tests of slow calls: GET /?ms=N keeps the processor
   busy for N milliseconds (at most a minute), then answers N. There is no
   sleeping function on offer to uploads, so it watches the clock. */
#include <stdlib.h>
#include <time.h>

#include "updateable.h"

static long long NowMs(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

int foobar(const ru_args *args, ru_json *out) {
  const char *ms = ru_arg(args, "ms");
  long wait = ms ? atol(ms) : 0;
  if (wait < 0) wait = 0;
  if (wait > 60000) wait = 60000;
  long long end = NowMs() + wait;
  while (NowMs() < end) {
  }
  ru_json_int(out, wait);
  return 0;
}
