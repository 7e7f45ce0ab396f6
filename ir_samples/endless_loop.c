/* An endless loop: interrupted at the call time limit; GET / answers 503. */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  volatile unsigned long spins = 0;
  for (;;) ++spins;
  ru_json_int(out, (int64_t)spins);
  return 0;
}
