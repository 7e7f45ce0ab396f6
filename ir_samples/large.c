/* A large answer, for tests of responses bigger than a socket's buffer:
   GET /?kb=N answers a JSON string of N KiB of 'x' (at most 64 MiB). */
#include <stdlib.h>
#include <string.h>

#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  const char *kb = ru_arg(args, "kb");
  long size = kb ? atol(kb) * 1024 : 0;
  if (size < 0) size = 0;
  if (size > 64L << 20) size = 64L << 20;
  char *text = malloc(size + 1);
  if (text == NULL) return ru_fail(out, "out of memory");
  memset(text, 'x', size);
  text[size] = '\0';
  ru_json_string(out, text);
  free(text);
  return 0;
}
