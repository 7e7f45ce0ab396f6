/* Echoes the query: GET /?a=1&b=x%20y answers [["a", "1"], ["b", "x y"]],
 * in request order, repeats included. */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  ru_json_begin_array(out);
  for (size_t i = 0; i < ru_arg_count(args); ++i) {
    ru_json_begin_array(out);
    ru_json_string(out, ru_arg_name(args, i));
    ru_json_string(out, ru_arg_value(args, i));
    ru_json_end_array(out);
  }
  ru_json_end_array(out);
  return 0;
}
