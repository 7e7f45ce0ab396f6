/* Rejected: contains inline assembly (422). */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  int value = 0;
  __asm__ volatile("movl $7, %0" : "=r"(value));
  ru_json_int(out, value);
  return 0;
}
