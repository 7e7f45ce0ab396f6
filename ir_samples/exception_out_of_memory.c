/* On ?huge=1 asks the C++ runtime for an exception object larger than any
 * memory: it cannot allocate one and calls std::terminate, which ends the
 * call with a 500 naming it, not the server. */
#include <stddef.h>

#include "updateable.h"

void *__cxa_allocate_exception(size_t size);

int foobar(const ru_args *args, ru_json *out) {
  if (ru_arg(args, "huge") != NULL) {
    __cxa_allocate_exception(((size_t)-1 >> 2) + ru_arg_count(args));
  }
  ru_json_string(out, "allocated nothing");
  return 0;
}
