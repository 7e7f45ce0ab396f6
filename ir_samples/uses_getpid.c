/* Calls getpid(), which is not on the curated list: refused (422) unless
 * the operator adds it with --allow_symbols=getpid. */
#include <unistd.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_bool(out, getpid() > 0);
  return 0;
}
