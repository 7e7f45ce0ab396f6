/* Unbounded recursion: overflows the stack; GET / answers 500. */
#include "updateable.h"

static long depth(volatile long n) {
  volatile char frame[256];
  frame[0] = (char)n;
  return depth(n + 1) + frame[0];
}

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_int(out, depth(0));
  return 0;
}
