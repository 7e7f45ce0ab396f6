/* Two functions updated as one set (?function=pair_a&function=pair_b):
 * both answer "one". */
#include "updateable.h"

int pair_a(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_string(out, "one");
  return 0;
}

int pair_b(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_string(out, "one");
  return 0;
}
