/* foobar calling both members of a set, with a pause of ?spin_us=
 * microseconds between the two calls: answers [pair_a, pair_b], which is
 * never a mix of two versions of the set. */
#include <stdlib.h>
#include <time.h>

#include "updateable.h"

int pair_a(const ru_args *args, ru_json *out);
int pair_b(const ru_args *args, ru_json *out);

static void Spin(long microseconds) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000000 +
               (now.tv_nsec - start.tv_nsec) / 1000 < microseconds);
}

int foobar(const ru_args *args, ru_json *out) {
  const char *spin = ru_arg(args, "spin_us");
  ru_json_begin_array(out);
  pair_a(args, out);
  Spin(spin ? atol(spin) : 0);
  pair_b(args, out);
  ru_json_end_array(out);
  return 0;
}
