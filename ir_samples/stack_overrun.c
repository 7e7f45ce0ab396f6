/* Writes ?by= bytes (default 0) past the end of a 16-byte local array,
 * over its frame's canary and return address. The server compiles uploads
 * with the stack protector, so the overrun is caught as the function
 * returns, and the call ends with a 500 that names it. */
#include <stdlib.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  const char *by = ru_arg(args, "by");
  long length = 16 + (by != NULL ? atol(by) : 0);
  char buffer[16];
  volatile char *bytes = buffer;
  for (long i = 0; i < length; ++i) bytes[i] = 'A';
  ru_json_int(out, bytes[0]);
  return 0;
}
