/* A second version of greet: answers {"greeting": "hi", "name": NAME}. */
#include "updateable.h"

int greet(const ru_args *args, ru_json *out) {
  const char *name = ru_arg(args, "name");
  ru_json_begin_object(out);
  ru_json_key(out, "greeting");
  ru_json_string(out, "hi");
  ru_json_key(out, "name");
  ru_json_string(out, name ? name : "world");
  ru_json_end_object(out);
  return 0;
}
