/* A thread-local variable: each server thread counts its own calls.
 * GET / answers a positive number. */
#include "updateable.h"

static _Thread_local int64_t calls_on_this_thread;

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_int(out, ++calls_on_this_thread);
  return 0;
}
