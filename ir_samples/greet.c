/* A new endpoint function: upload with ?function=greet and it answers at
 * GET /fn/greet?name=Ada with "hello, Ada". */
#include <stdio.h>

#include "updateable.h"

int greet(const ru_args *args, ru_json *out) {
  const char *name = ru_arg(args, "name");
  char text[128];
  snprintf(text, sizeof(text), "hello, %s", name ? name : "world");
  ru_json_string(out, text);
  return 0;
}
