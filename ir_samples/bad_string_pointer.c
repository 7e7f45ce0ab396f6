/* Hands the server a wild string pointer: the fault happens in the
 * server's strlen, on behalf of the upload, and is contained (500). */
#include "updateable.h"

int foobar(const ru_args *args, ru_json *out) {
  (void)args;
  ru_json_string(out, (const char *)16);
  return 0;
}
