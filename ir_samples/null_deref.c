/* A NULL dereference: GET / answers 500 "function crashed: SIGSEGV ...",
 * and the server rolls foobar back and keeps serving. */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  volatile int *nowhere = (volatile int *)ru_arg(args, "no such argument");
  ru_json_int(out, *nowhere);
  return 0;
}
